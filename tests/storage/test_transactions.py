"""write_transaction: commit, roll back on an error or on request, and 503 while another
write holds the database."""

from __future__ import annotations

import pytest

from app.core.errors import Unavailable
from app.db import connect
from app.storage.transactions import write_transaction


@pytest.fixture
def db(tmp_path):
    database = connect(str(tmp_path / "t.db"))
    database.execute("create table t (x integer)")
    yield database
    database.conn.close()


def values(db) -> list[int]:
    return [r[0] for r in db.execute("select x from t order by x")]


def test_commits_when_the_block_ends(db):
    with write_transaction(db):
        db.execute("insert into t values (1)")
        assert db.conn.in_transaction
    assert values(db) == [1] and not db.conn.in_transaction


def test_rolls_back_on_an_error(db):
    with pytest.raises(ZeroDivisionError), write_transaction(db):
        db.execute("insert into t values (1)")
        1 / 0  # noqa: B018
    assert values(db) == [] and not db.conn.in_transaction


def test_rolls_back_when_asked_not_to_keep(db):
    with write_transaction(db) as transaction:
        db.execute("insert into t values (1)")
        transaction.keep = False
    assert values(db) == []


def test_another_write_holding_the_lock_is_unavailable(db, tmp_path):
    other = connect(str(tmp_path / "t.db"))
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Unavailable) as raised, write_transaction(db, wait_ms=20, busy="busy"):
            pass
        assert raised.value.message == "busy"
        assert db.execute("pragma busy_timeout").fetchone()[0] == 30000  # restored
    finally:
        other.execute("ROLLBACK")
        other.conn.close()
    with write_transaction(db):
        db.execute("insert into t values (2)")
    assert values(db) == [2]
