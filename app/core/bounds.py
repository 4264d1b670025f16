"""What the domain can compute with: plain decimals of bounded size, dates in a bounded range.

Every decimal that enters Tanji (a request, an import row, an ingest API certificate) is read
by ``parse_decimal``, so no input can overflow the arithmetic downstream or fill memory with
a 200,000-digit number; every date is checked against ``FIRST_DAY``..``LAST_DAY`` so date
arithmetic (the day after a period, the month after a month) never leaves ``datetime``'s range.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Context, Decimal, Inexact, InvalidOperation, localcontext

from app.core.errors import InvalidInput
from app.core.messages import Message, _

#: Most digits before and after the decimal point (a quantity of 10^15 is absurd everywhere).
INT_DIGITS = 15
FRACTION_DIGITS = 15
#: A plain non-negative decimal as text: digits, optionally a point and more digits; no sign,
#: no exponent. The OpenAPI spec publishes this pattern for every decimal string.
PLAIN_DECIMAL = re.compile(rf"[0-9]{{1,{INT_DIGITS}}}(?:\.[0-9]{{1,{FRACTION_DIGITS}}})?")
PLAIN_DECIMAL_PATTERN = f"^{PLAIN_DECIMAL.pattern}$"
#: The longest text that can be a plain decimal; anything longer is refused before parsing.
MAX_DECIMAL_CHARS = INT_DIGITS + 1 + FRACTION_DIGITS

#: Dates Tanji accepts in any input: far enough back for old bills, far enough ahead for
#: certificate validity, and a year away from datetime's limits either side.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)
#: A day as YYYY-MM-DD in the years of FIRST_DAY..LAST_DAY (the spec states it beside format: date).
DAY_PATTERN = r"^(19|20|21)[0-9]{2}-[0-9]{2}-[0-9]{2}$"
#: A month as YYYY-MM, within FIRST_DAY..LAST_DAY.
MONTH_PATTERN = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$"

#: Sums of bounded decimals are exact in this context (any Inexact result raises).
_EXACT = Context(prec=4 * MAX_DECIMAL_CHARS, traps=[Inexact, InvalidOperation])


def parse_decimal(value: object) -> Decimal:
    """A non-negative decimal from a plain decimal string ("12.5") or a number read exactly
    (an int, or a Decimal such as the JSON parser gives for 12.5).

    Raises InvalidInput (without a field: the caller knows it) for anything else: floats (0.1 is not exactly 0.1), booleans,
    exponents in text, signs, NaN/Infinity, or more than INT_DIGITS / FRACTION_DIGITS digits.
    """
    if isinstance(value, str):
        if len(value) > MAX_DECIMAL_CHARS or not PLAIN_DECIMAL.fullmatch(value):
            raise InvalidInput(
                _(
                    "'%(value)s' is not a plain decimal (digits, an optional point and at most %(int_digits)s digits before it and %(fraction_digits)s after).",
                    value=value[:40],
                    int_digits=INT_DIGITS,
                    fraction_digits=FRACTION_DIGITS,
                ),
            )
        return Decimal(value)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InvalidInput(_('Expected a decimal number, written as a string such as "12.5".'))
    number = Decimal(value)
    if (
        not number.is_finite()
        or number.is_signed()
        and number != 0
        or (number != 0 and number.adjusted() >= INT_DIGITS)
        or -number.as_tuple().exponent > FRACTION_DIGITS  # type: ignore[operator]
    ):
        raise InvalidInput(
            _(
                "%(value)s is out of range (at least 0, at most %(int_digits)s digits before the point and %(fraction_digits)s after).",
                value=str(value)[:40],
                int_digits=INT_DIGITS,
                fraction_digits=FRACTION_DIGITS,
            )
        )
    return number


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of bounded decimals (the default context would round to 28 digits)."""
    with localcontext(_EXACT):
        return sum(values, Decimal(0))


def check_day(day: dt.date, *, field: str) -> dt.date:
    """Raises InvalidInput for a date outside FIRST_DAY..LAST_DAY."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(out_of_range_day(day), field=field)
    return day


def out_of_range_day(day: dt.date) -> Message:
    return _(
        "%(day)s is outside %(first)s..%(last)s.",
        day=day.isoformat(),
        first=FIRST_DAY.isoformat(),
        last=LAST_DAY.isoformat(),
    )
