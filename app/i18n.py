"""One language negotiation and one gettext catalogue, for API responses and web pages alike.

- ``LANGUAGES`` is the one list of languages Tanji speaks; ``DEFAULT`` is zh-CN.
- ``negotiate(request)``: ``?lang=`` first, then ``Accept-Language``, else zh-CN. Any tag is
  taken to its nearest supported language (``en-US`` -> en, ``zh-Hans`` / ``zh-TW`` -> zh-CN);
  only a ``?lang=`` with no supported language at all (``fr``) is an error: InvalidInput,
  field ``lang`` (422). An unusable Accept-Language falls back to zh-CN, as HTTP intends.
- ``translate(value, lang)`` renders a core ``Message`` (``app.core.messages._``), a
  ``Text`` (catalogue data in zh and en) or a plain string.
- ``gettext`` / ``_`` / ``ngettext`` translate at once in the request's language, for
  routes; templates get the same through Jinja's i18n extension (``{{ _("...") }}``) and
  ``translate`` as a global.

The catalogues are app/translations/<locale>/LC_MESSAGES/messages.po. They are read from the
.po source once per process (a few ms) instead of from compiled .mo files: there is no build
step a fresh clone, an editable install or a read-only deployment could miss, and no compiled
file that can drift from its source. tests/test_translations.py checks that the catalogues
hold every message the code marks, and that zh_CN translates each one.
"""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask, Request, g, has_request_context, request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from app.core.errors import InvalidInput
from app.core.messages import Message, Text
from app.core.messages import _ as N_

#: Language tag (as sent in responses) -> gettext locale of its catalogue. The first is the default.
LANGUAGES: dict[str, str] = {"zh-CN": "zh_CN", "en": "en"}
DEFAULT = "zh-CN"
TRANSLATIONS = Path(__file__).parent / "translations"
DOMAIN = "messages"

#: A language tag as BCP 47 writes it (case-insensitive, "_" accepted for "-").
_TAG = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")
#: What ``?lang=`` accepts, as the OpenAPI spec states it: a tag of a supported language.
LANG_PATTERN = (
    "^(?:"
    + "|".join("".join(f"[{c.lower()}{c.upper()}]" for c in tag.split("-")[0]) for tag in LANGUAGES)
    + ")(?:[-_][A-Za-z0-9]{1,8})*$"
)
_by_primary = {tag.split("-")[0].lower(): tag for tag in reversed(LANGUAGES)}
_by_tag = {tag.lower(): tag for tag in LANGUAGES}
_catalogues: dict[str, Translations] = {}
_lock = threading.Lock()
#: Accept-Language header -> language; clients send few distinct headers, so a small memo
#: keeps negotiation off the profile of a cached lookup.
_accept_memo: dict[str, str] = {}
_ACCEPT_MEMO_SIZE = 512


def nearest(tag: str) -> str | None:
    """The supported language closest to a language tag, or None when there is none.

    'en', 'EN', 'en-US', 'en_GB' -> 'en'; 'zh', 'zh-CN', 'zh-Hans', 'zh-Hant-TW' -> 'zh-CN'.
    """
    if not _TAG.fullmatch(tag):
        return None
    key = tag.replace("_", "-").lower()
    return _by_tag.get(key) or _by_primary.get(key.split("-")[0])


def from_accept_language(header: str) -> str:
    """The best supported language of an Accept-Language header, by quality; else DEFAULT."""
    found = _accept_memo.get(header)
    if found is not None:
        return found
    found = DEFAULT
    ranges = sorted(parse_accept_header(header, LanguageAccept), key=lambda v: -v[1])
    for value, quality in ranges:
        if quality <= 0:
            continue
        language = DEFAULT if value == "*" else nearest(value)
        if language is not None:
            found = language
            break
    if len(_accept_memo) >= _ACCEPT_MEMO_SIZE:
        _accept_memo.clear()
    _accept_memo[header] = found
    return found


def negotiate(request: Request, *, strict: bool = True) -> str:
    """The response language of a request.

    Raises InvalidInput (field ``lang``) for a ``?lang=`` naming no language Tanji speaks,
    unless ``strict`` is false (error handlers: they must answer whatever was asked).
    """
    environ = request.environ
    in_query = "lang=" in environ.get("QUERY_STRING", "")
    if not in_query and "HTTP_ACCEPT_LANGUAGE" not in environ:
        return DEFAULT  # the common case, without parsing anything
    if in_query:  # parse the query only when it may name a language
        wanted = request.args.get("lang")
        if wanted is not None:
            language = nearest(wanted)
            if language is not None:
                return language
            if strict:
                raise InvalidInput(
                    N_(
                        "Unsupported language '%(lang)s': use one of %(supported)s.",
                        lang=wanted[:20],
                        supported=", ".join(LANGUAGES),
                    ),
                    field="lang",
                    location="query",
                    allowed=list(LANGUAGES),
                )
    header = environ.get("HTTP_ACCEPT_LANGUAGE")
    return from_accept_language(header) if header else DEFAULT


def current_language() -> str:
    """The negotiated language of the current request (DEFAULT outside a request)."""
    if not has_request_context():
        return DEFAULT
    language = g.get("tanji_lang")
    if language is None:
        language = g.tanji_lang = negotiate(request)
    return language


# -- catalogues ---------------------------------------------------------------------------
def load_catalogue(locale: str) -> Translations:
    """The gettext catalogue of a locale, read from its .po file."""
    path = TRANSLATIONS / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with open(path, "rb") as f:
        catalog = read_po(f, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def catalogue(language: str) -> Translations:
    """The catalogue of a supported language tag, loaded once per process."""
    found = _catalogues.get(language)
    if found is None:
        with _lock:
            found = _catalogues.get(language)
            if found is None:
                found = _catalogues[language] = load_catalogue(LANGUAGES[language])
    return found


def locale(language: str | None = None) -> Locale:
    """The Babel Locale of a language (default: the request's), for dates and numbers."""
    return Locale.parse(LANGUAGES[language or current_language()])


def translate(value: Any, language: str) -> Any:
    """A Message translated into ``language``; a Text in that language; anything else as is."""
    if isinstance(value, Message):
        t = catalogue(language)
        if value.plural is None:
            text = t.gettext(value.msgid)
        else:
            text = t.ngettext(value.msgid, value.plural, value.n)
        if not value.params:
            return text
        return text % {k: translate(v, language) for k, v in value.params.items()}
    if isinstance(value, Text):
        return value.get(language)
    return value


def gettext(msgid: str, /, **params: Any) -> str:
    """``msgid`` translated into the request's language, ``params`` filled in."""
    return translate(Message(msgid, params), current_language())


_ = gettext


def ngettext(singular: str, plural: str, n: int, /, **params: Any) -> str:
    return translate(Message(singular, {"n": n, **params}, plural, n), current_language())


def init_app(app: Flask) -> None:
    """Templates: ``{{ _("...") }}``, ``{% trans %}`` and ``translate(message)`` in the
    request's language."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda s: catalogue(current_language()).gettext(s),
        lambda s, p, n: catalogue(current_language()).ngettext(s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["translate"] = lambda value: translate(value, current_language())
    app.jinja_env.globals["current_language"] = current_language
    for language in LANGUAGES:  # read once per process, before the first request needs them
        catalogue(language)
    # A Message or Text that reaches JSON without a schema (a domain error's message put into
    # a body by hand) is still sent as text in the request's language, never a 500.
    fallback = app.json.default  # type: ignore[attr-defined]

    def default(value: Any) -> Any:
        if isinstance(value, Message | Text):
            language = negotiate(request, strict=False) if has_request_context() else DEFAULT
            return translate(value, language)
        return fallback(value)

    app.json.default = default  # type: ignore[attr-defined]
