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

import psycopg
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
    # Reads must not wait for the write lock at all; a write waits its timeout. The timeout is
    # long enough that "did not wait" stays measurable on a loaded machine.
    app.config["HOUSEHOLD_WRITE_TIMEOUT_MS"] = 1500
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
        assert time.perf_counter() - start < 5
        assert_error(resp, 503, "unavailable")
        assert int(resp.headers["Retry-After"]) > 0
        start = time.perf_counter()
        assert client.get(f"/v1/households/{household_id}", headers=auth).status_code == 200
        assert client.get(EXAMPLE).status_code == 200
        assert time.perf_counter() - start < 1.0  # neither waited out the lock's 1.5 s
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


def test_connections_cut_by_a_database_restart_cost_no_request_a_500(app, client):
    """PostgreSQL restarted (or a proxy dropped idle connections): the pool's connections are
    dead. The next requests take fresh ones and answer as before; none gets a 500."""
    url = app.config["DATABASE_URL"]
    if not url:
        pytest.skip("PostgreSQL only: SQLite has no server connections to lose")
    assert client.get(EXAMPLE).status_code == 200  # the pool now holds a connection
    with pg_connect(url) as admin:
        cut = admin.execute(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity"
            " where datname = current_database() and pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert cut >= 1
    for _ in range(3):
        resp = client.get(EXAMPLE)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert resp.get_json()["gtin"] == "09506000134352"
    household_id, auth = create(client)  # a write takes a fresh connection too
    assert client.get(f"/v1/households/{household_id}", headers=auth).status_code == 200


def test_a_server_gone_is_a_503_and_service_resumes_when_it_is_back(app, client):
    """PostgreSQL refusing connections altogether (the pool cannot replace the ones it lost):
    503 with Retry-After, within the pool timeout; answers again once it is back."""
    url = app.config["DATABASE_URL"]
    if not url:
        pytest.skip("PostgreSQL only: SQLite has no server to lose")
    app.config["DATABASE_POOL_TIMEOUT"] = 0.5
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    assert client.get(EXAMPLE).status_code == 200
    with pg_connect(url.rsplit("/", 1)[0] + "/postgres") as admin:
        admin.execute(f'alter database "{name}" allow_connections false')
        try:
            admin.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = ?",
                [name],
            )
            start = time.perf_counter()
            resp = client.get(EXAMPLE)
            assert_error(resp, 503, "unavailable")
            assert int(resp.headers["Retry-After"]) > 0
            assert time.perf_counter() - start < 10  # the pool's timeout, not gunicorn's
            page = client.get("/p/09506000134352")
            assert page.status_code == 503 and page.mimetype == "text/html"
        finally:
            admin.execute(f'alter database "{name}" allow_connections true')
    # The pool retries its failed connections with a backoff (psycopg_pool: from 1 s up):
    # service resumes within seconds, each request meanwhile a 503, never a 500.
    deadline = time.monotonic() + 30
    while (resp := client.get(EXAMPLE)).status_code != 200 and time.monotonic() < deadline:
        assert_error(resp, 503, "unavailable")
        time.sleep(0.2)
    assert resp.status_code == 200


def test_a_connection_lost_mid_request_is_a_503_in_each_routes_shape(app, client, monkeypatch):
    """The server goes away while a request uses its connection: the API answers 503 in its
    error shape, a page a 503 page; the next request gets a fresh connection."""
    url = app.config["DATABASE_URL"]
    if not url:
        pytest.skip("PostgreSQL only: SQLite has no server connections to lose")
    from app.storage.postgres import connection

    def dropped_first(method):
        def call(self, *args, **kwargs):
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute("select pg_terminate_backend(%s)", [self.conn.info.backend_pid])
            return method(self, *args, **kwargs)

        return call

    for name in ("execute", "query"):
        monkeypatch.setattr(
            connection.PgDatabase, name, dropped_first(getattr(connection.PgDatabase, name))
        )
    assert_error(client.get(EXAMPLE), 503, "unavailable")
    page = client.get("/p/09506000134352")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "Retry-After" in page.headers
    monkeypatch.undo()
    assert client.get(EXAMPLE).status_code == 200
