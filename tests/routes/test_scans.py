"""/v1/scans: photos with codes in, resolved products out; every bad upload a clear error."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from tests import imaging
from tests.helpers import assert_error

EXAMPLE = "09506000134352"  # GS1's example GTIN; certified in the fixture catalogue
UNKNOWN = "05901234123457"  # a valid GTIN the catalogue does not hold
LABEL = "http://127.0.0.1:8000/c/TJS-PCF-2025-0020"  # PUBLIC_BASE_URL + a fixture certificate
UPLOAD_LIMIT = 300_000  # small, so the size test is cheap; every generated image is far below


@pytest.fixture
def app(make_app):
    return make_app(MAX_UPLOAD_BYTES=UPLOAD_LIMIT, RATELIMIT_ENABLED=False)


def post_file(client, data: bytes, filename: str = "photo.png", **kwargs):
    return client.post(
        "/v1/scans",
        data={"image": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        **kwargs,
    )


def post_raw(client, data: bytes, content_type: str = "image/png", **kwargs):
    return client.post("/v1/scans", data=data, content_type=content_type, **kwargs)


def ean13(gtin14: str) -> Image.Image:
    return imaging.pad(imaging.linear_image("ean13", gtin14[1:13]))


def qr(text: str) -> Image.Image:
    return imaging.pad(imaging.qr_image(text, scale=5))


def png(image: Image.Image) -> bytes:
    return imaging.to_bytes(image)


def only(body: dict) -> dict:
    assert body["count"] == len(body["symbols"]) == 1, body
    return body["symbols"][0]


# --- codes found and resolved ------------------------------------------------------------


def test_ean13_resolves_to_the_certified_product(client):
    image = ean13(EXAMPLE)
    resp = post_file(client, png(image))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["resolved"] == 1 and body["hint"] is None and body["lang"] == "zh-CN"
    assert body["image"] == {"width": image.width, "height": image.height, "format": "PNG"}
    assert body["passes"] and body["passes"][0] == "zbar:downscaled"
    symbol = only(body)
    assert symbol["symbology"] == "EAN-13"
    assert symbol["text"] == EXAMPLE
    assert symbol["engine"] in ("zbar", "zxing")
    assert symbol["ok"] is True and symbol["error"] is None
    result = symbol["result"]
    assert result["input"] == EXAMPLE
    assert result["code"]["kind"] == "product"
    assert result["product"]["gtin"] == EXAMPLE
    assert result["product"]["footprint"]["certified"] is True
    width, height = body["image"]["width"], body["image"]["height"]
    assert len(symbol["position"]) >= 4
    assert all(0 <= p["x"] < width and 0 <= p["y"] < height for p in symbol["position"])


def test_tanji_label_qr_resolves_to_its_certificate(client):
    symbol = only(post_file(client, png(qr(LABEL))).get_json())
    assert (symbol["symbology"], symbol["text"], symbol["ok"]) == ("QR", LABEL, True)
    assert symbol["result"]["code"]["kind"] == "certificate"
    assert symbol["result"]["code"]["format"] == "tanji-label"
    assert symbol["result"]["scanned_certificate"]["number"] == "TJS-PCF-2025-0020"


def test_gs1_digital_link_qr(client):
    link = f"https://id.gs1.org/01/{EXAMPLE}/10/ABC?17=261231"
    symbol = only(post_file(client, png(qr(link))).get_json())
    code = symbol["result"]["code"]
    assert (code["format"], code["gtin"], code["batch"], code["expiry"]) == (
        "gs1-digital-link",
        EXAMPLE,
        "ABC",
        "2026-12-31",
    )


def test_every_code_in_one_photo_is_read_and_resolved(client):
    photo = imaging.on_canvas([ean13(EXAMPLE), qr(LABEL)], size=(1000, 500))
    body = post_file(client, png(photo)).get_json()
    assert body["count"] == body["resolved"] == 2
    by_text = {s["text"]: s for s in body["symbols"]}
    assert set(by_text) == {EXAMPLE, LABEL}
    assert by_text[EXAMPLE]["result"]["product"]["gtin"] == EXAMPLE
    assert by_text[LABEL]["result"]["scanned_certificate"]["number"] == "TJS-PCF-2025-0020"
    # Positions are where each code is: the barcode is left of the QR.
    assert max(p["x"] for p in by_text[EXAMPLE]["position"]) < min(
        p["x"] for p in by_text[LABEL]["position"]
    )


def test_the_same_code_twice_is_reported_once(client):
    photo = imaging.on_canvas([qr(LABEL), qr(LABEL)], size=(900, 450))
    assert only(post_file(client, png(photo)).get_json())["text"] == LABEL


def test_codes_that_do_not_resolve_are_results_with_their_error(client):
    photo = imaging.on_canvas([ean13(UNKNOWN), qr("hello")], size=(1000, 500))
    resp = post_file(client, png(photo))
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["count"] == 2 and body["resolved"] == 0
    by_text = {s["text"]: s for s in body["symbols"]}
    for text, status, reason in ((UNKNOWN, 404, "not_found"), ("hello", 400, "not_a_code")):
        item = by_text[text]
        assert item["ok"] is False and item["result"] is None
        assert item["error"]["code"] == status
        assert item["error"]["errors"]["reason"] == reason


@pytest.mark.parametrize(
    ("lang", "headers", "expected"),
    [
        (None, {}, "请靠近"),
        ("en", {}, "Move closer"),
        (None, {"Accept-Language": "en-US,en;q=0.9"}, "Move closer"),
    ],
)
def test_no_code_is_an_empty_list_with_a_hint(client, lang, headers, expected):
    blank = Image.new("L", (400, 300), 255)
    query = {"lang": lang} if lang else {}
    resp = post_file(client, png(blank), query_string=query, headers=headers)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["count"] == 0 and body["symbols"] == []
    assert expected in body["hint"]
    assert body["image"] == {"width": 400, "height": 300, "format": "PNG"}
    assert len(body["passes"]) > 1  # every fallback pass ran before giving up


@pytest.mark.parametrize("content_type", ["image/png", "application/octet-stream"])
def test_raw_image_body(client, content_type):
    symbol = only(post_raw(client, png(ean13(EXAMPLE)), content_type).get_json())
    assert symbol["text"] == EXAMPLE and symbol["ok"] is True


@pytest.mark.parametrize(
    ("fmt", "save"),
    [
        ("JPEG", {"quality": 90}),
        ("WEBP", {"lossless": True}),
        ("BMP", {}),
        ("GIF", {}),
        ("TIFF", {}),
        ("HEIF", {"quality": 90}),
    ],
)
def test_other_formats(client, fmt, save):
    data = imaging.to_bytes(qr(LABEL).convert("RGB"), fmt, **save)
    body = post_file(client, data, f"photo.{fmt.lower()}").get_json()
    assert only(body)["text"] == LABEL
    assert body["image"]["format"] == fmt


def test_position_is_in_the_upright_image_after_exif_orientation(client):
    # Stored sideways with orientation 6 (rotate 90° clockwise to view): the upright image
    # is taller than wide, and the code's polygon lies inside it.
    stored = imaging.on_canvas([qr(LABEL)], size=(700, 400)).rotate(90, expand=True)
    data = imaging.jpeg_with_orientation(stored, 6)
    body = post_raw(client, data, "image/jpeg").get_json()
    assert (body["image"]["width"], body["image"]["height"]) == (700, 400)
    symbol = only(body)
    assert all(0 <= p["x"] < 700 and 0 <= p["y"] < 400 for p in symbol["position"])
    assert max(p["x"] for p in symbol["position"]) < 400  # pasted at the left of the canvas


def test_multipart_extra_parts_are_ignored(client):
    resp = client.post(
        "/v1/scans",
        data={
            "image": (io.BytesIO(png(ean13(EXAMPLE))), "photo.png"),
            "thumbnail": (io.BytesIO(b"x"), "t.png"),
            "note": "from the app",
        },
        content_type="multipart/form-data",
    )
    assert only(resp.get_json())["text"] == EXAMPLE


# --- bad input: clear answers in the one error shape, never a 500 -------------------------


def test_missing_image_field_names_it(client):
    resp = client.post(
        "/v1/scans",
        data={"photo": (io.BytesIO(png(qr(LABEL))), "photo.png")},
        content_type="multipart/form-data",
    )
    assert assert_error(resp, 422, "invalid_input")["errors"]["field"] == "image"


def test_empty_body_names_the_field(client):
    assert (
        assert_error(client.post("/v1/scans"), 422, "invalid_input")["errors"]["field"] == "image"
    )
    resp = post_raw(client, b"", "image/jpeg")
    assert assert_error(resp, 422, "invalid_input")["errors"]["field"] == "image"


def test_zero_byte_file_is_422(client):
    body = assert_error(post_file(client, b"", query_string={"lang": "en"}), 422, "bad_image")
    assert "empty" in body["message"]


def test_truncated_image_is_422_with_the_reason(client):
    data = imaging.to_bytes(imaging.noisy(Image.new("L", (600, 400), 128)), "PNG")
    body = assert_error(
        post_file(client, data[: len(data) // 2], query_string={"lang": "en"}), 422, "bad_image"
    )
    assert "truncated" in body["message"] or "corrupt" in body["message"]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(imaging.random_bytes(), id="random-bytes"),
        pytest.param(b"%PDF-1.7\n" + b"0" * 200, id="pdf"),
        pytest.param(b"hello, not an image", id="text"),
    ],
)
def test_not_an_image_is_415(client, data):
    assert_error(post_file(client, data), 415, "unsupported_media_type")


def test_non_image_content_type_is_415(client):
    resp = client.post("/v1/scans", json={"image": "base64..."})
    body = assert_error(resp, 415, "unsupported_media_type")
    assert body["errors"]["content_type"] == "application/json"


@pytest.mark.parametrize("post", [post_file, post_raw])
def test_upload_over_the_limit_is_413(client, post):
    over_body = imaging.random_bytes(UPLOAD_LIMIT + 100_000)  # Flask refuses the body
    body = assert_error(post(client, over_body), 413, "payload_too_large")
    assert body["errors"]["limit"] == UPLOAD_LIMIT
    just_over = imaging.random_bytes(UPLOAD_LIMIT + 1)  # within multipart slack; scan refuses
    assert assert_error(post(client, just_over), 413, "payload_too_large")["errors"]["limit"] == (
        UPLOAD_LIMIT
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(imaging.png_header_only(100_000, 100_000), id="png-10-gigapixels"),
        pytest.param(imaging.png_header_only(8_000, 6_000), id="png-48-megapixels"),
        pytest.param(imaging.many_frame_gif(500), id="gif-500-frames"),
    ],
)
def test_decompression_bombs_are_refused_from_the_header(client, data):
    assert len(data) < UPLOAD_LIMIT
    start = time.perf_counter()
    assert_error(post_file(client, data), 413, "payload_too_large")
    assert time.perf_counter() - start < 1.0  # refused before any pixels were decoded


def test_unsupported_lang_is_422(client):
    resp = post_file(client, png(qr(LABEL)), query_string={"lang": "fr"})
    assert assert_error(resp, 422, "invalid_input")["errors"]["field"] == "lang"


# --- rate limiting -------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(make_app):
    client = make_app(
        MAX_UPLOAD_BYTES=UPLOAD_LIMIT, RATELIMIT_ENABLED=True, SCAN_RATE_LIMIT="3 per minute"
    ).test_client()
    data = png(Image.new("L", (64, 64), 255))
    for remaining in (2, 1, 0):
        resp = post_raw(client, data)
        assert resp.status_code == 200
        assert resp.headers["X-RateLimit-Remaining"] == str(remaining)
        assert "Retry-After" not in resp.headers
    resp = post_raw(client, data)
    body = assert_error(resp, 429, "rate_limited")
    assert "3 per 1 minute" in body["message"]
    assert 0 < int(resp.headers["Retry-After"]) <= 60
    # Other endpoints are not limited (the limiter's hooks do not even run for them), and
    # another client has its own budget.
    lookup = client.get("/v1/resolve", query_string={"code": EXAMPLE})
    assert lookup.status_code == 200
    assert not any(h.startswith("X-RateLimit") for h in lookup.headers.keys())
    other = post_raw(client, data, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert other.status_code == 200


def test_rate_limit_default_is_configured(make_app):
    from app.config import Config
    from app.db import ratelimit_storage_uri

    app = make_app()
    assert app.config["SCAN_RATE_LIMIT"] == "30 per minute"
    # Tests count in memory per app; served workers share one machine-wide store by default
    # (in shared memory, never on disk), so the limit counts per client across workers.
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert Config.RATELIMIT_STORAGE_URI is None
    default = ratelimit_storage_uri({"RATELIMIT_STORAGE_URI": None, "DATABASE": "/x/tanji.db"})
    assert default.startswith("tanji-sqlite:///dev/shm/")
    # The photo limit is /v1/scans' own (tests/routes/test_limits.py); JSON bodies stay small.
    assert app.config["MAX_UPLOAD_BYTES"] == 15 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["MAX_JSON_BYTES"] == 512 * 1024
