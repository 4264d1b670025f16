"""Ingest API contracts: certificates published by certification bodies, and status changes.

Certificate objects are validated by the core (app.core.records.validate_row), the same path
as import files, so these schemas only shape the envelope; the object format is documented in
schemas/certificate-import.schema.json and docs/import.md.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_load, validate

from app.core.changes import ACTIONS
from schemas.common import Day, Localized


class CertificateBatchRequest(Schema):
    certificates = fields.List(
        fields.Dict(),
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={
            "description": (
                "One to 1000 certificate objects in the import format "
                "(schemas/certificate-import.schema.json). A single object may be sent instead of "
                "{certificates: [...]}. `body` defaults to the key's body."
            )
        },
    )

    @pre_load
    def wrap_single(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and "certificates" not in data:
            return {"certificates": [data]}
        return data


class WriteResultItemSchema(Schema):
    number = fields.String(required=True)
    gtin = fields.String(required=True)
    outcome = fields.String(
        required=True,
        metadata={"description": "create | revise | status | revise+status | unchanged"},
    )
    status = fields.String(required=True, metadata={"description": "Stored status after the write"})


class RowMessageSchema(Schema):
    index = fields.Integer(required=True, metadata={"description": "Position in the request"})
    number = fields.String(allow_none=True)
    field = fields.String(required=True)
    reason = fields.String(required=True)
    message = Localized(required=True)


class WriteResultSchema(Schema):
    release = fields.Integer(
        allow_none=True,
        metadata={"description": "The release created, or null when nothing changed"},
    )
    count = fields.Integer(required=True)
    results = fields.List(fields.Nested(WriteResultItemSchema), required=True)
    warnings = fields.List(
        fields.Nested(RowMessageSchema),
        required=True,
        metadata={
            "description": "Accepted certificates that household estimates cannot count "
            "(reason no_sales_unit_figure: no pcf_per_sales_unit, and the sales unit is not "
            "the declared unit, so it cannot be derived)"
        },
    )


class StatusChangeRequest(Schema):
    action = fields.String(required=True, validate=validate.OneOf(tuple(ACTIONS)))
    reason = fields.String(
        validate=validate.Length(max=500),
        load_default=None,
        metadata={"description": "Required to suspend or revoke"},
    )
    effective_on = Day(load_default=None, metadata={"description": "Default: today (UTC+8)"})
