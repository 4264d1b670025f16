"""Project-level checks: the checked-in spec matches the code, and the domain stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_CORE = (
    "flask",
    "flask_smorest",
    "marshmallow",
    "webargs",
    "schemas",
    "app.storage",
    "sqlite_utils",
    "sqlite3",
    "app.db",
    "app.routes",
    "app.i18n",
    "babel",
)


def test_openapi_yaml_matches_the_code(app):
    """Regenerate with: flask --app app openapi write --format=yaml openapi.yaml"""
    checked_in = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    with app.app_context():
        generated = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    assert checked_in == yaml.safe_load(yaml.safe_dump(generated)), (
        "openapi.yaml is stale: regenerate it"
    )


def test_every_operation_documents_its_errors_with_the_one_error_shape():
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    assert set(spec["components"]["schemas"]["Error"]["properties"]) == {
        "code",
        "status",
        "message",
        "errors",
    }
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation.get("summary"), f"{method} {path} has no summary (view docstring)"
            assert "default" in operation["responses"], (
                f"{method} {path} documents no error response"
            )


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            # `from app import storage` imports app.storage too
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_core_imports_no_web_schema_or_storage_module():
    offenders = {}
    for path in (ROOT / "app" / "core").rglob("*.py"):
        bad = {
            n
            for n in _imports(path)
            if any(n == f or n.startswith(f + ".") for f in FORBIDDEN_IN_CORE)
        }
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


#: The wiring: the one module outside app/storage that may import it (engine, connections).
STORAGE_WIRING = "app/db.py"


def test_only_the_wiring_imports_storage():
    """Routes, web pages, the PACT API, the CLI and the core reach storage only through the
    core's protocols, given the stores by app/db.py."""
    offenders = {}
    for path in (ROOT / "app").rglob("*.py"):
        name = str(path.relative_to(ROOT))
        if name == STORAGE_WIRING or name.startswith("app/storage/"):
            continue
        bad = {n for n in _imports(path) if n == "app.storage" or n.startswith("app.storage.")}
        if bad:
            offenders[name] = sorted(bad)
    assert offenders == {}
    assert any(n.startswith("app.storage.") for n in _imports(ROOT / STORAGE_WIRING))


#: Modules outside the decoder that may import an imaging library, and which: drawing the
#: label as a PNG is presentation (app/web), not decoding, and needs Pillow only.
IMAGING_ELSEWHERE = {"app/web/label_image.py": {"PIL"}}


def test_only_the_decoder_imports_imaging_libraries():
    decoder = ROOT / "app" / "core" / "decode"
    for path in (ROOT / "app").rglob("*.py"):
        if path.parent == decoder:
            continue
        allowed = IMAGING_ELSEWHERE.get(str(path.relative_to(ROOT)), set())
        imported = {n.split(".")[0] for n in _imports(path)}
        assert not imported & ({"PIL", "pyzbar", "zxingcpp"} - allowed), path
    for name, allowed in IMAGING_ELSEWHERE.items():
        assert {n.split(".")[0] for n in _imports(ROOT / name)} & allowed, name  # still needed


def test_every_reference_in_the_spec_resolves():
    """A $ref to a missing component breaks clients and spec tools (e.g. schemathesis)."""
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())

    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for item in node:
                yield from refs(item)

    missing = []
    for ref in set(refs(spec)):
        target = spec
        for part in ref.removeprefix("#/").split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        if target is None:
            missing.append(ref)
    assert missing == []


def _audit_judge():
    import importlib.util

    spec = importlib.util.spec_from_file_location("audit", ROOT / "scripts" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pip_audit_fails_on_a_vulnerability_and_degrades_without_its_service():
    audit = _audit_judge()
    assert all(reason.strip() for reason in audit.IGNORED.values())  # each ignore says why
    vulnerable = {
        "dependencies": [
            {"name": "flask", "version": "3.1.3", "vulns": []},
            {
                "name": "werkzeug",
                "version": "0.1",
                "vulns": [{"id": "PYSEC-X", "fix_versions": []}],
            },
        ]
    }
    status, message = audit.judge(vulnerable)
    assert status == 1 and "PYSEC-X" in message
    clean = {"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": []}]}
    assert audit.judge(clean)[0] == 0
    unreachable = {
        "dependencies": [
            {"name": "flask", "version": "3.1.3", "skip_reason": "Dependency not found on PyPI"}
        ]
    }
    status, message = audit.judge(unreachable)
    assert status == 0 and "SKIPPED" in message
