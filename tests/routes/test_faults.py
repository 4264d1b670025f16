"""Faults: the database file deleted or replaced while running (SQLite), a long write holding
the database, and a database that cannot be written (both engines). Each answers 503 with
Retry-After (or keeps answering reads), never 500 and never after gunicorn's 30 s timeout."""

from __future__ import annotations

import os
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app import create_app
from app.db import close_thread_connections, get_db
from app.storage.postgres.connection import connect as pg_connect
from tests.helpers import assert_error
from tests.routes.test_estimator import WATER
from tests.routes.test_saved_households import consent_version, create

the_file = pytest.mark.sqlite_only("the database file itself: deleted or replaced")

EXAMPLE = "/v1/products/09506000134352"


def remove_database(app) -> None:
    path = Path(app.config["DATABASE"])
    for p in path.parent.glob(path.name + "*"):
        if not p.name.endswith(".lock"):
            p.unlink()


@the_file
def test_a_deleted_database_fails_health_and_writes_and_is_never_recreated(app, client):
    assert client.get("/v1/health").status_code == 200
    remove_database(app)
    resp = client.get("/v1/health")
    assert_error(resp, 503, "unavailable")
    assert "Retry-After" in resp.headers
    body = {"consent": True, "consent_version": "x", "household_size": 2}
    assert_error(client.post("/v1/households", json=body), 503, "unavailable")
    # A worker (re)started now (a new process: no open connection) does not create an
    # empty database in its place.
    close_thread_connections()
    restarted = create_app(
        {"DATABASE": app.config["DATABASE"], "TESTING": True, "CREATE_DATABASE": False}
    ).test_client()
    assert_error(restarted.get("/v1/health"), 503, "unavailable")
    assert_error(restarted.get(EXAMPLE), 503, "unavailable")
    assert not Path(app.config["DATABASE"]).exists()


@the_file
def test_a_replaced_database_fails_health(app, client):
    assert client.get("/v1/health").status_code == 200
    path = app.config["DATABASE"]
    os.replace(path, path + ".old")
    sqlite3.connect(path).close()  # another, empty file under the same name
    assert_error(client.get("/v1/health"), 503, "unavailable")


@contextmanager
def writes_held(app) -> Iterator[None]:
    """Another connection holds what household writes need: SQLite's write lock (e.g. an
    import), PostgreSQL's households table (e.g. VACUUM FULL, a migration)."""
    url = app.config["DATABASE_URL"]
    if url:
        with pg_connect(url) as holder:
            holder.execute("begin")
            holder.execute("lock table households in exclusive mode")  # reads still pass
            try:
                yield
            finally:
                holder.execute("rollback")
        return
    holder = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_long_write_gets_503_quickly_and_reads_do_not_wait(app, client):
    app.config["HOUSEHOLD_WRITE_TIMEOUT_MS"] = 300
    household_id, auth = create(client)
    app.config["TODAY"] = "2026-06-20"  # the next GET touches last_active_on (a write)
    with writes_held(app):
        start = time.perf_counter()
        payload = {
            "consent": True,
            "consent_version": consent_version(client),
            "household_size": 2,
        }
        resp = client.post("/v1/households", json=payload)
        assert time.perf_counter() - start < 2
        assert_error(resp, 503, "unavailable")
        assert int(resp.headers["Retry-After"]) > 0
        start = time.perf_counter()
        assert client.get(f"/v1/households/{household_id}", headers=auth).status_code == 200
        assert client.get(EXAMPLE).status_code == 200
        assert time.perf_counter() - start < 0.25  # neither waited on the lock
    assert client.get(f"/v1/households/{household_id}", headers=auth).status_code == 200


@contextmanager
def read_only(app) -> Iterator[None]:
    """The database refuses writes. SQLite: tests run as root, for whom file modes do not
    apply; query_only makes SQLite answer exactly as for a read-only file (SQLITE_READONLY).
    PostgreSQL: every new session read-only (as on a standby), its pools reopened."""
    url = app.config["DATABASE_URL"]
    if url:
        name = urllib.parse.urlsplit(url).path.lstrip("/")
        with pg_connect(url) as admin:
            admin.execute(f'alter database "{name}" set default_transaction_read_only = on')
            close_thread_connections()
            try:
                yield
            finally:
                admin.execute(f'alter database "{name}" reset default_transaction_read_only')
                close_thread_connections()
        return
    with app.app_context():
        get_db().execute("PRAGMA query_only = 1")
    try:
        yield
    finally:
        with app.app_context():
            get_db().execute("PRAGMA query_only = 0")


def test_a_read_only_database_refuses_writes_clearly_and_keeps_reading(app, client):
    household_id, auth = create(client)
    app.config["TODAY"] = "2026-06-20"
    with read_only(app):
        assert client.get(EXAMPLE).status_code == 200
        assert client.get(f"/v1/households/{household_id}", headers=auth).status_code == 200
        entry = {"kind": "purchase", "date": "2026-05-01", "code": WATER}
        resp = client.post(f"/v1/households/{household_id}/entries", json=entry, headers=auth)
        body = assert_error(resp, 503, "unavailable")
        assert "read-only" in body["message"]
        assert "Retry-After" in resp.headers
