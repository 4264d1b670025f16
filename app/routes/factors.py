"""Emission factors with their sources."""

from __future__ import annotations

from flask.views import MethodView

from app.core.factors import FactorQuery, get_factor
from app.db import get_catalogue
from app.http import json_lookup
from app.routes import Blueprint, alt_responses, lang
from schemas.common import LANG_PARAMETER, dump
from schemas.factors import FactorListSchema, FactorQuerySchema, FactorSchema

blp = Blueprint("factors", __name__, url_prefix="/v1/factors", description="Emission factors")
_list = FactorListSchema()
_one = FactorSchema()


@blp.route("")
class FactorList(MethodView):
    @blp.arguments(FactorQuerySchema, location="query")
    @blp.response(200, FactorListSchema)
    @alt_responses(304)
    def get(self, args: dict):
        """Emission factors, filtered by category, region, year, basis or boundary"""
        args.pop("lang", None)
        catalogue, language = get_catalogue(), lang()
        query = FactorQuery(**args)
        key = ("factors", catalogue.release_id(), language, query)

        def render():
            factors = catalogue.factors(query)
            return dump(_list, {"count": len(factors), "factors": factors}, lang=language)

        return json_lookup(key, render)


@blp.route("/<factor_id>")
class FactorResource(MethodView):
    @blp.response(200, FactorSchema)
    @alt_responses(304, 404, parameters=[LANG_PARAMETER])
    def get(self, factor_id: str):
        """One emission factor: value, unit, basis, boundary, year, publisher and source"""
        catalogue, language = get_catalogue(), lang()
        key = ("factor", catalogue.release_id(), language, factor_id)
        return json_lookup(key, lambda: dump(_one, get_factor(catalogue, factor_id), lang=language))
