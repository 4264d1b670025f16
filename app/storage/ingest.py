"""Writes certificates as catalogue releases: one transaction per import or API call, batched
existence checks, executemany in chunks, revisions, status events, audit, benchmarks."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import pickle
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from sqlite_utils import Database

from app.core import benchmark
from app.core.errors import DomainError, InvalidInput, NotFound, Unavailable
from app.core.ingest import (
    CERTIFICATE_FIELDS,
    FIELDS,
    PRODUCT_FIELDS,
    CertificateRecord,
    Change,
    DuplicateRow,
    Existing,
    FieldError,
    ImportCounts,
    RowInvalid,
    plan,
    status_change,
    validate_row,
)

#: Rows validated and written per batch: big enough for fast executemany, small enough that
#: memory stays flat however large the file.
CHUNK = 5000
IMPORT_CACHE_KIB = 64 * 1024
#: Files at least this large are parsed and validated by a worker process while this one
#: writes (validation is pure Python, so a thread would only share the GIL).
WORKER_MIN_BYTES = 4 << 20

#: A validated row: (row number, its record, or the errors that rejected it).
Validated = tuple[int, CertificateRecord | list[FieldError]]

_CERT_COLUMNS = (
    "number",
    "gtin",
    "body_id",
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
    "sample",
    "revision",
    "release_id",
)
_PRODUCT_COLUMNS = (
    "gtin",
    "name_zh",
    "name_en",
    "brand",
    "category",
    "sales_unit_amount",
    "sales_unit",
    "net_content_amount",
    "net_content_unit",
    "sample",
)


def _insert(table: str, columns: tuple[str, ...], suffix: str = "") -> str:
    marks = ", ".join("?" * len(columns))
    return f"insert into {table} ({', '.join(columns)}) values ({marks}){suffix}"


_INSERT_CERT = _insert("certificates", _CERT_COLUMNS)
_UPDATE_CERT = (
    f"update certificates set {', '.join(f'{c} = ?' for c in _CERT_COLUMNS[1:])} where number = ?"
)
_UPSERT_PRODUCT = _insert(
    "products",
    _PRODUCT_COLUMNS,
    f" on conflict(gtin) do update set "
    f"{', '.join(f'{c} = excluded.{c}' for c in _PRODUCT_COLUMNS[1:])}",
)
_AUDIT = _insert("audit_log", ("at", "actor", "action", "target", "release_id", "detail"))
_STATUS_EVENT = _insert(
    "certificate_status_events",
    (
        "number",
        "from_status",
        "to_status",
        "effective_on",
        "reason",
        "release_id",
        "recorded_at",
        "actor",
    ),
)
_RELEASE = _insert(
    "releases",
    ("id", "created_at", "source", "version", "products", "certificates", "factors", "content_hash",
     "sample", "row_count", "inserted", "revised", "status_changes", "unchanged"),
)  # fmt: skip
_BENCHMARK = _insert(
    "category_benchmarks",
    (
        "release_id",
        "category",
        "declared_unit",
        "system_boundary",
        "as_of",
        "peers",
        "median",
        "points",
    ),
)
_EXISTING = (
    "select c.*, p.name_zh, p.name_en, p.brand, p.category, p.sales_unit_amount, "
    "p.sales_unit, p.net_content_amount, p.net_content_unit "
    "from certificates c join products p on p.gtin = c.gtin "
    "where c.number in (select value from json_each(?))"
)
_SAVE_REVISION = (
    "insert into certificate_revisions "
    "(number, revision, data, superseded_in_release, superseded_at) "
    "select number, revision, json_object("
    + ", ".join(f"'{c}', {c}" for c in _CERT_COLUMNS if c not in ("number", "revision"))
    + "), ?, ? from certificates where number = ?"
)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class CatalogueWriter:
    """One atomic change of the catalogue: it becomes a new release, or nothing changes.

    Use as a context manager; ``finish()`` commits (creating the release if anything changed)
    and an exception, or ``finish(dry_run=True)``, rolls everything back.
    """

    def __init__(
        self,
        db: Database,
        *,
        source: str,
        actor: str,
        as_of: dt.date,
        actor_body: str | None = None,
        audit_each: bool = False,
        wait_ms: int | None = None,
    ) -> None:
        self.db = db
        self.conn = db.conn
        self.source = source
        self.actor = actor
        self.as_of = as_of
        self.actor_body = actor_body
        self.audit_each = audit_each
        self.wait_ms = wait_ms
        self.counts = ImportCounts()
        self.release_id = 0
        self.categories: frozenset[str] = frozenset()
        self.bodies: frozenset[str] = frozenset()
        self._open = False

    def __enter__(self) -> CatalogueWriter:
        # IMMEDIATE: one writer at a time; readers keep reading the previous release (WAL).
        previous = self.conn.execute("pragma busy_timeout").fetchone()[0]
        if self.wait_ms is not None:
            self.conn.execute(f"pragma busy_timeout = {int(self.wait_ms)}")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            raise Unavailable(
                "Another write (an import?) holds the catalogue; retry in a minute.", retry=True
            ) from None
        finally:
            self.conn.execute(f"pragma busy_timeout = {int(previous)}")
        self._open = True
        self.release_id = (self.conn.execute("select max(id) from releases").fetchone()[0] or 0) + 1
        self.categories = frozenset(r[0] for r in self.conn.execute("select id from categories"))
        self.bodies = frozenset(
            r[0] for r in self.conn.execute("select id from certification_bodies")
        )
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._open:
            self.conn.execute("ROLLBACK")
            self._open = False

    # -- reading ---------------------------------------------------------------------------
    def existing(self, numbers: Iterable[str]) -> dict[str, Existing]:
        """Stored certificates among ``numbers``, in one query."""
        cursor = self.conn.execute(_EXISTING, [json.dumps(list(numbers))])
        names = [d[0] for d in cursor.description]
        found = {}
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            found[row["number"]] = Existing(
                record_of_row(row), row["revision"] or 1, row["release_id"]
            )
        return found

    def _stored_products(self, gtins: Iterable[str]) -> dict[str, tuple]:
        columns = ", ".join(_PRODUCT_COLUMNS)
        sql = f"select {columns} from products where gtin in (select value from json_each(?))"
        return {row[0]: tuple(row) for row in self.conn.execute(sql, [json.dumps(list(gtins))])}

    # -- writing ---------------------------------------------------------------------------
    def add_rows(
        self,
        rows: list[tuple[int, dict[str, Any]]],
        on_reject: Callable[[int, list[FieldError]], None],
        *,
        strict: bool = False,
    ) -> list[Change]:
        """Validate, plan and write a chunk of (row number, raw row); rejected rows are
        reported through ``on_reject`` and not written. Returns the changes made.

        With ``strict``, Forbidden and Conflict propagate (the API answers 403 / 409) rather
        than being reported as row errors."""
        validated = validate_rows(rows, categories=self.categories, bodies=self.bodies)
        return self.add_validated(validated, on_reject, strict=strict)

    def add_validated(
        self,
        validated: list[Validated],
        on_reject: Callable[[int, list[FieldError]], None],
        *,
        strict: bool = False,
    ) -> list[Change]:
        """Plan and write a chunk that ``validate_rows`` checked (see ``add_rows``)."""
        records: list[tuple[int, CertificateRecord]] = []
        for index, outcome in validated:
            self.counts.rows += 1
            if outcome.__class__ is list:
                self.counts.rejected += 1
                on_reject(index, outcome)  # type: ignore[arg-type]
            else:
                records.append((index, outcome))  # type: ignore[arg-type]
        existing = self.existing(r.number for _, r in records)
        changes: list[Change] = []
        seen: set[str] = set()
        for index, record in records:
            try:
                if record.number in seen:
                    raise DuplicateRow(
                        f"Certificate {record.number} appears more than once in this import.",
                        field="number",
                    )
                seen.add(record.number)
                changes.append(
                    plan(
                        record,
                        existing.get(record.number),
                        release_id=self.release_id,
                        as_of=self.as_of,
                        actor_body=self.actor_body,
                    )
                )
            except DomainError as error:
                if strict and not isinstance(error, InvalidInput):
                    raise
                self.counts.rejected += 1
                on_reject(
                    index,
                    [FieldError(error.details.get("field", "number"), error.reason, error.message)],
                )
        if not self.counts.rejected:
            # Once a row is rejected the import will roll back: skip the writes, keep validating.
            self.write(changes)
        return changes

    def write(self, changes: list[Change]) -> None:
        """Write planned changes with one executemany per kind of statement."""
        for change in changes:
            self.counts.add(change)
        # Product fields travel on every row; write only products that are new or changed.
        products = {c.record.gtin: _product_values(c.record) for c in changes}
        stored = self._stored_products(products)
        changed_products = [v for g, v in products.items() if stored.get(g) != v]
        self.counts.products_written += len(changed_products)
        self.conn.executemany(_UPSERT_PRODUCT, changed_products)
        changes = [c for c in changes if c.kind != "unchanged"]
        if not changes:
            return

        stamp = now()
        inserts = [
            _cert_values(c.record, revision=1, release_id=self.release_id)
            for c in changes
            if c.kind == "create"
        ]
        self.conn.executemany(_INSERT_CERT, inserts)
        revised = [c for c in changes if c.revises]
        self.conn.executemany(
            _SAVE_REVISION, [(self.release_id, stamp, c.record.number) for c in revised]
        )
        updates = []
        for c in changes:
            if c.existing is None or c.kind == "unchanged":
                continue
            revision = c.existing.revision + (1 if c.revises else 0)
            values = _cert_values(c.record, revision=revision, release_id=self.release_id)
            updates.append((*values[1:], c.record.number))
        self.conn.executemany(_UPDATE_CERT, updates)
        self.conn.executemany(
            _STATUS_EVENT,
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
            self.conn.executemany(
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

    def finish(
        self, *, content_hash: str, dry_run: bool = False, detail: dict[str, Any] | None = None
    ) -> int | None:
        """Commit as a new release and return its number; None (and roll back) when the
        import was a dry run, had rejected rows, or changed nothing."""
        if dry_run or self.counts.rejected or not self.counts.changed:
            self.conn.execute("ROLLBACK")
            self._open = False
            return None
        counts = self.counts

        def count(table: str) -> int:
            return self.conn.execute(f"select count(*) from [{table}]").fetchone()[0]

        previous = self.conn.execute(
            "select sample from releases order by id desc limit 1"
        ).fetchone()
        self.conn.execute(
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
            self.conn.execute(
                _AUDIT,
                (
                    now(),
                    self.actor,
                    "import",
                    self.source,
                    self.release_id,
                    json.dumps({**counts.by_kind, **(detail or {})}, ensure_ascii=False),
                ),
            )
        refresh_benchmarks(self.db, self.release_id, self.as_of)
        self.conn.execute("COMMIT")
        self._open = False
        return self.release_id


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


def _product_values(record: CertificateRecord) -> tuple:
    p = record.product
    return (
        p["gtin"],
        p["name_zh"],
        p["name_en"],
        p["brand"],
        p["category"],
        p["sales_unit_amount"],
        p["sales_unit"],
        p["net_content_amount"],
        p["net_content_unit"],
        int(record.sample),
    )


def _cert_values(record: CertificateRecord, *, revision: int, release_id: int) -> tuple:
    c = record.certificate
    stages = json.dumps(dict(c["stages"]), ensure_ascii=False) if c["stages"] else None
    return (
        c["number"],
        record.gtin,
        c["body"],
        _json_list(c["standards"]),
        c["pcf"],
        c["declared_unit"],
        c["declared_unit_amount"],
        c["pcf_per_sales_unit"],
        c["system_boundary"],
        stages,
        c["reference_period_start"],
        c["reference_period_end"],
        c["issued_on"],
        c["valid_until"],
        c["status"],
        c["status_reason"],
        c["status_changed_on"],
        c["verified_by"],
        c["verified_on"],
        c["characterization"],
        c["factor_database"],
        c["factor_database_version"],
        int(record.sample),
        revision,
        release_id,
    )


@lru_cache(maxsize=256)
def _json_list(items: tuple[str, ...]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def record_of_row(row: dict[str, Any]) -> CertificateRecord:
    """A stored certificate (joined with its product) in the normalized form validate_row makes."""
    stages = json.loads(row["stages"]) if row["stages"] else None
    product = {
        "gtin": row["gtin"],
        "name_zh": row["name_zh"],
        "name_en": row["name_en"],
        "brand": row["brand"],
        "category": row["category"],
        "sales_unit_amount": row["sales_unit_amount"],
        "sales_unit": row["sales_unit"],
        "net_content_amount": row["net_content_amount"],
        "net_content_unit": row["net_content_unit"],
    }
    certificate = {
        "number": row["number"],
        "body": row["body_id"],
        "standards": tuple(json.loads(row["standards"] or "[]")),
        "pcf": row["pcf"],
        "declared_unit": row["declared_unit"],
        "declared_unit_amount": row["declared_unit_amount"] or "1",
        "pcf_per_sales_unit": row["pcf_per_sales_unit"],
        "system_boundary": row["system_boundary"],
        "stages": tuple(stages.items()) if stages else None,
        "reference_period_start": row["reference_period_start"],
        "reference_period_end": row["reference_period_end"],
        "issued_on": row["issued_on"],
        "valid_until": row["valid_until"],
        "status": row["status"],
        "status_reason": row["status_reason"],
        "status_changed_on": row["status_changed_on"],
        "verified_by": row["verified_by"],
        "verified_on": row["verified_on"],
        "characterization": row["characterization"] or "AR6",
        "factor_database": row["factor_database"],
        "factor_database_version": row["factor_database_version"],
    }
    return CertificateRecord(product=product, certificate=certificate, sample=bool(row["sample"]))


# -- benchmarks ----------------------------------------------------------------------------
def refresh_benchmarks(db: Database, release_id: int, as_of: dt.date) -> int:
    """Compute category benchmarks for ``release_id`` as of ``as_of`` (peers: each product's
    newest certificate that is valid that day); keep only this and the previous release's.
    Returns the number of groups with enough peers.

    SQLite orders each group (by the float value, which orders decimals of up to 15
    significant digits exactly); only the median and the stored order statistics are turned
    into exact Decimals, so a million peers cost one sort, not a million Decimal divisions.
    """
    day = as_of.isoformat()
    # Newest valid certificate per product: "no newer valid one exists" (an index probe on
    # gtin per row) is twice as fast here as a row_number() window over all certificates.
    peers = """
        from certificates c join products p on p.gtin = c.gtin
        where c.status = 'valid' and c.issued_on <= :day and c.valid_until >= :day
          and not exists (
              select 1 from certificates d
              where d.gtin = c.gtin and d.status = 'valid'
                and d.issued_on <= :day and d.valid_until >= :day
                and (d.issued_on > c.issued_on
                     or (d.issued_on = c.issued_on and d.number > c.number))
          )
    """
    # Two passes keep memory flat however large a group: count each group, then stream it in
    # order and keep only the values at the indices the summary needs.
    sizes = {
        (category, unit, boundary): n
        for category, unit, boundary, n in db.conn.execute(
            f"select p.category, c.declared_unit, c.system_boundary, count(*) {peers} "
            "group by p.category, c.declared_unit, c.system_boundary",
            {"day": day},
        )
        if n >= benchmark.MIN_PEERS
    }
    ordered = f"""
        select p.category, c.declared_unit, c.system_boundary, c.pcf,
               coalesce(c.declared_unit_amount, '1') as amount {peers}
        order by p.category, c.declared_unit, c.system_boundary,
                 cast(c.pcf as real) / cast(amount as real)
    """
    rows: list[tuple] = []
    key: tuple | None = None
    wanted: frozenset[int] = frozenset()
    picked: dict[int, Decimal] = {}
    index = 0

    def flush() -> None:
        summary = benchmark.summarize_sorted(sizes[key], picked.__getitem__)
        if summary is not None:
            n, median, points = summary
            points_json = json.dumps([str(p) for p in points])
            rows.append((release_id, *key, day, n, str(median), points_json))

    for category, unit, boundary, pcf, amount in db.conn.execute(ordered, {"day": day}):
        if (category, unit, boundary) != key:
            if key in sizes:
                flush()
            key, index, picked = (category, unit, boundary), 0, {}
            wanted = benchmark.needed_indices(sizes.get(key, 0))
        if index in wanted:
            picked[index] = benchmark.per_unit(Decimal(pcf), Decimal(amount))
        index += 1
    if key in sizes:
        flush()
    db.conn.execute("delete from category_benchmarks where release_id = ?", [release_id])
    db.conn.executemany(_BENCHMARK, rows)
    db.conn.execute("delete from category_benchmarks where release_id < ?", [release_id - 1])
    return len(rows)


# -- import files --------------------------------------------------------------------------
class HashingReader(io.RawIOBase):
    """A binary file that hashes what is read through it and counts the bytes."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.sha256.update(data)
        self.position += n
        return n


def detect_format(path: Path) -> str:
    return "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"


def read_rows(text: IO[str], fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, raw row) from a CSV (row 1 is the first line after the header) or JSON
    Lines file, one at a time. A line that is not a JSON object becomes a row that fails."""
    if fmt == "csv":
        reader = csv.reader(text)
        header = [name.strip() for name in next(reader, [])]
        missing = [f for f in ("gtin", "number") if f not in header]
        if missing:
            raise ValueError(
                f"The CSV header lacks {', '.join(missing)}; expected columns: {', '.join(FIELDS)}"
            )
        width = len(header)
        for index, row in enumerate(reader, start=1):
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                yield index, {"__invalid__": f"{len(row)} cells, but the header has {width}"}
            elif row:  # csv.reader gives [] for a blank line
                yield index, dict(zip(header, row, strict=False))
        return
    for index, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            value = {"__invalid__": f"not JSON: {error.msg}"}
        if not isinstance(value, dict):
            value = {"__invalid__": "not a JSON object"}
        yield index, value


def import_file(
    db: Database,
    path: Path,
    *,
    as_of: dt.date,
    actor: str,
    dry_run: bool = False,
    on_reject: Callable[[int, list[FieldError]], None],
    on_progress: Callable[[int], None] | None = None,
    chunk: int = CHUNK,
    cache_kib: int = IMPORT_CACHE_KIB,
    worker: bool | None = None,
) -> tuple[ImportCounts, int | None]:
    """Import a CSV or JSON Lines file as one release. Returns the counts and the new
    release number (None when nothing was written: dry run, rejected rows, or no change).

    ``worker``: parse and validate in a worker process, one chunk ahead of the writes (None:
    for regular files of WORKER_MIN_BYTES or more, given two cores). Either way rows are checked by the same
    validate_row, reported in file order, and written in this process's one transaction.
    """
    fmt = detect_format(path)
    if worker is None:  # with one core the worker would only add pickling
        worker = (
            (os.cpu_count() or 1) >= 2
            and path.is_file()
            and path.stat().st_size >= WORKER_MIN_BYTES
        )
    # A bigger page cache for this connection keeps the index pages of a large import in
    # memory (about 20% faster at 200k rows); it is at most IMPORT_CACHE_KIB of RSS.
    db.conn.execute(f"pragma cache_size = -{int(cache_kib)}")
    with CatalogueWriter(db, source=f"import:{path.name}", actor=actor, as_of=as_of) as writer:
        chunks = (_worker_chunks if worker else _validated_chunks)(
            path, fmt, chunk, categories=writer.categories, bodies=writer.bodies
        )
        content_hash = ""
        for validated, position, digest in chunks:
            if validated:
                writer.add_validated(validated, on_reject)
            if on_progress:
                on_progress(position)
            content_hash = digest or content_hash
        release = writer.finish(
            content_hash=content_hash,
            dry_run=dry_run,
            detail={"rows": writer.counts.rows, "file": path.name},
        )
        return writer.counts, release


#: What the chunk readers yield: validated rows, bytes read so far, and (last) the SHA-256.
_Chunk = tuple[list[Validated], int, str | None]


def _validated_chunks(
    path: Path, fmt: str, chunk: int, *, categories: frozenset[str], bodies: frozenset[str]
) -> Iterator[_Chunk]:
    with open(path, "rb") as raw:
        hashing = HashingReader(raw)
        text = io.TextIOWrapper(
            io.BufferedReader(hashing, buffer_size=1 << 20), encoding="utf-8-sig", newline=""
        )
        batch: list[tuple[int, dict[str, Any]]] = []
        for item in read_rows(text, fmt):
            batch.append(item)
            if len(batch) >= chunk:
                yield (
                    validate_rows(batch, categories=categories, bodies=bodies),
                    hashing.position,
                    None,
                )
                batch = []
        validated = validate_rows(batch, categories=categories, bodies=bodies)
        yield validated, hashing.position, hashing.sha256.hexdigest()


def _worker_chunks(
    path: Path, fmt: str, chunk: int, *, categories: frozenset[str], bodies: frozenset[str]
) -> Iterator[_Chunk]:
    """_validated_chunks, computed by a worker process while the caller writes.

    The worker is a plain ``python -c`` subprocess (multiprocessing's spawn would re-run the
    caller's main script). It pickles each chunk to its stdout as soon as it is validated;
    the pipe's buffer holds less than a chunk, so the worker stays about one chunk ahead and
    memory stays flat. If this process dies (kill -9), the worker's next write fails and it
    exits."""
    root = str(Path(__file__).resolve().parents[2])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH")))),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from app.storage.ingest import _worker_main; _worker_main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        pickle.dump((str(path), fmt, chunk, categories, bodies), process.stdin)
        process.stdin.close()
        while True:
            try:
                kind, *message = pickle.load(process.stdout)
            except EOFError:
                raise RuntimeError("The import's validation worker stopped unexpectedly.") from None
            if kind == "error":
                raise message[0]
            packed, position, digest = message
            yield [_unpack(item) for item in packed], position, digest
            if digest is not None:
                return
    finally:
        process.stdout.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _worker_main() -> None:
    """The validation worker: arguments from stdin, pickled chunks (then the hash) to stdout."""
    path, fmt, chunk, categories, bodies = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    try:
        try:
            for validated, position, digest in _validated_chunks(
                Path(path), fmt, chunk, categories=categories, bodies=bodies
            ):
                packed = [_pack(item) for item in validated]
                pickle.dump(("chunk", packed, position, digest), out, pickle.HIGHEST_PROTOCOL)
                out.flush()
        except (BrokenPipeError, ConnectionResetError):
            os._exit(0)  # the importer is gone
        except Exception as error:  # e.g. a bad header or bad UTF-8: the importer raises it
            try:
                message = pickle.dumps(("error", error))
            except Exception:
                message = pickle.dumps(("error", RuntimeError(f"{type(error).__name__}: {error}")))
            out.write(message)
            out.flush()
    except (BrokenPipeError, ConnectionResetError):
        os._exit(0)


def _pack(item: Validated) -> tuple:
    """Records cross the pipe as plain tuples: about 3x cheaper to pickle than dataclasses."""
    index, outcome = item
    if isinstance(outcome, CertificateRecord):
        return index, (
            tuple(outcome.product.values()),
            tuple(outcome.certificate.values()),
            outcome.sample,
        )
    return index, outcome


def _unpack(item: tuple) -> Validated:
    index, outcome = item
    if outcome.__class__ is tuple:
        product, certificate, sample = outcome
        return index, CertificateRecord(
            dict(zip(PRODUCT_FIELDS, product, strict=True)),
            dict(zip(CERTIFICATE_FIELDS, certificate, strict=True)),
            sample,
        )
    return index, outcome


# -- the ingest API ------------------------------------------------------------------------


def _api_writer(
    db: Database, *, body_id: str, key_id: str, as_of: dt.date, wait_ms: int | None
) -> CatalogueWriter:
    """A writer for one ingest-API call: audited per change, attributed to the key's body."""
    return CatalogueWriter(
        db,
        source=f"api:{body_id}",
        actor=f"key:{key_id}@{body_id}",
        as_of=as_of,
        actor_body=body_id,
        audit_each=True,
        wait_ms=wait_ms,
    )


def publish(
    db: Database,
    objects: list[dict[str, Any]],
    *,
    body_id: str,
    key_id: str,
    as_of: dt.date,
    wait_ms: int | None = None,
) -> tuple[list[Change], int | None]:
    """Write certificates sent by a certification body, all or nothing, as one release.

    A missing ``body`` defaults to the key's body. Raises RowsInvalid (every bad field of
    every object), Forbidden (another body's certificate) or Conflict (status change not
    allowed). Returns the changes and the new release (None when nothing changed).
    """
    rows = [(i, {"body": body_id, **o}) for i, o in enumerate(objects)]
    errors: list[dict[str, Any]] = []

    def on_reject(index: int, field_errors: list[FieldError]) -> None:
        number = objects[index].get("number")
        errors.extend(
            {
                "index": index,
                "number": number,
                "field": e.field,
                "reason": e.reason,
                "message": e.message,
            }
            for e in field_errors
        )

    with _api_writer(db, body_id=body_id, key_id=key_id, as_of=as_of, wait_ms=wait_ms) as writer:
        changes = writer.add_rows(rows, on_reject, strict=True)
        if errors:
            raise RowsInvalid(errors)
        digest = hashlib.sha256(
            json.dumps(objects, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        return changes, writer.finish(content_hash=digest)


def change_status(
    db: Database,
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
    with _api_writer(db, body_id=body_id, key_id=key_id, as_of=as_of, wait_ms=wait_ms) as writer:
        existing = writer.existing([number]).get(number)
        if existing is None:
            raise NotFound(
                f"No certificate numbered {number} in the catalogue.", certificate_number=number
            )
        change = status_change(
            existing,
            action,
            reason=reason,
            effective_on=effective_on or as_of,
            actor_body=body_id,
            today=as_of,
        )
        writer.write([change])
        request = {
            "number": number,
            "action": action,
            "reason": reason,
            "effective_on": str(effective_on),
        }
        digest = hashlib.sha256(
            json.dumps(request, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        return writer.finish(content_hash=digest)


class RowsInvalid(InvalidInput):
    """Some objects of an ingest request are invalid; ``rows`` lists every bad field."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        first = rows[0]
        super().__init__(
            f"{len({r['index'] for r in rows})} certificate(s) rejected; first: "
            f"#{first['index']} {first['field']}: {first['message']}",
            rows=rows,
        )
