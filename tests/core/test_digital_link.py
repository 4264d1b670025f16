"""The Digital Link resolver's rules: which paths name a product, and its linkset."""

from __future__ import annotations

import datetime as dt

import pytest

from app.core.digital_link import (
    GS1_VOC,
    digital_link_path,
    link_type,
    linkset,
    parse_link_path,
    product_page,
)
from app.core.errors import InvalidCode, NotFound
from app.core.footprints import footprint_of
from tests.core.test_estimator import certificate, product

BASE = "https://tanji.example"
GTIN = "00200000000011"
TODAY = dt.date(2026, 6, 15)


@pytest.mark.parametrize(
    ("path", "gtin", "batch", "serial"),
    [
        ("/01/09506000134352", "09506000134352", None, None),
        ("/01/9506000134352", "09506000134352", None, None),  # GTIN-13 is padded
        ("/01/09506000134352/10/AB-12", "09506000134352", "AB-12", None),
        ("/01/09506000134352/21/12345", "09506000134352", None, "12345"),
        ("/01/09506000134352/10/L1/21/S%2F9", "09506000134352", "L1", "S/9"),
    ],
)
def test_digital_link_paths_name_a_product(path, gtin, batch, serial):
    code = parse_link_path(path, base_url=BASE)
    assert (code.gtin, code.batch, code.serial) == (gtin, batch, serial)


@pytest.mark.parametrize("path", ["/01/09506000134353", "/01/123", "/01/09506000134352/10/"])
def test_invalid_digital_link_paths(path):
    with pytest.raises(InvalidCode):
        parse_link_path(path, base_url=BASE)


def test_canonical_path_round_trips():
    path = digital_link_path("09506000134352", "L1/2", "S9")
    assert path == "/01/09506000134352/10/L1%2F2/21/S9"
    code = parse_link_path(path, base_url=BASE)
    assert (code.batch, code.serial) == ("L1/2", "S9")


@pytest.mark.parametrize(
    ("value", "name"),
    [("all", "all"), ("gs1:pip", "pip"), (GS1_VOC + "certificationInfo", "certificationInfo")],
)
def test_link_types(value, name):
    assert link_type(value) == name


def test_unknown_link_type():
    with pytest.raises(NotFound):
        link_type("gs1:recipeInfo")


def _translate(message, language):
    return f"{language}:{message}"


def test_linkset_carries_the_three_link_types_with_absolute_hrefs():
    footprint = footprint_of(product(GTIN), [certificate("TJS-PCF-2025-0001", GTIN)], TODAY)
    body = linkset(
        footprint,
        anchor_path=f"/01/{GTIN}",
        base_url=BASE + "/",
        languages=("zh-CN", "en"),
        translate=_translate,
    )
    (context,) = body["linkset"]
    assert context["anchor"] == f"{BASE}/01/{GTIN}"
    hrefs = {k: [link["href"] for link in v] for k, v in context.items() if k != "anchor"}
    assert hrefs == {
        GS1_VOC + "pip": [f"{BASE}/p/{GTIN}"],
        GS1_VOC + "sustainabilityInfo": [
            f"{BASE}/v1/products/{GTIN}",
            f"{BASE}/v1/products/{GTIN}/label.svg",
        ],
        GS1_VOC + "certificationInfo": [
            f"{BASE}/c/TJS-PCF-2025-0001",
            f"{BASE}/v1/certificates/TJS-PCF-2025-0001",
        ],
        GS1_VOC + "defaultLink": [f"{BASE}/p/{GTIN}"],
    }
    pip = context[GS1_VOC + "pip"][0]
    assert pip["type"] == "text/html" and pip["hreflang"] == ["zh-CN", "en"]
    assert pip["title"] == "zh-CN:Product carbon footprint"
    assert pip["title*"][1] == {"value": "en:Product carbon footprint", "language": "en"}


def test_linkset_of_one_type_and_of_a_product_without_certificate():
    footprint = footprint_of(product(GTIN), [], TODAY)
    assert product_page(footprint) == f"/p/{GTIN}"
    body = linkset(
        footprint, anchor_path="/x", base_url=BASE, languages=("en",), translate=_translate
    )
    assert GS1_VOC + "certificationInfo" not in body["linkset"][0]
    only = linkset(
        footprint,
        anchor_path="/x",
        base_url=BASE,
        languages=("en",),
        translate=_translate,
        only="sustainabilityInfo",
    )
    assert set(only["linkset"][0]) == {"anchor", GS1_VOC + "sustainabilityInfo"}
