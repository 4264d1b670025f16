"""PostgreSQL connections: one psycopg_pool pool per process and URL, and PgDatabase, a
pooled connection with the calls the shared stores make (``execute``, ``executemany``,
``query`` with ``?``/``:name`` parameters, ``write_transaction``).

Connections are in autocommit mode: a read sees the latest commit of any node, and nothing
is left idle in a transaction; writes open one explicitly (write_transaction). Under gevent
workers psycopg (3.1.14+) waits on its sockets through the patched ``select``, so a query
holds a greenlet, not the worker (tests/storage/test_postgres.py checks it)."""

from __future__ import annotations

import re
import select
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from app.core.errors import Unavailable
from app.storage.dialect import POSTGRES
from app.storage.transactions import READ_ONLY, Transaction

#: pg_advisory_xact_lock key that serialises catalogue writes (one release at a time), as
#: SQLite's write lock does; 0x74616e6a = "tanj".
CATALOGUE_LOCK = 0x74616E6A_0001
#: pg_advisory_lock key held while migrations run (init-db on several nodes at once).
MIGRATION_LOCK = 0x74616E6A_0002

_PARAM = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|%|\?|(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=1024)
def pg_sql(sql: str) -> str:
    """``sql`` with SQLite's parameters (``?``, ``:name``) as psycopg's (``%s``,
    ``%(name)s``) and a literal ``%`` doubled; quoted text and ``::type`` casts are left alone."""

    def replace(match: re.Match) -> str:
        text = match.group(0)
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        if match.group(1):
            return f"%({match.group(1)})s"
        return text

    return _PARAM.sub(replace, sql)


class PgDatabase:
    """One PostgreSQL connection (autocommit) as the shared stores use a database.

    ``commits`` counts transactions committed through it, so a catalogue that remembers the
    release it read knows when its own writes changed it. ``trace``, if set, is called with
    each statement (tests count them)."""

    dialect = POSTGRES

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.commits = 0
        self.trace: Callable[[str], None] | None = None

    def execute(self, sql: str, params: Any = None) -> psycopg.Cursor:
        if self.trace is not None:
            self.trace(sql)
        return self.conn.execute(pg_sql(sql), params or None)

    def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        rows = list(rows)
        if not rows:
            return
        if self.trace is not None:
            self.trace(sql)
        with self.conn.cursor() as cursor:
            cursor.executemany(pg_sql(sql), rows)

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]:
        """Rows as dicts, like sqlite-utils' ``Database.query``."""
        if self.trace is not None:
            self.trace(sql)
        with self.conn.cursor(row_factory=dict_row) as cursor:
            cursor.execute(pg_sql(sql), params or None)
            yield from cursor

    def insert_many(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
        """Insert rows (tuples in ``columns`` order) with one COPY, streamed: the bulk of an
        import (new certificates) goes in at COPY's speed, inside the open transaction."""
        names = ", ".join(f'"{c}"' for c in columns)
        if self.trace is not None:
            self.trace(f"copy {table}")
        with self.conn.cursor() as cursor:
            with cursor.copy(f'copy "{table}" ({names}) from stdin') as copy:
                for row in rows:
                    copy.write_row(row)

    def stream(self, sql: str, params: Any = None) -> Iterator[tuple]:
        """Rows of a large result as they are read: a server-side cursor inside the open
        transaction (a client-side one would hold every row in memory)."""
        if self.trace is not None:
            self.trace(sql)
        with self.conn.cursor(name="tanji_stream") as cursor:
            cursor.itersize = 10_000
            cursor.execute(pg_sql(sql), params or None)
            yield from cursor

    @property
    def in_transaction(self) -> bool:
        return self.conn.info.transaction_status != TransactionStatus.IDLE

    @contextmanager
    def write_transaction(
        self,
        *,
        wait_ms: int | None = None,
        busy: str = "Another write holds the database; retry in a minute.",
        lock: int | None = CATALOGUE_LOCK,
    ) -> Iterator[Transaction]:
        """Run the block in a transaction: committed when it ends (unless it set ``keep``
        False), rolled back when it raises. With ``lock`` (the default: catalogue writes), the
        transaction first takes that advisory lock, so writers queue one at a time across
        every node, waiting up to ``wait_ms`` (None: as long as it takes) before Unavailable
        with the message ``busy``. Without (``lock=None``: households, keys, PACT), the rows
        and tables the block writes are its locks, and each wait for one (a row another write
        holds, a table VACUUM FULL holds) lasts at most ``wait_ms`` (lock_timeout; psycopg
        waits on its socket, so under gevent the wait holds a greenlet, not the worker).
        Readers never wait. A database that refuses writes (read-only) is Unavailable too."""
        conn = self.conn
        conn.execute("begin")
        transaction = Transaction()
        try:
            if lock is not None:
                _lock(conn, lock, wait_ms, busy)
            elif wait_ms is not None:
                timeout = f"{max(int(wait_ms), 1)}ms"  # 0 would mean no timeout at all
                conn.execute("select set_config('lock_timeout', %s, true)", [timeout])
            yield transaction
        except psycopg.errors.LockNotAvailable:
            _rollback(conn)
            raise Unavailable(busy, retry=True) from None
        except psycopg.errors.ReadOnlySqlTransaction:
            _rollback(conn)
            raise Unavailable(READ_ONLY, retry_after=3600) from None
        except BaseException:
            _rollback(conn)
            raise
        if transaction.keep:
            try:
                conn.execute("commit")
            except psycopg.errors.ReadOnlySqlTransaction:
                _rollback(conn)
                raise Unavailable(READ_ONLY, retry_after=3600) from None
            self.commits += 1
        else:
            conn.execute("rollback")


def _lock(conn: psycopg.Connection, key: int, wait_ms: int | None, busy: str) -> None:
    if wait_ms is None:
        conn.execute("select pg_advisory_xact_lock(%s)", [key])
        return
    # Short polls rather than lock_timeout: under gevent the sleep yields to lookups.
    deadline = time.monotonic() + wait_ms / 1000
    while not conn.execute("select pg_try_advisory_xact_lock(%s)", [key]).fetchone()[0]:
        if time.monotonic() >= deadline:
            raise Unavailable(busy, retry=True)
        time.sleep(0.02)


def _rollback(conn: psycopg.Connection) -> None:
    if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
        conn.execute("rollback")


# -- pools ---------------------------------------------------------------------------------
_pools: dict[str, ConnectionPool] = {}
_pools_lock = threading.Lock()


def _configure(conn: psycopg.Connection) -> None:
    conn.autocommit = True


def _check_idle_connection(conn: psycopg.Connection) -> None:
    """Raises if the server has dropped this idle connection (a restart, a failover, an admin
    or proxy cutting it), so the pool replaces it instead of handing it to a request to fail
    on. Cheap on the hot path: an idle connection has nothing to read unless the server sent
    something (its goodbye, end of file, a notice); only then a round trip checks it."""
    if conn.closed:
        raise psycopg.OperationalError("the connection is closed")
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)


def pool(url: str, *, max_size: int = 10, timeout: float = 5.0) -> ConnectionPool:
    """This process's pool of connections to ``url`` (opened on first use)."""
    found = _pools.get(url)
    if found is None:
        with _pools_lock:
            found = _pools.get(url)
            if found is None:
                found = ConnectionPool(
                    url,
                    min_size=1,
                    max_size=max_size,
                    timeout=timeout,
                    configure=_configure,
                    check=_check_idle_connection,
                    open=False,
                    name="tanji",
                )
                found.open(wait=True, timeout=timeout)
                _pools[url] = found
    return found


_UNREACHABLE = "The database is unreachable at the moment; retry in a minute."


def unreachable() -> Unavailable:
    """What a request gets when the server cannot be reached, or went away under it."""
    return Unavailable(_UNREACHABLE, retry_after=30)


def checkout(url: str, **options: Any) -> tuple[ConnectionPool, psycopg.Connection]:
    """A connection from this process's pool for ``url``; give it back with ``release``.
    Raises Unavailable when the pool has none free within its timeout or the server is down."""
    try:
        p = pool(url, **options)
        return p, p.getconn()
    except (PoolTimeout, psycopg.OperationalError):
        raise unreachable() from None


def release(p: ConnectionPool, conn: psycopg.Connection) -> None:
    if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
        conn.rollback()  # a request that failed mid-transaction
    p.putconn(conn)


def close_pools() -> None:
    """Close every pool of this process (tests; after fork a worker opens its own)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for p in pools:
        p.close()


@contextmanager
def connect(url: str) -> Iterator[PgDatabase]:
    """A connection of its own, outside any pool (CLI commands, migrations, imports)."""
    conn = psycopg.connect(url, autocommit=True)
    try:
        yield PgDatabase(conn)
    finally:
        conn.close()
