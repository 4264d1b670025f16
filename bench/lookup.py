"""Requests/s of GET /v1/products/{gtin} against a bare Flask endpoint that returns the same
bytes for the same URL, all served the way `make run` serves Tanji, in the same run, with wrk.

    python bench/lookup.py [--duration 5] [--connections 16] [--rounds 5]

Two workloads: random fixture GTINs, and one GTIN (every request a response-cache hit).
Two baselines: bare Flask returning Tanji's body (the aim's baseline), and bare Flask
returning Tanji's body and headers (ETag, Cache-Control, Vary, CORS: what any endpoint
serving these bytes pays Werkzeug and gunicorn for). Each round runs every server on each
workload in turn, so drift on a shared machine hits all; a ratio is the median over rounds
of Tanji / baseline within a round (aim: >= 0.9 against the first). Needs wrk (`make bench`).

The server command is `make -n run`'s (config file, worker class, access log: whatever the
Makefile says), with only the bind address, worker count and application swapped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
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
TANJI = "app:create_app()"
BARE = "bench.bare_app:app"
#: One product with a current certificate and a category benchmark.
SINGLE_GTIN = "09506000134352"
#: Headers Tanji itself sets on a lookup (the server adds Date, Content-Length and the like).
SENT_BY_TANJI = {
    "etag",
    "cache-control",
    "vary",
    "access-control-allow-origin",
    "access-control-expose-headers",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(port: int | str, workers: int, target: str) -> list[str]:
    """`make run`'s server command line, bound to 127.0.0.1:port, serving ``target``."""
    dry_run = subprocess.run(
        ["make", "-n", "-s", "run", f"BIN={BIN}", "HOST=127.0.0.1", f"PORT={port}",
         f"WORKERS={workers}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(line for line in dry_run.splitlines() if TANJI in line)
    argv = [target if arg == TANJI else arg for arg in shlex.split(line)]
    if Path(argv[0]).name == "gunicorn":
        # No control socket (two servers, and other people's, would share its path); quiet.
        argv += ["--no-control-socket", "--log-level", "warning"]
    return argv


def start(target: str, env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        server_command(port, workers, target),
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,  # the access log
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/v1/products/{SINGLE_GTIN}", timeout=1)
            return proc, url
        except Exception:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"{target} did not start")


def wrk(url: str, script: Path, args: argparse.Namespace) -> tuple[float, int]:
    """Requests/s and the number of requests of one wrk run."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{args.duration}s",
         "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error responses:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return rps, int(re.search(r"(\d+) requests in", out).group(1))


def server_cpu(proc: subprocess.Popen) -> float:
    """CPU seconds used so far by a server and its worker processes (Linux /proc)."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, _, rest = stat.read_text().partition(" (")
            fields = rest.rpartition(") ")[2].split()
        except OSError:
            continue  # exited meanwhile
        stats[int(pid)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, utime+stime
    ticks = sum(t for pid, (ppid, t) in stats.items() if proc.pid in (pid, ppid))
    return ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="server workers, same for both")
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs of each server")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: run `make bench`, or apt-get install wrk")

    gtins = [
        p["gtin"] for p in json.loads((ROOT / "fixtures/catalogue.json").read_text())["products"]
    ]
    with tempfile.TemporaryDirectory() as tmp:
        scripts = {
            "random": "local gtins = {" + ",".join(f'"{g}"' for g in gtins) + "}\n"
            "math.randomseed(42)\n"
            "request = function()\n"
            "  return wrk.format('GET', '/v1/products/' .. gtins[math.random(#gtins)])\n"
            "end\n",
            "single": f"local req = wrk.format('GET', '/v1/products/{SINGLE_GTIN}')\n"
            "request = function() return req end\n",
        }
        for name, text in scripts.items():
            (Path(tmp) / f"{name}.lua").write_text(text)
        tanji, tanji_url = start(TANJI, {"TANJI_DATABASE": f"{tmp}/bench.db"}, args.workers)
        responses = {}
        for g in gtins:
            with urllib.request.urlopen(f"{tanji_url}/v1/products/{g}") as resp:
                headers = [(k, v) for k, v in resp.getheaders() if k.lower() in SENT_BY_TANJI]
                responses[g] = {"body": resp.read().decode(), "headers": headers}
        (Path(tmp) / "responses.json").write_text(json.dumps(responses))
        servers = {"tanji": (tanji, tanji_url)}
        for name, same_headers in (("bare", "0"), ("bare+headers", "1")):
            env = {"BARE_BODIES": f"{tmp}/responses.json", "BARE_HEADERS": same_headers}
            servers[name] = start(BARE, env, args.workers)
        command = shlex.join(server_command("PORT", args.workers, "APP"))
        rps: dict[tuple[str, str], list[float]] = {}
        cpu: dict[tuple[str, str], list[float]] = {}  # server CPU microseconds per request
        try:
            for _ in range(args.rounds):
                for workload in scripts:
                    script = Path(tmp) / f"{workload}.lua"
                    for name in ("bare", "bare+headers", "tanji"):
                        proc, url = servers[name]
                        before = server_cpu(proc)
                        rate, requests = wrk(url, script, args)
                        used = server_cpu(proc) - before
                        rps.setdefault((name, workload), []).append(rate)
                        cpu.setdefault((name, workload), []).append(used / requests * 1e6)
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait()

    sizes = sorted(len(r["body"].encode()) for r in responses.values())
    print("GET /v1/products/{gtin}: Tanji vs bare Flask returning the same bytes per GTIN")
    print(f"server (all three): {command.replace(str(BIN) + '/', '')}")
    print(
        f"wrk -t2 -c{args.connections} -d{args.duration}s, {args.rounds} alternating rounds; "
        "req/s and CPU/req are medians; ratios are medians of per-round ratios.\n"
        "CPU/req = the server's CPU time / requests served, less sensitive than req/s to what\n"
        "else a shared machine runs (baseline/Tanji of it: the throughput ratio at equal CPU)"
    )
    labels = {
        "random": f"random GTIN ({len(gtins)} fixture GTINs, median body {sizes[len(sizes) // 2]} B)",
        "single": f"single GTIN ({SINGLE_GTIN}, {len(responses[SINGLE_GTIN]['body'].encode())} B, "
        "every request a cache hit)",
    }
    for workload, label in labels.items():
        print(label)
        for name in ("bare", "bare+headers", "tanji"):
            r, c = rps[(name, workload)], cpu[(name, workload)]
            print(
                f"  {name:13} {statistics.median(r):6.0f} req/s {statistics.median(c):5.0f} us CPU/req"
                f"   {[round(x) for x in r]}"
            )
        for name in ("bare", "bare+headers"):
            ratio = median_ratio(rps[("tanji", workload)], rps[(name, workload)])
            cpu_ratio = median_ratio(cpu[(name, workload)], cpu[("tanji", workload)])
            aim = "  (aim >= 0.9)" if name == "bare" else ""
            print(f"  Tanji / {name:13} {ratio:.2f} by req/s, {cpu_ratio:.2f} by CPU/req{aim}")


def median_ratio(numerators: list[float], denominators: list[float]) -> float:
    return statistics.median(n / d for n, d in zip(numerators, denominators, strict=True))


if __name__ == "__main__":
    main()
