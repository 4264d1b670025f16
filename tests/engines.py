"""Run a folder's tests on both storage engines: its conftest imports ``engine`` from here.

A test that inspects SQLite itself (its file, pragmas, locks) is marked ``sqlite_only`` and
skipped on PostgreSQL, saying so."""

from __future__ import annotations

import pytest

ENGINES = ("sqlite", "postgresql")


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    if request.param == "postgresql":
        marker = request.node.get_closest_marker("sqlite_only")
        if marker is not None:
            pytest.skip(f"SQLite only: {marker.args[0] if marker.args else 'inspects SQLite'}")
    return request.param
