"""Certificates published by certification bodies: one validation path for import files and
the ingest API, status transitions, and what a row changes. Plain Python; storage executes
the plans made here."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from app.core.codes import CERTIFICATE_NUMBER, normalize_gtin
from app.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from app.core.footprints import BOUNDARIES, DECLARED_UNITS, STORED_STATUSES

#: Standards a certificate may cite (the label scheme's accepted PCF standards).
STANDARDS = ("GB/T 24067-2024", "ISO 14067:2018", "PAS 2050:2011", "ISO/TS 14067:2013")
#: Life-cycle stages a certificate may break its footprint into.
STAGES = ("raw_material_acquisition", "production", "distribution", "use", "end_of_life")
CHARACTERIZATIONS = ("AR5", "AR6")

PRODUCT_FIELDS = (
    "gtin",
    "name_zh",
    "name_en",
    "brand",
    "category",
    "sales_unit_amount",
    "sales_unit",
    "net_content_amount",
    "net_content_unit",
)
CERTIFICATE_FIELDS = (
    "number",
    "body",
    "standards",
    "pcf",
    "declared_unit",
    "declared_unit_amount",
    "pcf_per_sales_unit",
    "system_boundary",
    "stages",
    "reference_period_start",
    "reference_period_end",
    "issued_on",
    "valid_until",
    "status",
    "status_reason",
    "status_changed_on",
    "verified_by",
    "verified_on",
    "characterization",
    "factor_database",
    "factor_database_version",
)
#: Every column of the import format, in the documented order (CSV header).
FIELDS = PRODUCT_FIELDS + CERTIFICATE_FIELDS + ("sample",)
_KNOWN = frozenset(FIELDS) | {"reference_period"}
STATUS_FIELDS = ("status", "status_reason", "status_changed_on")

#: Allowed status changes. Revoked is final; "expired" is derived from dates, never stored.
TRANSITIONS: dict[str, frozenset[str]] = {
    "valid": frozenset({"suspended", "revoked"}),
    "suspended": frozenset({"valid", "revoked"}),
    "revoked": frozenset(),
}
#: Status API actions -> the stored status they lead to.
ACTIONS = {"suspend": "suspended", "revoke": "revoked", "reinstate": "valid"}

_MAX_TEXT = 500
_GTIN14 = re.compile(r"[0-9]{14}")  # ASCII only: \d also matches other scripts' digits
#: Decimals as import files write them; these need no Decimal() to be known plain and >= 0.
_PLAIN_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")


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


@dataclass(frozen=True)
class Existing:
    """What storage holds for a certificate number, in the same normalized form."""

    record: CertificateRecord
    revision: int
    release_id: int | None


@dataclass(frozen=True)
class StatusEvent:
    number: str
    from_status: str | None
    to_status: str
    effective_on: str
    reason: str | None


@dataclass(frozen=True)
class Change:
    """What one valid row does to the catalogue."""

    kind: str  # create | revise | status | revise+status | unchanged
    record: CertificateRecord
    existing: Existing | None = None
    event: StatusEvent | None = None

    @property
    def revises(self) -> bool:
        return self.kind in ("revise", "revise+status")


@dataclass
class ImportCounts:
    rows: int = 0
    rejected: int = 0
    inserted: int = 0
    revised: int = 0
    status_changes: int = 0
    unchanged: int = 0
    products_written: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, change: Change) -> None:
        self.by_kind[change.kind] = self.by_kind.get(change.kind, 0) + 1
        if change.kind == "create":
            self.inserted += 1
        elif change.kind == "unchanged":
            self.unchanged += 1
        if change.revises:
            self.revised += 1
        if change.event is not None:
            self.status_changes += 1

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.revised or self.status_changes or self.products_written)


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
        v.fail(name, "unknown_field", f"'{name}' is not a column of the import format.")

    gtin = v.gtin("gtin")
    category = v.choice("category", categories, reason="unknown_category", required=True)
    product = {
        "gtin": gtin,
        "name_zh": v.text("name_zh", required=True),
        "name_en": v.text("name_en"),
        "brand": v.text("brand"),
        "category": category,
        "sales_unit_amount": v.decimal("sales_unit_amount", positive=True) or "1",
        "sales_unit": v.choice("sales_unit", DECLARED_UNITS, reason="unknown_unit") or "item",
        "net_content_amount": v.decimal("net_content_amount", positive=True),
        "net_content_unit": v.choice("net_content_unit", DECLARED_UNITS, reason="unknown_unit"),
    }
    if (product["net_content_amount"] is None) != (product["net_content_unit"] is None):
        v.fail(
            "net_content_unit", "required", "net_content_amount and net_content_unit go together."
        )

    pcf = v.decimal("pcf", required=True)
    status = v.choice("status", STORED_STATUSES, reason="unknown_status") or "valid"
    certificate = {
        "number": v.number("number"),
        "body": v.choice("body", bodies, reason="unknown_body", required=True),
        "standards": v.standards("standards"),
        "pcf": pcf,
        "declared_unit": v.choice(
            "declared_unit", DECLARED_UNITS, reason="unknown_unit", required=True
        ),
        "declared_unit_amount": v.decimal("declared_unit_amount", positive=True) or "1",
        "pcf_per_sales_unit": v.decimal("pcf_per_sales_unit"),
        "system_boundary": v.choice(
            "system_boundary", BOUNDARIES, reason="unknown_boundary", required=True
        ),
        "stages": v.stages("stages", pcf),
        "reference_period_start": v.date("reference_period_start", required=True),
        "reference_period_end": v.date("reference_period_end", required=True),
        "issued_on": v.date("issued_on", required=True),
        "valid_until": v.date("valid_until", required=True),
        "status": status,
        "status_reason": v.text("status_reason"),
        "status_changed_on": v.date("status_changed_on"),
        "verified_by": v.text("verified_by"),
        "verified_on": v.date("verified_on"),
        "characterization": v.choice(
            "characterization", CHARACTERIZATIONS, reason="unknown_characterization"
        )
        or "AR6",
        "factor_database": v.text("factor_database"),
        "factor_database_version": v.text("factor_database_version"),
    }
    c = certificate
    v.order("reference_period_end", c["reference_period_start"], c["reference_period_end"])
    v.order("valid_until", c["issued_on"], c["valid_until"], strict=True)
    if status != "valid" and not c["status_reason"]:
        v.fail("status_reason", "required", f"A {status} certificate needs a status_reason.")
    sample = v.boolean("sample")
    if v.errors:
        raise RowInvalid(v.errors)
    return CertificateRecord(product=product, certificate=certificate, sample=sample)


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
    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.errors: list[FieldError] = []

    def fail(self, name: str, reason: str, message: str) -> None:
        self.errors.append(FieldError(name, reason, message))

    def value(self, name: str, *, required: bool = False) -> Any:
        """The field's value, stripped if text; None (absent) if missing, null or blank."""
        value = self.raw.get(name)
        if value.__class__ is str:
            value = value.strip()
        if value is None or value == "":
            if required:
                self.fail(name, "required", f"{name} is required.")
            return None
        return value

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.value(name, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(name, "invalid_text", f"{name} must be text.")
            return None
        if len(value) > _MAX_TEXT:
            self.fail(name, "too_long", f"{name} is longer than {_MAX_TEXT} characters.")
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
                f"'{value}' is not a certificate number (e.g. TJS-PCF-2025-0001).",
            )
            return None
        return number

    def choice(self, name: str, allowed: Any, *, reason: str, required: bool = False) -> str | None:
        value = self.value(name, required=required)
        if value is None:
            return None
        if not isinstance(value, str) or value not in allowed:
            shown = (
                ", ".join(sorted(allowed)) if len(allowed) <= 12 else f"{len(allowed)} known values"
            )
            self.fail(name, reason, f"'{value}' is not one of: {shown}.")
            return None
        return value

    def decimal(self, name: str, *, required: bool = False, positive: bool = False) -> str | None:
        value = self.raw.get(name)
        if (
            value.__class__ is str
            and _PLAIN_DECIMAL.fullmatch(value)
            and (not positive or value.strip("0."))
        ):
            return value  # the common case, decided without Decimal(); else the checks below
        value = self.value(name, required=required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            # Floats are refused: 0.1 is not exactly 0.1. Send decimals as strings.
            self.fail(name, "invalid_decimal", f"{name} must be a decimal written as a string.")
            return None
        text = str(value)
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or "e" in text.lower():
            self.fail(name, "invalid_decimal", f"'{text}' is not a plain decimal number.")
            return None
        if number < 0 or (positive and number == 0):
            self.fail(
                name, "out_of_range", f"{name} must be {'above' if positive else 'at least'} 0."
            )
            return None
        return text

    def date(self, name: str, *, required: bool = False) -> str | None:
        value = self.value(name, required=required)
        if value is None:
            return None
        if isinstance(value, str) and _is_date(value):
            return value  # YYYY-MM-DD and a real day: already canonical
        self.fail(name, "invalid_date", f"'{value}' is not a date (YYYY-MM-DD).")
        return None

    def order(
        self, name: str, first: str | None, last: str | None, *, strict: bool = False
    ) -> None:
        if first and last and (last < first or (strict and last == first)):
            self.fail(name, "date_order", f"{name} ({last}) must come after {first}.")

    def boolean(self, name: str) -> bool:
        value = self.value(name)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "yes", "false", "0", "no"):
            return value.lower() in ("true", "1", "yes")
        self.fail(name, "invalid_boolean", f"'{value}' is not true or false.")
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
            self.fail(name, "invalid_list", f"{name} must be a list of standards.")
            return None
        unknown = [s for s in cited if s not in STANDARDS]
        if unknown or not cited:
            self.fail(
                name,
                "unknown_standard",
                f"Unknown standard {unknown[0]!r}." if unknown else "No standard cited.",
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
                self.fail(name, "invalid_stages", "stages must look like 'production=1.2;use=0.3'.")
                return None
        if not isinstance(value, Mapping):
            self.fail(name, "invalid_stages", "stages must be an object of stage -> decimal.")
            return None
        stages: list[tuple[str, str]] = []
        for stage, amount in value.items():
            stage = str(stage).strip()
            if stage not in STAGES:
                self.fail(
                    name, "unknown_stage", f"Unknown stage '{stage}' (known: {', '.join(STAGES)})."
                )
                return None
            amount = amount.strip() if isinstance(amount, str) else amount
            try:
                if isinstance(amount, bool) or not isinstance(amount, str | int):
                    raise InvalidOperation
                number = Decimal(str(amount))
                if not number.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                self.fail(name, "invalid_decimal", f"Stage '{stage}' has no decimal value.")
                return None
            stages.append((stage, str(amount)))
        if pcf is not None and sum(Decimal(a) for _, a in stages) != Decimal(pcf):
            self.fail(
                name,
                "stages_sum",
                f"The stages add up to {sum(Decimal(a) for _, a in stages)}, not pcf {pcf}.",
            )
            return None
        return tuple(stages)


# -- what a valid row changes -------------------------------------------------------------
def check_transition(number: str, current: str, new: str) -> None:
    """Raises Conflict unless ``current`` -> ``new`` is an allowed status change."""
    if new not in TRANSITIONS.get(current, frozenset()):
        if current == "revoked":
            message = f"Certificate {number} is revoked; revocation is final."
        else:
            message = f"Certificate {number} cannot go from {current} to {new}."
        raise Conflict(message, field="status", certificate_number=number, current_status=current)


def authorize(record: CertificateRecord, existing: Existing | None, actor_body: str | None) -> None:
    """A body may only write certificates it issues. ``actor_body`` None means the operator
    (CLI import), who may write for any body. Raises Forbidden."""
    if actor_body is None:
        if existing is not None and existing.record.body != record.body:
            raise Forbidden(
                f"Certificate {record.number} was issued by {existing.record.body}, "
                f"not {record.body}.",
                field="body",
                certificate_number=record.number,
            )
        return
    owner = existing.record.body if existing is not None else record.body
    if record.body != actor_body or owner != actor_body:
        raise Forbidden(
            f"Certificate {record.number} belongs to {owner}; your key is for {actor_body}.",
            field="body",
            certificate_number=record.number,
        )


def plan(
    record: CertificateRecord,
    existing: Existing | None,
    *,
    release_id: int,
    as_of: dt.date,
    actor_body: str | None = None,
) -> Change:
    """What writing ``record`` does: create, revise, change status, or nothing.

    Raises Forbidden (another body's certificate), Conflict (a forbidden status change, or
    any change to a revoked certificate) or InvalidInput (the number appears twice in one
    import).
    """
    authorize(record, existing, actor_body)
    c = record.certificate
    if existing is None:
        event = None
        _not_future(c["status_changed_on"], as_of, "status_changed_on")
        if c["status"] != "valid":
            event = StatusEvent(
                record.number,
                None,
                c["status"],
                c["status_changed_on"] or as_of.isoformat(),
                c["status_reason"],
            )
        return Change("create", record, None, event)
    if existing.release_id == release_id:
        raise DuplicateRow(
            f"Certificate {record.number} appears more than once in this import.", field="number"
        )
    old = existing.record.certificate
    content_changed = (
        record.content() != existing.record.content() or record.sample != existing.record.sample
    )
    status_changed = c["status"] != old["status"]
    if not content_changed and not status_changed:
        # Same content and status: nothing to record (a reworded reason is not a new event).
        return Change("unchanged", record, existing)
    if old["status"] == "revoked":
        raise Conflict(
            f"Certificate {record.number} is revoked; revocation is final.",
            field="status",
            certificate_number=record.number,
            current_status="revoked",
        )
    event = None
    if status_changed:
        check_transition(record.number, old["status"], c["status"])
        _not_future(c["status_changed_on"], as_of, "status_changed_on")
        event = StatusEvent(
            record.number,
            old["status"],
            c["status"],
            c["status_changed_on"] or as_of.isoformat(),
            c["status_reason"],
        )
    if content_changed:
        return Change("revise+status" if event else "revise", record, existing, event)
    return Change("status" if event else "revise", record, existing, event)


def status_change(
    existing: Existing,
    action: str,
    *,
    reason: str | None,
    effective_on: dt.date,
    actor_body: str,
    today: dt.date | None = None,
) -> Change:
    """A suspend / revoke / reinstate request as a Change of the stored record.

    Raises InvalidInput (unknown action, missing reason, a date after ``today``), Forbidden
    (another body's certificate) or Conflict (transition not allowed; revoked is final).
    """
    _not_future(effective_on.isoformat(), today, "effective_on")
    if action not in ACTIONS:
        raise InvalidInput(
            f"Unknown action '{action}' (suspend, revoke, reinstate).", field="action"
        )
    new = ACTIONS[action]
    reason = (reason or "").strip() or None
    if new != "valid" and not reason:
        raise InvalidInput(f"A reason is required to {action} a certificate.", field="reason")
    authorize(existing.record, existing, actor_body)
    number = existing.record.number
    check_transition(number, existing.record.certificate["status"], new)
    certificate = {
        **existing.record.certificate,
        "status": new,
        "status_reason": reason,
        "status_changed_on": effective_on.isoformat(),
    }
    record = CertificateRecord(existing.record.product, certificate, existing.record.sample)
    event = StatusEvent(
        number, existing.record.certificate["status"], new, effective_on.isoformat(), reason
    )
    return Change("status", record, existing, event)


def _not_future(day: str | None, today: dt.date | None, field: str) -> None:
    """Status changes take effect when they are written, so they cannot be dated later."""
    if day and today and day > today.isoformat():
        raise InvalidInput(
            f"{field} {day} is in the future; send a status change on the day it takes effect.",
            field=field,
        )
