"""Emission factors, each with its source."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.factors import BASES, BOUNDARIES
from app.core.messages import Text
from app.i18n import LANGUAGES, translate
from schemas.common import STRING, TRANSLATIONS, FactorNote, LangQuery, localize


class FactorQuerySchema(LangQuery):
    category = fields.String(metadata={"example": "electricity"})
    region = fields.String(metadata={"example": "CN"})
    year = fields.Integer(validate=validate.Range(1990, 2100))
    basis = fields.String(validate=validate.OneOf(BASES))
    boundary = fields.String(validate=validate.OneOf(BOUNDARIES))


class FactorSchema(Schema):
    id = fields.String(required=True)
    category = fields.String(required=True)
    name = fields.Method("get_name", metadata=STRING)
    names = fields.Method("get_names", metadata=TRANSLATIONS)
    value = fields.Decimal(as_string=True, required=True)
    unit = fields.String(required=True, metadata={"example": "kg CO2e/kWh"})
    basis = fields.String(required=True, metadata={"description": "CO2 or CO2e"})
    boundary = fields.String(
        required=True, metadata={"description": "life-cycle | combustion | grid-average"}
    )
    region = fields.String(required=True)
    year = fields.Integer(required=True)
    publisher = fields.String()
    source_title = fields.String()
    source_url = fields.String()
    published_on = fields.String(allow_none=True)
    database = fields.String(allow_none=True)
    version = fields.String(allow_none=True)
    uncertainty_pct = fields.Decimal(as_string=True, allow_none=True)
    note = FactorNote(allow_none=True)
    sample = fields.Boolean()

    def get_name(self, f):
        return localize(Text(f.name_zh, f.name_en))

    def get_names(self, f):
        return {lang: translate(Text(f.name_zh, f.name_en), lang) for lang in LANGUAGES}


class FactorListSchema(Schema):
    count = fields.Integer(required=True)
    factors = fields.List(fields.Nested(FactorSchema), required=True)
