"""/estimate in a real browser: run an estimate and see the total and the charts; save a
household with consent, keep its token, export it, delete it; keep the form in this browser
only and clear it; the same estimate without JavaScript. No console errors (the ``page``
fixture fails on any), no serious or critical axe violation; screenshots of each step."""

from __future__ import annotations

import json
import sqlite3
import urllib.request

from playwright.sync_api import expect

from tests import imaging
from tests.browser.conftest import WATER  # a valid certificate: the purchase counts


def api_estimate(live_server, body: dict) -> dict:
    request = urllib.request.Request(
        live_server.url + "/v1/household/estimate",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.load(resp)


def fill_and_estimate(page, lang: str = "en") -> None:
    page.goto(f"/estimate?lang={lang}")
    page.fill("[name='period.month']", "2026-05")
    page.fill("[name='household_size']", "2")
    page.fill("[name='electricity.amount']", "250")
    page.check("input[name='electricity.unit'][value='度']")
    page.fill("[name='natural_gas.amount']", "20")
    page.fill("[name='purchases[0].code']", WATER)
    page.fill("[name='purchases[0].quantity']", "3")
    page.locator("button.primary").click()
    page.wait_for_selector("#result")


def households_in(live_server) -> int:
    with sqlite3.connect(live_server.database) as db:
        return db.execute("select count(*) from households").fetchone()[0]


def test_an_estimate_shows_the_total_and_the_charts(page, live_server, axe, screenshot):
    fill_and_estimate(page)
    api = api_estimate(
        live_server,
        {
            "period": {"month": "2026-05"},
            "household_size": 2,
            "electricity": {"amount": "250", "unit": "度"},
            "natural_gas": {"amount": "20", "unit": "m3"},
            "purchases": [{"code": WATER, "quantity": "3"}],
        },
    )
    total = page.locator("#total data")
    assert total.get_attribute("value") == api["total"]["kg"]
    assert total.is_visible()
    for chart in ("#chart-by-line svg", "#chart-by-boundary svg"):
        assert page.locator(chart).is_visible()
    assert "Household electricity" in page.locator("#chart-by-line").inner_text()
    # each line's source on tap
    line = page.locator("li.line[data-field='electricity'] details")
    assert not line.locator("dl").is_visible()
    line.locator("summary").click()
    assert "cn-electricity-footprint-2024" in line.locator("dl").inner_text()
    axe(page)
    screenshot(page, "estimate-result")


def test_errors_are_shown_next_to_the_fields(page, page_errors, axe):
    page_errors.allow(r"status of 422")  # the form comes back with its errors, as a 422
    page.goto("/estimate")  # zh-CN
    page.fill("[name='household_size']", "many")
    page.fill("[name='electricity.amount']", "-5")
    page.locator("button.primary").click()
    page.wait_for_selector("#error-summary")
    assert "整数" in page.locator("#f-household_size-error").inner_text()
    assert page.locator("#f-electricity-amount-error").is_visible()
    assert page.locator("[name='electricity.amount']").input_value() == "-5"
    axe(page)


def test_save_a_household_export_and_delete_it(open_page, live_server, axe, screenshot):
    page = open_page(accept_downloads=True, permissions=["clipboard-read", "clipboard-write"])
    before = households_in(live_server)
    fill_and_estimate(page)
    keep = page.locator("#keep-server")
    assert "2026-12-04" in keep.inner_text()  # the consent text's version, on the page
    keep.locator("#consent").check()
    keep.locator("button[type=submit]").click()
    page.wait_for_selector("#token")
    token = page.locator("#token").inner_text().strip()
    household_id = page.locator("#household-id").inner_text().strip()
    assert len(token) >= 43 and households_in(live_server) == before + 1
    assert token not in page.url and household_id not in page.url
    axe(page)
    screenshot(page, "estimate-saved")

    page.locator("[data-copy=token]").click()
    assert page.evaluate("navigator.clipboard.readText()") == token
    with page.expect_download() as key_file:
        page.locator("#download-key").click()
    key = json.loads(key_file.value.path().read_text(encoding="utf-8"))
    assert key["token"] == token and key["household_id"] == household_id

    with page.expect_download() as exported:
        page.get_by_role("button", name="Export everything (JSON file)").click()
    data = json.loads(exported.value.path().read_text(encoding="utf-8"))
    assert data["household"]["id"] == household_id
    assert [e["kind"] for e in data["entries"]] == ["electricity", "natural_gas", "purchase"]

    page.locator("#manage-confirm").check()
    page.get_by_role("button", name="Delete for good").click()
    page.wait_for_selector("text=deleted")
    assert households_in(live_server) == before
    axe(page)


def test_keep_in_this_browser_only_and_clear_it(page, live_server):
    before = households_in(live_server)
    fill_and_estimate(page)
    page.locator("[data-keep-local]").click()
    kept = json.loads(page.evaluate("localStorage.getItem('tanji.estimate.v1')"))
    assert kept["values"]["electricity.amount"] == "250"
    assert kept["values"]["purchases[0].code"] == WATER
    assert households_in(live_server) == before  # nothing went to the server to keep it

    page.goto("/estimate?lang=en")
    assert page.locator("[name='electricity.amount']").input_value() == ""
    panel = page.locator("#browser-store")
    assert "kept in this browser" in panel.inner_text()
    panel.locator("[data-restore-local]").click()
    assert page.locator("[name='electricity.amount']").input_value() == "250"
    assert page.locator("input[name='electricity.unit'][value='度']").is_checked()
    panel.locator("[data-clear-local]").click()
    assert page.evaluate("localStorage.getItem('tanji.estimate.v1')") is None
    assert "nothing is kept in this browser" in panel.inner_text()
    assert not panel.locator("[data-restore-local]").is_visible()


def test_the_estimate_works_without_javascript_on_a_phone(open_page):
    page = open_page(java_script_enabled=False, viewport={"width": 360, "height": 740})
    fill_and_estimate(page, lang="zh-CN")
    assert page.locator("#total").is_visible()
    assert page.locator("#chart-by-line svg").is_visible()
    # the browser-only option says it needs JavaScript; its buttons stay hidden
    assert not page.locator("[data-keep-local]").is_visible()
    assert page.locator("[data-scan-row]").count() == 3
    assert not page.locator("[data-scan-row]").first.is_visible()  # scanning needs JavaScript
    assert not page.locator("[data-scan-status]").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width  # nothing wider than the phone


# -- scanning a purchase code (estimate.js with scanner.js, as on the home page) -------------
def code_field(page, row: int):
    return page.locator(f"[name='purchases[{row}].code']")


def scan_photo_into(page, row: int, photo) -> None:
    page.locator(f".purchase-row[data-row='{row}'] input[type=file]").set_input_files(str(photo))


def test_scan_a_purchase_photo_on_the_phone(page, barcode_photo, axe, screenshot):
    """The row's photo input: read in the page by zxing-wasm (the photo is never sent), the
    code lands in that row, or the next empty one, or a new row; Estimate counts it."""
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/estimate?lang=en")
    assert page.locator("[data-row='0'] [data-scan-row]").is_visible()
    axe(page)
    status = page.locator("[data-scan-status]")
    scan_photo_into(page, 0, barcode_photo)
    expect(code_field(page, 0)).to_have_value(WATER[1:])  # the EAN-13 as read
    expect(status).to_have_text(f"Code 1: {WATER[1:]} filled in. Press Estimate to count it.")
    # a row that has a code keeps it: the next empty row gets the new one...
    scan_photo_into(page, 0, barcode_photo)
    expect(code_field(page, 1)).to_have_value(WATER[1:])
    assert code_field(page, 0).input_value() == WATER[1:]
    # ...and with no empty row left, a new row
    code_field(page, 2).fill("TJS-PCF-2025-0028")
    scan_photo_into(page, 2, barcode_photo)
    expect(code_field(page, 3)).to_have_value(WATER[1:])
    assert page.locator("[name='purchases[3].quantity']").input_value() == "1"
    expect(status).to_contain_text("Code 4:")
    screenshot(page, "estimate-scanned")
    assert not any("/v1/scans" in url or url.endswith("/scan") for url in requests)
    assert any(url.endswith("/zxing_reader.wasm") for url in requests)

    page.fill("[name='household_size']", "2")
    page.locator("button.primary").click()
    page.wait_for_selector("#result")
    purchases = page.locator("li.line[data-field^='purchases']")
    assert purchases.count() == 4  # three scans of the water and its certificate, typed
    assert page.locator(".not-counted li").count() == 0


def test_scan_a_purchase_with_the_camera(open_page):
    page = open_page(camera=True, locale="en", permissions=["camera"])
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/estimate?lang=en")
    assert page.locator("[data-privacy-live]").is_visible()
    page.locator("[data-row='1'] [data-scan-row]").click()
    expect(code_field(page, 1)).not_to_have_value("")
    assert code_field(page, 1).input_value() in (WATER, WATER[1:])
    assert code_field(page, 0).input_value() == ""
    expect(page.locator("[data-scanner]")).to_be_hidden()  # the camera stopped
    assert not any("/v1/scans" in url for url in requests)


def test_a_photo_the_phone_cannot_read_goes_to_the_server(page, page_errors, tmp_path):
    """No code found on the phone: POST /v1/scans reads it; nothing there either, or a refusal,
    is said in the page's language, and no code is filled in."""
    blank = tmp_path / "blank.png"
    imaging.Image.new("L", (320, 200), 255).save(blank)
    page.goto("/estimate")  # zh-CN
    status = page.locator("[data-scan-status]")
    with page.expect_response(lambda r: "/v1/scans" in r.url) as scanned:
        scan_photo_into(page, 0, blank)
    assert scanned.value.status == 200 and scanned.value.request.method == "POST"
    assert "lang=zh-CN" in scanned.value.url
    # the server's hint, in the page's language
    expect(status).to_contain_text("未识别到条码或二维码")
    assert code_field(page, 0).input_value() == ""

    # the server refuses (rate limited): the page says to wait
    page_errors.allow(r"status of 429")
    page.route(
        "**/v1/scans*",
        lambda route: route.fulfill(status=429, json={"code": 429, "status": "Too Many Requests"}),
    )
    scan_photo_into(page, 0, blank)
    expect(status).to_contain_text("一分钟")
    assert code_field(page, 0).input_value() == ""


def test_a_code_only_the_server_reads_fills_the_row(page, barcode_photo):
    """The phone reads nothing (here its reader module fails to read): the photo goes to
    POST /v1/scans, and the code the server read fills the row."""
    page.route(
        "**/vendor/zxing-wasm/**/index.js",
        lambda route: route.fulfill(
            content_type="text/javascript",
            body="export function prepareZXingModule() {}\n"
            "export async function readBarcodes() { throw new Error('cannot read here'); }\n",
        ),
    )
    page.goto("/estimate?lang=en")
    with page.expect_response(lambda r: "/v1/scans" in r.url) as scanned:
        scan_photo_into(page, 0, barcode_photo)
    assert scanned.value.status == 200
    expect(code_field(page, 0)).to_have_value(WATER)  # as the server reads it: GTIN-14
    expect(page.locator("[data-scan-status]")).to_contain_text(f"{WATER} filled in")


def test_rows_added_from_a_row_with_errors_carry_no_dangling_references(page, page_errors):
    """Rows the page adds (restoring a kept form, a scan) are copies of the last row: the
    copy's error messages are dropped, and so are the references to them and autofocus."""
    page_errors.allow(r"status of 422")
    page.goto("/estimate?lang=en")
    last = page.locator(".purchase-row").count() - 1
    page.fill(f"[name='purchases[{last}].code']", WATER)
    page.fill(f"[name='purchases[{last}].quantity']", "many")
    page.locator("button.primary").click()
    page.wait_for_selector("#error-summary")
    quantity = page.locator(f"[name='purchases[{last}].quantity']")
    assert quantity.get_attribute("aria-describedby")  # the error describes the field
    kept = {"purchases[0].code": WATER, f"purchases[{last + 2}].code": WATER}
    page.evaluate(
        "values => localStorage.setItem('tanji.estimate.v1', JSON.stringify("
        "{version: 1, saved_at: new Date().toISOString(), values}))",
        kept,
    )
    page.reload()
    page.locator("[data-restore-local]").click()
    expect(page.locator(f"[name='purchases[{last + 2}].code']")).to_have_value(WATER)
    dangling = page.evaluate(
        """() => [...document.querySelectorAll('.purchase-row [aria-describedby]')]
              .flatMap(el => el.getAttribute('aria-describedby').split(/\\s+/)
                .filter(id => !document.getElementById(id)).map(id => el.name + ' -> ' + id))"""
    )
    assert dangling == []
    assert page.locator(".purchase-row [autofocus]").count() <= 1
