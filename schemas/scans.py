"""A product photo in; every code in it, read and resolved, out."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, Schema, fields

from schemas.common import ErrorSchema, Localized, lang_field
from schemas.resolve import ResolutionSchema


class ScanUpload(Schema):
    """multipart/form-data with the photo in the ``image`` field."""

    OPENAPI = {"required": ["image"]}  # the view refuses a multipart body without it (422)

    class Meta:
        unknown = EXCLUDE  # SDKs add thumbnails and metadata parts; only ``image`` matters

    image = Upload(
        metadata={
            "description": (
                "The photo: JPEG, PNG, WebP, BMP, GIF, TIFF (first frame) or HEIC/HEIF, "
                "at most MAX_UPLOAD_BYTES (15 MB). Required unless the body is the raw image."
            )
        }
    )


class PointSchema(Schema):
    x = fields.Integer(required=True)
    y = fields.Integer(required=True)


class ScannedSymbolSchema(Schema):
    """One code in the photo, with the per-item {ok, result, error} of a batch resolve."""

    symbology = fields.String(
        required=True,
        metadata={
            "description": "EAN-13 | EAN-8 | UPC-A | UPC-E | QR | DATA-MATRIX | CODE-128 | ..."
        },
    )
    text = fields.String(
        required=True,
        metadata={
            "description": (
                "What was read: EAN/UPC as GTIN-14; GS1 data with its AIM prefix (]C1, ]d2, ]Q3)"
            )
        },
    )
    position = fields.List(
        fields.Nested(PointSchema),
        required=True,
        metadata={
            "description": (
                "Polygon around the code, in pixels of the upright original image "
                "(after EXIF orientation)"
            )
        },
    )
    engine = fields.String(required=True, metadata={"description": "zbar | zxing"})
    ok = fields.Boolean(required=True, metadata={"description": "True when the code resolved"})
    result = fields.Nested(ResolutionSchema, allow_none=True)
    error = fields.Nested(
        ErrorSchema,
        allow_none=True,
        metadata={
            "description": "Why the code did not resolve: not_a_code, invalid_code, not_found"
        },
    )


class ImageInfoSchema(Schema):
    width = fields.Integer(required=True, metadata={"description": "After EXIF orientation"})
    height = fields.Integer(required=True)
    format = fields.String(
        required=True, metadata={"description": "JPEG | PNG | WEBP | HEIF | ..."}
    )


class ScanResponseSchema(Schema):
    count = fields.Integer(required=True, metadata={"description": "Distinct codes found"})
    resolved = fields.Integer(required=True, metadata={"description": "Codes that named a product"})
    symbols = fields.List(fields.Nested(ScannedSymbolSchema), required=True)
    hint = Localized(
        allow_none=True,
        metadata={
            "description": (
                "When no code was found: advice for the user (closer, steadier, better light)"
            ),
            "type": "string",
        },
    )
    image = fields.Nested(ImageInfoSchema, required=True)
    passes = fields.List(
        fields.String(), metadata={"description": "Decoder passes that ran, for diagnostics"}
    )
    lang = lang_field()

    @staticmethod
    def build(result: Any, error_body: Any) -> dict[str, Any]:
        symbols = [
            {
                "symbology": s.symbol.symbology,
                "text": s.symbol.text,
                "position": [{"x": x, "y": y} for x, y in s.symbol.polygon],
                "engine": s.symbol.engine,
                "ok": s.item.error is None,
                "result": s.item.resolution,
                "error": error_body(s.item.error) if s.item.error is not None else None,
            }
            for s in result.symbols
        ]
        return {
            "count": len(symbols),
            "resolved": sum(s["ok"] for s in symbols),
            "symbols": symbols,
            "hint": result.hint,
            "image": {"width": result.width, "height": result.height, "format": result.format},
            "passes": list(result.passes),
        }
