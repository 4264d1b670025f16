"""Shared fixtures: an app on a temporary database seeded from fixtures/, with "today" pinned."""

from __future__ import annotations

import ctypes.util
import datetime as dt
import json
import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import settings

from app import create_app
from app.db import close_thread_connections

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


@pytest.fixture
def make_app(tmp_path):
    """The one way tests build the app: a fresh database in tmp_path, seeded from fixtures/,
    "today" pinned; keyword arguments override any other setting."""

    def make(**config):
        return create_app(app_settings(tmp_path / "tanji.db", **config))

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
    from app.db import connect

    database = connect(app.config["DATABASE"])
    yield database
    database.conn.close()
