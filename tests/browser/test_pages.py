"""The consumer pages in a real browser: scan a generated barcode photo through the file input
(read on the phone by zxing-wasm, and, without JavaScript, by the server), type a code, switch
language, the error page; axe and screenshots of each, no console errors."""

from __future__ import annotations

import re

from tests.browser.conftest import WATER


def see_the_label(page, gtin: str = WATER) -> str:
    page.wait_for_url(re.compile(rf"/p/{gtin}"))
    label = page.locator(".label[data-status]").first
    label.wait_for()
    return label.inner_text()


def test_home_scans_a_photo_on_the_phone_with_zxing_wasm(page, barcode_photo, axe, screenshot):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    assert page.goto("/").status == 200
    axe(page)
    screenshot(page, "home")
    page.set_input_files("input[type=file][name=image]", str(barcode_photo))
    text = see_the_label(page)
    assert "0.0924" in text and "每件（550 毫升）" in text
    # read in the browser: the photo was never posted, zxing-wasm came from this app
    assert not any(url.endswith("/scan") for url in requests)
    assert any(url.endswith("/vendor/zxing-wasm/dist/reader/zxing_reader.wasm") for url in requests)
    assert any(
        f"/lookup?code={WATER[1:]}" in url or f"code=0{WATER[1:]}" in url for url in requests
    )


def test_home_without_javascript_posts_the_photo(open_page, barcode_photo):
    page = open_page(java_script_enabled=False)
    page.goto("/?lang=en")
    assert page.locator("[data-scan-start]").is_hidden()  # no camera button without a script
    page.set_input_files("input[type=file][name=image]", str(barcode_photo))
    page.get_by_role("button", name="Read the photo").click()
    text = see_the_label(page)
    assert "0.0924 kg CO2e per item (550 mL)" in text
    assert page.url.endswith("?lang=en")


def test_type_a_code_and_switch_language(page, axe, screenshot):
    page.goto("/")
    box = page.locator("main input[name=code]")
    box.fill("9506000134352")
    box.press("Enter")
    assert "0.168 千克 CO₂e 每升" in see_the_label(page)
    axe(page)
    screenshot(page, "product")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(rf"/p/{WATER}\?lang=en$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert "0.168 kg CO2e per L" in page.locator(".label").inner_text()
    # the chosen language stays while browsing: the header's code box keeps it
    box = page.locator("header input[name=code]")
    box.fill("TJS-PCF-2023-0001")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/c/TJS-PCF-2023-0001\?lang=en$"))
    assert "Revoked" in page.locator(".label").inner_text()
    page.get_by_role("link", name=re.compile("current valid certificate")).click()
    page.wait_for_url(re.compile(r"/c/TJS-PCF-2025-0002"))


def test_product_page_for_each_status_is_accessible(page, certificates, axe):
    for status, (_number, gtin) in certificates.items():
        assert page.goto(f"/p/{gtin}?lang=en").status == 200
        assert page.locator(f".label[data-status='{status}']").is_visible()
        axe(page)


def test_error_page_is_a_localized_page_with_the_code_box(page, page_errors, axe, screenshot):
    page_errors.allow(r"status of 404")
    response = page.goto("/p/00000000000000")
    assert response.status == 404
    assert page.locator("[data-reason='not_found'] h1").inner_text() == "未找到"
    axe(page)
    screenshot(page, "not-found")
    box = page.locator("main input[name=code]")
    box.fill("9506000134352")
    box.press("Enter")
    see_the_label(page)


def test_phone_layout_has_no_horizontal_scroll(open_page):
    page = open_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    for path in ("/", f"/p/{WATER}", "/c/TJS-PCF-2023-0001?lang=en"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)


def test_live_camera_reads_the_barcode_on_the_phone(open_page):
    """The camera button: frames decoded in the page (BarcodeDetector or zxing-wasm), nothing
    uploaded. Chromium's fake camera plays a video of the barcode."""
    page = open_page(camera=True, locale="en", permissions=["camera"])
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/?lang=en")
    page.get_by_role("button", name="Scan with the camera").click()
    assert "0.0924 kg CO2e per item (550 mL)" in see_the_label(page)
    assert not any(url.endswith("/scan") for url in requests)
