"""Domain exceptions. app/errors.py maps each one to an HTTP status, in one table."""

from __future__ import annotations

from typing import Any

from app.core.messages import Message


class DomainError(Exception):
    """Base of every error the domain raises on purpose.

    ``message`` is for a person: a ``Message`` (``app.core.messages._``), translated into the
    response's language where the error becomes HTTP, or a plain string (sent as it is).
    ``details`` are machine fields (``field``, ``gtin``...), never translated.
    """

    reason = "error"

    def __init__(self, message: str | Message, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotACode(DomainError):
    """The scanned text is not any code Tanji understands."""

    reason = "not_a_code"


class InvalidCode(DomainError):
    """The text is a code, but an invalid one (wrong check digit, bad date...)."""

    reason = "invalid_code"


class NotFound(DomainError):
    """A well-formed identifier that the catalogue does not hold."""

    reason = "not_found"


class InvalidInput(DomainError):
    """An input value the domain cannot accept (negative, absurd, unknown unit...)."""

    reason = "invalid_input"


class Unauthorized(DomainError):
    """Missing or wrong credentials; says nothing about what exists."""

    reason = "unauthorized"


class Forbidden(DomainError):
    """Authenticated, but not allowed to touch this resource."""

    reason = "forbidden"


class Conflict(DomainError):
    """The request conflicts with the current state (e.g. a forbidden status change)."""

    reason = "conflict"


class Unavailable(DomainError):
    """The service cannot do this now (e.g. another write holds the catalogue); retry later."""

    reason = "unavailable"


class ImageError(DomainError):
    """An uploaded image that cannot be decoded (corrupt, truncated, empty)."""

    reason = "bad_image"


class UnsupportedMediaType(DomainError):
    """Not an image, or an image format Tanji does not read."""

    reason = "unsupported_media_type"


class PayloadTooLarge(DomainError):
    """An upload over the size or pixel limits (including decompression bombs)."""

    reason = "payload_too_large"


class MalformedBody(DomainError):
    """A request body that is not valid JSON (syntax, encoding, lone surrogates, too deep)."""

    reason = "invalid_json"
