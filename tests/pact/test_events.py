"""POST /3/events: validation, RequestCreated answered 200 at once and later delivered to an
allow-listed recipient only, retries with backoff, and a queue that survives a restart."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from app import create_app
from app.core.pact_events import CREATED, FULFILLED, PUBLISHED, REJECTED
from app.db import PactConnection
from app.pact.delivery import deliver_due
from tests.pact.conftest import PUBLIC, FakeRecipient, assert_pact_error
from tests.pact.suite import assert_valid

CLOUDEVENTS = "application/cloudevents+json; charset=UTF-8"


def event(type_: str, source: str, data: dict, **extra) -> dict:
    return {
        "specversion": "1.0",
        "id": f"run-{uuid.uuid4()}/12",
        "source": source,
        "time": "2026-06-15T08:00:00Z",
        "type": type_,
        "data": data,
        **extra,
    }


def post(client, headers, body) -> object:
    payload = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/3/events", data=payload, headers={**headers, "Content-Type": CLOUDEVENTS})


def outbox(app) -> list[dict]:
    with PactConnection(app.config) as conn:
        return conn.store.outbox()


def first_product(client, headers) -> str:
    return client.get("/3/footprints?limit=1", headers=headers).json["data"][0]["productIds"][0]


@pytest.fixture
def allowed(app, recipient):
    app.config["PACT_EVENT_RECIPIENTS"] = recipient.allow_list_entry()
    return recipient


def test_request_is_answered_200_at_once_then_fulfilled_by_delivery(app, client, headers, allowed):
    product = first_product(client, headers)
    request = event(CREATED, allowed.url, {"productId": [product], "comment": "2026 please"})
    resp = post(client, headers, request)
    assert resp.status_code == 200 and resp.get_data() == b""
    assert allowed.requests == []  # nothing sent while answering the request
    (job,) = outbox(app)
    assert job["status"] == "pending" and job["recipient"] == allowed.url

    assert deliver_due(app.config) == 1
    token_call, event_call = allowed.requests
    assert token_call[1] == "/auth/token" and token_call[3] == b"grant_type=client_credentials"
    assert event_call[1] == "/3/events"
    assert event_call[2]["Content-Type"].startswith("application/cloudevents+json")
    (answer,) = allowed.events
    assert answer["type"] == FULFILLED and answer["specversion"] == "1.0"
    assert answer["source"] == f"{PUBLIC}/3/events"
    assert answer["data"]["requestEventId"] == request["id"]
    assert answer["data"]["pfs"] and all(
        product in pf["productIds"] for pf in answer["data"]["pfs"]
    )
    assert_valid("RequestFulfilledEvent", answer)
    assert [j["status"] for j in outbox(app)] == ["done"]
    assert deliver_due(app.config) == 0  # sent once


def test_a_request_nothing_matches_is_rejected(app, client, headers, allowed):
    request = event(CREATED, allowed.url, {"productId": ["urn:pact:null"]})
    assert post(client, headers, request).status_code == 200
    deliver_due(app.config)
    (answer,) = allowed.events
    assert answer["type"] == REJECTED
    assert answer["data"] == {
        "requestEventId": request["id"],
        "error": {"code": "NotFound", "message": answer["data"]["error"]["message"]},
    }
    assert_valid("RequestRejectedEvent", answer)


def test_a_source_not_on_the_allow_list_is_never_called(app, client, headers, allowed):
    stranger = FakeRecipient()
    try:
        for source in (
            stranger.url,
            stranger.url + "/",
            f"{allowed.url}/elsewhere",
            "//x/3/events",
        ):
            request = event(CREATED, source, {"productId": [first_product(client, headers)]})
            assert post(client, headers, request).status_code == 200
        assert outbox(app) == []
        assert deliver_due(app.config) == 0
        # Even a queued job whose recipient left the allow-list is not sent.
        post(client, headers, event(CREATED, allowed.url, {"productId": ["urn:pact:null"]}))
        app.config["PACT_EVENT_RECIPIENTS"] = {}
        deliver_due(app.config)
        assert [j["status"] for j in outbox(app)] == ["failed"]
        assert stranger.requests == [] and allowed.requests == []
    finally:
        stranger.close()


def test_a_trailing_slash_on_the_source_still_matches(app, client, headers, allowed):
    post(client, headers, event(CREATED, allowed.url + "/", {"productId": ["urn:pact:null"]}))
    deliver_due(app.config)
    assert len(allowed.events) == 1


def test_failed_deliveries_retry_with_backoff_then_give_up(app, client, headers, allowed):
    allowed.fail_events = 2
    post(client, headers, event(CREATED, allowed.url, {"productId": ["urn:pact:null"]}))
    start = time.time()
    deliver_due(app.config, now=start)
    (job,) = outbox(app)
    assert job["status"] == "pending" and job["attempts"] == 1 and "503" in job["last_error"]
    assert job["next_attempt_at"] == pytest.approx(start + 5.0)
    assert deliver_due(app.config, now=start + 1) == 0  # not due yet
    deliver_due(app.config, now=start + 5)
    (job,) = outbox(app)
    assert job["attempts"] == 2 and job["next_attempt_at"] == pytest.approx(start + 15.0)
    deliver_due(app.config, now=start + 15)
    (job,) = outbox(app)
    assert job["status"] == "done" and len(allowed.events) == 1

    app.config["PACT_EVENT_MAX_ATTEMPTS"] = 2
    allowed.fail_events = 5
    post(client, headers, event(CREATED, allowed.url, {"productId": ["urn:pact:null"]}))
    later = time.time()
    deliver_due(app.config, now=later)
    deliver_due(app.config, now=later + 60)
    assert outbox(app)[-1]["status"] == "failed" and outbox(app)[-1]["attempts"] == 2
    # The same event id on every attempt, so a recipient can drop duplicates.
    ids = {json.loads(r[3])["id"] for r in allowed.requests if r[1] == "/3/events"}
    assert len(ids) == 2


def test_a_restart_does_not_lose_a_pending_answer(app, client, headers, allowed):
    allowed.fail_events = 1
    post(client, headers, event(CREATED, allowed.url, {"productId": ["urn:pact:null"]}))
    deliver_due(app.config, now=time.time() - 10)  # fails; due again 5 s later, i.e. now
    # A new process on the same database, delivering on its own thread as a served worker.
    restarted = create_app({**app.config, "PACT_DELIVERY_THREAD": True, "TESTING": False})
    dispatcher = restarted.extensions["tanji_pact_dispatcher"]
    dispatcher.start()
    deadline = time.time() + 10
    while not allowed.events and time.time() < deadline:
        time.sleep(0.05)
    dispatcher.stop()
    assert len(allowed.events) == 1 and allowed.events[0]["type"] == REJECTED


def test_served_workers_deliver_on_their_own(app, client, headers, allowed):
    app.config["PACT_DELIVERY_THREAD"] = True
    started = time.time()
    assert (
        post(
            client, headers, event(CREATED, allowed.url, {"productId": ["urn:pact:null"]})
        ).status_code
        == 200
    )
    while not allowed.events and time.time() < started + 10:
        time.sleep(0.02)
    app.extensions["tanji_pact_dispatcher"].stop()
    assert len(allowed.events) == 1


def test_published_event_with_uuid_ids_is_200_even_unknown(client, headers):
    body = event(PUBLISHED, "https://elsewhere.test", {"pfIds": [str(uuid.uuid4())]})
    resp = post(client, headers, body)
    assert resp.status_code == 200 and resp.get_data() == b""


@pytest.mark.parametrize(
    "body",
    [
        event(PUBLISHED, "https://x.test", {"pfIds": ["urn:gtin:4712345060507"]}),
        event(PUBLISHED, "https://x.test", {"pfIds": []}),
        event(PUBLISHED, "https://x.test", {}),
        event("org.example.Unknown.1", "https://x.test", {}),
        event(CREATED, "https://x.test", {"productId": "urn:gtin:00000000000000"}),
        event(CREATED, "https://x.test", {"validOn": "yesterday"}),
        event(FULFILLED, "https://x.test", {"pfs": []}),
        event(CREATED, "https://x.test", {}, specversion="0.3"),
        {**event(CREATED, "https://x.test", {}), "time": "noon"},
        {k: v for k, v in event(CREATED, "https://x.test", {}).items() if k != "source"},
        {k: v for k, v in event(CREATED, "https://x.test", {}).items() if k != "data"},
        "{not json",
        "[]",
    ],
)
def test_malformed_events_are_400_bad_request(app, client, headers, body):
    assert_pact_error(post(client, headers, body), 400, "BadRequest")
    assert outbox(app) == []


def test_answers_from_other_hosts_are_accepted(client, headers):
    body = event(
        REJECTED,
        "https://x.test",
        {"requestEventId": "abc", "error": {"code": "NotFound", "message": "m"}},
    )
    assert post(client, headers, body).status_code == 200


def test_plain_json_content_type_is_accepted_too(client, headers):
    body = event(PUBLISHED, "https://x.test", {"pfIds": [str(uuid.uuid4())]})
    assert client.post("/3/events", json=body, headers=headers).status_code == 200
