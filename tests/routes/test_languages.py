"""One language negotiation for every endpoint: ?lang= > Accept-Language > zh-CN, nearest
supported language for any tag, one error body for a ?lang= Tanji cannot speak at all."""

from __future__ import annotations

import pytest

from tests.helpers import assert_error

PRODUCT = "09506000134352"
FACTOR = "cn-electricity-footprint-2023"
ESTIMATE = {"period": {"month": "2026-05"}, "household_size": 2}


def call(client, endpoint: str, query: dict, headers: dict | None = None):
    headers = headers or {}
    if endpoint == "product":
        return client.get(f"/v1/products/{PRODUCT}", query_string=query, headers=headers)
    if endpoint == "resolve":
        query = {"code": PRODUCT, **query}
        return client.get("/v1/resolve", query_string=query, headers=headers)
    if endpoint == "batch":
        return client.post(
            "/v1/resolve", query_string=query, json={"codes": [PRODUCT]}, headers=headers
        )
    if endpoint == "certificate":
        return client.get("/v1/certificates/TJS-PCF-2025-0020", query_string=query, headers=headers)
    if endpoint == "factors":
        return client.get("/v1/factors", query_string=query, headers=headers)
    if endpoint == "factor":
        return client.get(f"/v1/factors/{FACTOR}", query_string=query, headers=headers)
    if endpoint == "estimate":
        return client.post(
            "/v1/household/estimate", query_string=query, json=ESTIMATE, headers=headers
        )
    if endpoint == "consent":
        return client.get("/v1/households/consent", query_string=query, headers=headers)
    raise AssertionError(endpoint)


ENDPOINTS = [
    "product",
    "resolve",
    "batch",
    "certificate",
    "factors",
    "factor",
    "estimate",
    "consent",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        ({}, {}, "zh-CN"),
        ({"lang": "en-US"}, {}, "en"),
        ({"lang": "EN"}, {}, "en"),
        ({"lang": "en_GB"}, {}, "en"),
        ({"lang": "zh-Hans"}, {"Accept-Language": "en"}, "zh-CN"),
        ({"lang": "zh-TW"}, {}, "zh-CN"),
        ({}, {"Accept-Language": "en-GB,en;q=0.9"}, "en"),
        ({}, {"Accept-Language": "fr-FR, en;q=0.5"}, "en"),
        ({}, {"Accept-Language": "fr-FR"}, "zh-CN"),
        ({}, {"Accept-Language": "zh-Hant-HK, en;q=0.8"}, "zh-CN"),
        ({}, {"Accept-Language": "en;q=0, zh;q=0.1"}, "zh-CN"),
        ({}, {"Accept-Language": "*"}, "zh-CN"),
    ],
)
def test_every_endpoint_negotiates_the_same_way(client, endpoint, query, headers, expected):
    resp = call(client, endpoint, query, headers)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    lang = body.get("lang") or (body.get("results") or [{}])[0].get("result", {}).get("lang")
    if endpoint in ("factors", "factor"):  # factors carry no lang field: their name says it
        factor = body["factors"][0] if endpoint == "factors" else body
        lang = "en" if factor["name"] == factor["names"]["en"] else "zh-CN"
    assert lang == expected


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("value", ["fr", "", "english", "en-US,fr", "x" * 500])
def test_a_lang_tanji_cannot_speak_is_one_422_everywhere(client, endpoint, value):
    body = assert_error(call(client, endpoint, {"lang": value}), 422, "invalid_input")
    assert body["errors"] == {
        "reason": "invalid_input",
        "field": "lang",
        "location": "query",
        "allowed": ["zh-CN", "en"],
    }
    assert body["message"].startswith("不支持的语言")  # the default language: we cannot tell


def test_the_language_error_speaks_the_accept_language(client):
    resp = call(client, "product", {"lang": "fr"}, {"Accept-Language": "en"})
    assert assert_error(resp, 422)["message"] == (
        "Unsupported language 'fr': use one of zh-CN, en."
    )


def test_labels_come_from_the_catalogue_in_each_language(client):
    zh = client.get("/v1/products/00210104000114").get_json()  # expired certificate
    en = client.get("/v1/products/00210104000114?lang=en-US").get_json()
    assert (zh["certificate"]["status_label"], en["certificate"]["status_label"]) == (
        "已过期",
        "Expired",
    )
    assert zh["certificate"]["notice"].startswith("证书已于 ")
    assert en["certificate"]["notice"].startswith("The certificate expired on ")
    assert "示例数据" in zh["notice"] and en["notice"].startswith("Sample data")


def test_regional_view_names_its_grid_in_the_response_language(client):
    body = {**ESTIMATE, "electricity": {"amount": "100", "unit": "kWh"}, "province": "SH"}
    zh = client.post("/v1/household/estimate", json=body).get_json()["electricity_views"]
    en = client.post("/v1/household/estimate?lang=en", json=body).get_json()["electricity_views"]
    assert "华东电网" in zh[1]["label"] and "East" not in zh[1]["label"]
    assert "East China grid" in en[1]["label"]


def test_label_pages_follow_the_same_negotiation(client):
    html = client.get("/c/TJS-PCF-2025-0020?lang=en-US").get_data(as_text=True)
    assert "Product carbon footprint" in html and "Valid" in html
    html = client.get("/c/TJS-PCF-2025-0020", headers={"Accept-Language": "zh-Hans"}).get_data(
        as_text=True
    )
    assert "产品碳足迹" in html and "有效" in html
    # An HTML route answers a bad ?lang= with a page (issue 11), same status and reason.
    resp = client.get("/c/TJS-PCF-2025-0020?lang=fr")
    assert resp.status_code == 422 and resp.mimetype == "text/html"
    assert 'data-reason="invalid_input"' in resp.get_data(as_text=True)


def test_the_token_notice_follows_the_language(client):
    version = client.get("/v1/households/consent").get_json()["version"]
    body = {"consent": True, "consent_version": version, "household_size": 2}
    zh = client.post("/v1/households", json=body).get_json()["notice"]
    en = client.post("/v1/households?lang=en-GB", json=body).get_json()["notice"]
    assert zh.startswith("请妥善保存此凭证") and en.startswith("Keep this token")
