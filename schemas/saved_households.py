"""Opt-in saved households: request and response contracts.

Unknown fields are rejected everywhere (marshmallow's RAISE), so nothing we did not ask for
(a name, a phone number, a meter number...) can slip into the database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, post_load, validate

from app.core.activities import CAR_FUELS
from app.core.errors import InvalidInput
from app.core.estimator import period_of
from app.core.messages import _
from app.core.saved_households import CONSENT_VERSION, ENTRY_KINDS
from schemas.common import Day, DecimalIn, LangQuery, Localized, Month, Translations, current_lang
from schemas.estimator import HOUSEHOLD_SIZE, PROVINCE_PATTERN, QuantityIn, Strict


# -- requests ----------------------------------------------------------------------------
class EstimateQuery(LangQuery):
    start = Day()
    end = Day()
    month = Month()


class HouseholdIn(Strict):
    consent = fields.Boolean(
        required=True, metadata={"description": "Must be true", "enum": [True]}
    )
    consent_version = fields.String(
        required=True,
        validate=validate.Length(max=32),
        metadata={
            "description": "Version of the consent text agreed to (GET /v1/households/consent)",
            "enum": [CONSENT_VERSION],
        },
    )
    household_size = fields.Integer(required=True, metadata=HOUSEHOLD_SIZE)
    province = fields.String(
        validate=validate.Length(max=8), allow_none=True, metadata={"pattern": PROVINCE_PATTERN}
    )


class EntryIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(ENTRY_KINDS))
    date = Day(metadata={"description": "Day of a purchase (or a one-day bill)"})
    start = Day(metadata={"description": "First day a bill covers"})
    end = Day(metadata={"description": "Last day a bill covers"})
    month = Month(metadata={"description": "Or the month a bill covers"})
    code = fields.String(
        validate=validate.Length(min=1, max=4096), metadata={"description": "Purchases"}
    )
    quantity = DecimalIn(metadata={"description": "Purchases: sales units; default 1"})
    amount = DecimalIn()
    unit = fields.String(validate=validate.Length(max=16))
    distance = fields.Nested(
        QuantityIn, metadata={"description": f"Cars (kind {' or '.join(CAR_FUELS)})"}
    )
    consumption = DecimalIn(metadata={"description": "Cars: litres per 100 km"})

    @post_load
    def to_entry(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """The fields of an Entry: the days it covers, a purchase's quantity (default 1)."""
        start, end = _entry_days(data)
        distance = data.get("distance") or {}
        quantity = data.get("quantity")
        if quantity is None and data["kind"] == "purchase":
            quantity = Decimal(1)
        return {
            "kind": data["kind"],
            "start": start,
            "end": end,
            "code": data.get("code"),
            "quantity": quantity,
            "amount": data.get("amount"),
            "unit": data.get("unit"),
            "distance": distance.get("amount"),
            "distance_unit": distance.get("unit"),
            "consumption": data.get("consumption"),
        }


def _entry_days(data: dict[str, Any]) -> tuple[dt.date, dt.date]:
    """A date, a month, or start and end. Raises InvalidInput naming the entry's field."""
    if data.get("date") is not None:
        if any(data.get(k) is not None for k in ("start", "end", "month")):
            raise InvalidInput(_("Give a date, a month, or start and end; only one."), field="date")
        return data["date"], data["date"]
    try:
        return period_of(data.get("start"), data.get("end"), data.get("month"))
    except InvalidInput as error:
        field = (
            error.details.get("field", "period").removeprefix("period.").replace("period", "start")
        )
        raise InvalidInput(error.message, field=field) from None


# -- responses ---------------------------------------------------------------------------
class ConsentSchema(Schema):
    version = fields.String(required=True)
    text = Localized()
    texts = Translations(attribute="text", dump_only=True)
    lang = fields.Function(lambda _: current_lang())


class HouseholdSchema(Schema):
    id = fields.String()
    household_size = fields.Integer()
    province = fields.String(allow_none=True)
    consent = fields.Function(
        lambda h: {"version": h.consent_version, "given_at": h.consent_given_at}
    )
    last_active_on = fields.Date()


class CreatedSchema(Schema):
    household = fields.Nested(HouseholdSchema)
    token = fields.String(
        metadata={"description": "Bearer token, shown once; Tanji keeps only its hash"}
    )
    notice = fields.String()


class TokenSchema(Schema):
    token = fields.String(
        metadata={"description": "The new bearer token, shown once; the old one no longer works"}
    )


class EntrySchema(Schema):
    id = fields.String()
    kind = fields.String()
    start = fields.Date()
    end = fields.Date()
    code = fields.String(allow_none=True)
    quantity = fields.Decimal(as_string=True, allow_none=True)
    amount = fields.Decimal(as_string=True, allow_none=True)
    unit = fields.String(allow_none=True)
    distance = fields.Decimal(as_string=True, allow_none=True)
    distance_unit = fields.String(allow_none=True)
    consumption = fields.Decimal(as_string=True, allow_none=True)


class EntryListSchema(Schema):
    count = fields.Integer()
    entries = fields.List(fields.Nested(EntrySchema))


class ExportSchema(Schema):
    exported_on = fields.Date()
    household = fields.Nested(HouseholdSchema)
    entries = fields.List(fields.Nested(EntrySchema))
    note = fields.String()
