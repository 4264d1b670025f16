"""Bad input gets a 4xx in the one error shape, never a 500: hostile JSON bodies, numbers and
dates beyond what the arithmetic can hold, lone surrogates, digits of other scripts."""

from __future__ import annotations

import pytest

from tests.helpers import assert_error
from tests.routes.test_admin import TJS, auth, cert, keys  # noqa: F401 (fixture)
from tests.routes.test_estimator import WATER, estimate
from tests.routes.test_saved_households import create

HUGE = "1E+999999999"


@pytest.fixture
def household(client):
    household_id, headers = create(client)
    return f"/v1/households/{household_id}", headers


# -- decimals -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"electricity": {"amount": HUGE, "unit": "kWh"}}, "electricity.amount"),
        ({"natural_gas": {"amount": HUGE, "unit": "m3"}}, "natural_gas.amount"),
        ({"rail": {"amount": HUGE, "unit": "km"}}, "rail.amount"),
        ({"car": [{"fuel": "petrol", "amount": HUGE, "unit": "L"}]}, "car[0].amount"),
        (
            {
                "car": [
                    {
                        "fuel": "petrol",
                        "distance": {"amount": HUGE, "unit": "km"},
                        "consumption": "7",
                    }
                ]
            },
            "car[0].distance.amount",
        ),
        ({"car": [{"fuel": "petrol", "consumption": HUGE}]}, "car[0].consumption"),
        ({"purchases": [{"code": WATER, "quantity": HUGE}]}, "purchases[0].quantity"),
        ({"electricity": {"amount": "9" * 200_000, "unit": "kWh"}}, "electricity.amount"),
        ({"electricity": {"amount": "1." + "0" * 16, "unit": "kWh"}}, "electricity.amount"),
        ({"electricity": {"amount": "Infinity", "unit": "kWh"}}, "electricity.amount"),
        ({"electricity": {"amount": True, "unit": "kWh"}}, "electricity.amount"),
    ],
)
def test_estimate_decimals_out_of_range_are_422(client, body, field):
    error = assert_error(estimate(client, body), 422, "invalid_input")
    assert error["errors"]["field"] == field
    assert error["message"].startswith(field + ": ")


@pytest.mark.parametrize("text", ['{"amount": 1E+999999999}', '{"amount": 1e400}'])
def test_json_numbers_beyond_range_are_422_not_infinity(client, text):
    body = text.replace('{"amount"', '{"period": {"month": "2026-05"}, "household_size": 2, '
                        '"electricity": {"unit": "kWh", "amount"') + "}"  # fmt: skip
    resp = client.post("/v1/household/estimate", data=body, content_type="application/json")
    assert assert_error(resp, 422, "invalid_input")["errors"]["field"] == "electricity.amount"


@pytest.mark.parametrize("number", ["0.1", "12.5", "1e-3", "2.50"])
def test_json_numbers_with_a_fraction_are_refused(client, number):
    """Decimals travel as strings (or whole numbers): 0.1 as a JSON number is not exact."""
    body = (
        '{"period": {"month": "2026-05"}, "household_size": 2,'
        ' "electricity": {"amount": NUMBER, "unit": "kWh"}}'.replace("NUMBER", number)
    )
    resp = client.post("/v1/household/estimate?lang=en", data=body, content_type="application/json")
    error = assert_error(resp, 422, "invalid_input")
    assert error["errors"]["field"] == "electricity.amount" and "string" in error["message"]


def test_decimal_strings_and_whole_numbers_are_read_exactly(client):
    # JSON integers as JSON Schema counts them: 250.0 and 1e3 are whole numbers too.
    for amount, given in (('"0.100000000000001"', "0.100000000000001"), ("250", "250"),
                          ("250.0", "250"), ("1e3", "1000")):  # fmt: skip
        body = (
            '{"period": {"month": "2026-05"}, "household_size": 2,'
            ' "electricity": {"amount": AMOUNT, "unit": "kWh"}}'.replace("AMOUNT", amount)
        )
        resp = client.post("/v1/household/estimate", data=body, content_type="application/json")
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["lines"][0]["given"]["amount"] == given


@pytest.mark.parametrize(
    "entry",
    [
        {"kind": "electricity", "month": "2026-05", "amount": HUGE, "unit": "kWh"},
        {"kind": "natural_gas", "month": "2026-05", "amount": HUGE, "unit": "m3"},
        {"kind": "rail", "month": "2026-05", "amount": HUGE, "unit": "km"},
        {"kind": "petrol", "month": "2026-05", "amount": HUGE, "unit": "L"},
        {
            "kind": "petrol",
            "month": "2026-05",
            "distance": {"amount": HUGE, "unit": "km"},
            "consumption": "7",
        },
        {"kind": "purchase", "date": "2026-05-02", "code": WATER, "quantity": HUGE},
    ],
)
def test_saved_entry_decimals_out_of_range_are_422(client, household, entry):
    base, headers = household
    resp = client.post(f"{base}/entries", json=entry, headers=headers)
    assert_error(resp, 422, "invalid_input")


def test_a_200000_digit_pcf_is_refused_unread(client, keys):  # noqa: F811
    resp = client.post(
        "/v1/admin/certificates", json=cert(TJS, pcf="1" * 200_000), headers=auth(keys["TJSCC"])
    )
    body = assert_error(resp, 422)
    assert "pcf" in str(body["errors"])


def test_stage_sums_are_compared_exactly_not_after_rounding(client, keys):  # noqa: F811
    # Exactly 100000000000000.000000000000001: equal to pcf only after rounding to 28 digits.
    stages = {"production": "99999999999999.999999999999999", "distribution": "0.000000000000002"}
    resp = client.post(
        "/v1/admin/certificates",
        json=cert(TJS, pcf="100000000000000", stages=stages),
        headers=auth(keys["TJSCC"]),
    )
    body = assert_error(resp, 422)
    assert "stages_sum" in str(body["errors"]), body
    stages["distribution"] = "0.000000000000001"  # adds up exactly: accepted
    resp = client.post(
        "/v1/admin/certificates",
        json=cert(TJS, pcf="100000000000000", stages=stages),
        headers=auth(keys["TJSCC"]),
    )
    assert resp.status_code == 200, resp.get_json()


# -- dates ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("period", "field"),
    [
        ({"month": "9999-12"}, "period.month"),
        ({"month": "0000-01"}, "period.month"),
        ({"start": "9999-12-31", "end": "9999-12-31"}, "period.start"),
        ({"start": "0001-01-01", "end": "0001-01-31"}, "period.start"),
    ],
)
def test_estimate_dates_out_of_range_are_422(client, period, field):
    error = assert_error(estimate(client, {"period": period}), 422, "invalid_input")
    assert error["errors"]["field"] == field


@pytest.mark.parametrize(
    "query", ["month=9999-12", "start=9999-12-31&end=9999-12-31", "start=0001-01-01&end=0001-01-02"]
)
def test_saved_estimate_dates_out_of_range_are_422(client, household, query):
    base, headers = household
    assert_error(client.get(f"{base}/estimate?{query}", headers=headers), 422, "invalid_input")


@pytest.mark.parametrize(
    "entry",
    [
        {"kind": "electricity", "month": "9999-12", "amount": "1", "unit": "kWh"},
        {"kind": "purchase", "date": "9999-12-31", "code": WATER},
        {"kind": "electricity", "start": "0001-01-01", "end": "0001-01-05", "amount": "1", "unit": "kWh"},
    ],
)  # fmt: skip
def test_saved_entry_dates_out_of_range_are_422(client, household, entry):
    base, headers = household
    resp = client.post(f"{base}/entries", json=entry, headers=headers)
    assert_error(resp, 422, "invalid_input")


def test_status_change_date_out_of_range_is_422(client, keys):  # noqa: F811
    headers = auth(keys["TJSCC"])
    number = client.post("/v1/admin/certificates", json=cert(TJS), headers=headers).get_json()
    number = number["results"][0]["number"]
    resp = client.post(
        f"/v1/admin/certificates/{number}/status",
        json={"action": "suspend", "reason": "audit", "effective_on": "9999-12-31"},
        headers=headers,
    )
    assert assert_error(resp, 422, "invalid_input")["errors"]["field"] == "effective_on"


# -- hostile JSON ---------------------------------------------------------------------------
LONE = '"\\ud800"'
ESTIMATE = '{"period": {"month": "2026-05"}, "household_size": 2, "purchases": [{"code": LONE}]}'


def _post_raw(client, path, text, headers=None):
    return client.post(path, data=text, content_type="application/json", headers=headers)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/v1/resolve", '{"codes": [LONE]}'.replace("LONE", LONE)),
        ("/v1/household/estimate", ESTIMATE.replace("LONE", LONE)),
        ("/v1/resolve", '{"codes": ["\\udc00abc"]}'),
        ("/v1/resolve", '{"co\\ud800des": ["1"]}'),
    ],
)  # fmt: skip
def test_lone_surrogates_are_400(client, path, text):
    assert_error(_post_raw(client, path, text), 400, "invalid_json")


def test_lone_surrogates_in_entries_and_admin_are_400(client, household, keys):  # noqa: F811
    base, headers = household
    text = '{"kind": "purchase", "date": "2026-05-02", "code": LONE}'.replace("LONE", LONE)
    assert_error(_post_raw(client, f"{base}/entries", text, headers), 400, "invalid_json")
    row = cert(TJS)
    text = _json(row).replace('"name_zh": "', '"name_zh": "\\ud800', 1)
    assert "\\ud800" in text
    assert_error(
        _post_raw(client, "/v1/admin/certificates", text, auth(keys["TJSCC"])), 400, "invalid_json"
    )


def test_a_surrogate_pair_is_text_not_an_error(client):
    resp = _post_raw(client, "/v1/resolve", '{"codes": ["\\ud83d\\ude00"]}')
    assert resp.status_code == 200
    assert resp.get_json()["results"][0]["input"] == "\U0001f600"


def _json(value) -> str:
    import json

    return json.dumps(value)


def json_posts(app) -> list[str]:
    """Every route that takes a JSON body (POST), from the app's own URL map."""
    return sorted(
        {
            rule.rule.replace("<household_id>", "{household}").replace("<number>", "X-1")
            for rule in app.url_map.iter_rules()
            if "POST" in (rule.methods or ()) and rule.rule.startswith("/v1/")
        }
    )


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "{" * 100_000,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        "[" * 33 + "]" * 33,
        "not json",
        '{"a": NaN}',
        '{"a": Infinity}',
        "1" * 5000,
        "\xff\xfe",
    ],
)
def test_hostile_json_is_400_on_every_post(app, client, household, keys, text):  # noqa: F811
    base, headers = household
    posts = json_posts(app)
    assert len(posts) >= 6
    for path in posts:
        path = path.replace("/v1/households/{household}", base)
        request_headers = auth(keys["TJSCC"]) if "/admin/" in path else headers
        resp = client.post(
            path,
            data=text.encode("latin-1") if text == "\xff\xfe" else text,
            content_type="application/json",
            headers=request_headers,
        )
        if path == "/v1/scans":  # takes a photo, not JSON: the body type is refused first
            assert_error(resp, 415, "unsupported_media_type")
        elif path.endswith("/token"):  # takes no body at all: rotating ignores it
            assert resp.status_code == 200
        else:
            assert_error(resp, 400, "invalid_json")


def test_nesting_within_the_limit_reaches_the_schema(client):
    text = '{"codes": ' + "[" * 31 + "]" * 31 + "}"
    body = assert_error(_post_raw(client, "/v1/resolve", text), 422, "invalid_input")
    assert body["errors"]["field"].startswith("codes")


# -- digits of other scripts ----------------------------------------------------------------
@pytest.mark.parametrize(
    "code",
    [
        "０９５０６０００１３４３５２",  # fullwidth, as a Chinese IME types it
        "٠٩٥٠٦٠٠٠١٣٤٣٥٢",  # Arabic-Indic
        "۰۹۵۰۶۰۰۰۱۳۴۳۵۲",  # Extended Arabic-Indic (Persian)
        "０9506000134352",  # mixed
    ],
)
def test_gtins_in_other_digits_name_the_same_product(client, code):
    resp = client.get("/v1/resolve", query_string={"code": code})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["code"]["gtin"] == WATER
    batch = client.post("/v1/resolve", json={"codes": [code]}).get_json()
    assert batch["results"][0]["result"]["code"]["gtin"] == WATER
    assert client.get(f"/v1/products/{code}").get_json()["gtin"] == WATER


def test_ingest_stores_gtins_in_ascii(client, keys, db):  # noqa: F811
    row = cert(TJS)
    ascii_gtin = row["gtin"]
    row["gtin"] = ascii_gtin.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    resp = client.post("/v1/admin/certificates", json=row, headers=auth(keys["TJSCC"]))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["results"][0]["gtin"] == ascii_gtin
    stored = {r[0] for r in db.execute("select gtin from products").fetchall()}
    assert ascii_gtin in stored and row["gtin"] not in stored
    assert client.get(f"/v1/products/{ascii_gtin}").status_code == 200


def test_saved_entry_codes_in_other_digits_count(client, household):
    base, headers = household
    entry = {"kind": "purchase", "date": "2026-05-02", "code": "٠٩٥٠٦٠٠٠١٣٤٣٥٢"}
    assert client.post(f"{base}/entries", json=entry, headers=headers).status_code == 201
    body = client.get(f"{base}/estimate?month=2026-05", headers=headers).get_json()
    assert [line["product"]["gtin"] for line in body["lines"] if line["product"]] == [WATER]
