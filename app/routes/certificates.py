"""GET /v1/certificates/{number}."""

from __future__ import annotations

from flask.views import MethodView

from app.core.footprints import lookup_certificate
from app.db import get_catalogue
from app.http import json_lookup
from app.routes import Blueprint, alt_responses, lang, today
from schemas.certificates import CertificateWithProductSchema
from schemas.common import LANG_PARAMETER, dump

blp = Blueprint(
    "certificates", __name__, url_prefix="/v1/certificates", description="PCF certificates"
)
_schema = CertificateWithProductSchema()


@blp.route("/<number>")
class CertificateResource(MethodView):
    @blp.response(200, CertificateWithProductSchema)
    @alt_responses(304, 404, parameters=[LANG_PARAMETER])
    def get(self, number: str):
        """One certificate: body, standards, PCF, stages, validity, status and verification"""
        catalogue, day, language = get_catalogue(), today(), lang()
        key = ("certificate", catalogue.release_id(), day, language, number.upper())
        return json_lookup(
            key, lambda: dump(_schema, lookup_certificate(catalogue, number, day), lang=language)
        )
