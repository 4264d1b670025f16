"""Loading an operator's emission factor table (e.g. the National GHG Emission Factor
Database export) as one catalogue release: the use case, and the row source it reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Protocol

from app.core.changes import ImportCounts
from app.core.factors import Factor, validate_factor_row
from app.core.ingest import CatalogueWrites, OnReject
from app.core.messages import _
from app.core.records import FieldError, RowInvalid


class FactorSource(Protocol):
    """Rows of an emission factor file."""

    name: str

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, raw row) in file order; a line that is not a JSON object comes as
        {"__invalid__": why}. Raises ValueError (e.g. a CSV header without id) or
        UnicodeDecodeError."""

    def content_hash(self) -> str:
        """SHA-256 of the file, once rows() has been read to the end."""


def import_factors(
    writes: CatalogueWrites,
    source: FactorSource,
    *,
    as_of: dt.date,
    actor: str,
    dry_run: bool = False,
    on_reject: OnReject,
) -> tuple[ImportCounts, int | None]:
    """Load an operator's emission factor table (e.g. an export of the National GHG Emission
    Factor Database) as one new release, all or nothing. Each row is validated
    (validate_factor_row) and rejections are reported in file order; a factor whose id is
    loaded already is replaced when it changed; factors the file does not name are kept.
    Returns the counts (inserted = new, revised = replaced) and the new release (None when
    nothing was written: dry run, rejected rows, or no change)."""
    counts = ImportCounts()
    factors: list[Factor] = []
    first_row: dict[str, int] = {}
    with writes.writer(source=f"factors:{source.name}", actor=actor, as_of=as_of) as writer:
        for index, raw in source.rows():
            counts.rows += 1
            try:
                if "__invalid__" in raw:
                    raise RowInvalid([FieldError("row", "invalid_json", raw["__invalid__"])])
                factor = validate_factor_row(raw)
                if factor.id in first_row:
                    message = _(
                        "Factor %(id)s appears more than once in this file (first in row %(row)s).",
                        id=factor.id,
                        row=first_row[factor.id],
                    )
                    raise RowInvalid([FieldError("id", "duplicate", message)])
            except RowInvalid as error:
                counts.rejected += 1
                on_reject(index, error.errors)
                continue
            first_row[factor.id] = index
            factors.append(factor)
        if counts.rejected:
            return counts, None
        stored = writer.stored_factors(f.id for f in factors)
        changed = [f for f in factors if stored.get(f.id) != f]
        counts.inserted = sum(1 for f in changed if f.id not in stored)
        counts.revised = len(changed) - counts.inserted
        counts.unchanged = len(factors) - len(changed)
        counts.by_kind = {"factor.create": counts.inserted, "factor.replace": counts.revised}
        if dry_run or not changed:
            return counts, None
        writer.write_factors(changed)
        writer.commit(
            counts,
            content_hash=source.content_hash(),
            detail={**counts.by_kind, "rows": counts.rows, "file": source.name},
        )
        return counts, writer.release_id
