"""A product with its certified footprint."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import Schema, fields

from app.core.digital_link import digital_link_path, label_image_path
from app.core.footprints import SAMPLE_NOTICE
from schemas.certificates import CertificateBriefSchema, CertificateSchema, ProductBriefSchema
from schemas.common import DECIMAL, NULLABLE_STRING, STRING, lang_field, localize, obj


class FootprintSchema(Schema):
    """The headline figure a label shows, and where it comes from."""

    certified = fields.Boolean(required=True)
    status = fields.String(required=True)
    value = fields.Decimal(
        as_string=True, required=True, metadata={"description": "kg CO2e per declared unit"}
    )
    unit = fields.Constant("kg CO2e", metadata={"type": "string", "enum": ["kg CO2e"]})
    declaredUnitOfMeasurement = fields.String(required=True)
    declaredUnitAmount = fields.Decimal(as_string=True, required=True)
    per_sales_unit = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "kg CO2e per sales unit"}
    )
    system_boundary = fields.String()
    provenance = fields.Dict(
        metadata={
            "description": "certificate, body, standards, factor database and version",
            **obj(
                certificate=STRING,
                certification_body=STRING,
                standards={"type": "array", "items": STRING},
                characterization_factors=STRING,
                emission_factor_database=NULLABLE_STRING,
                emission_factor_database_version=NULLABLE_STRING,
                sample={"type": "boolean"},
            ),
        }
    )


class ProductFootprintSchema(ProductBriefSchema):
    certified = fields.Boolean(
        required=True, metadata={"description": "True when the current certificate is valid today"}
    )
    as_of = fields.Date(
        required=True, metadata={"description": "The date statuses were evaluated for"}
    )
    footprint = fields.Method(
        "get_footprint",
        metadata={
            "description": "Null when the product has no certificate",
            "anyOf": [{"$ref": "#/components/schemas/Footprint"}, {"type": "null"}],
        },
    )
    certificate = fields.Nested(CertificateSchema, attribute="current", allow_none=True)
    earlier_certificates = fields.List(fields.Nested(CertificateBriefSchema), attribute="earlier")
    notice = fields.Method(
        "get_notice", metadata={**NULLABLE_STRING, "description": "Says when data is fictional"}
    )
    benchmark = fields.Method(
        "get_benchmark",
        metadata={
            "description": (
                "Where the certified footprint stands among >= 5 certified products of the "
                "same category, declared unit and boundary (as of the release); null when "
                "not certified or too few peers"
            ),
            **obj(
                nullable=True,
                category=STRING,
                declared_unit=STRING,
                system_boundary=STRING,
                peers={"type": "integer"},
                median=DECIMAL,
                value=DECIMAL,
                unit=STRING,
                percentile={"type": "integer"},
                vs_median_pct={"type": "integer"},
                as_of=NULLABLE_STRING,
                text=STRING,
            ),
        },
    )
    label_url = fields.Method(
        "get_label_url",
        metadata={
            "description": "The label as an SVG image, to print or put in an <img>",
            **STRING,
        },
    )
    digital_link = fields.Method(
        "get_digital_link",
        metadata={
            "description": "The product's GS1 Digital Link URI, for a label QR code",
            **STRING,
        },
    )
    lang = lang_field()

    # Absolute URLs under the public base URL; dumped once per cached lookup, not per request.
    def get_label_url(self, fp: Any) -> str:
        return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + label_image_path(fp.product.gtin)

    def get_digital_link(self, fp: Any) -> str:
        return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + digital_link_path(
            fp.product.gtin
        )

    def get_benchmark(self, fp: Any) -> dict[str, Any] | None:
        b = fp.benchmark
        if b is None:
            return None
        return {
            "category": b.category,
            "declared_unit": b.declared_unit,
            "system_boundary": b.system_boundary,
            "peers": b.peers,
            "median": str(b.median),
            "value": str(b.value),
            "unit": f"kg CO2e/{b.declared_unit}",
            "percentile": b.percentile,
            "vs_median_pct": b.vs_median_pct,
            "as_of": b.as_of,
            "text": localize(b.text),
        }

    def get_footprint(self, fp: Any) -> dict[str, Any] | None:
        if fp.current is None:
            return None
        c = fp.current.certificate
        return FootprintSchema().dump(
            {
                "certified": fp.current.certified,
                "status": fp.current.status,
                "value": c.pcf,
                "declaredUnitOfMeasurement": c.declared_unit,
                "declaredUnitAmount": c.declared_unit_amount,
                "per_sales_unit": c.pcf_per_sales_unit,
                "system_boundary": c.system_boundary,
                "provenance": {
                    "certificate": c.number,
                    "certification_body": c.body.id,
                    "standards": list(c.standards),
                    "characterization_factors": c.characterization,
                    "emission_factor_database": c.factor_database,
                    "emission_factor_database_version": c.factor_database_version,
                    "sample": c.sample,
                },
            }
        )

    def get_notice(self, fp: Any) -> str | None:
        if not fp.product.sample:
            return None
        return localize(SAMPLE_NOTICE)

    # ProductBriefSchema reads product attributes; a ProductFootprint wraps the product.
    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr in ("gtin", "name", "brand", "sales_unit", "net_content", "sample"):
            return getattr(obj.product, attr)
        return super().get_attribute(obj, attr, default)

    def get_category(self, fp: Any) -> dict[str, Any]:
        return super().get_category(fp.product)
