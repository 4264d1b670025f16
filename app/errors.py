"""The one place domain errors become HTTP responses, in the one error shape."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, jsonify

from app.core import errors as domain

#: Domain error -> HTTP status. The most specific class wins (checked in MRO order).
STATUS = {
    domain.NotACode: 400,
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


def init_app(app: Flask) -> None:
    @app.errorhandler(domain.DomainError)
    def handle_domain_error(error: domain.DomainError):
        body = error_body(error)
        response = jsonify(body)
        response.status_code = body["code"]
        return response
