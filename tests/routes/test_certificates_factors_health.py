"""Certificates, factors and health."""

from __future__ import annotations

import re

import pytest

from tests.helpers import assert_error


def test_certificate_in_full(client, catalogue_data):
    fixture = next(c for c in catalogue_data["certificates"] if c.get("stages"))
    body = client.get(f"/v1/certificates/{fixture['number']}?lang=en").get_json()
    assert body["number"] == fixture["number"]
    assert body["gtin"] == fixture["gtin"]
    assert body["standards"] == fixture["standards"]
    assert body["pcf"] == {
        "value": fixture["pcf"],
        "unit": "kg CO2e",
        "declaredUnitOfMeasurement": fixture["declared_unit"],
        "declaredUnitAmount": fixture["declared_unit_amount"],
    }
    assert body["stages"] == fixture["stages"]
    assert body["system_boundary"] == fixture["system_boundary"]
    assert body["reference_period"] == fixture["reference_period"]
    assert (
        body["issued_on"] == fixture["issued_on"] and body["valid_until"] == fixture["valid_until"]
    )
    assert body["verification"] == {
        "verified_by": fixture["verified_by"],
        "verified_on": fixture["verified_on"],
    }
    assert body["characterization_factors"] == fixture["characterization"]
    assert body["emission_factor_database"] == {
        "name": fixture["factor_database"],
        "version": fixture["factor_database_version"],
    }
    assert body["certification_body"]["id"] == fixture["body"]
    assert "fictional" in body["certification_body"]["name"]
    assert body["sample"] is True
    assert body["product"]["gtin"] == fixture["gtin"]


def test_certificate_lookup_is_case_insensitive_and_cacheable(client):
    resp = client.get("/v1/certificates/tjs-pcf-2025-0020")
    assert resp.get_json()["number"] == "TJS-PCF-2025-0020"
    assert (
        client.get(
            "/v1/certificates/TJS-PCF-2025-0020", headers={"If-None-Match": resp.headers["ETag"]}
        ).status_code
        == 304
    )


def test_unknown_certificate(client):
    assert_error(client.get("/v1/certificates/TJS-PCF-1900-0001"), 404, "not_found")


def test_official_electricity_factors(client):
    body = client.get("/v1/factors?category=electricity&basis=CO2e").get_json()
    values = {f["year"]: f["value"] for f in body["factors"]}
    assert values == {2023: "0.6205", 2024: "0.5777"}
    for factor in body["factors"]:
        assert factor["boundary"] == "life-cycle"
        assert factor["unit"] == "kg CO2e/kWh"
        assert factor["publisher"] and factor["source_url"].startswith("https://")
        assert factor["sample"] is False


def test_grid_factors_are_a_separate_series(client):
    body = client.get("/v1/factors?category=electricity&year=2023&basis=CO2").get_json()
    by_region = {f["region"]: f["value"] for f in body["factors"]}
    assert by_region == {
        "CN": "0.5306",
        "CN-North": "0.6361",
        "CN-Northeast": "0.5122",
        "CN-East": "0.5500",
        "CN-Central": "0.5271",
        "CN-Northwest": "0.5543",
        "CN-South": "0.4042",
        "CN-Southwest": "0.2472",
    }
    assert {f["boundary"] for f in body["factors"]} == {"grid-average"}
    assert {f["unit"] for f in body["factors"]} == {"kg CO2/kWh"}
    assert body["count"] == 8


def test_factor_filters(client):
    assert client.get("/v1/factors?region=CN-South").get_json()["count"] == 1
    assert client.get("/v1/factors?year=2022").get_json()["factors"][0]["value"] == "0.5366"
    assert client.get("/v1/factors?category=nothing").get_json() == {"count": 0, "factors": []}


@pytest.mark.parametrize("query", ["year=abc", "basis=CH4", "boundary=space"])
def test_bad_factor_filters(client, query):
    assert_error(client.get(f"/v1/factors?{query}"), 422)


def test_one_factor(client):
    body = client.get("/v1/factors/cn-electricity-footprint-2023?lang=en").get_json()
    assert body["value"] == "0.6205"
    assert body["name"] == body["names"]["en"]
    assert body["year"] == 2023
    assert_error(client.get("/v1/factors/nope"), 404, "not_found")


def test_health(client, catalogue_data, engine):
    body = client.get("/v1/health").get_json()
    assert body["status"] == "ok"
    storage = body["storage"]
    assert storage["engine"] == engine
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?", storage[engine]), storage
    assert body["catalogue"]["number"] == 1
    assert body["catalogue"]["version"] == catalogue_data["catalogue"]["version"]
    assert body["catalogue"]["sample"] is True
    assert body["counts"]["products"] == len(catalogue_data["products"])
    assert body["counts"]["certificates"] == len(catalogue_data["certificates"])
    assert body["counts"]["factors"] >= 11


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/v1/nothing-here", 404),
        ("delete", "/v1/products/09506000134352", 405),
        ("put", "/v1/resolve", 405),
    ],
)
def test_http_errors_have_the_same_shape(client, method, path, status):
    assert_error(getattr(client, method)(path), status)


def test_docs_and_spec_are_served(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").get_json()
    assert "/v1/products/{gtin}" in spec["paths"]
