"""/auth/token (OAuth2 client credentials), bearer checks, and the clients CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from tests.conftest import ROOT
from tests.helpers import dump
from tests.pact.conftest import assert_pact_error, get_token

PROTECTED = [("get", "/3/footprints"), ("get", "/3/footprints/x"), ("post", "/3/events")]


def test_token_with_basic_credentials(client, credentials):
    resp = client.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials["client_id"], credentials["client_secret"]),
    )
    assert resp.status_code == 200
    assert resp.json["token_type"] == "Bearer" and resp.json["expires_in"] == 3600
    assert len(resp.json["access_token"]) >= 40
    assert resp.headers["Cache-Control"] == "no-store"


def test_token_with_credentials_in_the_form(client, credentials):
    resp = client.post("/auth/token", data={"grant_type": "client_credentials", **credentials})
    assert resp.status_code == 200 and resp.json["access_token"]


@pytest.mark.parametrize(
    "data, auth, status, error",
    [
        ({"grant_type": "client_credentials"}, ("nobody", "wrong"), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, "wrong-secret", 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, None, 401, "invalid_client"),
        ({}, "good", 400, "invalid_request"),
        ({"grant_type": "password"}, "good", 400, "unsupported_grant_type"),
    ],
)
def test_token_errors_use_the_oauth_body(client, credentials, data, auth, status, error):
    if auth == "good":
        auth = (credentials["client_id"], credentials["client_secret"])
    elif auth == "wrong-secret":
        auth = (credentials["client_id"], "x" + credentials["client_secret"])
    resp = client.post("/auth/token", data=data, auth=auth)
    assert resp.status_code == status
    assert resp.json["error"] == error and resp.json["error_description"]
    if status == 401:
        assert resp.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer very-invalid-access-token", "Basic eDp5", "Token abc"],
)
def test_missing_or_invalid_token_is_401_bad_request(client, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    for method, url in PROTECTED:
        resp = getattr(client, method)(url, headers=headers, json={})
        assert_pact_error(resp, 401, "BadRequest")
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_401_token_expired(client, credentials, db):
    token = get_token(client, credentials)
    with db.write_transaction(lock=None):
        db.execute("update pact_tokens set expires_at = '2020-01-01T00:00:00+00:00'")
    for method, url in PROTECTED:
        resp = getattr(client, method)(url, headers={"Authorization": f"Bearer {token}"}, json={})
        assert_pact_error(resp, 401, "TokenExpired")


def test_a_token_works_in_another_process_and_after_a_restart(app, client, credentials, tmp_path):
    token = get_token(client, credentials)
    restarted = create_app({**app.config, "TESTING": True})
    resp = restarted.test_client().get(
        "/3/footprints?limit=1", headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 200 and len(resp.json["data"]) == 1


def test_secrets_and_tokens_are_stored_only_as_digests(app, client, credentials, db):
    token = get_token(client, credentials)
    if app.config["DATABASE_URL"]:  # every row of every table
        raw = dump(db).encode()
    else:  # the files themselves
        raw = b"".join(
            Path(app.config["DATABASE"] + suffix).read_bytes()
            for suffix in ("", "-wal")
            if Path(app.config["DATABASE"] + suffix).exists()
        )
    assert credentials["client_secret"].encode() not in raw
    assert token.encode() not in raw
    assert credentials["client_id"].encode() in raw


def test_list_and_revoke_clients(client, runner, credentials):
    token = get_token(client, credentials)
    listed = runner.invoke(args=["pact", "clients", "list", "--json"])
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["id"] == credentials["client_id"] and row["name"] == "Test recipient"
    assert row["revoked_at"] is None and "secret" not in json.dumps(row)

    result = runner.invoke(args=["pact", "clients", "revoke", credentials["client_id"]])
    assert result.exit_code == 0 and "revoked" in result.output
    # Tokens already issued stop working at once; no new ones are issued.
    assert_pact_error(
        client.get("/3/footprints", headers={"Authorization": f"Bearer {token}"}), 401, "BadRequest"
    )
    resp = client.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials["client_id"], credentials["client_secret"]),
    )
    assert resp.status_code == 401
    listed = runner.invoke(args=["pact", "clients", "list"])
    assert "revoked" in listed.output

    unknown = runner.invoke(args=["pact", "clients", "revoke", "pact-nope"])
    assert unknown.exit_code != 0 and "No PACT client" in unknown.output


def test_create_json_prints_exactly_one_json_line_on_stdout(app, tmp_path):
    env = {**os.environ, "TANJI_DATABASE": str(tmp_path / "cli.db"), "TANJI_TODAY": "2026-06-15"}
    if app.config["DATABASE_URL"]:
        env["TANJI_DATABASE_URL"] = app.config["DATABASE_URL"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "pact",
            "clients",
            "create",
            "Brand X",
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert set(json.loads(lines[0])) == {"client_id", "client_secret"}
