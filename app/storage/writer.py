"""Writes the catalogue: one transaction per import or API call that becomes a new release,
with batched existence checks, executemany per kind of statement, revisions, status events
and audit. Implements the core's CatalogueWrites and CatalogueWriter protocols on either
engine's database (the statements are shared; app.storage.dialect holds what differs)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from app.core.changes import Change, Existing, ImportCounts, StoredProduct
from app.core.factors import Factor
from app.storage.benchmarks import refresh_benchmarks
from app.storage.catalog import factor_from_row
from app.storage.dialect import Dialect
from app.storage.rows import (
    CERTIFICATE_COLUMNS,
    FACTOR_COLUMNS,
    PRODUCT_COLUMNS,
    PRODUCT_OWNER,
    certificate_values,
    factor_values,
    insert_sql,
    product_of_row,
    product_values,
    record_of_row,
)
from app.storage.transactions import Transaction

_REPLACE_FACTOR = insert_sql(
    "factors",
    FACTOR_COLUMNS,
    " on conflict(id) do update set "
    + ", ".join(f'"{c}" = excluded."{c}"' for c in FACTOR_COLUMNS[1:]),
)
_UPDATE_CERT = f"update certificates set {', '.join(f'{c} = ?' for c in CERTIFICATE_COLUMNS[1:])} where number = ?"
# The owner is set when a product is created (or, for a product that had none, by its first
# update), never changed by a write.
_UPSERT_PRODUCT = insert_sql(
    "products",
    (*PRODUCT_COLUMNS, PRODUCT_OWNER),
    f" on conflict(gtin) do update set "
    f"{', '.join(f'{c} = excluded.{c}' for c in PRODUCT_COLUMNS[1:])}, "
    f"{PRODUCT_OWNER} = coalesce(products.{PRODUCT_OWNER}, excluded.{PRODUCT_OWNER})",
)
_AUDIT = insert_sql("audit_log", ("at", "actor", "action", "target", "release_id", "detail"))
_STATUS_EVENT_COLUMNS = (
    "number",
    "from_status",
    "to_status",
    "effective_on",
    "reason",
    "release_id",
    "recorded_at",
    "actor",
)
_RELEASE = insert_sql(
    "releases",
    ("id", "created_at", "source", "version", "products", "certificates", "factors", "content_hash",
     "sample", "row_count", "inserted", "revised", "status_changes", "unchanged"),
)  # fmt: skip
_EXISTING = (
    "select c.*, p.name_zh, p.name_en, p.brand, p.category, p.sales_unit_amount, "
    "p.sales_unit, p.net_content_amount, p.net_content_unit "
    "from certificates c join products p on p.gtin = c.gtin "
    "where c.number {in_list}"
)
_SAVE_REVISION = (
    "insert into certificate_revisions "
    "(number, revision, data, superseded_in_release, superseded_at) "
    "select number, revision, {json_object}("
    + ", ".join(f"'{c}', {c}" for c in CERTIFICATE_COLUMNS if c not in ("number", "revision"))
    + "), ?, ? from certificates where number = ?"
)
_FACTORS = "select * from factors where id {in_list}"
_PRODUCTS = (
    f"select {', '.join((*PRODUCT_COLUMNS, PRODUCT_OWNER))} from products where gtin {{in_list}}"
)


def _in(sql: str, dialect: Dialect) -> str:
    return sql.format(in_list=dialect.in_list, json_object=dialect.json_object)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class SqlCatalogueWrites:
    """Write transactions on the catalogue; implements the core's CatalogueWrites."""

    def __init__(self, db) -> None:
        self.db = db

    @contextmanager
    def writer(
        self,
        *,
        source: str,
        actor: str,
        as_of: dt.date,
        audit_each: bool = False,
        wait_ms: int | None = None,
    ) -> Iterator[SqlWriter]:
        """One atomic change of the catalogue: it becomes a new release when the writer
        commits, or nothing changes. Raises Unavailable (another write holds the catalogue)."""
        busy = "Another write (an import?) holds the catalogue; retry in a minute."
        with self.db.write_transaction(wait_ms=wait_ms, busy=busy) as transaction:
            transaction.keep = False  # until commit(): a dry run or no change keeps nothing
            yield SqlWriter(
                self.db,
                transaction,
                source=source,
                actor=actor,
                as_of=as_of,
                audit_each=audit_each,
            )


class SqlWriter:
    """An open write transaction; implements the core's CatalogueWriter."""

    def __init__(
        self,
        db,
        transaction: Transaction,
        *,
        source: str,
        actor: str,
        as_of: dt.date,
        audit_each: bool,
    ) -> None:
        self.db = db
        self.dialect: Dialect = db.dialect
        self.transaction = transaction
        self.source = source
        self.actor = actor
        self.as_of = as_of
        self.audit_each = audit_each
        self.release_id = (db.execute("select max(id) from releases").fetchone()[0] or 0) + 1
        self.categories = frozenset(r[0] for r in db.execute("select id from categories"))
        self.bodies = frozenset(r[0] for r in db.execute("select id from certification_bodies"))

    # -- reading ---------------------------------------------------------------------------
    def existing(self, numbers: Iterable[str]) -> dict[str, Existing]:
        """Stored certificates among ``numbers``, in one query."""
        cursor = self.db.execute(_in(_EXISTING, self.dialect), [self.dialect.list_param(numbers)])
        names = [d[0] for d in cursor.description]
        found = {}
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            found[row["number"]] = Existing(
                record_of_row(row), row["revision"] or 1, row["release_id"]
            )
        return found

    def stored_factors(self, ids: Iterable[str]) -> dict[str, Factor]:
        """Loaded emission factors among ``ids``, in one query."""
        cursor = self.db.execute(_in(_FACTORS, self.dialect), [self.dialect.list_param(ids)])
        names = [d[0] for d in cursor.description]
        rows = (dict(zip(names, values, strict=True)) for values in cursor)
        return {row["id"]: factor_from_row(row) for row in rows}

    def write_factors(self, factors: Sequence[Factor]) -> None:
        """Insert new factors and replace changed ones, by id."""
        self.db.executemany(_REPLACE_FACTOR, [factor_values(f) for f in factors])

    def products(self, gtins: Iterable[str]) -> dict[str, StoredProduct]:
        """Stored products among ``gtins``, in one query."""
        cursor = self.db.execute(_in(_PRODUCTS, self.dialect), [self.dialect.list_param(gtins)])
        names = [d[0] for d in cursor.description]
        found = {}
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            found[row["gtin"]] = StoredProduct(
                product_of_row(row), bool(row["sample"]), row[PRODUCT_OWNER]
            )
        return found

    # -- writing ---------------------------------------------------------------------------
    def write(self, changes: Sequence[Change]) -> None:
        """Write planned changes with one executemany per kind of statement; with
        ``audit_each``, one audit row per certificate change and per product update."""
        # Product fields travel on every row; the core marks the products that are new or changed.
        products = [(c, c.product) for c in changes if c.product is not None]
        self.db.executemany(
            _UPSERT_PRODUCT, [(*product_values(c.record), p.owner) for c, p in products]
        )
        stamp = now()
        if self.audit_each:  # a new product shows in its certificate.create row
            self.db.executemany(
                _AUDIT,
                [
                    (
                        stamp,
                        self.actor,
                        "product.update",
                        c.record.gtin,
                        self.release_id,
                        json.dumps(
                            {"owner": p.owner, "changed": p.changed(c.record)}, ensure_ascii=False
                        ),
                    )
                    for c, p in products
                    if p.kind == "update"
                ],
            )
        changes = [c for c in changes if c.kind != "unchanged"]
        if not changes:
            return

        inserts = [
            certificate_values(c.record, revision=1, release_id=self.release_id)
            for c in changes
            if c.kind == "create"
        ]
        self.db.insert_many("certificates", CERTIFICATE_COLUMNS, inserts)
        revised = [c for c in changes if c.revises]
        self.db.executemany(
            _in(_SAVE_REVISION, self.dialect),
            [(self.release_id, stamp, c.record.number) for c in revised],
        )
        updates = []
        for c in changes:
            if c.existing is None or c.kind == "unchanged":
                continue
            revision = c.existing.revision + (1 if c.revises else 0)
            values = certificate_values(c.record, revision=revision, release_id=self.release_id)
            updates.append((*values[1:], c.record.number))
        self.db.executemany(_UPDATE_CERT, updates)
        self.db.insert_many(
            "certificate_status_events",
            _STATUS_EVENT_COLUMNS,
            [
                (
                    e.number,
                    e.from_status,
                    e.to_status,
                    e.effective_on,
                    e.reason,
                    self.release_id,
                    stamp,
                    self.actor,
                )
                for e in (c.event for c in changes)
                if e is not None
            ],
        )
        if self.audit_each:
            self.db.executemany(
                _AUDIT,
                [
                    (
                        stamp,
                        self.actor,
                        f"certificate.{c.kind}",
                        c.record.number,
                        self.release_id,
                        json.dumps(
                            {
                                "status": c.record.certificate["status"],
                                "reason": c.record.certificate["status_reason"],
                            },
                            ensure_ascii=False,
                        ),
                    )
                    for c in changes
                    if c.kind != "unchanged"
                ],
            )

    def commit(self, counts: ImportCounts, *, content_hash: str, detail: dict[str, Any]) -> None:
        """Record the release and its benchmarks; the transaction commits as the writer's
        block ends."""

        def count(table: str) -> int:
            return self.db.execute(f'select count(*) from "{table}"').fetchone()[0]

        previous = self.db.execute(
            "select sample from releases order by id desc limit 1"
        ).fetchone()
        self.db.execute(
            _RELEASE,
            (
                self.release_id,
                now(),
                self.source,
                None,
                count("products"),
                count("certificates"),
                count("factors"),
                content_hash,
                previous[0] if previous else 0,
                counts.rows,
                counts.inserted,
                counts.revised,
                counts.status_changes,
                counts.unchanged,
            ),
        )
        if not self.audit_each:
            self.db.execute(
                _AUDIT,
                (
                    now(),
                    self.actor,
                    "import",
                    self.source,
                    self.release_id,
                    json.dumps(detail, ensure_ascii=False),
                ),
            )
        refresh_benchmarks(self.db, self.release_id, self.as_of)
        self.transaction.keep = True
