"""Deleting a household means gone from every database file (tanji.db, -wal, -shm), and
the instance files are readable by their owner only."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from tests.routes.test_estimator import WATER
from tests.routes.test_saved_households import create

pytestmark = pytest.mark.sqlite_only("reads SQLite's files (main, -wal) and their modes")


def database_bytes(app) -> bytes:
    path = Path(app.config["DATABASE"])
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


def traces(client, household_id: str, auth: dict) -> list[bytes]:
    """What of this household would show in the raw files: id, token hash, entry ids."""
    token = auth["Authorization"].removeprefix("Bearer ")
    entries = client.get(f"/v1/households/{household_id}/entries", headers=auth).get_json()
    return [
        household_id.encode(),
        hashlib.sha256(token.encode()).hexdigest().encode(),
        *(e["id"].encode() for e in entries["entries"]),
    ]


def add_entries(client, household_id, auth, count=3):
    for day in range(1, count + 1):
        resp = client.post(
            f"/v1/households/{household_id}/entries",
            json={"kind": "purchase", "date": f"2026-05-{day:02d}", "code": WATER},
            headers=auth,
        )
        assert resp.status_code == 201


def test_deleted_household_is_gone_from_every_database_file(app, client):
    household_id, auth = create(client)
    add_entries(client, household_id, auth)
    secrets = traces(client, household_id, auth)
    raw = database_bytes(app)
    assert all(s in raw for s in secrets)  # the check can see them while they exist
    assert client.delete(f"/v1/households/{household_id}", headers=auth).status_code == 204
    raw = database_bytes(app)
    assert [s for s in secrets if s in raw] == []


def test_purged_households_are_gone_from_every_database_file(app, client, runner):
    household_id, auth = create(client)
    add_entries(client, household_id, auth)
    secrets = traces(client, household_id, auth)
    app.config["HOUSEHOLD_RETENTION_DAYS"] = 1
    app.config["TODAY"] = "2026-07-01"
    assert "Purged 1" in runner.invoke(args=["households", "purge"]).output
    raw = database_bytes(app)
    assert [s for s in secrets if s in raw] == []


def test_instance_files_are_readable_by_their_owner_only(app, client, runner, tmp_path):
    database = tmp_path / "instance" / "tanji.db"
    app.config["DATABASE"] = str(database)
    with app.app_context():
        result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    household_id, _ = create(client)  # writes, so the -wal and -shm files exist
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    files = list(database.parent.iterdir())
    assert {p.name for p in files} >= {"tanji.db", "tanji.db-wal", "tanji.db-shm"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, (path, oct(path.stat().st_mode))
    assert os.access(database, os.R_OK | os.W_OK)
