"""/v1/resolve: every code form, and batches."""

from __future__ import annotations

import pytest

from tests.helpers import assert_error

GS = "\x1d"
EXAMPLE = "09506000134352"  # GS1's documented example GTIN, a fictional product here


@pytest.mark.parametrize(
    ("code", "fmt", "extra"),
    [
        ("9506000134352", "gtin-13", {}),
        ("09506000134352", "gtin-14", {}),
        ("]E09506000134352", "gtin-13", {"symbology": "]E0"}),
        (
            "]C1010950600013435210LOT7" + GS + "17271231",
            "gs1-element-string",
            {"batch": "LOT7", "expiry": "2027-12-31"},
        ),
        ("(01)09506000134352(21)S/N-1", "gs1-element-string", {"serial": "S/N-1"}),
        (
            "https://id.gs1.org/01/09506000134352/10/ABC?17=261231",
            "gs1-digital-link",
            {"batch": "ABC", "expiry": "2026-12-31"},
        ),
        ("https://retail.example.cn/01/9506000134352", "gs1-digital-link", {}),
    ],
)
def test_product_code_forms(client, code, fmt, extra):
    resp = client.get("/v1/resolve", query_string={"code": code})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["input"] == code
    assert body["code"]["kind"] == "product"
    assert body["code"]["format"] == fmt
    assert body["code"]["gtin"] == EXAMPLE
    for key, value in extra.items():
        assert body["code"][key] == value
    assert body["product"]["gtin"] == EXAMPLE
    assert body["product"]["footprint"]["certified"] is True
    assert body["scanned_certificate"] is None


def test_gtin8_and_its_padded_forms(client):
    for code in ("20123451", "00000020123451", "(01)00000020123451"):
        body = client.get("/v1/resolve", query_string={"code": code}).get_json()
        assert body["product"]["gtin"] == "00000020123451"


def test_label_qr_and_certificate_number_show_the_scanned_certificate(client, app):
    base = app.config["PUBLIC_BASE_URL"]
    for code, fmt in (
        (f"{base}/c/TJS-PCF-2022-0005", "tanji-label"),
        ("tjs-pcf-2022-0005", "certificate-number"),
    ):
        body = client.get("/v1/resolve", query_string={"code": code}).get_json()
        assert body["code"]["kind"] == "certificate"
        assert body["code"]["format"] == fmt
        assert body["code"]["certificate_number"] == "TJS-PCF-2022-0005"
        # an old label: the scanned certificate has expired, the product has a renewal
        assert body["scanned_certificate"]["number"] == "TJS-PCF-2022-0005"
        assert body["scanned_certificate"]["status"] == "expired"
        assert body["scanned_certificate"]["certified"] is False
        assert body["product"]["certificate"]["number"] == "TJS-PCF-2025-0020"


def test_label_of_a_revoked_certificate(client):
    body = client.get("/v1/resolve", query_string={"code": "TJS-PCF-2024-0008"}).get_json()
    assert body["scanned_certificate"]["status"] == "revoked"
    assert body["product"]["certified"] is False


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        ("9506000134353", 422, "invalid_code"),
        ("https://id.gs1.org/01/09506000134359", 422, "invalid_code"),
        ("]C10109506000134350", 422, "invalid_code"),
        ("hello world", 400, "not_a_code"),
        ("https://example.com/not/a/link", 400, "not_a_code"),
        ("00290000000005", 404, "not_found"),  # valid GTIN, not in the catalogue
        ("https://id.gs1.org/01/00290000000005", 404, "not_found"),
        ("TJS-PCF-1999-9999", 404, "not_found"),
    ],
)
def test_invalid_unknown_and_not_a_code_are_three_different_answers(client, code, status, reason):
    assert_error(client.get("/v1/resolve", query_string={"code": code}), status, reason)


def test_missing_code_parameter(client):
    body = assert_error(client.get("/v1/resolve"), 422)
    assert "code" in body["errors"]["query"]


def test_resolve_is_cacheable(client):
    resp = client.get("/v1/resolve", query_string={"code": EXAMPLE})
    again = client.get(
        "/v1/resolve",
        query_string={"code": EXAMPLE},
        headers={"If-None-Match": resp.headers["ETag"]},
    )
    assert again.status_code == 304


def test_batch_keeps_request_order_with_per_item_errors(client):
    codes = ["9506000134353", EXAMPLE, "nonsense", "00290000000005", "TJS-PCF-2024-0008", EXAMPLE]
    resp = client.post("/v1/resolve", json={"codes": codes})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["count"] == 6 and body["resolved"] == 3
    assert [r["input"] for r in body["results"]] == codes
    assert [r["ok"] for r in body["results"]] == [False, True, False, False, True, True]
    reasons = [r["error"]["errors"]["reason"] if r["error"] else None for r in body["results"]]
    assert reasons == ["invalid_code", None, "not_a_code", "not_found", None, None]
    assert [r["error"]["code"] if r["error"] else None for r in body["results"]] == [
        422,
        None,
        400,
        404,
        None,
        None,
    ]
    assert body["results"][1]["result"]["product"]["gtin"] == EXAMPLE
    assert body["results"][4]["result"]["scanned_certificate"]["status"] == "revoked"


def test_batch_in_english(client):
    body = client.post("/v1/resolve?lang=en", json={"codes": [EXAMPLE]}).get_json()
    result = body["results"][0]["result"]
    assert result["product"]["name"] == result["product"]["names"]["en"]


@pytest.mark.parametrize("size", [1, 100])
def test_batch_limits_accepted(client, catalogue_data, size):
    gtins = [p["gtin"] for p in catalogue_data["products"]]
    codes = [gtins[i % len(gtins)] for i in range(size)]
    body = client.post("/v1/resolve", json={"codes": codes}).get_json()
    assert body["count"] == size and body["resolved"] == size


@pytest.mark.parametrize("size", [0, 101])
def test_batch_limits_rejected(client, size):
    body = assert_error(
        client.post("/v1/resolve", json={"codes": [EXAMPLE] * size}), 422, "invalid_input"
    )
    assert body["errors"]["field"] == "codes"


def test_batch_queries_do_not_grow_with_the_batch(client, app, catalogue_data, monkeypatch):
    from app.storage.catalog import CatalogueReads

    calls = []
    original = CatalogueReads.products
    monkeypatch.setattr(
        CatalogueReads, "products", lambda self, g: calls.append(1) or original(self, g)
    )
    gtins = [p["gtin"] for p in catalogue_data["products"]][:50]
    client.post("/v1/resolve", json={"codes": gtins + ["TJS-PCF-2025-0020"] * 50})
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"json": {"codes": "9506000134352"}}, 422),
        ({"json": {"codes": [1, 2]}}, 422),
        ({"json": {"code": ["x"]}}, 422),
        ({"json": ["9506000134352"]}, 422),
        ({"json": {"codes": ["x" * 5000]}}, 422),
    ],
)
def test_malformed_batch_bodies(client, kwargs, status):
    assert_error(client.post("/v1/resolve", **kwargs), status)


def test_resolve_carries_the_same_benchmark_as_the_product_lookup(client):
    gtin = "00270114000443"  # cement: one of five comparable certified products
    for lang in ("zh-CN", "en"):
        product = client.get(f"/v1/products/{gtin}?lang={lang}").get_json()
        assert product["benchmark"] is not None and product["benchmark"]["peers"] == 5
        one = client.get("/v1/resolve", query_string={"code": gtin, "lang": lang}).get_json()
        batch = client.post(f"/v1/resolve?lang={lang}", json={"codes": [gtin, gtin[1:]]}).json
        assert one["product"] == product
        assert [r["result"]["product"] for r in batch["results"]] == [product, product]


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("https://id.gs1.org/01/09506000134352/10/A?10=B", 422),  # AI of the path again
        ("https://id.gs1.org/01/09506000134352?21=S1", 422),  # key qualifier in the query
        ("https://id.gs1.org/01/09506000134352?17=", 422),  # empty value
        ("]E09506000134352|]e01012345", 200),  # EAN-13 composite: the primary GTIN
        ("010950600013435210ABC", 200),  # no FNC1 after a fixed-length AI
        ("]E49506000134352", 422),  # ]E4 is EAN-8: exactly 8 digits
    ],
)
def test_gs1_corners(client, code, status):
    resp = client.get("/v1/resolve", query_string={"code": code})
    if status == 200:
        assert resp.status_code == 200 and resp.json["product"]["gtin"] == "09506000134352"
    else:
        assert_error(resp, status, "invalid_code")
