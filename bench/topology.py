"""What nginx's one-second cache of public GETs buys, in the same run: requests/s of one hot
label through nginx (TLS, deploy/nginx.conf) against the same label straight from one app node,
on the topology deploy/start-local.sh starts (nginx, two nodes, PostgreSQL, Redis).

    python bench/topology.py [--duration 5] [--connections 16] [--rounds 3]

Alternating wrk runs; the ratio is the median of per-round nginx / node. Needs wrk
(`make bench`) and the topology's Debian packages (scripts/system-deps.sh).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.lookup import SINGLE_GTIN, median_ratio, wrk  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    script = ROOT / "deploy" / "start-local.sh"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "topology"
        subprocess.run([script, "start", folder], check=True, stdout=subprocess.DEVNULL)
        try:
            settings = dict(
                line.split("=", 1)
                for line in (folder / "topology.env").read_text().splitlines()
                if line and not line.startswith("#")
            )
            urls = {
                "nginx": settings["TOPOLOGY_NGINX"],
                "node": settings["TOPOLOGY_NODES"].strip('"').split()[0],
            }
            lua = Path(tmp) / "single.lua"
            lua.write_text(  # with a Host header: nginx, unlike gunicorn, insists (400)
                f"local req = wrk.format('GET', '/v1/products/{SINGLE_GTIN}', "
                "{Host = '127.0.0.1'})\n"
                "request = function() return req end\n"
            )
            rps: dict[str, list[float]] = {name: [] for name in urls}
            for _ in range(args.rounds):
                for name, url in urls.items():
                    rps[name].append(wrk(url, lua, args)[0])
        finally:
            subprocess.run([script, "stop", folder], check=True)
    print(
        f"GET /v1/products/{SINGLE_GTIN} (one hot label): nginx (TLS, 1 worker, its cache) vs "
        f"one node (gunicorn, 2 workers); wrk -t2 -c{args.connections} -d{args.duration}s, "
        f"{args.rounds} alternating rounds"
    )
    for name, rates in rps.items():
        print(f"  {name:6} {statistics.median(rates):7.0f} req/s   {[round(r) for r in rates]}")
    print(f"  nginx / node {median_ratio(rps['nginx'], rps['node']):.1f}")


if __name__ == "__main__":
    main()
