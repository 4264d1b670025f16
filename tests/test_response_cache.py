"""The per-worker response cache: capped by count and by bytes, least recently used first out."""

from __future__ import annotations

import tracemalloc

from app.http import ResponseCache

LONG = "https://id.gs1.org/01/09506000134352?x="  # a Digital Link; scanners send any length


def render(i: int, size: int = 2000):
    return lambda: {"input": f"{LONG}{i:06d}" + "y" * size, "n": i}


def key(i: int, size: int = 2000) -> tuple:
    return ("resolve", 1, "2026-06-15", "zh-CN", f"{LONG}{i:06d}" + "y" * size)


def test_the_byte_total_stays_under_the_cap_with_many_long_keys_and_bodies():
    cap = 1 << 20
    cache = ResponseCache(size=20_000, max_bytes=cap, max_age=60)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(2_000):  # ~8 MB if nothing were evicted
            cache.get_or_render(key(i), render(i))
            assert cache.bytes <= cap
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert 100 < len(cache) < 2_000
    # What the cache counts is what it holds: the real memory stays within the cap, too.
    assert held <= cap * 1.1, held


def test_the_least_recently_used_entry_goes_first():
    cache = ResponseCache(size=100, max_bytes=1 << 30, max_age=60)
    cache.get_or_render(key(0), render(0))
    cache.max_bytes = int(cache.bytes * 3.5)  # room for three entries of this size
    for i in range(1, 3):
        cache.get_or_render(key(i), render(i))
    cache.get_or_render(key(0), lambda: 1 / 0)  # a hit: 0 becomes the most recently used
    cache.get_or_render(key(3), render(3))  # over the cap: 1 goes
    assert len(cache) == 3 and cache.bytes <= cache.max_bytes
    rendered = []
    for i in (0, 2, 3, 1):
        cache.get_or_render(key(i), lambda i=i: rendered.append(i) or render(i)())
    assert rendered == [1]


def test_an_entry_bigger_than_the_cap_is_served_but_not_kept():
    cache = ResponseCache(size=100, max_bytes=10_000, max_age=60)
    cache.get_or_render(key(0, 100), render(0, 100))
    big = cache.get_or_render(key(1, 20_000), render(1, 20_000))
    assert len(big.body) > 20_000
    assert len(cache) == 1 and cache.bytes <= 10_000  # and the small one stayed


def test_the_count_cap_still_holds():
    cache = ResponseCache(size=5, max_bytes=1 << 30, max_age=60)
    for i in range(20):
        cache.get_or_render(key(i, 10), render(i, 10))
    assert len(cache) == 5
    assert cache.bytes == sum(e.size for e in cache._items.values())


def test_the_cap_is_configured_in_mib(make_app):
    app = make_app(RESPONSE_CACHE_MB=0.25)
    cache = app.extensions["tanji_response_cache"]
    assert cache.max_bytes == 256 * 1024
    client = app.test_client()
    for i in range(100):  # long Digital Links, each its own entry of ~6 KB
        code = f"{LONG}{i:04d}" + "y" * 3000
        assert client.get("/v1/resolve", query_string={"code": code}).status_code == 200
    assert cache.bytes <= 256 * 1024 and len(cache) < 100
