"""pip-audit of the installed dependencies; `make test` (so CI) runs it before the tests.

    .venv/bin/python scripts/audit.py

Fails on any known vulnerability unless IGNORED below lists its id with a written reason.
When the vulnerability service cannot be reached (no network, or a package index mirror
without PyPI's JSON API, which pip-audit asks by default), it says so plainly and exits 0:
an unreachable service is not a finding, and CI must not fail on it spuriously.
"""

from __future__ import annotations

import json
import subprocess
import sys

#: Vulnerability id -> why it does not apply to Tanji. Every entry needs its reason.
IGNORED: dict[str, str] = {}


def judge(report: dict) -> tuple[int, str]:
    """Exit status and message for a pip-audit JSON report."""
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    unreachable = [d for d in deps if "not found on PyPI" in d.get("skip_reason", "")]
    if deps and not audited and unreachable:
        return 0, (
            f"pip-audit: SKIPPED, the vulnerability service did not answer for any of the "
            f"{len(unreachable)} installed packages (no network, or an index without PyPI's "
            "JSON API). Nothing was audited; run it where pypi.org is reachable."
        )
    found = [(d["name"], d["version"], v) for d in audited for v in d.get("vulns", [])]
    found = [f for f in found if f[2]["id"] not in IGNORED]
    if found:
        lines = [
            f"  {name} {version}: {v['id']} (fixed in {', '.join(v.get('fix_versions', [])) or '-'})"
            for name, version, v in found
        ]
        return 1, "pip-audit: known vulnerabilities:\n" + "\n".join(lines)
    skipped = len(deps) - len(audited)
    note = f", {skipped} skipped (not on PyPI)" if skipped else ""
    return 0, f"pip-audit: no known vulnerabilities in {len(audited)} packages{note}."


def main() -> int:
    command = [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off"]
    command += ["--format", "json"]
    for vuln_id in IGNORED:
        command += ["--ignore-vuln", vuln_id]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if "No module named pip_audit" in run.stderr:
        print("pip-audit is not installed: run `make setup` (it is a test dependency).")
        return 1
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(
            "pip-audit: SKIPPED, it could not run or reach its vulnerability service:\n"
            + run.stderr.strip()[-2000:]
        )
        return 0
    status, message = judge(report)
    print(message)
    return status


if __name__ == "__main__":
    sys.exit(main())
