"""GET /01/{gtin}[/10/{batch}][/21/{serial}]: our own GS1 Digital Link resolver."""

from __future__ import annotations

import json

import pytest

from tests.helpers import assert_error

GTIN = "09506000134352"  # current certificate TJS-PCF-2025-0028
BASE = "http://127.0.0.1:8000"  # PUBLIC_BASE_URL in tests (TANJI_HOST/PORT defaults)
VOC = "https://gs1.org/voc/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
LINKSET = {"Accept": "application/linkset+json"}


@pytest.mark.parametrize(
    "path",
    [f"/01/{GTIN}", f"/01/{GTIN}/10/LOT7", f"/01/{GTIN}/10/LOT7/21/SN1", "/01/9506000134352"],
)
def test_a_browser_is_redirected_to_the_product_page(client, path):
    resp = client.get(path, headers={"Accept": BROWSER})
    assert resp.status_code == 307
    assert resp.headers["Location"] == f"{BASE}/p/{GTIN}"
    assert client.get(resp.headers["Location"]).status_code == 200
    assert "Accept" in resp.headers["Vary"]
    assert 'rel="linkset"' in resp.headers["Link"]


def test_an_app_asking_for_json_gets_the_lookup(client):
    resp = client.get(f"/01/{GTIN}/10/LOT7", headers={"Accept": "application/json"})
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.get_json() == client.get(f"/v1/products/{GTIN}").get_json()
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("headers", "query"), [(LINKSET, ""), ({}, "?linkType=all"), (LINKSET, "?linkType=all")]
)
def test_linkset(client, headers, query):
    resp = client.get(f"/01/{GTIN}{query}", headers=headers)
    assert resp.status_code == 200
    assert resp.mimetype == "application/linkset+json"
    body = json.loads(resp.get_data())
    (context,) = body["linkset"]
    assert context["anchor"] == f"{BASE}/01/{GTIN}"
    for kind in ("pip", "sustainabilityInfo", "certificationInfo"):
        assert context[VOC + kind], kind
    assert context[VOC + "pip"][0]["href"] == f"{BASE}/p/{GTIN}"
    hrefs = [link["href"] for link in context[VOC + "sustainabilityInfo"]]
    assert hrefs == [f"{BASE}/v1/products/{GTIN}", f"{BASE}/v1/products/{GTIN}/label.svg"]
    assert context[VOC + "certificationInfo"][0]["href"] == f"{BASE}/c/TJS-PCF-2025-0028"
    # every href is served by this app
    for links in (v for k, v in context.items() if k != "anchor"):
        for link in links:
            assert client.get(link["href"].removeprefix(BASE)).status_code == 200, link
    etag = resp.headers["ETag"]
    again = client.get(f"/01/{GTIN}{query}", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304


def test_link_type_picks_one(client):
    resp = client.get(f"/01/{GTIN}?linkType=gs1:sustainabilityInfo", headers=LINKSET)
    assert set(json.loads(resp.get_data())["linkset"][0]) == {"anchor", VOC + "sustainabilityInfo"}
    redirect = client.get(f"/01/{GTIN}?linkType={VOC}certificationInfo")
    assert redirect.status_code == 307
    assert redirect.headers["Location"] == f"{BASE}/c/TJS-PCF-2025-0028"
    redirect = client.get(f"/01/{GTIN}?linkType=gs1:sustainabilityInfo")
    assert redirect.headers["Location"] == f"{BASE}/v1/products/{GTIN}"


def test_hrefs_follow_the_public_base_url(make_app):
    client = make_app(PUBLIC_BASE_URL="https://tanji.example/").test_client()
    resp = client.get(f"https://tanji.example/01/{GTIN}?linkType=all")
    assert json.loads(resp.get_data())["linkset"][0]["anchor"] == f"https://tanji.example/01/{GTIN}"
    assert client.get(f"/01/{GTIN}").headers["Location"].startswith("https://tanji.example/p/")


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [
        ("/01/09506000134353", 422, "invalid_code"),  # wrong check digit
        ("/01/123", 422, "invalid_code"),
        ("/01/ABC", 422, "invalid_code"),
        ("/01/09506000134352/10/", 422, "invalid_code"),
        ("/01/00290000000005", 404, "not_found"),  # valid GTIN, not in the catalogue
        (f"/01/{GTIN}?linkType=gs1:recipeInfo", 404, "not_found"),
        (f"/01/{GTIN}?lang=fr", 422, None),
    ],
)
def test_errors(client, path, status, reason):
    assert_error(client.get(path, headers={"Accept": "application/json"}), status, reason)
