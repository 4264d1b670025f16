"""PACT core rules with tiny fakes: dates, ids, pagination, backoff, clients and tokens."""

from __future__ import annotations

import datetime as dt

import pytest

from app.core import pact, pact_auth, pact_events
from app.core.errors import InvalidInput, NotFound, Unauthorized
from app.core.pact import TokenExpired

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 15, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-01-01T00:00:00Z", dt.datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-01-01T00:00:00.000Z", dt.datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-01-01T08:00:00+08:00", dt.datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-01-01T08:00:00 08:00", dt.datetime(2025, 1, 1, tzinfo=UTC)),  # unencoded '+'
        ("2025-04-01T00:00Z", dt.datetime(2025, 4, 1, tzinfo=UTC)),
        ("2025-01-01", dt.datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-01-01T00:00:00", dt.datetime(2025, 1, 1, tzinfo=UTC)),
    ],
)
def test_parse_datetime(text, expected):
    assert pact.parse_datetime(text, "validOn") == expected


@pytest.mark.parametrize("text", ["", "yesterday", "2025-13-01", "2025-01-01T25:00:00Z", "1"])
def test_parse_datetime_rejects(text):
    with pytest.raises(InvalidInput):
        pact.parse_datetime(text, "validOn")


def test_china_days_become_utc_instants_with_z():
    assert pact.instant_text(pact.day_start(dt.date(2025, 1, 1))) == "2024-12-31T16:00:00Z"


def test_footprint_ids_are_stable_uuid5_per_revision():
    assert pact.footprint_id("TJS-PCF-2019-0001", 1) == pact.footprint_id("TJS-PCF-2019-0001", 1)
    assert pact.footprint_id("TJS-PCF-2019-0001", 1) != pact.footprint_id("TJS-PCF-2019-0001", 2)
    # Pinned: changing the namespace or the name would give every footprint a new id.
    assert pact.footprint_id("TJS-PCF-2019-0001", 1) == "bafa84f0-0dce-598a-9558-44519adb2a85"


def test_paginate():
    items = [{"i": i} for i in range(5)]
    assert pact.paginate(items, limit=2, offset=0) == pact.Page(items[:2], 2)
    assert pact.paginate(items, limit=2, offset=4) == pact.Page(items[4:], None)
    assert pact.paginate(items, limit=None, offset=1) == pact.Page(items[1:], None)


def test_filter_gtins_normalise_product_urns():
    query = pact.parse_filter(
        {
            "productId": [
                "urn:gtin:4006381333931",
                "URN:GTIN:00280116000471",
                "urn:x:1",
                "urn:gtin:1",
            ]
        }
    )
    assert sorted(query.gtins()) == ["00280116000471", "04006381333931"]
    assert pact.FootprintFilter().gtins() is None


def test_backoff_doubles_and_is_capped():
    assert [pact_events.backoff(n, base=2) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert pact_events.backoff(30, base=2) == 3600


class FakeClients:
    def __init__(self):
        self.clients_, self.tokens = {}, {}

    def add_client(self, client, secret_sha256):
        self.clients_[client.id] = [client, secret_sha256]

    def client_secret(self, client_id):
        found = self.clients_.get(client_id)
        return tuple(found) if found else None

    def clients(self):
        return [c for c, _ in self.clients_.values()]

    def revoke_client(self, client_id, at):
        if client_id not in self.clients_:
            return None
        c = self.clients_[client_id][0]
        self.clients_[client_id][0] = pact_auth.Client(c.id, c.name, c.created_at, at)
        self.tokens = {k: v for k, v in self.tokens.items() if v[0] != client_id}
        return self.clients_[client_id][0]

    def add_token(self, token_sha256, client_id, issued_at, expires_at):
        self.tokens[token_sha256] = (client_id, expires_at)

    def token(self, token_sha256):
        if token_sha256 not in self.tokens:
            return None
        client_id, expires = self.tokens[token_sha256]
        return pact_auth.StoredToken(
            self.clients_[client_id][0], dt.datetime.fromisoformat(expires)
        )


def test_clients_tokens_expiry_and_revocation():
    store = FakeClients()
    client, secret = pact_auth.create_client(store, "Brand", now=NOW)
    assert secret not in str(store.clients_) and len(secret) >= 40
    token, ttl = pact_auth.issue_token(store, client.id, secret, now=NOW, ttl=60)
    assert ttl == 60 and token not in str(store.tokens)
    assert pact_auth.authenticate(store, token, now=NOW) == client
    with pytest.raises(TokenExpired):
        pact_auth.authenticate(store, token, now=NOW + dt.timedelta(seconds=60))
    with pytest.raises(Unauthorized):
        pact_auth.issue_token(store, client.id, secret + "x", now=NOW, ttl=60)
    with pytest.raises(Unauthorized):
        pact_auth.issue_token(store, "nobody", secret, now=NOW, ttl=60)
    pact_auth.revoke_client(store, client.id, now=NOW)
    with pytest.raises(Unauthorized):
        pact_auth.authenticate(store, token, now=NOW)
    with pytest.raises(Unauthorized):
        pact_auth.issue_token(store, client.id, secret, now=NOW, ttl=60)
    with pytest.raises(NotFound):
        pact_auth.revoke_client(store, "nobody", now=NOW)
    with pytest.raises(InvalidInput):
        pact_auth.create_client(store, "  ", now=NOW)
