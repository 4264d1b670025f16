"""Sending queued PACT answers: a thread per served worker leases due outbox jobs, gets a
token at <recipient>/auth/token and posts the answer to <recipient>/3/events, retrying with
exponential backoff. Only base URLs on TANJI_PACT_EVENT_RECIPIENTS are ever called."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from typing import Any

import click
from flask import Flask

from app import db
from app.core import pact_events
from app.core.pact import PF_NAMESPACE

log = logging.getLogger(__name__)

_EXTENSION = "tanji_pact_dispatcher"


def recipients(config: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """The allow-list: normalised base URL -> (client id, client secret)."""
    raw = config.get("PACT_EVENT_RECIPIENTS") or {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            log.error("TANJI_PACT_EVENT_RECIPIENTS is not JSON: no recipient is allowed")
            return {}
    allowed = {}
    for url, credentials in raw.items() if isinstance(raw, dict) else ():
        if isinstance(credentials, dict):
            allowed[_normal(url)] = (
                str(credentials.get("client_id", "")),
                str(credentials.get("client_secret", "")),
            )
    return allowed


def _normal(url: str) -> str:
    return url.strip().rstrip("/")


def allowed_recipient(allowed: Mapping[str, Any], source: str) -> str | None:
    """The allow-listed base URL this event source names exactly, or None."""
    key = _normal(source)
    return key if key in allowed and key.startswith(("http://", "https://")) else None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A recipient may not send us on to another URL: that would leave the allow-list."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(
            req.full_url, code, f"redirect to {newurl} refused", headers, fp
        )


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> bytes:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with _opener.open(req, timeout=timeout) as response:
        return response.read()


class DeliveryError(Exception):
    pass


def send(
    recipient: str, credentials: tuple[str, str], event: dict[str, Any], timeout: float
) -> None:
    """Token from <recipient>/auth/token, then POST the event to <recipient>/3/events."""
    client_id, secret = credentials
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    try:
        raw = _post(
            f"{recipient}/auth/token",
            b"grant_type=client_credentials",
            {
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            timeout,
        )
        token = json.loads(raw)["access_token"]
        _post(
            f"{recipient}/3/events",
            json.dumps(event, ensure_ascii=False).encode(),
            {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/cloudevents+json; charset=UTF-8",
            },
            timeout,
        )
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"{error.url}: HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as error:
        raise DeliveryError(f"{recipient}: {error}") from None


def deliver_due(config: Mapping[str, Any], *, now: float | None = None) -> int:
    """Send every due outbox job once; returns how many were attempted."""
    allowed = recipients(config)
    attempted = 0
    timeout = float(config["PACT_EVENT_TIMEOUT"])
    with db.PactConnection(config) as conn:
        while True:
            at = time.time() if now is None else now
            job = conn.store.claim(now=at, lease_seconds=2 * timeout + 5)
            if job is None:
                return attempted
            attempted += 1
            credentials = allowed.get(job.recipient)
            if credentials is None:
                conn.store.fail(job.id, error="recipient no longer on the allow-list")
                continue
            try:
                event = pact_events.answer(
                    conn.revisions,
                    job.request,
                    our_source=f"{config['PUBLIC_BASE_URL'].rstrip('/')}/3/events",
                    now=dt.datetime.now(dt.UTC),
                    event_id=str(uuid.uuid5(PF_NAMESPACE, f"answer/{job.id}")),
                )
                send(job.recipient, credentials, event, timeout)
            except DeliveryError as error:
                if job.attempts >= int(config["PACT_EVENT_MAX_ATTEMPTS"]):
                    log.error(
                        "PACT answer %s to %s failed for good: %s", job.id, job.recipient, error
                    )
                    conn.store.fail(job.id, error=str(error))
                else:
                    wait = pact_events.backoff(
                        job.attempts, base=float(config["PACT_EVENT_RETRY_SECONDS"])
                    )
                    log.warning("PACT answer %s: %s; retry in %.0f s", job.id, error, wait)
                    conn.store.retry(job.id, at=at + wait, error=str(error))
            else:
                conn.store.done(job.id, at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))


class Dispatcher:
    """A daemon thread sending due answers; woken at once when a request queues one."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config  # the app's live config
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="pact-delivery", daemon=True)
                self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                deliver_due(self.config)
            except Exception:
                log.exception("PACT delivery loop")
            self.wake.wait(float(self.config["PACT_EVENT_POLL_SECONDS"]))
            self.wake.clear()


def kick(app: Flask) -> None:
    """A job was queued: make sure this process sends it soon."""
    dispatcher: Dispatcher | None = app.extensions.get(_EXTENSION)
    if dispatcher is None or not app.config["PACT_DELIVERY_THREAD"]:
        return
    dispatcher.start()
    dispatcher.wake.set()


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = Dispatcher(app.config)
    # A served process (gunicorn worker) starts sending at once, so answers queued before a
    # restart go out without waiting for a new request. CLI commands and tests do not.
    served = click.get_current_context(silent=True) is None and not app.testing
    if served and app.config["PACT_DELIVERY_THREAD"]:
        app.extensions[_EXTENSION].start()
