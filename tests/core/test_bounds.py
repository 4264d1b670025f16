"""app.core.bounds: the decimals and dates the domain can compute with."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from app.core.bounds import check_day, exact_sum, parse_decimal
from app.core.codes import ascii_text
from app.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", D(0)), ("12.5", D("12.5")), ("9" * 15, D("9" * 15)), ("0." + "0" * 14 + "1", D("1E-15")),
     (7, D(7)), (D("0.1"), D("0.1")), (D("1E+3"), D(1000)), (D("-0"), D(0))],
)  # fmt: skip
def test_plain_bounded_decimals_parse_exactly(value, expected):
    assert parse_decimal(value) == expected


@pytest.mark.parametrize(
    "value",
    ["1E+999999999", "1e3", "-1", "+1", " 1", "1.", ".5", "9" * 16, "1." + "0" * 16, "NaN", "",
     "٣", "9" * 200_000, 0.5, True, None, D("Infinity"), D("1E+15"), D("1E-16"), D(-1), 10**15],
)  # fmt: skip
def test_anything_else_is_invalid_input(value):
    with pytest.raises(InvalidInput):
        parse_decimal(value)


def test_sums_are_exact_beyond_28_digits():
    a, b = D("99999999999999.999999999999999"), D("0.000000000000002")
    assert exact_sum([a, b]) == D("100000000000000.000000000000001")
    assert sum([a, b]) == D("100000000000000")  # what the default context gives


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1899, 12, 31)])
def test_days_outside_the_range_are_invalid(day):
    with pytest.raises(InvalidInput):
        check_day(day, field="start")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09506000134352", "09506000134352"), ("０９５０６", "09506"), ("٠٩٥", "095"),
     ("۰۹۵", "095"), ("(０１)", "(01)"), ("ＴＪＳ－ＰＣＦ", "TJS-PCF"), ("星桥", "星桥")],
)  # fmt: skip
def test_ascii_text_normalises_digits_of_every_script(text, expected):
    assert ascii_text(text) == expected
