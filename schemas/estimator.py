"""The household estimator: request and response contracts.

Unknown fields are rejected everywhere (marshmallow's RAISE), so nothing we did not ask for
(a name, a phone number, a meter number...) can slip in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import RAISE, Schema, fields, pre_load, validate

from app.i18n import translate
from schemas.common import (
    Day,
    DecimalIn,
    Localized,
    Month,
    check_count,
    current_lang,
    dump,
    localize,
)


class Strict(Schema):
    class Meta:
        unknown = RAISE


# -- requests ----------------------------------------------------------------------------
class QuantityIn(Strict):
    amount = DecimalIn(required=True, metadata={"example": "250"})
    unit = fields.String(
        required=True, validate=validate.Length(max=16), metadata={"example": "kWh"}
    )


class SeasonIn(Strict):
    start = Day(required=True, metadata={"description": "First heating day"})
    end = Day(required=True, metadata={"description": "Last heating day (inclusive)"})


class HeatingIn(QuantityIn):
    season = fields.Nested(
        SeasonIn,
        metadata={
            "description": "The heating season a floor area (m2) is spread over, from the heat "
            "bill; default: the season assumed for the province (stated on the line)"
        },
    )


class PeriodIn(Strict):
    start = Day(metadata={"description": "First day (inclusive)"})
    end = Day(metadata={"description": "Last day (inclusive)"})
    month = Month(metadata={"example": "2026-05"})


class CarIn(Strict):
    fuel = fields.String(required=True, validate=validate.OneOf(("petrol", "diesel")))
    amount = DecimalIn(metadata={"description": "Fuel bought, with unit (L or m3)"})
    unit = fields.String(validate=validate.Length(max=16), metadata={"example": "L"})
    distance = fields.Nested(
        QuantityIn, metadata={"description": "Distance driven (km or m), with consumption"}
    )
    consumption = DecimalIn(metadata={"description": "Litres per 100 km"})


class PurchaseIn(Strict):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=4096),
        metadata={"description": "Anything /v1/resolve accepts", "example": "09506000134352"},
    )
    quantity = DecimalIn(
        load_default=None, metadata={"description": "Sales units bought; default 1"}
    )
    date = Day(
        load_default=None,
        metadata={
            "description": "Day bought: the certificate is judged on it (default: the end of "
            "the period, or today if that is later)"
        },
    )


class EstimateRequest(Strict):
    period = fields.Nested(PeriodIn, required=True)
    household_size = fields.Integer(required=True, metadata={"example": 3})
    province = fields.String(
        validate=validate.Length(max=8),
        allow_none=True,
        metadata={
            "description": "ISO 3166-2:CN code, e.g. GD or CN-GD; enables the regional grid view"
        },
    )
    electricity = fields.Nested(QuantityIn, metadata={"description": "kWh, 度 or MWh"})
    ev_charging = fields.Nested(
        QuantityIn, metadata={"description": "kWh charged at home or public chargers"}
    )
    natural_gas = fields.Nested(QuantityIn, metadata={"description": "m3 or L"})
    lpg = fields.Nested(QuantityIn, metadata={"description": "kg, g or t"})
    coal = fields.Nested(QuantityIn, metadata={"description": "kg, g or t"})
    district_heating = fields.Nested(
        HeatingIn,
        metadata={
            "description": "GJ, MJ, kWh, MWh, Gcal; or m2 of heated floor area, prorated by "
            "the part of the heating season the period covers"
        },
    )
    tap_water = fields.Nested(QuantityIn, metadata={"description": "m3, t (吨) or L"})
    car = fields.List(fields.Nested(CarIn), validate=validate.Length(max=20))
    rail = fields.Nested(
        QuantityIn, metadata={"description": "Passenger-km travelled by the household (km)"}
    )
    air = fields.Nested(
        QuantityIn, metadata={"description": "Passenger-km flown by the household (km)"}
    )
    purchases = fields.List(
        fields.Nested(PurchaseIn),
        metadata={"description": "At most HOUSEHOLD_PURCHASE_LIMIT (2000) lines"},
    )

    @pre_load
    def count_first(self, data: Any, **_: Any) -> Any:
        return check_count(data, "purchases", "HOUSEHOLD_PURCHASE_LIMIT")


# -- responses ---------------------------------------------------------------------------
class FactorRefSchema(Schema):
    id = fields.String()
    name = fields.Function(lambda f: f.name_en if current_lang() == "en" else f.name_zh)
    value = fields.Decimal(as_string=True)
    unit = fields.String()
    basis = fields.String()
    boundary = fields.String()
    region = fields.String()
    year = fields.Integer()
    publisher = fields.String()
    source_title = fields.String()
    source_url = fields.String()
    uncertainty_pct = fields.Decimal(as_string=True, allow_none=True)
    note = fields.String(allow_none=True)


class AssumptionSchema(Schema):
    id = fields.String()
    value = fields.Decimal(as_string=True)
    unit = fields.String()
    uncertainty_pct = fields.Decimal(as_string=True)
    note = fields.String()


class LineSchema(Schema):
    field = fields.String(metadata={"description": "Which input this line comes from"})
    kind = fields.String()
    label = Localized()
    given = fields.Function(lambda ln: {"amount": _s(ln.given_amount), "unit": ln.given_unit})
    activity = fields.Function(lambda ln: {"amount": _s(ln.activity), "unit": ln.activity_unit})
    kg = fields.Decimal(
        as_string=True, metadata={"description": "kg CO2e (CO2 where basis is CO2)"}
    )
    uncertainty = fields.Function(
        lambda ln: {"pct": _s(ln.uncertainty_pct), "low_kg": _s(ln.low), "high_kg": _s(ln.high)}
    )
    basis = fields.String()
    boundary = fields.String()
    note = Localized(allow_none=True)
    factor = fields.Nested(FactorRefSchema, allow_none=True)
    assumption = fields.Nested(AssumptionSchema, allow_none=True)
    heating_season = fields.Function(
        lambda ln: _season(ln),
        allow_none=True,
        metadata={
            "description": "District heating: the season assumed (by province) or given, and "
            "the share of one season's heat the period covers"
        },
    )
    certificate = fields.Method("get_certificate")
    product = fields.Method("get_product")

    def get_certificate(self, ln: Any) -> dict[str, Any] | None:
        c = ln.certificate
        if c is None:
            return None
        return {
            "number": c.number,
            "certification_body": c.body.id,
            "standards": list(c.standards),
            "pcf_per_sales_unit": str(c.pcf_per_sales_unit),
            "system_boundary": c.system_boundary,
            "valid_until": c.valid_until.isoformat(),
            "emission_factor_database": c.factor_database,
            "emission_factor_database_version": c.factor_database_version,
            "sample": c.sample,
        }

    def get_product(self, ln: Any) -> dict[str, Any] | None:
        p = ln.product
        return None if p is None else {"gtin": p.gtin, "name": localize(p.name), "sample": p.sample}


class NotCountedSchema(Schema):
    field = fields.String()
    code = fields.String()
    quantity = fields.Decimal(as_string=True)
    reason = fields.String()
    message = Localized()
    gtin = fields.String(allow_none=True)
    certificate_number = fields.String(allow_none=True)
    product = fields.Function(lambda n: None if n.product is None else localize(n.product.name))


class SubtotalSchema(Schema):
    boundary = fields.String()
    basis = fields.String()
    kg = fields.Decimal(as_string=True)
    low_kg = fields.Decimal(as_string=True, attribute="low")
    high_kg = fields.Decimal(as_string=True, attribute="high")
    lines = fields.Integer()


class ViewSchema(Schema):
    label = Localized()
    counted_in_total = fields.Constant(False)
    kwh = fields.Decimal(as_string=True)
    kg = fields.Decimal(as_string=True, metadata={"description": "kg CO2 (grid-average, CO2 only)"})
    factor = fields.Nested(FactorRefSchema)


class ComparisonSchema(Schema):
    id = fields.Function(lambda c: c.reference.id)
    label = Localized(attribute="reference.label")
    yours = fields.Decimal(as_string=True, allow_none=True)
    reference = fields.Function(
        lambda c: {
            "value": str(c.reference.value),
            "unit": c.reference.unit,
            "year": c.reference.year,
            "publisher": c.reference.publisher,
            "source_title": c.reference.source_title,
            "source_url": c.reference.source_url,
            "note": c.reference.note,
        }
    )
    ratio = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "yours / reference"}
    )
    note = Localized()


class EstimateSchema(Schema):
    """The estimate: every number traceable to a factor, certificate or labelled assumption."""

    notice = Localized(metadata={"description": "What this is, in words"})
    period = fields.Function(
        lambda e: {"start": e.start.isoformat(), "end": e.end.isoformat(), "days": e.days}
    )
    certificates_as_of = fields.Date(attribute="as_of")
    household_size = fields.Integer()
    province = fields.String(allow_none=True)
    grid_region = fields.String(allow_none=True)
    total = fields.Function(
        lambda e: {
            "kg": str(e.total),
            "low_kg": str(e.low),
            "high_kg": str(e.high),
            "unit": "kg CO2e",
        }
    )
    composition = Localized()
    subtotals = fields.List(fields.Nested(SubtotalSchema))
    certified_purchases_kg = fields.Decimal(as_string=True, attribute="certified_purchases")
    per_person_kg = fields.Decimal(as_string=True, attribute="per_person")
    annualised_kg = fields.Decimal(as_string=True, attribute="annualised")
    annualised_per_person_kg = fields.Decimal(as_string=True, attribute="annualised_per_person")
    lines = fields.List(fields.Nested(LineSchema))
    not_counted = fields.List(fields.Nested(NotCountedSchema))
    electricity_views = fields.List(fields.Nested(ViewSchema))
    comparisons = fields.List(fields.Nested(ComparisonSchema))
    lang = fields.Function(lambda _: current_lang())


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def _season(ln: Any) -> dict[str, Any] | None:
    s = ln.season
    if s is None:
        return None
    return {
        "start": s.start,
        "end": s.end,
        "assumed": s.assumed,
        "province": s.province,
        "share": str(ln.season_share.quantize(_SHARE)),
        "note": s.note,
    }


_SHARE = Decimal("0.0001")


# -- fast rendering ----------------------------------------------------------------------
# EstimateSchema is the documented contract. Dumping 1,000 purchase lines through marshmallow
# costs ~35 ms, so the route renders with these plain functions instead; a test checks that
# they produce exactly what EstimateSchema would.
def render_estimate(e: Any, lang: str) -> dict[str, Any]:
    """The estimate as EstimateSchema dumps it, in ``lang``, without marshmallow's overhead."""
    en = lang == "en"

    def text(t: Any) -> Any:
        return None if t is None else translate(t, lang)

    factors: dict[str, dict[str, Any]] = {}

    def factor(f: Any) -> dict[str, Any] | None:
        if f is None:
            return None
        if f.id not in factors:
            factors[f.id] = {
                "id": f.id,
                "name": f.name_en if en else f.name_zh,
                "value": str(f.value),
                "unit": f.unit,
                "basis": f.basis,
                "boundary": f.boundary,
                "region": f.region,
                "year": f.year,
                "publisher": f.publisher,
                "source_title": f.source_title,
                "source_url": f.source_url,
                "uncertainty_pct": _s(f.uncertainty_pct),
                "note": f.note,
            }
        return dict(factors[f.id])

    certificates: dict[str, dict[str, Any]] = {}
    products: dict[str, dict[str, Any]] = {}
    line_schema = LineSchema()

    def line(ln: Any) -> dict[str, Any]:
        certificate = None
        if ln.certificate is not None:
            number = ln.certificate.number
            if number not in certificates:
                certificates[number] = line_schema.get_certificate(ln)
            certificate = dict(
                certificates[number], standards=list(certificates[number]["standards"])
            )
        product = None
        if ln.product is not None:
            if ln.product.gtin not in products:
                products[ln.product.gtin] = {
                    "gtin": ln.product.gtin,
                    "name": text(ln.product.name),
                    "sample": ln.product.sample,
                }
            product = dict(products[ln.product.gtin])
        a = ln.assumption
        return {
            "field": ln.field,
            "kind": ln.kind,
            "label": text(ln.label),
            "given": {"amount": _s(ln.given_amount), "unit": ln.given_unit},
            "activity": {"amount": _s(ln.activity), "unit": ln.activity_unit},
            "kg": str(ln.kg),
            "uncertainty": {
                "pct": _s(ln.uncertainty_pct),
                "low_kg": str(ln.low),
                "high_kg": str(ln.high),
            },
            "basis": ln.basis,
            "boundary": ln.boundary,
            "note": text(ln.note),
            "factor": factor(ln.factor),
            "assumption": None
            if a is None
            else {
                "id": a.id,
                "value": str(a.value),
                "unit": a.unit,
                "uncertainty_pct": str(a.uncertainty_pct),
                "note": a.note,
            },
            "heating_season": _season(ln),
            "certificate": certificate,
            "product": product,
        }

    def not_counted(n: Any) -> dict[str, Any]:
        return {
            "field": n.field,
            "code": n.code,
            "quantity": str(n.quantity),
            "reason": n.reason,
            "message": text(n.message),
            "gtin": n.gtin,
            "certificate_number": n.certificate_number,
            "product": None if n.product is None else text(n.product.name),
        }

    with_lang = dump(_REST, e, lang=lang)  # the few top-level fields, through the schema
    return {
        **{k: with_lang[k] for k in _BEFORE_LINES},
        "lines": [line(ln) for ln in e.lines],
        "not_counted": [not_counted(n) for n in e.not_counted],
        **{k: with_lang[k] for k in _AFTER_LINES},
    }


class _RestSchema(EstimateSchema):
    class Meta:
        exclude = ("lines", "not_counted")


_REST = _RestSchema()
_FIELDS = list(EstimateSchema().fields)
_BEFORE_LINES = _FIELDS[: _FIELDS.index("lines")]
_AFTER_LINES = [f for f in _FIELDS[_FIELDS.index("lines") :] if f not in ("lines", "not_counted")]
