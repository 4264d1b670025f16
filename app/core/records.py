"""Certificate records: the import format's fields, and the one validation path from a raw row
(an import file line or an ingest-API object) to a normalized CertificateRecord."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, Inexact, InvalidOperation, localcontext
from functools import lru_cache
from typing import Any

from app.core.bounds import MAX_DECIMAL_CHARS, PLAIN_DECIMAL, exact_sum, parse_decimal
from app.core.codes import CERTIFICATE_NUMBER, normalize_gtin
from app.core.errors import DomainError, InvalidInput
from app.core.footprints import BOUNDARIES, DECLARED_UNITS, STORED_STATUSES
from app.core.messages import Message, _

#: Standards a certificate may cite (the label scheme's accepted PCF standards).
STANDARDS = ("GB/T 24067-2024", "ISO 14067:2018", "PAS 2050:2011", "ISO/TS 14067:2013")
#: Life-cycle stages a certificate may break its footprint into.
STAGES = ("raw_material_acquisition", "production", "distribution", "use", "end_of_life")
CHARACTERIZATIONS = ("AR5", "AR6")


@dataclass(frozen=True)
class Field:
    """One field of a certificate row: how it is checked, and the value it takes when absent.

    This table is the one definition of a certificate's fields: validation walks it, and
    storage derives its columns and row mapping from it (a test checks the table matches).
    ``kind`` is text, choice (of ``choices``, or of the catalogue's ``categories`` /
    ``bodies``), gtin, number, decimal (``positive``: > 0), date, standards (a list) or
    stages (stage -> decimal)."""

    name: str
    kind: str
    required: bool = False
    default: str | None = None
    choices: tuple[str, ...] | str = ()
    reason: str = ""  # why a value not among the choices is rejected
    positive: bool = False


def _unit(name: str, **options: Any) -> Field:
    return Field(name, "choice", choices=DECLARED_UNITS, reason="unknown_unit", **options)


PRODUCT = (
    Field("gtin", "gtin", required=True),
    Field("name_zh", "text", required=True),
    Field("name_en", "text"),
    Field("brand", "text"),
    Field("category", "choice", True, choices="categories", reason="unknown_category"),
    Field("sales_unit_amount", "decimal", default="1", positive=True),
    _unit("sales_unit", default="item"),
    Field("net_content_amount", "decimal", positive=True),
    _unit("net_content_unit"),
)
CERTIFICATE = (
    Field("number", "number", required=True),
    Field("body", "choice", True, choices="bodies", reason="unknown_body"),
    Field("standards", "standards", required=True),
    Field("pcf", "decimal", required=True),
    _unit("declared_unit", required=True),
    Field("declared_unit_amount", "decimal", default="1", positive=True),
    Field("pcf_per_sales_unit", "decimal"),
    Field("system_boundary", "choice", True, choices=BOUNDARIES, reason="unknown_boundary"),
    Field("stages", "stages"),
    Field("reference_period_start", "date", required=True),
    Field("reference_period_end", "date", required=True),
    Field("issued_on", "date", required=True),
    Field("valid_until", "date", required=True),
    Field("status", "choice", default="valid", choices=STORED_STATUSES, reason="unknown_status"),
    Field("status_reason", "text"),
    Field("status_changed_on", "date"),
    Field("verified_by", "text"),
    Field("verified_on", "date"),
    Field(
        "characterization",
        "choice",
        default="AR6",
        choices=CHARACTERIZATIONS,
        reason="unknown_characterization",
    ),
    Field("factor_database", "text"),
    Field("factor_database_version", "text"),
)
PRODUCT_FIELDS = tuple(f.name for f in PRODUCT)
CERTIFICATE_FIELDS = tuple(f.name for f in CERTIFICATE)
#: Every column of the import format, in the documented order (CSV header).
FIELDS = PRODUCT_FIELDS + CERTIFICATE_FIELDS + ("sample",)
_KNOWN = frozenset(FIELDS) | {"reference_period"}
STATUS_FIELDS = ("status", "status_reason", "status_changed_on")


_MAX_TEXT = 500
_MAX_LISTED = 100  # allowed values named in a rejection message
_GTIN14 = re.compile(r"[0-9]{14}")  # ASCII only: \d also matches other scripts' digits


@dataclass(frozen=True)
class FieldError:
    """Why one field of one row was rejected."""

    field: str
    reason: str
    message: str


class RowInvalid(InvalidInput):
    """One or more fields of a certificate row are invalid."""

    def __init__(self, errors: list[FieldError]) -> None:
        first = errors[0]
        super().__init__(f"{first.field}: {first.message}", field=first.field)
        self.errors = errors


class DuplicateRow(InvalidInput):
    """The same certificate number appears twice in one import."""

    reason = "duplicate"


@dataclass(frozen=True)
class CertificateRecord:
    """A validated row: normalized product and certificate fields (decimals as exact strings,
    dates as ISO strings, standards as a tuple, stages as a tuple of (stage, decimal) pairs)."""

    product: dict[str, Any]
    certificate: dict[str, Any]
    sample: bool

    @property
    def number(self) -> str:
        return self.certificate["number"]

    @property
    def gtin(self) -> str:
        return self.product["gtin"]

    @property
    def body(self) -> str:
        return self.certificate["body"]

    def content(self) -> dict[str, Any]:
        """Certificate fields that make a revision when they change (all but status)."""
        return {k: v for k, v in self.certificate.items() if k not in STATUS_FIELDS}


#: A validated row: (row number, its record, or the errors that rejected it).
Validated = tuple[int, CertificateRecord | list[FieldError]]


# -- validation --------------------------------------------------------------------------
def validate_row(
    raw: Mapping[str, Any],
    *,
    categories: set[str] | frozenset[str],
    bodies: set[str] | frozenset[str],
) -> CertificateRecord:
    """Validate one import row or API object (flat fields, see FIELDS).

    CSV gives every value as text (standards ';'-separated, stages 'stage=value;...'); JSON
    may give standards as a list and stages as an object. Raises RowInvalid listing every bad
    field, each with a machine-readable reason.
    """
    period = raw.get("reference_period")
    if isinstance(period, Mapping):  # JSON may nest the period as {start, end}
        raw = {
            "reference_period_start": period.get("start"),
            "reference_period_end": period.get("end"),
            **{k: v for k, v in raw.items() if k != "reference_period"},
        }
    v = _Validator(raw)
    unknown = [] if _KNOWN.issuperset(raw) else sorted(k for k in raw if k not in _KNOWN)
    for name in unknown:
        v.fail(
            name, "unknown_field", _("'%(name)s' is not a column of the import format.", name=name)
        )

    lists = {"categories": categories, "bodies": bodies}
    product = {f.name: v.check(f, lists) for f in PRODUCT}
    if (product["net_content_amount"] is None) != (product["net_content_unit"] is None):
        v.fail(
            "net_content_unit",
            "required",
            _("net_content_amount and net_content_unit go together."),
        )
    certificate: dict[str, Any] = {}
    for f in CERTIFICATE:
        certificate[f.name] = v.check(f, lists, certificate)
    c = certificate
    if c["pcf_per_sales_unit"] is None:
        c["pcf_per_sales_unit"] = derived_pcf_per_sales_unit(product, c)
    v.order("reference_period_end", c["reference_period_start"], c["reference_period_end"])
    v.order("valid_until", c["issued_on"], c["valid_until"], strict=True)
    status = c["status"]
    if status != "valid" and not c["status_reason"]:
        v.fail(
            "status_reason",
            "required",
            _("A %(status)s certificate needs a status_reason.", status=status),
        )
    sample = v.boolean("sample")
    if v.errors:
        raise RowInvalid(v.errors)
    return CertificateRecord(product=product, certificate=certificate, sample=sample)


def derived_pcf_per_sales_unit(
    product: Mapping[str, Any], certificate: Mapping[str, Any]
) -> str | None:
    """pcf x sales_unit_amount / declared_unit_amount when the sales unit is the declared unit
    (a 500 g pack of a product declared per kilogram: pcf x 0.5); None when the units differ,
    or a value is missing, or the quotient is not an exact decimal."""
    pcf = certificate.get("pcf")
    sales_amount, declared_amount = (
        product.get("sales_unit_amount"),
        certificate.get("declared_unit_amount"),
    )
    if (
        pcf is None
        or sales_amount is None
        or declared_amount is None
        or product.get("sales_unit") != certificate.get("declared_unit")
    ):
        return None
    with localcontext() as context:
        context.traps[Inexact] = True
        try:
            value = Decimal(pcf) * Decimal(sales_amount) / Decimal(declared_amount)
        except (Inexact, InvalidOperation, ZeroDivisionError):
            return None
    return format(value, "f")


def sales_unit_warning(record: CertificateRecord) -> FieldError | None:
    """A record that estimates cannot count: no footprint per sales unit, given or derived."""
    c = record.certificate
    if c["pcf_per_sales_unit"] is not None:
        return None
    return FieldError(
        "pcf_per_sales_unit",
        "no_sales_unit_figure",
        _(
            "pcf_per_sales_unit is not given and cannot be derived: the sales unit (%(sales_amount)s %(sales_unit)s) is not the declared unit (%(declared_amount)s %(declared_unit)s). Household estimates will not count purchases of this product.",
            sales_amount=record.product["sales_unit_amount"],
            sales_unit=record.product["sales_unit"],
            declared_amount=c["declared_unit_amount"],
            declared_unit=c["declared_unit"],
        ),
    )


def validate_rows(
    rows: Iterable[tuple[int, dict[str, Any]]],
    *,
    categories: frozenset[str],
    bodies: frozenset[str],
) -> list[Validated]:
    """validate_row over a chunk; a row that was not a JSON object is rejected as such."""
    validated: list[Validated] = []
    for index, raw in rows:
        if "__invalid__" in raw:
            validated.append((index, [FieldError("row", "invalid_json", raw["__invalid__"])]))
            continue
        try:
            validated.append((index, validate_row(raw, categories=categories, bodies=bodies)))
        except RowInvalid as error:
            validated.append((index, error.errors))
    return validated


def fast_gtin(text: str) -> str:
    """GTIN-14 of ``text``, as app.core.codes.normalize_gtin returns it.

    Bulk imports carry canonical GTIN-14s; checking those with the mod-10 rule directly is
    ~60x cheaper than a full biip parse. Anything else (other lengths, a wrong check digit)
    goes through normalize_gtin, which gives the error its message. A test checks the two agree.
    """
    if _GTIN14.fullmatch(text):
        # Sums of ASCII codes: 7 digits weigh 3, 6 weigh 1, each code is its digit + 48.
        codes = text.encode("ascii")
        total = (sum(codes[0:13:2]) - 7 * 48) * 3 + sum(codes[1:13:2]) - 6 * 48
        if (10 - total % 10) % 10 == codes[13] - 48:
            return text
    return normalize_gtin(text)


@lru_cache(maxsize=256)
def _split_standards(text: str) -> tuple[str, ...]:
    """'A;B' -> ('A', 'B'); files repeat the same few lists, so parse each once."""
    return tuple(dict.fromkeys(s.strip() for s in text.split(";") if s.strip()))


@lru_cache(maxsize=4096)
def _is_date(value: str) -> bool:
    """Whether ``value`` is a real day written YYYY-MM-DD; files repeat the same dates."""
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


class _Validator:
    """Checks the fields of one raw row, collecting every rejection as a FieldError."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.errors: list[FieldError] = []

    def fail(self, name: str, reason: str, message: str) -> None:
        self.errors.append(FieldError(name, reason, message))

    def check(
        self, f: Field, lists: Mapping[str, Any], earlier: Mapping[str, Any] | None = None
    ) -> Any:
        """The normalized value of field ``f`` (its default when absent), or None after
        recording why it was rejected. ``earlier``: the row's fields checked before it."""
        kind = f.kind
        if kind == "text":
            return self.text(f.name, required=f.required)
        if kind == "choice":
            allowed = lists[f.choices] if isinstance(f.choices, str) else f.choices
            value = self.choice(f.name, allowed, reason=f.reason, required=f.required)
        elif kind == "decimal":
            value = self.decimal(f.name, required=f.required, positive=f.positive)
        elif kind == "date":
            return self.date(f.name, required=f.required)
        elif kind == "gtin":
            return self.gtin(f.name)
        elif kind == "number":
            return self.number(f.name)
        elif kind == "standards":
            return self.standards(f.name)
        elif kind == "stages":
            return self.stages(f.name, (earlier or {}).get("pcf"))
        else:
            raise ValueError(f"unknown field kind {kind!r}")
        return f.default if value is None else value

    def value(self, name: str, *, required: bool = False) -> Any:
        """The field's value, stripped if text; None (absent) if missing, null or blank."""
        value = self.raw.get(name)
        if value.__class__ is str:
            value = value.strip()
        if value is None or value == "":
            if required:
                self.fail(name, "required", _("%(name)s is required.", name=name))
            return None
        return value

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.value(name, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(name, "invalid_text", _("%(name)s must be text.", name=name))
            return None
        if len(value) > _MAX_TEXT:
            self.fail(
                name,
                "too_long",
                _(
                    "%(name)s is longer than %(max_text)s characters.",
                    name=name,
                    max_text=_MAX_TEXT,
                ),
            )
            return None
        return value

    def gtin(self, name: str) -> str | None:
        value = self.value(name, required=True)
        if value is None:
            return None
        try:
            return fast_gtin(str(value))
        except DomainError as error:
            self.fail(name, "invalid_gtin", error.message)
            return None

    def number(self, name: str) -> str | None:
        value = self.text(name, required=True)
        if value is None:
            return None
        number = value.upper()
        if not CERTIFICATE_NUMBER.match(number):
            self.fail(
                name,
                "invalid_number",
                _("'%(value)s' is not a certificate number (e.g. TJS-PCF-2025-0001).", value=value),
            )
            return None
        return number

    def choice(self, name: str, allowed: Any, *, reason: str, required: bool = False) -> str | None:
        value = self.value(name, required=required)
        if value is None:
            return None
        if not isinstance(value, str) or value not in allowed:
            known = sorted(allowed)
            shown = ", ".join(known[:_MAX_LISTED])
            if len(known) > _MAX_LISTED:
                shown += f", ... ({len(known)} in all)"
            self.fail(
                name, reason, _("'%(value)s' is not one of: %(shown)s.", value=value, shown=shown)
            )
            return None
        return value

    def decimal(self, name: str, *, required: bool = False, positive: bool = False) -> str | None:
        value = self.raw.get(name)
        if (
            value.__class__ is str
            and PLAIN_DECIMAL.fullmatch(value)  # bounded: no Decimal() needed
            and (not positive or value.strip("0."))
        ):
            return value  # the common case, decided without Decimal(); else the checks below
        value = self.value(name, required=required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            # Floats are refused: 0.1 is not exactly 0.1. Send decimals as strings.
            self.fail(
                name,
                "invalid_decimal",
                _("%(name)s must be a decimal written as a string.", name=name),
            )
            return None
        text = str(value)
        try:
            # Bounded before Decimal() reads it: a 200,000-digit value is refused unread.
            number = Decimal(text) if len(text) <= MAX_DECIMAL_CHARS + 1 else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or "e" in text.lower():
            self.fail(
                name,
                "invalid_decimal",
                _("'%(text)s' is not a plain decimal number.", text=text[:40]),
            )
            return None
        try:
            parse_decimal(number.copy_abs())
        except InvalidInput as error:
            self.fail(name, "invalid_decimal", error.message)
            return None
        if number < 0 or (positive and number == 0):
            self.fail(
                name,
                "out_of_range",
                _("%(name)s must be above 0.", name=name)
                if positive
                else _("%(name)s must be at least 0.", name=name),
            )
            return None
        return text

    def date(self, name: str, *, required: bool = False) -> str | None:
        value = self.value(name, required=required)
        if value is None:
            return None
        if isinstance(value, str) and _is_date(value):
            return value  # YYYY-MM-DD and a real day: already canonical
        self.fail(name, "invalid_date", _("'%(value)s' is not a date (YYYY-MM-DD).", value=value))
        return None

    def order(
        self, name: str, first: str | None, last: str | None, *, strict: bool = False
    ) -> None:
        if first and last and (last < first or (strict and last == first)):
            self.fail(
                name,
                "date_order",
                _(
                    "%(name)s (%(last)s) must come after %(first)s.",
                    name=name,
                    last=last,
                    first=first,
                ),
            )

    def pattern(
        self,
        name: str,
        regex: re.Pattern[str],
        reason: str,
        shape: str | Message,
        *,
        required: bool = True,
    ) -> str | None:
        """A text field that must match ``regex`` (``shape`` says what is expected)."""
        value = self.text(name, required=required)
        if value is None:
            return None
        if not regex.match(value):
            self.fail(name, reason, _("'%(value)s' is not %(shape)s.", value=value, shape=shape))
            return None
        return value

    def year(self, name: str, first: int, last: int) -> int | None:
        value = self.value(name, required=True)
        if value is None:
            return None
        text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
        if not (text.isascii() and text.isdigit() and first <= int(text) <= last):
            self.fail(
                name,
                "invalid_year",
                _(
                    "'%(value)s' is not a year from %(first)s to %(last)s.",
                    value=value,
                    first=first,
                    last=last,
                ),
            )
            return None
        return int(text)

    def boolean(self, name: str) -> bool:
        value = self.value(name)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "yes", "false", "0", "no"):
            return value.lower() in ("true", "1", "yes")
        self.fail(name, "invalid_boolean", _("'%(value)s' is not true or false.", value=value))
        return False

    def standards(self, name: str) -> tuple[str, ...] | None:
        value = self.value(name, required=True)
        if value is None:
            return None
        if isinstance(value, str):
            cited = _split_standards(value)
        elif isinstance(value, list | tuple) and all(isinstance(s, str) for s in value):
            cited = tuple(dict.fromkeys(s.strip() for s in value if s.strip()))
        else:
            self.fail(name, "invalid_list", _("%(name)s must be a list of standards.", name=name))
            return None
        unknown = [s for s in cited if s not in STANDARDS]
        if unknown or not cited:
            self.fail(
                name,
                "unknown_standard",
                _("Unknown standard %(standard)s.", standard=repr(unknown[0]))
                if unknown
                else _("No standard cited."),
            )
            return None
        return cited

    def stages(self, name: str, pcf: str | None) -> tuple[tuple[str, str], ...] | None:
        value = self.value(name)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = dict(part.split("=", 1) for part in value.split(";") if part.strip())
            except ValueError:
                self.fail(
                    name, "invalid_stages", _("stages must look like 'production=1.2;use=0.3'.")
                )
                return None
        if not isinstance(value, Mapping):
            self.fail(name, "invalid_stages", _("stages must be an object of stage -> decimal."))
            return None
        stages: list[tuple[str, str]] = []
        for stage, amount in value.items():
            stage = str(stage).strip()
            if stage not in STAGES:
                self.fail(
                    name,
                    "unknown_stage",
                    _(
                        "Unknown stage '%(stage)s' (known: %(value)s).",
                        stage=stage,
                        value=", ".join(STAGES),
                    ),
                )
                return None
            amount = amount.strip() if isinstance(amount, str) else amount
            try:
                if isinstance(amount, bool) or not isinstance(amount, str | int):
                    raise InvalidOperation
                if len(str(amount)) > MAX_DECIMAL_CHARS + 1:
                    raise InvalidOperation
                number = Decimal(str(amount))
                if not number.is_finite():
                    raise InvalidOperation
                parse_decimal(number.copy_abs())
            except (InvalidOperation, InvalidInput):
                self.fail(
                    name,
                    "invalid_decimal",
                    _("Stage '%(stage)s' has no decimal value.", stage=stage),
                )
                return None
            stages.append((stage, str(amount)))
        # Exactly, as documented: the default context would round each sum to 28 digits.
        total = exact_sum(Decimal(a) for _, a in stages)
        if pcf is not None and total != Decimal(pcf):
            self.fail(
                name,
                "stages_sum",
                _("The stages add up to %(total)s, not pcf %(pcf)s.", total=total, pcf=pcf),
            )
            return None
        return tuple(stages)


#: The field checks of import rows, for other row formats (emission factors).
RowValidator = _Validator
