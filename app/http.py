"""HTTP caching for lookups: ETags, Cache-Control, 304s, and a per-worker response cache
keyed on the catalogue release, so a repeated lookup costs one tiny query."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Response, current_app, request


class ResponseCache:
    """A small thread-safe LRU of rendered JSON bodies and their ETags."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], Any]) -> tuple[bytes, str]:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        body = json.dumps(render(), ensure_ascii=False, separators=(",", ":")).encode()
        etag = hashlib.blake2b(body, digest_size=12).hexdigest()
        with self._lock:
            self._items[key] = (body, etag)
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return body, etag


def cached_json(body: bytes, etag: str, *, vary: str = "Accept-Language") -> Response:
    """A JSON response with ETag and Cache-Control; 304 when If-None-Match matches.

    ``etag`` is the unquoted tag; If-None-Match uses weak comparison (RFC 9110).
    """
    max_age = current_app.config["CACHE_MAX_AGE"]
    headers = {
        "ETag": f'"{etag}"',
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": vary,
    }
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    return Response(body, status=200, headers=headers, mimetype="application/json")


def json_lookup(key: Hashable, render: Callable[[], Any]) -> Response:
    """Serve a cacheable lookup from the per-worker cache, rendering it on a miss."""
    cache: ResponseCache = current_app.extensions["tanji_response_cache"]
    body, etag = cache.get_or_render(key, render)
    return cached_json(body, etag)
