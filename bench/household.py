"""Bench: a 1,000-line household estimate against one product lookup, same run, same database.

First through the core (both sides), then through the Flask test client (both sides), against
a temporary SQLite database seeded from fixtures/. Prints medians and the ratios, and the number
of catalogue calls an estimate makes (constant, whatever the number of lines: batched queries,
not one per line). The target ratio is 20 or less.

    .venv/bin/python bench/household.py
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.core.activities import Activity  # noqa: E402
from app.core.estimator import Inputs, estimate  # noqa: E402
from app.core.footprints import lookup_product  # noqa: E402
from app.core.purchases import Purchase  # noqa: E402
from app.db import connect, ensure_database  # noqa: E402
from app.storage.catalog import SqliteCatalogue  # noqa: E402

TODAY = dt.date(2026, 6, 15)
BASE_URL = "http://127.0.0.1:8000"
LINES = 1000
ROUNDS = 31


class CountingCatalogue(SqliteCatalogue):
    """Counts the catalogue calls an estimate makes (each is at most one query per 500 ids)."""

    calls = 0

    def products(self, gtins):
        CountingCatalogue.calls += 1
        return super().products(gtins)

    def certificates_for(self, gtins):
        CountingCatalogue.calls += 1
        return super().certificates_for(gtins)

    def certificate(self, number):
        CountingCatalogue.calls += 1
        return super().certificate(number)


def median_seconds(fn, rounds: int = ROUNDS) -> float:
    fn()  # warm up: SQLite page cache, category and body maps, parse cache
    times = []
    gc.disable()  # a collection landing in one side's sample would skew the ratio
    try:
        for _ in range(rounds):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.db")
        ensure_database(path, seed_if_empty=True)
        db = connect(path)
        catalogue = CountingCatalogue(db)
        gtins = [
            p["gtin"]
            for p in json.loads((ROOT / "fixtures" / "catalogue.json").read_text())["products"]
        ]
        # A year of shopping: the catalogue's products again and again, scanned as GTIN-13 (the
        # retail barcode), GTIN-14 or a GS1 Digital Link URI; 1,000 lines, ~230 distinct texts.
        codes = []
        for i in range(LINES):
            gtin = gtins[i % len(gtins)]
            codes.append((gtin[1:], gtin, f"https://id.gs1.org/01/{gtin}")[i % 3])
        inputs = Inputs(
            start=dt.date(2026, 5, 1),
            end=dt.date(2026, 5, 31),
            household_size=3,
            province="GD",
            activities=(Activity("electricity", "electricity", Decimal("250"), "kWh"),),
            purchases=tuple(
                Purchase(c, Decimal(1 + i % 3), f"purchases[{i}]") for i, c in enumerate(codes)
            ),
        )

        def one_estimate():
            return estimate(
                inputs,
                factors=catalogue,
                catalogue=catalogue,
                today=TODAY,
                public_base_url=BASE_URL,
            )

        def one_lookup():
            return lookup_product(catalogue, "09506000134352", TODAY)

        line_gtins = [gtins[i % len(gtins)] for i in range(LINES)]

        def per_line_lookups():  # what the estimate would cost resolving line by line
            for gtin in line_gtins:
                lookup_product(catalogue, gtin, TODAY)

        CountingCatalogue.calls = 0
        result = one_estimate()
        calls = CountingCatalogue.calls
        lookup = median_seconds(one_lookup, 301)
        big = median_seconds(one_estimate)
        naive = median_seconds(per_line_lookups, 5)
        db.conn.close()

        app = create_app({"DATABASE": path, "TODAY": TODAY.isoformat()})
        client = app.test_client()
        body = {
            "period": {"month": "2026-05"},
            "household_size": 3,
            "province": "GD",
            "electricity": {"amount": "250", "unit": "kWh"},
            "purchases": [{"code": p.code, "quantity": str(p.quantity)} for p in inputs.purchases],
        }

        def http_lookup():
            assert client.get("/v1/products/09506000134352").status_code == 200

        def http_estimate():
            assert client.post("/v1/household/estimate", json=body).status_code == 200

        http_one = median_seconds(http_lookup, 301)
        http_big = median_seconds(http_estimate, 11)

    print("core (estimate() vs lookup_product(), same catalogue object):")
    print(f"  one product lookup:           {lookup * 1e3:8.3f} ms (median of 301)")
    print(f"  {LINES}-line household estimate: {big * 1e3:8.3f} ms (median of {ROUNDS})")
    print(
        f"  counted {len(result.lines) - 1} purchase lines, {len(result.not_counted)} not counted"
    )
    print(f"  catalogue calls per estimate: {calls} (plus 1 factor query), for any number of lines")
    print(f"  ratio: {big / lookup:.1f} (target <= 20)")
    contrast = f"{naive * 1e3:.1f} ms ({naive / lookup:.0f}x)"
    print(f"  for contrast, {LINES} single lookups one by one: {contrast}")
    print("HTTP (Flask test client; the lookup is served from the per-worker response cache):")
    print(f"  GET /v1/products/<gtin>:      {http_one * 1e3:8.3f} ms (median of 301)")
    print(f"  POST /v1/household/estimate:  {http_big * 1e3:8.3f} ms (median of 11)")
    print(f"  ratio: {http_big / http_one:.1f}")


if __name__ == "__main__":
    main()
