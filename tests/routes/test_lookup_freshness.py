"""Cached lookups stay exact: any catalogue write, from this connection, another one, another
process or (PostgreSQL) another node, shows on the very next request; a repeated lookup reads
no table (SQLite) or one primary-key probe (PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.db import get_catalogue, get_db
from app.storage.postgres.connection import PgDatabase

GTIN, NUMBER = "00200106000014", "TJS-PCF-2025-0006"  # valid in the fixtures
#: A revocation as the catalogue records one: the status, and a new release, in one commit.
REVOKE = [
    "begin",
    f"update certificates set status = 'revoked', status_reason = 'fraud', "
    f"status_changed_on = '2026-06-15' where number = '{NUMBER}'",
    "insert into releases (id, created_at, source) values (2, '2026-06-15T00:00:00', 'test')",
    "commit",
]


def revoke(execute) -> None:
    for statement in REVOKE:
        execute(statement)


def assert_revoked_at_once(client, write) -> None:
    url = f"/v1/products/{GTIN}"
    before = client.get(url)
    assert before.json["certified"] is True
    assert client.get(url, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304
    write()
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert after.json["certified"] is False
    assert after.json["footprint"]["status"] == "revoked"


@pytest.mark.sqlite_only("writes the file with sqlite3")
def test_a_revocation_by_another_process_shows_on_the_next_request(app, client):
    script = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    script += "".join(f"c.execute({s!r})\n" for s in REVOKE)

    def write():
        subprocess.run([sys.executable, "-c", script, app.config["DATABASE"]], check=True)

    assert_revoked_at_once(client, write)


def test_a_revocation_on_another_connection_shows_on_the_next_request(app, client, db):
    assert_revoked_at_once(client, lambda: revoke(db.execute))


def test_a_revocation_through_another_node_shows_on_the_next_request(make_app, engine):
    # Two app instances on one database: two nodes (PostgreSQL) or two processes' workers.
    node_a, node_b = make_app(), make_app()
    assert (
        node_a.extensions["tanji_response_cache"] is not node_b.extensions["tanji_response_cache"]
    )

    def write():
        with node_a.app_context():
            revoke(get_db().execute)

    assert_revoked_at_once(node_b.test_client(), write)


def test_a_revocation_on_the_lookups_own_connection_shows_on_the_next_request(app, client):
    # SQLite's data_version does not move for a connection's own commits: this is the case
    # the worker's own writes (the ingest API) depend on.
    def write():
        with app.app_context():
            revoke(get_db().execute)

    assert_revoked_at_once(client, write)


def test_a_release_seen_inside_a_rolled_back_transaction_is_not_kept(app):
    with app.app_context():
        catalogue, db = get_catalogue(), get_db()
        assert catalogue.release_id() == 1
        db.execute("begin")
        db.execute("insert into releases (id, created_at, source) values (2, 'x', 'test')")
        assert catalogue.release_id() == 2
        db.execute("rollback")
        assert catalogue.release_id() == 1


@pytest.mark.sqlite_only("SQLite's trace callback")
def test_a_repeated_lookup_reads_no_table(app, client):
    url = f"/v1/products/{GTIN}"
    assert client.get(url).status_code == 200
    statements: list[str] = []
    with app.app_context():
        get_db().conn.set_trace_callback(statements.append)
    try:
        assert client.get(url).status_code == 200
    finally:
        with app.app_context():
            get_db().conn.set_trace_callback(None)
    assert statements == ["pragma data_version"]


def test_a_repeated_lookup_reads_the_release_once(app, client, engine, monkeypatch):
    if engine != "postgresql":
        pytest.skip("PostgreSQL: SQLite reads no table (above)")
    url = f"/v1/products/{GTIN}"
    assert client.get(url).status_code == 200
    statements: list[str] = []
    execute = PgDatabase.execute

    def traced(self, sql, params=None):
        statements.append(sql)
        return execute(self, sql, params)

    monkeypatch.setattr(PgDatabase, "execute", traced)
    assert client.get(url).status_code == 200
    assert statements == ["select max(id) from releases"]
