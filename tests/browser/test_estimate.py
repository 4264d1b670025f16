"""/estimate in a real browser: run an estimate and see the total and the charts; save a
household with consent, keep its token, export it, delete it; keep the form in this browser
only and clear it; the same estimate without JavaScript. No console errors (the ``page``
fixture fails on any), no serious or critical axe violation; screenshots of each step."""

from __future__ import annotations

import json
import sqlite3
import urllib.request

WATER = "09506000134352"  # a valid certificate: the purchase counts


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
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width  # nothing wider than the phone
