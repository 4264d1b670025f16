"""Lookup latency while the service is abused, against the same lookups idle, same run.

    python bench/abuse.py slow   [--connections 64]  # idle, slow-header and slow-body clients
    python bench/abuse.py json   [--connections 4]   # clients posting oversized JSON bodies
    python bench/abuse.py scans  [--connections 4]   # clients posting big noise photos

Serves the app as `make run` does (deploy/gunicorn.conf.py, 2 workers) on a free loopback
port with a temporary database, measures sequential GET /v1/products/{gtin} on fresh
connections idle, then again while the abuse runs, and prints median / p95 / max and the
ratio. Every loop is bounded; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GTINS = [p["gtin"] for p in json.loads((ROOT / "fixtures/catalogue.json").read_text())["products"]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(workers: int = 2, env: dict[str, str] | None = None) -> Iterator[tuple[int, Path]]:
    """gunicorn as `make run` starts it, on a fresh database; yields (port, database path)."""
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "tanji.db"
        full_env = {**os.environ, "TANJI_DATABASE": str(database), **(env or {})}
        subprocess.run(
            [str(BIN / "flask"), "--app", "app", "init-db"],
            cwd=ROOT,
            env=full_env,
            check=True,
            capture_output=True,
        )
        port = free_port()
        proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                "deploy/gunicorn.conf.py",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                os.devnull,
                "--no-control-socket",  # its default path would be shared with other servers
                "app:create_app()",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if get(port, "/v1/health")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("gunicorn did not start")
                time.sleep(0.1)
            yield port, database
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def get(port: int, path: str, timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def lookup_latencies(port: int, count: int, timeout: float = 10) -> list[float]:
    """Seconds per lookup (a fresh connection each), ``timeout`` counted for a failure."""
    rng = random.Random(7)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        try:
            status, _ = get(port, f"/v1/products/{rng.choice(GTINS)}", timeout=timeout)
        except OSError:
            status = 0
        times.append(time.perf_counter() - start if status == 200 else timeout)
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"median {statistics.median(ordered) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
        f"max {ordered[-1] * 1000:7.1f} ms  (n={len(ordered)})"
    )


# -- abusers: each runs until ``stop`` is set, every loop bounded by it -----------------------
def slow_client(port: int, stop: threading.Event, mode: str) -> None:
    """Holds a connection open: ``idle`` sends nothing, ``headers`` trickles the request line
    and headers, ``body`` sends headers then one body byte every half second. Reconnects
    when the server closes the connection."""
    head = (
        b"POST /v1/resolve HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100000\r\n\r\n"
    )
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if mode == "body":
                    s.sendall(head)
                for i in range(10_000):
                    if stop.wait(0.5):
                        return
                    if mode == "headers":
                        s.sendall(head[i % len(head) : i % len(head) + 1])
                    elif mode == "body":
                        s.sendall(b" ")
                    else:
                        s.setblocking(False)
                        try:
                            if s.recv(1) == b"":
                                break  # closed by the server
                        except BlockingIOError:
                            pass
                        s.setblocking(True)
        except OSError:
            stop.wait(0.2)


def big_json_client(port: int, stop: threading.Event, _mode: str) -> None:
    """Posts a 14 MB {"codes": [1, 1, ...]} to /v1/resolve, over and over (the server may
    answer 413 and close before the body is sent: that ends one round, the next begins)."""
    body = b'{"codes": [' + b",".join([b"1"] * 7_000_000) + b"]}"
    head = (
        "POST /v1/resolve HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    view = memoryview(body)
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(head)
                for start in range(0, len(body), 1 << 16):
                    if stop.is_set():
                        return
                    s.sendall(view[start : start + (1 << 16)])
                s.recv(4096)
        except OSError:
            stop.wait(0.05)


def noise_jpeg(megapixels: float = 12, seed: int = 1) -> bytes:
    """A JPEG of random noise: no code anywhere, so a scan runs every fallback pass."""
    from PIL import Image

    side = int((megapixels * 1e6) ** 0.5)
    image = Image.frombytes("L", (side, side), random.Random(seed).randbytes(side * side))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def scan_client(port: int, stop: threading.Event, _mode: str, photo: list[bytes]) -> None:
    """Posts a big noise JPEG to /v1/scans, over and over (every answer counted)."""
    while not stop.is_set():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", "/v1/scans", photo[0], {"Content-Type": "image/jpeg"})
            response = conn.getresponse()
            response.read()
            SCAN_STATUSES.append(response.status)
            conn.close()
        except OSError:
            stop.wait(0.2)


SCAN_STATUSES: list[int] = []


def run_abuse(
    port: int, clients: list[Callable[[int, threading.Event], None]], settle: float
) -> tuple[threading.Event, list[threading.Thread]]:
    stop = threading.Event()
    threads = [threading.Thread(target=c, args=(port, stop), daemon=True) for c in clients]
    for t in threads:
        t.start()
    time.sleep(settle)
    return stop, threads


def measure(kind: str, connections: int, count: int, env: dict[str, str] | None = None) -> dict:
    """Idle and abused lookup latencies (seconds) for one kind of abuse."""
    if kind == "slow":
        modes = ("idle", "headers", "body")
        clients = [lambda p, s, m=modes[i % 3]: slow_client(p, s, m) for i in range(connections)]
        settle = 1.5
    elif kind == "json":
        clients = [lambda p, s: big_json_client(p, s, "") for _ in range(connections)]
        settle = 2.0
    elif kind == "scans":
        photo = [noise_jpeg()]
        clients = [lambda p, s: scan_client(p, s, "", photo) for _ in range(connections)]
        settle = 2.0
    else:
        raise ValueError(kind)
    with serve(env=env) as (port, _database):
        lookup_latencies(port, 10)  # warm both workers' caches
        idle = lookup_latencies(port, count)
        stop, threads = run_abuse(port, clients, settle)
        try:
            abused = lookup_latencies(port, count)
        finally:
            stop.set()
            deadline = time.monotonic() + 70
            for t in threads:
                t.join(timeout=max(0.1, deadline - time.monotonic()))
    return {"idle": idle, "abused": abused}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("kind", choices=("slow", "json", "scans"))
    parser.add_argument("--connections", type=int, help="abusive clients (64 slow, 4 otherwise)")
    parser.add_argument("--lookups", type=int, default=200, help="lookups per measurement")
    args = parser.parse_args()
    connections = args.connections or (64 if args.kind == "slow" else 4)
    result = measure(args.kind, connections, args.lookups)
    idle, abused = result["idle"], result["abused"]
    print(f"gunicorn -c deploy/gunicorn.conf.py --workers 2; {connections} {args.kind} clients")
    print(f"lookup idle   : {summary(idle)}")
    print(f"lookup abused : {summary(abused)}")
    print(
        f"median ratio (abused / idle): {statistics.median(abused) / statistics.median(idle):.2f}"
    )
    if SCAN_STATUSES:
        counts = {s: SCAN_STATUSES.count(s) for s in sorted(set(SCAN_STATUSES))}
        print(f"scan answers during the run: {counts}")


if __name__ == "__main__":
    main()
