"""Saved households: the SQL both engines run (``Households``) and SQLite's way of running it
(``SqliteHouseholds``); app/storage/postgres/households.py is PostgreSQL's. Each implements
the core's HouseholdStore protocol.

On SQLite every write runs in write_transaction (``BEGIN IMMEDIATE``), so family phones writing
at once queue on SQLite's write lock (busy_timeout) instead of failing or losing an entry.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

from app.core.errors import InvalidInput, Unavailable
from app.core.messages import _
from app.core.saved_households import Entry, Household
from app.storage.rows import insert_sql
from app.storage.transactions import checkpoint_truncate

#: Every table that holds household data; delete and the tests check all of them.
TABLES = ("household_entries", "households")
#: Columns of an entry, in the order the insert binds them.
ENTRY_COLUMNS = (
    "id",
    "household_id",
    "kind",
    "start_on",
    "end_on",
    "code",
    "quantity",
    "amount",
    "unit",
    "distance",
    "distance_unit",
    "consumption",
)
HOUSEHOLD_COLUMNS = (
    "id",
    "token_hash",
    "household_size",
    "province",
    "consent_version",
    "consent_given_at",
    "last_active_on",
)


class Households:
    """Saved households on either engine's database (``execute``, ``query``,
    ``write_transaction``). Subclasses add what their engine needs: locks that keep the
    limits under concurrent writers, and erasing deleted rows from its files."""

    #: Order of entries as they were added (SQLite's rowid; a column on PostgreSQL).
    ENTRY_ORDER = "rowid"

    def __init__(self, db: Any, *, wait_ms: int | None = None) -> None:
        """``wait_ms``: how long a write waits for another write before Unavailable (503);
        None: as long as the connection waits (SQLite's busy timeout)."""
        self.db = db
        self.wait_ms = wait_ms

    def _write(self, *, wait_ms: int | None = None) -> AbstractContextManager:
        # No catalogue lock: household writes never queue behind an import.
        return self.db.write_transaction(wait_ms=wait_ms, lock=None)

    def _lock_households(self) -> None:
        """Serialise creations, so the store limit holds (SQLite's write lock already does)."""

    def _lock_household(self, household_id: str) -> None:
        """Serialise writes to one household, so its entry limit holds."""

    def _erase(self) -> None:
        """After a delete: remove what the engine keeps of deleted rows in its files."""

    def rewrite(self) -> None:
        """Rewrite the household tables so no byte of a deleted row stays in their files
        (PostgreSQL's VACUUM FULL; SQLite zeroes deleted rows as it deletes them)."""

    def _count(self, sql: str, params: list[Any] | None = None) -> int:
        return self.db.execute(sql, params).fetchone()[0]

    def create(self, household: Household, *, limit: int | None = None) -> None:
        """Raises Unavailable if the store already keeps ``limit`` households."""
        with self._write(wait_ms=self.wait_ms):
            if limit is not None:
                self._lock_households()
                if self._count("select count(*) from households") >= limit:
                    raise Unavailable(
                        _("Tanji keeps no more saved households for now; try again later."),
                        limit=limit,
                        retry_after=3600,
                    )
            self.db.execute(
                insert_sql("households", HOUSEHOLD_COLUMNS),
                [
                    household.id,
                    household.token_hash,
                    household.household_size,
                    household.province,
                    household.consent_version,
                    household.consent_given_at,
                    household.last_active_on.isoformat(),
                ],
            )

    def get(self, household_id: str) -> Household | None:
        """One household by id, or None."""
        rows = list(self.db.query("select * from households where id = ?", [household_id]))
        return _household(rows[0]) if rows else None

    def touch(self, household_id: str, day: dt.date) -> None:
        """Best effort, and never waits: a read (which touches) must not queue behind a write
        or fail on a read-only database; a missed touch is retried on the next use."""
        try:
            with self._write(wait_ms=0):
                self.db.execute(
                    "update households set last_active_on = ? where id = ?",
                    [day.isoformat(), household_id],
                )
        except Unavailable:
            pass

    def set_token_hash(self, household_id: str, token_hash: str) -> None:
        with self._write(wait_ms=self.wait_ms):
            self.db.execute(
                "update households set token_hash = ? where id = ?", [token_hash, household_id]
            )

    def add_entry(self, entry: Entry, *, limit: int) -> None:
        """Raises InvalidInput (field entries) if the household already has ``limit`` entries."""
        with self._write(wait_ms=self.wait_ms):
            self._lock_household(entry.household_id)
            count = self._count(
                "select count(*) from household_entries where household_id = ?",
                [entry.household_id],
            )
            if count >= limit:
                raise InvalidInput(
                    _("A household keeps at most %(limit)s entries.", limit=limit),
                    field="entries",
                    limit=limit,
                )
            self.db.execute(
                insert_sql("household_entries", ENTRY_COLUMNS),
                [
                    entry.id,
                    entry.household_id,
                    entry.kind,
                    entry.start.isoformat(),
                    entry.end.isoformat(),
                    entry.code,
                    _text(entry.quantity),
                    _text(entry.amount),
                    entry.unit,
                    _text(entry.distance),
                    entry.distance_unit,
                    _text(entry.consumption),
                ],
            )

    def remove_entry(self, household_id: str, entry_id: str) -> bool:
        """True if an entry of this household was deleted."""
        with self._write(wait_ms=self.wait_ms):
            cursor = self.db.execute(
                "delete from household_entries where household_id = ? and id = ?",
                [household_id, entry_id],
            )
            return cursor.rowcount > 0

    def entries(
        self, household_id: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[Entry]:
        """Entries in insertion order; with start/end, only those overlapping the period."""
        sql = "select * from household_entries where household_id = ?"
        params: list[str] = [household_id]
        if start is not None and end is not None:
            sql += " and start_on <= ? and end_on >= ?"
            params += [end.isoformat(), start.isoformat()]
        return [_entry(row) for row in self.db.query(f"{sql} order by {self.ENTRY_ORDER}", params)]

    def delete(self, household_id: str) -> None:
        """Delete the household and all of its rows, in one transaction."""
        with self._write(wait_ms=self.wait_ms):
            self.db.execute("delete from household_entries where household_id = ?", [household_id])
            self.db.execute("delete from households where id = ?", [household_id])
        self._erase()

    def purge(self, inactive_before: dt.date) -> int:
        """Delete households last used before ``inactive_before``; returns how many."""
        with self._write(wait_ms=self.wait_ms):
            stale = "select id from households where last_active_on < ?"
            params = [inactive_before.isoformat()]
            self.db.execute(
                f"delete from household_entries where household_id in ({stale})", params
            )
            removed = self.db.execute(
                "delete from households where last_active_on < ?", params
            ).rowcount
        self._erase()
        return removed


class SqliteHouseholds(Households):
    def _write(self, *, wait_ms: int | None = None) -> AbstractContextManager:
        # Overwrite deleted content with zeros instead of leaving it in free pages.
        self.db.execute("PRAGMA secure_delete = ON")
        return super()._write(wait_ms=wait_ms)

    def _erase(self) -> None:
        # secure_delete zeroed the rows in the main file; the WAL still has older copies.
        checkpoint_truncate(self.db)


def _household(row: dict) -> Household:
    return Household(
        **{c: row[c] for c in HOUSEHOLD_COLUMNS[:-1]},
        last_active_on=dt.date.fromisoformat(row["last_active_on"]),
    )


def _entry(row: dict) -> Entry:
    return Entry(
        id=row["id"],
        household_id=row["household_id"],
        kind=row["kind"],
        start=dt.date.fromisoformat(row["start_on"]),
        end=dt.date.fromisoformat(row["end_on"]),
        code=row["code"],
        quantity=_dec(row["quantity"]),
        amount=_dec(row["amount"]),
        unit=row["unit"],
        distance=_dec(row["distance"]),
        distance_unit=row["distance_unit"],
        consumption=_dec(row["consumption"]),
    )


def _text(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def _dec(value: str | None) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None
