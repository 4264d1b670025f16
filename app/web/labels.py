"""Human-facing label pages: the target of a Tanji label QR (/c/<number>), an embeddable
product label (/embed/products/<gtin>) retailers can put in an iframe, and embed.js, which
puts that iframe on any page and fits its height."""

from __future__ import annotations

import functools
from pathlib import Path

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from app.core.codes import normalize_gtin
from app.core.errors import DomainError
from app.core.footprints import lookup_product
from app.core.labels import certificate_page
from app.db import get_catalogue
from app.routes import today
from app.web import pages

bp = Blueprint("labels", __name__)
SCRIPTS = Path(__file__).parent / "js"


@functools.cache
def _script_body(name: str) -> bytes:
    return (SCRIPTS / name).read_bytes()


def _script(name: str) -> Response:
    response = Response(_script_body(name), mimetype="text/javascript")
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
    response.add_etag()
    return response.make_conditional(request)


bp.register_error_handler(DomainError, pages.domain_error_page)
for handled in (HTTPException, 413, 429, 500):
    bp.register_error_handler(handled, pages.http_error_page)


@bp.get("/c/<number>")
def certificate_label(number: str) -> Response:
    """Where a Tanji label QR leads: the certificate, its status and the product (an old or
    revoked certificate points to the product's current valid one)."""
    return pages.page("certificate.html", page=certificate_page(get_catalogue(), number, today()))


@bp.get("/embed/products/<gtin>")
def product_label(gtin: str) -> Response:
    """A compact label for a retailer's page (frameable from any origin)."""
    footprint = lookup_product(get_catalogue(), normalize_gtin(gtin), today())
    # Framable from any origin: app/web/security.py gives /embed/ pages their own CSP.
    return pages.page("embed.html", view=footprint.current, product=footprint.product)


@bp.get("/embed.js")
def embed_script() -> Response:
    """The retailer's one-line embed: an iframe of the label, its height fitted."""
    return _script("embed.js")


@bp.get("/embed/frame.js")
def embed_frame_script() -> Response:
    """Runs inside the embedded label: reports its height to the embedding page."""
    return _script("embed-frame.js")
