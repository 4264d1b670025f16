"""Shared schema pieces: the error body, language selection, localized text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate
from marshmallow.experimental.context import Context

from app.core import bounds
from app.core.errors import InvalidInput
from app.core.factor_notes import note_text
from app.core.messages import _
from app.i18n import DEFAULT, LANG_PATTERN, LANGUAGES, translate


def current_lang() -> str:
    """The language a dump is running in (zh-CN unless a route said otherwise)."""
    try:
        return Context.get().get("lang", DEFAULT)
    except LookupError:
        return DEFAULT


def localize(value: Any) -> Any:
    """A core Message or Text in the dump's language (anything else as it is)."""
    return translate(value, current_lang())


def dump(schema: Schema, obj: Any, *, lang: str) -> Any:
    """Dump ``obj`` with localized fields rendered in ``lang``."""
    with Context({"lang": lang}):
        return schema.dump(obj)


def check_count(data: Any, field: str, config_key: str, *, minimum: int = 0) -> Any:
    """For a ``pre_load`` hook: refuse a list of more than ``config[config_key]`` items before
    marshmallow validates any of them (counting costs one len(); validating half a million
    items, seconds). Raises InvalidInput naming the field and its limit."""
    items = data.get(field) if isinstance(data, dict) else None
    if isinstance(items, list):
        limit = current_app.config[config_key]
        if not minimum <= len(items) <= limit:
            message = (
                _(
                    "Send between %(minimum)s and %(limit)s items in `%(field)s`; got %(count)s.",
                    minimum=minimum,
                    limit=limit,
                    field=field,
                    count=len(items),
                )
                if minimum
                else _(
                    "Send at most %(limit)s items in `%(field)s`; got %(count)s.",
                    limit=limit,
                    field=field,
                    count=len(items),
                )
            )
            raise InvalidInput(message, field=field, limit=limit)
    return data


class Localized(fields.String):
    """A core ``Message`` or ``Text`` (or a plain string) in the dump's language."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else localize(value)


class FactorNote(Localized):
    """A factor's note in the dump's language (as loaded when no catalogue translates it)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else localize(note_text(value))


class Translations(fields.Field):
    """A core ``Message`` or ``Text`` in every language: {"zh-CN": ..., "en": ...}."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> dict | None:
        if value is None:
            return None
        return {language: translate(value, language) for language in LANGUAGES}


#: JSON Schema of values computed by methods, whose type apispec cannot see (metadata=...).
STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
DATE = {"type": "string", "format": "date"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
#: Every decimal Tanji sends: a plain decimal string, exact (never a JSON number).
DECIMAL = {"type": "string", "format": "decimal", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
NULLABLE_DECIMAL = {**DECIMAL, "type": ["string", "null"]}
TRANSLATIONS = {
    "type": "object",
    "properties": {"zh-CN": {"type": "string"}, "en": {"type": "string"}},
    "required": ["zh-CN", "en"],
}


def obj(*, nullable: bool = False, optional: tuple[str, ...] = (), **properties: Any) -> dict:
    """An object schema whose properties are all present (except ``optional`` ones)."""
    return {
        "type": ["object", "null"] if nullable else "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }


def lang_field() -> fields.Function:
    """The language a response is in."""
    return fields.Function(
        lambda _: current_lang(),
        metadata={
            "type": "string",
            "enum": list(LANGUAGES),
            "description": "Language of the texts",
        },
    )


class DecimalIn(fields.Decimal):
    """A decimal in a request: a plain decimal string ("12.5") or a JSON integer (as JSON
    Schema counts them, so 2.0 is one), bounded by app.core.bounds so no input can overflow
    the arithmetic behind it. A JSON number with a fraction is refused, as the ingest API
    refuses it: 0.1 has no exact binary form, so a client that sends one has already rounded."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        whole = isinstance(value, int) or (
            isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value()
        )
        if isinstance(value, bool) or not (isinstance(value, str) or whole):
            raise ValidationError(
                _(
                    'Send a decimal as a string (e.g. "12.5") or a whole number; '
                    "JSON numbers with a fraction are not exact."
                )
            )
        try:
            number = bounds.parse_decimal(value)  # bounded before any arithmetic on it
        except InvalidInput as error:
            raise ValidationError(error.message) from None
        # A whole JSON number (2.0, 1e3) is read as the integer it is: 2, 1000.
        return number if isinstance(value, str) else number.quantize(Decimal(1))


class Day(fields.Date):
    """A date in a request (YYYY-MM-DD), within app.core.bounds' FIRST_DAY..LAST_DAY."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not bounds.FIRST_DAY <= day <= bounds.LAST_DAY:
            raise ValidationError(bounds.out_of_range_day(day))
        return day


def Month(**kwargs: Any) -> fields.String:  # noqa: N802 (used like a field class)
    """A month in a request (YYYY-MM), within app.core.bounds' FIRST_DAY..LAST_DAY."""
    pattern = validate.Regexp(bounds.MONTH_PATTERN, error="Expected a month as YYYY-MM.")
    return fields.String(validate=pattern, **kwargs)


class ErrorSchema(Schema):
    """The one error body Tanji returns for every 4xx and 5xx."""

    code = fields.Integer(
        required=True, metadata={"description": "HTTP status code", "example": 404}
    )
    status = fields.String(
        required=True, metadata={"description": "HTTP status name", "example": "Not Found"}
    )
    message = fields.String(
        required=True, metadata={"description": "What went wrong, for a person"}
    )
    errors = fields.Dict(
        required=True,
        metadata={
            **obj(reason=STRING),
            "additionalProperties": True,
            "description": (
                "Details. Domain errors carry a machine-readable `reason` (not_a_code, invalid_code, "
                "not_found, ...) and fields such as `expected_check_digit`; request validation errors "
                "are keyed by location (json, query, files) then field."
            ),
        },
    )


LANG_DESCRIPTION = (
    f"Response language: {' or '.join(LANGUAGES)}; overrides Accept-Language. Default {DEFAULT}. "
    "Other tags fall back to the nearest of these (en-US -> en, zh-Hans -> zh-CN); a tag with "
    "no supported language at all (e.g. fr) is rejected with 422, reason invalid_input, "
    "field lang."
)
#: The ``lang`` query parameter, documented on lookups that read it without a schema
#: (parsing a schema per request costs more than a cached lookup). app.i18n.negotiate reads
#: and checks it, for every endpoint alike.
LANG_PARAMETER = {
    "in": "query",
    "name": "lang",
    "required": False,
    "schema": {"type": "string", "pattern": LANG_PATTERN, "example": "en"},
    "description": LANG_DESCRIPTION,
}


class LangQuery(Schema):
    """Documents ``lang``; app.i18n.negotiate reads and checks it (one error body for all)."""

    lang = fields.String(
        metadata={"description": LANG_DESCRIPTION, "pattern": LANG_PATTERN, "example": "en"}
    )
