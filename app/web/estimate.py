"""The household estimator page (/estimate): a form that works without JavaScript, the
estimate with its charts and sources, and the opt-in saved household (save, export, rotate,
delete) through the same core use cases as /v1/households.

Views are thin: the form goes through schemas/estimate_form.py (into the API's own request
schema), the core does the work, templates render. Every error on these routes is an HTML
page in the page's language (4xx), never JSON. Household ids and tokens travel only in POST
bodies, never in a URL (the access log keeps paths).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask import Blueprint, Response, current_app, g, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from app import i18n
from app.core import saved_households as households
from app.core.errors import DomainError, InvalidInput, Unauthorized
from app.core.estimator import PROVINCES
from app.core.footprints import resolve_many
from app.core.messages import _
from app.core.saved_households import CONSENT_TEXT, CONSENT_VERSION
from app.db import get_catalogue, get_households
from app.errors import status_of
from app.routes import today
from app.routes.estimator import estimate_of
from app.web import pages
from app.web.charts import Bar, bar_chart, share_bar
from schemas import estimate_form
from schemas.common import dump
from schemas.estimate_render import render_estimate
from schemas.saved_households import ExportSchema

bp = Blueprint("estimate", __name__)
#: Saved-household actions: a blueprint of their own, rate limited like /v1/households.
households_bp = Blueprint("estimate_household", __name__, url_prefix="/estimate/household")

#: The boundaries of the estimate's subtotals, as a person reads them.
BOUNDARIES = {
    "life-cycle": _("Life cycle"),
    "combustion": _("Burnt at home and in the car"),
    "operational": _("Operation (rail, tap water)"),
}


@bp.before_request
@households_bp.before_request
def page_language() -> None:
    """Templates translate in g.tanji_lang: a page falls back to the nearest language."""
    g.tanji_lang = _language()


# -- the estimate ----------------------------------------------------------------------------
@bp.get("/estimate")
def page() -> Response:
    """The empty form (this month, units as bills write them)."""
    language = _language()
    return _render(form=estimate_form.defaults(language, today().strftime("%Y-%m")))


@bp.post("/estimate")
def submit() -> Response:
    """Estimate (the default), add a purchase row, or check the purchase codes."""
    form = estimate_form.read(request.form, _language())
    action = request.form.get("action")
    if action == "add_row":
        return _render(form=form, focus=f"purchases[{form.purchase_rows - 1}].code")
    if action == "check":
        return _render(form=form, checked=_check_codes(form))
    try:
        result = estimate_of(estimate_form.load(form))
    except estimate_form.FormInvalid as invalid:
        return _render(form=form, errors=invalid.errors, status=422)
    except InvalidInput as error:
        errors = estimate_form.invalid_input(form, error)
        return _render(form=form, errors=errors, status=422)
    return _render(form=form, result=render_estimate(result, _language()))


# -- the saved household ---------------------------------------------------------------------
@households_bp.post("")
def save() -> Response:
    """Save the household (opt-in, with consent): its token is shown on this page only."""
    form = estimate_form.read(request.form, _language())
    try:
        inputs = estimate_form.load(form)
        result = estimate_of(inputs)
    except estimate_form.FormInvalid as invalid:
        return _render(form=form, errors=invalid.errors, status=422)
    consent = request.form.get("consent") == "yes"
    version = request.form.get("consent_version", "")
    config = current_app.config
    try:
        created = households.save_estimate(
            get_households(),
            inputs,
            consent=consent,
            consent_version=version,
            now=dt.datetime.now(dt.UTC),
            today=today(),
            entry_limit=config["HOUSEHOLD_ENTRY_LIMIT"],
            store_limit=config["HOUSEHOLD_STORE_LIMIT"],
            public_base_url=config["PUBLIC_BASE_URL"],
        )
    except InvalidInput as error:
        field = str(error.details.get("field", ""))
        if field.startswith("consent"):
            errors = {"consent": [error.message]}
        else:
            errors = estimate_form.invalid_input(form, error)
        result_view = render_estimate(result, _language())
        return _render(form=form, result=result_view, errors=errors, status=422)
    entries = len(inputs.activities) + len(inputs.purchases)
    return _household_page(
        "saved", status=201, household=created.household, token=created.token, entries=entries
    )


@households_bp.post("/export")
def export() -> Response:
    """Everything stored about the household, as a JSON file (what GET .../export returns)."""
    household = _authenticated()
    data = dump(
        ExportSchema(), households.export(get_households(), household, today=today()), lang="en"
    )
    response = current_app.response_class(
        current_app.json.dumps(data, indent=2) + "\n", mimetype="application/json"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="tanji-household.json"'
    return response


@households_bp.post("/token")
def rotate() -> Response:
    """A new token, shown once; the old one stops working."""
    household = _authenticated()
    token = households.rotate_token(get_households(), household)
    return _household_page("rotated", household=household, token=token)


@households_bp.post("/delete")
def delete() -> Response:
    """Delete the household and every entry, for real (after a confirming tick)."""
    household = _authenticated()
    if request.form.get("confirm") != "yes":
        message = _("Tick the box to confirm: deletion cannot be undone.")
        return _manage_error({"confirm": [message]}, status=422)
    get_households().delete(household.id)
    return _household_page("deleted")


@households_bp.get("")
@households_bp.get("/<any(export, token, delete):action>")
def back_to_the_form(action: str = "") -> Response:
    """These pages answer forms; a link to one (the language switch) leads to the form."""
    return redirect(pages.page_url("estimate.page"), 303)


def _authenticated() -> households.Household:
    """The household whose id and token the form holds. Raises Unauthorized."""
    household_id = request.form.get("household_id", "").strip()
    token = request.form.get("token", "").strip()
    return households.authenticate(get_households(), household_id, token or None, today=today())


# -- errors: HTML pages in the page's language (app/web/pages.py), never JSON ----------------
@bp.errorhandler(DomainError)
@households_bp.errorhandler(DomainError)
def domain_error(error: DomainError) -> Response:
    if isinstance(error, Unauthorized):
        message = _("That household id and token do not match a saved household.")
        return _manage_error({"token": [message]}, status=status_of(error))
    return pages.domain_error_page(error)


# By code as well as by class: the app registers 413 and 429 by code (see pages.py).
for blueprint in (bp, households_bp):
    for key in (HTTPException, 413, 429, 500):
        blueprint.register_error_handler(key, pages.http_error_page)


# -- rendering ---------------------------------------------------------------------------------
def _language() -> str:
    """The page's language: ?lang= (nearest supported), then Accept-Language, else zh-CN.
    A ?lang= Tanji does not speak falls back instead of failing: this is a page."""
    return i18n.negotiate(request, strict=False)


def _no_store(response: Response, status: int) -> Response:
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"  # household data: never cached
    return response


def _render(
    *,
    form: estimate_form.Form,
    result: dict[str, Any] | None = None,
    errors: dict[str, list[Any]] | None = None,
    checked: dict[int, Any] | None = None,
    focus: str | None = None,
    status: int = 200,
) -> Response:
    language = _language()
    html = render_template(
        "estimate.html",
        lang=language,
        form=form,
        result=result,
        charts=_charts(result, language) if result else None,
        errors=errors or {},
        checked=checked or {},
        focus=focus,
        **_page_context(language),
    )
    return _no_store(Response(html, mimetype="text/html"), status)


def _household_page(what: str, *, status: int = 200, **context: Any) -> Response:
    language = _language()
    html = render_template(
        "estimate_household.html",
        lang=language,
        what=what,
        errors={},
        **context,
        **_page_context(language),
    )
    return _no_store(Response(html, mimetype="text/html"), status)


def _manage_error(errors: dict[str, list[Any]], *, status: int) -> Response:
    language = _language()
    html = render_template(
        "estimate_household.html",
        lang=language,
        what="manage",
        errors=errors,
        household_id=request.form.get("household_id", ""),
        **_page_context(language),
    )
    return _no_store(Response(html, mimetype="text/html"), status)


def _page_context(language: str) -> dict[str, Any]:
    return {
        "quantities": estimate_form.quantities(),
        "unit_labels": estimate_form.UNIT_LABELS,
        "car_fuels": estimate_form.CAR_FUEL_LABELS,
        "provinces": PROVINCES,
        "consent_text": CONSENT_TEXT,
        "consent_version": CONSENT_VERSION,
        "boundaries": BOUNDARIES,
        "fid": field_id,
        "kg": lambda value, places=1: _kg(value, places, language),
    }


def field_id(name: str) -> str:
    """An input's id from its name: ``car[0].distance.amount`` -> ``f-car-0-distance-amount``."""
    return "f-" + re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-")


def _kg(value: Any, places: int, language: str) -> str:
    """A kg figure as a person reads it: grouped digits, ``places`` decimals."""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(Decimal(value), format=pattern, locale=i18n.locale(language))


def _charts(result: dict[str, Any], language: str) -> dict[str, Any]:
    """The breakdown by line and by boundary, as SVG (app/web/charts.py)."""
    unit = i18n.translate(_("kg CO2e"), language)
    lines = [
        Bar(ln["label"], Decimal(ln["kg"]), _kg(ln["kg"], 1, language)) for ln in result["lines"]
    ]
    parts = [
        Bar(
            i18n.translate(BOUNDARIES.get(s["boundary"], s["boundary"]), language),
            Decimal(s["kg"]),
            _kg(s["kg"], 1, language),
        )
        for s in result["subtotals"]
    ]
    translate = i18n.translate
    return {
        "lines": bar_chart(
            lines,
            title=translate(_("Your estimate by line"), language),
            unit=unit,
            id_prefix="chart-lines",
        ),
        "boundaries": share_bar(
            parts,
            title=translate(_("Your estimate by boundary"), language),
            unit=unit,
            id_prefix="chart-boundaries",
        ),
    }


def _check_codes(form: estimate_form.Form) -> dict[int, Any]:
    """Each purchase row's code resolved as /v1/resolve does: the product, or why not."""
    rows = {}
    for i in range(form.purchase_rows):
        code = form.values.get(f"purchases[{i}].code")
        if code:
            rows[i] = code
    items = resolve_many(
        get_catalogue(),
        list(rows.values()),
        today=today(),
        public_base_url=current_app.config["PUBLIC_BASE_URL"],
        benchmarks=False,
    )
    checked: dict[int, Any] = {}
    for i, item in zip(rows, items, strict=True):
        if item.error is not None:
            checked[i] = {"ok": False, "message": item.error.message}
        else:
            assert item.resolution is not None
            footprint = item.resolution.footprint
            current = footprint.current
            checked[i] = {
                "ok": bool(current and current.certified),
                "product": footprint.product.name,
                "message": current.status_label if current else None,
            }
    return checked
