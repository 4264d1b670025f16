"""The wiring between the app and storage: which engine (PostgreSQL when DATABASE_URL is
set, else SQLite), its connections (SQLite: one per thread and file; PostgreSQL: one from the
process's pool per request, on g), the stores the core's protocols are given, and the CLI
command that creates and seeds the database. The only module outside app.storage that
imports it."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
import psycopg
from flask import Flask, current_app, g

from app import clock
from app.core.errors import Unavailable
from app.storage import migrations
from app.storage.benchmarks import refresh_benchmarks
from app.storage.catalog import CatalogueReads, Maps, SqliteCatalogue
from app.storage.connection import Database
from app.storage.households import Households, SqliteHouseholds
from app.storage.import_files import FactorFile, ImportFile
from app.storage.keys import ApiKeys
from app.storage.pact import PactStore, SqliteRevisions
from app.storage.postgres import connection as pg
from app.storage.postgres import migrations as pg_migrations
from app.storage.postgres.catalogue import PgCatalogue
from app.storage.postgres.households import PgHouseholds
from app.storage.ratelimit import default_uri as _ratelimit_default_uri
from app.storage.seed import seed
from app.storage.transactions import write_transaction
from app.storage.writer import SqlCatalogueWrites

_local = threading.local()


def connect(path: str, *, mmap_mb: int = 0, cache_kib: int = 0, create: bool = True) -> Database:
    """A new connection in WAL mode with a busy timeout, so readers never block writers.

    ``mmap_mb`` > 0 reads the file through a memory map (lookup connections): a page read
    becomes a memory access instead of a pread into SQLite's page cache, which is what a
    random lookup in a large catalogue mostly misses. Imports leave it off, so their RSS
    does not grow with the file. ``cache_kib`` > 0 sets the page cache (imports: it keeps the
    index pages of a large import in memory, about 20% faster at 200k rows)."""
    # ``create=False`` (what served workers use) opens an existing file only, so a deleted
    # database is an error rather than a new, empty catalogue: only `flask init-db` creates.
    target = path if create else f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=rw"
    conn = sqlite3.connect(
        target, timeout=30, isolation_level=None, check_same_thread=False, uri=not create
    )
    _opened.setdefault(os.path.abspath(path), _identity(path))
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    if mmap_mb > 0:
        conn.execute(f"PRAGMA mmap_size={int(mmap_mb) << 20}")
    if cache_kib > 0:
        conn.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
    return Database(conn)


def _thread_catalogue() -> SqliteCatalogue:
    """This thread's catalogue on the configured database file.

    Connections are kept per thread and file rather than opened per request: opening one
    costs more than a whole cached lookup (SQLite re-reads the schema on every connect).
    """
    path = current_app.config["DATABASE"]
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = {}
    catalogue = pool.get(path)
    if catalogue is None:
        # Served workers never create a database (sqlite3.connect would, silently and empty):
        # only `flask init-db` (make run's first step) does.
        if not os.path.exists(path):
            raise Unavailable(_MISSING, retry_after=60)
        mmap_mb = int(current_app.config["READ_MMAP_MB"])
        catalogue = pool[path] = SqliteCatalogue(connect(path, mmap_mb=mmap_mb, create=False))
    return catalogue


_MISSING = "The database file is missing; the operator must restore it or run `flask init-db`."
_REPLACED = "The database file was deleted or replaced while Tanji was running; restart Tanji."
#: (device, inode) of each database file when this process first opened it.
_opened: dict[str, tuple[int, int] | None] = {}


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def check_database_file() -> None:
    """Raises Unavailable unless the configured database file is still the one this process
    opened (deleted, or replaced by another file, means answers and writes would go to a file
    nobody else sees). A stat call: cheap enough for health checks and every write. Nothing
    to check on PostgreSQL (an unreachable server is Unavailable when a connection is taken)."""
    if postgres_url():
        return
    path = current_app.config["DATABASE"]
    now = _identity(path)
    if now is None:
        raise Unavailable(_MISSING, retry_after=60)
    opened = _opened.get(os.path.abspath(path))
    if opened is not None and opened != now:
        raise Unavailable(_REPLACED, retry_after=60)


def postgres_url(config=None) -> str | None:
    """The PostgreSQL URL when the app stores in PostgreSQL (DATABASE_URL), else None."""
    return (config if config is not None else current_app.config).get("DATABASE_URL") or None


def database_key(config=None) -> str:
    """Which database the app stores in (its PostgreSQL URL, else its SQLite file): the key
    of per-process caches of what it holds."""
    config = config if config is not None else current_app.config
    return postgres_url(config) or config["DATABASE"]


def engine(config=None) -> str:
    """ "postgresql" or "sqlite": the one place the engine is chosen."""
    return "postgresql" if postgres_url(config) else "sqlite"


def storage_versions() -> dict[str, str]:
    """The engine this app stores in and its version (the server's, for PostgreSQL)."""
    if postgres_url():
        number = _pg_checkout().conn.info.server_version  # e.g. 150014 for 15.14
        return {"engine": "postgresql", "postgresql": f"{number // 10000}.{number % 10000}"}
    return {"engine": "sqlite", "sqlite": sqlite3.sqlite_version}


def _pg_checkout() -> pg.PgDatabase:
    """This request's pooled PostgreSQL connection (given back when the request ends)."""
    if "pg" not in g:
        config = current_app.config
        g.pg = pg.checkout(
            config["DATABASE_URL"],
            max_size=int(config["DATABASE_POOL_SIZE"]),
            timeout=float(config["DATABASE_POOL_TIMEOUT"]),
        )
        g.db = pg.PgDatabase(g.pg[1])
    return g.db


def _pg_checkin(_exc: BaseException | None = None) -> None:
    checked_out = g.pop("pg", None)
    if checked_out is not None:
        g.pop("db", None)
        pg.release(*checked_out)


#: Categories and bodies per PostgreSQL URL, shared by this process's requests.
_pg_maps: dict[str, Maps] = {}


def get_db() -> Database | pg.PgDatabase:
    """The database for this request."""
    if postgres_url():
        return _pg_checkout()
    if "db" not in g:
        g.db = _thread_catalogue().db
    return g.db


def get_catalogue() -> CatalogueReads:
    """The catalogue for this request (reads only)."""
    url = postgres_url()
    if url is None:
        return _thread_catalogue()
    if "catalogue" not in g:
        g.catalogue = PgCatalogue(
            _pg_checkout(), _pg_maps.setdefault(url, Maps()), per_request=True
        )
    return g.catalogue


def get_catalogue_writes() -> SqlCatalogueWrites:
    """Catalogue write transactions for this request (the core's CatalogueWrites)."""
    check_database_file()
    return SqlCatalogueWrites(get_db())


def get_api_keys() -> ApiKeys:
    """API keys of certification bodies, for this request."""
    return ApiKeys(get_db())


def _households(db: Database | pg.PgDatabase, wait_ms: int | None = None) -> Households:
    if isinstance(db, pg.PgDatabase):
        return PgHouseholds(db, wait_ms=wait_ms)
    return SqliteHouseholds(db, wait_ms=wait_ms)


def get_households() -> Households:
    """Saved households for this request (the core's HouseholdStore)."""
    if "households" not in g:
        check_database_file()
        g.households = _households(
            get_db(), wait_ms=current_app.config["HOUSEHOLD_WRITE_TIMEOUT_MS"]
        )
    return g.households


@dataclass(frozen=True)
class Stores:
    """The stores of one connection, for a CLI command."""

    db: Database | pg.PgDatabase

    @property
    def catalogue_writes(self) -> SqlCatalogueWrites:
        return SqlCatalogueWrites(self.db)

    @property
    def api_keys(self) -> ApiKeys:
        return ApiKeys(self.db)

    @property
    def households(self) -> Households:
        return _households(self.db)


@contextmanager
def open_stores(*, cache_mb: int = 0) -> Iterator[Stores]:
    """A connection of its own to the configured database (closed after the block), for CLI
    commands; ``cache_mb``: its page cache (SQLite imports)."""
    url = postgres_url()
    if url is not None:
        with pg.connect(url) as database:
            yield Stores(database)
        return
    db = connect(current_app.config["DATABASE"], cache_kib=int(cache_mb) * 1024)
    try:
        yield Stores(db)
    finally:
        db.conn.close()


def import_file(path: Path) -> ImportFile:
    """A CSV or JSON Lines file as the core's RowSource."""
    return ImportFile(path)


def factor_file(path: Path) -> FactorFile:
    """A CSV or JSON Lines emission factor table as the core's FactorSource."""
    return FactorFile(path)


def ratelimit_storage_uri(config) -> str:
    """Where rate-limit counters live: RATELIMIT_STORAGE_URI if set (e.g. redis:// for
    several machines), else a file in shared memory that every worker on this machine shares
    (app/storage/ratelimit.py registers its ``tanji-sqlite://`` scheme with `limits`)."""
    return config["RATELIMIT_STORAGE_URI"] or _ratelimit_default_uri(config["DATABASE"])


def close_thread_connections() -> None:
    """Close this thread's SQLite connections and this process's PostgreSQL pools (tests and
    CLI commands call this)."""
    for catalogue in getattr(_local, "pool", {}).values():
        catalogue.db.conn.close()
    _local.pool = {}
    pg.close_pools()


def ensure_database(path: str, *, seed_if_empty: bool, today: dt.date | None = None) -> None:
    """Create the schema (and seed the sample catalogue) on first run; safe to call from
    several processes at once. ``today`` dates the seeded release's category benchmarks."""
    _private_files(path)
    # A lock file serialises migrations between processes (gunicorn workers, CLI).
    with open(os.open(f"{path}.lock", os.O_WRONLY | os.O_CREAT, 0o600), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        db = connect(path)
        try:
            migrations.apply(db)
            if seed_if_empty and seed(db):
                with write_transaction(db):
                    refresh_benchmarks(db, 1, today or clock.today())
        finally:
            db.conn.close()


def ensure_postgres(url: str, *, seed_if_empty: bool, today: dt.date | None = None) -> None:
    """ensure_database on PostgreSQL: apply pending migrations (an advisory lock makes
    several nodes at once safe) and seed an empty catalogue as release 1."""
    with pg.connect(url) as database:
        pg_migrations.apply(database)
        if seed_if_empty and seed(database):
            with database.write_transaction():
                refresh_benchmarks(database, 1, today or clock.today())


def prepare_database(config) -> str:
    """Create, migrate and (with SEED_ON_FIRST_RUN) seed the configured database; returns
    where it is, for messages (a URL's password is not shown)."""
    today = clock.today(config["TODAY"])
    seed_if_empty = config["SEED_ON_FIRST_RUN"]
    url = postgres_url(config)
    if url is not None:
        ensure_postgres(url, seed_if_empty=seed_if_empty, today=today)
        return _without_password(url)
    ensure_database(config["DATABASE"], seed_if_empty=seed_if_empty, today=today)
    return config["DATABASE"]


def _without_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _private_files(path: str) -> None:
    """The database's folder and files readable by their owner only: saved households are
    personal data. SQLite gives -wal and -shm the main file's mode, so creating that file
    0600 before SQLite opens it covers all three."""
    folder = Path(path).parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for suffix in ("", "-wal", "-shm", ".lock"):
        file = Path(f"{path}{suffix}")
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


@click.command("init-db")
@click.option("--no-seed", is_flag=True, help="Create the schema only.")
def init_db_command(no_seed: bool) -> None:
    """Create the database schema and seed the sample catalogue if it is empty."""
    where = prepare_database({**current_app.config, "SEED_ON_FIRST_RUN": not no_seed})
    click.echo(f"Database ready: {where}")


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    app.teardown_appcontext(_pg_checkin)

    @app.errorhandler(psycopg.OperationalError)
    def _connection_lost(error: psycopg.OperationalError):
        """PostgreSQL went away under a request (a restart, a failover, a statement cut):
        503 in the shape of the route's own errors (API, pages, PACT), never a 500. The pool
        drops the broken connection when it is given back."""
        current_app.logger.warning("database error, answered 503: %s", type(error).__name__)
        return current_app.handle_user_exception(pg.unreachable())


# -- PACT v3 -------------------------------------------------------------------------------
def get_pact_store() -> PactStore:
    """PACT clients, tokens and event outbox on this request's connection."""
    return PactStore(get_db())


def get_pact_revisions() -> SqliteRevisions:
    """Certificate revisions, as PACT footprints read them, for this request (either engine)."""
    return SqliteRevisions(get_catalogue())


class PactConnection:
    """PACT storage on a connection of its own (CLI commands, the event delivery thread), on
    the configured engine."""

    def __init__(self, config) -> None:
        self._closing = ExitStack()
        url = postgres_url(config)
        catalogue: CatalogueReads
        if url is not None:
            self.db = self._closing.enter_context(pg.connect(url))
            catalogue = PgCatalogue(self.db)
        else:
            self.db = connect(config["DATABASE"], create=False)
            self._closing.callback(self.db.conn.close)
            catalogue = SqliteCatalogue(self.db)
        self.store = PactStore(self.db)
        self.revisions = SqliteRevisions(catalogue)

    def close(self) -> None:
        self._closing.close()

    def __enter__(self) -> PactConnection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
