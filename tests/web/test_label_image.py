"""The label as an SVG image: valid XML, every text escaped, each status plain, a QR code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from app.core.footprints import footprint_of
from app.core.messages import Text
from app.i18n import LANGUAGES, translate
from app.web import label_image
from app.web.label_image import (
    HEIGHT,
    PNG_SCALE,
    STATUS_COLOURS,
    WIDTH,
    Badge,
    cjk_font_path,
    label_png,
    label_svg,
    layout,
)
from tests.core.test_estimator import certificate, product

SVG = "{http://www.w3.org/2000/svg}"
GTIN = "00200000000011"
TODAY = dt.date(2026, 6, 15)


def render(footprint) -> ET.Element:
    svg = label_svg(
        footprint,
        qr_url="https://tanji.example/01/" + GTIN,
        translate=translate,
        languages=tuple(LANGUAGES),
    )
    return ET.fromstring(svg.encode())


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(SVG + "text")]


def test_hostile_names_are_escaped_and_the_svg_stays_valid():
    hostile = dataclasses.replace(
        product(GTIN), name=Text('<script>1</script>&"', "]]></text><script>x</script>")
    )
    cert = dataclasses.replace(
        certificate("TJS-PCF-2025-0001", GTIN), standards=("<b>GB/T</b> & ISO",)
    )
    root = render(footprint_of(hostile, [cert], TODAY))
    assert not list(root.iter(SVG + "script"))
    shown = texts(root)
    assert '<script>1</script>&"' in shown
    assert "]]></text><script>x</script>" in shown
    assert "<b>GB/T</b> & ISO" in shown


@pytest.mark.parametrize(
    ("kwargs", "status", "shows", "never"),
    [
        ({}, "valid", "有效期至 · Valid until 2027-12-31", None),
        ({"until": "2026-04-30"}, "expired", "已过期 · Expired", "Valid until"),
        ({"issued": "2026-07-01"}, "not_yet_valid", "尚未生效 · Not yet valid", "Valid until"),
        ({"status": "suspended"}, "suspended", "已暂停 · Suspended", "Valid until"),
        ({"status": "revoked"}, "revoked", "已撤销 · Revoked", "Valid until"),
    ],
)
def test_each_status_looks_different(kwargs, status, shows, never):
    cert = certificate("TJS-PCF-2025-0001", GTIN, **kwargs)
    if status in ("suspended", "revoked"):
        cert = dataclasses.replace(
            cert, status_reason="Data error found", status_changed_on=dt.date(2026, 3, 1)
        )
    root = render(footprint_of(product(GTIN), [cert], TODAY))
    assert root.get("data-status") == status
    assert root.find(SVG + "rect").get("stroke") == STATUS_COLOURS[status][0]
    shown = " | ".join(texts(root))
    assert shown.count(shows.split(" · ")[0]) >= 1, shown
    if never:
        assert never not in shown
    if status in ("suspended", "revoked"):
        assert "2026-03-01 Data error found" in shown


def test_status_labels_are_the_catalogue_s():
    root = render(footprint_of(product(GTIN), [certificate("TJS-PCF-2025-0001", GTIN)], TODAY))
    shown = texts(root)
    assert "产品碳足迹 · Product carbon footprint" in shown
    assert "1 kg CO2e" in shown
    assert "扫码查看详情 · Scan for details" in shown
    assert root.find(SVG + "path") is not None  # the QR code


def test_a_product_without_certificate():
    root = render(footprint_of(product(GTIN), [], TODAY))
    assert root.get("data-status") == "none"
    assert "暂无证书 · No certificate" in texts(root)


# --- PNG: the same layout, drawn by Pillow ----------------------------------------------


def png(footprint, **kwargs) -> Image.Image:
    data = label_png(
        footprint,
        qr_url="https://tanji.example/01/" + GTIN,
        translate=translate,
        languages=tuple(LANGUAGES),
        **kwargs,
    )
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.size == (WIDTH * PNG_SCALE, HEIGHT * PNG_SCALE) == (960, 540)
    return image.convert("RGB")


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def near(pixel, hex_colour: str) -> bool:
    """The palette PNG may shift a colour slightly."""
    return max(abs(a - b) for a, b in zip(pixel, rgb(hex_colour), strict=True)) <= 6


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({}, "valid"),
        ({"until": "2026-04-30"}, "expired"),
        ({"issued": "2026-07-01"}, "not_yet_valid"),
        ({"status": "suspended"}, "suspended"),
        ({"status": "revoked"}, "revoked"),
    ],
)
def test_png_shows_the_status_in_its_colour(kwargs, status):
    footprint = footprint_of(
        product(GTIN), [certificate("TJS-PCF-2025-0001", GTIN, **kwargs)], TODAY
    )
    image = png(footprint)
    colour, on_colour = STATUS_COLOURS[status]
    k = PNG_SCALE
    assert near(image.getpixel((2 * k, HEIGHT)), colour)  # the border, left edge
    badge = next(
        i for i in layout(footprint, translate, tuple(LANGUAGES)).items if isinstance(i, Badge)
    )
    # Inside the badge: its colour, left of the words and around them, and the words on it.
    assert near(image.getpixel(((badge.x + 3) * k, (badge.y + badge.height / 2) * k)), colour)
    inside = image.crop(
        (
            int((badge.x + 8) * k),
            int((badge.y + 3) * k),
            int((badge.x + 60) * k),
            int((badge.y + badge.height - 3) * k),
        )
    )
    colours = [c for _n, c in inside.getcolors(100000)]
    assert any(near(c, colour) for c in colours) and any(near(c, on_colour) for c in colours)


def test_png_qr_leads_to_the_digital_link():
    image = png(footprint_of(product(GTIN), [certificate("TJS-PCF-2025-0001", GTIN)], TODAY))
    assert [b.text for b in zxingcpp.read_barcodes(image)] == ["https://tanji.example/01/" + GTIN]


def test_png_draws_chinese_with_a_cjk_font():
    """make test installs one (scripts/system-deps.sh): Chinese is drawn, not boxes."""
    path = cjk_font_path()
    assert path is not None
    font = ImageFont.truetype(path, 32)

    def drawn(text: str) -> bytes:
        image = Image.new("L", (40, 40), 0)
        ImageDraw.Draw(image).text((4, 4), text, font=font, fill=255)
        return image.tobytes()

    missing = drawn("\U000f0000")  # a private-use character: no font has it
    assert len({drawn("碳"), drawn("迹"), missing}) == 3


def test_png_without_a_cjk_font_says_so_and_still_draws(monkeypatch, caplog):
    monkeypatch.setattr(label_image, "CJK_FONTS", ("/nonexistent/font.ttc",))
    label_image.cjk_font_path.cache_clear()
    try:
        image = png(footprint_of(product(GTIN), [certificate("TJS-PCF-2025-0001", GTIN)], TODAY))
    finally:
        label_image.cjk_font_path.cache_clear()
    assert "label.png draws Chinese as boxes" in caplog.text
    assert near(image.getpixel((2 * PNG_SCALE, HEIGHT)), STATUS_COLOURS["valid"][0])


def test_png_configured_font_must_exist():
    with pytest.raises(FileNotFoundError, match="TANJI_LABEL_FONT"):
        label_image.cjk_font_path("/nonexistent/font.ttc")


def test_png_keeps_a_white_margin_inside_its_border():
    """Nothing drawn touches the frame: a band 6 px wide inside the border (3 px) is white all
    round, e.g. the bilingual caption under the QR code, wider than the code itself."""
    image = png(footprint_of(product(GTIN), [certificate("TJS-PCF-2025-0001", GTIN)], TODAY))
    k, corner = PNG_SCALE, 14  # the rounded corners curve into the band
    band = [
        (4 * k, corner * k, 10 * k, (HEIGHT - corner) * k),  # left
        ((WIDTH - 10) * k, corner * k, (WIDTH - 4) * k, (HEIGHT - corner) * k),  # right
        (corner * k, 4 * k, (WIDTH - corner) * k, 10 * k),  # top
        (corner * k, (HEIGHT - 10) * k, (WIDTH - corner) * k, (HEIGHT - 4) * k),  # bottom
    ]
    for box in band:
        colours = {c for _n, c in image.crop(box).convert("RGB").getcolors(100000)}
        assert all(near(c, "#ffffff") for c in colours), (box, colours)
