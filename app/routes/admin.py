"""Ingest API for certification bodies: publish certificates, change their status.

Every request needs the body's API key (`Authorization: Bearer <key>` or `X-API-Key`)."""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from flask.views import MethodView

from app.core.footprints import lookup_certificate
from app.core.ingest import change_status, publish
from app.db import get_api_keys, get_catalogue, get_catalogue_writes
from app.routes import UNPROCESSABLE, Blueprint, lang, today
from schemas.admin import CertificateBatchRequest, StatusChangeRequest, WriteResultSchema
from schemas.certificates import CertificateWithProductSchema
from schemas.common import dump

blp = Blueprint(
    "admin",
    __name__,
    url_prefix="/v1/admin",
    description="Ingest API for certification bodies (API key)",
)
_certificate = CertificateWithProductSchema()


SECURITY = [{"bearerAuth": []}, {"apiKeyHeader": []}]


def document_security(api) -> None:
    """Declare the two ways to send a body's API key in the OpenAPI spec (bearerAuth, shared
    with saved households, is declared in Config.API_SPEC_OPTIONS)."""
    api.spec.components.security_scheme(
        "apiKeyHeader", {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    )


@blp.before_request
def authenticate() -> None:
    """Resolve the API key before anything else, so a bad key is 401 whatever the body.

    Batches of certificates may be bigger than other JSON bodies (MAX_ADMIN_BODY_BYTES)."""
    g.body_limit = request.max_content_length = current_app.config["MAX_ADMIN_BODY_BYTES"]
    header = request.headers.get("Authorization", "")
    token = (
        header[7:].strip() if header[:7].lower() == "bearer " else request.headers.get("X-API-Key")
    )
    g.api_key = get_api_keys().authenticate(token)


@blp.route("/certificates")
class AdminCertificates(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(CertificateBatchRequest)
    @blp.response(200, WriteResultSchema)
    @blp.alt_response(
        401, response="DEFAULT_ERROR", description="Missing, unknown or revoked API key"
    )
    @blp.alt_response(
        403,
        response="DEFAULT_ERROR",
        description="A certificate of another body (every such object in `errors.rows`)",
    )
    @blp.alt_response(
        409,
        response="DEFAULT_ERROR",
        description="Status change not allowed (revoked is final); every one in `errors.rows`",
    )
    @blp.alt_response(
        422,
        response=UNPROCESSABLE,
        description="Invalid certificates, each field listed in `errors.rows`, with any "
        "forbidden or conflicting ones of the same request",
    )
    @blp.alt_response(
        503, response="DEFAULT_ERROR", description="Another write holds the catalogue"
    )
    def post(self, body: dict):
        """Publish, renew or update certificates (one or a batch), all or nothing, as one release"""
        key = g.api_key
        published = publish(
            get_catalogue_writes(),
            body["certificates"],
            body_id=key.body_id,
            key_id=key.id,
            as_of=today(),
            wait_ms=current_app.config["ADMIN_WRITE_TIMEOUT_MS"],
        )
        results = [
            {
                "number": c.record.number,
                "gtin": c.record.gtin,
                "outcome": c.kind,
                "status": c.record.certificate["status"],
            }
            for c in published.changes
        ]
        return {
            "release": published.release,
            "count": len(results),
            "results": results,
            "warnings": published.warnings,
        }


@blp.route("/certificates/<number>/status")
class AdminCertificateStatus(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(StatusChangeRequest)
    @blp.response(200, CertificateWithProductSchema)
    @blp.alt_response(
        401, response="DEFAULT_ERROR", description="Missing, unknown or revoked API key"
    )
    @blp.alt_response(403, response="DEFAULT_ERROR", description="A certificate of another body")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(
        409, response="DEFAULT_ERROR", description="Transition not allowed (revoked is final)"
    )
    @blp.alt_response(422, response=UNPROCESSABLE)
    @blp.alt_response(
        503, response="DEFAULT_ERROR", description="Another write holds the catalogue"
    )
    def post(self, body: dict, number: str):
        """Suspend, revoke or reinstate a certificate, with a reason; lookups reflect it at once"""
        key, day = g.api_key, today()
        change_status(
            get_catalogue_writes(), number.upper(), action=body["action"], reason=body["reason"],
            effective_on=body["effective_on"], body_id=key.body_id, key_id=key.id, as_of=day,
            wait_ms=current_app.config["ADMIN_WRITE_TIMEOUT_MS"],
        )  # fmt: skip
        # Dumped here (not by @blp.response) because localized fields need the language.
        return jsonify(
            dump(_certificate, lookup_certificate(get_catalogue(), number, day), lang=lang())
        )
