"""PostgreSQL against SQLite on this machine, in the same run: lookups per second, and a large
import against a plain COPY of the same rows.

    python bench/postgres.py lookups [--n 20000] [--duration 5] [--rounds 3]
    python bench/postgres.py import [--n 1000000]

lookups: two Tanji servers, served as `make run` serves (bench/lookup.py's command), one on
SQLite and one on a throwaway PostgreSQL cluster (tests/pg.py), each holding the sample
catalogue plus n generated certificates imported with `flask catalog import`. Workloads, with
wrk, alternating between the engines every run: random GTINs of the sample catalogue (every
request a response-cache hit after the first: what is left is the per-request freshness
check), and random GTINs of the n generated ones with the response cache off (every request
reads the database). Ratios are medians of per-round PostgreSQL / SQLite; CPU per request
counts the app's processes, and for PostgreSQL also the cluster's.

import: n certificates through `flask catalog import` (validation, existence checks,
revisions, benchmarks, one release, streamed with COPY) into an empty PostgreSQL database,
against the same rows read with csv.reader and written with COPY in one transaction into
the same schema, without any of that: the floor an import could reach.

Needs wrk for lookups (`make bench`) and PostgreSQL (scripts/system-deps.sh).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.lookup import TANJI, median_ratio, start, wrk  # noqa: E402
from fixtures.certificates import gtin14, write_csv  # noqa: E402
from tests.pg import Cluster  # noqa: E402

TODAY = "2026-06-15"


def flask(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )


def process_tree_cpu(*roots: int) -> float:
    """CPU seconds used so far by these processes and their children (Linux /proc)."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, _, rest = stat.read_text().partition(" (")
            fields = rest.rpartition(") ")[2].split()
        except OSError:
            continue  # exited meanwhile
        stats[int(pid)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, utime+stime
    ticks = sum(t for pid, (ppid, t) in stats.items() if pid in roots or ppid in roots)
    return ticks / os.sysconf("SC_CLK_TCK")


def lookups(args: argparse.Namespace, cluster: Cluster, tmp: Path) -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: run `make bench`, or apt-get install wrk")
    generated = write_csv(tmp / "generated.csv", args.n)
    engines = {
        "sqlite": {"TANJI_DATABASE": str(tmp / "sqlite.db")},
        "postgres": {
            "TANJI_DATABASE_URL": cluster.create_database("lookups"),
            "TANJI_DATABASE": str(tmp / "unused.db"),
        },
    }
    for env in engines.values():
        env["TANJI_TODAY"] = TODAY
        flask(env, "init-db")
        started = time.perf_counter()
        flask(env, "catalog", "import", str(generated))
        env["import_seconds"] = f"{time.perf_counter() - started:.1f}"
    postmaster = int((Path(cluster.folder) / "data" / "postmaster.pid").read_text().split()[0])

    sample = [
        p["gtin"] for p in json.loads((ROOT / "fixtures/catalogue.json").read_text())["products"]
    ]
    # Up to 5,000 of the generated GTINs, spread over all of them (wrk's Lua holds the list).
    generated_gtins = [gtin14(i) for i in range(0, args.n, max(1, args.n // 5000))]
    for workload, gtins in (("cached", sample), ("uncached", generated_gtins)):
        (tmp / f"{workload}.lua").write_text(
            "local gtins = {" + ",".join(f'"{g}"' for g in gtins) + "}\n"
            "math.randomseed(42)\n"
            "request = function()\n"
            "  return wrk.format('GET', '/v1/products/' .. gtins[math.random(#gtins)])\n"
            "end\n"
        )
    workloads = ("cached", "uncached")

    servers = {}
    try:
        for engine, env in engines.items():
            settings = {k: v for k, v in env.items() if k.startswith("TANJI_")}
            for workload in workloads:
                extra = {"TANJI_RESPONSE_CACHE_SIZE": "0"} if workload == "uncached" else {}
                servers[engine, workload] = start(TANJI, {**settings, **extra}, args.workers)
        rps: dict[tuple[str, str], list[float]] = {}
        cpu: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.rounds):
            for workload in workloads:
                for engine in engines:
                    proc, url = servers[engine, workload]
                    roots = (proc.pid, postmaster) if engine == "postgres" else (proc.pid,)
                    before = process_tree_cpu(*roots)
                    rate, requests = wrk(url, tmp / f"{workload}.lua", args)
                    used = process_tree_cpu(*roots) - before
                    rps.setdefault((engine, workload), []).append(rate)
                    cpu.setdefault((engine, workload), []).append(used / requests * 1e6)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()

    print(f"GET /v1/products/{{gtin}}: PostgreSQL vs SQLite, sample catalogue + {args.n:,} "
          f"generated certificates (imported in {engines['sqlite']['import_seconds']} s on "
          f"SQLite, {engines['postgres']['import_seconds']} s on PostgreSQL)")  # fmt: skip
    print(
        f"{args.workers} gevent workers each, wrk -t2 -c{args.connections} -d{args.duration}s, "
        f"{args.rounds} alternating rounds; medians. CPU/req: the app's processes, plus the "
        "cluster's for PostgreSQL."
    )
    labels = {
        "cached": f"sample GTINs ({len(sample)}), response cache on (hits)",
        "uncached": f"generated GTINs ({len(generated_gtins)} of {args.n:,}), response cache off",
    }
    for workload, label in labels.items():
        print(label)
        for engine in engines:
            r, c = rps[engine, workload], cpu[engine, workload]
            print(
                f"  {engine:9} {statistics.median(r):6.0f} req/s {statistics.median(c):6.0f} us "
                f"CPU/req   {[round(x) for x in r]}"
            )
        ratio = median_ratio(rps["postgres", workload], rps["sqlite", workload])
        cpu_ratio = median_ratio(cpu["sqlite", workload], cpu["postgres", workload])
        print(f"  PostgreSQL / SQLite {ratio:.2f} by req/s, {cpu_ratio:.2f} by CPU/req")


def import_vs_copy(args: argparse.Namespace, cluster: Cluster, tmp: Path) -> None:
    import psycopg

    from app.storage.rows import CERTIFICATE_COLUMNS, PRODUCT_COLUMNS
    from bench.ingest import plain_rows

    started = time.perf_counter()
    big = write_csv(tmp / "big.csv", args.n)
    print(f"generated {args.n:,} rows ({big.stat().st_size / 1e6:.0f} MB) in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    urls = {name: cluster.create_database(name) for name in ("imported", "copied")}
    for url in urls.values():
        flask({"TANJI_DATABASE_URL": url, "TANJI_DATABASE": str(tmp / "unused.db")}, "init-db")

    # CPU seconds, beside wall time: the machine may be shared. The cluster's share is its
    # processes' (the postmaster and its backends), the client's our own or our children's.
    postmaster = int((Path(cluster.folder) / "data" / "postmaster.pid").read_text().split()[0])

    def cpu(who: int) -> float:
        usage = resource.getrusage(who)
        return usage.ru_utime + usage.ru_stime + process_tree_cpu(postmaster)

    # `flask catalog import`, as an operator runs it: its own process, its peak RSS.
    env = {"TANJI_DATABASE_URL": urls["imported"], "TANJI_DATABASE": str(tmp / "unused.db")}
    started, cpu_before = time.perf_counter(), cpu(resource.RUSAGE_CHILDREN)
    flask(env, "catalog", "import", str(big))
    imported = time.perf_counter() - started
    imported_cpu = cpu(resource.RUSAGE_CHILDREN) - cpu_before
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    started, cpu_before = time.perf_counter(), cpu(resource.RUSAGE_SELF)
    # One COPY at a time per connection, and certificates need their products first: two
    # passes over the file, in one transaction (the baseline pays for reading it twice).
    with psycopg.connect(urls["copied"]) as conn, conn.cursor() as cur:
        for table, columns, part in (
            ("products", PRODUCT_COLUMNS, 0),
            ("certificates", CERTIFICATE_COLUMNS, 1),
        ):
            with cur.copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy:
                for rows in plain_rows(big):
                    copy.write_row(rows[part])
    copied = time.perf_counter() - started
    copied_cpu = cpu(resource.RUSAGE_SELF) - cpu_before

    counts = {}
    for name, url in urls.items():
        with psycopg.connect(url) as conn:
            counts[name] = conn.execute("select count(*) from certificates").fetchone()[0]
    print(f"certificates afterwards: {counts} (the sample catalogue's, plus {args.n:,})")
    print(f"flask catalog import: {imported:.1f} s ({imported_cpu:.1f} CPU-s with PostgreSQL's), "
          f"{args.n / imported:,.0f} rows/s, peak RSS of its processes {peak_mb:.0f} MB")  # fmt: skip
    print(f"plain COPY baseline:  {copied:.1f} s ({copied_cpu:.1f} CPU-s with PostgreSQL's), "
          f"{args.n / copied:,.0f} rows/s")  # fmt: skip
    print(f"ratio import / COPY: {imported / copied:.2f} by time, "
          f"{imported_cpu / copied_cpu:.2f} by CPU")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=("lookups", "import"))
    parser.add_argument("--n", type=int, help="generated certificates (20,000 / 1,000,000)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="server workers, same for both")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each")
    args = parser.parse_args()
    args.n = args.n or (20_000 if args.what == "lookups" else 1_000_000)
    cluster = Cluster.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            (lookups if args.what == "lookups" else import_vs_copy)(args, cluster, Path(tmp))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
