"""Human-readable text the domain produces, translated later, at the edge.

The core knows no language: it marks text with ``_("English source, %(name)s", name=...)``
(or ``ngettext`` for plurals), which returns a ``Message``, the message id and its
parameters. Catalogue data (product, category and body names) is not in the gettext
catalogues: it comes in both languages, as a ``Text``. Routes, schemas and templates translate it into the negotiated language with
``app.i18n.translate``; ``str(message)`` is the English text (for logs, the CLI and tests).
``pybabel extract`` finds these calls, so every message gets into the gettext catalogues in
app/translations/.

Parameters use Python's ``%(name)s`` format; a parameter may itself be a Message (or a
``footprints.Text`` of catalogue data), translated in the same language. Write ``%%`` for a
literal percent sign in a message that has parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Message:
    """A message id (its English text) with its parameters, not yet translated."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    #: For plural messages: the English plural form and the number that chooses the form.
    plural: str | None = None
    n: int | None = None

    def __str__(self) -> str:
        text = self.msgid if self.plural is None or self.n == 1 else self.plural
        if not self.params:
            return text
        return text % {k: _english(v) for k, v in self.params.items()}


@dataclass(frozen=True)
class Text:
    """Catalogue data in Chinese (the default) and English, e.g. a product's name."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh


def _(msgid: str, /, **params: Any) -> Message:
    """Mark ``msgid`` for translation; ``params`` fill its ``%(name)s`` placeholders."""
    return Message(msgid, params)


def ngettext(singular: str, plural: str, n: int, /, **params: Any) -> Message:
    """A message whose form depends on ``n`` (available to it as ``%(n)s``)."""
    return Message(singular, {"n": n, **params}, plural, n)


def _english(value: Any) -> Any:
    if isinstance(value, Message):
        return str(value)
    if isinstance(value, Text):
        return value.get("en")
    return value
