"""Rate limits shared by several nodes through a real, throwaway Redis (tests/servers.py)."""

from __future__ import annotations

import pytest
import redis

from app import create_app
from bench import abuse
from tests.conftest import TODAY
from tests.helpers import assert_error
from tests.servers import free_port, redis_server


@pytest.fixture
def redis_url():
    with redis_server() as url:
        yield url


def node(tmp_path, name: str, storage_uri: str):
    """An app with its own database, as a node on another machine would have."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / f"{name}.db"),
            "TODAY": TODAY.isoformat(),
            "RATELIMIT_STORAGE_URI": storage_uri,
            "SCAN_RATE_LIMIT": "3 per minute",
        }
    ).test_client()


def scan(client, **kwargs):
    return client.post(
        "/v1/scans", data=abuse.noise_jpeg(0.01), content_type="image/jpeg", **kwargs
    )


def test_the_scan_limit_holds_across_two_nodes_on_redis(tmp_path, redis_url):
    a, b = node(tmp_path, "a", redis_url), node(tmp_path, "b", redis_url)
    statuses = [scan(c).status_code for c in (a, b, a)]
    assert statuses == [200, 200, 200]
    assert_error(scan(b), 429, "rate_limited")
    assert_error(scan(a), 429, "rate_limited")
    # Another client still has its whole budget, on either node.
    assert scan(b, environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200

    # Redis holds the counters under salted hashes, never a client address.
    server = redis.Redis.from_url(redis_url)
    keys = server.keys("*")
    assert keys and all(b"127.0.0.1" not in k and b"203.0.113.9" not in k for k in keys)
    counters = [k for k in keys if k.startswith(b"tanji:ratelimit:")]
    assert sorted(int(server.get(k)) for k in counters) == [1, 5]  # refused scans count too


def test_a_node_keeps_limiting_in_memory_while_redis_is_down(tmp_path):
    """Nothing answers on the port: scans are still served, and limited per worker."""
    client = node(tmp_path, "a", f"redis://127.0.0.1:{free_port()}/0")
    assert [scan(client).status_code for _ in range(3)] == [200, 200, 200]
    assert_error(scan(client), 429, "rate_limited")


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(make_app):
    """nginx (deploy/nginx.conf) sends the client's address in X-Forwarded-For; the nodes
    believe exactly one proxy (TANJI_TRUSTED_PROXIES=1)."""
    client = make_app(
        RATELIMIT_ENABLED=True, SCAN_RATE_LIMIT="2 per minute", TRUSTED_PROXIES=1
    ).test_client()
    first = {"X-Forwarded-For": "198.51.100.1"}
    assert [scan(client, headers=first).status_code for _ in range(2)] == [200, 200]
    assert_error(scan(client, headers=first), 429, "rate_limited")
    # Another client behind the same proxy; and one that forges an address before nginx's.
    assert scan(client, headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200
    forged = {"X-Forwarded-For": "203.0.113.7, 198.51.100.1"}
    assert_error(scan(client, headers=forged), 429, "rate_limited")


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(make_app):
    client = make_app(RATELIMIT_ENABLED=True, SCAN_RATE_LIMIT="1 per minute").test_client()
    assert scan(client, headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    assert_error(scan(client, headers={"X-Forwarded-For": "198.51.100.2"}), 429, "rate_limited")
