"""The official PACT conformance suite, when ../shared/tools holds it: its published v3
OpenAPI gives the ProductFootprint and event schemas the tests validate against."""

from __future__ import annotations

import functools
import io
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

TOOLS = ROOT.parent / "shared" / "tools"
SCHEMA_IN_SUITE = "src/schemas/openapi_v3_0.yaml"


def suite_archive() -> Path | None:
    """The suite's archive (or an unpacked copy) in ../shared/tools, or None."""
    for pattern in ("pact-conformance-service*.tar.gz", "pact-conformance-service*/"):
        found = sorted(TOOLS.glob(pattern))
        if found:
            return found[0]
    return None


@functools.cache
def pact_openapi() -> dict | None:
    archive = suite_archive()
    if archive is None:
        return None
    if archive.is_dir():
        return yaml.safe_load((archive / SCHEMA_IN_SUITE).read_text())
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(SCHEMA_IN_SUITE))
        return yaml.safe_load(io.TextIOWrapper(tar.extractfile(member), encoding="utf-8"))


@functools.cache
def validator(name: str):
    import jsonschema_rs

    spec = pact_openapi()
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def assert_valid(name: str, instance: dict) -> None:
    """Validate against the PACT v3 schema NAME; skips (saying why) without ../shared."""
    if pact_openapi() is None:
        pytest.skip(
            f"PACT v3 schema check skipped: no conformance suite in {TOOLS} "
            "(see README, 'PACT v3 conformance')"
        )
    errors = [f"{e.instance_path}: {e.message}" for e in validator(name).iter_errors(instance)]
    assert errors == [], errors[:10]
