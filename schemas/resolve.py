"""Scanned text in; what it is and the product it names out."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_load, validate

from app.config import Config
from schemas.certificates import CertificateSchema
from schemas.common import ErrorSchema, LangQuery, check_count, lang_field
from schemas.products import ProductFootprintSchema


class ResolveQuery(LangQuery):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=4096),
        metadata={
            "description": "Anything a scanner decoded: GTIN digits, GS1 element string, GS1 Digital Link, Tanji label URL or certificate number",
            "example": "https://id.gs1.org/01/09506000134352/10/ABC?17=261231",
        },
    )


class ResolveBatchRequest(Schema):
    codes = fields.List(
        fields.String(validate=validate.Length(max=4096)),
        required=True,
        metadata={
            "description": "Scanned texts, at most RESOLVE_BATCH_LIMIT (100)",
            "minItems": 1,
            "maxItems": Config.RESOLVE_BATCH_LIMIT,
        },
    )

    @pre_load
    def count_first(self, data: Any, **_: Any) -> Any:
        return check_count(data, "codes", "RESOLVE_BATCH_LIMIT", minimum=1)


class CodeSchema(Schema):
    kind = fields.String(metadata={"description": "product | certificate"})
    format = fields.String(
        metadata={
            "description": "gtin-8 | gtin-12 | gtin-13 | gtin-14 | upc-e | gs1-element-string | gs1-digital-link | tanji-label | certificate-number"
        }
    )
    gtin = fields.String(allow_none=True)
    certificate_number = fields.String(allow_none=True)
    batch = fields.String(allow_none=True)
    serial = fields.String(allow_none=True)
    expiry = fields.Date(allow_none=True)
    symbology = fields.String(
        allow_none=True, metadata={"description": "AIM symbology identifier, e.g. ]C1"}
    )


class ResolutionSchema(Schema):
    input = fields.String(required=True)
    code = fields.Nested(CodeSchema, required=True)
    product = fields.Nested(ProductFootprintSchema, attribute="footprint", required=True)
    scanned_certificate = fields.Nested(
        CertificateSchema,
        allow_none=True,
        metadata={
            "description": "For a certificate number or label QR: the scanned certificate, which may be older than the product's current one"
        },
    )
    lang = lang_field()


class BatchItemSchema(Schema):
    input = fields.String(required=True)
    ok = fields.Boolean(required=True)
    result = fields.Nested(ResolutionSchema, allow_none=True)
    error = fields.Nested(ErrorSchema, allow_none=True)


class BatchResponseSchema(Schema):
    count = fields.Integer(required=True)
    resolved = fields.Integer(required=True)
    results = fields.List(
        fields.Nested(BatchItemSchema), required=True, metadata={"description": "In request order"}
    )
    lang = lang_field()

    @staticmethod
    def build(items: list[Any], error_body: Any) -> dict[str, Any]:
        results = []
        for item in items:
            if item.error is not None:
                results.append(
                    {
                        "input": item.input,
                        "ok": False,
                        "result": None,
                        "error": error_body(item.error),
                    }
                )
            else:
                results.append(
                    {"input": item.input, "ok": True, "result": item.resolution, "error": None}
                )
        return {"count": len(items), "resolved": sum(r["ok"] for r in results), "results": results}
