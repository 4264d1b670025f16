"""Opt-in saved households: request and response contracts.

Unknown fields are rejected everywhere (marshmallow's RAISE), so nothing we did not ask for
(a name, a phone number, a meter number...) can slip into the database.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.saved_households import ENTRY_KINDS
from schemas.common import Day, DecimalIn, LangQuery, Localized, Month, Translations, current_lang
from schemas.estimator import QuantityIn, Strict


# -- requests ----------------------------------------------------------------------------
class EstimateQuery(LangQuery):
    start = Day()
    end = Day()
    month = Month()


class HouseholdIn(Strict):
    consent = fields.Boolean(required=True, metadata={"description": "Must be true"})
    consent_version = fields.String(
        required=True,
        validate=validate.Length(max=32),
        metadata={"description": "Version of the consent text agreed to"},
    )
    household_size = fields.Integer(required=True)
    province = fields.String(validate=validate.Length(max=8), allow_none=True)


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
    distance = fields.Nested(QuantityIn, metadata={"description": "Cars (kind petrol or diesel)"})
    consumption = DecimalIn(metadata={"description": "Cars: litres per 100 km"})


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
