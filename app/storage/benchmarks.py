"""Category benchmarks of a release: each group's median and order statistics, computed in
the database as a release commits (a million certificates cost one sort, not a million objects)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from app.core import benchmark
from app.storage.rows import insert_sql

_INSERT = insert_sql(
    "category_benchmarks",
    (
        "release_id",
        "category",
        "declared_unit",
        "system_boundary",
        "as_of",
        "peers",
        "median",
        "points",
    ),
)


def refresh_benchmarks(db, release_id: int, as_of: dt.date) -> int:
    """Compute category benchmarks for ``release_id`` as of ``as_of`` (peers: each product's
    newest certificate that is valid that day); keep only this and the previous release's.
    Returns the number of groups with enough peers.

    The database orders each group (by the double-precision value, which orders decimals of up to 15
    significant digits exactly); only the median and the stored order statistics are turned
    into exact Decimals, so a million peers cost one sort, not a million Decimal divisions.
    """
    day = as_of.isoformat()
    # Peers are the products whose current certificate is certified on ``day``. The rule has
    # one owner, app.core.footprints.footprint_of (the newest certificate valid that day, by
    # issued_on then number); this is that rule for the whole catalogue in one query, and
    # tests/storage/test_benchmarks.py checks the two agree on generated certificate histories.
    # "No newer valid one exists" (an index probe on gtin per row) is twice as fast here as a
    # row_number() window over all certificates.
    peers = """
        from certificates c join products p on p.gtin = c.gtin
        where c.status = 'valid' and c.issued_on <= :day and c.valid_until >= :day
          and not exists (
              select 1 from certificates d
              where d.gtin = c.gtin and d.status = 'valid'
                and d.issued_on <= :day and d.valid_until >= :day
                and (d.issued_on > c.issued_on
                     or (d.issued_on = c.issued_on and d.number > c.number))
          )
    """
    # Two passes keep memory flat however large a group: count each group, then stream it in
    # order and keep only the values at the indices the summary needs.
    sizes = {
        (category, unit, boundary): n
        for category, unit, boundary, n in db.execute(
            f"select p.category, c.declared_unit, c.system_boundary, count(*) {peers} "
            "group by p.category, c.declared_unit, c.system_boundary",
            {"day": day},
        )
        if n >= benchmark.MIN_PEERS
    }
    # Both engines: "double precision" is SQLite's REAL; an alias may not be used in an
    # ORDER BY expression on PostgreSQL, hence the coalesce written twice.
    ordered = f"""
        select p.category, c.declared_unit, c.system_boundary, c.pcf,
               coalesce(c.declared_unit_amount, '1') as amount {peers}
        order by p.category, c.declared_unit, c.system_boundary,
                 cast(c.pcf as double precision)
                 / cast(coalesce(c.declared_unit_amount, '1') as double precision)
    """
    rows: list[tuple] = []
    key: tuple | None = None
    wanted: frozenset[int] = frozenset()
    picked: dict[int, Decimal] = {}
    index = 0

    def flush() -> None:
        summary = benchmark.summarize_sorted(sizes[key], picked.__getitem__)
        if summary is not None:
            n, median, points = summary
            points_json = json.dumps([str(p) for p in points])
            rows.append((release_id, *key, day, n, str(median), points_json))

    for category, unit, boundary, pcf, amount in db.stream(ordered, {"day": day}):
        if (category, unit, boundary) != key:
            if key in sizes:
                flush()
            key, index, picked = (category, unit, boundary), 0, {}
            wanted = benchmark.needed_indices(sizes.get(key, 0))
        if index in wanted:
            picked[index] = benchmark.per_unit(Decimal(pcf), Decimal(amount))
        index += 1
    if key in sizes:
        flush()
    db.execute("delete from category_benchmarks where release_id = ?", [release_id])
    db.executemany(_INSERT, rows)
    db.execute("delete from category_benchmarks where release_id < ?", [release_id - 1])
    return len(rows)
