"""Database access: one sqlite-utils Database per thread and file, exposed per request on g;
CLI commands to create and seed the database."""

from __future__ import annotations

import datetime as dt
import fcntl
import sqlite3
import threading
from pathlib import Path

import click
from flask import Flask, current_app, g
from sqlite_utils import Database

from app import clock
from app.storage import migrations
from app.storage.catalog import SqliteCatalogue
from app.storage.ingest import refresh_benchmarks
from app.storage.seed import seed

_local = threading.local()


def connect(path: str, *, mmap_mb: int = 0) -> Database:
    """A new connection in WAL mode with a busy timeout, so readers never block writers.

    ``mmap_mb`` > 0 reads the file through a memory map (lookup connections): a page read
    becomes a memory access instead of a pread into SQLite's page cache, which is what a
    random lookup in a large catalogue mostly misses. Imports leave it off, so their RSS
    does not grow with the file."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    if mmap_mb > 0:
        conn.execute(f"PRAGMA mmap_size={int(mmap_mb) << 20}")
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
        mmap_mb = int(current_app.config["READ_MMAP_MB"])
        catalogue = pool[path] = SqliteCatalogue(connect(path, mmap_mb=mmap_mb))
    return catalogue


def get_db() -> Database:
    """The database for this request."""
    if "db" not in g:
        g.db = _thread_catalogue().db
    return g.db


def get_catalogue() -> SqliteCatalogue:
    """The catalogue for this request (reads only)."""
    return _thread_catalogue()


def close_thread_connections() -> None:
    """Close this thread's connections (tests and CLI commands call this)."""
    for catalogue in getattr(_local, "pool", {}).values():
        catalogue.db.conn.close()
    _local.pool = {}


def ensure_database(path: str, *, seed_if_empty: bool, today: dt.date | None = None) -> None:
    """Create the schema (and seed the sample catalogue) on first run; safe to call from
    several processes at once. ``today`` dates the seeded release's category benchmarks."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # A lock file serialises migrations between processes (gunicorn workers, CLI).
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        db = connect(path)
        try:
            migrations.apply(db)
            if seed_if_empty and seed(db):
                with db.conn:
                    db.conn.execute("BEGIN")
                    refresh_benchmarks(db, 1, today or clock.today())
        finally:
            db.conn.close()


@click.command("init-db")
@click.option("--no-seed", is_flag=True, help="Create the schema only.")
def init_db_command(no_seed: bool) -> None:
    """Create the database schema and seed the sample catalogue if it is empty."""
    ensure_database(
        current_app.config["DATABASE"],
        seed_if_empty=not no_seed,
        today=clock.today(current_app.config["TODAY"]),
    )
    click.echo(f"Database ready: {current_app.config['DATABASE']}")


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db_command)
