"""The official PACT v3 conformance suite, end to end in server mode (callbacks judged), via
scripts/pact-conformance.sh, against Tanji on SQLite and on PostgreSQL. Runs when
../shared/tools holds the suite; skipped otherwise."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT
from tests.pact.suite import TOOLS, suite_archive

SCRIPT = ROOT / "scripts" / "pact-conformance.sh"


def _why_not() -> str | None:
    if os.environ.get("TANJI_SKIP_PACT_CONFORMANCE"):
        return "PACT conformance run skipped: TANJI_SKIP_PACT_CONFORMANCE is set"
    if suite_archive() is None:
        return (
            f"PACT conformance run skipped: no pact-conformance-service in {TOOLS} "
            "(README, 'PACT v3 conformance', says how to get it)"
        )
    missing = [
        name
        for name, found in (
            ("postgresql", glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb")),
            ("nodejs", shutil.which("node")),
            ("npm", shutil.which("npm")),
        )
        if not found
    ]
    if missing and os.geteuid() != 0:
        return f"PACT conformance run skipped: {', '.join(missing)} missing and not root to install"
    return None


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_the_official_suite_passes_all_41_entries(engine):
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    result = subprocess.run(
        [str(SCRIPT), str(suite_archive())],
        cwd=ROOT,
        env={**os.environ, "PACT_TANJI_ENGINE": engine},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert result.stdout.count("\nPASS ") + result.stdout.startswith("PASS ") == 41
    assert "41/41 entries passed" in result.stdout
    assert ("Tanji stores in PostgreSQL" in result.stderr) == (engine == "postgresql")
