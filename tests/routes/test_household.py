"""The household API: the stateless estimate and opt-in saved households."""

from __future__ import annotations

import threading
from decimal import Decimal as D

import pytest

from app.db import close_thread_connections
from app.storage.households import TABLES
from tests.helpers import assert_error

WATER = "09506000134352"  # current certificate TJS-PCF-2025-0028, 0.0924 kg CO2e per bottle
TISSUES = "00000020123451"  # GTIN-8 20123451, 0.0547 per pack
EXPIRED = "00210104000114"  # only certificate expired 2024-05-19
SUSPENDED = "00220113000166"
REVOKED = "00230107000225"
UNKNOWN = "00200000000011"  # valid check digit, not in the catalogue

MAY = {"month": "2026-05"}


def estimate(client, body, **kwargs):
    return client.post(
        "/v1/household/estimate", json={"period": MAY, "household_size": 2, **body}, **kwargs
    )


def row_counts(db) -> dict[str, int]:
    names = [
        r[0] for r in db.execute("select name from sqlite_master where type = 'table'").fetchall()
    ]
    return {n: db.execute(f"select count(*) from [{n}]").fetchone()[0] for n in names}


# -- stateless estimate -------------------------------------------------------------------
def test_estimate_adds_up_lines_with_their_factors(client):
    resp = estimate(
        client,
        {
            "electricity": {"amount": "0.25", "unit": "MWh"},  # 250 kWh x 0.5777 = 144.425
            "natural_gas": {"amount": 20, "unit": "m3"},  # x 2.162 = 43.240
            "car": [{"fuel": "diesel", "amount": "10", "unit": "L"}],  # x 2.676 = 26.760
            "rail": {"amount": "1000", "unit": "km"},  # x 0.035 = 35.000
        },
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["total"] == {
        "kg": "249.425",
        "low_kg": "221.204",
        "high_kg": "277.646",
        "unit": "kg CO2e",
    }
    by_field = {ln["field"]: ln for ln in body["lines"]}
    electricity = by_field["electricity"]
    assert electricity["factor"]["id"] == "cn-electricity-footprint-2024"
    assert electricity["activity"] == {"amount": "250.00", "unit": "kWh"}  # 0.25 MWh
    assert electricity["given"] == {"amount": "0.25", "unit": "MWh"}
    assert by_field["car[0]"]["factor"]["source_url"].startswith("https://")
    assert {s["boundary"]: s["kg"] for s in body["subtotals"]} == {
        "life-cycle": "144.425",
        "combustion": "70.000",
        "operational": "35.000",
    }
    assert body["per_person_kg"] == "124.713"  # 249.425 / 2, half-up
    assert body["lang"] == "zh-CN" and "不是个人碳账户" in body["notice"]
    assert [c["id"] for c in body["comparisons"]] == [
        "cn-co2-per-person-2023",
        "cn-household-size-2020",
        "cn-residential-electricity-per-household-2023",
    ]
    assert all(c["reference"]["source_url"] for c in body["comparisons"])
    assert resp.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "how", [{"headers": {"Accept-Language": "en"}}, {"query_string": {"lang": "en"}}]
)
def test_estimate_speaks_english_on_request(client, how):
    body = estimate(client, {"electricity": {"amount": "10", "unit": "kWh"}}, **how).get_json()
    assert body["lang"] == "en"
    assert "not a personal carbon account" in body["notice"]
    assert body["lines"][0]["label"] == "Household electricity"


def test_regional_grid_view_is_labelled_and_never_added(client):
    plain = estimate(client, {"electricity": {"amount": "100", "unit": "kWh"}}).get_json()
    regional = estimate(
        client, {"electricity": {"amount": "100", "unit": "kWh"}, "province": "CN-GD"}
    ).get_json()
    assert plain["total"] == regional["total"]
    assert regional["grid_region"] == "South"
    views = {v["factor"]["id"]: v for v in regional["electricity_views"]}
    assert views["cn-grid-co2-2023-south"]["kg"] == "40.420"  # 100 x 0.4042
    assert views["cn-grid-co2-2023"]["kg"] == "53.060"
    assert all(v["counted_in_total"] is False for v in views.values())


def test_purchases_without_a_valid_certificate_are_listed_not_counted(client):
    resp = estimate(
        client,
        {
            "purchases": [
                {"code": WATER, "quantity": "12"},  # 12 x 0.0924 = 1.109 (1.1088)
                {"code": "(01)00000020123451"},  # default quantity 1 -> 0.055 (0.0547)
                {"code": EXPIRED},
                {"code": SUSPENDED, "quantity": 2},
                {"code": REVOKED},
                {"code": UNKNOWN},
                {"code": "not a code"},
            ]
        },
    )
    body = resp.get_json()
    counted = {ln["field"]: (ln["kg"], ln["certificate"]["number"]) for ln in body["lines"]}
    assert counted == {
        "purchases[0]": ("1.109", "TJS-PCF-2025-0028"),
        "purchases[1]": ("0.055", "TJS-PCF-2025-0007"),
    }
    line = body["lines"][0]
    assert line["certificate"]["certification_body"] == "TJSCC"
    assert line["certificate"]["standards"] and line["certificate"]["emission_factor_database"]
    reasons = {n["field"]: n["reason"] for n in body["not_counted"]}
    assert reasons == {
        "purchases[2]": "expired",
        "purchases[3]": "suspended",
        "purchases[4]": "revoked",
        "purchases[5]": "not_found",
        "purchases[6]": "not_a_code",
    }
    assert body["certified_purchases_kg"] == "1.164" == body["total"]["kg"]
    assert body["certificates_as_of"] == "2026-05-31"


def test_estimate_stores_nothing(client, db):
    before = row_counts(db)
    estimate(
        client, {"electricity": {"amount": "100", "unit": "kWh"}, "purchases": [{"code": WATER}]}
    )
    assert row_counts(db) == before
    assert before["households"] == before["household_entries"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"electricity": {"amount": "-5", "unit": "kWh"}}, "electricity.amount"),
        ({"electricity": {"amount": "5", "unit": "joules"}}, "electricity.unit"),
        ({"electricity": {"amount": "1e12", "unit": "kWh"}}, "electricity.amount"),
        ({"coal": {"amount": "900", "unit": "t"}}, "coal.amount"),
        (
            {"car": [{"fuel": "petrol", "distance": {"amount": "100", "unit": "km"}}]},
            "car[0].consumption",
        ),
        ({"purchases": [{"code": WATER, "quantity": "-1"}]}, "purchases[0].quantity"),
        ({"province": "Atlantis"}, "province"),
        ({"household_size": 0}, "household_size"),
        ({"period": {"start": "2026-05-02", "end": "2026-05-01"}}, "period.end"),
        ({"period": {"month": "2026-13"}}, "period.month"),
    ],
)
def test_impossible_inputs_are_422_naming_the_field(client, body, field):
    body = assert_error(estimate(client, body), 422, "invalid_input")
    assert body["errors"]["field"] == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "张三"}, "name"),
        ({"electricity": {"amount": "NaN", "unit": "kWh"}}, "electricity"),
        ({"electricity": {"amount": "12", "unit": "kWh", "meter_number": "123"}}, "electricity"),
        ({"car": [{"fuel": "hydrogen", "amount": "1", "unit": "L"}]}, "car"),
    ],
)
def test_schema_rejects_unknown_and_malformed_fields(client, body, field):
    body = assert_error(estimate(client, body), 422)
    assert field in body["errors"]["json"]


def test_purchase_list_limit(app, client):
    app.config["HOUSEHOLD_PURCHASE_LIMIT"] = 3
    body = assert_error(
        estimate(client, {"purchases": [{"code": WATER}] * 4}), 422, "invalid_input"
    )
    assert body["errors"]["field"] == "purchases"


# -- saved households ---------------------------------------------------------------------
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
    dump = "\n".join(db.conn.iterdump())
    assert token not in dump
    assert "127.0.0.1" not in dump and "localhost" not in dump  # no IP address is stored
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
        for row in db.execute(f"select * from [{table}]").fetchall():
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
            close_thread_connections()

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


def test_decimals_on_the_wire_are_strings(client):
    body = estimate(client, {"tap_water": {"amount": "3", "unit": "t"}}).get_json()
    line = body["lines"][0]
    assert line["kg"] == "0.570" and D(line["uncertainty"]["high_kg"]) == D("1.140")
    assert line["factor"]["uncertainty_pct"] == "100"


def test_spec_documents_the_household_endpoints(client):
    spec = client.get("/openapi.json").get_json()
    assert "/v1/household/estimate" in spec["paths"]
    assert spec["paths"]["/v1/households/{household_id}/export"]["get"]["security"] == [
        {"bearerAuth": []}
    ]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_fast_renderer_matches_the_documented_schema(app, lang):
    import datetime as dt

    from app.core.household import Activity, Inputs, Purchase, estimate
    from app.storage.catalog import SqliteCatalogue
    from schemas.common import dump
    from schemas.household import EstimateSchema, render_estimate

    with app.app_context():
        from app.db import get_db

        catalogue = SqliteCatalogue(get_db())
        inputs = Inputs(
            dt.date(2026, 5, 1),
            dt.date(2026, 5, 31),
            2,
            "SC",
            (
                Activity("electricity", "electricity", D("250"), "kWh"),
                Activity("district_heating", "district_heating", D("80"), "m2"),
                Activity(
                    "diesel", "car[0]", distance=D("100"), distance_unit="km", consumption=D("6")
                ),
            ),
            tuple(
                Purchase(c, D(2), f"purchases[{i}]")
                for i, c in enumerate([WATER, WATER, REVOKED, "nope"])
            ),
        )
        result = estimate(
            inputs,
            factors=catalogue,
            catalogue=catalogue,
            today=dt.date(2026, 6, 15),
            public_base_url="http://x",
        )
        assert render_estimate(result, lang) == dump(EstimateSchema(), result, lang=lang)


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
