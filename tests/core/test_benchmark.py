"""Category benchmark arithmetic: median, percentile, order statistics, texts."""

from __future__ import annotations

from decimal import Decimal

from app.core.benchmark import MAX_POINTS, BenchmarkGroup, per_unit, position, summarize
from app.core.footprints import Text

D = Decimal
NAME = Text("水泥", "Cement")


def group(values: list[str]) -> BenchmarkGroup:
    peers, median, points = summarize([D(v) for v in values])
    return BenchmarkGroup("cement", "kilogram", "cradle-to-gate", "2026-06", peers, median, points)


def test_too_few_peers():
    assert summarize([D("1")] * 4) is None


def test_median_odd_and_even():
    assert group(["5", "1", "3", "4", "2"]).median == D("3")
    assert group(["1", "2", "3", "4", "5", "6"]).median == D("3.5")


def test_percentile_is_the_share_of_peers_below():
    g = group(["1", "2", "3", "4", "5"])
    assert position(g, D("1"), NAME).percentile == 0
    assert position(g, D("3"), NAME).percentile == 40
    assert position(g, D("5"), NAME).percentile == 80


def test_text_against_the_median():
    # The core says where the product stands as a message; the edge translates it.
    from app.i18n import translate

    def text(b, lang):
        return translate(b.text, lang)

    g = group(["0.8", "0.9", "1.0", "1.1", "1.2"])
    low = position(g, D("0.82"), NAME)
    assert low.vs_median_pct == -18
    expected = "18% below the median of 5 certified products in this category (Cement)."
    assert text(low, "en") == expected
    assert str(low.text) == expected
    assert text(low, "zh-CN") == "比本类（水泥）5 个已认证产品的中位数低 18%。"
    assert text(position(g, D("1.0"), NAME), "en").startswith("At the median of 5")
    assert "高 20%" in text(position(g, D("1.2"), NAME), "zh-CN")


def test_large_groups_keep_order_statistics():
    values = [D(i) for i in range(10_000)]
    peers, median, points = summarize(values)
    assert peers == 10_000 and median == D("4999.5") and len(points) == MAX_POINTS
    assert points[0] == 0 and points[-1] == 9_999
    g = BenchmarkGroup("c", "kilogram", "cradle-to-gate", "d", peers, median, points)
    assert abs(position(g, D(2500), NAME).percentile - 25) <= 1


def test_per_unit_makes_amounts_comparable():
    assert per_unit(D("798"), D("1000")) == D("0.798")
    assert per_unit(D("0.798"), D("1")) == D("0.798")


def test_needed_indices_are_exactly_what_summarize_reads():
    from app.core.benchmark import needed_indices, summarize_sorted

    for n in (4, 5, 6, 1001, 1002, 5000):
        read: set[int] = set()
        summarize_sorted(n, lambda i: read.add(i) or D(i))  # noqa: B023
        assert read == set(needed_indices(n)), n
