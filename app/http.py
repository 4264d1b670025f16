"""HTTP caching for lookups: ETags, Cache-Control, 304s, and a per-worker response cache
keyed on the catalogue release, so a repeated lookup costs one tiny query.

This is the hot path of every label lookup; bench/lookup.py measures it against a bare
Flask endpoint, which is why headers are prepared once per cached body.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, request

#: CORS for public lookups: retailers embed them from their own origins.
CORS_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "ETag, Retry-After"),
)


@dataclass(frozen=True)
class CachedBody:
    body: bytes
    etag: str  # unquoted
    headers: tuple[tuple[str, str], ...]  # ready to send, for 200 and 304 alike
    size: int  # bytes this entry holds in the cache, its key included


#: What an entry holds beyond its body and its key's text: the entry, key and header objects
#: and the LRU's links (measured: ~800 bytes on CPython 3.11; tests check the total).
ENTRY_OVERHEAD = 1024


class ResponseCache:
    """A small thread-safe LRU of rendered JSON bodies with their ETag and headers, capped by
    count and by bytes (a long scanned code makes a long key, and bodies differ in size)."""

    def __init__(self, size: int, max_bytes: int, max_age: int) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._cache_control = f"public, max-age={max_age}"
        self.bytes = 0
        self._items: OrderedDict[Hashable, CachedBody] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get_or_render(
        self, key: Hashable, render: Callable[[], Any], content_type: str = "application/json"
    ) -> CachedBody:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        entry = self.prepare(render(), key_bytes=len(repr(key).encode()), content_type=content_type)
        if entry.size > self.max_bytes:
            return entry  # served, never kept: it would evict everything else
        with self._lock:
            old = self._items.pop(key, None)  # another thread rendered it meanwhile
            if old is not None:
                self.bytes -= old.size
            self._items[key] = entry
            self.bytes += entry.size
            while len(self._items) > self.size or self.bytes > self.max_bytes:
                self.bytes -= self._items.popitem(last=False)[1].size
        return entry

    def prepare(
        self, data: Any, *, key_bytes: int = 0, content_type: str = "application/json"
    ) -> CachedBody:
        """``data`` as JSON, or as it is when it is already bytes (an SVG label)."""
        if isinstance(data, bytes):
            body = data
        else:
            body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        etag = hashlib.blake2b(body, digest_size=12).hexdigest()
        headers = (
            ("Content-Type", content_type),
            ("ETag", f'"{etag}"'),
            ("Cache-Control", self._cache_control),
            ("Vary", "Accept-Language"),
            *CORS_HEADERS,
        )
        return CachedBody(body, etag, headers, len(body) + key_bytes + ENTRY_OVERHEAD)


class CachedResponse(Response):
    """A lookup served from the cache: its headers, CORS included, are complete."""


def respond(entry: CachedBody) -> Response:
    """200 with the body, or 304 when If-None-Match matches (weak comparison, RFC 9110)."""
    if "HTTP_IF_NONE_MATCH" in request.environ and request.if_none_match.contains_weak(entry.etag):
        return CachedResponse(status=304, headers=entry.headers)  # Werkzeug drops Content-Type
    return CachedResponse(entry.body, headers=entry.headers)


def json_lookup(
    key: Hashable, render: Callable[[], Any], content_type: str = "application/json"
) -> Response:
    """Serve a cacheable lookup from the per-worker cache, rendering it on a miss (``render``
    returns JSON-able data, or the body's bytes in ``content_type``)."""
    cache: ResponseCache = current_app.extensions["tanji_response_cache"]
    return respond(cache.get_or_render(key, render, content_type))
