"""What a label shows, as rules: the footprint per declared unit and per sales unit, units,
system boundaries and life-cycle stages in words, and which certificate a person should look
at instead of an old one. Plain Python; pages and images render the result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.core.benchmark import per_unit
from app.core.footprints import (
    Catalogue,
    Certificate,
    CertificateView,
    Product,
    ProductFootprint,
    Quantity,
    lookup_certificate,
    lookup_products,
)
from app.core.messages import Message, _

#: Units as a label writes them after a number ("0.55 L", zh "0.55 升"). Keys: the PACT
#: declared-unit vocabulary, plus the smaller units a net content is shown in.
UNIT_SYMBOLS: dict[str, Message] = {
    "liter": _("L"),
    "milliliter": _("mL"),
    "kilogram": _("kg"),
    "gram": _("g"),
    "tonne": _("t"),
    "cubic meter": _("m³"),
    "kilowatt hour": _("kWh"),
    "megajoule": _("MJ"),
    "ton kilometer": _("t·km"),
    "square meter": _("m²"),
    "item": _("item"),
}
#: "per <unit>" when the amount is 1 ("per L", zh "每升"): units read differently alone.
PER_UNIT: dict[str, Message] = {
    "liter": _("per L"),
    "kilogram": _("per kg"),
    "tonne": _("per t"),
    "cubic meter": _("per m³"),
    "kilowatt hour": _("per kWh"),
    "megajoule": _("per MJ"),
    "ton kilometer": _("per t·km"),
    "square meter": _("per m²"),
    "item": _("per item"),
}
BOUNDARY_NAMES: dict[str, Message] = {
    "cradle-to-gate": _("cradle to gate"),
    "cradle-to-grave": _("cradle to grave"),
}
BOUNDARY_EXPLAINED: dict[str, Message] = {
    "cradle-to-gate": _(
        "Cradle to gate: from extracting the raw materials to the product leaving the factory "
        "gate. Transport to the shop, use and disposal are not included."
    ),
    "cradle-to-grave": _(
        "Cradle to grave: the whole life, from raw materials through production, distribution "
        "and use to disposal or recycling."
    ),
}
STAGE_NAMES: dict[str, Message] = {
    "raw_material_acquisition": _("Raw materials"),
    "production": _("Production"),
    "distribution": _("Distribution"),
    "use": _("Use"),
    "end_of_life": _("End of life"),
}
#: A recorded status change, as a certificate's history lists it.
STATUS_CHANGES: dict[str, Message] = {
    "valid": _("Reinstated"),
    "suspended": _("Suspended"),
    "revoked": _("Revoked"),
}
#: Significant digits of a figure Tanji derives (a certified figure is shown as certified).
DERIVED_DIGITS = 3
#: Below one of these, a net content reads better in the smaller unit (0.55 L -> 550 mL).
_SMALLER = {"liter": ("milliliter", Decimal(1000)), "kilogram": ("gram", Decimal(1000))}


@dataclass(frozen=True)
class Figure:
    """kg CO2e per ``amount`` ``unit``; ``content`` is what one sales unit holds (550 mL), and
    ``derived`` says Tanji computed it (rounded) rather than the certificate stating it."""

    value: Decimal
    amount: Decimal
    unit: str
    content: Quantity | None = None
    derived: bool = False

    @property
    def text(self) -> str:
        """The value as shown: a certified figure exactly as certified (69.50), a derived one
        without exponent or trailing zeros."""
        return plain(self.value) if self.derived else format(self.value, "f")

    @property
    def per(self) -> Message:
        """'per kg', 'per 1000 kg', 'per item (550 mL)': the unit the value is per, in words."""
        if self.content is not None:
            return _(
                "per %(unit)s (%(content)s)",
                unit=UNIT_SYMBOLS.get(self.unit, self.unit),
                content=quantity_text(self.content),
            )
        if self.amount == 1 and self.unit in PER_UNIT:
            return PER_UNIT[self.unit]
        if self.unit == "kilogram" and self.amount == 1000:
            return PER_UNIT["tonne"]  # steel, cement, fertiliser are declared per tonne
        return _(
            "per %(amount)s %(unit)s",
            amount=plain(self.amount),
            unit=UNIT_SYMBOLS.get(self.unit, self.unit),
        )


@dataclass(frozen=True)
class LabelFigures:
    """The figures a label shows: as certified (per declared unit), per 1 declared unit when
    the certificate declares per several (per 1000 kg -> per kg), and per sales unit."""

    declared: Figure
    per_one: Figure | None
    sales: Figure | None


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 0.55, 550, 1200."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def significant(value: Decimal, digits: int = DERIVED_DIGITS) -> Decimal:
    """``value`` rounded half up to ``digits`` significant digits (0.09240 -> 0.0924)."""
    if value == 0:
        return Decimal(0)
    exponent = value.adjusted() - digits + 1
    return value.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)


def readable(quantity: Quantity) -> Quantity:
    """A net content in the unit a person reads it in: 0.55 liter -> 550 milliliter."""
    smaller = _SMALLER.get(quantity.unit)
    if smaller is not None and 0 < quantity.amount < 1:
        unit, factor = smaller
        return Quantity(quantity.amount * factor, unit)
    return quantity


def quantity_text(quantity: Quantity) -> Message:
    """'550 mL', zh '550 毫升'."""
    shown = readable(quantity)
    return _(
        "%(amount)s %(unit)s",
        amount=plain(shown.amount),
        unit=UNIT_SYMBOLS.get(shown.unit, shown.unit),
    )


def figures(certificate: Certificate, product: Product | None) -> LabelFigures:
    """The footprint per declared unit (as certified), per 1 declared unit, and per sales
    unit: as the certificate states it, else derived when the sales unit's net content (or
    the sales unit itself) is in the declared unit; None when the units differ."""
    c = certificate
    declared = Figure(c.pcf, c.declared_unit_amount, c.declared_unit)
    per_one = None
    if c.declared_unit_amount not in (0, 1):
        per_one = Figure(
            significant(c.pcf / c.declared_unit_amount), Decimal(1), c.declared_unit, derived=True
        )
    return LabelFigures(declared, per_one, _sales_figure(c, product))


def _sales_figure(c: Certificate, product: Product | None) -> Figure | None:
    if product is None:
        if c.pcf_per_sales_unit is None:
            return None
        return Figure(c.pcf_per_sales_unit, Decimal(1), "item")
    sales, content = product.sales_unit, product.net_content
    if sales.unit == c.declared_unit and content is None:
        # Sold in the declared unit itself (per item, declared per item): nothing to add
        # unless the sales unit holds several.
        if sales.amount == c.declared_unit_amount:
            return None
        content = sales
    if c.pcf_per_sales_unit is not None:
        return Figure(c.pcf_per_sales_unit, sales.amount, sales.unit, content=content)
    if content is None or content.unit != c.declared_unit or not c.declared_unit_amount:
        return None
    value = significant(c.pcf * content.amount / c.declared_unit_amount)
    return Figure(value, sales.amount, sales.unit, content=content, derived=True)


def stage_shares(certificate: Certificate) -> list[tuple[str, Message, Decimal]]:
    """The life-cycle stages of a footprint in life-cycle order: (key, name, kg CO2e per
    declared unit); empty when the certificate gives no breakdown."""
    stages = certificate.stages or {}
    order = list(STAGE_NAMES)
    keys = sorted(stages, key=lambda k: order.index(k) if k in order else len(order))
    return [(k, STAGE_NAMES.get(k, _("Other")), stages[k]) for k in keys]


@dataclass(frozen=True)
class CertificatePage:
    """A certificate as its label page shows it, and the product's current valid certificate
    when that is another one (an old or revoked label points to it)."""

    view: CertificateView
    current: CertificateView | None
    footprint: ProductFootprint | None


def certificate_page(catalogue: Catalogue, number: str, today: dt.date) -> CertificatePage:
    """Raises NotFound if no certificate has this number."""
    found = lookup_certificate(catalogue, number, today)
    footprint = lookup_products(catalogue, [found.certificate.gtin], today, benchmarks=False).get(
        found.certificate.gtin
    )
    current = None
    if (
        footprint is not None
        and footprint.current is not None
        and footprint.certified
        and footprint.current.certificate.number != found.certificate.number
    ):
        current = footprint.current
    return CertificatePage(found, current, footprint)


def product_history(footprint: ProductFootprint) -> list[CertificateView]:
    """Every certificate of a product, newest issued first."""
    views = ([footprint.current] if footprint.current else []) + list(footprint.earlier)
    return sorted(
        views, key=lambda v: (v.certificate.issued_on, v.certificate.number), reverse=True
    )


def comparable_history(footprint: ProductFootprint) -> list[tuple[CertificateView, Decimal]]:
    """The product's certificates comparable with its current one (same declared unit and
    system boundary), oldest first, each with its kg CO2e per 1 declared unit; empty when
    there are fewer than two, so there is no trend to show."""
    if footprint.current is None:
        return []
    unit = footprint.current.certificate.declared_unit
    boundary = footprint.current.certificate.system_boundary
    found = [
        (v, per_unit(v.certificate.pcf, v.certificate.declared_unit_amount))
        for v in reversed(product_history(footprint))
        if v.certificate.declared_unit == unit and v.certificate.system_boundary == boundary
    ]
    return found if len(found) >= 2 else []
