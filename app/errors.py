"""The one place domain errors become HTTP responses, in the one error shape."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, current_app, jsonify
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

from app.core import errors as domain

#: Domain error -> HTTP status. The most specific class wins (checked in MRO order).
STATUS = {
    domain.NotACode: 400,
    domain.MalformedBody: 400,
    domain.InvalidCode: 422,
    domain.InvalidInput: 422,
    domain.NotFound: 404,
    domain.Unauthorized: 401,
    domain.Forbidden: 403,
    domain.Conflict: 409,
    domain.Unavailable: 503,
    domain.ImageError: 422,
    domain.UnsupportedMediaType: 415,
    domain.PayloadTooLarge: 413,
    domain.DomainError: 400,
}


def status_of(error: domain.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(error: domain.DomainError) -> dict[str, Any]:
    """The error shape flask-smorest uses ({code, status, message, errors}) for a domain error."""
    code = status_of(error)
    return {
        "code": code,
        "status": HTTPStatus(code).phrase,
        "message": error.message,
        "errors": {"reason": error.reason, **error.details},
    }


def _respond(body: dict[str, Any]):
    response = jsonify(body)
    response.status_code = body["code"]
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(domain.DomainError)
    def handle_domain_error(error: domain.DomainError):
        return _respond(error_body(error))

    # Werkzeug raises these before a view runs (body over MAX_CONTENT_LENGTH) or flask-limiter
    # does (over the rate limit); flask-smorest would answer in the right shape but with no
    # message or reason, so they get ours. Retry-After is added by flask-limiter afterwards.
    @app.errorhandler(RequestEntityTooLarge)
    def handle_too_large(_error: RequestEntityTooLarge):
        limit = current_app.config["MAX_UPLOAD_BYTES"]
        error = domain.PayloadTooLarge(
            f"The request body is over the {limit}-byte upload limit.", limit=limit
        )
        return _respond(error_body(error))

    @app.errorhandler(TooManyRequests)
    def handle_too_many(error: TooManyRequests):
        return _respond(
            {
                "code": 429,
                "status": HTTPStatus(429).phrase,
                "message": f"Too many requests: the limit is {error.description}. "
                "Retry after the number of seconds in Retry-After.",
                "errors": {"reason": "rate_limited", "limit": error.description},
            }
        )
