"""/v1/resolve: any scanned text -> what it is, and the product it names."""

from __future__ import annotations

from flask import current_app, jsonify
from flask.views import MethodView

from app.core.footprints import resolve, resolve_many
from app.db import get_catalogue
from app.errors import error_body
from app.http import json_lookup
from app.routes import Blueprint, alt_responses, lang, today
from schemas.common import dump
from schemas.resolve import BatchResponseSchema, ResolutionSchema, ResolveBatchRequest, ResolveQuery

blp = Blueprint("resolve", __name__, url_prefix="/v1/resolve", description="Resolve scanned codes")
_one = ResolutionSchema()
_batch = BatchResponseSchema()


@blp.route("")
class ResolveResource(MethodView):
    @blp.arguments(ResolveQuery, location="query", as_kwargs=True)
    @blp.response(200, ResolutionSchema)
    @alt_responses(
        304,
        (400, "Not a code at all"),
        (404, "A valid code the catalogue lacks"),
        (422, "An invalid code, e.g. a wrong check digit"),
    )
    def get(self, code: str, **_):
        """Resolve one scanned text (GTIN, GS1 element string, Digital Link, label QR, certificate number)"""
        catalogue, day, language = get_catalogue(), today(), lang()
        base = current_app.config["PUBLIC_BASE_URL"]
        key = ("resolve", catalogue.release_id(), day, language, code)
        return json_lookup(
            key,
            lambda: dump(
                _one, resolve(catalogue, code, today=day, public_base_url=base), lang=language
            ),
        )

    @blp.arguments(ResolveBatchRequest)
    @blp.response(200, BatchResponseSchema)
    @alt_responses(400, (422, "No codes, or more than the batch limit"))
    def post(self, body: dict):
        """Resolve up to 100 scanned texts; results in request order, each with its own error"""
        items = resolve_many(
            get_catalogue(),
            body["codes"],
            today=today(),
            public_base_url=current_app.config["PUBLIC_BASE_URL"],
        )
        # Dumped here (not by @blp.response) because localized fields need the language.
        return jsonify(dump(_batch, BatchResponseSchema.build(items, error_body), lang=lang()))
