"""Per-client-IP rate limits (flask-limiter) for the expensive endpoint, POST /v1/scans;
counters in memory by default, so no IP address is stored anywhere persistent."""

from __future__ import annotations

from flask import Flask, Response
from flask.blueprints import Blueprint
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def init_app(app: Flask, scans: Blueprint) -> Limiter:
    """One limiter per app, so each test app counts from zero.

    Keyed on the peer address: behind a reverse proxy, wrap the app in werkzeug's ProxyFix
    so that is the client's address rather than the proxy's.

    flask-limiter hooks every request of the app, and on a cached label lookup those hooks
    cost more than the lookup itself (measured: ~175 us of ~400 us). Only the scans
    blueprint is limited, so its hooks are moved to that blueprint's scope.
    """
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        headers_enabled=True,  # X-RateLimit-* on every limited response, Retry-After on 429
        default_limits=[],
    )
    limiter.limit(lambda: app.config["SCAN_RATE_LIMIT"], methods=["POST"])(scans)
    hooks = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    before = [list(registry.get(None, [])) for registry in hooks]
    limiter.init_app(app)
    for registry, existing in zip(hooks, before, strict=True):
        added = registry.get(None, [])[len(existing) :]
        registry[None] = existing
        registry.setdefault(scans.name, []).extend(added)
    # Flask runs after_request functions in reverse: this one runs after the limiter's.
    app.after_request_funcs[scans.name].insert(0, _retry_after_only_on_429)
    return limiter


def _retry_after_only_on_429(response: Response) -> Response:
    """flask-limiter sends Retry-After with every limited response; keep it where it means
    something (429), and leave the X-RateLimit-* headers for clients that pace themselves."""
    if response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response
