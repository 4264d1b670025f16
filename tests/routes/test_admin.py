"""Ingest API: API keys, publishing certificates, status changes, audit, history, benchmark."""

from __future__ import annotations

import json

import pytest

from fixtures.certificates import rows
from tests.conftest import open_database
from tests.helpers import assert_error, import_row, release


@pytest.fixture
def keys(runner):
    """A key per body, created as an operator does (`flask keys create`)."""
    tokens = {}
    for body in ("TJSCC", "DEMOCB"):
        result = runner.invoke(args=["keys", "create", body])
        assert result.exit_code == 0, result.output
        tokens[body] = result.output.splitlines()[-1]
    return tokens


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def cert(i: int, **changes) -> dict:
    row = {k: v for k, v in next(rows(1, start=i)).items() if v != ""}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


TJS = 1  # rows(start=1) is a TJSCC certificate; start=3 is DEMOCB's


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"X-API-Key": "tanji_abc.def"},
        {"Authorization": "Basic eDp5"},
    ],
)
def test_missing_or_wrong_key_is_401(client, keys, headers):
    resp = client.post("/v1/admin/certificates", json=cert(TJS), headers=headers)
    assert_error(resp, 401, "unauthorized")
    resp = client.post(
        "/v1/admin/certificates/TJS-PCF-2025-0006/status", json={"action": "x"}, headers=headers
    )
    assert_error(resp, 401, "unauthorized")


def test_revoked_key_is_401(client, app, keys, runner):
    key_id = keys["TJSCC"].removeprefix("tanji_").split(".")[0]
    assert (
        client.post(
            "/v1/admin/certificates", json=cert(TJS), headers=auth(keys["TJSCC"])
        ).status_code
        == 200
    )
    result = runner.invoke(args=["keys", "revoke", key_id])
    assert result.exit_code == 0, result.output
    assert_error(
        client.post("/v1/admin/certificates", json=cert(TJS), headers=auth(keys["TJSCC"])), 401
    )


def test_publish_single_then_revise_then_unchanged(client, keys, db):
    headers = {"X-API-Key": keys["TJSCC"]}
    resp = client.post("/v1/admin/certificates", json=cert(TJS), headers=headers)
    assert resp.status_code == 200, resp.json
    assert resp.json["results"][0]["outcome"] == "create"
    first_release = resp.json["release"]

    resp = client.post(
        "/v1/admin/certificates", json={"certificates": [cert(TJS, pcf="12.34")]}, headers=headers
    )
    assert (
        resp.json["results"][0]["outcome"] == "revise" and resp.json["release"] == first_release + 1
    )

    resp = client.post("/v1/admin/certificates", json=cert(TJS, pcf="12.34"), headers=headers)
    assert resp.json["results"][0]["outcome"] == "unchanged" and resp.json["release"] is None

    number = cert(TJS)["number"]
    body = client.get(f"/v1/certificates/{number}?lang=en").json
    assert body["pcf"]["value"] == "12.34"
    assert body["history"]["revision"] == 2
    (old,) = body["history"]["revisions"]
    assert old["revision"] == 1 and old["certificate"]["pcf"]["value"] == cert(TJS)["pcf"]
    audit = list(
        db.query(
            "select actor, action, target from audit_log "
            "where action like 'certificate.%' order by id"  # not the keys' own rows
        )
    )
    assert [a["action"] for a in audit] == ["certificate.create", "certificate.revise"]
    assert all(a["actor"].endswith("@TJSCC") and a["target"] == number for a in audit)


def test_body_defaults_to_the_keys_body(client, keys):
    resp = client.post(
        "/v1/admin/certificates", json=cert(TJS, body=None), headers=auth(keys["TJSCC"])
    )
    assert resp.status_code == 200, resp.json


def test_another_bodys_certificate_is_403(client, keys):
    # A new certificate in another body's name, and an existing one of another body.
    assert_error(
        client.post("/v1/admin/certificates", json=cert(3), headers=auth(keys["TJSCC"])),
        403,
        "forbidden",
    )
    resp = client.post(
        "/v1/admin/certificates/TJS-PCF-2025-0006/status",
        json={"action": "suspend", "reason": "x"},
        headers=auth(keys["DEMOCB"]),
    )
    assert_error(resp, 403, "forbidden")
    # Claiming an existing TJSCC certificate as DEMOCB's is refused too.
    resp = client.post(
        "/v1/admin/certificates",
        json=cert(3, number="TJS-PCF-2025-0006"),
        headers=auth(keys["DEMOCB"]),
    )
    assert_error(resp, 403, "forbidden")


def test_invalid_objects_are_422_with_every_field_and_nothing_written(client, keys, db):
    before = db.execute("select count(*) from certificates").fetchone()[0]
    batch = [cert(TJS), cert(4, pcf="abc", issued_on="2025-13-01")]
    body = assert_error(
        client.post(
            "/v1/admin/certificates", json={"certificates": batch}, headers=auth(keys["TJSCC"])
        ),
        422,
        "invalid_input",
    )
    assert {(r["index"], r["field"], r["reason"]) for r in body["errors"]["rows"]} == {
        (1, "pcf", "invalid_decimal"),
        (1, "issued_on", "invalid_date"),
    }
    assert db.execute("select count(*) from certificates").fetchone()[0] == before


def test_envelope_errors_are_422(client, keys):
    assert_error(
        client.post(
            "/v1/admin/certificates", json={"certificates": []}, headers=auth(keys["TJSCC"])
        ),
        422,
    )
    assert_error(
        client.post("/v1/admin/certificates", json=[1, 2], headers=auth(keys["TJSCC"])), 422
    )


def test_suspend_reinstate_revoke_and_revoked_is_final(client, keys, db, catalogue_data):
    url = "/v1/admin/certificates/TJS-PCF-2025-0006/status"
    headers = auth(keys["TJSCC"])
    gtin = "00200106000014"
    assert client.get(f"/v1/products/{gtin}").json["certified"] is True

    resp = client.post(
        url, json={"action": "suspend", "reason": "监督审核 / surveillance audit"}, headers=headers
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "suspended" and resp.json["certified"] is False
    assert client.get(f"/v1/products/{gtin}").json["certified"] is False  # at once

    assert_error(
        client.post(url, json={"action": "suspend"}, headers=headers), 422, "invalid_input"
    )
    future = {"action": "suspend", "reason": "x", "effective_on": "2026-06-16"}
    assert_error(client.post(url, json=future, headers=headers), 422, "invalid_input")
    resp = client.post(
        url, json={"action": "reinstate", "effective_on": "2026-06-14"}, headers=headers
    )
    assert resp.json["status"] == "valid"
    assert client.get(f"/v1/products/{gtin}").json["certified"] is True

    resp = client.post(url, json={"action": "revoke", "reason": "data errors"}, headers=headers)
    assert resp.json["status"] == "revoked"
    for action in ("reinstate", "suspend", "revoke"):
        assert_error(
            client.post(url, json={"action": action, "reason": "r"}, headers=headers),
            409,
            "conflict",
        )
    assert_error(
        client.post(
            "/v1/admin/certificates",
            json={**fixture_as_row(catalogue_data, "TJS-PCF-2025-0006")},
            headers=headers,
        ),
        409,
        "conflict",
    )

    events = client.get("/v1/certificates/TJS-PCF-2025-0006").json["history"]["status_events"]
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        ("valid", "suspended"),
        ("suspended", "valid"),
        ("valid", "revoked"),
    ]
    assert events[1]["effective_on"] == "2026-06-14"
    assert (
        db.execute("select count(*) from audit_log where action = 'certificate.status'").fetchone()[
            0
        ]
        == 3
    )


def test_unknown_certificate_is_404(client, keys):
    resp = client.post(
        "/v1/admin/certificates/TJS-PCF-1999-0001/status",
        json={"action": "revoke", "reason": "x"},
        headers=auth(keys["TJSCC"]),
    )
    assert_error(resp, 404, "not_found")


def fixture_as_row(data: dict, number: str) -> dict:
    """The fixture certificate as an API object, valid again and with another footprint."""
    row = import_row(data, number)
    row["status"], row["pcf"] = "valid", "1.00"
    return {k: v for k, v in row.items() if k not in ("stages",)}


def test_benchmark_appears_with_enough_peers(client, keys):
    # Six more TJSCC lithium-battery certificates (kWh, cradle-to-gate) join the fixture's.
    batch = [cert(i, pcf=f"{60 + i}.00") for i in range(1000, 1200, 10) if i % 3][:6]
    resp = client.post(
        "/v1/admin/certificates", json={"certificates": batch}, headers=auth(keys["TJSCC"])
    )
    assert resp.status_code == 200, resp.json
    body = client.get("/v1/products/00200106000014?lang=en").json
    b = body["benchmark"]
    assert b["category"] == "lithium_battery" and b["declared_unit"] == "kilowatt hour"
    assert b["system_boundary"] == "cradle-to-gate" and b["peers"] >= 5
    assert 0 <= b["percentile"] <= 100 and b["text"].endswith("(Lithium-ion batteries).")
    zh = client.get("/v1/products/00200106000014").json["benchmark"]["text"]
    assert "已认证产品的中位数" in zh


def test_no_benchmark_without_enough_peers(client):
    # The fixture catalogue alone has fewer than five comparable products in this group.
    assert client.get("/v1/products/00000020987657").json["benchmark"] is None


def test_a_write_while_another_holds_the_catalogue_is_503(app, client, keys):
    app.config["ADMIN_WRITE_TIMEOUT_MS"] = 50
    with open_database(app) as other, other.write_transaction() as held:  # a long import
        held.keep = False
        resp = client.post("/v1/admin/certificates", json=cert(TJS), headers=auth(keys["TJSCC"]))
        assert_error(resp, 503, "unavailable")
    resp = client.post("/v1/admin/certificates", json=cert(TJS), headers=auth(keys["TJSCC"]))
    assert resp.status_code == 200


def test_a_forbidden_object_does_not_hide_the_invalid_ones(client, keys, db):
    before = release(db)
    batch = [cert(TJS), cert(3), cert(4, pcf="abc"), cert(6)]  # 3 and 6 are DEMOCB's
    body = assert_error(
        client.post(
            "/v1/admin/certificates", json={"certificates": batch}, headers=auth(keys["TJSCC"])
        ),
        422,
        "invalid_input",
    )
    assert [(r["index"], r["field"], r["reason"]) for r in body["errors"]["rows"]] == [
        (1, "body", "forbidden"),
        (2, "pcf", "invalid_decimal"),
        (3, "body", "forbidden"),
    ]
    # Only forbidden objects: 403, still listing every one of them.
    body = assert_error(
        client.post(
            "/v1/admin/certificates",
            json={"certificates": [cert(TJS), cert(3), cert(6)]},
            headers=auth(keys["TJSCC"]),
        ),
        403,
        "forbidden",
    )
    assert [r["index"] for r in body["errors"]["rows"]] == [1, 2]
    assert release(db) == before


def test_published_certificates_without_a_sales_unit_figure_are_warned(client, keys):
    resp = client.post(
        "/v1/admin/certificates",
        json={"certificates": [cert(TJS), cert(4, pcf_per_sales_unit="3.5")]},
        headers=auth(keys["TJSCC"]),
    )
    assert resp.status_code == 200, resp.json
    warnings = resp.json["warnings"]
    assert [(w["index"], w["field"], w["reason"]) for w in warnings] == [
        (0, "pcf_per_sales_unit", "no_sales_unit_figure")
    ]


def product_of(client, gtin: str) -> dict:
    return client.get(f"/v1/products/{gtin}").json


def test_one_body_may_not_rewrite_another_bodys_product(client, keys, db, catalogue_data):
    """TJSCC first certified 00200106000014; DEMOCB may certify it too, but only as described."""
    row = import_row(catalogue_data, "TJS-PCF-2025-0006")
    product = {k: row[k] for k in ("gtin", "name_zh", "name_en", "brand", "category")}
    product |= {k: row[k] for k in row if k.startswith(("sales_unit", "net_content"))}
    product["sample"] = row["sample"]
    before = product_of(client, product["gtin"])
    current = release(db)

    renamed = cert(3, **{**product, "name_zh": "被改名的产品", "brand": "Rival"})  # DEMOCB's
    body = assert_error(
        client.post("/v1/admin/certificates?lang=en", json=renamed, headers=auth(keys["DEMOCB"])),
        403,
        "forbidden",
    )
    (row,) = body["errors"]["rows"]
    assert (row["index"], row["reason"], row["field"]) == (0, "forbidden", "brand")
    assert "TJSCC" in row["message"] and "changed: brand, name_zh" in row["message"]
    assert product_of(client, product["gtin"]) == before
    assert release(db) == current

    # Citing the product as described is fine: a second body's certificate of the same product.
    resp = client.post(
        "/v1/admin/certificates", json=cert(3, **product), headers=auth(keys["DEMOCB"])
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["results"][0]["outcome"] == "create"
    assert product_of(client, product["gtin"])["name"] == before["name"]

    # The owner may change its product's fields; the change is audited with before and after.
    owners = cert(TJS, **{**product, "brand": "朔光 Shuoguang (renamed)"})
    resp = client.post("/v1/admin/certificates", json=owners, headers=auth(keys["TJSCC"]))
    assert resp.status_code == 200, resp.json
    assert product_of(client, product["gtin"])["brand"] == "朔光 Shuoguang (renamed)"
    (audit,) = db.query("select * from audit_log where action = 'product.update'")
    assert audit["target"] == product["gtin"] and audit["actor"].endswith("@TJSCC")
    assert json.loads(audit["detail"]) == {
        "owner": "TJSCC",
        "changed": {"brand": [product["brand"], "朔光 Shuoguang (renamed)"]},
    }
