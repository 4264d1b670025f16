"""The household estimator: request and response contracts.

Unknown fields are rejected everywhere (marshmallow's RAISE), so nothing we did not ask for
(a name, a phone number, a meter number...) can slip in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import RAISE, Schema, fields, post_load, pre_load, validate

from app.config import Config
from app.core.activities import CAR_FUELS, KINDS, Activity, given_season
from app.core.estimator import (
    GRID_REGIONS,
    MAX_HOUSEHOLD_SIZE,
    OTHER_PROVINCES,
    Inputs,
    period_of,
)
from app.core.messages import Text
from app.core.purchases import Purchase
from app.i18n import translate
from schemas.common import (
    Day,
    DecimalIn,
    FactorNote,
    Localized,
    Month,
    check_count,
    current_lang,
    localize,
)

#: What the core accepts as a household size and a province, for the spec.
HOUSEHOLD_SIZE = {"minimum": 1, "maximum": MAX_HOUSEHOLD_SIZE}
PROVINCE_PATTERN = "^(([Cc][Nn]-)?({}))?$".format(
    "|".join(
        "".join(f"[{c.upper()}{c.lower()}]" for c in code)
        for code in (*GRID_REGIONS, *OTHER_PROVINCES)
    )
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
    """A month, or start and end (the core refuses anything else)."""

    OPENAPI = {
        "oneOf": [
            {
                "required": ["month"],
                "not": {"anyOf": [{"required": ["start"]}, {"required": ["end"]}]},
            },
            {"required": ["start", "end"], "not": {"required": ["month"]}},
        ]
    }

    start = Day(metadata={"description": "First day (inclusive)"})
    end = Day(metadata={"description": "Last day (inclusive)"})
    month = Month(metadata={"example": "2026-05"})


class CarIn(Strict):
    fuel = fields.String(required=True, validate=validate.OneOf(CAR_FUELS))
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


class _EstimateRequest(Strict):
    """Loads into the estimator's Inputs: activities in KINDS order, then purchases."""

    @pre_load
    def count_first(self, data: Any, **_: Any) -> Any:
        return check_count(data, "purchases", "HOUSEHOLD_PURCHASE_LIMIT")

    @post_load
    def to_inputs(self, data: dict[str, Any], **_: Any) -> Inputs:
        period = data["period"]
        start, end = period_of(period.get("start"), period.get("end"), period.get("month"))
        activities: list[Activity] = []
        for name, kind in KINDS.items():
            if kind.car:
                if name == CAR_FUELS[0]:  # every car, where the first fuel's line would be
                    activities += [
                        _car(car, f"car[{i}]") for i, car in enumerate(data.get("car", ()))
                    ]
            elif name in data:
                q = data[name]
                season = q.get("season")
                if season is not None:
                    season = given_season(season["start"], season["end"], f"{name}.season")
                activities.append(Activity(name, name, q["amount"], q["unit"], season=season))
        purchases = tuple(
            Purchase(p["code"], _one_if_none(p["quantity"]), f"purchases[{i}]", on=p["date"])
            for i, p in enumerate(data.get("purchases", ()))
        )
        return Inputs(
            start=start,
            end=end,
            household_size=data["household_size"],
            province=data.get("province"),
            activities=tuple(activities),
            purchases=purchases,
        )


def _one_if_none(quantity: Decimal | None) -> Decimal:
    return Decimal(1) if quantity is None else quantity


def _car(car: dict[str, Any], field: str) -> Activity:
    distance = car.get("distance") or {}
    return Activity(
        car["fuel"],
        field,
        car.get("amount"),
        car.get("unit"),
        distance=distance.get("amount"),
        distance_unit=distance.get("unit"),
        consumption=car.get("consumption"),
    )


#: The request: period and household, one field per activity kind (KINDS), cars, purchases.
EstimateRequest = type(
    "EstimateRequest",
    (_EstimateRequest,),
    {
        "period": fields.Nested(PeriodIn, required=True),
        "household_size": fields.Integer(required=True, metadata={"example": 3, **HOUSEHOLD_SIZE}),
        "province": fields.String(
            validate=validate.Length(max=8),
            allow_none=True,
            metadata={
                "description": "ISO 3166-2:CN code, e.g. GD or CN-GD; enables the regional "
                "grid view",
                "pattern": PROVINCE_PATTERN,
            },
        ),
        **{
            name: fields.Nested(
                HeatingIn if kind.seasonal else QuantityIn,
                metadata={"description": kind.description},
            )
            for name, kind in KINDS.items()
            if not kind.car
        },
        "car": fields.List(
            fields.Nested(CarIn),
            validate=validate.Length(max=20),
            metadata={
                "description": f"Cars: fuel ({', '.join(CAR_FUELS)}) in litres, or a "
                "distance and consumption"
            },
        ),
        "purchases": fields.List(
            fields.Nested(PurchaseIn),
            metadata={
                "description": "At most HOUSEHOLD_PURCHASE_LIMIT (2000) lines",
                "maxItems": Config.HOUSEHOLD_PURCHASE_LIMIT,
            },
        ),
    },
)


# -- responses ---------------------------------------------------------------------------
class FactorRefSchema(Schema):
    id = fields.String()
    name = fields.Function(lambda f: localize(Text(f.name_zh, f.name_en)))
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
    note = FactorNote(allow_none=True)


class AssumptionSchema(Schema):
    id = fields.String()
    value = fields.Decimal(as_string=True)
    unit = fields.String()
    uncertainty_pct = fields.Decimal(as_string=True)
    note = Localized()


class LineSchema(Schema):
    field = fields.String(metadata={"description": "Which input this line comes from"})
    kind = fields.String()
    label = Localized()
    given = fields.Function(
        lambda ln: {"amount": str_or_none(ln.given_amount), "unit": ln.given_unit}
    )
    activity = fields.Function(
        lambda ln: {"amount": str_or_none(ln.activity), "unit": ln.activity_unit}
    )
    kg = fields.Decimal(
        as_string=True, metadata={"description": "kg CO2e (CO2 where basis is CO2)"}
    )
    uncertainty = fields.Function(
        lambda ln: {
            "pct": str_or_none(ln.uncertainty_pct),
            "low_kg": str_or_none(ln.low),
            "high_kg": str_or_none(ln.high),
        }
    )
    basis = fields.String()
    boundary = fields.String()
    note = Localized(allow_none=True)
    factor = fields.Nested(FactorRefSchema, allow_none=True)
    assumption = fields.Nested(AssumptionSchema, allow_none=True)
    heating_season = fields.Function(
        lambda ln: season_of(ln, current_lang()),
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


def str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def season_of(ln: Any, lang: str) -> dict[str, Any] | None:
    s = ln.season
    if s is None:
        return None
    return {
        "start": s.start,
        "end": s.end,
        "assumed": s.assumed,
        "province": s.province,
        "share": str(ln.season_share.quantize(_SHARE)),
        "note": translate(s.note, lang),
    }


_SHARE = Decimal("0.0001")
