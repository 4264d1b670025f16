"""How Tanji's marshmallow fields read in the OpenAPI spec, so a strict client (a generated
one, Swift Codable, Kotlin serialization) can trust it: decimals are strings with a pattern,
localized text is a string, translations an object, nullable objects ``$ref | null``, and
constraints a schema states in code (one of month or start/end, consent must be true) are
stated in the spec too, next to the schema that enforces them (an ``OPENAPI`` class dict).
"""

from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_instance
from marshmallow import fields

from app.core import bounds
from schemas.common import DECIMAL, TRANSLATIONS, Day, DecimalIn, Localized, Translations
from schemas.products import FootprintSchema

#: A decimal Tanji reads: a plain decimal string, or a JSON integer; both bounded.
DECIMAL_IN = [
    {"type": "string", "format": "decimal", "pattern": bounds.PLAIN_DECIMAL_PATTERN},
    {"type": "integer", "minimum": 0, "maximum": 10**bounds.INT_DIGITS - 1},
]
DECIMAL_IN_NOTE = (
    'A decimal string such as "12.5" (at most 15 digits before the point and 15 after), '
    "or a JSON integer; JSON numbers with a fraction or exponent are refused, since 0.1 is "
    "not exact in binary."
)


class Plugin(MarshmallowPlugin):
    """apispec's marshmallow plugin, merging a schema class's ``OPENAPI`` dict (oneOf,
    constraints across fields) into its component."""

    def schema_helper(self, name: str, _: Any, schema: Any = None, **kwargs: Any) -> Any:
        json_schema = super().schema_helper(name, _, schema=schema, **kwargs)
        if schema is not None:
            extra = getattr(type(resolve_schema_instance(schema)), "OPENAPI", None)
            if extra:
                json_schema = {**json_schema, **extra}
        return json_schema


def _field_properties(self: Any, field: fields.Field, ret: dict, **_: Any) -> dict:
    """Types for Tanji's own fields (an apispec attribute function; runs after the built-ins)."""
    nullable = field.allow_none
    if isinstance(field, DecimalIn):
        for key in ("type", "format", "pattern", "anyOf"):
            ret.pop(key, None)
        variants = [*DECIMAL_IN, *([{"type": "null"}] if nullable else [])]
        description = ret.get("description")
        return {
            "anyOf": variants,
            "description": f"{description}. {DECIMAL_IN_NOTE}" if description else DECIMAL_IN_NOTE,
        }
    if isinstance(field, fields.Decimal):
        ret.pop("type", None)
        return {**DECIMAL, "type": ["string", "null"] if nullable else "string"}
    if isinstance(field, Day):
        return {"pattern": bounds.DAY_PATTERN}
    if isinstance(field, Translations):
        return {**TRANSLATIONS, **({"type": ["object", "null"]} if nullable else {})}
    if isinstance(field, Localized):
        return {"type": ["string", "null"] if nullable else "string"}
    return {}


def init_api(api: Any) -> None:
    """Before any blueprint registers: teach the spec Tanji's field types."""
    api.ma_plugin.converter.add_attribute_function(_field_properties)
    # Dumped by a method (so it is not found through a Nested field), referenced by name.
    api.spec.components.schema("Footprint", schema=FootprintSchema)
