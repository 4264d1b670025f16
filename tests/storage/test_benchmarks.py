"""Category benchmarks computed by storage (the same SQL on both engines) agree with the core's rule for the current
certificate (footprints.footprint_of) and its arithmetic (benchmark.summarize)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import pytest

from app.core import benchmark
from app.core.footprints import lookup_products
from app.core.ingest import import_certificates
from app.storage.catalog import SqliteCatalogue
from app.storage.postgres.catalogue import PgCatalogue
from app.storage.writer import SqlCatalogueWrites
from fixtures.certificates import gtin14, rows
from tests.conftest import TODAY, open_database


class Rows:
    """Rows in memory, as the core's RowSource."""

    name = "generated"

    def __init__(self, items: list[dict]) -> None:
        self.items = items

    def chunks(self, validate) -> Iterator:
        yield validate(list(enumerate(self.items))), 0, "x"


def histories(seed: int, products: int = 40) -> list[dict]:
    """Products with one to four certificates each: renewals, overlaps, expired, suspended,
    revoked, not yet valid and same-day issues, in two categories and both boundaries."""
    rnd = random.Random(seed)
    base = next(rows(1, start=1))  # a TJSCC row
    items = []
    for i in range(products):
        gtin = gtin14(900_000 + 1000 * seed + i)
        category = ("cement", "steel")[i % 2]
        boundary = rnd.choice(("cradle-to-gate", "cradle-to-grave"))
        days = [rnd.randrange(-1500, 60) for _ in range(rnd.randint(1, 4))]
        if len(days) > 1 and rnd.random() < 0.3:
            days[1] = days[0]  # issued the same day: the number decides
        for k, day in enumerate(days):
            issued = TODAY + dt.timedelta(days=day)
            status = rnd.choices(("valid", "suspended", "revoked"), (6, 1, 1))[0]
            items.append(
                {
                    **base,
                    "gtin": gtin,
                    "number": f"TJS-BM{seed:02d}-{i:04d}{k}",
                    "category": category,
                    "declared_unit": "kilogram",
                    "net_content_unit": "kilogram",
                    "declared_unit_amount": rnd.choice(("1", "1000")),
                    "system_boundary": boundary,
                    "pcf": f"{rnd.uniform(0.1, 900):.2f}",
                    "issued_on": issued.isoformat(),
                    "valid_until": (
                        issued + dt.timedelta(days=rnd.randrange(30, 1500))
                    ).isoformat(),
                    "status": status,
                    "status_reason": "" if status == "valid" else "generated",
                    "status_changed_on": "",
                }
            )
    return items


@pytest.mark.parametrize("seed", range(4))
def test_benchmark_peers_are_the_products_the_core_rule_certifies(app, catalogue_data, seed):
    with open_database(app) as db:
        check_benchmarks(db, catalogue_data, seed)


def check_benchmarks(db, catalogue_data, seed: int) -> None:
    items = histories(seed)
    counts, release = import_certificates(
        SqlCatalogueWrites(db), Rows(items), as_of=TODAY, actor="test", on_reject=print
    )
    assert release == 2 and counts.rejected == 0

    catalogue = SqliteCatalogue(db) if db.dialect.name == "sqlite" else PgCatalogue(db)
    gtins = {p["gtin"] for p in catalogue_data["products"]} | {r["gtin"] for r in items}
    groups: dict[tuple, list] = {}
    for footprint in lookup_products(catalogue, sorted(gtins), TODAY).values():
        if footprint.certified:
            c = footprint.current.certificate
            key = (footprint.product.category.id, c.declared_unit, c.system_boundary)
            groups.setdefault(key, []).append(benchmark.per_unit(c.pcf, c.declared_unit_amount))
    assert any(len(v) >= benchmark.MIN_PEERS for k, v in groups.items() if k[0] == "cement")

    for key, values in groups.items():
        expected = benchmark.summarize(values)
        stored = catalogue.benchmark_group(*key)
        if expected is None:
            assert stored is None, key
        else:
            assert (stored.peers, stored.median, stored.points) == expected, key
            assert stored.as_of == TODAY.isoformat()
