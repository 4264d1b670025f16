"""The production topology for real: deploy/start-local.sh starts nginx, two app nodes
(gunicorn, two workers each), PostgreSQL and Redis on this machine; the tests talk to the
nodes over HTTP, and through nginx. Skipped, saying why, only when those servers are not
installed (scripts/system-deps.sh installs them as root); a topology that will not start fails.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from bench import abuse
from fixtures.certificates import rows
from tests.conftest import ROOT, TODAY

SCRIPT = ROOT / "deploy" / "start-local.sh"
SCAN_LIMIT = 5
NUMBER, GTIN = "TJS-PCF-2025-0006", "00200106000014"  # a valid TJSCC certificate
PHOTO = ROOT / "fixtures" / "photos" / "quagga2-q-phone-12mp-image-2.jpg"


def missing_servers() -> list[str]:
    path = f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin"
    missing = [s for s in ("nginx", "redis-server") if shutil.which(s, path=path) is None]
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        missing.append("postgresql")
    return missing


class Topology:
    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env = folder, env
        settings = {}
        for line in (folder / "topology.env").read_text().splitlines():
            if line and not line.startswith("#"):
                key, value = line.split("=", 1)
                settings[key] = value.strip('"')
        self.settings = settings
        self.a, self.b = settings["TOPOLOGY_NODES"].split()
        self.nginx = settings["TOPOLOGY_NGINX"]
        self.http = requests.Session()

    def get(self, base: str, path: str, **kwargs) -> requests.Response:
        return self.http.get(base + path, timeout=30, verify=False, **kwargs)

    def post(self, base: str, path: str, **kwargs) -> requests.Response:
        return self.http.post(base + path, timeout=30, verify=False, **kwargs)

    def flask(self, *args: str) -> str:
        """A CLI command against the topology's database, as an operator runs it."""
        env = {**self.env, **{k: v for k, v in self.settings.items() if k.startswith("TANJI_")}}
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    if missing := missing_servers():
        pytest.skip(
            f"not installed: {', '.join(missing)} (scripts/system-deps.sh installs them as root)"
        )
    folder = tmp_path_factory.mktemp("topology")
    env = {
        **os.environ,
        "TANJI_TODAY": TODAY.isoformat(),
        "TANJI_SCAN_RATE_LIMIT": f"{SCAN_LIMIT} per minute",
        "TANJI_HOUSEHOLD_WRITE_RATE_LIMIT": "1000 per hour",
        "TANJI_HOUSEHOLD_CREATE_RATE_LIMIT": "100 per hour",
        "TANJI_LOCAL_PG_OPTIONS": "-c fsync=off -c synchronous_commit=off",  # a throwaway
        "TANJI_NODES": "2",
        "TANJI_WORKERS": "2",
    }
    started = subprocess.run(
        [str(SCRIPT), "start", str(folder)], env=env, capture_output=True, text=True, timeout=180
    )
    try:
        assert started.returncode == 0, started.stdout + started.stderr + logs(folder)
        yield Topology(folder, env)
    finally:
        subprocess.run([str(SCRIPT), "stop", str(folder)], env=env, timeout=60, check=True)


def logs(folder: Path) -> str:
    return "".join(f"\n--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(folder.glob("*.log")))


@pytest.fixture(scope="module")
def api_key(topology) -> dict[str, str]:
    key = topology.flask("keys", "create", "TJSCC").splitlines()[-1]
    return {"Authorization": f"Bearer {key}"}


pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def test_a_revocation_through_node_a_shows_on_node_b_at_once(topology, api_key):
    t = topology
    # Every worker of B has rendered (and cached) the lookup and the certificate.
    for _ in range(6):
        assert t.get(t.b, f"/v1/products/{GTIN}").json()["certified"] is True
        assert t.get(t.b, f"/v1/certificates/{NUMBER}").json()["status"] == "valid"
        assert t.get(t.nginx, f"/v1/products/{GTIN}").json()["certified"] is True
    revoked = t.post(
        t.a,
        f"/v1/admin/certificates/{NUMBER}/status",
        json={"action": "revoke", "reason": "data errors"},
        headers=api_key,
    )
    assert revoked.status_code == 200, revoked.text
    for _ in range(6):  # whichever worker of B answers
        assert t.get(t.b, f"/v1/certificates/{NUMBER}").json()["status"] == "revoked"
        product = t.get(t.b, f"/v1/products/{GTIN}").json()
        assert product["certified"] is False
        assert product["certificate"]["status"] == "revoked"
    # nginx keeps public answers one second, then revalidates them by ETag with a node.
    deadline = time.monotonic() + 3
    while t.get(t.nginx, f"/v1/products/{GTIN}").json()["certified"]:
        assert time.monotonic() < deadline, "nginx still serves the valid label after 3 s"
        time.sleep(0.2)


def test_nginx_caches_public_gets_and_revalidates_by_etag(topology):
    t = topology
    path = "/v1/certificates/TJS-PCF-2025-0020"
    first = t.get(t.nginx, path)
    again = t.get(t.nginx, path)
    assert first.status_code == again.status_code == 200
    assert again.headers["X-Cache"] in ("HIT", "UPDATING", "REVALIDATED")
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    conditional = t.get(t.nginx, path, headers={"If-None-Match": first.headers["ETag"]})
    assert conditional.status_code == 304
    # In each language its own answer.
    english = t.get(t.nginx, path, headers={"Accept-Language": "en"}).json()
    assert english["lang"] == "en" and first.json()["lang"] == "zh-CN"
    # Saved households are never cached.
    consent = t.get(t.nginx, "/v1/households/consent")
    assert "X-Cache" not in consent.headers
    # nginx refuses a body over the app's JSON limit itself (the node never reads it).
    big = t.post(t.nginx, "/v1/household/estimate", data=b"{" + b" " * 600_000 + b"}")
    assert big.status_code == 413


def test_a_household_saved_on_a_is_read_rotated_and_deleted_through_b(topology):
    t = topology
    version = t.get(t.a, "/v1/households/consent").json()["version"]
    created = t.post(
        t.a,
        "/v1/households",
        json={"consent": True, "consent_version": version, "household_size": 3},
    )
    assert created.status_code == 201, created.text
    household, token = created.json()["household"]["id"], created.json()["token"]
    base, auth = f"/v1/households/{household}", {"Authorization": f"Bearer {token}"}
    entry = {"kind": "natural_gas", "month": "2026-05", "amount": "12", "unit": "m3"}
    assert t.post(t.a, f"{base}/entries", json=entry, headers=auth).status_code == 201

    read = t.get(t.b, f"{base}/entries", headers=auth)
    assert read.status_code == 200 and len(read.json()["entries"]) == 1
    rotated = t.post(t.b, f"{base}/token", headers=auth)
    assert rotated.status_code == 200
    new_auth = {"Authorization": f"Bearer {rotated.json()['token']}"}
    assert t.get(t.a, base, headers=auth).status_code == 401  # the old token, on A
    assert t.get(t.a, base, headers=new_auth).status_code == 200

    assert t.http.delete(t.b + base, headers=new_auth, timeout=30).status_code == 204
    assert t.get(t.a, base, headers=new_auth).status_code == 401
    assert t.get(t.b, base, headers=new_auth).status_code == 401


def test_eight_writers_over_both_nodes_lose_nothing(topology, api_key):
    t = topology
    per_writer, writers = 4, 8
    # TJSCC's certificates (rows(...) gives every third to DEMOCB), new products each.
    fresh = [r for r in rows(3 * per_writer * writers, start=50_000) if r["body"] == "TJSCC"]
    batches = [fresh[w::writers][:per_writer] for w in range(writers)]
    before = t.get(t.a, "/v1/health").json()
    failures: list[str] = []

    def write(w: int) -> None:
        node = (t.a, t.b)[w % 2]
        for row in batches[w]:
            body = {k: v for k, v in row.items() if v != ""}
            resp = requests.post(
                f"{node}/v1/admin/certificates", json=body, headers=api_key, timeout=60
            )
            if resp.status_code not in (200, 201):
                failures.append(f"{node} {row['number']}: {resp.status_code} {resp.text}")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures

    numbers = [row["number"] for batch in batches for row in batch]
    assert len(set(numbers)) == per_writer * writers
    for node in (t.a, t.b):
        after = t.get(node, "/v1/health").json()
        assert after["counts"]["certificates"] == before["counts"]["certificates"] + len(numbers)
        assert after["counts"]["products"] == before["counts"]["products"] + len(numbers)
        assert after["catalogue"]["number"] == before["catalogue"]["number"] + len(numbers)
        for number in numbers:
            assert t.get(node, f"/v1/certificates/{number}").status_code == 200, number


def test_the_scan_limit_holds_across_both_nodes_and_nginx(topology):
    t = topology
    photo = abuse.noise_jpeg(0.01)

    def scan(base: str, data: bytes = photo) -> int:
        return t.post(
            base, "/v1/scans", data=data, headers={"Content-Type": "image/jpeg"}
        ).status_code

    # One client (127.0.0.1, directly or through nginx's X-Forwarded-For), one budget; a
    # real 12 MP photo (1.5 MB) passes nginx's body limit for photos.
    statuses = [scan(base) for base in (t.a, t.b, t.a, t.b)]
    assert statuses + [scan(t.nginx, PHOTO.read_bytes())] == [200] * SCAN_LIMIT
    assert [scan(base) for base in (t.a, t.b, t.nginx)] == [429, 429, 429]
