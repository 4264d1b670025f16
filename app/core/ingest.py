"""Publishing certificates: import a file, publish from the ingest API, change a status. Each
use case is one catalogue release or nothing, written through the CatalogueWrites protocol
that storage implements."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Protocol

from app.core.changes import (
    Change,
    Existing,
    ImportCounts,
    StoredProduct,
    plan,
    product_change,
    status_change,
)
from app.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from app.core.factors import Factor
from app.core.messages import _
from app.core.records import (
    CertificateRecord,
    DuplicateRow,
    FieldError,
    Validated,
    sales_unit_warning,
    validate_rows,
)

#: Called with (row number, its errors) for every rejected row.
OnReject = Callable[[int, list[FieldError]], None]
#: What a row source yields: validated rows, bytes read so far, and (last) the SHA-256.
Chunk = tuple[list[Validated], int, str | None]
#: Validates a chunk of (row number, raw row); picklable, so a worker process can run it.
Validate = Callable[[list[tuple[int, dict[str, Any]]]], list[Validated]]


class CatalogueWriter(Protocol):
    """One open write transaction on the catalogue: it becomes release ``release_id`` on
    ``commit``, or nothing is kept."""

    release_id: int
    #: Reference data rows are checked against, as of this transaction.
    categories: frozenset[str]
    bodies: frozenset[str]

    def existing(self, numbers: Iterable[str]) -> dict[str, Existing]:
        """Stored certificates among ``numbers`` (absent when not stored)."""

    def products(self, gtins: Iterable[str]) -> dict[str, StoredProduct]:
        """Stored products among ``gtins`` (absent when not stored)."""

    def write(self, changes: Sequence[Change]) -> None:
        """Write planned changes: products created or updated, certificates, revisions,
        status events, and an audit row per change (certificate or product) when the writer
        audits each."""

    def commit(self, counts: ImportCounts, *, content_hash: str, detail: dict[str, Any]) -> None:
        """Record the release (with ``counts``; one audit row with ``detail`` unless each
        change was audited), refresh its category benchmarks, and commit."""

    def stored_factors(self, ids: Iterable[str]) -> dict[str, Factor]:
        """Loaded emission factors among ``ids`` (absent when not loaded)."""

    def write_factors(self, factors: Sequence[Factor]) -> None:
        """Insert new factors and replace changed ones (by id)."""


class CatalogueWrites(Protocol):
    """What the ingest use cases need from storage: write transactions."""

    def writer(
        self,
        *,
        source: str,
        actor: str,
        as_of: dt.date,
        audit_each: bool = False,
        wait_ms: int | None = None,
    ) -> AbstractContextManager[CatalogueWriter]:
        """Open a write transaction; leaving the block without ``commit`` rolls it back.
        Raises Unavailable when another write holds the catalogue longer than ``wait_ms``."""


class RowSource(Protocol):
    """Rows of an import file, read in chunks and checked with the core's ``validate``."""

    name: str

    def chunks(self, validate: Validate) -> Iterator[Chunk]:
        """Chunks of rows in file order, each through ``validate``; the last chunk carries the
        file's SHA-256. Raises ValueError (e.g. a CSV header without gtin) or
        UnicodeDecodeError."""


class RowsInvalid(InvalidInput):
    """Some objects of an ingest request are invalid; ``rows`` lists every bad field."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        first = rows[0]
        super().__init__(
            f"{len({r['index'] for r in rows})} certificate(s) rejected; first: "
            f"#{first['index']} {first['field']}: {first['message']}",
            rows=rows,
        )


class _Release:
    """The rows of one release being planned and written through an open writer."""

    def __init__(self, writer: CatalogueWriter, as_of: dt.date, actor_body: str | None) -> None:
        self.writer = writer
        self.as_of = as_of
        self.actor_body = actor_body
        self.counts = ImportCounts()

    def add(
        self,
        validated: list[Validated],
        on_reject: OnReject,
        on_warn: OnReject | None = None,
    ) -> list[Change]:
        """Plan and write a chunk of validated rows; rejected rows (invalid, duplicate,
        forbidden, conflicting) are reported through ``on_reject`` and not written, rows
        that will not count in estimates through ``on_warn``, all in row order. Returns the
        changes planned."""
        records: list[tuple[int, CertificateRecord]] = []
        rejected: list[tuple[int, list[FieldError]]] = []
        for index, outcome in validated:
            self.counts.rows += 1
            if outcome.__class__ is list:
                rejected.append((index, outcome))  # type: ignore[arg-type]
            else:
                records.append((index, outcome))  # type: ignore[arg-type]
        existing = self.writer.existing(r.number for _, r in records)
        products = self.writer.products({r.gtin for _, r in records})
        changes: list[Change] = []
        warnings: list[tuple[int, list[FieldError]]] = []
        seen: set[str] = set()
        for index, record in records:
            try:
                if record.number in seen:
                    raise DuplicateRow(
                        _(
                            "Certificate %(number)s appears more than once in this import.",
                            number=record.number,
                        ),
                        field="number",
                    )
                seen.add(record.number)
                change = plan(
                    record,
                    existing.get(record.number),
                    release_id=self.writer.release_id,
                    as_of=self.as_of,
                    actor_body=self.actor_body,
                )
                product = product_change(record, products.get(record.gtin), self.actor_body)
                if product is not None:  # later rows of this chunk see the product as written
                    products[record.gtin] = StoredProduct(
                        record.product, record.sample, product.owner
                    )
                    change = replace(change, product=product)
                changes.append(change)
            except DomainError as error:
                field = error.details.get("field", "number")
                rejected.append((index, [FieldError(field, error.reason, error.message)]))
                continue
            warning = sales_unit_warning(record) if on_warn is not None else None
            if warning is not None:
                warnings.append((index, [warning]))
        self.counts.rejected += len(rejected)
        # Validation rejects rows before planning does: report both kinds in row order.
        reports = [(i, e, on_reject) for i, e in rejected]
        if on_warn is not None:
            reports += [(i, w, on_warn) for i, w in warnings]
        for index, errors, report in sorted(reports, key=lambda r: r[0]):
            report(index, errors)
        if not self.counts.rejected:
            # Once a row is rejected the import will roll back: skip the writes, keep validating.
            self.write(changes)
        return changes

    def write(self, changes: list[Change]) -> None:
        for change in changes:
            self.counts.add(change)
        self.writer.write(changes)

    def finish(
        self, *, content_hash: str, dry_run: bool = False, detail: dict[str, Any] | None = None
    ) -> int | None:
        """Commit as a new release and return its number; None (nothing kept) when it was a
        dry run, had rejected rows, or changed nothing."""
        if dry_run or self.counts.rejected or not self.counts.changed:
            return None
        self.writer.commit(
            self.counts,
            content_hash=content_hash,
            detail={
                **self.counts.by_kind,
                "products_written": self.counts.products_written,
                **(detail or {}),
            },
        )
        return self.writer.release_id


def import_certificates(
    writes: CatalogueWrites,
    source: RowSource,
    *,
    as_of: dt.date,
    actor: str,
    dry_run: bool = False,
    on_reject: OnReject,
    on_warn: OnReject | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[ImportCounts, int | None]:
    """Import an operator's file as one release. Returns the counts and the new release
    number (None when nothing was written: dry run, rejected rows, or no change). Rows are
    reported in file order: rejected ones through ``on_reject``, accepted ones that household
    estimates cannot count (no footprint per sales unit) through ``on_warn``.

    The operator may write for any body, but not move a certificate to another body."""
    with writes.writer(source=f"import:{source.name}", actor=actor, as_of=as_of) as writer:
        release = _Release(writer, as_of, actor_body=None)
        content_hash = ""
        validate = partial(validate_rows, categories=writer.categories, bodies=writer.bodies)
        for validated, position, digest in source.chunks(validate):
            if validated:
                release.add(validated, on_reject, on_warn)
            if on_progress:
                on_progress(position)
            content_hash = digest or content_hash
        number = release.finish(
            content_hash=content_hash,
            dry_run=dry_run,
            detail={"rows": release.counts.rows, "file": source.name},
        )
        return release.counts, number


def _api_writer(
    writes: CatalogueWrites, *, body_id: str, key_id: str, as_of: dt.date, wait_ms: int | None
) -> AbstractContextManager[CatalogueWriter]:
    """A writer for one ingest-API call: audited per change, attributed to the key's body."""
    return writes.writer(
        source=f"api:{body_id}",
        actor=f"key:{key_id}@{body_id}",
        as_of=as_of,
        audit_each=True,
        wait_ms=wait_ms,
    )


def _digest(value: Any) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def publish(
    writes: CatalogueWrites,
    objects: list[dict[str, Any]],
    *,
    body_id: str,
    key_id: str,
    as_of: dt.date,
    wait_ms: int | None = None,
) -> Published:
    """Write certificates sent by a certification body, all or nothing, as one release.

    A missing ``body`` defaults to the key's body. Every object is checked, and every
    problem is listed in ``rows`` of the error raised: RowsInvalid when any object is
    invalid (its rows then include any forbidden or conflicting ones), else Forbidden when
    any is another body's certificate, else Conflict (status change not allowed). Returns
    the changes, the new release (None when nothing changed) and the warnings.
    """
    rows = [(i, {"body": body_id, **o}) for i, o in enumerate(objects)]
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []

    def reporter(into: list[dict[str, Any]]) -> OnReject:
        def report(index: int, field_errors: list[FieldError]) -> None:
            number = objects[index].get("number")
            into.extend(
                {
                    "index": index,
                    "number": number,
                    "field": e.field,
                    "reason": e.reason,
                    "message": e.message,
                }
                for e in field_errors
            )

        return report

    with _api_writer(
        writes, body_id=body_id, key_id=key_id, as_of=as_of, wait_ms=wait_ms
    ) as writer:
        release = _Release(writer, as_of, actor_body=body_id)
        validated = validate_rows(rows, categories=writer.categories, bodies=writer.bodies)
        changes = release.add(validated, reporter(errors), reporter(warnings))
        if errors:
            raise _rejection(errors)
        return Published(changes, release.finish(content_hash=_digest(objects)), warnings)


@dataclass(frozen=True)
class Published:
    changes: list[Change]
    release: int | None
    #: Accepted objects that household estimates cannot count, as {index, number, field,
    #: reason, message}.
    warnings: list[dict[str, Any]]


def _rejection(rows: list[dict[str, Any]]) -> DomainError:
    """The one error answering a batch with rejected objects, listing all of them: invalid
    objects outrank another body's certificates, which outrank status conflicts."""
    reasons = {r["reason"] for r in rows}
    if reasons - {Forbidden.reason, Conflict.reason}:
        return RowsInvalid(rows)
    count = len({r["index"] for r in rows})
    first = rows[0]
    message = (
        f"{count} certificate(s) rejected; first: #{first['index']} {first['number']}: "
        f"{first['message']}"
    )
    if Forbidden.reason in reasons:
        return Forbidden(message, rows=rows)
    return Conflict(message, rows=rows)


def change_status(
    writes: CatalogueWrites,
    number: str,
    *,
    action: str,
    reason: str | None,
    effective_on: dt.date | None,
    body_id: str,
    key_id: str,
    as_of: dt.date,
    wait_ms: int | None = None,
) -> int | None:
    """Suspend, revoke or reinstate a certificate as one release; returns its number.

    Raises NotFound, InvalidInput, Forbidden or Conflict (revoked is final)."""
    with _api_writer(
        writes, body_id=body_id, key_id=key_id, as_of=as_of, wait_ms=wait_ms
    ) as writer:
        existing = writer.existing([number]).get(number)
        if existing is None:
            raise NotFound(
                _("No certificate numbered %(number)s in the catalogue.", number=number),
                certificate_number=number,
            )
        change = status_change(
            existing,
            action,
            reason=reason,
            effective_on=effective_on or as_of,
            actor_body=body_id,
            today=as_of,
        )
        release = _Release(writer, as_of, actor_body=body_id)
        release.write([change])
        request = {
            "number": number,
            "action": action,
            "reason": reason,
            "effective_on": str(effective_on),
        }
        return release.finish(content_hash=_digest(request))
