"""Human-facing label pages: the target of a Tanji label QR (/c/<number>), an embeddable
product label (/embed/products/<gtin>) retailers can put in an iframe, and embed.js, which
puts that iframe on any page and fits its height."""

from __future__ import annotations

import functools
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request

from app.core.codes import normalize_gtin
from app.core.footprints import lookup_certificate, lookup_product
from app.db import get_catalogue
from app.routes import lang, today

bp = Blueprint("labels", __name__)
SCRIPTS = Path(__file__).parent / "js"


def _page(template: str, **context) -> Response:
    """Render a page in the negotiated language (texts from the gettext catalogue), with an
    ETag so a browser or a retailer's page revalidates it with a 304."""
    html = render_template(template, lang=lang(), **context)
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
    response.headers["Vary"] = "Accept-Language"
    response.add_etag()
    return response.make_conditional(request)


@functools.cache
def _script_body(name: str) -> bytes:
    return (SCRIPTS / name).read_bytes()


def _script(name: str) -> Response:
    response = Response(_script_body(name), mimetype="text/javascript")
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
    response.add_etag()
    return response.make_conditional(request)


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


@bp.get("/embed.js")
def embed_script() -> Response:
    """The retailer's one-line embed: an iframe of the label, its height fitted."""
    return _script("embed.js")


@bp.get("/embed/frame.js")
def embed_frame_script() -> Response:
    """Runs inside the embedded label: reports its height to the embedding page."""
    return _script("embed-frame.js")
