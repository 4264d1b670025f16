"""The retailer kit: label.svg, embed.js and the embeddable label, ETags on label pages,
and CORS per endpoint class."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from app.web.label_image import STATUS_COLOURS
from tests.helpers import assert_error

GTIN = "09506000134352"
ORIGIN = {"Origin": "https://shop.example"}


def test_label_svg(client):
    resp = client.get(f"/v1/products/{GTIN}/label.svg")
    assert resp.status_code == 200
    assert resp.mimetype == "image/svg+xml"
    root = ET.fromstring(resp.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("data-status") == "valid"
    text = "".join(root.itertext())
    assert (
        "TJS-PCF-2025-0028" in text and "Product carbon footprint" in text and "产品碳足迹" in text
    )
    assert resp.headers["Cache-Control"].startswith("public, max-age=")
    assert (
        client.get(
            f"/v1/products/{GTIN}/label.svg", headers={"If-None-Match": resp.headers["ETag"]}
        ).status_code
        == 304
    )
    # GTIN-13 and GTIN-14 are the same label
    assert client.get(f"/v1/products/{GTIN[1:]}/label.svg").data == resp.data


def test_label_svg_qr_leads_to_the_digital_link(client):
    """Rasterise the SVG's QR path and read it with zxing-cpp, as a phone would."""
    svg = client.get(f"/v1/products/{GTIN}/label.svg").get_data(as_text=True)
    path = re.search(r'<path d="([^"]+)" fill="#000"/>', svg).group(1)
    rect = re.search(
        r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="\3" fill="#fff"/>', svg
    )
    x0, y0, size = (float(v) for v in rect.groups())
    scale = 4
    image = Image.new("L", (int(size * scale), int(size * scale)), 255)
    draw = ImageDraw.Draw(image)
    for m in re.finditer(r"M([\d.]+) ([\d.]+)h([\d.]+)", path):
        x, y, w = (float(v) for v in m.groups())
        left, top = (x - x0) * scale, (y - y0) * scale
        draw.rectangle((left, top, left + w * scale - 1, top + w * scale - 1), fill=0)
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [f"http://127.0.0.1:8000/01/{GTIN}"]


@pytest.mark.parametrize(
    ("gtin", "status"),
    [("00280109000501", "revoked"), ("00220113000166", "suspended"), ("00210104000114", "expired")],
)
def test_label_svg_status(client, gtin, status):
    root = ET.fromstring(client.get(f"/v1/products/{gtin}/label.svg").data)
    assert root.get("data-status") == status
    assert "Valid until" not in "".join(root.itertext())


def test_label_svg_errors(client):
    assert_error(client.get("/v1/products/9506000134353/label.svg"), 422, "invalid_code")
    assert_error(client.get("/v1/products/00290000000005/label.svg"), 404, "not_found")


def test_label_png(client):
    resp = client.get(f"/v1/products/{GTIN}/label.png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    image = Image.open(io.BytesIO(resp.data))
    assert image.format == "PNG" and image.size == (960, 540)
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [f"http://127.0.0.1:8000/01/{GTIN}"]
    assert resp.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get(
        f"/v1/products/{GTIN}/label.png", headers={"If-None-Match": resp.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    assert resp.headers["ETag"] != client.get(f"/v1/products/{GTIN}/label.svg").headers["ETag"]
    # GTIN-13 and GTIN-14 are the same label
    assert client.get(f"/v1/products/{GTIN[1:]}/label.png").data == resp.data


@pytest.mark.parametrize(
    ("gtin", "status"),
    [
        (GTIN, "valid"),
        ("00280109000501", "revoked"),
        ("00220113000166", "suspended"),
        ("00210104000114", "expired"),
    ],
)
def test_label_png_border_in_the_status_colour(client, gtin, status):
    image = Image.open(io.BytesIO(client.get(f"/v1/products/{gtin}/label.png").data))
    red, green, blue = image.convert("RGB").getpixel((4, 270))
    expected = STATUS_COLOURS[status][0]
    assert (
        max(abs(a - int(expected[i : i + 2], 16)) for a, i in ((red, 1), (green, 3), (blue, 5)))
        <= 6
    )


def test_label_png_errors(client):
    assert_error(client.get("/v1/products/9506000134353/label.png"), 422, "invalid_code")
    assert_error(client.get("/v1/products/00290000000005/label.png"), 404, "not_found")


def test_lookups_carry_the_label_url(client):
    body = client.get(f"/v1/products/{GTIN}").get_json()
    assert body["label_url"] == f"http://127.0.0.1:8000/v1/products/{GTIN}/label.svg"
    assert body["digital_link"] == f"http://127.0.0.1:8000/01/{GTIN}"
    resolved = client.get(f"/v1/resolve?code={GTIN}").get_json()
    assert resolved["product"]["label_url"] == body["label_url"]


def test_embed_script(client):
    resp = client.get("/embed.js")
    assert resp.status_code == 200 and resp.mimetype == "text/javascript"
    js = resp.get_data(as_text=True)
    assert "data-gtin" in js or "dataset.gtin" in js
    assert "/embed/products/" in js and "tanji:label-height" in js
    assert (
        client.get("/embed.js", headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304
    )
    frame = client.get("/embed/frame.js").get_data(as_text=True)
    assert "postMessage" in frame and "tanji:label-height" in frame


def test_embedded_label_reports_its_height_and_links_to_the_certificate(client):
    html = client.get(f"/embed/products/{GTIN}?lang=en").get_data(as_text=True)
    assert '<script src="/embed/frame.js"' in html
    assert 'href="/c/TJS-PCF-2025-0028?lang=en"' in html and 'target="_blank"' in html


@pytest.mark.parametrize("path", ["/c/TJS-PCF-2025-0020", f"/embed/products/{GTIN}"])
def test_label_pages_send_etags(client, path):
    resp = client.get(path)
    assert resp.status_code == 200 and resp.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other_language = client.get(
        path, headers={"If-None-Match": resp.headers["ETag"], "Accept-Language": "en"}
    )
    assert other_language.status_code == 200


PUBLIC = [
    ("get", f"/v1/products/{GTIN}"),
    ("get", f"/v1/products/{GTIN}/label.svg"),
    ("get", f"/v1/products/{GTIN}/label.png"),
    ("get", "/v1/certificates/TJS-PCF-2025-0028"),
    ("get", f"/v1/resolve?code={GTIN}"),
    ("get", "/v1/factors"),
    ("get", f"/01/{GTIN}?linkType=all"),
    ("get", "/embed.js"),
]
PRIVATE = [
    ("post", "/v1/household/estimate"),
    ("get", "/v1/households/consent"),
    ("post", "/v1/households"),
    ("get", "/v1/households/hh_x/export"),
    ("get", "/v1/admin/certificates"),
    ("post", "/v1/admin/certificates"),
]


@pytest.mark.parametrize(("method", "path"), PUBLIC)
def test_public_gets_from_any_origin(client, method, path):
    resp = getattr(client, method)(path, headers=ORIGIN)
    assert resp.status_code == 200, path
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(("method", "path"), PRIVATE)
def test_household_and_admin_endpoints_from_no_origin(client, method, path):
    resp = getattr(client, method)(path, headers=ORIGIN, json={})
    assert "Access-Control-Allow-Origin" not in resp.headers, path
    preflight = client.options(
        path, headers={**ORIGIN, "Access-Control-Request-Method": method.upper()}
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Methods" not in preflight.headers
