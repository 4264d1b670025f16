"""GET /01/{gtin}[/10/{batch}][/21/{serial}]: our own GS1 Digital Link resolver. A browser
is redirected to the product page, an app asking for JSON gets the lookup, and
``Accept: application/linkset+json`` (or ``?linkType=all``) gets the product's linkset."""

from __future__ import annotations

from flask import current_app, redirect, request
from flask.views import MethodView

from app import i18n
from app.core.digital_link import LINKSET_TYPE, link_type, links, linkset, parse_link_path
from app.core.errors import NotFound
from app.core.footprints import lookup_product
from app.core.messages import _
from app.db import get_catalogue
from app.http import json_lookup
from app.routes import Blueprint, alt_responses, lang, public_url, today
from schemas.common import LANG_PARAMETER, dump
from schemas.products import ProductFootprintSchema

blp = Blueprint(
    "digital_link",
    __name__,
    url_prefix="/01",
    description="GS1 Digital Link resolver: Tanji label QR codes in the GS1 standard form",
)
_schema = ProductFootprintSchema()
_FORMATS = ("text/html", "application/json", LINKSET_TYPE)
LINK_TYPE_PARAMETER = {
    "in": "query",
    "name": "linkType",
    "required": False,
    "schema": {"type": "string", "example": "gs1:certificationInfo"},
    "description": (
        "`all` for the linkset; or one link type (gs1:pip, gs1:sustainabilityInfo, "
        "gs1:certificationInfo, gs1:defaultLink): a redirect to it, or a linkset of that type "
        "alone when the linkset is asked for"
    ),
}


#: Documented only (the view validates with core.codes): the path after /01/.
_PATH_PARAMETER = {
    "in": "path",
    "name": "rest",
    "required": True,
    "schema": {"type": "string", "pattern": "^([0-9]{8}|[0-9]{12,14})(/(10|21|22|235)/[^/]+)*$"},
    "description": (
        "GTIN-8, -12, -13 or -14 (check digit must hold), then optional key qualifiers "
        "`/10/{batch}`, `/21/{serial}` as the GS1 Digital Link standard writes them"
    ),
}


@blp.route("/<path:rest>", parameters=[_PATH_PARAMETER])
class DigitalLinkResource(MethodView):
    @blp.doc(
        responses={
            "200": {
                "description": (
                    "With `Accept: application/json`: the product lookup (as GET "
                    "/v1/products/{gtin}). With `Accept: application/linkset+json` or "
                    "`?linkType=all`: the product's links as an RFC 9264 linkset"
                ),
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/ProductFootprint"}
                    },
                    LINKSET_TYPE: {"schema": {"type": "object"}},
                },
            },
            "307": {
                "description": "A browser (or ?linkType=one type): redirect to the link",
                "headers": {"Location": {"schema": {"type": "string"}}},
            },
        }
    )
    @alt_responses(304, 400, 404, 422, parameters=[LANG_PARAMETER, LINK_TYPE_PARAMETER])
    def get(self, rest: str):
        """Resolve a GS1 Digital Link: /01/{gtin}[/10/{batch}][/21/{serial}]"""
        code = parse_link_path(request.path, base_url=public_url(""))
        catalogue, day = get_catalogue(), today()
        wanted = request.args.get("linkType")
        kind = link_type(wanted) if wanted else None
        best = request.accept_mimetypes.best_match(_FORMATS, default="text/html")
        if kind == "all" or best == LINKSET_TYPE:
            language = lang()  # checks ?lang= like every lookup
            key = ("linkset", catalogue.release_id(), day, request.path, kind, language)
            response = json_lookup(key, lambda: self._linkset(code.gtin, kind), LINKSET_TYPE)
        elif best == "application/json" and kind is None:
            language = lang()
            key = ("product", catalogue.release_id(), day, language, code.gtin)
            response = json_lookup(
                key, lambda: dump(_schema, lookup_product(catalogue, code.gtin, day), lang=language)
            )
        else:
            targets = links(lookup_product(catalogue, code.gtin, day)).get(kind or "defaultLink")
            if not targets:
                raise NotFound(
                    _("This product has no %(wanted)s link.", wanted=wanted), link_type=wanted
                )
            response = redirect(public_url(targets[0].href), 307)
            response.headers["Cache-Control"] = (
                f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
            )
        response.headers["Vary"] = "Accept, Accept-Language"
        response.headers["Link"] = (
            f'<{public_url(request.path)}?linkType=all>; rel="linkset"; type="{LINKSET_TYPE}"'
        )
        return response

    @staticmethod
    def _linkset(gtin: str, kind: str | None) -> dict:
        footprint = lookup_product(get_catalogue(), gtin, today())
        return linkset(
            footprint,
            anchor_path=request.path,
            base_url=current_app.config["PUBLIC_BASE_URL"],
            languages=tuple(i18n.LANGUAGES),
            translate=i18n.translate,
            only=kind,
        )
