"""The consumer pages: home (scan or type a code), the product page (/p/<gtin>), the no-JS
code box and photo form, the layout's helpers (language links), and HTML error pages for
every HTML route, never JSON there."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import urlencode

from babel.dates import format_date
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from app import errors, i18n
from app.core import labels as label_rules
from app.core.benchmark import Benchmark
from app.core.codes import normalize_gtin
from app.core.errors import DomainError
from app.core.footprints import (
    Certificate,
    Product,
    ProductFootprint,
    lookup_product,
    resolve,
)
from app.core.messages import Message, _
from app.db import get_catalogue
from app.routes import lang, today
from app.web import charts

bp = Blueprint("pages", __name__, static_folder="static", static_url_path="/static")
#: Paths whose errors are pages, whatever the client accepts (the API keeps its JSON shape).
HTML_PREFIXES = ("/p/", "/c/", "/embed/", "/scan", "/lookup", "/estimate", "/static/")
#: Each language's name in itself, for the language switch.
LANGUAGE_NAMES = {"zh-CN": "中文", "en": "English"}
#: Error pages' headings by status; the message says what exactly went wrong.
ERROR_TITLES: dict[int, Message] = {
    400: _("That is not a code we can read"),
    404: _("Not found"),
    413: _("That photo is too large"),
    415: _("That file is not a photo"),
    422: _("That code is not valid"),
    429: _("Too many scans"),
    503: _("Busy, please try again"),
}


# -- views ---------------------------------------------------------------------------------
@bp.get("/")
def home() -> Response:
    """Scan or type a code."""
    return page("home.html")


@bp.get("/lookup")
def lookup() -> Response:
    """The code box (works without JavaScript): any code /v1/resolve accepts -> its page."""
    language = lang()
    code = request.args.get("code", "").strip()
    if not code:
        return redirect(page_url("pages.home"), 303)
    found = resolve(
        get_catalogue(),
        code,
        today=today(),
        public_base_url=current_app.config["PUBLIC_BASE_URL"],
    )
    return redirect(_destination(found.scanned_certificate, found.footprint.product.gtin, language))


@bp.post("/scan")
def scan_photo() -> Response:
    """The photo form (works without JavaScript): the photo decoded on the server by the same
    use case as POST /v1/scans, then the first code that resolves -> its page."""
    from app.routes.scans import scan_upload

    language = lang()
    # Only the photo form and /v1/scans take photo-sized bodies.
    g.body_limit = current_app.config["MAX_UPLOAD_BYTES"]
    request.max_content_length = g.body_limit + 64 * 1024
    image = request.files.get("image")
    if image is None or not image.filename:
        return error_page(
            422, _("No photo"), _("Choose or take a photo of the barcode first."), reason="no_image"
        )
    result = scan_upload(image)
    first_error: DomainError | None = None
    for found in result.symbols:
        if found.item.resolution is not None:
            resolution = found.item.resolution
            return redirect(
                _destination(
                    resolution.scanned_certificate, resolution.footprint.product.gtin, language
                ),
                303,
            )
        first_error = first_error or found.item.error
    if first_error is not None:
        raise first_error
    return error_page(422, _("No code found in the photo"), result.hint, reason="no_code")


@bp.get("/p/<gtin>")
def product(gtin: str) -> Response:
    """The product page: label, life-cycle stages, category comparison, certificate history."""
    canonical = normalize_gtin(gtin)
    if canonical != gtin:  # one shareable address per product: its GTIN-14
        return redirect(page_url("pages.product", gtin=canonical), 301)
    footprint = lookup_product(get_catalogue(), canonical, today())
    return page("product.html", footprint=footprint)


@bp.get("/favicon.ico")
def favicon() -> Response:
    return redirect(url_for("pages.static", filename="favicon.svg"), 301)


def _destination(certificate, gtin: str, language: str) -> str:
    """A scanned certificate number or label QR leads to that certificate's page (it may be
    an old one, which points on to the current one); any product code to the product page."""
    if certificate is not None:
        return page_url("labels.certificate_label", number=certificate.certificate.number)
    return page_url("pages.product", gtin=gtin)


# -- rendering -----------------------------------------------------------------------------
def page(template: str, status: int = 200, **context) -> Response:
    """A page in the negotiated language, with an ETag so a browser revalidates it (304)."""
    html = render_template(template, lang=lang(), **context)
    response = Response(html, status=status, mimetype="text/html")
    if status != 200:
        response.headers["Cache-Control"] = "no-store"
        return response
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
    response.headers["Vary"] = "Accept-Language"
    response.add_etag()
    return response.make_conditional(request)


def error_page(
    status: int,
    title: Message | None,
    message: object,
    *,
    reason: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A small page in the request's language (a bad ``?lang=`` falls back to
    Accept-Language), with the code box, for any error under an HTML route."""
    language = i18n.negotiate(request, strict=False)
    g.tanji_lang = language  # templates' _() must not fail on the bad ?lang= itself
    html = render_template(
        "error.html",
        lang=language,
        status=status,
        title=title or ERROR_TITLES.get(status) or Message(HTTPStatus(status).phrase),
        message=message,
        reason=reason,
        code=request.args.get("code", "") if request.method == "GET" else "",
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


def wants_html(path: str) -> bool:
    """Whether an error at ``path`` is answered with a page: every HTML route, and any other
    unknown path a browser asks for (the API's paths keep their JSON error shape)."""
    if path == "/" or path.startswith(HTML_PREFIXES):
        return True
    if path.startswith(("/v1/", "/01/", "/openapi", "/docs", "/vendor/", "/3/", "/auth/")):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > 0


# Domain errors raised by a page's view become pages (blueprint handlers win over the app's
# JSON handler); app/web/labels.py registers the same for its pages.
@bp.errorhandler(DomainError)
def domain_error_page(error: DomainError) -> Response:
    status = errors.status_of(error)
    if error.reason == "invalid_input" and error.details.get("field") == "lang":
        title = _("We do not speak that language")
    else:
        title = None
    return error_page(status, title, error.message, reason=error.reason)


# The app registers handlers for some statuses (413, 429) by code, which Flask prefers to
# a blueprint's handler by class: these pages register theirs by code as well.
@bp.errorhandler(HTTPException)
@bp.errorhandler(413)
@bp.errorhandler(429)
@bp.errorhandler(500)
def http_error_page(error: HTTPException) -> Response:
    body, headers = errors.http_error_body(error)
    status = body["code"]
    message: object = body["message"]
    if status == 404:
        message = _("There is no page at this address. Scan or type a code to find a product.")
    headers.pop("Content-Type", None)
    return error_page(status, None, message, reason=body["errors"]["reason"], headers=headers)


# -- template helpers ----------------------------------------------------------------------
def explicit_lang() -> bool:
    """Whether the page's language was chosen in the URL (links then keep ``?lang=``)."""
    return "lang" in request.args


def page_url(endpoint: str, **values) -> str:
    """url_for, keeping ``?lang=`` when the visitor chose the language in the URL."""
    if explicit_lang() and "lang" not in values:
        values["lang"] = i18n.negotiate(request, strict=False)
    return url_for(endpoint, **values)


def language_links(current: str) -> list[dict]:
    """The language switch: this same path and query in each language."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    links = []
    for tag in i18n.LANGUAGES:
        query = urlencode([*args, ("lang", tag)])
        links.append(
            {
                "tag": tag,
                "name": LANGUAGE_NAMES.get(tag, tag),
                "href": f"{request.path}?{query}",
                "current": tag == current,
            }
        )
    return links


def has_page(endpoint: str) -> bool:
    """Whether the app serves this page (the layout links only to pages that exist)."""
    return endpoint in current_app.view_functions


def long_date(value, language: str | None = None) -> str:
    """2026年6月15日 / June 15, 2026."""
    if value is None:
        return ""
    return format_date(value, "long", locale=i18n.locale(language))


def compare_chart(benchmark: Benchmark) -> Markup:
    """This product beside its category's median, per 1 declared unit."""
    language = i18n.current_language()
    per = i18n.translate(label_rules.PER_UNIT.get(benchmark.declared_unit), language)
    unit = f"{i18n.gettext('kg CO2e')} {per or ''}".strip()
    bars = [
        charts.Bar(
            i18n.gettext("This product"),
            benchmark.value,
            label_rules.plain(label_rules.significant(benchmark.value)),
            highlight=True,
        ),
        charts.Bar(
            i18n.gettext("Category median (%(peers)s products)", peers=benchmark.peers),
            benchmark.median,
            label_rules.plain(label_rules.significant(benchmark.median)),
        ),
    ]
    title = i18n.gettext("This product and the median of its category")
    return charts.bar_chart(bars, title=title, unit=unit, id_prefix="chart-compare")


def stage_chart(certificate: Certificate, product: Product | None) -> Markup:
    """The footprint's life-cycle stages as shares of one bar, per declared unit."""
    language = i18n.current_language()
    stages = label_rules.stage_shares(certificate)
    bars = [
        charts.Bar(i18n.translate(name, language), value, format(value, "f"))
        for _key, name, value in stages
    ]
    per = i18n.translate(label_rules.figures(certificate, product).declared.per, language)
    title = i18n.gettext("Life-cycle stages, kg CO2e %(per)s", per=per)
    return charts.share_bar(
        bars, title=title, unit=i18n.gettext("kg CO2e"), id_prefix="chart-stages"
    )


def history_chart(footprint: ProductFootprint) -> Markup | None:
    """The product's footprint certificate by certificate (comparable ones only), the current
    one highlighted; None when there is no trend to show."""
    history = label_rules.comparable_history(footprint)
    if not history:
        return None
    language = i18n.current_language()
    unit = label_rules.PER_UNIT.get(footprint.current.certificate.declared_unit)  # type: ignore[union-attr]
    bars = [
        charts.Bar(
            f"{view.certificate.issued_on.year} · {view.certificate.number} · "
            f"{i18n.translate(view.status_label, language)}",
            value,
            label_rules.plain(label_rules.significant(value)),
            highlight=view is footprint.current,
        )
        for view, value in history
    ]
    title = i18n.gettext("The footprint certificate by certificate")
    per = i18n.translate(unit, language) if unit else ""
    return charts.bar_chart(
        bars, title=title, unit=f"{i18n.gettext('kg CO2e')} {per}".strip(), id_prefix="chart-trend"
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        page_url=page_url,
        has_page=has_page,
        explicit_lang=explicit_lang,
        language_links=language_links,
        label_rules=label_rules,
        compare_chart=compare_chart,
        stage_chart=stage_chart,
        history_chart=history_chart,
    )
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["plain"] = label_rules.plain
