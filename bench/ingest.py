"""Import speed against plain sqlite3.executemany, peak memory, and lookup time at two sizes.

    .venv/bin/python bench/ingest.py            # 1,000,000 certificates
    .venv/bin/python bench/ingest.py --n 100000

Each import runs in its own subprocess, so its peak RSS (getrusage maxrss) is its own. The
baseline reads the same CSV with csv.reader and inserts the same rows with executemany in
one transaction into the same schema (indexes included), without validation, revisions,
existence checks or benchmarks: the floor an import could reach.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.ingest import import_certificates  # noqa: E402
from app.db import connect, ensure_database  # noqa: E402
from app.storage.import_files import ImportFile  # noqa: E402
from app.storage.rows import CERTIFICATE_COLUMNS, PRODUCT_COLUMNS, insert_sql  # noqa: E402
from app.storage.writer import SqlCatalogueWrites  # noqa: E402
from fixtures.certificates import gtin14, write_csv  # noqa: E402

DAY = dt.date(2026, 6, 15)


def child_import(db_path: str, file: str) -> dict:
    from app.config import Config

    ensure_database(db_path, seed_if_empty=True, today=DAY)
    db = connect(db_path, cache_kib=Config.IMPORT_CACHE_MB * 1024)  # as `flask catalog import`
    rejected: list = []
    start = time.perf_counter()
    counts, release = import_certificates(
        SqlCatalogueWrites(db),
        ImportFile(Path(file)),
        as_of=DAY,
        actor="bench",
        on_reject=lambda i, e: rejected.append((i, e)),
    )
    seconds = time.perf_counter() - start
    assert release is not None and not rejected, rejected[:3]
    return {"seconds": seconds, "rows": counts.rows}


def child_baseline(db_path: str, file: str) -> dict:
    """Same rows, same schema, plain csv.reader + executemany: no validation, no checks."""
    ensure_database(db_path, seed_if_empty=True, today=DAY)
    conn = connect(db_path).conn
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    products, certificates = [], []
    for n, (product, certificate) in enumerate(plain_rows(file), start=1):
        products.append(product)
        certificates.append(certificate)
        if n % 50000 == 0:
            _flush(conn, products, certificates)
            products, certificates = [], []
    _flush(conn, products, certificates)
    conn.execute("COMMIT")
    return {"seconds": time.perf_counter() - start}


def plain_rows(file: str | Path) -> Iterator[tuple[tuple, tuple]]:
    """The import file's rows as (product, certificate) rows of the schema's columns
    (PRODUCT_COLUMNS, CERTIFICATE_COLUMNS), read with csv.reader, checked for nothing: what
    the baselines write (bench/postgres.py's COPY too)."""
    with open(file, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        at = {name: i for i, name in enumerate(header)}
        product_idx = [at[c] for c in PRODUCT_COLUMNS[:-1]]
        renamed = {"body_id": "body"}
        cert_idx = [at[renamed.get(c, c)] for c in CERTIFICATE_COLUMNS[:-3]]
        standards = at["standards"]
        for row in reader:
            values = [v or None for v in row]
            cert = [values[i] for i in cert_idx]
            cert[3] = json.dumps(row[standards].split(";"), ensure_ascii=False)
            yield (*[values[i] for i in product_idx], 1), (*cert, 1, 1, 2)


def _flush(conn, products: list, certificates: list) -> None:
    conn.executemany(insert_sql("products", PRODUCT_COLUMNS), products)
    conn.executemany(insert_sql("certificates", CERTIFICATE_COLUMNS), certificates)


def lookup_times(dbs: dict[str, tuple[int, str]], samples: int = 2000) -> dict[str, dict]:
    """Median and p95 of a product lookup that misses the response cache (the core path:
    product, certificates, benchmark), in µs, for each {name: (catalogue size, database)}.

    Read connections are opened as the app opens them (READ_MMAP_MB). Lookups alternate
    between the databases, so drift on a shared machine does not pass for an effect of size.
    """
    from app.config import Config
    from app.core.footprints import lookup_product
    from app.storage.catalog import SqliteCatalogue

    conns = {k: (n, connect(path, mmap_mb=Config.READ_MMAP_MB)) for k, (n, path) in dbs.items()}
    rnd = random.Random(1)
    times: dict[str, list[float]] = {k: [] for k in dbs}
    for i in range(2 * samples):  # first warm up on other products, as a running server would
        for k, (n, db) in conns.items():
            gtin = gtin14(rnd.randrange(n))
            start = time.perf_counter()
            footprint = lookup_product(SqliteCatalogue(db), gtin, DAY)  # new catalogue each
            if i >= samples:
                times[k].append((time.perf_counter() - start) * 1e6)
            assert footprint.product.gtin == gtin
    result = {}
    for k, (_, db) in conns.items():
        db.conn.close()
        ts = sorted(times[k])
        result[k] = {"median_us": statistics.median(ts), "p95_us": ts[int(len(ts) * 0.95)]}
    return result


def run_child(kind: str, db_path: str, file: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--db", db_path, "--file", str(file)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="certificates to import")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best counts")
    parser.add_argument("--child", choices=("import", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        run = child_import if args.child == "import" else child_baseline
        result = run(args.db, args.file)
        result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # The import's validation worker, if it ran (largest waited-for child).
        result["worker_maxrss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        start = time.perf_counter()
        big = write_csv(tmpdir / "big.csv", args.n)
        small = write_csv(tmpdir / "small.csv", 1000)
        took = time.perf_counter() - start
        print(f"generated {args.n:,} rows ({big.stat().st_size / 1e6:.0f} MB) in {took:.1f} s")

        # Alternate the two, and keep each one's best run: the machine may be shared.
        imports, baselines = [], []
        for attempt in range(args.repeat):
            for db in ("import.db", "baseline.db"):
                for suffix in ("", "-wal", "-shm", ".lock"):
                    (tmpdir / f"{db}{suffix}").unlink(missing_ok=True)
            imports.append(run_child("import", str(tmpdir / "import.db"), big))
            baselines.append(run_child("baseline", str(tmpdir / "baseline.db"), big))
            print(f"run {attempt + 1}: import {imports[-1]['seconds']:.1f} s, "
                  f"baseline {baselines[-1]['seconds']:.1f} s")  # fmt: skip
        imported = min(imports, key=lambda r: r["seconds"])
        baseline = min(baselines, key=lambda r: r["seconds"])
        run_child("import", str(tmpdir / "small.db"), small)

        ratio = imported["seconds"] / baseline["seconds"]
        n = args.n
        for label, best, runs in (
            ("import (catalog import path)", imported, imports),
            ("plain executemany baseline  ", baseline, baselines),
        ):
            peak = max(r["maxrss_mb"] for r in runs)
            worker = max(r["worker_maxrss_mb"] for r in runs)
            rate = n / best["seconds"]
            print(
                f"{label}: {best['seconds']:.1f} s, {rate:,.0f} rows/s, peak RSS {peak:.0f} MB"
                + (f" (+ worker process {worker:.0f} MB)" if worker else "")
            )
        print(f"ratio import / baseline: {ratio:.2f} (aim <= 2)")

        looked = lookup_times(
            {"small": (1000, str(tmpdir / "small.db")), "big": (n, str(tmpdir / "import.db"))}
        )
        small_t, big_t = looked["small"], looked["big"]
        for size, t in ((1000, small_t), (n, big_t)):
            print(f"lookup at {size:,} certificates: median {t['median_us']:.0f} µs, "
                  f"p95 {t['p95_us']:.0f} µs")  # fmt: skip
        print(
            f"lookup ratio (median) {n:,} / 1,000: {big_t['median_us'] / small_t['median_us']:.2f}"
        )


if __name__ == "__main__":
    main()
