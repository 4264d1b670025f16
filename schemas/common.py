"""Shared schema pieces: the error body, language selection, localized text."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from marshmallow.experimental.context import Context

LANGS = ("zh-CN", "en")


def current_lang() -> str:
    """The language a dump is running in (zh-CN unless a route said otherwise)."""
    try:
        return Context.get().get("lang", "zh-CN")
    except LookupError:
        return "zh-CN"


def dump(schema: Schema, obj: Any, *, lang: str) -> Any:
    """Dump ``obj`` with localized fields rendered in ``lang``."""
    with Context({"lang": lang}):
        return schema.dump(obj)


class Localized(fields.Field):
    """A core ``Text`` (zh/en) rendered in the request's language."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return value.get("en" if current_lang() == "en" else "zh")


class Translations(fields.Field):
    """A core ``Text`` as {"zh-CN": ..., "en": ...}."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> dict | None:
        if value is None:
            return None
        return {"zh-CN": value.zh, "en": value.en}


class ErrorSchema(Schema):
    """The one error body Tanji returns for every 4xx and 5xx."""

    code = fields.Integer(
        required=True, metadata={"description": "HTTP status code", "example": 404}
    )
    status = fields.String(
        required=True, metadata={"description": "HTTP status name", "example": "Not Found"}
    )
    message = fields.String(metadata={"description": "What went wrong, for a person"})
    errors = fields.Dict(
        metadata={
            "description": (
                "Details. Domain errors carry a machine-readable `reason` (not_a_code, invalid_code, "
                "not_found, ...) and fields such as `expected_check_digit`; request validation errors "
                "are keyed by location (json, query, files) then field."
            )
        }
    )


#: The ``lang`` query parameter, documented on lookups that read it without a schema
#: (parsing a schema per request costs more than a cached lookup).
LANG_PARAMETER = {
    "in": "query",
    "name": "lang",
    "required": False,
    "schema": {"type": "string", "enum": ["zh-CN", "zh", "en"]},
    "description": "Response language; overrides Accept-Language. Default zh-CN.",
}


class LangQuery(Schema):
    lang = fields.String(
        validate=validate.OneOf(LANGS + ("zh",)),
        metadata={"description": "Response language; overrides Accept-Language. Default zh-CN."},
    )
