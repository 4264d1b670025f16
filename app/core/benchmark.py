"""Category benchmarks: where a certified footprint stands among comparable certified products.

Peers share the category, the declared unit (compared per 1 unit, so "per 1000 kilogram"
and "per kilogram" are comparable) and the system boundary; they are never compared across
units or boundaries. Peers are the products whose current certificate is valid on the
release date; a group needs MIN_PEERS of them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.core.messages import Message, _

MIN_PEERS = 5
#: At most this many order statistics are kept per group; smaller groups keep every value,
#: so their percentiles are exact (larger ones are within 0.1 percentage points).
MAX_POINTS = 1001


@dataclass(frozen=True)
class BenchmarkGroup:
    category: str
    declared_unit: str
    system_boundary: str
    as_of: str
    peers: int
    median: Decimal
    points: tuple[Decimal, ...]  # sorted


@dataclass(frozen=True)
class Benchmark:
    category: str
    category_name: object  # a footprints.Text: catalogue data in zh and en
    declared_unit: str
    system_boundary: str
    as_of: str
    peers: int
    median: Decimal
    value: Decimal  # this product's kg CO2e per 1 declared unit
    percentile: int  # share of peers (%) with a lower footprint
    vs_median_pct: int  # (value - median) / median, in %, rounded

    @property
    def text(self) -> Message:
        """Where the product stands, in words."""
        diff, peers, name = abs(self.vs_median_pct), self.peers, self.category_name
        if diff == 0:
            return _(
                "At the median of %(peers)s certified products in this category (%(name)s).",
                peers=peers,
                name=name,
            )
        if self.vs_median_pct < 0:
            return _(
                "%(diff)s%% below the median of %(peers)s certified products in this category "
                "(%(name)s).",
                diff=diff,
                peers=peers,
                name=name,
            )
        return _(
            "%(diff)s%% above the median of %(peers)s certified products in this category "
            "(%(name)s).",
            diff=diff,
            peers=peers,
            name=name,
        )


def per_unit(pcf: Decimal, declared_unit_amount: Decimal) -> Decimal:
    """kg CO2e per 1 declared unit."""
    return pcf / declared_unit_amount if declared_unit_amount != 1 else pcf


def summarize(values: Sequence[Decimal]) -> tuple[int, Decimal, tuple[Decimal, ...]] | None:
    """(peers, median, points) of a group's values, or None below MIN_PEERS."""
    ordered = sorted(values)
    return summarize_sorted(len(ordered), ordered.__getitem__)


def needed_indices(n: int) -> frozenset[int]:
    """Indices of n sorted values that summarize_sorted reads (none below MIN_PEERS)."""
    if n < MIN_PEERS:
        return frozenset()
    mid = n // 2
    median = {mid} if n % 2 else {mid - 1, mid}
    if n <= MAX_POINTS:
        return frozenset(range(n))
    return frozenset(median | {round(i * (n - 1) / (MAX_POINTS - 1)) for i in range(MAX_POINTS)})


def summarize_sorted(
    n: int, value_at: Callable[[int], Decimal]
) -> tuple[int, Decimal, tuple[Decimal, ...]] | None:
    """Like summarize, for n values already in ascending order, read through ``value_at(i)``
    only at the indices needed (the median and at most MAX_POINTS order statistics)."""
    if n < MIN_PEERS:
        return None
    mid = n // 2
    median = value_at(mid) if n % 2 else (value_at(mid - 1) + value_at(mid)) / 2
    if n <= MAX_POINTS:
        points = tuple(value_at(i) for i in range(n))
    else:
        points = tuple(value_at(round(i * (n - 1) / (MAX_POINTS - 1))) for i in range(MAX_POINTS))
    return n, median, points


def position(group: BenchmarkGroup, value: Decimal, category_name: object) -> Benchmark:
    """Where ``value`` (per 1 declared unit) stands in ``group``."""
    below = bisect_left(group.points, value)
    percentile = round(100 * below / len(group.points))
    vs_median = round((value - group.median) / group.median * 100) if group.median else 0
    return Benchmark(
        category=group.category,
        category_name=category_name,
        declared_unit=group.declared_unit,
        system_boundary=group.system_boundary,
        as_of=group.as_of,
        peers=group.peers,
        median=group.median,
        value=value,
        percentile=percentile,
        vs_median_pct=int(vs_median),
    )
