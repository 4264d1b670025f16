"""The one place domain errors become HTTP responses, in the one error shape."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, TooManyRequests

from app import i18n
from app.core import errors as domain
from app.core.messages import Message, _

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


#: Errors raised by HTTP itself (routing, methods, framework limits), before or around any
#: domain code: status -> (reason, message). Messages live here so they can be translated.
HTTP_ERRORS: dict[int, tuple[str, Message]] = {
    400: ("bad_request", _("The request could not be understood.")),
    401: ("unauthorized", _("Credentials are missing or wrong.")),
    403: ("forbidden", _("This is not allowed with these credentials.")),
    404: (
        "not_found",
        _("No such resource: check the path (the API is under /v1/; see /openapi.json)."),
    ),
    405: (
        "method_not_allowed",
        _("The resource does not accept %(method)s; the Allow header lists what it does."),
    ),
    406: ("not_acceptable", _("Tanji answers in application/json only.")),
    413: ("payload_too_large", _("The request body is too large.")),
    415: ("unsupported_media_type", _("The body's Content-Type is not one this resource reads.")),
    422: ("invalid_input", _("The request is well formed but its values are invalid.")),
    429: (
        "rate_limited",
        _("Too many requests; retry after the number of seconds in Retry-After."),
    ),
    500: ("internal_error", _("Something went wrong on Tanji's side; the error has been logged.")),
    503: (
        "unavailable",
        _("The service cannot answer now; retry after the seconds in Retry-After."),
    ),
}
#: Seconds a client should wait before retrying a 503 that does not say otherwise.
RETRY_AFTER_SECONDS = 5
#: The challenge every 401 carries (RFC 9110 11.6.1): saved households and the ingest API
#: take a bearer token (the ingest API also reads X-API-Key).
WWW_AUTHENTICATE = 'Bearer realm="tanji"'


def status_of(error: domain.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(error: domain.DomainError, lang: str | None = None) -> dict[str, Any]:
    """The error shape flask-smorest uses ({code, status, message, errors}) for a domain error,
    its message in ``lang`` (default: the request's language, whatever ``?lang=`` said)."""
    code = status_of(error)
    language = lang or i18n.negotiate(request, strict=False)
    return {
        "code": code,
        "status": HTTPStatus(code).phrase,
        "message": i18n.translate(error.message, language),
        "errors": {"reason": error.reason, **error.details},
    }


def error_headers(status: int, details: dict[str, Any] | None = None) -> dict[str, str]:
    """Headers an error status must carry: WWW-Authenticate on 401, Retry-After on 503."""
    if status == 401:
        return {"WWW-Authenticate": WWW_AUTHENTICATE}
    if status == 503:
        return {"Retry-After": str((details or {}).get("retry_after", RETRY_AFTER_SECONDS))}
    return {}


def http_error_body(error: HTTPException) -> tuple[dict[str, Any], dict[str, str]]:
    """The one error shape, and the headers, for an HTTPException (a 404 for an unknown path,
    a 405, a framework 4xx, a 500, or a flask-smorest ``abort``)."""
    code = error.code or 500
    phrase = HTTPStatus(code).phrase
    reason, message = HTTP_ERRORS.get(
        code, (phrase.lower().replace(" ", "_"), Message(phrase + "."))
    )
    data = getattr(error, "data", None) or {}
    errors = {"reason": data.get("reason", reason)}
    errors.update(data.get("errors") or data.get("messages") or {})
    body = {
        "code": code,
        "status": phrase,
        "message": i18n.translate(
            data.get("message") or _with_method(message, request.method),
            i18n.negotiate(request, strict=False),
        ),
        "errors": errors,
    }
    # Werkzeug's own headers (Allow on a 405) minus its HTML Content-Type, then ours.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers.update(error_headers(code))
    headers.update(data.get("headers") or {})
    return body, headers


def _with_method(message: Message, method: str) -> Message:
    """The 405 message names the method; the others have no parameters."""
    return Message(message.msgid, {"method": method}) if "%(method)s" in message.msgid else message


def http_error(error: HTTPException) -> Response | HTTPException:
    if error.code is not None and error.code < 400:
        return error  # redirects (e.g. a missing trailing slash) stay redirects
    body, headers = http_error_body(error)
    return _respond(body, headers)


def _respond(body: dict[str, Any], headers: dict[str, str] | None = None):
    response = jsonify(body)
    response.status_code = body["code"]
    response.headers.update(headers or error_headers(body["code"], body["errors"]))
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(domain.DomainError)
    def handle_domain_error(error: domain.DomainError):
        return _respond(error_body(error))

    # Werkzeug raises these before a view runs (body over MAX_CONTENT_LENGTH) or flask-limiter
    # does (over the rate limit); flask-smorest would answer in the right shape but with no
    # message or reason, so they get ours. Retry-After is added by flask-limiter afterwards.
    @app.errorhandler(RequestEntityTooLarge)
    def handle_too_large(error: RequestEntityTooLarge):
        return _respond(error_body(_too_large(error)))

    @app.errorhandler(TooManyRequests)
    def handle_too_many(error: TooManyRequests):
        return _respond(
            {
                "code": 429,
                "status": HTTPStatus(429).phrase,
                "message": i18n.translate(
                    _(
                        "Too many requests: the limit is %(limit)s. "
                        "Retry after the number of seconds in Retry-After.",
                        limit=error.description,
                    ),
                    i18n.negotiate(request, strict=False),
                ),
                "errors": {"reason": "rate_limited", "limit": error.description},
            }
        )


def _too_large(error: RequestEntityTooLarge) -> domain.PayloadTooLarge:
    """Which limit werkzeug enforced: the body size, the number of multipart parts, or the
    size of one multipart text field. Werkzeug raises the same bare exception for all three,
    so the frame that raised it tells them apart."""
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    where = frame.tb_frame.f_code.co_name if frame is not None else ""
    if where == "next_event":
        parts = request.max_form_parts
        return domain.PayloadTooLarge(
            _(
                "The multipart body has more than %(parts)s parts; send the photo as the one "
                "field `image`.",
                parts=parts,
            ),
            limit=parts,
            limit_kind="multipart_parts",
        )
    if where in ("receive_data", "_parse_multipart", "parse"):
        size = request.max_form_memory_size
        return domain.PayloadTooLarge(
            _("A multipart text field is over %(size)s bytes.", size=size),
            limit=size,
            limit_kind="form_field",
        )
    limit = g.get("body_limit") or request.max_content_length
    return domain.PayloadTooLarge(
        _("The request body is over this endpoint's %(limit)s-byte limit.", limit=limit),
        limit=limit,
        limit_kind="body",
    )
