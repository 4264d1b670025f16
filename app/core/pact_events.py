"""PACT v3 events (CloudEvents 1.0, structured mode): validating what recipients send, and
answering a RequestCreatedEvent. Delivery is asynchronous, from a durable outbox reached
through the Outbox protocol; only allow-listed recipients are ever called."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.core.errors import InvalidInput
from app.core.pact import (
    RevisionSource,
    instant_text,
    list_footprints,
    parse_datetime,
    parse_filter,
)

_PREFIX = "org.wbcsd.pact.ProductFootprint."
CREATED = _PREFIX + "RequestCreatedEvent.3"
FULFILLED = _PREFIX + "RequestFulfilledEvent.3"
REJECTED = _PREFIX + "RequestRejectedEvent.3"
PUBLISHED = _PREFIX + "PublishedEvent.3"
TYPES = (CREATED, FULFILLED, REJECTED, PUBLISHED)
#: RequestCreatedEvent data fields that are lists of texts (the rest are single dates).
_LIST_FILTERS = ("productId", "companyId", "geography", "classification", "status")
_DATE_FILTERS = ("validOn", "validAfter", "validBefore")


@dataclass(frozen=True)
class Event:
    type: str
    id: str
    source: str
    time: dt.datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class OutboxJob:
    id: int
    recipient: str
    request: dict[str, Any]
    attempts: int


class Outbox(Protocol):
    def enqueue(self, recipient: str, request: Mapping[str, Any], *, now: float) -> int:
        """Store an answer to send; returns its id."""

    def claim(self, *, now: float, lease_seconds: float) -> OutboxJob | None:
        """Lease the oldest due pending job (attempts + 1), or None."""

    def done(self, job_id: int, *, at: str) -> None: ...

    def retry(self, job_id: int, *, at: float, error: str) -> None: ...

    def fail(self, job_id: int, *, error: str) -> None: ...


def parse_event(body: Any) -> Event:
    """A CloudEvent as PACT v3 defines it. Raises InvalidInput (HTTP 400) when malformed."""
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a CloudEvent JSON object.")
    for name in ("type", "specversion", "id", "source", "time"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise InvalidInput(f"The event has no {name} (a non-empty string).", field=name)
    if body["specversion"] != "1.0":
        raise InvalidInput("specversion must be 1.0.", field="specversion")
    if body["type"] not in TYPES:
        raise InvalidInput(f"Unknown event type {body['type'][:100]!r}.", field="type")
    data = body.get("data")
    if not isinstance(data, dict):
        raise InvalidInput("The event has no data object.", field="data")
    event = Event(
        body["type"], body["id"], body["source"], parse_datetime(body["time"], "time"), data
    )
    if event.type == PUBLISHED:
        pf_ids = data.get("pfIds")
        if not isinstance(pf_ids, list) or not pf_ids or not all(_is_uuid(i) for i in pf_ids):
            raise InvalidInput("data.pfIds must be a list of footprint ids (UUIDs).", field="pfIds")
    elif event.type == CREATED:
        request_filter(data)
    elif not isinstance(data.get("requestEventId"), str):
        raise InvalidInput("data.requestEventId is required.", field="requestEventId")
    return event


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def request_filter(data: Mapping[str, Any]):
    """The footprint filter of a RequestCreatedEvent's data. Raises InvalidInput."""
    args: dict[str, list[str]] = {}
    for name in _LIST_FILTERS:
        values = data.get(name)
        if values is None:
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InvalidInput(f"data.{name} must be a list of strings.", field=name)
        args[name] = values
    for name in _DATE_FILTERS:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidInput(f"data.{name} must be a date-time string.", field=name)
        args[name] = [value]
    return parse_filter(args)


def answer(
    source: RevisionSource,
    request: Mapping[str, Any],
    *,
    our_source: str,
    now: dt.datetime,
    event_id: str | None = None,
) -> dict[str, Any]:
    """The RequestFulfilledEvent (footprints matching the request) or, when none match, the
    RequestRejectedEvent, as a CloudEvent to post to the requester. ``event_id`` keeps the
    id stable across retries, so a recipient can drop duplicates."""
    data = request.get("data") or {}
    footprints = list_footprints(source, request_filter(data))
    base = {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": our_source,
        "time": instant_text(now),
    }
    if footprints:
        return base | {
            "type": FULFILLED,
            "data": {"requestEventId": request["id"], "pfs": footprints},
        }
    return base | {
        "type": REJECTED,
        "data": {
            "requestEventId": request["id"],
            "error": {
                "code": "NotFound",
                "message": "No footprint in this catalogue matches the request.",
            },
        },
    }


def backoff(attempts: int, *, base: float, cap: float = 3600.0) -> float:
    """Seconds before the next attempt after ``attempts`` failures: base, 2x, 4x... capped."""
    return min(cap, base * (2 ** max(0, attempts - 1)))
