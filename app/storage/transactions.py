"""The one way storage writes: ``with write_transaction(db):`` around every change."""

from __future__ import annotations

import sqlite3
import time
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
    if wait_ms is None:
        _begin(conn, busy)
    else:
        # Wait in short sleeps rather than in SQLite's busy handler: under gevent workers
        # time.sleep yields, so lookups in the same worker keep answering while this waits.
        previous = conn.execute("pragma busy_timeout").fetchone()[0]
        conn.execute("pragma busy_timeout = 0")
        deadline = time.monotonic() + wait_ms / 1000
        try:
            while True:
                try:
                    _begin(conn, busy)
                    break
                except Unavailable as error:
                    if error.message == READ_ONLY or time.monotonic() >= deadline:
                        raise
                    time.sleep(0.02)
        finally:
            conn.execute(f"pragma busy_timeout = {int(previous)}")
    transaction = Transaction()
    try:
        yield transaction
    except sqlite3.OperationalError as error:
        conn.execute("ROLLBACK")
        if "readonly" in str(error):
            raise Unavailable(READ_ONLY, retry_after=3600) from None
        raise
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT" if transaction.keep else "ROLLBACK")
    except sqlite3.OperationalError as error:
        if "readonly" not in str(error):
            raise
        conn.execute("ROLLBACK")
        raise Unavailable(READ_ONLY, retry_after=3600) from None


def _begin(conn: sqlite3.Connection, busy: str) -> None:
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        text = str(error)
        if "readonly" in text or "read-only" in text:
            raise Unavailable(READ_ONLY, retry_after=3600) from None
        if "locked" not in text and "busy" not in text:
            raise
        raise Unavailable(busy, retry=True) from None


#: The message of every write while the database file cannot be written (reads still work).
READ_ONLY = (
    "Tanji is read-only at the moment: lookups work, but nothing can be saved. Try again later."
)


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
