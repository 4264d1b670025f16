"""Nobody can fill the disk: household creation and writes are rate limited per client, entry
codes must be codes, and one household and the whole store are capped."""

from __future__ import annotations

import pytest

from tests.helpers import assert_error
from tests.routes.test_estimator import WATER
from tests.routes.test_saved_households import consent_version, create


def payload(client):
    return {"consent": True, "consent_version": consent_version(client), "household_size": 2}


def test_household_creation_is_rate_limited_per_client(make_app):
    client = make_app(HOUSEHOLD_CREATE_RATE_LIMIT="2 per hour").test_client()
    body = payload(client)
    assert client.post("/v1/households", json=body).status_code == 201
    assert client.post("/v1/households", json=body).status_code == 201
    resp = client.post("/v1/households", json=body)
    assert_error(resp, 429, "rate_limited")
    assert int(resp.headers["Retry-After"]) > 0
    other = client.post("/v1/households", json=body, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert other.status_code == 201
    assert client.get("/v1/households/consent").status_code == 200  # reads are not limited


def test_household_writes_are_rate_limited_per_client(make_app):
    client = make_app(HOUSEHOLD_WRITE_RATE_LIMIT="3 per hour").test_client()
    household_id, auth = create(client)  # the creation is a write too
    url = f"/v1/households/{household_id}/entries"
    entry = {"kind": "purchase", "date": "2026-05-01", "code": WATER}
    assert client.post(url, json=entry, headers=auth).status_code == 201
    assert client.post(url, json=entry, headers=auth).status_code == 201
    assert_error(client.post(url, json=entry, headers=auth), 429, "rate_limited")
    assert client.get(url, headers=auth).status_code == 200


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("x" * 4096, "too long"),
        ("my diary: " + "lorem ipsum " * 30, "not a code"),
        ("9506000134353", "wrong check digit"),
    ],
)
def test_entry_codes_must_be_codes(client, code, why):
    household_id, auth = create(client)
    entry = {"kind": "purchase", "date": "2026-05-01", "code": code}
    resp = client.post(f"/v1/households/{household_id}/entries", json=entry, headers=auth)
    assert assert_error(resp, 422, "invalid_input")["errors"]["field"] == "code", why


def test_the_whole_store_is_capped(make_app):
    client = make_app(HOUSEHOLD_STORE_LIMIT=2).test_client()
    create(client)
    create(client)
    resp = client.post("/v1/households", json=payload(client))
    body = assert_error(resp, 503, "unavailable")
    assert body["errors"]["limit"] == 2
    assert int(resp.headers["Retry-After"]) > 0
