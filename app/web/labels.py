"""Human-facing label pages: the target of a Tanji label QR (/c/<number>) and an embeddable
product label (/embed/products/<gtin>) retailers can put in an iframe."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template

from app.core.codes import normalize_gtin
from app.core.footprints import lookup_certificate, lookup_product
from app.db import get_catalogue
from app.routes import lang, today

bp = Blueprint("labels", __name__)


def _page(template: str, **context) -> Response:
    """Render a page in the negotiated language (texts from the gettext catalogue)."""
    html = render_template(template, lang=lang(), **context)
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
    response.headers["Vary"] = "Accept-Language"
    return response


@bp.get("/c/<number>")
def certificate_label(number: str) -> Response:
    """Where a Tanji label QR leads: the certificate, its status and the product."""
    view = lookup_certificate(get_catalogue(), number, today())
    return _page("label.html", view=view, product=view.product, embed=False)


@bp.get("/embed/products/<gtin>")
def product_label(gtin: str) -> Response:
    """A compact label for a retailer's page (frameable from any origin)."""
    footprint = lookup_product(get_catalogue(), normalize_gtin(gtin), today())
    response = _page("label.html", view=footprint.current, product=footprint.product, embed=True)
    # Framable from any origin: app/web/security.py gives /embed/ pages their own CSP.
    return response
