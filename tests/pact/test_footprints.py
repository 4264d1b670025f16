"""GET /3/footprints and /3/footprints/{id}: the mapping, all eight filters, pagination."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

import pytest

from app.core.pact import footprint_id
from fixtures.certificates import rows
from tests.conftest import TODAY
from tests.pact.conftest import PUBLIC, assert_pact_error
from tests.pact.suite import assert_valid

DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def listing(client, headers, query: str = "") -> list[dict]:
    resp = client.get(f"/3/footprints{query}", headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    return resp.json["data"]


def test_every_certificate_is_a_footprint_with_url_safe_ids(client, headers, catalogue_data):
    data = listing(client, headers)
    assert len(data) == len(catalogue_data["certificates"]) >= 2
    assert len({pf["id"] for pf in data}) == len(data)
    for pf in data:
        assert str(uuid.UUID(pf["id"])) == pf["id"] and quote(pf["id"]) == pf["id"]
        assert re.fullmatch(r"urn:gtin:[0-9]{14}", pf["productIds"][0])
        for value in (pf["companyIds"][0], pf["productClassifications"][0]):
            assert quote(value, safe=":") == value  # pasted unencoded into URLs by the suite
        for name in ("validityPeriodStart", "validityPeriodEnd", "created"):
            assert pf[name].endswith("Z") and "+" not in pf[name]
        for name in ("declaredUnitAmount", "pcfExcludingBiogenicUptake", "fossilGhgEmissions"):
            assert isinstance(pf["pcf"][name], str) and DECIMAL.fullmatch(pf["pcf"][name])


def test_the_mapping_of_one_certificate(client, headers, catalogue_data):
    cert = next(c for c in catalogue_data["certificates"] if c["number"] == "TJS-PCF-2019-0001")
    pf = client.get(f"/3/footprints/{footprint_id('TJS-PCF-2019-0001', 1)}", headers=headers).json[
        "data"
    ]
    assert pf["id"] == str(
        uuid.uuid5(uuid.UUID("6f7c2b1e-8a3d-5c4f-9e21-3b7d0a9c4e55"), "TJS-PCF-2019-0001/1")
    )
    assert pf["productIds"] == [f"urn:gtin:{cert['gtin']}"]
    assert pf["companyIds"] == ["urn:tanji:certification-body:TJSCC"]
    assert pf["companyName"] == "Tanji Sample Certification Centre (fictional)"
    assert pf["status"] == "Active" and "precedingPfIds" not in pf
    # Days are China Standard Time: 2019-06-10 begins at 2019-06-09T16:00:00Z.
    assert pf["validityPeriodStart"] == "2019-06-09T16:00:00Z"
    assert pf["validityPeriodEnd"] == "2022-06-09T16:00:00Z"  # end of 2022-06-09, exclusive
    pcf = pf["pcf"]
    assert pcf["declaredUnitOfMeasurement"] == "kilogram" and pcf["declaredUnitAmount"] == "1"
    assert pcf["productMassPerDeclaredUnit"] == "1"
    assert pcf["pcfExcludingBiogenicUptake"] == pcf["pcfIncludingBiogenicUptake"] == "1.39"
    assert pcf["referencePeriodStart"] == "2017-12-31T16:00:00Z"
    assert pcf["referencePeriodEnd"] == "2018-12-31T16:00:00Z"
    assert pcf["ipccCharacterizationFactors"] == ["AR5"]
    assert pcf["crossSectoralStandards"] == ["ISO14067"]
    assert pcf["geographyCountry"] == "CN"
    assert pcf["secondaryEmissionFactorSources"] == [{"name": "CLCD", "version": "0.8"}]
    assert pcf["verification"]["completedAt"] == "2019-05-26T16:00:00Z"
    assert "Gu Yiheng" in pcf["verification"]["providerName"]
    assert_valid("ProductFootprint", pf)


def test_item_declared_unit_is_pacts_piece(client, headers, catalogue_data):
    items = {c["number"] for c in catalogue_data["certificates"] if c["declared_unit"] == "item"}
    data = listing(client, headers)
    units = {
        pf["pcf"]["declaredUnitOfMeasurement"]
        for pf in data
        if pf["comment"].split()[2].rstrip(",") in items
    }
    assert units == {"piece"}


def test_every_served_footprint_validates_against_the_pact_v3_schema(client, headers):
    for pf in listing(client, headers):
        assert_valid("ProductFootprint", pf)


def test_get_one_and_unknown_ids(client, headers):
    first = listing(client, headers)[0]
    resp = client.get(f"/3/footprints/{first['id']}", headers=headers)
    assert resp.status_code == 200 and resp.json == {"data": first}
    assert_pact_error(
        client.get("/3/footprints/00000000-0000-0000-0000-000000000000", headers=headers),
        404,
        "NotFound",
    )
    assert_pact_error(client.get("/3/footprints/not-a-uuid", headers=headers), 404, "NotFound")


# -- filters ----------------------------------------------------------------------------
def test_each_filter_keeps_only_matching_footprints(client, headers):
    data = listing(client, headers)
    fp0 = data[0]
    cases = {
        "productId": (fp0["productIds"][0], lambda pf: fp0["productIds"][0] in pf["productIds"]),
        "companyId": (fp0["companyIds"][0], lambda pf: fp0["companyIds"][0] in pf["companyIds"]),
        "geography": ("CN", lambda pf: pf["pcf"]["geographyCountry"] == "CN"),
        "classification": (
            fp0["productClassifications"][0],
            lambda pf: fp0["productClassifications"][0] in pf["productClassifications"],
        ),
        "validOn": (
            "2024-01-01T00:00:00Z",
            lambda pf: (
                pf["validityPeriodStart"] <= "2024-01-01T00:00:00Z" <= pf["validityPeriodEnd"]
            ),
        ),
        "validAfter": (
            "2023-01-01T00:00:00Z",
            lambda pf: pf["validityPeriodStart"] > "2023-01-01T00:00:00Z",
        ),
        "validBefore": (
            "2026-01-01T00:00:00Z",
            lambda pf: pf["validityPeriodEnd"] < "2026-01-01T00:00:00Z",
        ),
        "status": ("Active", lambda pf: pf["status"] == "Active"),
    }
    for name, (value, keep) in cases.items():
        expected = [pf for pf in data if keep(pf)]
        got = listing(client, headers, f"?{name}={value}")
        assert got == expected, name
        assert 0 < len(got) <= len(data), name


def test_filters_are_case_insensitive(client, headers):
    fp0 = listing(client, headers)[0]
    upper = listing(client, headers, f"?productId={fp0['productIds'][0].upper()}&status=active")
    assert fp0 in upper


def test_repeated_values_are_ored_and_different_filters_anded(client, headers):
    data = listing(client, headers)
    tjs = [pf for pf in data if pf["companyIds"] == ["urn:tanji:certification-body:TJSCC"]]
    demo = [pf for pf in data if pf["companyIds"] == ["urn:tanji:certification-body:DEMOCB"]]
    both = listing(
        client,
        headers,
        "?companyId=urn:tanji:certification-body:TJSCC&companyId=urn:tanji:certification-body:DEMOCB",
    )
    assert len(both) == len(tjs) + len(demo) and tjs and demo
    one_bogus = listing(
        client, headers, "?companyId=urn:tanji:certification-body:TJSCC&companyId=urn:bogus:x"
    )
    assert one_bogus == tjs
    tjs_products = {pf["productIds"][0] for pf in tjs}
    product = next(pf["productIds"][0] for pf in demo if pf["productIds"][0] not in tjs_products)
    assert (
        listing(
            client, headers, f"?companyId=urn:tanji:certification-body:TJSCC&productId={product}"
        )
        == []
    )
    assert listing(
        client, headers, f"?companyId=urn:tanji:certification-body:DEMOCB&productId={product}"
    ) == [pf for pf in demo if pf["productIds"] == [product]]


@pytest.mark.parametrize(
    "query",
    [
        "productId=urn:bogus:product:abc",
        "productId=urn:gtin:12345",
        "productId=urn:gtin:00000000000000",
        "companyId=urn:bogus:company:abc",
        "geography=XX",
        "classification=urn:bogus:classification:abc",
        "validOn=1900-01-01T00:00:00Z",
        "validAfter=2099-12-31T23:59:59Z",
        "validBefore=1900-01-01T00:00:00Z",
        "status=BogusStatus",
        "companyId=urn:bogus:a&companyId=urn:bogus:b",
        "companyId=urn:tanji:certification-body:TJSCC&productId=urn:bogus:p",
    ],
)
def test_unknown_values_are_200_with_an_empty_list(client, headers, query):
    resp = client.get(f"/3/footprints?{query}", headers=headers)
    assert resp.status_code == 200 and resp.json == {"data": []}
    assert "Link" not in resp.headers


def test_dates_pasted_unencoded_or_with_offsets(client, headers):
    utc = listing(client, headers, "?validOn=2024-01-01T00:00:00Z")
    # "+08:00" pasted unencoded into a URL arrives as a space: read as the "+" it was.
    assert listing(client, headers, "?validOn=2024-01-01T08:00:00+08:00") == utc
    assert listing(client, headers, "?validOn=2024-01-01T08:00:00%2B08:00") == utc
    assert listing(client, headers, "?validOn=2024-01-01T00:00:00.000Z") == utc
    assert listing(client, headers, "?validOn=2024-01-01") == utc


@pytest.mark.parametrize(
    "query",
    ["validOn=yesterday", "validAfter=2024-13-01T00:00:00Z", "validBefore=1", "limit=0",
     "limit=-1", "limit=abc", "offset=-3", "validOn=2024-01-01&validOn=2024-02-01"],
)  # fmt: skip
def test_malformed_parameters_are_400_bad_request(client, headers, query):
    assert_pact_error(client.get(f"/3/footprints?{query}", headers=headers), 400, "BadRequest")


# -- pagination -------------------------------------------------------------------------
def test_limit_pages_with_an_absolute_next_link_from_the_public_base_url(client, headers):
    everything = listing(client, headers)
    seen, url, pages = [], "/3/footprints?limit=25&status=Active", 0
    while url:
        resp = client.get(url, headers=headers)
        assert resp.status_code == 200 and len(resp.json["data"]) <= 25
        seen += resp.json["data"]
        pages += 1
        link = resp.headers.get("Link")
        if link is None:
            break
        match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        assert match and match[1].startswith(f"{PUBLIC}/3/footprints?")
        assert "status=Active" in match[1]
        url = match[1].removeprefix(PUBLIC)
        assert pages < 10
    assert seen == [pf for pf in everything if pf["status"] == "Active"]
    assert pages == -(-len(seen) // 25)


def test_limit_one_has_a_link_and_the_last_page_none(client, headers):
    total = len(listing(client, headers))
    resp = client.get("/3/footprints?limit=1", headers=headers)
    assert len(resp.json["data"]) == 1
    assert resp.headers["Link"] == f'<{PUBLIC}/3/footprints?limit=1&offset=1>; rel="next"'
    last = client.get(f"/3/footprints?limit=1&offset={total - 1}", headers=headers)
    assert len(last.json["data"]) == 1 and "Link" not in last.headers
    beyond = client.get(f"/3/footprints?limit=1&offset={total}", headers=headers)
    assert beyond.json == {"data": []}


# -- revisions and status ---------------------------------------------------------------
def _api_key(runner, body: str) -> str:
    result = runner.invoke(args=["keys", "create", body])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def _cert(**changes) -> dict:
    row = {k: v for k, v in next(rows(1, start=1)).items() if v != ""}
    return {**row, **changes}


def test_a_revision_deprecates_the_earlier_footprint_and_names_it(client, headers, runner):
    key = {"X-API-Key": _api_key(runner, "TJSCC")}
    cert = _cert()
    assert client.post("/v1/admin/certificates", json=cert, headers=key).status_code == 200
    revised = client.post("/v1/admin/certificates", json=_cert(pcf="12.34"), headers=key)
    assert revised.json["results"][0]["outcome"] == "revise"

    number = cert["number"]
    mine = [pf for pf in listing(client, headers) if f"certificate {number}," in pf["comment"]]
    assert [pf["id"] for pf in mine] == [footprint_id(number, 1), footprint_id(number, 2)]
    first, second = mine
    assert first["status"] == "Deprecated" and "precedingPfIds" not in first
    assert first["pcf"]["pcfExcludingBiogenicUptake"] == cert["pcf"]
    assert second["status"] == "Active" and second["precedingPfIds"] == [first["id"]]
    assert second["pcf"]["pcfExcludingBiogenicUptake"] == "12.34"
    assert second["created"].endswith("Z") and second["created"] >= first["created"]
    assert listing(client, headers, f"?status=Deprecated&productId={first['productIds'][0]}") == [
        first
    ]
    for pf in mine:
        assert_valid("ProductFootprint", pf)

    # Revoking the certificate deprecates its latest revision too.
    status = client.post(
        f"/v1/admin/certificates/{number}/status",
        json={"action": "revoke", "reason": "data errors"},
        headers=key,
    )
    assert status.status_code == 200, status.json
    latest = client.get(f"/3/footprints/{second['id']}", headers=headers).json["data"]
    assert latest["status"] == "Deprecated" and "revoked" in latest["comment"]


def test_fixture_revoked_certificates_are_deprecated(client, headers, catalogue_data):
    revoked = {c["number"] for c in catalogue_data["certificates"] if c["status"] == "revoked"}
    deprecated = listing(client, headers, "?status=Deprecated")
    assert {pf["comment"].split()[2].rstrip(",") for pf in deprecated} == revoked


def test_today_does_not_change_what_is_served(client, headers):
    # Validity is stated as a period, never derived from "today" (pinned in tests anyway).
    assert TODAY.isoformat() == "2026-06-15"
    expired = [pf for pf in listing(client, headers) if pf["validityPeriodEnd"] < "2026-06-14"]
    assert expired and all(
        pf["status"] == "Active" for pf in expired if "revoked" not in pf["comment"]
    )


@pytest.mark.parametrize(
    "method, url, status, code",
    [
        ("get", "/3/nope", 404, "NotFound"),
        ("get", "/3/footprints/", 404, "NotFound"),
        ("post", "/3/footprints", 405, "BadRequest"),
        ("get", "/3/events", 405, "BadRequest"),
        ("get", "/auth/token", 405, "BadRequest"),
    ],
)
def test_unknown_paths_and_methods_under_pact_use_pacts_error_shape(
    client, headers, method, url, status, code
):
    resp = getattr(client, method)(url, headers=headers)
    assert_pact_error(resp, status, code)
    if status == 405:
        assert resp.headers["Allow"]


def test_a_new_release_is_served_at_once(client, headers, runner):
    before = listing(client, headers, "?limit=1")  # builds this worker's index
    key = {"X-API-Key": _api_key(runner, "TJSCC")}
    assert client.post("/v1/admin/certificates", json=_cert(), headers=key).status_code == 200
    after = listing(client, headers)
    assert len(after) == len(listing(client, headers, "?status=Active")) + 4 and before
    assert footprint_id(_cert()["number"], 1) in {pf["id"] for pf in after}
