"""Human-facing label pages: the target of a Tanji label QR (/c/<number>) and an embeddable
product label (/embed/products/<gtin>) retailers can put in an iframe."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template

from app.core.codes import normalize_gtin
from app.core.footprints import lookup_certificate, lookup_product
from app.db import get_catalogue
from app.routes import lang, today

bp = Blueprint("labels", __name__)

TEXT = {
    "zh-CN": {
        "title": "产品碳足迹",
        "certified": "已认证",
        "not_certified": "目前未经认证",
        "per": "每",
        "certificate": "证书",
        "body": "认证机构",
        "standards": "标准",
        "valid_until": "有效期至",
        "boundary": "系统边界",
        "factors": "排放因子数据库",
        "sample": "示例数据：产品与证书均为虚构。",
        "status": "状态",
        "status_names": {
            "valid": "有效",
            "expired": "已过期",
            "suspended": "已暂停",
            "revoked": "已撤销",
            "not_yet_valid": "尚未生效",
        },
    },
    "en": {
        "title": "Product carbon footprint",
        "certified": "Certified",
        "not_certified": "Not currently certified",
        "per": "per",
        "certificate": "Certificate",
        "body": "Certification body",
        "standards": "Standards",
        "valid_until": "Valid until",
        "boundary": "System boundary",
        "factors": "Emission factor database",
        "sample": "Sample data: this product and certificate are fictional.",
        "status": "Status",
        "status_names": {
            "valid": "Valid",
            "expired": "Expired",
            "suspended": "Suspended",
            "revoked": "Revoked",
            "not_yet_valid": "Not yet valid",
        },
    },
}


def _page(template: str, **context) -> Response:
    language = lang()
    html = render_template(template, t=TEXT[language], lang=language, **context)
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
    response.headers["Content-Security-Policy"] = "frame-ancestors *"
    return response
