"""What a label shows: per declared unit, per 1 unit, per sales unit; units and stages in words."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from app.core.footprints import Quantity
from app.core.labels import (
    PER_UNIT,
    UNIT_SYMBOLS,
    figures,
    plain,
    quantity_text,
    readable,
    significant,
    stage_shares,
)
from app.i18n import translate
from tests.core.test_estimator import certificate, product

GTIN = "00200000000011"


def cert(**changes):
    return dataclasses.replace(certificate("TJS-PCF-2025-0001", GTIN), **changes)


def item(**changes):
    return dataclasses.replace(product(GTIN), **changes)


def words(message, lang="en"):
    return translate(message, lang)


def test_a_bottle_declared_per_litre_shows_both_as_the_issue_says():
    """0.0924 kg CO2e per bottle (550 mL); 0.168 per L."""
    water = cert(pcf=D("0.168"), declared_unit="liter", pcf_per_sales_unit=None)
    bottle = item(net_content=Quantity(D("0.55"), "liter"))
    f = figures(water, bottle)
    assert (f.sales.text, words(f.sales.per)) == ("0.0924", "per item (550 mL)")
    assert words(f.sales.per, "zh-CN") == "每件（550 毫升）"
    assert f.sales.derived
    assert (f.declared.text, words(f.declared.per)) == ("0.168", "per L")
    assert words(f.declared.per, "zh-CN") == "每升"
    assert f.per_one is None


def test_a_stated_sales_figure_is_shown_as_certified():
    bag = item(net_content=Quantity(D("50"), "kilogram"))
    f = figures(cert(pcf=D("1.39"), declared_unit="kilogram", pcf_per_sales_unit=D("69.50")), bag)
    assert (f.sales.text, words(f.sales.per), f.sales.derived) == (
        "69.50",
        "per item (50 kg)",
        False,
    )
    assert words(f.sales.per, "zh-CN") == "每件（50 千克）"


def test_per_one_unit_when_declared_per_several():
    f = figures(cert(pcf=D("1850"), declared_unit="kilogram", declared_unit_amount=D(1000)), None)
    assert words(f.declared.per) == "per t"
    assert words(f.declared.per, "zh-CN") == "每吨"
    assert (f.per_one.text, words(f.per_one.per)) == ("1.85", "per kg")


def test_per_several_of_another_unit_names_the_amount():
    f = figures(cert(pcf=D("12"), declared_unit="square meter", declared_unit_amount=D(10)), None)
    assert words(f.declared.per) == "per 10 m²"
    assert words(f.declared.per, "zh-CN") == "每 10 平方米"
    assert (f.per_one.text, words(f.per_one.per)) == ("1.2", "per m²")


def test_no_sales_figure_when_sold_in_the_declared_unit_or_in_another_unit():
    assert figures(cert(pcf_per_sales_unit=None), item()).sales is None  # per item, sold per item
    phone = item(net_content=Quantity(D("0.2"), "kilogram"))
    assert figures(cert(pcf_per_sales_unit=None, declared_unit="liter"), phone).sales is None


def test_derived_figures_round_to_three_significant_digits_without_exponent():
    assert significant(D("0.09240")) == D("0.0924")
    assert plain(significant(D("15458.5"))) == "15500"
    assert plain(significant(D("0.0012345"))) == "0.00123"
    assert significant(D(0)) == 0


@pytest.mark.parametrize(
    ("quantity", "en", "zh"),
    [
        (Quantity(D("0.55"), "liter"), "550 mL", "550 毫升"),
        (Quantity(D("0.450"), "kilogram"), "450 g", "450 克"),
        (Quantity(D("3"), "kilogram"), "3 kg", "3 千克"),
        (Quantity(D("1.929"), "square meter"), "1.929 m²", "1.929 平方米"),
        (Quantity(D("215"), "kilowatt hour"), "215 kWh", "215 千瓦时"),
    ],
)
def test_quantities_in_words(quantity, en, zh):
    assert words(quantity_text(quantity)) == en
    assert words(quantity_text(quantity), "zh-CN") == zh
    assert readable(Quantity(D("1.5"), "liter")) == Quantity(D("1.5"), "liter")


def test_every_declared_unit_has_words():
    from app.core.footprints import DECLARED_UNITS

    assert set(DECLARED_UNITS) <= set(UNIT_SYMBOLS)
    assert set(DECLARED_UNITS) <= set(PER_UNIT)


def test_stages_in_life_cycle_order():
    c = cert(stages={"use": D("0.2"), "raw_material_acquisition": D("0.5"), "production": D("0.3")})
    assert [(k, words(n), v) for k, n, v in stage_shares(c)] == [
        ("raw_material_acquisition", "Raw materials", D("0.5")),
        ("production", "Production", D("0.3")),
        ("use", "Use", D("0.2")),
    ]
    assert stage_shares(cert(stages=None)) == []
