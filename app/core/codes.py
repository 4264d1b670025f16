"""Scanned text -> canonical identifiers: GTIN-14 (+ batch, serial, expiry) or a certificate number.

biip does the GS1 work (check digits, UPC-E expansion, element strings, Digital Link);
this module decides what a scanned text *is* and reports errors a person can act on.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlsplit

import biip
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.upc import Upc

from app.core.errors import InvalidCode, NotACode
from app.core.messages import _

#: Certificate numbers: an issuer prefix, then hyphen-separated groups, e.g. TJS-PCF-2025-0001.
CERTIFICATE_NUMBER = re.compile(r"^[A-Z][A-Z0-9]{1,11}(?:-[A-Z0-9]{1,16}){1,6}$")
#: Path of a Tanji label QR under the public base URL: /c/<certificate number>.
LABEL_PATH = re.compile(r"^/c/([^/]+)/?$")
_CHECK_DIGIT = re.compile(r"Expected (\d), got (\d)")
_MAX_TEXT = 4096


def ascii_text(text: str) -> str:
    """``text`` with fullwidth forms (NFKC) and every script's decimal digits in ASCII.

    GS1 keys are ASCII digits, but a person may type a GTIN with a Chinese IME in fullwidth
    mode (０９５...) or in Arabic-Indic digits (٠٩٥...): those name the same product, so they
    are normalised here, once, before parsing; a stored key or a lookup key is always ASCII.
    """
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch
        for ch in unicodedata.normalize("NFKC", text)
    )


@dataclass(frozen=True)
class ScannedCode:
    """What a scanned text identifies, in canonical form."""

    kind: str  # "product" (a GTIN) or "certificate"
    format: str  # gtin-8 | gtin-12 | gtin-13 | gtin-14 | upc-e | gs1-element-string | gs1-composite | gs1-digital-link | tanji-label | certificate-number
    gtin: str | None = None  # always GTIN-14
    certificate_number: str | None = None
    batch: str | None = None
    serial: str | None = None
    expiry: dt.date | None = None
    symbology: str | None = None  # AIM symbology identifier when the text carried one, e.g. "]C1"


#: Symbologies whose text is a GTIN, by the names app.core.decode reports, with the digit
#: counts each may carry (decoders expand UPC-E to 12 or 13 digits; zbar writes UPC-A as 13).
GTIN_SYMBOLOGIES: dict[str, tuple[int, ...]] = {
    "EAN-13": (13,),
    "EAN-8": (8,),
    "UPC-A": (12, 13),
    "UPC-E": (6, 7, 8, 12, 13),
}
_ANY_GTIN_LENGTH = (6, 7, 8, 12, 13, 14)
# AIM symbology identifiers that name one symbology (]E0 covers EAN-13, UPC-A and UPC-E).
_AIM_SYMBOLOGY = {"]E4": "EAN-8"}
#: Symbology identifiers of GS1 element strings (GS1-128, Data Matrix, QR, composite CC).
_ELEMENT_STRING_AIM = ("]C1", "]d2", "]Q3", "]e0")
#: An EAN/UPC composite as decoders transmit it: the linear symbol (]E0 EAN-13/UPC-A/UPC-E,
#: ]E4 EAN-8), then its 2D Composite Component (]e0, GS1 element strings), "|"-separated.
_COMPOSITE = re.compile(r"^\](E[04])([0-9]+)\|?\]e0(.*)$", re.S)
#: Two-digit AI prefixes whose element strings have a predefined length (GS1 General
#: Specifications, figure 7.8.5-2): a string starting with one needs no FNC1 after it.
_PREDEFINED_LENGTH = frozenset(
    ("00", "01", "02", "03", "04", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20")
    + ("31", "32", "33", "34", "35", "36", "41")
)
#: Key qualifiers (GS1 Digital Link 1.3+: CPV, batch, serial, TPX of a GTIN or ITIP; GLN
#: extension and party role of a GLN; CPID serial; GSRN service reference): they qualify the
#: primary key in the URI path and may never be query-string attributes.
_KEY_QUALIFIERS = frozenset(("22", "10", "21", "235", "254", "7040", "8011", "8019"))
_AI = re.compile(r"^[0-9]{2,4}$")


@lru_cache(maxsize=65536)
def normalize_gtin(text: str, symbology: str | None = None) -> str:
    """Return the GTIN-14 of EAN/UPC digits: the one GTIN normaliser (resolve, decode, ingest).

    ``symbology`` is the symbol that carried the digits when a decoder says so ("EAN-8",
    "EAN-13", "UPC-A", "UPC-E", as in GTIN_SYMBOLOGIES): an EAN-8 is then never read as a
    UPC-E, nor the reverse. Without it (typed or scanned text) 6-7 digits are a UPC-E and 8
    digits an EAN-8, unless only their UPC-E check digit holds.

    Raises NotACode if the text is not digits of a length the symbology carries, InvalidCode
    on a bad check digit. Cached: it sits on the lookup hot path and biip's parse costs more
    than the whole lookup.
    """
    return _gtin_of_digits(ascii_text(text).strip(), symbology)[0]


def _gtin_of_digits(digits: str, symbology: str | None) -> tuple[str, str]:
    """(GTIN-14, format) for the normalize_gtin rule; the format names what the digits were."""
    if symbology is not None and symbology not in GTIN_SYMBOLOGIES:
        raise NotACode(
            _("%(symbology)s symbols do not carry a GTIN.", symbology=symbology),
            input=_short(digits),
        )
    lengths = GTIN_SYMBOLOGIES[symbology] if symbology else _ANY_GTIN_LENGTH
    if not digits.isdigit() or len(digits) not in lengths:
        expected = (
            _("%(symbology)s digits", symbology=symbology)
            if symbology
            else _("8, 12, 13 or 14 digits")
        )
        raise NotACode(
            _(
                "'%(digits)s' is not a GTIN: expected %(expected)s.",
                digits=_short(digits),
                expected=expected,
            ),
            input=_short(digits),
        )
    try:
        if symbology == "UPC-E" and len(digits) <= 8:
            return Upc.parse(digits).as_gtin_14(), "upc-e"
        if symbology is not None:
            fmt = "upc-e" if symbology == "UPC-E" else f"gtin-{len(digits)}"
            return Gtin.parse(digits).as_gtin_14(), fmt
    except biip.ParseError as error:
        raise _invalid(digits, str(error)) from None
    result = biip.parse(digits)
    if result.gtin is None:
        raise _invalid(digits, result.gtin_error or result.upc_error or "not a GTIN")
    if len(digits) in (6, 7) or (
        len(digits) == 8 and result.upc is not None and digits[0] in "01" and _is_upce(digits)
    ):
        return result.gtin.as_gtin_14(), "upc-e"
    return result.gtin.as_gtin_14(), f"gtin-{len(digits)}"


# Parsing is pure and costs ~0.3 ms in biip; shopping lists and label scans repeat the same
# texts, so successful parses are memoised (errors are not: exceptions are never cached).
@functools.lru_cache(maxsize=4096)
def parse_scanned(text: str, *, public_base_url: str) -> ScannedCode:
    """Identify any scanned text: GTIN digits, GS1 element strings (with or without AIM
    symbology identifier, FNC1/GS separated or bracketed), GS1 Digital Link URIs on any
    domain, a Tanji label URL under ``public_base_url``, or a bare certificate number.

    Raises NotACode when the text is none of these and InvalidCode when it is one of them
    but invalid (the message says why, e.g. the expected check digit).
    """
    if text is None or not text.strip():
        raise NotACode(_("The scanned text is empty."), input="")
    if len(text) > _MAX_TEXT:
        raise NotACode(
            _("The scanned text is longer than %(max_text)s characters.", max_text=_MAX_TEXT),
            input=_short(text),
        )
    raw = ascii_text(text).strip().replace("\u001d", "\x1d")

    composite = _COMPOSITE.match(raw)
    if composite:
        return _parse_composite(raw, *composite.groups())
    symbology = None
    if raw.startswith("]") and len(raw) >= 3:
        symbology, raw = raw[:3], raw[3:]
    if symbology == "]E4" and not (len(raw) == 8 and raw.isdigit()):
        raise InvalidCode(
            _(
                "An EAN-8 symbol (]E4) carries exactly 8 digits, not '%(digits)s'.",
                digits=_short(raw),
            ),
            input=_short(text),
        )

    lowered = raw.lower()
    if lowered.startswith(("http://", "https://")):
        return _parse_url(raw, symbology=symbology, public_base_url=public_base_url)
    if raw.startswith("("):
        return _parse_bracketed(raw, symbology=symbology)
    if raw.isdigit() and len(raw) in (6, 7, 8, 12, 13, 14) and symbology not in _ELEMENT_STRING_AIM:
        return _parse_gtin_digits(raw, symbology=symbology)
    if raw[:1].isdigit() and (
        symbology in _ELEMENT_STRING_AIM
        or "\x1d" in raw
        or raw.isdigit()
        or raw[:2] in _PREDEFINED_LENGTH
    ):
        return _parse_element_string(raw, symbology=symbology)
    if CERTIFICATE_NUMBER.match(raw.upper()):
        return ScannedCode(
            kind="certificate",
            format="certificate-number",
            certificate_number=raw.upper(),
            symbology=symbology,
        )
    raise NotACode(
        _(
            "'%(text)s' is not a product code, GS1 Digital Link or Tanji certificate number.",
            text=_short(text),
        ),
        input=_short(text),
    )


def _parse_gtin_digits(digits: str, *, symbology: str | None) -> ScannedCode:
    gtin, fmt = _gtin_of_digits(digits, _AIM_SYMBOLOGY.get(symbology or ""))
    return ScannedCode(kind="product", format=fmt, gtin=gtin, symbology=symbology)


def _is_upce(digits: str) -> bool:
    """An 8-digit string is read as EAN-8 unless its own check digit fails as EAN-8."""
    try:
        Gtin.parse(digits)
        return False
    except biip.ParseError:
        return True


def _parse_element_string(raw: str, *, symbology: str | None) -> ScannedCode:
    try:
        message = GS1Message.parse(raw)
    except biip.ParseError as error:
        if symbology is None and "\x1d" not in raw and raw.isdigit():
            # Plain digits that are neither a GTIN nor element strings: not a code at all.
            raise NotACode(
                _("'%(raw)s' is not a GTIN or GS1 element string.", raw=_short(raw)),
                input=_short(raw),
            ) from None
        raise _invalid(raw, str(error)) from None
    return _from_message(message, fmt="gs1-element-string", raw=raw, symbology=symbology)


def _parse_bracketed(raw: str, *, symbology: str | None) -> ScannedCode:
    try:
        message = GS1Message.parse_hri(raw)
    except biip.ParseError as error:
        if not re.match(r"^\(\d{2,4}\)", raw):
            raise NotACode(
                _("'%(raw)s' is not a GS1 element string.", raw=_short(raw)), input=_short(raw)
            ) from None
        raise _invalid(raw, str(error)) from None
    return _from_message(message, fmt="gs1-element-string", raw=raw, symbology=symbology)


def _parse_url(raw: str, *, symbology: str | None, public_base_url: str) -> ScannedCode:
    parts = urlsplit(raw)
    # Scheme and host are case-insensitive; GS1 parsers expect them in lower case.
    raw = parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()
    base = urlsplit(public_base_url.rstrip("/") + "/")
    path = parts.path
    if parts.netloc.lower() == base.netloc.lower() and path.startswith(base.path):
        label = LABEL_PATH.match("/" + path[len(base.path) :].lstrip("/"))
        if label:
            number = unquote(label.group(1)).upper()
            if not CERTIFICATE_NUMBER.match(number):
                raise InvalidCode(
                    _(
                        "The Tanji label URL carries '%(number)s', which is not a certificate number.",
                        number=_short(number),
                    ),
                    input=_short(raw),
                )
            return ScannedCode(
                kind="certificate",
                format="tanji-label",
                certificate_number=number,
                symbology=symbology,
            )
    result = biip.parse(raw)
    link = result.gs1_digital_link_uri
    if link is None:
        error = result.gs1_digital_link_uri_error or ""
        if "/01/" in path or "/00/" in path or "/414/" in path:
            raise _invalid(raw, error)
        raise NotACode(
            _(
                "'%(raw)s' is a URL, but neither a GS1 Digital Link nor a Tanji label.",
                raw=_short(raw),
            ),
            input=_short(raw),
        )
    _check_link_query(raw, parts.path, parts.query)
    try:
        message = link.as_gs1_message()
    except biip.ParseError as error:
        raise _invalid(raw, str(error)) from None
    return _from_message(message, fmt="gs1-digital-link", raw=raw, symbology=symbology)


def _check_link_query(raw: str, path: str, query: str) -> None:
    """Raises InvalidCode for query-string attributes the GS1 Digital Link standard forbids:
    an AI with an empty value, an AI the path already carries or that the query repeats, and
    a key qualifier (which belongs in the path). Non-GS1 parameters (linkType...) pass."""
    in_path = _path_ais(path)
    seen: set[str] = set()
    for key, value in parse_qsl(query, keep_blank_values=True):
        if not _AI.match(key):
            continue
        if value == "":
            problem = _("AI (%(ai)s) has an empty value.", ai=key)
        elif key in in_path:
            problem = _("AI (%(ai)s) is already in the URI path.", ai=key)
        elif key in _KEY_QUALIFIERS:
            problem = _(
                "AI (%(ai)s) is a key qualifier: it belongs in the path (/%(ai)s/...), not the "
                "query string.",
                ai=key,
            )
        elif key in seen:
            problem = _("AI (%(ai)s) appears more than once in the query string.", ai=key)
        else:
            seen.add(key)
            continue
        raise InvalidCode(
            _(
                "'%(input)s' is not a valid GS1 Digital Link: %(problem)s",
                input=_short(raw),
                problem=problem,
            ),
            input=_short(raw),
            ai=key,
        )


def _path_ais(path: str) -> set[str]:
    """The AIs of a Digital Link path: the /AI/value pairs at its end (after any prefix)."""
    segments = [s for s in path.split("/") if s]
    ais = set()
    while len(segments) >= 2 and _AI.match(segments[-2]):
        ais.add(segments[-2])
        segments = segments[:-2]
    return ais


def _parse_composite(raw: str, linear: str, digits: str, component: str) -> ScannedCode:
    """An EAN/UPC composite: the product is the linear symbol's GTIN; its Composite
    Component adds batch, serial or expiry. A component naming another GTIN is invalid."""
    code = parse_scanned(f"]{linear}{digits}", public_base_url="")
    try:
        message = GS1Message.parse(component)
    except biip.ParseError as error:
        raise _invalid(
            raw, f"its Composite Component is not GS1 element strings: {error}"
        ) from None
    strings = message.element_strings
    other = strings.get(ai="01")
    if other is not None and (other.gtin is None or other.gtin.as_gtin_14() != code.gtin):
        raise InvalidCode(
            _(
                "'%(input)s' is not a valid composite: its Composite Component names GTIN "
                "%(other)s, not the symbol's %(gtin)s.",
                input=_short(raw),
                other=other.value,
                gtin=code.gtin,
            ),
            input=_short(raw),
        )
    batch, serial, expiry = strings.get(ai="10"), strings.get(ai="21"), strings.get(ai="17")
    return ScannedCode(
        kind="product",
        format="gs1-composite",
        gtin=code.gtin,
        batch=batch.value if batch else None,
        serial=serial.value if serial else None,
        expiry=expiry.date if expiry else None,
        symbology=f"]{linear}",
    )


def _from_message(message: GS1Message, *, fmt: str, raw: str, symbology: str | None) -> ScannedCode:
    strings = message.element_strings
    gtin_es = strings.get(ai="01") or strings.get(ai="02")
    if gtin_es is None:
        raise NotACode(
            _(
                "'%(raw)s' is a GS1 code without a GTIN (AI 01), so it names no product.",
                raw=_short(raw),
            ),
            input=_short(raw),
        )
    if gtin_es.gtin is None:
        raise _invalid(raw, gtin_es.gtin_error or "invalid GTIN")
    batch = strings.get(ai="10")
    serial = strings.get(ai="21")
    expiry = strings.get(ai="17")
    return ScannedCode(
        kind="product",
        format=fmt,
        gtin=gtin_es.gtin.as_gtin_14(),
        batch=batch.value if batch else None,
        serial=serial.value if serial else None,
        expiry=expiry.date if expiry else None,
        symbology=symbology,
    )


def _invalid(raw: str, error: str) -> InvalidCode:
    match = _CHECK_DIGIT.search(error)
    if match:
        return InvalidCode(
            _(
                "Wrong check digit in '%(raw)s': expected %(expected)s, got %(got)s.",
                raw=_short(raw),
                expected=match.group(1),
                got=match.group(2),
            ),
            input=_short(raw),
            expected_check_digit=match.group(1),
            check_digit=match.group(2),
        )
    return InvalidCode(
        _("'%(raw)s' is not a valid GS1 code: %(error)s", raw=_short(raw), error=error),
        input=_short(raw),
    )


def _short(text: str, limit: int = 80) -> str:
    text = text.replace("\x1d", "<GS>")
    return text if len(text) <= limit else text[: limit - 1] + "…"
