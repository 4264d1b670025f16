"""Quantities the estimator reads: accepted units, plausibility checks, rounding to grams."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from app.core.errors import InvalidInput
from app.core.messages import _

KG = Decimal("0.001")
ZERO = Decimal(0)
HUNDRED = Decimal(100)

#: Accepted units -> multiplier to the unit a factor is per.
ENERGY = {"kWh": Decimal(1), "度": Decimal(1), "MWh": Decimal(1000)}
MASS = {"kg": Decimal(1), "g": Decimal("0.001"), "t": Decimal(1000)}
VOLUME_M3 = {"m3": Decimal(1), "L": Decimal("0.001")}
WATER = {"m3": Decimal(1), "t": Decimal(1), "吨": Decimal(1), "L": Decimal("0.001")}
HEAT = {
    "GJ": Decimal(1),
    "MJ": Decimal("0.001"),
    "kWh": Decimal("0.0036"),
    "MWh": Decimal("3.6"),
    "Gcal": Decimal("4.1868"),
}
LITRES = {"L": Decimal(1), "m3": Decimal(1000)}
DISTANCE = {"km": Decimal(1), "m": Decimal("0.001")}


def amount_in(
    amount: Decimal, unit: str | None, units: dict[str, Decimal], maximum: Decimal, field: str
) -> Decimal:
    if unit not in units:
        raise InvalidInput(
            _("Unknown unit '%(unit)s'; use one of %(value)s.", unit=unit, value=", ".join(units)),
            field=join_field(field, "unit"),
            allowed=list(units),
        )
    value = check(amount, None, join_field(field, "amount")) * units[unit]
    if value > maximum:
        raise InvalidInput(
            _(
                "%(amount)s %(unit)s is implausibly large for one household.",
                amount=amount,
                unit=unit,
            ),
            field=join_field(field, "amount"),
        )
    return value


def check(value: Decimal, maximum: Decimal | None, field: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput(_("Not a finite number."), field=field)
    if value < 0:
        raise InvalidInput(_("Must not be negative."), field=field)
    if maximum is not None and value > maximum:
        raise InvalidInput(
            _("%(value)s is implausibly large for one household.", value=value), field=field
        )
    return value


def join_field(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


def to_kg(value: Decimal) -> Decimal:
    return value.quantize(KG, rounding=ROUND_HALF_UP)


def kg_range(kg: Decimal, pct: Decimal | None) -> tuple[Decimal, Decimal]:
    if pct is None:
        return kg, kg
    spread = kg * pct / HUNDRED
    return to_kg(max(kg - spread, ZERO)), to_kg(kg + spread)


def quadrature(a: Decimal, b: Decimal) -> Decimal:
    return ((a * a + b * b).sqrt()).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def ratio(value: Decimal, reference: Decimal) -> Decimal:
    return (value / reference).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
