"""The one way storage writes: ``with write_transaction(db):`` around every change."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlite_utils import Database

from app.core.errors import Unavailable


@dataclass
class Transaction:
    """An open write transaction. Set ``keep`` to False to roll back on a clean exit."""

    keep: bool = True


@contextmanager
def write_transaction(
    db: Database,
    *,
    wait_ms: int | None = None,
    busy: str = "Another write holds the database; retry in a minute.",
) -> Iterator[Transaction]:
    """Run the block in a ``BEGIN IMMEDIATE`` transaction: committed when the block ends
    (unless it set ``keep`` False), rolled back when it raises.

    IMMEDIATE takes SQLite's write lock at once, so writers queue (up to the connection's
    busy timeout, or ``wait_ms``) while readers keep reading the last commit (WAL). Raises
    Unavailable (message ``busy``) when another write holds the lock for longer than that.
    """
    conn = db.conn
    previous = conn.execute("pragma busy_timeout").fetchone()[0]
    if wait_ms is not None:
        conn.execute(f"pragma busy_timeout = {int(wait_ms)}")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if "locked" not in str(error) and "busy" not in str(error):
            raise
        raise Unavailable(busy, retry=True) from None
    finally:
        if wait_ms is not None:
            conn.execute(f"pragma busy_timeout = {int(previous)}")
    transaction = Transaction()
    try:
        yield transaction
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT" if transaction.keep else "ROLLBACK")


def checkpoint_truncate(db: Database, *, wait_ms: int = 2000) -> bool:
    """Copy the WAL into the main file and truncate it to zero bytes, so rows just deleted
    (with secure_delete on, zeroed in the main file) leave no older copy in tanji.db-wal.
    Waits up to ``wait_ms`` for readers of older snapshots; True if the WAL is now empty."""
    conn = db.conn
    previous = conn.execute("pragma busy_timeout").fetchone()[0]
    conn.execute(f"pragma busy_timeout = {int(wait_ms)}")
    try:
        busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.execute(f"pragma busy_timeout = {int(previous)}")
    return busy == 0
