"""POST /v1/household/estimate: the stateless estimate."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

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
    if db.dialect.name == "sqlite":
        tables = "select name from sqlite_master where type = 'table'"
    else:
        tables = "select tablename from pg_tables where schemaname = 'public'"
    names = [r[0] for r in db.execute(tables).fetchall()]
    return {n: db.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}


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

    from app.core.activities import Activity
    from app.core.estimator import Inputs, estimate
    from app.core.purchases import Purchase
    from schemas.common import dump
    from schemas.estimate_render import render_estimate
    from schemas.estimator import EstimateSchema

    with app.app_context():
        from app.db import get_catalogue

        catalogue = get_catalogue()
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


def test_heating_season_and_purchase_dates_in_a_stateless_request(client):
    heat = {"amount": "90", "unit": "m2"}
    # May lies outside the assumed season: no heat; with the bill's own season it counts.
    assumed = estimate(client, {"province": "BJ", "district_heating": heat}).json
    assert assumed["total"]["kg"] == "0.000"
    season = {"start": "2026-05-01", "end": "2026-05-31"}
    given = estimate(
        client, {"district_heating": {**heat, "season": season}}, query_string={"lang": "en"}
    ).json
    (line,) = given["lines"]
    assert line["kg"] == "2970.000" and line["heating_season"]["assumed"] is False
    assert line["heating_season"]["note"] == "Season 2026-05-01 to 2026-05-31, as given."
    bad = estimate(
        client,
        {"district_heating": {**heat, "season": {"start": "2026-05-02", "end": "2026-05-01"}}},
    )
    assert_error(bad, 422, "invalid_input")
    assert bad.json["errors"]["field"] == "district_heating.season"
    # EXPIRED's certificate was valid until 2024-05-19: a purchase dated before counts.
    bought = {"code": EXPIRED, "quantity": "1"}
    body = estimate(client, {"purchases": [{**bought, "date": "2024-05-10"}, bought]}).json
    assert [ln["field"] for ln in body["lines"]] == ["purchases[0]"]
    assert [n["reason"] for n in body["not_counted"]] == ["expired"]
