"""The PACT layers: views reach storage only through app.db; the mapping is plain core."""

from __future__ import annotations

from tests.conftest import ROOT
from tests.test_project import _imports


def test_pact_views_do_not_import_storage():
    for path in (ROOT / "app" / "pact").rglob("*.py"):
        assert not {n for n in _imports(path) if n.startswith("app.storage")}, path
