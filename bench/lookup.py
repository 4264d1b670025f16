"""Requests/s of GET /v1/products/{gtin} (random fixture GTINs) against a bare Flask endpoint
returning a constant JSON of the same size, same gunicorn settings, same run, with wrk.

    python bench/lookup.py [--duration 10] [--connections 16] [--rounds 2]

Prints both figures and the ratio (aim: >= 0.9). Needs wrk (`make bench` installs it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(target: str, env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            target,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/v1/products/09506000134352", timeout=1)
            return proc, url
        except Exception:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"{target} did not start")


def wrk(url: str, script: Path, args: argparse.Namespace) -> float:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(args.connections),
            "-d",
            f"{args.duration}s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error responses:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, same for both")
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs of each server")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: run `make bench`, or apt-get install wrk")

    gtins = [
        p["gtin"] for p in json.loads((ROOT / "fixtures/catalogue.json").read_text())["products"]
    ]
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "random_gtin.lua"
        script.write_text(
            "local gtins = {" + ",".join(f'"{g}"' for g in gtins) + "}\n"
            "math.randomseed(42)\n"
            "request = function()\n"
            "  return wrk.format('GET', '/v1/products/' .. gtins[math.random(#gtins)])\n"
            "end\n"
        )
        tanji, tanji_url = start(
            "app:create_app()", {"TANJI_DATABASE": f"{tmp}/bench.db"}, args.workers
        )
        sizes = [len(urllib.request.urlopen(f"{tanji_url}/v1/products/{g}").read()) for g in gtins]
        body_bytes = int(statistics.median(sizes))
        bare, bare_url = start(
            "bench.bare_app:app", {"BARE_BODY_BYTES": str(body_bytes)}, args.workers
        )
        try:
            bare_rps, tanji_rps = [], []
            for _ in range(args.rounds):
                bare_rps.append(wrk(bare_url, script, args))
                tanji_rps.append(wrk(tanji_url, script, args))
        finally:
            tanji.terminate()
            bare.terminate()
            tanji.wait()
            bare.wait()

    b, t = statistics.mean(bare_rps), statistics.mean(tanji_rps)
    print(
        f"GET /v1/products/{{gtin}}, {len(gtins)} random fixture GTINs, median body {body_bytes} bytes"
    )
    print(
        f"gunicorn --workers {args.workers}; wrk -t2 -c{args.connections} -d{args.duration}s x {args.rounds} rounds, alternating"
    )
    print(f"bare Flask constant JSON : {b:9.0f} req/s   {[round(x) for x in bare_rps]}")
    print(f"Tanji product lookup     : {t:9.0f} req/s   {[round(x) for x in tanji_rps]}")
    print(f"ratio (Tanji / bare)     : {t / b:9.2f}   (aim >= 0.9)")


if __name__ == "__main__":
    main()
