"""/v1/households: opt-in saved households, their entries, estimates, export and deletion."""

from __future__ import annotations

import threading

import pytest

from app.db import close_thread_connections
from app.storage.households import TABLES
from tests.helpers import assert_error, dump
from tests.routes.test_estimator import EXPIRED, WATER, row_counts


def consent_version(client) -> str:
    return client.get("/v1/households/consent").get_json()["version"]


def create(client, **extra):
    body = {
        "consent": True,
        "consent_version": consent_version(client),
        "household_size": 3,
        **extra,
    }
    resp = client.post("/v1/households", json=body)
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()
    return data["household"]["id"], {"Authorization": f"Bearer {data['token']}"}


def test_consent_text_is_served_in_both_languages(client):
    body = client.get("/v1/households/consent?lang=en").get_json()
    assert body["version"] and body["lang"] == "en"
    assert "not a personal carbon account" in body["text"]
    assert "不是个人碳账户" in body["texts"]["zh-CN"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"consent": False}, "consent"), ({"consent_version": "1999-01-01"}, "consent_version")],
)
def test_saving_needs_consent_to_the_current_text(client, body, field):
    payload = {
        "consent": True,
        "consent_version": consent_version(client),
        "household_size": 2,
        **body,
    }
    error = assert_error(client.post("/v1/households", json=payload), 422, "invalid_input")
    assert error["errors"]["field"] == field


def test_saving_rejects_personal_data(client):
    payload = {
        "consent": True,
        "consent_version": consent_version(client),
        "household_size": 2,
        "name": "张三",
    }
    body = assert_error(client.post("/v1/households", json=payload), 422)
    assert "name" in body["errors"]["json"]


def test_token_is_shown_once_and_stored_only_as_a_hash(client, db):
    resp = client.post(
        "/v1/households",
        json={
            "consent": True,
            "consent_version": consent_version(client),
            "household_size": 2,
            "province": "gd",
        },
    )
    data = resp.get_json()
    token = data["token"]
    assert len(token) >= 43  # token_urlsafe(32): 256 random bits
    assert data["household"]["province"] == "GD" and data["household"]["consent"]["given_at"]
    stored = dump(db)
    assert token not in stored
    assert "127.0.0.1" not in stored and "localhost" not in stored  # no IP address is stored
    row = db.execute("select * from households").fetchone()
    assert data["household"]["id"] in row


def test_wrong_or_missing_token_reveals_nothing(client):
    household_id, auth = create(client)
    wrong = {"Authorization": "Bearer " + "x" * 43}
    responses = [
        client.get(f"/v1/households/{household_id}"),
        client.get(f"/v1/households/{household_id}", headers=wrong),
        client.get(
            f"/v1/households/{household_id}", headers={"Authorization": "Basic dXNlcjpwYXNz"}
        ),
        client.get("/v1/households/" + "0" * 32, headers=auth),
        client.get("/v1/households/" + "0" * 32),
    ]
    bodies = [assert_error(r, 401, "unauthorized") for r in responses]
    assert all(b == bodies[0] for b in bodies)
    assert client.get(f"/v1/households/{household_id}", headers=auth).status_code == 200


def test_entries_estimate_export_rotate_and_delete(client, db):
    household_id, auth = create(client, province="BJ")
    base = f"/v1/households/{household_id}"
    # A bill for 16 April - 15 May (30 days): 15 of its days fall in May.
    bill = {
        "kind": "electricity",
        "start": "2026-04-16",
        "end": "2026-05-15",
        "amount": "300",
        "unit": "kWh",
    }
    added = client.post(f"{base}/entries", json=bill, headers=auth)
    assert added.status_code == 201, added.get_json()
    gas = client.post(
        f"{base}/entries",
        json={"kind": "natural_gas", "month": "2026-05", "amount": "12", "unit": "m3"},
        headers=auth,
    )
    water = client.post(
        f"{base}/entries",
        json={"kind": "purchase", "date": "2026-05-20", "code": WATER, "quantity": "6"},
        headers=auth,
    )
    june = client.post(
        f"{base}/entries",
        json={"kind": "purchase", "date": "2026-06-02", "code": WATER},
        headers=auth,
    )
    assert {gas.status_code, water.status_code, june.status_code} == {201}

    body = client.get(f"{base}/estimate?month=2026-05", headers=auth).get_json()
    lines = {ln["kind"]: ln for ln in body["lines"]}
    assert lines["electricity"]["activity"]["amount"] == "150.0"  # 300 x 15/30
    assert lines["electricity"]["kg"] == "86.655"  # 150 x 0.5777
    assert lines["natural_gas"]["kg"] == "25.944"  # 12 x 2.162
    assert lines["purchase"]["kg"] == "0.554"  # 6 x 0.0924
    assert body["total"]["kg"] == "113.153"
    assert body["household_size"] == 3 and body["grid_region"] == "North"

    assert client.get(f"{base}/entries", headers=auth).get_json()["count"] == 4
    entry_id = water.get_json()["id"]
    assert client.delete(f"{base}/entries/{entry_id}", headers=auth).status_code == 204
    assert_error(client.delete(f"{base}/entries/{entry_id}", headers=auth), 404, "not_found")

    export = client.get(f"{base}/export", headers=auth).get_json()
    assert export["household"]["id"] == household_id and len(export["entries"]) == 3
    assert "token_hash" not in str(export)

    rotated = client.post(f"{base}/token", headers=auth).get_json()["token"]
    assert_error(client.get(base, headers=auth), 401, "unauthorized")
    auth = {"Authorization": f"Bearer {rotated}"}
    assert client.get(base, headers=auth).status_code == 200

    other_id, _ = create(client)  # another household must survive
    assert client.delete(base, headers=auth).status_code == 204
    assert_error(client.get(base, headers=auth), 401, "unauthorized")
    for table in TABLES:
        for row in db.execute(f'select * from "{table}"').fetchall():
            assert household_id not in row
    assert db.execute("select count(*) from household_entries").fetchone()[0] == 0
    assert db.execute("select id from households").fetchall() == [(other_id,)]


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"kind": "electricity", "month": "2026-05", "amount": "-1", "unit": "kWh"}, "amount"),
        ({"kind": "electricity", "month": "2026-05", "amount": "1", "unit": "parsecs"}, "unit"),
        ({"kind": "purchase", "date": "2026-05-01", "code": WATER, "quantity": "0"}, "quantity"),
        (
            {
                "kind": "electricity",
                "start": "2026-05-02",
                "end": "2026-05-01",
                "amount": "1",
                "unit": "kWh",
            },
            "end",
        ),
        ({"kind": "electricity", "amount": "1", "unit": "kWh"}, "start"),
        (
            {
                "kind": "electricity",
                "month": "2026-05",
                "amount": "1",
                "unit": "kWh",
                "code": WATER,
            },
            "code",
        ),
        ({"kind": "purchase", "date": "2026-05-01", "code": WATER, "amount": "5"}, "amount"),
    ],
)
def test_impossible_entries_are_422(client, entry, field):
    household_id, auth = create(client)
    body = assert_error(
        client.post(f"/v1/households/{household_id}/entries", json=entry, headers=auth), 422
    )
    assert body["errors"]["field"] == field


def test_entries_reject_unknown_fields(client):
    household_id, auth = create(client)
    entry = {
        "kind": "electricity",
        "month": "2026-05",
        "amount": "1",
        "unit": "kWh",
        "meter_number": "8812",
    }
    body = assert_error(
        client.post(f"/v1/households/{household_id}/entries", json=entry, headers=auth), 422
    )
    assert "meter_number" in body["errors"]["json"]


def test_parallel_family_phones_lose_nothing(app, db):
    household_id, auth = create(app.test_client())
    threads, per_thread = 8, 25
    failures: list[str] = []

    def phone(n: int) -> None:
        client = app.test_client()
        try:
            for i in range(per_thread):
                entry = {
                    "kind": "purchase",
                    "date": "2026-05-01",
                    "code": WATER,
                    "quantity": str(n * 100 + i + 1),
                }
                resp = client.post(
                    f"/v1/households/{household_id}/entries", json=entry, headers=auth
                )
                if resp.status_code != 201:
                    failures.append(resp.get_data(as_text=True))
        finally:
            if not app.config["DATABASE_URL"]:  # SQLite's are per thread; PostgreSQL's pool
                close_thread_connections()  # is the process's, still in use by the others

    workers = [threading.Thread(target=phone, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert failures == []
    quantities = [r[0] for r in db.execute("select quantity from household_entries").fetchall()]
    expected = {str(n * 100 + i + 1) for n in range(threads) for i in range(per_thread)}
    assert len(quantities) == threads * per_thread and set(quantities) == expected


def test_purge_deletes_households_inactive_past_retention(app, runner, db):
    client = app.test_client()
    stale_id, _ = create(client)  # last active on TODAY, 2026-06-15
    app.config["TODAY"] = "2027-07-01"
    fresh_id, fresh_auth = create(client)
    client.post(
        f"/v1/households/{fresh_id}/entries",
        json={"kind": "purchase", "date": "2027-06-30", "code": WATER},
        headers=fresh_auth,
    )
    app.config["TODAY"] = "2027-07-20"  # 400 days after 2026-06-15: not yet past retention
    assert "Purged 0" in runner.invoke(args=["households", "purge"]).output
    app.config["TODAY"] = "2027-07-21"
    result = runner.invoke(args=["households", "purge"])
    assert result.exit_code == 0 and "Purged 1" in result.output
    assert db.execute("select id from households").fetchall() == [(fresh_id,)]
    assert db.execute("select count(*) from household_entries").fetchone()[0] == 1
    app.config["HOUSEHOLD_RETENTION_DAYS"] = 10
    assert "Purged 1" in runner.invoke(args=["households", "purge"]).output
    assert row_counts(db)["households"] == 0 and stale_id


def test_entry_limit_and_no_token_in_logs(app, client, caplog):
    import logging

    app.config["HOUSEHOLD_ENTRY_LIMIT"] = 2
    with caplog.at_level(logging.DEBUG):
        household_id, auth = create(client)
        url = f"/v1/households/{household_id}/entries"
        entry = {"kind": "purchase", "date": "2026-05-01", "code": WATER}
        assert client.post(url, json=entry, headers=auth).status_code == 201
        assert client.post(url, json=entry, headers=auth).status_code == 201
        body = assert_error(client.post(url, json=entry, headers=auth), 422, "invalid_input")
    assert body["errors"]["field"] == "entries"
    token = auth["Authorization"].removeprefix("Bearer ")
    assert token not in caplog.text


def test_heated_area_entered_every_month_counts_one_season(client):
    household_id, auth = create(client, province="BJ")
    base = f"/v1/households/{household_id}"
    for month in ("2025-11", "2025-12", "2026-01", "2026-02", "2026-03"):
        entry = {"kind": "district_heating", "month": month, "amount": "90", "unit": "m2"}
        assert client.post(f"{base}/entries", json=entry, headers=auth).status_code == 201
    season = client.get(f"{base}/estimate?start=2025-11-01&end=2026-03-31", headers=auth)
    body = season.get_json()
    # 90 m2 x 0.30 GJ/m2 x 110 kg CO2/GJ = 2,970 kg for the season, once (not 5 x 2,970).
    assert abs(float(body["total"]["kg"]) - 2970) < 0.01, body["total"]
    january = client.get(f"{base}/estimate?month=2026-01&lang=en", headers=auth).get_json()
    (line,) = january["lines"]
    assert line["kg"] == "760.909"  # 2,970 x 31/121 (Beijing's season: 15 Nov - 15 Mar)
    assert line["heating_season"] == {
        "start": "11-15",
        "end": "03-15",
        "assumed": True,
        "province": "BJ",
        "share": "0.2562",
        "note": line["heating_season"]["note"],
    }
    assert "Beijing" in line["heating_season"]["note"]
    assert january["annualised_kg"] == "2970.000"
    zh = client.get(f"{base}/estimate?month=2026-01", headers=auth).get_json()
    assert zh["lines"][0]["heating_season"]["note"].startswith(
        "假定供暖季为11-15至03-15：北京（BJ）"
    )


def test_purchases_count_in_the_year_as_in_their_month(client):
    household_id, auth = create(client)
    base = f"/v1/households/{household_id}"
    # EXPIRED's only certificate was valid until 2024-05-19: bought before, it counts.
    for day, code in (("2024-05-10", EXPIRED), ("2024-05-25", EXPIRED)):
        entry = {"kind": "purchase", "date": day, "code": code, "quantity": "2"}
        assert client.post(f"{base}/entries", json=entry, headers=auth).status_code == 201
    may = client.get(f"{base}/estimate?month=2024-05", headers=auth).get_json()
    year = client.get(f"{base}/estimate?start=2024-01-01&end=2024-12-31", headers=auth).get_json()
    assert may["certified_purchases_kg"] == year["certified_purchases_kg"] != "0.000"
    assert [n["reason"] for n in year["not_counted"]] == ["expired"]
    assert year["not_counted"][0]["message"] == (
        "证书TJS-PCF-2021-0001的有效期至2024-05-19，2024-05-25时已过期；不计入。"
    )
