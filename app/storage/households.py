"""Saved households in SQLite; implements the core's HouseholdStore protocol.

Every write runs in write_transaction (``BEGIN IMMEDIATE``), so family phones writing at once
queue on SQLite's write lock (busy_timeout) instead of failing or losing an entry.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlite_utils import Database

from app.core.errors import InvalidInput, Unavailable
from app.core.messages import _
from app.core.saved_households import Entry, Household
from app.storage.transactions import checkpoint_truncate, write_transaction

#: Every table that holds household data; delete and the tests check all of them.
TABLES = ("household_entries", "households")


class SqliteHouseholds:
    def __init__(self, db: Database, *, wait_ms: int | None = None) -> None:
        """``wait_ms``: how long a write waits for another write before Unavailable (503);
        None: the connection's busy timeout."""
        self.db = db
        self.wait_ms = wait_ms

    def _secure_delete(self) -> None:
        # Overwrite deleted content with zeros instead of leaving it in free pages.
        self.db.execute("PRAGMA secure_delete = ON")

    def create(self, household: Household, *, limit: int | None = None) -> None:
        """Raises Unavailable if the store already keeps ``limit`` households."""
        with write_transaction(self.db, wait_ms=self.wait_ms):
            if limit is not None:
                count = self.db.execute("select count(*) from households").fetchone()[0]
                if count >= limit:
                    raise Unavailable(
                        _("Tanji keeps no more saved households for now; try again later."),
                        limit=limit,
                        retry_after=3600,
                    )
            self.db.execute(
                "insert into households (id, token_hash, household_size, province, "
                "consent_version, consent_given_at, last_active_on) values (?, ?, ?, ?, ?, ?, ?)",
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
        or fail on a read-only file; a missed touch is retried on the next use."""
        try:
            with write_transaction(self.db, wait_ms=0):
                self.db.execute(
                    "update households set last_active_on = ? where id = ?",
                    [day.isoformat(), household_id],
                )
        except Unavailable:
            pass

    def set_token_hash(self, household_id: str, token_hash: str) -> None:
        with write_transaction(self.db, wait_ms=self.wait_ms):
            self.db.execute(
                "update households set token_hash = ? where id = ?", [token_hash, household_id]
            )

    def add_entry(self, entry: Entry, *, limit: int) -> None:
        """Raises InvalidInput (field entries) if the household already has ``limit`` entries."""
        with write_transaction(self.db, wait_ms=self.wait_ms):
            count = self.db.execute(
                "select count(*) from household_entries where household_id = ?",
                [entry.household_id],
            ).fetchone()[0]
            if count >= limit:
                raise InvalidInput(
                    _("A household keeps at most %(limit)s entries.", limit=limit),
                    field="entries",
                    limit=limit,
                )
            self.db.execute(
                "insert into household_entries (id, household_id, kind, start_on, end_on, code, "
                "quantity, amount, unit, distance, distance_unit, consumption) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        with write_transaction(self.db, wait_ms=self.wait_ms):
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
        return [_entry(row) for row in self.db.query(sql + " order by rowid", params)]

    def delete(self, household_id: str) -> None:
        """Delete the household and all of its rows, in one transaction."""
        self._secure_delete()
        with write_transaction(self.db, wait_ms=self.wait_ms):
            self.db.execute("delete from household_entries where household_id = ?", [household_id])
            self.db.execute("delete from households where id = ?", [household_id])
        checkpoint_truncate(self.db)

    def purge(self, inactive_before: dt.date) -> int:
        """Delete households last used before ``inactive_before``; returns how many."""
        self._secure_delete()
        with write_transaction(self.db, wait_ms=self.wait_ms):
            stale = "select id from households where last_active_on < ?"
            params = [inactive_before.isoformat()]
            self.db.execute(
                f"delete from household_entries where household_id in ({stale})", params
            )
            removed = self.db.execute(
                "delete from households where last_active_on < ?", params
            ).rowcount
        checkpoint_truncate(self.db)
        return removed


def _household(row: dict) -> Household:
    return Household(
        id=row["id"],
        token_hash=row["token_hash"],
        household_size=row["household_size"],
        province=row["province"],
        consent_version=row["consent_version"],
        consent_given_at=row["consent_given_at"],
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
