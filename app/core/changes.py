"""What a valid certificate record changes in the catalogue: create, revise, change status or
nothing; who may change it; which status transitions are allowed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.core.errors import Conflict, Forbidden, InvalidInput
from app.core.records import CertificateRecord, DuplicateRow

#: Allowed status changes. Revoked is final; "expired" is derived from dates, never stored.
TRANSITIONS: dict[str, frozenset[str]] = {
    "valid": frozenset({"suspended", "revoked"}),
    "suspended": frozenset({"valid", "revoked"}),
    "revoked": frozenset(),
}
#: Status API actions -> the stored status they lead to.
ACTIONS = {"suspend": "suspended", "revoke": "revoked", "reinstate": "valid"}


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
