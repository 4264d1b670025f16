"""GET /v1/products/{gtin}: every certificate status, languages, caching."""

from __future__ import annotations

import pytest

from tests.conftest import TODAY
from tests.helpers import assert_error, certificates_by_status

RENEWED = "00280116000471"  # three generations of certificates; the newest is valid
REVOKED_ONLY = "00280109000501"  # its only certificate was revoked
SUSPENDED_ONLY = "00220113000166"
EXPIRED_ONLY = "00210104000114"  # expired 2024-05-19, never renewed


def test_product_with_valid_certificate(client, catalogue_data):
    resp = client.get(f"/v1/products/{RENEWED}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["gtin"] == RENEWED
    assert body["certified"] is True
    assert body["as_of"] == TODAY.isoformat()
    assert body["lang"] == "zh-CN"
    current = body["certificate"]
    assert current["number"] == "TJS-PCF-2025-0020"
    assert current["status"] == "valid" and current["certified"] is True
    fixture = next(c for c in catalogue_data["certificates"] if c["number"] == "TJS-PCF-2025-0020")
    footprint = body["footprint"]
    # decimals are exact strings, straight from the certificate
    assert footprint["value"] == fixture["pcf"] and isinstance(footprint["value"], str)
    assert footprint["declaredUnitOfMeasurement"] == fixture["declared_unit"]
    assert footprint["declaredUnitAmount"] == fixture["declared_unit_amount"]
    assert footprint["per_sales_unit"] == fixture["pcf_per_sales_unit"]
    assert footprint["unit"] == "kg CO2e"
    provenance = footprint["provenance"]
    assert provenance["certificate"] == "TJS-PCF-2025-0020"
    assert provenance["certification_body"] == fixture["body"]
    assert provenance["standards"] == fixture["standards"]
    assert provenance["emission_factor_database"] == fixture["factor_database"]
    assert provenance["emission_factor_database_version"] == fixture["factor_database_version"]
    assert provenance["sample"] is True
    assert body["sample"] is True and "示例数据" in body["notice"]
    earlier = [c["number"] for c in body["earlier_certificates"]]
    assert earlier == ["TJS-PCF-2022-0005", "TJS-PCF-2019-0001"]
    assert {c["status"] for c in body["earlier_certificates"]} == {"expired"}
    assert all(c["certified"] is False for c in body["earlier_certificates"])


@pytest.mark.parametrize(
    ("gtin", "status", "notice"),
    [
        (REVOKED_ONLY, "revoked", "撤销"),
        (SUSPENDED_ONLY, "suspended", "暂停"),
        (EXPIRED_ONLY, "expired", "过期"),
    ],
)
def test_not_currently_certified_is_never_presented_as_valid(client, gtin, status, notice):
    body = client.get(f"/v1/products/{gtin}").get_json()
    assert body["certified"] is False
    assert body["footprint"]["certified"] is False
    assert body["footprint"]["status"] == status
    assert body["certificate"]["status"] == status
    assert body["certificate"]["certified"] is False
    assert notice in body["certificate"]["notice"]


def test_every_fixture_status_is_reported_as_such(client, catalogue_data):
    groups = certificates_by_status(catalogue_data, TODAY)
    assert {"valid", "expired", "suspended", "revoked"} <= set(groups)
    for status, certificates in groups.items():
        for fixture in certificates[:3]:
            body = client.get(f"/v1/certificates/{fixture['number']}").get_json()
            assert body["status"] == status, fixture["number"]
            assert body["certified"] is (status == "valid")


def test_suspended_certificate_carries_reason_and_date(client, catalogue_data):
    fixture = next(c for c in catalogue_data["certificates"] if c["gtin"] == SUSPENDED_ONLY)
    body = client.get(f"/v1/products/{SUSPENDED_ONLY}").get_json()["certificate"]
    assert body["stored_status"] == "suspended"
    assert body["status_reason"] == fixture["status_reason"]
    assert body["status_changed_on"] == fixture["status_changed_on"]


def test_expiry_is_derived_from_the_pinned_date(make_app):
    # TJS-PCF-2025-0020 is valid until 2028; on 2030-01-01 the product is no longer certified.
    app = make_app(TODAY="2030-01-01")
    body = app.test_client().get(f"/v1/products/{RENEWED}").get_json()
    assert body["certified"] is False
    assert body["certificate"]["status"] == "expired"
    assert body["as_of"] == "2030-01-01"


@pytest.mark.parametrize("form", ["00280116000471", "0280116000471"])
def test_short_and_long_gtin_forms_find_the_same_product(client, form):
    assert client.get(f"/v1/products/{form}").get_json()["gtin"] == RENEWED


def test_gtin8_product(client):
    body = client.get("/v1/products/20123451").get_json()
    assert body["gtin"] == "00000020123451"


@pytest.mark.parametrize(
    ("query", "headers", "lang", "name_key"),
    [
        ("", {}, "zh-CN", "zh-CN"),
        ("?lang=en", {}, "en", "en"),
        ("", {"Accept-Language": "en-US,en;q=0.9"}, "en", "en"),
        ("", {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}, "zh-CN", "zh-CN"),
        ("", {"Accept-Language": "fr-FR"}, "zh-CN", "zh-CN"),
        ("?lang=zh-CN", {"Accept-Language": "en"}, "zh-CN", "zh-CN"),
    ],
)
def test_languages(client, query, headers, lang, name_key):
    resp = client.get(f"/v1/products/{RENEWED}{query}", headers=headers)
    body = resp.get_json()
    assert body["lang"] == lang
    assert body["name"] == body["names"][name_key]
    assert body["certificate"]["status_label"] == ("Valid" if lang == "en" else "有效")
    assert "Accept-Language" in resp.headers["Vary"]


def test_unknown_language_parameter_is_rejected(client):
    body = assert_error(client.get(f"/v1/products/{RENEWED}?lang=fr"), 422)
    assert body["errors"]["field"] == "lang"


def test_etag_and_304(client):
    first = client.get(f"/v1/products/{RENEWED}")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get(f"/v1/products/{RENEWED}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert (
        client.get(f"/v1/products/{RENEWED}", headers={"If-None-Match": '"stale"'}).status_code
        == 200
    )
    # each language is its own representation
    english = client.get(f"/v1/products/{RENEWED}?lang=en")
    assert english.headers["ETag"] != etag


def test_etag_changes_with_a_new_release(client, db):
    etag = client.get(f"/v1/products/{RENEWED}").headers["ETag"]
    db.execute("update certificates set pcf = '1.17' where number = 'TJS-PCF-2025-0020'")
    db.execute(
        "insert into releases (id, created_at, source) values (2, '2026-06-15T00:00:00', 'test')"
    )
    resp = client.get(f"/v1/products/{RENEWED}", headers={"If-None-Match": etag})
    assert resp.status_code == 200
    assert resp.get_json()["footprint"]["value"] == "1.17"


@pytest.mark.parametrize(
    ("gtin", "status", "reason"),
    [
        ("00280116000472", 422, "invalid_code"),
        ("12345", 400, "not_a_code"),
        ("abc", 400, "not_a_code"),
        ("00290000000005", 404, "not_found"),
    ],
)
def test_errors(client, gtin, status, reason):
    body = assert_error(client.get(f"/v1/products/{gtin}"), status, reason)
    if reason == "invalid_code":
        assert body["errors"]["expected_check_digit"] == "1"


def test_cors(client):
    resp = client.get(f"/v1/products/{RENEWED}", headers={"Origin": "https://shop.example"})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in resp.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/v1/resolve",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
