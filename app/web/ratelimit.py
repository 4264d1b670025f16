"""Per-client-IP rate limits (flask-limiter) for the expensive endpoints; counters in memory
by default, so no IP address is stored anywhere persistent."""

from __future__ import annotations

from flask import Flask, Response
from flask.blueprints import Blueprint
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def init_app(app: Flask, scans: Blueprint) -> Limiter:
    """One limiter per app, so each test app counts from zero.

    Keyed on the peer address: behind a reverse proxy, wrap the app in werkzeug's ProxyFix
    so that is the client's address rather than the proxy's.
    """
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        headers_enabled=True,  # X-RateLimit-* on every limited response, Retry-After on 429
        default_limits=[],
    )
    limiter.limit(lambda: app.config["SCAN_RATE_LIMIT"], methods=["POST"])(scans)
    # Registered before the limiter's own hook, so it runs after it (Flask runs them in reverse).
    app.after_request(_retry_after_only_on_429)
    limiter.init_app(app)
    return limiter


def _retry_after_only_on_429(response: Response) -> Response:
    """flask-limiter sends Retry-After with every limited response; keep it where it means
    something (429), and leave the X-RateLimit-* headers for clients that pace themselves."""
    if response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response
