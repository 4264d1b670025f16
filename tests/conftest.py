"""Shared fixtures: an app on a temporary database seeded from fixtures/, with "today" pinned,
on SQLite or (where a test's folder asks for both engines, tests/engines.py) on a fresh
PostgreSQL database of a throwaway cluster (tests/pg.py)."""

from __future__ import annotations

import ctypes.util
import datetime as dt
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

from app import create_app
from app.db import close_thread_connections, ensure_postgres
from tests import pg

ROOT = Path(__file__).resolve().parents[1]

# Property tests explore new examples on every local run; in CI (CI=true) they replay a fixed
# set, so a landing never depends on what one random draw happens to find.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
#: Every test sees the same "today", so certificate validity never depends on the real date.
TODAY = dt.date(2026, 6, 15)


def pytest_report_header(config):
    return [
        f"sqlite {sqlite3.sqlite_version}, zbar {ctypes.util.find_library('zbar') or 'not found'}"
    ]


@pytest.fixture(scope="session")
def catalogue_data() -> dict:
    return json.loads((ROOT / "fixtures" / "catalogue.json").read_text())


def app_settings(database: Path, **config) -> dict:
    """What every test app runs with (in process, or served: tests/browser/): its database,
    "today" pinned; keyword arguments override any other setting."""
    return {
        "TESTING": True,
        "DATABASE": str(database),
        "TODAY": TODAY.isoformat(),
        # Rate-limit counters per test app, in memory (served workers share a store).
        "RATELIMIT_STORAGE_URI": "memory://",
        **config,
    }


#: The migrated and seeded database every PostgreSQL test database is copied from.
PG_TEMPLATE = "tanji_template"


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for the session, with the template database; tests
    that need it are skipped, with the reason, when it cannot start."""
    try:
        cluster = pg.Cluster.start()
    except pg.Unavailable as error:
        pytest.skip(f"no PostgreSQL cluster: {error}")
    try:
        ensure_postgres(cluster.create_database(PG_TEMPLATE), seed_if_empty=True, today=TODAY)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_database(pg_cluster):
    """The URL of a fresh PostgreSQL database, migrated and seeded (a copy of the template)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = pg_cluster.create_database(name, template=PG_TEMPLATE)
    yield url
    close_thread_connections()  # its pools, so the database can go
    pg_cluster.drop_database(name)


@pytest.fixture
def engine() -> str:
    """The storage engine of make_app: SQLite, except where a folder's conftest asks for
    both (tests/engines.py)."""
    return "sqlite"


@pytest.fixture
def make_app(tmp_path, engine, request):
    """The one way tests build the app: a fresh database (SQLite in tmp_path, or a PostgreSQL
    database of its own when ``engine`` is "postgresql"), seeded from fixtures/, "today"
    pinned; keyword arguments override any other setting. Every app a test makes shares
    that database."""
    database_url = request.getfixturevalue("pg_database") if engine == "postgresql" else None

    def make(**config):
        return create_app(
            app_settings(tmp_path / "tanji.db", **{"DATABASE_URL": database_url, **config})
        )

    yield make
    close_thread_connections()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A connection of its own to the app's database (either engine)."""
    with open_database(app) as database:
        yield database


@contextmanager
def open_database(app) -> Iterator:
    """A connection of its own to ``app``'s database, SQLite or PostgreSQL (closed after)."""
    from app.db import connect
    from app.storage.postgres.connection import connect as pg_connect

    if app.config["DATABASE_URL"]:
        with pg_connect(app.config["DATABASE_URL"]) as database:
            yield database
        return
    database = connect(app.config["DATABASE"])
    try:
        yield database
    finally:
        database.conn.close()
