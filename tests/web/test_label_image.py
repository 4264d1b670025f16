"""The label as an SVG image: valid XML, every text escaped, each status plain, a QR code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from app.core.footprints import footprint_of
from app.core.messages import Text
from app.i18n import LANGUAGES, translate
from app.web.label_image import STATUS_COLOURS, label_svg
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
