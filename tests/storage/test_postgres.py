"""PostgreSQL foundation: the schema matches SQLite's, parameters translate, init-db is safe
from several processes at once, the catalogue write lock queues writers, and queries yield
to other greenlets under gevent (served workers are gevent workers)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.core.errors import Unavailable
from app.db import connect, ensure_database, ensure_postgres
from app.storage.postgres import migrations
from app.storage.postgres.connection import connect as pg_connect
from app.storage.postgres.connection import pg_sql
from tests.conftest import ROOT, TODAY


@pytest.mark.parametrize(
    ("sqlite", "postgresql"),
    [
        ("select * from t where a = ? and b = ?", "select * from t where a = %s and b = %s"),
        ("where d <= :day and e >= :day", "where d <= %(day)s and e >= %(day)s"),
        ("select '?', ':day', \"a?\" from t where x like '5%'", None),
        (
            "select 1::int, ?::json where a like 'x%' || ?",
            "select 1::int, %s::json where a like 'x%' || %s",
        ),
        ("select 5 % 2", "select 5 %% 2"),
        ("values ('2026-06-15T00:00:00')", None),
    ],
)
def test_sqlite_parameters_become_psycopgs(sqlite, postgresql):
    assert pg_sql(sqlite) == (postgresql or sqlite)


def _columns_sqlite(path: str) -> dict[str, list[str]]:
    db = connect(path)
    try:
        tables = [
            r[0]
            for r in db.execute(
                "select name from sqlite_master where type = 'table' and name not like '\\_%' escape '\\'"
            )
        ]
        return {t: [c.name for c in db[t].columns] for t in tables}
    finally:
        db.conn.close()


def test_the_postgresql_schema_has_sqlites_tables_and_columns(tmp_path, pg_database):
    path = str(tmp_path / "s.db")
    ensure_database(path, seed_if_empty=False)
    with pg_connect(pg_database) as db:
        rows = db.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'public' and table_name <> 'schema_migrations' "
            "order by table_name, ordinal_position"
        ).fetchall()
    postgres: dict[str, list[str]] = {}
    for table, column in rows:
        postgres.setdefault(table, []).append(column)
    # SQLite's rowid keeps the insertion order of entries; PostgreSQL has it as a column.
    assert postgres.pop("household_entries")[-1] == "position"
    sqlite = _columns_sqlite(path)
    sqlite.pop("household_entries")
    assert postgres == sqlite


def test_init_db_from_several_processes_at_once_migrates_and_seeds_once(pg_cluster):
    url = pg_cluster.create_database("concurrent_init")
    try:
        with ThreadPoolExecutor(4) as pool:
            list(
                pool.map(lambda _: ensure_postgres(url, seed_if_empty=True, today=TODAY), range(4))
            )
        with pg_connect(url) as db:
            assert db.execute("select count(*) from schema_migrations").fetchone()[0] == len(
                migrations.MIGRATIONS
            )
            assert db.execute("select count(*) from releases").fetchone()[0] == 1
            assert migrations.pending(db) == []
    finally:
        pg_cluster.drop_database("concurrent_init")


def test_a_catalogue_writer_waits_for_another_then_gives_up(pg_database):
    with pg_connect(pg_database) as first, pg_connect(pg_database) as second:
        with first.write_transaction():
            started = time.monotonic()
            with pytest.raises(Unavailable) as raised:
                with second.write_transaction(wait_ms=200, busy="busy"):
                    pass
            assert 0.2 <= time.monotonic() - started < 2
            assert raised.value.message == "busy"
            assert not second.in_transaction
        with second.write_transaction(wait_ms=200) as transaction:
            transaction.keep = False


def test_a_rolled_back_write_leaves_nothing(pg_database):
    with pg_connect(pg_database) as db:
        with pytest.raises(RuntimeError):
            with db.write_transaction():
                db.execute("insert into releases (id, source) values (99, 'x')")
                raise RuntimeError
        with db.write_transaction() as transaction:
            db.execute("insert into releases (id, source) values (98, 'x')")
            transaction.keep = False
        assert db.execute("select count(*) from releases where id > 1").fetchone()[0] == 0
        assert db.commits == 0


def test_queries_yield_to_other_greenlets_under_gevent(pg_database):
    # Two greenlets each wait 0.5 s in the server: together about 0.5 s if psycopg yields
    # to gevent while it waits, about 1 s if it blocks the worker.
    script = textwrap.dedent(
        """
        from gevent import monkey; monkey.patch_all()
        import sys, time, gevent
        from app.storage.postgres.connection import pool
        p = pool(sys.argv[1], max_size=2)
        def sleep():
            with p.connection() as conn:
                conn.execute("select pg_sleep(0.5)")
        start = time.monotonic()
        gevent.joinall([gevent.spawn(sleep), gevent.spawn(sleep)])
        print(time.monotonic() - start)
        p.close()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, pg_database],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip()) < 0.9
