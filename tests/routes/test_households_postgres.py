"""Saved households on PostgreSQL, where the engine differs from SQLite: what a delete leaves
in the tables' pages (no tuple after VACUUM; no byte after a rewrite), a write waiting for
another write to the same household (a row lock) at most HOUSEHOLD_WRITE_TIMEOUT_MS, and the
store limit under concurrent creations. What both engines do alike is tested on both by
test_saved_households.py, test_disk_limits.py, test_faults.py and the others."""

from __future__ import annotations

import threading
import time

import pytest

from app.storage.postgres.connection import connect
from tests.helpers import assert_error
from tests.routes.test_estimator import WATER
from tests.routes.test_privacy_on_disk import add_entries, traces
from tests.routes.test_saved_households import consent_version, create

EXAMPLE = "/v1/products/09506000134352"
#: Every relation that holds household data: both tables, their indexes, their TOAST tables.
_RELATIONS = """
with t(oid) as (values ('households'::regclass), ('household_entries'::regclass))
select c.oid::regclass::text, c.relkind from pg_class c
where c.oid in (select oid from t)
   or c.oid in (select indexrelid from pg_index where indrelid in (select oid from t))
   or c.oid in (select reltoastrelid from pg_class where oid in (select oid from t))
"""


@pytest.fixture
def engine() -> str:
    return "postgresql"


def tuples_holding(db, secret: bytes) -> int:
    """Tuples, live or dead, of the household tables, and entries of their indexes, that
    hold ``secret`` (pageinspect reads every page as it is in the file)."""
    found = 0
    for relation, kind in db.execute(_RELATIONS).fetchall():
        blocks = db.execute("select pg_relation_size(?::regclass) / 8192", [relation]).fetchone()
        if kind == "i":  # a B-tree; block 0 is its metapage
            sql = (
                "select count(*) from generate_series(1, ?::int - 1) b, "
                "lateral bt_page_items(?, b) i "
                "where position(encode(?::bytea, 'hex') in replace(i.data, ' ', '')) > 0"
            )
        else:
            sql = (
                "select count(*) from generate_series(0, ?::int - 1) b, "
                "lateral heap_page_items(get_raw_page(?, b)) i "
                "where position(?::bytea in i.t_data) > 0"
            )
        found += db.execute(sql, [blocks[0], relation, secret]).fetchone()[0]
    return found


def pages_holding(db, secret: bytes) -> int:
    """Pages of the household relations whose raw bytes, free space included, hold ``secret``."""
    found = 0
    for relation, _kind in db.execute(_RELATIONS).fetchall():
        found += db.execute(
            "select count(*) from generate_series(0, "
            "(pg_relation_size(?::regclass) / 8192)::int - 1) b "
            "where position(?::bytea in get_raw_page(?, b)) > 0",
            [relation, secret, relation],
        ).fetchone()[0]
    return found


@pytest.fixture
def pages(db):
    db.execute("create extension if not exists pageinspect")
    return db


def test_a_deleted_household_leaves_no_tuple_and_no_index_entry(client, pages):
    household_id, auth = create(client)
    add_entries(client, household_id, auth)
    secrets = traces(client, household_id, auth)
    other_id, other_auth = create(client)  # must survive, and stays visible to the check
    add_entries(client, other_id, other_auth)
    assert all(tuples_holding(pages, s) for s in secrets)  # the check can see them
    assert client.delete(f"/v1/households/{household_id}", headers=auth).status_code == 204
    assert [s for s in secrets if tuples_holding(pages, s)] == []
    kept = traces(client, other_id, other_auth)
    assert all(tuples_holding(pages, s) for s in kept)


def test_purge_with_rewrite_leaves_no_byte_in_the_tables_files(app, client, runner, pages):
    household_id, auth = create(client)
    add_entries(client, household_id, auth, count=20)
    secrets = traces(client, household_id, auth)
    app.config["HOUSEHOLD_RETENTION_DAYS"] = 1
    app.config["TODAY"] = "2026-07-01"
    assert "Purged 1" in runner.invoke(args=["households", "purge"]).output
    assert [s for s in secrets if tuples_holding(pages, s)] == []
    result = runner.invoke(args=["households", "purge", "--rewrite"])
    assert result.exit_code == 0 and "Purged 0" in result.output
    assert [s for s in secrets if pages_holding(pages, s)] == []


def test_an_entry_waits_for_another_write_to_its_household_then_503(app, client):
    app.config["HOUSEHOLD_WRITE_TIMEOUT_MS"] = 200
    household_id, auth = create(client)
    url = f"/v1/households/{household_id}/entries"
    entry = {"kind": "purchase", "date": "2026-05-01", "code": WATER}
    with connect(app.config["DATABASE_URL"]) as holder:
        holder.execute("begin")
        holder.execute("select 1 from households where id = ? for update", [household_id])
        try:
            start = time.perf_counter()
            assert_error(client.post(url, json=entry, headers=auth), 503, "unavailable")
            assert 0.2 <= time.perf_counter() - start < 2
            other_id, other_auth = create(client)  # other households are not held up
            other = f"/v1/households/{other_id}/entries"
            assert client.post(other, json=entry, headers=other_auth).status_code == 201
        finally:
            holder.execute("rollback")
    assert client.post(url, json=entry, headers=auth).status_code == 201


def test_concurrent_creations_never_pass_the_store_limit(make_app, db):
    app = make_app(HOUSEHOLD_STORE_LIMIT=5)
    statuses: list[int] = []

    def phone(n: int) -> None:
        client = app.test_client()
        body = {"consent": True, "consent_version": consent_version(client), "household_size": 2}
        address = {"REMOTE_ADDR": f"203.0.113.{n}"}  # one client each: no rate limit
        statuses.append(client.post("/v1/households", json=body, environ_base=address).status_code)

    workers = [threading.Thread(target=phone, args=(n,)) for n in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(statuses) == [201] * 5 + [503] * 3
    assert db.execute("select count(*) from households").fetchone()[0] == 5
