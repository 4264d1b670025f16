"""The SQLite connection as the stores use it: sqlite-utils' Database with what the stores
shared by both engines call on a connection (see app/storage/postgres/connection.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlite_utils import Database as _Database

from app.storage.dialect import SQLITE
from app.storage.rows import insert_sql
from app.storage.transactions import Transaction, write_transaction


class Database(_Database):
    """A SQLite database; ``execute`` and ``query`` are sqlite-utils' own."""

    dialect = SQLITE

    def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        self.conn.executemany(sql, rows)

    def insert_many(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
        """Insert rows (tuples in ``columns`` order): one executemany."""
        self.conn.executemany(insert_sql(table, columns), rows)

    def stream(self, sql: str, params: Any = None) -> Iterable[tuple]:
        """Rows of a large result as they are read (sqlite3 cursors already stream)."""
        return self.conn.execute(sql, params or ())

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    @contextmanager
    def write_transaction(
        self, *, wait_ms: int | None = None, busy: str | None = None, lock: Any = None
    ) -> Iterator[Transaction]:
        """transactions.write_transaction on this database (``BEGIN IMMEDIATE``: SQLite has
        one write lock, so ``lock``, which names PostgreSQL's advisory lock, changes nothing)."""
        kwargs = {"busy": busy} if busy else {}
        with write_transaction(self, wait_ms=wait_ms, **kwargs) as transaction:
            yield transaction
