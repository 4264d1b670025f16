"""app/core is plain Python: no Flask, flask-smorest, marshmallow, schemas or app.storage."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

FORBIDDEN = (
    "flask",
    "flask_smorest",
    "marshmallow",
    "schemas",
    "app.storage",
    "sqlite3",
    "sqlite_utils",
)


@pytest.mark.parametrize("path", sorted((ROOT / "app" / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_imports_nothing_of_the_outer_layers(path):
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert not any(name == f or name.startswith(f + ".") for f in FORBIDDEN), (
                f"{path.name}: {name}"
            )
