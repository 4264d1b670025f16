"""PACT fixtures: a data-recipient client made by the CLI, its token, and a fake recipient.
These tests run on both storage engines (tests/engines.py)."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.engines import engine  # noqa: F401

PUBLIC = "https://pact.tanji.test"


@pytest.fixture
def app(make_app):
    """The app on a fresh database (each engine), answering events only by explicit delivery."""
    return make_app(
        PUBLIC_BASE_URL=PUBLIC,
        PACT_DELIVERY_THREAD=False,
        PACT_EVENT_RETRY_SECONDS=5.0,
        PACT_EVENT_TIMEOUT=5.0,
    )


@pytest.fixture
def credentials(runner) -> dict:
    result = runner.invoke(args=["pact", "clients", "create", "Test recipient", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def get_token(client, credentials: dict) -> str:
    resp = client.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials["client_id"], credentials["client_secret"]),
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json["access_token"]


@pytest.fixture
def headers(client, credentials) -> dict:
    return {"Authorization": f"Bearer {get_token(client, credentials)}"}


def assert_pact_error(response, status: int, code: str) -> dict:
    """PACT's one error shape: {code, message}, code from the spec's list."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"code", "message"} and body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body


class FakeRecipient:
    """A PACT data recipient on localhost: /auth/token and /3/events, recording every call."""

    CLIENT = ("recipient-id", "recipient-secret")

    def __init__(self, *, fail_events: int = 0) -> None:
        self.requests: list[tuple[str, str, dict, bytes]] = []
        self.events: list[dict] = []
        self.fail_events = fail_events
        recipient = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recipient.requests.append(("POST", self.path, dict(self.headers), body))
                if self.path == "/auth/token":
                    expected = base64.b64encode(":".join(recipient.CLIENT).encode()).decode()
                    if self.headers.get("Authorization") != f"Basic {expected}":
                        return self._reply(401, {"error": "invalid_client"})
                    return self._reply(200, {"access_token": "fake-token", "token_type": "Bearer"})
                if self.path == "/3/events":
                    if self.headers.get("Authorization") != "Bearer fake-token":
                        return self._reply(401, {"code": "BadRequest", "message": "token"})
                    if recipient.fail_events > 0:
                        recipient.fail_events -= 1
                        return self._reply(503, {"code": "InternalError", "message": "busy"})
                    recipient.events.append(json.loads(body))
                    return self._reply(200, None)
                return self._reply(404, {"code": "NotFound", "message": self.path})

            def _reply(self, status, payload):
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def allow_list_entry(self) -> dict:
        return {self.url: {"client_id": self.CLIENT[0], "client_secret": self.CLIENT[1]}}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recipient():
    fake = FakeRecipient()
    yield fake
    fake.close()
