"""GET /v1/products/{gtin}: a product and its certified footprint."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from app import i18n
from app.core.codes import normalize_gtin
from app.core.digital_link import digital_link_path
from app.core.footprints import lookup_product
from app.db import get_catalogue
from app.http import json_lookup
from app.routes import Blueprint, alt_responses, cached_ok, lang, public_url, today
from app.web.label_image import label_png, label_svg
from schemas.common import LANG_PARAMETER, dump
from schemas.products import ProductFootprintSchema

blp = Blueprint(
    "products",
    __name__,
    url_prefix="/v1/products",
    description="Products and their certified footprints",
)
_schema = ProductFootprintSchema()


#: Documented only (the view validates): what a GTIN path segment looks like.
_GTIN_PARAMETER = {
    "in": "path",
    "name": "gtin",
    "required": True,
    "schema": {"type": "string", "pattern": "^([0-9]{6,8}|[0-9]{12,14})$"},
    "description": "GTIN-8, -12, -13 or -14, or a UPC-E (6-8 digits); the check digit must hold",
}


@blp.route("/<gtin>", parameters=[_GTIN_PARAMETER])
class ProductResource(MethodView):
    init_every_request = False  # no state on self: one instance serves every request

    @cached_ok(ProductFootprintSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @alt_responses(304, 400, 404, 422, parameters=[LANG_PARAMETER])
    def get(self, gtin: str):
        """Product with its current certificate and earlier certificates in brief

        `gtin` may be GTIN-8, -12, -13 or -14 (or UPC-E); it is normalised to GTIN-14 and its
        check digit validated. An expired, suspended or revoked certificate is shown with its
        status and `certified: false`.
        """
        gtin14 = normalize_gtin(gtin)
        catalogue, day, language = get_catalogue(), today(), lang()
        key = ("product", catalogue.release_id(), day, language, gtin14)
        return json_lookup(
            key, lambda: dump(_schema, lookup_product(catalogue, gtin14, day), lang=language)
        )


def _label_image(gtin: str, kind: str):
    """label.svg or label.png of a product: rendered once per release, day and product."""
    gtin14 = normalize_gtin(gtin)
    catalogue, day = get_catalogue(), today()
    key = (f"label.{kind}", catalogue.release_id(), day, gtin14)
    draw, content_type = _LABEL_IMAGES[kind]
    font = current_app.config["LABEL_FONT"]

    def render() -> bytes:
        image = draw(
            lookup_product(catalogue, gtin14, day),
            qr_url=public_url(digital_link_path(gtin14)),
            translate=i18n.translate,
            languages=tuple(i18n.LANGUAGES),
            **({"font_path": font} if kind == "png" else {}),
        )
        return image.encode() if isinstance(image, str) else image

    return json_lookup(key, render, content_type)


_LABEL_IMAGES = {
    "svg": (label_svg, "image/svg+xml; charset=utf-8"),
    "png": (label_png, "image/png"),
}


def _image_doc(description: str, media_type: str, **schema) -> dict:
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", **schema}}},
                "headers": {"ETag": {"schema": {"type": "string"}}},
            }
        }
    }


@blp.route("/<gtin>/label.svg", parameters=[_GTIN_PARAMETER])
class ProductLabelImage(MethodView):
    init_every_request = False

    @blp.doc(
        **_image_doc(
            "The label as a standalone SVG image (480 x 270, scalable) in Chinese and English: "
            "figure, status, certificate, and a QR code of the product's GS1 Digital Link",
            "image/svg+xml",
        )
    )
    @alt_responses(304, 400, 404, 422)
    def get(self, gtin: str):
        """The product's bilingual label as an SVG image, to print or put in an <img>"""
        return _label_image(gtin, "svg")


@blp.route("/<gtin>/label.png", parameters=[_GTIN_PARAMETER])
class ProductLabelPng(MethodView):
    init_every_request = False

    @blp.doc(
        **_image_doc(
            "The same label as a PNG image (960 x 540: the SVG's 480 x 270 at twice the "
            "resolution), for places that take no SVG",
            "image/png",
            format="binary",
        )
    )
    @alt_responses(304, 400, 404, 422)
    def get(self, gtin: str):
        """The product's bilingual label as a PNG image"""
        return _label_image(gtin, "png")
