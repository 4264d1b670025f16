"""The SVG charts: valid XML, accessible (role, title, desc), every text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal as D

from app.web.charts import Bar, bar_chart, format_number, share_bar

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(SVG + "text")]


def test_bar_chart_is_an_accessible_image_with_labels_values_and_units():
    root = parse(
        bar_chart(
            [Bar("Electricity", D("123.40")), Bar("Gas", 56.7, value_text="56.7")],
            title="By line",
            unit="kg CO2e",
        )
    )
    assert root.get("role") == "img"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert title.text == "By line"
    assert desc.text == "Electricity: 123.4 kg CO2e; Gas: 56.7 kg CO2e."
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert texts(root) == ["Electricity", "123.4 kg CO2e", "Gas", "56.7 kg CO2e"]
    widths = [float(r.get("width")) for r in root.iter(SVG + "rect")]
    assert widths[0] > widths[1] > 0  # bars are proportional


def test_negative_values_extend_left_of_a_zero_line():
    root = parse(bar_chart([Bar("Make", 2), Bar("Recycle", -1)], title="t"))
    first, second = root.iter(SVG + "rect")
    assert float(second.get("x")) < float(first.get("x"))
    assert root.find(SVG + "line") is not None


def test_share_bar_gives_each_part_its_share_in_words():
    root = parse(share_bar([Bar("A", 3), Bar("B", 1), Bar("C", 0.001)], title="Shares", unit="kg"))
    assert root.find(SVG + "desc").text == "A: 3 kg (75%); B: 1 kg (25%); C: 0.001 kg (<1%)."
    assert "A · 3 kg · 75%" in texts(root)


def test_every_text_is_escaped():
    hostile = "<script>alert(1)</script>&\"'"
    for chart in (bar_chart, share_bar):
        markup = chart(
            [Bar(hostile, 1, value_text=hostile)], title=hostile, unit=hostile, desc=hostile
        )
        root = parse(markup)  # still well-formed XML
        assert not list(root.iter(SVG + "script")) and "<script>" not in str(markup)
        assert root.find(SVG + "title").text == hostile
        assert hostile in "".join(texts(root))


def test_several_charts_on_a_page_have_distinct_ids_and_empty_charts_render():
    a, b = parse(bar_chart([], title="One")), parse(bar_chart([], title="Two"))
    assert a.find(SVG + "title").get("id") != b.find(SVG + "title").get("id")
    assert (
        parse(bar_chart([Bar("x", 1)], title="t", id_prefix="mine")).find(SVG + "title").get("id")
        == "mine-title"
    )


def test_numbers_without_exponent_or_trailing_zeros():
    assert [format_number(v) for v in (D("1.2E+3"), D("0.0920"), 3.0, -0.0)] == [
        "1200",
        "0.092",
        "3",
        "0",
    ]
