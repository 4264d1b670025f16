"""/docs renders from assets the app serves itself (npm packages pinned by package-lock.json),
never from a CDN; and the public base URL follows where `make run` serves."""

from __future__ import annotations

import json
import re

import pytest

from app import create_app
from tests.conftest import ROOT


def test_docs_reference_only_local_assets_and_they_are_served(client):
    resp = client.get("/docs")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(refs) >= 3, refs
    for ref in refs:
        assert ref.startswith("/") and not ref.startswith("//"), ref
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        assert len(asset.get_data()) > 1000, ref
        asset.close()
    assert "http://" not in html and "https://" not in html
    assert '"validatorUrl": null' in html
    assert client.get("/openapi.json").status_code == 200


def test_the_scanner_library_is_served_too(client):
    resp = client.get("/vendor/zxing-wasm/dist/reader/zxing_reader.wasm")
    assert resp.status_code == 200 and resp.mimetype == "application/wasm"
    assert resp.get_data()[:4] == b"\0asm"
    resp.close()


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/zxing-wasm/package.json",  # outside the served folder (dist/)
        "/vendor/zxing-wasm/dist/../package.json",
        "/vendor/swagger-ui-dist/swagger-ui.js.map",
        "/vendor/left-pad/index.js",
        "/vendor/swagger-ui-dist/nope.js",
    ],
)
def test_only_the_served_packages_files(client, path):
    assert client.get(path).status_code == 404


def test_packages_are_pinned_by_the_lockfile():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name, version in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), (name, version)
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "node_modules/" in ignored


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"TANJI_PORT": "8123"}, "http://127.0.0.1:8123"),
        ({"TANJI_HOST": "192.168.1.20", "TANJI_PORT": "9000"}, "http://192.168.1.20:9000"),
        ({"TANJI_HOST": "0.0.0.0"}, "http://127.0.0.1:8000"),
        ({"TANJI_TLS_CERT": "c.pem", "TANJI_TLS_KEY": "k.pem"}, "https://127.0.0.1:8000"),
        (
            {"TANJI_PORT": "9000", "TANJI_PUBLIC_BASE_URL": "https://tanji.example"},
            "https://tanji.example",
        ),
    ],
)
def test_public_base_url_follows_host_and_port(monkeypatch, tmp_path, env, expected):
    for key in (
        "TANJI_HOST",
        "TANJI_PORT",
        "TANJI_PUBLIC_BASE_URL",
        "TANJI_TLS_CERT",
        "TANJI_TLS_KEY",
    ):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "t.db")})
    assert app.config["PUBLIC_BASE_URL"] == expected
