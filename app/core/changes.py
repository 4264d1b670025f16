"""What a valid certificate record changes in the catalogue: create, revise, change status or
nothing, and whether it creates or updates its product; who may change them; which status
transitions are allowed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from app.core.errors import Conflict, Forbidden, InvalidInput
from app.core.messages import _
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
class StoredProduct:
    """A product as storage holds it (fields as in CertificateRecord.product), and the body
    that owns those fields: the first to certify it (None: never assigned)."""

    fields: dict[str, Any]
    sample: bool
    owner: str | None


@dataclass(frozen=True)
class ProductChange:
    """A record's product is new, or its shared fields change."""

    kind: str  # create | update
    owner: str
    before: StoredProduct | None = None

    def changed(self, record: CertificateRecord) -> dict[str, tuple[Any, Any]]:
        """Field -> (before, after) of an update."""
        if self.before is None:
            return {}
        before = {**self.before.fields, "sample": self.before.sample}
        after = {**record.product, "sample": record.sample}
        return {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}


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
    product: ProductChange | None = None

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
        if change.product is not None:
            self.products_written += 1

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
                _(
                    "Certificate %(number)s was issued by %(body)s, not %(body2)s.",
                    number=record.number,
                    body=existing.record.body,
                    body2=record.body,
                ),
                field="body",
                certificate_number=record.number,
            )
        return
    owner = existing.record.body if existing is not None else record.body
    if record.body != actor_body or owner != actor_body:
        raise Forbidden(
            _(
                "Certificate %(number)s belongs to %(owner)s; your key is for %(actor_body)s.",
                number=record.number,
                owner=owner,
                actor_body=actor_body,
            ),
            field="body",
            certificate_number=record.number,
        )


def product_change(
    record: CertificateRecord, stored: StoredProduct | None, actor_body: str | None
) -> ProductChange | None:
    """Whether writing ``record`` creates its product, updates the product's shared fields
    (names, brand, category, units, sample), or leaves it as stored (None).

    The fields belong to the body that first certified the product (it becomes the owner
    when the product is created). Another body may certify the product, but only citing it
    as stored; the operator (``actor_body`` None: a CLI import) may change any product.
    Raises Forbidden when a body changes a product another body owns.
    """
    if stored is None:
        return ProductChange("create", owner=record.body)
    if stored.fields == record.product and stored.sample == record.sample:
        return None
    change = ProductChange("update", owner=stored.owner or record.body, before=stored)
    if actor_body is not None and stored.owner not in (None, actor_body):
        fields = sorted(change.changed(record))
        raise Forbidden(
            _(
                "Product %(gtin)s is described by %(owner)s, the first body to certify it; your key is for %(actor_body)s, which may certify it only as described (changed: %(value)s). Ask %(owner)s or the operator to change it.",
                gtin=record.gtin,
                owner=stored.owner,
                actor_body=actor_body,
                value=", ".join(fields),
            ),
            field=fields[0],
            gtin=record.gtin,
            owner=stored.owner,
            fields=fields,
        )
    return change


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
            _(
                "Certificate %(number)s appears more than once in this import.",
                number=record.number,
            ),
            field="number",
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
            _("Certificate %(number)s is revoked; revocation is final.", number=record.number),
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
            _("Unknown action '%(action)s' (suspend, revoke, reinstate).", action=action),
            field="action",
        )
    new = ACTIONS[action]
    reason = (reason or "").strip() or None
    if new != "valid" and not reason:
        raise InvalidInput(
            _("A reason is required to %(action)s a certificate.", action=action), field="reason"
        )
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
            _(
                "%(field)s %(day)s is in the future; send a status change on the day it takes effect.",
                field=field,
                day=day,
            ),
            field=field,
        )
