"""/estimate: the household estimator page, without JavaScript (the Flask test client).

The page must show what the API computes for the same inputs, put each error next to its
field in the page's language, and save, export and delete a household only with consent,
through the same core use cases as /v1/households."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from app.core.saved_households import CONSENT_VERSION, hash_token
from app.storage.households import TABLES
from tests.routes.test_estimator import EXPIRED, WATER, row_counts

#: A filled-in form: what a person types, input names as the page names them.
FORM = {
    "period_mode": "month",
    "period.month": "2026-05",
    "household_size": "2",
    "province": "BJ",
    "electricity.amount": "250",
    "electricity.unit": "度",
    "natural_gas.amount": "20",
    "natural_gas.unit": "m3",
    "district_heating.amount": "80",
    "district_heating.unit": "m2",
    "tap_water.amount": "6",
    "tap_water.unit": "t",
    "car[0].fuel": "diesel",
    "car[0].amount": "10",
    "car[0].unit": "L",
    "car[0].distance.unit": "km",
    "rail.amount": "1000",
    "rail.unit": "km",
    "purchases[0].code": WATER,
    "purchases[0].quantity": "3",
    "purchases[1].code": "",
    "purchases[1].quantity": "1",
    "purchases[2].code": EXPIRED,
    "purchases[2].quantity": "1",
    "action": "estimate",
}
#: The same inputs as the API's JSON body.
BODY = {
    "period": {"month": "2026-05"},
    "household_size": 2,
    "province": "BJ",
    "electricity": {"amount": "250", "unit": "度"},
    "natural_gas": {"amount": "20", "unit": "m3"},
    "district_heating": {"amount": "80", "unit": "m2"},
    "tap_water": {"amount": "6", "unit": "t"},
    "car": [{"fuel": "diesel", "amount": "10", "unit": "L"}],
    "rail": {"amount": "1000", "unit": "km"},
    "purchases": [{"code": WATER, "quantity": "3"}, {"code": EXPIRED, "quantity": "1"}],
}


class Page(HTMLParser):
    """Just enough of an HTML page: elements by id (attributes and text), inputs by name."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.inputs: dict[str, list[dict]] = {}
        self.forms: list[dict] = []
        self.data: list[dict] = []
        self._open: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, **{k: v or "" for k, v in attrs}, "text": ""}
        if "id" in element:
            self.by_id[element["id"]] = element
        if tag in ("input", "select", "textarea", "button") and "name" in element:
            self.inputs.setdefault(element["name"], []).append(element)
        if tag == "form":
            self.forms.append(element)
        if tag == "data":
            self.data.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i]["tag"] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def text(self, element_id: str) -> str:
        return " ".join(self.by_id[element_id]["text"].split())

    def value(self, element_id: str) -> str:
        return self.by_id[element_id]["value"]


def page_of(resp) -> Page:
    assert resp.mimetype == "text/html", resp.get_data(as_text=True)[:300]
    return Page(resp.get_data(as_text=True))


def post(client, form=None, lang="en", path="/estimate", **changes):
    data = {**(FORM if form is None else form), **changes}
    return client.post(f"{path}?lang={lang}", data=data)


def saved(resp) -> tuple[str, str]:
    page = page_of(resp)
    return page.text("household-id"), page.text("token")


# -- the form ------------------------------------------------------------------------------
def test_the_form_is_a_page_in_chinese_by_default(client):
    resp = client.get("/estimate")
    assert resp.status_code == 200
    page = page_of(resp)
    html = resp.get_data(as_text=True)
    assert '<html lang="zh-CN"' in html
    assert "自愿" in page.text("voluntary") and "不是个人碳账户" in page.text("voluntary")
    assert resp.headers["Cache-Control"] == "no-store"
    # Every form of the estimator posts (nothing in a URL but the language; the header's
    # code box is a lookup); 度 picked, as Chinese bills say.
    ours = [f for f in page.forms if "code-form" not in f.get("class", "")]
    assert len(ours) == 2 and all(f["method"] == "post" for f in ours)
    assert [i["value"] for i in page.inputs["electricity.unit"] if "checked" in i] == ["度"]


def test_the_form_speaks_english_and_picks_kwh(client):
    page = page_of(client.get("/estimate?lang=en"))
    assert "not a personal carbon account" in page.text("voluntary").lower()
    assert [i["value"] for i in page.inputs["electricity.unit"] if "checked" in i] == ["kWh"]
    assert {i["value"] for i in page.inputs["electricity.unit"]} >= {"度", "kWh"}


def test_an_unsupported_language_falls_back_to_a_page(client):
    resp = client.get("/estimate?lang=fr")
    assert resp.status_code == 200 and resp.mimetype == "text/html"


# -- the estimate ----------------------------------------------------------------------------
def test_the_page_shows_what_the_api_computes(client):
    api = client.post("/v1/household/estimate?lang=en", json=BODY).get_json()
    resp = post(client)
    assert resp.status_code == 200
    page = page_of(resp)
    total = api["total"]
    assert page.by_id["total"]["text"].strip() and page.value("total-low") == total["low_kg"]
    assert [d["value"] for d in page.data][:1] == [total["kg"]]
    assert page.value("total-high") == total["high_kg"]
    assert page.value("per-person") == api["per_person_kg"]
    assert Decimal(total["kg"]) > 0
    # Each line: its kg, its label, and its source on tap (a <details>).
    html = resp.get_data(as_text=True)
    for line in api["lines"]:
        # purchases[2] of the form is purchases[1] of the body (row 1 was empty)
        assert f'data-field="{line["field"]}" data-kg="{line["kg"]}"' in html, line["field"]
        if line["factor"]:
            assert line["factor"]["id"] in html and line["factor"]["publisher"] in html
        if line["certificate"]:
            number = line["certificate"]["number"]
            assert number in html and line["certificate"]["emission_factor_database"] in html
    assert html.count("<details>") >= len(api["lines"])
    for item in api["not_counted"]:
        assert item["message"] in html
    # the charts: by line and by boundary, with every line's label in words
    assert 'id="chart-lines-title"' in html and 'id="chart-boundaries-title"' in html
    chart = page.text("chart-by-line")
    assert all(line["label"] in chart for line in api["lines"])


@pytest.mark.parametrize("unit", ["度", "kWh"])
def test_the_unit_picker_counts_du_and_kwh_alike(client, unit):
    only = {
        "period_mode": "month",
        "period.month": "2026-05",
        "household_size": "1",
        "electricity.amount": "100",
        "electricity.unit": unit,
    }
    page = page_of(post(client, only))
    api = client.post(
        "/v1/household/estimate",
        json={
            "period": {"month": "2026-05"},
            "household_size": 1,
            "electricity": {"amount": "0.1", "unit": "MWh"},
        },
    ).get_json()
    assert page.by_id["total"]["text"]
    assert [d["value"] for d in page.data][0] == api["total"]["kg"]


def test_a_period_of_days_instead_of_a_month(client):
    form = {
        **FORM,
        "period_mode": "range",
        "period.start": "2026-05-01",
        "period.end": "2026-05-31",
    }
    html = post(client, form).get_data(as_text=True)  # the month field is ignored
    api = client.post("/v1/household/estimate", json=BODY).get_json()
    assert f'<data value="{api["total"]["kg"]}">' in html


# -- errors next to their fields, in the page's language ----------------------------------------
@pytest.mark.parametrize(
    ("changes", "field", "en", "zh"),
    [
        ({"household_size": "many"}, "household_size", "Not a valid integer", "不是有效的整数"),
        ({"household_size": "40"}, "household_size", "between 1 and 20", "1 到 20"),
        ({"household_size": ""}, "household_size", "Missing data", "缺少"),
        ({"electricity.amount": "-5"}, "electricity.amount", "plain decimal", "十进制"),
        ({"electricity.amount": "9999999"}, "electricity.amount", "implausibly large", "不合理"),
        ({"natural_gas.unit": "barrel"}, "natural_gas.unit", "Unknown unit", "未知单位"),
        ({"period.month": "2026-13"}, "period.month", "YYYY-MM", "YYYY-MM"),
        ({"period.month": ""}, "period", "Give a month", "月份"),
        (
            {"period_mode": "range", "period.start": "2026-05-31", "period.end": "2026-05-01"},
            "period.end",
            "ends before it starts",
            "结束",
        ),
        ({"car[0].consumption": "7"}, "car[0].amount", "not both", "不要同时"),
        ({"purchases[2].quantity": "0"}, "purchases[2].quantity", "more than zero", "大于零"),
    ],
)
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_each_error_is_shown_next_to_its_field(client, db, changes, field, en, zh, lang):
    if "car[0].consumption" in changes:
        changes = {**changes, "car[0].distance.amount": "100"}
    resp = post(client, lang=lang, **changes)
    assert resp.status_code == 422
    page = page_of(resp)
    error_id = "f-" + re.sub(r"[^A-Za-z0-9_]+", "-", field).strip("-") + "-error"
    assert (en if lang == "en" else zh) in page.text(error_id), page.text(error_id)
    assert "error-summary" in page.by_id
    # the input says it is invalid and points to its message (unless the error is the group's)
    inputs = page.inputs.get(field)
    if inputs and inputs[0]["tag"] == "input" and inputs[0].get("type") != "radio":
        assert inputs[0]["aria-invalid"] == "true"
        assert error_id in inputs[0]["aria-describedby"]
    # what was typed is kept
    for name, value in changes.items():
        if name in page.inputs and page.inputs[name][0]["tag"] == "input":
            assert any(i.get("value") == value for i in page.inputs[name])
    assert row_counts(db)["households"] == 0


def test_errors_are_pages_never_json(client):
    for resp in (
        client.post("/estimate", data={}),
        client.post("/estimate", data={"household_size": "x" * 5000}),
        client.post("/estimate/household", data={}),
        client.post("/estimate/household/export", data={}),
        client.post("/estimate/household/delete", data={"household_id": "x" * 100}),
    ):
        assert 400 <= resp.status_code < 500, resp.status_code
        assert resp.mimetype == "text/html"


# -- purchase rows without JavaScript ------------------------------------------------------------
def test_each_purchase_row_can_be_scanned_with_javascript_only(client):
    """estimate.js (a module, with scanner.js) shows each row's Scan button; the photo input
    has no name, so it is never part of the form; zxing-wasm comes from this app."""
    resp = client.get("/estimate?lang=en")
    html = resp.get_data(as_text=True)
    rows = html.split('<div class="purchase-row')[1:]
    assert len(rows) == 3
    for n, row in enumerate(rows):
        button = re.search(r"<button[^>]*data-scan-row[^>]*>", row).group(0)
        assert " hidden" in button and "js-only" in button
        assert f'aria-describedby="f-purchases-{n}-code-label"' in button
        photo = re.search(r"<input[^>]*data-scan-photo[^>]*>", row).group(0)
        assert 'accept="image/*" capture="environment"' in photo and "name=" not in photo
    assert re.search(
        r'<script type="module" src="/static/estimate.js" '
        r'data-wasm="/vendor/zxing-wasm/dist/reader/zxing_reader.wasm"',
        html,
    )
    assert "connect-src 'self'" in resp.headers["Content-Security-Policy"]
    # the photo goes to Tanji only when the phone cannot read it, and the page says so
    assert "otherwise it is sent to Tanji, read, and not kept" in html


def test_add_a_purchase_row_and_check_the_codes(client):
    page = page_of(post(client, action="add_row"))
    assert "purchases[3].code" in page.inputs and "purchases[4].code" not in page.inputs
    assert page.inputs["purchases[0].code"][0]["value"] == WATER  # nothing typed is lost
    html = post(client, action="check").get_data(as_text=True)
    assert 'class="checked ok"' in html and 'class="checked not-ok"' in html


# -- the saved household: opt-in, token once, export, delete ---------------------------------------
def test_nothing_is_stored_without_opting_in(client, db):
    before = row_counts(db)
    post(client)
    resp = post(client, path="/estimate/household", consent_version=CONSENT_VERSION)
    assert resp.status_code == 422
    page = page_of(resp)
    assert "explicit consent" in page.text("f-consent-error")
    assert page.by_id["result"]  # the estimate stays on the page
    assert row_counts(db) == before and before["households"] == 0


def test_the_consent_text_and_version_come_from_the_core(client):
    page = page_of(post(client))
    consent = client.get("/v1/households/consent?lang=en").get_json()
    assert consent["text"] in page.text("consent-text")
    assert page.inputs["consent_version"][0]["value"] == consent["version"] == CONSENT_VERSION


def test_save_shows_the_token_once_export_holds_the_data_delete_removes_it(client, db):
    one_off = client.post("/v1/household/estimate", json=BODY).get_json()
    resp = post(client, path="/estimate/household", consent="yes", consent_version=CONSENT_VERSION)
    assert resp.status_code == 201 and resp.headers["Cache-Control"] == "no-store"
    household_id, token = saved(resp)
    html = resp.get_data(as_text=True)
    assert len(token) >= 43 and "shown only this once" in html
    # a download of id and token, made in the page (no request carries the token in a URL)
    page = page_of(resp)
    assert page.by_id["download-key"]["href"].startswith("data:application/json")
    assert "\n".join(db.conn.iterdump()).count(token) == 0  # only its hash is stored
    stored = db.execute("select token_hash from households").fetchall()
    assert [r[0] for r in stored] == [hash_token(token)]

    # The saved household estimates the month exactly as the one-off estimate did.
    auth = {"Authorization": f"Bearer {token}"}
    again = client.get(f"/v1/households/{household_id}/estimate?month=2026-05", headers=auth)
    assert again.get_json()["total"] == one_off["total"]

    # Export: a JSON file with everything stored, through the form (token in the body).
    export = client.post(
        "/estimate/household/export", data={"household_id": household_id, "token": token}
    )
    assert export.status_code == 200 and export.mimetype == "application/json"
    assert export.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(export.get_data(as_text=True))
    assert data == client.get(f"/v1/households/{household_id}/export", headers=auth).get_json()
    assert data["household"]["id"] == household_id
    assert data["household"]["consent"]["version"] == CONSENT_VERSION
    kinds = [e["kind"] for e in data["entries"]]
    assert kinds == [
        "electricity",
        "natural_gas",
        "district_heating",
        "tap_water",
        "diesel",
        "rail",
        "purchase",
        "purchase",
    ]
    assert data["entries"][0] | {"amount": "250", "unit": "度"} == data["entries"][0]
    assert [e["code"] for e in data["entries"] if e["kind"] == "purchase"] == [WATER, EXPIRED]
    assert token not in export.get_data(as_text=True)

    # A later page never shows the token again.
    again = client.post("/estimate?lang=en", data=FORM).get_data(as_text=True)
    assert token not in again

    # Delete needs the confirming tick, then removes every row.
    keep = client.post(
        "/estimate/household/delete?lang=en", data={"household_id": household_id, "token": token}
    )
    assert keep.status_code == 422 and "Tick the box" in keep.get_data(as_text=True)
    assert row_counts(db)["households"] == 1
    gone = client.post(
        "/estimate/household/delete?lang=en",
        data={"household_id": household_id, "token": token, "confirm": "yes"},
    )
    assert gone.status_code == 200 and "deleted" in gone.get_data(as_text=True)
    assert all(row_counts(db)[t] == 0 for t in TABLES)
    after = client.post(
        "/estimate/household/export?lang=en", data={"household_id": household_id, "token": token}
    )
    assert after.status_code == 401 and after.mimetype == "text/html"


def test_a_new_token_replaces_the_old_one(client):
    household_id, token = saved(
        post(client, path="/estimate/household", consent="yes", consent_version=CONSENT_VERSION)
    )
    resp = client.post(
        "/estimate/household/token", data={"household_id": household_id, "token": token}
    )
    assert resp.status_code == 200
    _, new = saved(resp)
    assert new != token
    old = client.post(
        "/estimate/household/export?lang=en", data={"household_id": household_id, "token": token}
    )
    assert old.status_code == 401
    assert "do not match" in page_of(old).text("f-token-error")
    ok = client.post(
        "/estimate/household/export", data={"household_id": household_id, "token": new}
    )
    assert ok.status_code == 200


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_purchase_that_is_no_code_is_not_saved(client, db, lang):
    resp = post(
        client,
        lang=lang,
        path="/estimate/household",
        consent="yes",
        consent_version=CONSENT_VERSION,
        **{"purchases[2].code": "not a code"},
    )
    assert resp.status_code == 422
    message = page_of(resp).text("f-purchases-2-code-error")
    assert ("Not a product code" in message) if lang == "en" else ("不是" in message)
    assert all(row_counts(db)[t] == 0 for t in TABLES)


def test_saving_from_the_page_shares_the_apis_creation_limit(make_app):
    client = make_app(HOUSEHOLD_CREATE_RATE_LIMIT="2 per hour").test_client()
    body = {"consent": True, "consent_version": CONSENT_VERSION, "household_size": 2}
    assert client.post("/v1/households", json=body).status_code == 201
    save = {**FORM, "consent": "yes", "consent_version": CONSENT_VERSION}
    assert client.post("/estimate/household", data=save).status_code == 201
    resp = client.post("/estimate/household?lang=en", data=save)
    assert resp.status_code == 429 and resp.mimetype == "text/html"
    assert "Too many requests" in resp.get_data(as_text=True)
    assert int(resp.headers["Retry-After"]) > 0
    assert client.post("/estimate", data=FORM).status_code == 200  # estimating is not limited


@pytest.mark.parametrize("path", ["", "/export", "/token", "/delete"])
def test_the_language_switch_on_a_household_page_leads_to_the_form(client, path):
    resp = client.get(f"/estimate/household{path}?lang=en")
    assert resp.status_code == 303 and resp.headers["Location"] == "/estimate?lang=en"
