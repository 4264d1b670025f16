"""Assertions shared by the API tests."""

from __future__ import annotations

import datetime as dt
import sqlite3

#: Headers an error status must carry (RFC 9110 / 6585), checked on every error response.
ERROR_HEADERS = {401: "WWW-Authenticate", 405: "Allow", 429: "Retry-After", 503: "Retry-After"}


def assert_error(response, status: int, reason: str | None = None) -> dict:
    """Every error has the one shape {code, status, message, errors: {reason, ...}}, as JSON,
    with the headers its status requires."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == status
    assert isinstance(body["status"], str) and body["status"]
    assert set(body) == {"code", "status", "message", "errors"}, body
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["errors"]["reason"], str) and body["errors"]["reason"], body
    if reason is not None:
        assert body["errors"]["reason"] == reason, body
    if status in ERROR_HEADERS:
        assert response.headers.get(ERROR_HEADERS[status]), (status, dict(response.headers))
    return body


def gtin_check_digit(payload: str) -> str:
    """GS1 mod-10 check digit of the digits before it (test oracle, independent of biip)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return str((10 - total % 10) % 10)


def certificates_by_status(data: dict, today: dt.date) -> dict[str, list[dict]]:
    """Fixture certificates grouped by the status they have on ``today``."""
    groups: dict[str, list[dict]] = {}
    for c in data["certificates"]:
        if c["status"] in ("suspended", "revoked"):
            status = c["status"]
        elif dt.date.fromisoformat(c["valid_until"]) < today:
            status = "expired"
        else:
            status = "valid"
        groups.setdefault(status, []).append(c)
    return groups


def import_row(data: dict, number: str) -> dict:
    """Fixture certificate ``number`` and its product as one import row (JSON form), without
    the fields that are None."""
    c = next(c for c in data["certificates"] if c["number"] == number)
    p = next(p for p in data["products"] if p["gtin"] == c["gtin"])
    row = {
        **{k: v for k, v in p.items() if k not in ("sales_unit", "net_content")},
        "sales_unit_amount": p["sales_unit"]["amount"],
        "sales_unit": p["sales_unit"]["unit"],
        "net_content_amount": (p["net_content"] or {}).get("amount"),
        "net_content_unit": (p["net_content"] or {}).get("unit"),
        **c,
    }
    return {k: v for k, v in row.items() if v is not None}


def release(db) -> tuple[int, int]:
    """The current release number and how many certificates the catalogue holds."""
    r = db.execute("select max(id) from releases").fetchone()[0]
    return r, db.execute("select count(*) from certificates").fetchone()[0]


def dump(db) -> str:
    """Everything the database holds, as text: SQLite's SQL dump; on PostgreSQL every row of
    every table (the ``db`` fixture, either engine)."""
    if isinstance(db.conn, sqlite3.Connection):
        return "\n".join(db.conn.iterdump())
    tables = db.execute("select tablename from pg_tables where schemaname = 'public'").fetchall()
    return "\n".join(
        repr(row) for (table,) in tables for row in db.execute(f'select * from "{table}"')
    )
