"""CPU-heavy work (photo decoding) beside the request loop, never in front of it.

Each worker runs at most SCAN_CONCURRENCY scans at once; a scan that finds every slot taken
waits up to SCAN_QUEUE_SECONDS and then gets 503 with Retry-After, so scans queue behind
scans and never take the whole worker. Under gunicorn's gevent worker (app/serving.py) a scan
runs in a real thread from gevent's pool: the event loop keeps answering lookups while
Pillow, zbar and zxing-cpp work (they release the GIL for the heavy parts). Elsewhere (tests,
flask run) it runs in the calling thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from app.core.errors import Unavailable
from app.core.messages import _

T = TypeVar("T")


def _gevent_active() -> bool:
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return monkey.is_module_patched("socket")


class Slots:
    """A per-worker limit on concurrent CPU-heavy jobs of one kind."""

    def __init__(self, size: int, wait_seconds: float, what: str) -> None:
        self.size = size
        self.wait_seconds = wait_seconds
        self.what = what
        self._semaphore = None
        self._gevent = False
        self._lock = threading.Lock()

    def _slots(self):
        if self._semaphore is None:
            with self._lock:
                if self._semaphore is None:
                    self._gevent = _gevent_active()
                    if self._gevent:
                        from gevent.lock import BoundedSemaphore
                    else:
                        from threading import BoundedSemaphore
                    self._semaphore = BoundedSemaphore(self.size)
        return self._semaphore

    def run(self, job: Callable[..., T], *args) -> T:
        """``job(*args)`` in a free slot. Raises Unavailable (503) if none frees up in time."""
        slots = self._slots()
        if not slots.acquire(timeout=self.wait_seconds):
            raise Unavailable(
                _(
                    "Every %(what)s slot of this server is busy; retry in a few seconds.",
                    what=self.what,
                ),
                retry_after=max(1, round(self.wait_seconds)),
            )
        try:
            if self._gevent:
                from gevent import get_hub

                return get_hub().threadpool.apply(job, args)
            return job(*args)
        finally:
            slots.release()
