"""Certificates and certified footprints, with provenance on every figure."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from schemas.common import (
    DATE,
    DECIMAL,
    NULLABLE_DATE,
    NULLABLE_STRING,
    STRING,
    Localized,
    Translations,
    lang_field,
    localize,
    obj,
)


class QuantitySchema(Schema):
    amount = fields.Decimal(as_string=True, required=True)
    unit = fields.String(required=True)


class BodySchema(Schema):
    id = fields.String(required=True)
    name = Localized(required=True)
    sample = fields.Boolean(
        required=True, metadata={"description": "True for a fictional sample body"}
    )


class PcfSchema(Schema):
    """PCF per declared unit, named after the PACT v3 data model."""

    value = fields.Decimal(
        as_string=True, attribute="pcf", required=True, metadata={"example": "12.345"}
    )
    unit = fields.Constant(
        "kg CO2e", metadata={"type": "string", "enum": ["kg CO2e"], "description": "Always kg CO2e"}
    )
    declaredUnitOfMeasurement = fields.String(attribute="declared_unit", required=True)
    declaredUnitAmount = fields.Decimal(
        as_string=True, attribute="declared_unit_amount", required=True
    )


class StatusMixin(Schema):
    status = fields.String(
        required=True,
        metadata={"description": "valid | expired | suspended | revoked | not_yet_valid"},
    )
    status_label = fields.Function(lambda view: localize(view.status_label), metadata=STRING)
    certified = fields.Boolean(
        required=True, metadata={"description": "True only when status is valid today"}
    )
    notice = Localized(
        allow_none=True,
        metadata={"description": "Why the footprint is not currently certified"},
    )


class CertificateBriefSchema(StatusMixin):
    number = fields.String(attribute="certificate.number", required=True)
    issued_on = fields.Date(attribute="certificate.issued_on")
    valid_until = fields.Date(attribute="certificate.valid_until")
    pcf = fields.Nested(PcfSchema, attribute="certificate")
    pcf_per_sales_unit = fields.Decimal(
        as_string=True, attribute="certificate.pcf_per_sales_unit", allow_none=True
    )
    system_boundary = fields.String(attribute="certificate.system_boundary")


class CertificateSchema(CertificateBriefSchema):
    """A certificate in full: what was certified, by whom, against which standard and factors."""

    gtin = fields.String(attribute="certificate.gtin")
    certification_body = fields.Nested(BodySchema, attribute="certificate.body")
    standards = fields.List(fields.String(), attribute="certificate.standards")
    stages = fields.Method(
        "get_stages",
        metadata={
            "description": "Life-cycle stage -> kg CO2e per declared unit (decimal strings), when given",
            "type": ["object", "null"],
            "additionalProperties": DECIMAL,
        },
    )
    reference_period = fields.Method("get_reference_period", metadata=obj(start=DATE, end=DATE))
    stored_status = fields.String(
        attribute="certificate.status",
        metadata={
            "description": "Status as recorded by the body; 'expired' is derived from valid_until"
        },
    )
    status_reason = fields.String(attribute="certificate.status_reason", allow_none=True)
    status_changed_on = fields.Date(attribute="certificate.status_changed_on", allow_none=True)
    verification = fields.Method(
        "get_verification", metadata=obj(verified_by=NULLABLE_STRING, verified_on=NULLABLE_DATE)
    )
    characterization_factors = fields.String(
        attribute="certificate.characterization",
        metadata={"description": "IPCC GWP100 set: AR5 or AR6"},
    )
    emission_factor_database = fields.Method(
        "get_factor_database", metadata=obj(name=NULLABLE_STRING, version=NULLABLE_STRING)
    )
    sample = fields.Boolean(
        attribute="certificate.sample", metadata={"description": "True for fictional sample data"}
    )

    def get_stages(self, view: Any) -> dict[str, str] | None:
        stages = view.certificate.stages
        return {k: str(v) for k, v in stages.items()} if stages else None

    def get_reference_period(self, view: Any) -> dict[str, str]:
        c = view.certificate
        return {
            "start": c.reference_period_start.isoformat(),
            "end": c.reference_period_end.isoformat(),
        }

    def get_verification(self, view: Any) -> dict[str, Any]:
        c = view.certificate
        return {
            "verified_by": c.verified_by,
            "verified_on": c.verified_on.isoformat() if c.verified_on else None,
        }

    def get_factor_database(self, view: Any) -> dict[str, Any]:
        c = view.certificate
        return {"name": c.factor_database, "version": c.factor_database_version}


class ProductBriefSchema(Schema):
    gtin = fields.String(required=True, metadata={"example": "09506000134352"})
    name = Localized(required=True)
    names = Translations(attribute="name", dump_only=True)
    brand = fields.String()
    category = fields.Method(
        "get_category", metadata=obj(id=STRING, name=STRING, pilot={"type": "boolean"})
    )
    sales_unit = fields.Nested(QuantitySchema)
    net_content = fields.Nested(QuantitySchema, allow_none=True)
    sample = fields.Boolean(metadata={"description": "True for a fictional sample product"})

    def get_category(self, product: Any) -> dict[str, Any]:
        c = product.category
        return {
            "id": c.id,
            "name": localize(c.name),
            "pilot": c.pilot,
        }


class StatusEventSchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    effective_on = fields.Date(required=True)
    reason = fields.String(allow_none=True)
    release = fields.Integer(allow_none=True)
    recorded_at = fields.String()


class _Whole(fields.Nested):
    """Nests the object itself (a revision carries its ``certificate`` as a view does)."""

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return obj


class SupersededCertificateSchema(CertificateSchema):
    """A superseded version, in the certificate's own shape; without the status as of today
    (status, certified, notice), which only the current version has."""

    class Meta:
        exclude = ("status", "status_label", "certified", "notice")


class RevisionSchema(Schema):
    revision = fields.Integer(required=True)
    superseded_in_release = fields.Integer(allow_none=True)
    superseded_at = fields.String(allow_none=True)
    certificate = _Whole(
        SupersededCertificateSchema,
        metadata={
            "description": "The certificate as this version stated it, in the shape of the "
            "certificate (without its status as of today)"
        },
    )


class HistorySchema(Schema):
    revision = fields.Integer(
        required=True, metadata={"description": "Current revision number (1 = never revised)"}
    )
    revisions = fields.List(
        fields.Nested(RevisionSchema), metadata={"description": "Earlier revisions, newest first"}
    )
    status_events = fields.List(
        fields.Nested(StatusEventSchema),
        metadata={"description": "Suspensions, revocations, reinstatements, oldest first"},
    )


class CertificateWithProductSchema(CertificateSchema):
    product = fields.Nested(ProductBriefSchema, allow_none=True)
    history = fields.Nested(HistorySchema, allow_none=True)
    lang = lang_field()
