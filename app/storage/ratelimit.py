"""Rate-limit counters as `limits` storage backends. One machine: ``tanji-sqlite://<path>``,
a small SQLite file shared by every gunicorn worker, by default in /dev/shm, so the counters
live in memory and vanish with a reboot. Several machines: ``redis://host:port`` (Redis, shared
by every node). Either way keys (which hold the client address) are stored only as a salted
BLAKE2 hash. Fixed-window strategy only (flask-limiter's default).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import tempfile
import threading
import time

from limits.storage import RedisStorage, Storage


class SharedFileStorage(Storage):
    STORAGE_SCHEME = ["tanji-sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = uri.split("://", 1)[1]
        self._local = threading.local()
        self._salt: bytes | None = None
        self._writes = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            conn = sqlite3.connect(self.path, timeout=2, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")  # in memory anyway; a crash may lose counts
            conn.execute(
                "create table if not exists counters "
                "(key text primary key, count integer not null, expires real not null)"
            )
            conn.execute("create table if not exists salt (value blob not null)")
            conn.execute(
                "insert into salt select ? where not exists (select 1 from salt)",
                [secrets.token_bytes(16)],
            )
            self._local.conn = conn
        if self._salt is None:
            self._salt = conn.execute("select value from salt").fetchone()[0]
        return conn

    def _key(self, key: str) -> str:
        self._conn()  # reads the salt on first use
        return hashlib.blake2b(key.encode(), key=self._salt, digest_size=16).hexdigest()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        conn, hashed, now = self._conn(), self._key(key), time.time()
        count = conn.execute(
            "insert into counters (key, count, expires) values (?, ?, ?) "
            "on conflict (key) do update set "
            "count = case when expires <= ? then excluded.count else count + excluded.count end, "
            "expires = case when expires <= ? then excluded.expires else expires end "
            "returning count",
            [hashed, amount, now + expiry, now, now],
        ).fetchone()[0]
        self._writes += 1
        if self._writes % 256 == 0:  # forget expired windows (and the hashed addresses in them)
            conn.execute("delete from counters where expires <= ?", [now])
        return count

    def get(self, key: str) -> int:
        row = (
            self._conn()
            .execute(
                "select count from counters where key = ? and expires > ?",
                [self._key(key), time.time()],
            )
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = (
            self._conn()
            .execute("select expires from counters where key = ?", [self._key(key)])
            .fetchone()
        )
        return row[0] if row and row[0] > time.time() else time.time()

    def check(self) -> bool:
        try:
            self._conn().execute("select 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        return self._conn().execute("delete from counters").rowcount

    def clear(self, key: str) -> None:
        self._conn().execute("delete from counters where key = ?", [self._key(key)])


class HashedRedisStorage(RedisStorage):
    """limits' Redis storage, with every key a salted BLAKE2 hash, so Redis never holds a
    client address. The salt lives in Redis itself (set once, by whichever node asks first),
    so every node hashes a client to the same counter.

    Registered for the schemes of limits' own Redis storage, so a plain ``redis://`` URI gets
    it. A server that does not answer within half a second counts as down: flask-limiter then
    counts in each worker's memory until it is back (app/web/ratelimit.py)."""

    STORAGE_SCHEME = ["redis", "rediss", "redis+unix"]
    SALT_KEY = "tanji:ratelimit-salt"

    def __init__(self, uri: str, **options: float | str | bool) -> None:
        options.setdefault("socket_timeout", 0.5)
        options.setdefault("socket_connect_timeout", 0.5)
        super().__init__(uri, key_prefix="tanji:ratelimit", **options)
        self._salt: bytes | None = None

    def prefixed_key(self, key: str) -> str:
        if key == "*":  # reset() deletes by pattern
            return super().prefixed_key(key)
        if self._salt is None:
            redis = self.get_connection()
            redis.set(self.SALT_KEY, secrets.token_bytes(16), nx=True)
            self._salt = redis.get(self.SALT_KEY)
        digest = hashlib.blake2b(key.encode(), key=self._salt, digest_size=16).hexdigest()
        return super().prefixed_key(digest)


def default_uri(database: str) -> str:
    """Counters for the service on ``database``: a file in /dev/shm (shared memory) when the
    machine has one, else the temp folder; one file per database, so two services (or two
    test apps) on one machine never share counters."""
    folder = "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()
    tag = hashlib.blake2b(os.path.abspath(database).encode(), digest_size=8).hexdigest()
    return f"tanji-sqlite://{folder}/tanji-ratelimit-{tag}.db"
