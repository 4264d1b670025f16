"""The one JSON parser every request body goes through (webargs for the views, and
``request.get_json``), so a hostile body is a 400 wherever it is sent.

Decimals are read exactly: a JSON number with a fraction becomes a ``Decimal``, never a float.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, NoReturn

from flask.json.provider import DefaultJSONProvider
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from app.core.errors import InvalidInput, MalformedBody
from app.core.messages import Message, _

#: Deepest nesting of arrays and objects a body may have (Tanji's deepest request is 4).
MAX_DEPTH = 32
#: A \\u escape of a UTF-16 surrogate; only such an escape can put a lone surrogate in a string.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(data: bytes | bytearray | str) -> Any:
    """Parse a JSON body. Raises MalformedBody (400) for anything RFC 8259 / I-JSON refuses:
    bad syntax, non-UTF-8 bytes, NaN/Infinity, lone surrogates, or nesting beyond MAX_DEPTH."""
    if isinstance(data, bytes | bytearray):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedBody(_("The request body is not UTF-8 text.")) from None
    else:
        text = data
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_no_constants)
    except RecursionError:
        raise MalformedBody(_too_deep(), max_depth=MAX_DEPTH) from None
    except ValueError as error:  # JSONDecodeError, NaN, or an integer over 4,300 digits
        if isinstance(error, json.JSONDecodeError):  # where, not Python's English "Expecting..."
            message = _(
                "The request body is not valid JSON (line %(line)s, column %(column)s).",
                line=error.lineno,
                column=error.colno,
            )
        else:
            message = _("The request body is not valid JSON: %(error)s", error=error)
        raise MalformedBody(message) from None
    # Cheap pre-checks keep the common body free of tree walks.
    if text.count("[") + text.count("{") > MAX_DEPTH:
        _check_depth(value)
    if _SURROGATE_ESCAPE.search(text):
        _check_text(value)
    return value


def _too_deep() -> Message:
    return _("The request body nests arrays or objects more than %(depth)s deep.", depth=MAX_DEPTH)


def _check_depth(value: Any) -> None:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MalformedBody(_too_deep(), max_depth=MAX_DEPTH)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))


def _check_text(value: Any) -> None:
    try:
        json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedBody(
            _(
                "The request body holds a lone UTF-16 surrogate (e.g. \\ud800): "
                "text must be valid Unicode."
            )
        ) from None


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading request bodies with ``loads`` above."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s)


class Parser(FlaskParser):
    """webargs' Flask parser, reading JSON bodies with ``loads`` above."""

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        return loads(req.get_data(cache=True))

    def handle_error(self, error: Any, req: Any, schema: Any, **kwargs: Any) -> NoReturn:
        """A request that fails its schema is a 422 in the one error shape: `reason`
        invalid_input, the first bad `field` as a path (``car[0].amount``), and every
        message keyed by location then field, as webargs reports them."""
        messages = marked(error.messages)
        message, field = _first_problem(messages)
        raise InvalidInput(message, field=field, **messages)


def _first_problem(messages: Any) -> tuple[str, str]:
    """(message, field path) of the first error in webargs' {location: {field: ...}}."""
    path = ""
    node = next(iter(messages.values()), messages)  # skip the location
    while isinstance(node, dict) and node:
        key, node = next(iter(node.items()))
        if key == "_schema":
            continue
        path += f"[{key}]" if isinstance(key, int) else f".{key}" if path else str(key)
    text = node[0] if isinstance(node, list) and node else node
    if path:
        return _("%(field)s: %(problem)s", field=path, problem=text), path
    return text, "body"


#: marshmallow's own messages, marked so they are translated like every other message.
_MARSHMALLOW: dict[str, Message] = {
    "Missing data for required field.": _("Missing data for required field."),
    "Unknown field.": _("Unknown field."),
    # schemas.common.Month's own message
    "Expected a month as YYYY-MM.": _("Expected a month as YYYY-MM."),
    "Field may not be null.": _("Field may not be null."),
    "Invalid input type.": _("Invalid input type."),
    "Invalid type.": _("Invalid type."),
    "Invalid value.": _("Invalid value."),
    "Not a valid string.": _("Not a valid string."),
    "Not a valid integer.": _("Not a valid integer."),
    "Not a valid number.": _("Not a valid number."),
    "Not a valid boolean.": _("Not a valid boolean."),
    "Not a valid date.": _("Not a valid date."),
    "Not a valid datetime.": _("Not a valid datetime."),
    "Not a valid list.": _("Not a valid list."),
    "Not a valid mapping type.": _("Not a valid mapping type."),
    "Not a valid URL.": _("Not a valid URL."),
    "Not a valid UUID.": _("Not a valid UUID."),
    "Not a valid email address.": _("Not a valid email address."),
    "Number too large.": _("Number too large."),
    "Special numeric values (nan or infinity) are not permitted.": _(
        "Special numeric values (nan or infinity) are not permitted."
    ),
}
_MARSHMALLOW_PATTERNS: tuple[tuple[re.Pattern[str], Message], ...] = (
    (re.compile(r"Must be one of: (?P<choices>.*)\.", re.S), _("Must be one of: %(choices)s.")),
    (
        re.compile(r"Length must be between (?P<min>\d+) and (?P<max>\d+)\."),
        _("Length must be between %(min)s and %(max)s."),
    ),
    (re.compile(r"Length must be (?P<equal>\d+)\."), _("Length must be %(equal)s.")),
    (
        re.compile(r"Longer than maximum length (?P<max>\d+)\."),
        _("Longer than maximum length %(max)s."),
    ),
    (
        re.compile(r"Shorter than minimum length (?P<min>\d+)\."),
        _("Shorter than minimum length %(min)s."),
    ),
    (
        re.compile(
            r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\."
        ),
        _("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    ),
    (
        re.compile(r"Must be greater than or equal to (?P<min>\S+)\."),
        _("Must be greater than or equal to %(min)s."),
    ),
    (
        re.compile(r"Must be less than or equal to (?P<max>\S+)\."),
        _("Must be less than or equal to %(max)s."),
    ),
    (re.compile(r"Must be greater than (?P<min>\S+)\."), _("Must be greater than %(min)s.")),
)


def marked(node: Any) -> Any:
    """webargs' messages with marshmallow's English replaced by translatable Messages (the
    keys, field names and list indexes, stay as they are)."""
    if isinstance(node, dict):
        return {key: marked(value) for key, value in node.items()}
    if isinstance(node, list):
        return [marked(value) for value in node]
    if isinstance(node, str):
        found = _MARSHMALLOW.get(node)
        if found is not None:
            return found
        for pattern, message in _MARSHMALLOW_PATTERNS:
            match = pattern.fullmatch(node)
            if match:
                return Message(message.msgid, match.groupdict())
    return node


parser = Parser()
