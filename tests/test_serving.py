"""Serving as `make run` does (deploy/gunicorn.conf.py): slow and idle clients cannot take the
service offline, and the access log holds no client address or household id."""

from __future__ import annotations

import datetime as dt
import statistics
from types import SimpleNamespace

from app.serving import AccessLog, redact
from bench import abuse


def test_lookups_answer_while_64_slow_clients_hold_connections():
    # Idle, slow-header and slow-body clients; with 2 sync workers, 2 of them were enough to
    # make every lookup wait for gunicorn's 30 s timeout.
    result = abuse.measure("slow", connections=64, count=30)
    idle, abused = result["idle"], result["abused"]
    assert max(abused) < 2, abuse.summary(abused)  # a failed lookup counts as 10 s
    assert statistics.median(abused) < max(5 * statistics.median(idle), 0.1), (
        abuse.summary(idle),
        abuse.summary(abused),
    )


def test_household_ids_never_reach_a_log_line():
    assert redact("GET /v1/households/3f2a9c/entries?month=2026-05 HTTP/1.1") == (
        "GET /v1/households/-/entries?month=2026-05 HTTP/1.1"
    )
    assert redact("/v1/households/3f2a9c") == "/v1/households/-"
    assert redact("/v1/households/consent") == "/v1/households/consent"
    assert redact("POST /v1/households HTTP/1.1") == "POST /v1/households HTTP/1.1"


def test_access_log_atoms_hold_no_client_address_or_household_id():
    cfg = SimpleNamespace(
        accesslog="-", logconfig=None, logconfig_dict={}, logconfig_json=None, syslog=False
    )
    logger = AccessLog.__new__(AccessLog)
    logger.cfg = cfg
    environ = {
        "REMOTE_ADDR": "203.0.113.9",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/v1/households/3f2a9c/export",
        "PATH_INFO": "/v1/households/3f2a9c/export",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": "Phone/1.0",
        "HTTP_X_FORWARDED_FOR": "198.51.100.7",
    }
    response = SimpleNamespace(status="200 OK", headers=[], sent=10)
    request = SimpleNamespace(headers=[("X-Forwarded-For", "198.51.100.7")])
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=3))
    line = " ".join(str(v) for v in atoms.values())
    for secret in ("203.0.113.9", "198.51.100.7", "3f2a9c", "Phone/1.0"):
        assert secret not in line
    assert atoms["r"] == "GET /v1/households/-/export HTTP/1.1"
