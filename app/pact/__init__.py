"""The PACT v3 API (/auth/token, /3/footprints, /3/events): its own error shape
{code, message} with PACT's codes, and OAuth2 client-credentials bearer auth.

It is a plain Flask blueprint, not part of Tanji's /v1 OpenAPI: its contract is the published
PACT v3 OpenAPI, whose errors and statuses differ from ours (a malformed request is 400)."""

from __future__ import annotations

import datetime as dt
import functools
import logging

from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from app import db
from app.core import errors as domain
from app.core import pact_auth
from app.core.pact import TokenExpired

log = logging.getLogger(__name__)

bp = Blueprint("pact", __name__)

#: Domain error -> (HTTP status, PACT error code). The most specific class wins (MRO order).
CODES: dict[type[domain.DomainError], tuple[int, str]] = {
    TokenExpired: (401, "TokenExpired"),
    # PACT's conformance suite expects code BadRequest for an invalid token; 401 per RFC 6750.
    domain.Unauthorized: (401, "BadRequest"),
    domain.Forbidden: (403, "AccessDenied"),
    domain.NotFound: (404, "NotFound"),
    domain.InvalidInput: (400, "BadRequest"),
    domain.DomainError: (400, "BadRequest"),
}


def pact_error(status: int, code: str, message: str, **headers: str):
    response = jsonify({"code": code, "message": message})
    response.status_code = status
    response.headers.update(headers)
    return response


@bp.errorhandler(domain.DomainError)
def handle_domain_error(error: domain.DomainError):
    for cls in type(error).__mro__:
        if cls in CODES:
            status, code = CODES[cls]
            break
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return pact_error(status, code, error.message, **headers)


def owns(path: str) -> bool:
    """Whether a request path is PACT's (its errors then take PACT's shape)."""
    return path == "/auth/token" or path.startswith("/3/")


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.code is not None and error.code < 400:
        return error  # redirects stay redirects
    status = error.code or 500
    code = {404: "NotFound", 403: "AccessDenied", 501: "NotImplemented"}.get(status)
    if code is None:
        code = "InternalError" if status >= 500 else "BadRequest"
    headers = {k: v for k, v in error.get_headers() if k.lower() == "allow"}
    return pact_error(status, code, error.description or error.name, **headers)


@bp.errorhandler(Exception)
def handle_unexpected(error: Exception):
    log.exception("PACT request failed")
    return pact_error(500, "InternalError", "Internal error.")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def require_client(view):
    """Views behind a bearer token from /auth/token; the client is on g.pact_client."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise domain.Unauthorized("A bearer access token from /auth/token is required.")
        g.pact_client = pact_auth.authenticate(db.get_pact_store(), token.strip(), now=now())
        return view(*args, **kwargs)

    return wrapped


def public_base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def init_app(app: Flask) -> None:
    from app.pact import auth, cli, delivery, events, footprints  # noqa: F401  (routes on bp)

    app.register_blueprint(bp)
    cli.init_app(app)
    delivery.init_app(app)
