"""Per-client rate limits (flask-limiter) for the endpoints that cost CPU or disk: photo scans,
and saved-household writes (creation has a tighter limit of its own). Counters are shared by
every worker on the machine (app/storage/ratelimit.py, in /dev/shm, addresses hashed) unless
RATELIMIT_STORAGE_URI points elsewhere (redis:// for several machines, addresses hashed too)."""

from __future__ import annotations

from flask import Flask, Response, request
from flask.blueprints import Blueprint
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from app.db import ratelimit_storage_uri
from app.errors import RETRY_AFTER_SECONDS

#: The views that create a saved household: POST /v1/households, and the /estimate page's
#: "save this household" form (the same use case, the same budget).
CREATE_ENDPOINTS = ("households.Households", "estimate_household.save")
WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


def init_app(app: Flask, scans: list[Blueprint], households: list[Blueprint]) -> Limiter:
    """One limiter per app, so each test app counts from zero. ``scans`` are the blueprints
    whose POSTs decode photos (the API and the pages' photo form): one budget per client;
    ``households`` those that write saved households (the API and the /estimate page's
    forms): one budget of writes, one of creations, per client.

    Keyed on the peer address: behind a reverse proxy, wrap the app in werkzeug's ProxyFix
    so that is the client's address rather than the proxy's.

    flask-limiter hooks every request of the app, and on a cached label lookup those hooks
    cost more than the lookup itself (measured: ~175 us of ~400 us). Only the limited
    blueprints are limited, so its hooks are moved to their scopes.
    """
    config = app.config
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=ratelimit_storage_uri(config),
        headers_enabled=True,  # X-RateLimit-* on every limited response, Retry-After on 429
        default_limits=[],
        # Shared counters unreachable (Redis down): count in this worker's memory meanwhile,
        # rather than answer 500 or stop limiting; flask-limiter retries the store with backoff.
        in_memory_fallback_enabled=True,
    )
    for blueprint in scans:
        limiter.shared_limit(lambda: config["SCAN_RATE_LIMIT"], scope="scans", methods=["POST"])(
            blueprint
        )
    # Every household write (entries, token, delete) counts against one budget per client;
    # creating households against a tighter one: each is a row anyone could mint.
    for blueprint in households:
        limiter.shared_limit(
            lambda: config["HOUSEHOLD_WRITE_RATE_LIMIT"],
            scope="household-writes",
            methods=WRITE_METHODS,
        )(blueprint)
        limiter.shared_limit(
            lambda: config["HOUSEHOLD_CREATE_RATE_LIMIT"],
            scope="household-create",
            methods=["POST"],
            exempt_when=lambda: request.endpoint not in CREATE_ENDPOINTS,
        )(blueprint)
    hooks = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    before = [list(registry.get(None, [])) for registry in hooks]
    limiter.init_app(app)
    for registry, existing in zip(hooks, before, strict=True):
        added = registry.get(None, [])[len(existing) :]
        registry[None] = existing
        for blueprint in (*scans, *households):
            registry.setdefault(blueprint.name, []).extend(added)
    for blueprint in (*scans, *households):
        # Flask runs after_request functions in reverse: this one runs after the limiter's.
        app.after_request_funcs[blueprint.name].insert(0, _retry_after_only_on_429)
    return limiter


def _retry_after_only_on_429(response: Response) -> Response:
    """flask-limiter sends Retry-After with every limited response; keep it where it means
    something (429, 503), and leave the X-RateLimit-* headers for clients that pace themselves."""
    if response.status_code == 503:
        # The limiter replaced our Retry-After with its window's reset; the error body has ours.
        errors = (response.get_json(silent=True) or {}).get("errors") or {}
        response.headers["Retry-After"] = str(errors.get("retry_after", RETRY_AFTER_SECONDS))
    elif response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response
