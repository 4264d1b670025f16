"""One error shape everywhere: framework errors (unknown paths, 405, 500, schema errors) carry
a message and a reason like domain errors, with the headers their status requires."""

from __future__ import annotations

import pytest

from app import create_app
from app.core.errors import Unavailable
from tests.conftest import TODAY
from tests.helpers import assert_error
from tests.routes.test_saved_households import create


@pytest.mark.parametrize("path", ["/nope", "/v1/nope", "/v1/products/", "/v1/admin/nope"])
def test_unknown_paths_are_404_in_the_error_shape(client, path):
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/v1/resolve", {"GET", "POST"}),
        ("put", "/v1/products/09506000134352", {"GET"}),
        ("post", "/v1/health", {"GET"}),
        ("get", "/v1/household/estimate", {"POST"}),
    ],
)
def test_wrong_method_is_405_with_allow(client, method, path, allowed):
    resp = getattr(client, method)(path)
    body = assert_error(resp, 405, "method_not_allowed")
    assert allowed <= {m.strip() for m in resp.headers["Allow"].split(",")}
    assert method.upper() in body["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/resolve", {}, "codes"),
        ("/v1/resolve", {"codes": "x"}, "codes"),
        ("/v1/resolve", {"codes": [1]}, "codes[0]"),
        ("/v1/household/estimate", {"period": {"month": "May"}, "household_size": 2}, "period.month"),
        ("/v1/households", {"consent": "maybe"}, "consent"),
    ],
)  # fmt: skip
def test_schema_errors_have_message_reason_and_field(client, path, body, field):
    error = assert_error(client.post(path, json=body), 422, "invalid_input")
    assert error["errors"]["field"] == field
    assert error["message"].startswith(field + ": ")
    assert "json" in error["errors"]  # every message, keyed by location then field


def test_query_errors_name_the_location(client):
    error = assert_error(client.get("/v1/resolve"), 422, "invalid_input")
    assert error["errors"]["field"] == "code" and "query" in error["errors"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/v1/households/abc"), ("get", "/v1/households/abc/entries"),
     ("post", "/v1/admin/certificates")],
)  # fmt: skip
def test_401_carries_www_authenticate(client, method, path):
    resp = getattr(client, method)(path, json={})
    assert_error(resp, 401, "unauthorized")
    assert resp.headers["WWW-Authenticate"].startswith("Bearer ")


def test_201_carries_location_of_what_was_created(client):
    household_id, auth = create(client)
    resp = client.post(
        "/v1/households",
        json={"consent": True, "consent_version": _version(client), "household_size": 2},
    )
    assert resp.status_code == 201
    location = resp.headers["Location"]
    created = resp.get_json()["household"]["id"]
    assert location == f"/v1/households/{created}"
    token = {"Authorization": f"Bearer {resp.get_json()['token']}"}
    assert client.get(location, headers=token).get_json()["id"] == created

    entry = {"kind": "electricity", "month": "2026-05", "amount": "1", "unit": "kWh"}
    resp = client.post(f"/v1/households/{household_id}/entries", json=entry, headers=auth)
    assert resp.status_code == 201
    entry_id = resp.get_json()["id"]
    assert resp.headers["Location"] == f"/v1/households/{household_id}/entries/{entry_id}"
    assert client.delete(resp.headers["Location"], headers=auth).status_code == 204


def _version(client) -> str:
    return client.get("/v1/households/consent").get_json()["version"]


@pytest.fixture
def failing_app(tmp_path):
    """The app, plus routes that fail the ways only a fault can (for the 500 and 503 shapes)."""
    app = create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,
            "DATABASE": str(tmp_path / "tanji.db"),
            "TODAY": TODAY.isoformat(),
        }
    )

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    @app.get("/busy")
    def busy():
        raise Unavailable("Another write holds the catalogue.")

    return app


def test_500_is_in_the_error_shape_and_says_nothing_internal(failing_app):
    resp = failing_app.test_client().get("/boom")
    body = assert_error(resp, 500, "internal_error")
    assert "a bug" not in resp.get_data(as_text=True) and "Traceback" not in body["message"]


def test_503_carries_retry_after(failing_app):
    resp = failing_app.test_client().get("/busy")
    assert_error(resp, 503, "unavailable")
    assert int(resp.headers["Retry-After"]) > 0
