"""The consumer pages (issue 11 §1-2): home, code box, photo form without JavaScript, the
product page, the one label component per status, and HTML error pages in both languages."""

from __future__ import annotations

import dataclasses
import io
import re
import xml.etree.ElementTree as ET

import pytest
from flask import render_template

from app import create_app
from app.core.footprints import footprint_of
from app.core.messages import Text
from app.db import close_thread_connections
from tests import imaging
from tests.conftest import app_settings
from tests.core.test_estimator import certificate, product


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One app for the module: these tests only read (those that need settings of their own
    use make_app), and seeding a database per test would be most of their time."""
    app = create_app(app_settings(tmp_path_factory.mktemp("pages") / "tanji.db"))
    yield app
    close_thread_connections()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


WATER = "09506000134352"  # 0.168 kg CO2e per L, a 550 mL bottle
BENCHMARKED = "00260102000371"  # valid TJS-PCF-2025-0002, revoked TJS-PCF-2023-0001 earlier
STAGED = "00270115000428"  # life-cycle stages and a category benchmark
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def html(resp) -> str:
    assert resp.mimetype == "text/html", resp.get_data(as_text=True)[:300]
    return resp.get_data(as_text=True)


def visible(page: str) -> str:
    """The page's text without tags (entities left as they are)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_home_offers_scan_photo_and_code_box_without_inline_script(client):
    resp = client.get("/")
    page = html(resp)
    assert resp.status_code == 200 and '<html lang="zh-CN">' in page
    assert "这件产品的碳足迹是多少？" in page
    # the photo form works without JavaScript: a multipart POST with a camera-capture input
    assert 'action="/scan" method="post" enctype="multipart/form-data"' in page
    assert 'action="/scan?lang=en" method="post"' in html(client.get("/?lang=en"))
    assert 'type="file" accept="image/*" capture="environment"' in page
    assert 'action="/lookup" method="get"' in page and 'name="code"' in page
    # scripts only from files (the CSP allows nothing inline); zxing-wasm from /vendor/
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []
    assert "/vendor/zxing-wasm/dist/reader/zxing_reader.wasm" in page
    assert "示例数据" in page  # the footer says the data are fictional
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in csp and "unsafe-inline" not in csp
    assert "form-action 'self'" in csp and "frame-ancestors 'none'" in csp


@pytest.mark.parametrize(
    "path",
    [
        "/static/tanji.css",
        "/static/scan.js",
        "/static/scanner.js",
        "/static/estimate.js",
        "/static/favicon.svg",
    ],
)
def test_assets_are_served(client, path):
    with client.get(path) as resp:
        assert resp.status_code == 200 and resp.data
        if path.endswith(".svg"):
            ET.fromstring(resp.data)
    assert client.get("/favicon.ico").headers["Location"].endswith("/static/favicon.svg")


def test_language_switch_keeps_the_path_and_the_query(client):
    page = html(client.get(f"/p/{WATER}?lang=en&x=1"))
    assert '<html lang="en">' in page
    assert f'href="/p/{WATER}?x=1&amp;lang=zh-CN"' in page
    # links and forms keep the chosen language
    assert '<input type="hidden" name="lang" value="en">' in page
    assert 'href="/?lang=en"' in page


@pytest.mark.parametrize(("asked", "shown"), [("en-US", "en"), ("zh-Hans", "zh-CN"), ("EN", "en")])
def test_language_tags_fall_back_to_the_nearest(client, asked, shown):
    assert f'<html lang="{shown}">' in html(client.get(f"/p/{WATER}?lang={asked}"))


@pytest.mark.parametrize(
    ("code", "location"),
    [
        ("9506000134352", f"/p/{WATER}"),
        (" 09506000134352 ", f"/p/{WATER}"),
        ("(01)09506000134352(10)ABC", f"/p/{WATER}"),
        (f"https://id.gs1.org/01/{WATER}/10/ABC?17=261231", f"/p/{WATER}"),
        ("TJS-PCF-2023-0001", "/c/TJS-PCF-2023-0001"),
        ("tjs-pcf-2025-0020", "/c/TJS-PCF-2025-0020"),
    ],
)
def test_code_box_redirects_to_the_page(client, code, location):
    resp = client.get("/lookup", query_string={"code": code})
    assert resp.status_code == 302
    assert resp.headers["Location"] == location
    assert client.get(location).status_code == 200


def test_code_box_keeps_the_language_and_an_empty_box_goes_home(client):
    resp = client.get("/lookup", query_string={"code": "9506000134352", "lang": "en"})
    assert resp.headers["Location"] == f"/p/{WATER}?lang=en"
    assert client.get("/lookup?code=").headers["Location"] == "/"


@pytest.mark.parametrize(
    ("code", "status", "reason", "zh", "en"),
    [
        ("9506000134353", 422, "invalid_code", "条码无效", "That code is not valid"),
        ("hello there", 400, "not_a_code", "无法识别这个条码", "That is not a code we can read"),
        ("00000000000000", 404, "not_found", "未找到", "Not found"),
        ("TJS-PCF-1900-0001", 404, "not_found", "未找到", "Not found"),
    ],
)
def test_code_box_errors_are_pages_in_both_languages(client, code, status, reason, zh, en):
    for lang, heading in (("zh-CN", zh), ("en", en)):
        resp = client.get("/lookup", query_string={"code": code, "lang": lang})
        page = html(resp)
        assert resp.status_code == status
        assert f'data-reason="{reason}"' in page and f"<h1>{heading}</h1>" in page
        assert f'value="{code}"' in page  # the box keeps what was typed, to correct it
        assert resp.headers["Cache-Control"] == "no-store"


def test_photo_form_without_javascript_redirects_to_the_product(client):
    photo = imaging.to_bytes(imaging.pad(imaging.linear_image("ean13", WATER[1:13])))
    resp = client.post(
        "/scan?lang=en",
        data={"image": (io.BytesIO(photo), "photo.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/p/{WATER}?lang=en"
    assert "0.0924" in html(client.get(resp.headers["Location"]))


def test_photo_form_reads_a_label_qr_to_its_certificate(client, app):
    photo = imaging.make_qr_png(app.config["PUBLIC_BASE_URL"] + "/c/TJS-PCF-2023-0001")
    resp = client.post("/scan", data={"image": (io.BytesIO(photo), "qr.png")})
    assert resp.headers["Location"] == "/c/TJS-PCF-2023-0001"


def test_photo_form_errors_are_pages(client):
    blank = imaging.to_bytes(imaging.Image.new("L", (300, 200), 255))
    resp = client.post("/scan", data={"image": (io.BytesIO(blank), "blank.png")})
    page = html(resp)
    assert resp.status_code == 422 and 'data-reason="no_code"' in page
    assert "照片中没有找到条码" in page
    missing = client.post("/scan?lang=en", data={})
    assert missing.status_code == 422 and "Choose or take a photo" in html(missing)
    not_image = client.post("/scan", data={"image": (io.BytesIO(b"%PDF-1.4 no"), "x.pdf")})
    assert not_image.status_code == 415 and 'data-reason="unsupported_media_type"' in html(
        not_image
    )


def test_photo_form_shares_the_scan_rate_limit(make_app):
    client = make_app(SCAN_RATE_LIMIT="2 per minute").test_client()
    blank = imaging.to_bytes(imaging.Image.new("L", (50, 50), 255))
    statuses = [
        client.post("/scan", data={"image": (io.BytesIO(blank), "b.png")}).status_code,
        client.post("/v1/scans", data={"image": (io.BytesIO(blank), "b.png")}).status_code,
        (last := client.post("/scan", data={"image": (io.BytesIO(blank), "b.png")})).status_code,
    ]
    assert statuses == [422, 200, 429]
    assert "Retry-After" in last.headers and 'data-reason="rate_limited"' in html(last)


def test_product_page_shows_the_label_per_sales_unit_and_per_declared_unit(client):
    page = visible(html(client.get(f"/p/{WATER}?lang=en")))
    assert "0.0924 kg CO2e per item (550 mL)" in page
    assert "0.168 kg CO2e per L" in page
    assert "cradle to grave" in page
    zh = visible(html(client.get(f"/p/{WATER}")))
    assert "0.0924 千克 CO₂e 每件（550 毫升）" in zh and "0.168 千克 CO₂e 每升" in zh
    assert "从摇篮到坟墓" in zh and "2025年7月15日" in zh


def test_product_page_has_stage_chart_comparison_and_history(client):
    page = html(client.get(f"/p/{STAGED}?lang=en"))
    charts = re.findall(r"<svg class=\"chart .*?</svg>", page, re.S)
    assert len(charts) == 3 and all('role="img"' in c for c in charts)  # comparison, stages, trend
    for chart in charts:
        ET.fromstring(chart)
    assert "Life-cycle stages, kg CO2e per" in page and "Raw materials · " in page
    assert re.search(r"\d+% (below|above) the median of \d+ certified products", page) or (
        "At the median" in page
    )
    assert "This product and the median of its category" in page
    assert "What the numbers mean" in page
    # the history lists every certificate with its status, newest first
    page = html(client.get(f"/p/{BENCHMARKED}?lang=en"))
    assert page.index("TJS-PCF-2025-0002") < page.index("TJS-PCF-2023-0001")
    assert "status-revoked" in page


def test_a_short_gtin_redirects_to_the_one_address_of_the_product(client):
    resp = client.get("/p/9506000134352?lang=en")
    assert resp.status_code == 301 and resp.headers["Location"] == f"/p/{WATER}?lang=en"


def test_product_pages_send_etags(client):
    first = client.get(f"/p/{WATER}")
    assert first.headers["ETag"] and "max-age" in first.headers["Cache-Control"]
    again = client.get(f"/p/{WATER}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(f"/p/{WATER}?lang=en").headers["ETag"] != first.headers["ETag"]


BADGE = (
    r'class="status status-{status}"><svg class="icon" aria-hidden="true"[^>]*>'
    r'<path d="([^"]+)".*?</svg>{word}</span>'
)
STATUS_CASES = {
    "valid": ("TJS-PCF-2025-0020", "Valid"),
    "expired": ("TJS-PCF-2022-0006", "Expired"),
    "suspended": ("TJS-PCF-2025-0009", "Suspended"),
    "revoked": ("TJS-PCF-2024-0008", "Revoked"),
}


@pytest.mark.parametrize("status", STATUS_CASES)
def test_each_status_looks_different_and_says_so_in_words(client, status):
    number, word = STATUS_CASES[status]
    page = html(client.get(f"/c/{number}?lang=en"))
    assert f'data-status="{status}"' in page
    # an icon of its own (hidden from screen readers), then the word
    assert re.search(BADGE.format(status=status, word=word), page)
    if status == "valid":
        assert "Valid until" in page and "Certified" in page
    else:
        assert "Not currently certified" in page
    if status in ("suspended", "revoked"):
        # reason and date, never "valid until"
        assert "Valid until" not in page
        assert "Reason: " in page
        assert re.search(rf"{word} (since|on) \w+ \d+, \d{{4}}\.", page)
    if status == "expired":
        assert "Expired on" in page and "Valid until" not in page


def test_no_two_statuses_share_an_icon(client):
    icons = set()
    for status, (number, word) in STATUS_CASES.items():
        page = html(client.get(f"/c/{number}?lang=en"))
        icons.add(re.search(BADGE.format(status=status, word=word), page).group(1))
    assert len(icons) == len(STATUS_CASES)


def test_not_yet_valid_certificate(make_app):
    client = make_app(TODAY="2019-06-01").test_client()
    page = html(client.get("/c/TJS-PCF-2019-0001?lang=en"))
    assert 'data-status="not_yet_valid"' in page and "Valid from June 10, 2019." in page


def test_an_old_or_revoked_certificate_points_to_the_current_one(client):
    page = html(client.get("/c/TJS-PCF-2023-0001?lang=en"))
    assert 'href="/c/TJS-PCF-2025-0002?lang=en"' in page
    assert "current valid certificate: TJS-PCF-2025-0002" in page
    expired = html(client.get("/c/TJS-PCF-2022-0006"))
    assert 'href="/c/TJS-PCF-2025-0028"' in expired
    # the current certificate itself points nowhere else, a lone revoked one has nothing to show
    assert "current-link" not in html(client.get("/c/TJS-PCF-2025-0028"))
    assert "current-link" not in html(client.get("/c/TJS-PCF-2024-0008"))


def test_the_embed_uses_the_same_label(client):
    page = html(client.get(f"/embed/products/{WATER}?lang=en"))
    assert "0.0924" in visible(page) and "per item (550 mL)" in page
    assert "site-header" not in page  # no page chrome in a retailer's frame
    assert 'href="/c/TJS-PCF-2025-0028?lang=en"' in page


def test_every_text_from_the_catalogue_is_escaped(app):
    hostile = '<script>alert(1)</script>"&'
    item = dataclasses.replace(
        product("00200000000011"), name=Text(hostile, hostile), brand=hostile
    )
    cert = dataclasses.replace(
        certificate("TJS-PCF-2025-0001", item.gtin, status="revoked"),
        status_reason=hostile,
        verified_by=hostile,
    )
    footprint = footprint_of(
        item, [cert], app.config["TODAY"] and __import__("datetime").date(2026, 6, 15)
    )
    with app.test_request_context("/p/00200000000011?lang=en"):
        page = render_template("product.html", footprint=footprint, lang="en")
    assert "<script>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;&#34;&amp;") >= 4


@pytest.mark.parametrize(
    ("path", "headers", "status", "reason"),
    [
        ("/p/00000000000000", {}, 404, "not_found"),
        ("/p/9506000134353", {}, 422, "invalid_code"),
        ("/c/TJS-PCF-1900-0001", {}, 404, "not_found"),
        ("/p/", {}, 404, "not_found"),
        ("/p/1/2", {}, 404, "not_found"),
        ("/static/nope.css", {}, 404, "not_found"),
        ("/no/such/page", BROWSER, 404, "not_found"),
        ("/?lang=fr", {}, 422, "invalid_input"),
        ("/lookup", {"Accept": "text/html"}, 303, None),
    ],
)
def test_html_routes_answer_errors_with_small_pages_in_both_languages(
    client, path, headers, status, reason
):
    resp = client.get(path, headers=headers)
    assert resp.status_code == status
    if reason is None:
        return
    page = html(resp)
    assert f'data-reason="{reason}"' in page
    assert '<html lang="zh-CN">' in page and 'name="code"' in page  # the scan/type box
    en = client.get(path, headers={**headers, "Accept-Language": "en"})
    assert '<html lang="en">' in html(en)
    assert "Scan or type another code" in html(en)


def test_a_bad_lang_says_so_and_offers_the_languages_there_are(client):
    page = html(client.get("/p/09506000134352?lang=fr", headers={"Accept-Language": "en"}))
    assert "We do not speak that language" in page
    assert 'href="/p/09506000134352?lang=zh-CN"' in page
    assert '<span aria-current="true" lang="en">English</span>' in page


def test_the_api_keeps_its_json_errors(client):
    for path in ("/v1/products/00000000000000", "/v1/nope", "/nope"):
        assert client.get(path).mimetype == "application/json"
    assert client.get("/v1/nope", headers=BROWSER).mimetype == "application/json"


def test_the_layout_links_the_household_estimate_when_it_is_served(make_app):
    app = make_app()
    if "estimate.page" not in app.view_functions:
        assert 'href="/estimate"' not in html(app.test_client().get("/"))
        app = make_app()
        app.add_url_rule("/estimate", "estimate.page", lambda: "")
    page = html(app.test_client().get("/?lang=en"))
    assert 'href="/estimate?lang=en">Household estimate</a>' in page


@pytest.mark.parametrize(
    "path",
    [
        f"/p/{STAGED}",
        f"/p/{BENCHMARKED}",
        "/p/00280116000471",
        "/",
        "/c/TJS-PCF-2023-0001",
        "/c/nope",
        f"/embed/products/{WATER}",
    ],
)
def test_ids_on_pages_are_unique(client, path):
    ids = re.findall(r'\bid="([^"]+)"', html(client.get(path)))
    assert len(ids) == len(set(ids)), sorted(ids)


def test_a_product_with_several_certificates_shows_its_trend(client):
    page = html(client.get("/p/00280116000471?lang=en"))
    trend = re.search(
        r'<svg class="chart chart-bars"[^>]*aria-labelledby="chart-trend.*?</svg>', page, re.S
    )
    assert trend, page
    desc = ET.fromstring(trend.group(0)).find("{http://www.w3.org/2000/svg}desc").text
    assert desc == (
        "2019 · TJS-PCF-2019-0001 · Expired: 1.39 kg CO2e per kg; "
        "2022 · TJS-PCF-2022-0005 · Expired: 1.27 kg CO2e per kg; "
        "2025 · TJS-PCF-2025-0020 · Valid: 1.18 kg CO2e per kg."
    )
    # one certificate: no trend
    assert "chart-trend" not in html(client.get("/p/00200102000049"))


def test_the_label_image_shows_the_same_figures_as_the_pages(client):
    """label.svg takes its figures and units from the same rules (app/core/labels.py)."""
    root = ET.fromstring(client.get(f"/v1/products/{WATER}/label.svg").data)
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "0.168 kg CO2e" in texts and "每升 · per L" in texts
    assert "= 0.0924 kg CO2e 每件 · per item (550 mL)" in texts
