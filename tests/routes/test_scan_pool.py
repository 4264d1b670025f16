"""Scans cannot starve lookups: each worker runs a bounded number at once (the rest wait
briefly, then 503 with Retry-After), each photo has a time budget, decoding runs beside the
request loop under gevent, and the scan rate limit counts per client across workers."""

from __future__ import annotations

import threading
import time

from app.core.decode import DecodeLimits, decode_image
from app.core.errors import Unavailable
from app.offload import Slots
from bench import abuse
from tests.helpers import assert_error


def test_a_scan_beyond_the_concurrency_limit_waits_then_gets_503():
    slots = Slots(1, wait_seconds=0.2, what="scan")
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return "done"

    holder = threading.Thread(target=slots.run, args=(slow,))
    holder.start()
    started.wait(5)
    begin = time.perf_counter()
    try:
        slots.run(lambda: "second")
        raise AssertionError("a second scan ran beside the first")
    except Unavailable as error:
        assert error.details["retry_after"] >= 1
    assert 0.15 < time.perf_counter() - begin < 2
    release.set()
    holder.join(5)
    assert slots.run(lambda: "free again") == "free again"


def test_a_photo_of_noise_stops_at_its_time_budget():
    photo = abuse.noise_jpeg(megapixels=6)
    limits = DecodeLimits(time_budget=0.05)
    start = time.perf_counter()
    result = decode_image(photo, limits)
    elapsed = time.perf_counter() - start
    assert result.symbols == ()
    assert result.passes[-1] == "stopped:time-budget"
    unbounded = time.perf_counter()
    full = decode_image(photo, DecodeLimits())
    assert "stopped:time-budget" not in full.passes
    assert len(full.passes) > len(result.passes) - 1
    assert elapsed < time.perf_counter() - unbounded


def test_scans_over_the_limit_answer_503_with_retry_after(app, client):
    app.config.update(SCAN_CONCURRENCY=1, SCAN_QUEUE_SECONDS=0.1)
    from app.routes.scans import _slots

    with app.app_context():
        slots = _slots()
    assert slots.size == 1
    assert slots._slots().acquire(timeout=1)  # another scan holds the only slot
    try:
        resp = client.post("/v1/scans", data=abuse.noise_jpeg(0.1), content_type="image/jpeg")
    finally:
        slots._slots().release()
    assert_error(resp, 503, "unavailable")
    assert int(resp.headers["Retry-After"]) >= 1


def test_the_scan_rate_limit_counts_per_client_across_workers(tmp_path):
    """Two apps on one database stand for two gunicorn workers: one budget per client."""
    from pathlib import Path

    from app import create_app
    from app.db import ratelimit_storage_uri

    config = {
        "TESTING": True,
        "DATABASE": str(tmp_path / "tanji.db"),
        "RATELIMIT_ENABLED": True,
        "SCAN_RATE_LIMIT": "3 per minute",
    }
    workers = [create_app(config).test_client(), create_app(config).test_client()]
    uri = ratelimit_storage_uri({"RATELIMIT_STORAGE_URI": None, "DATABASE": config["DATABASE"]})
    counters = Path(uri.split("://", 1)[1])
    try:
        photo = abuse.noise_jpeg(0.01)
        statuses = [
            w.post("/v1/scans", data=photo, content_type="image/jpeg").status_code
            for w in (workers[0], workers[1], workers[0], workers[1])
        ]
        assert statuses[:3] != [429, 429, 429] and statuses[3] == 429, statuses
        raw = b"".join(p.read_bytes() for p in counters.parent.glob(counters.name + "*"))
        assert b"127.0.0.1" not in raw  # client addresses are stored hashed
    finally:
        for p in counters.parent.glob(counters.name + "*"):
            p.unlink()
