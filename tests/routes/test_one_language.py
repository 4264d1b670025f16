"""One language at a time: every human-readable string of a response (error messages,
validation messages, not-counted purchases, factor notes, the regional grid view...) follows the
negotiated language; machine fields (reason, field, ids) stay the same in both."""

from __future__ import annotations

import re

import pytest

#: Keys whose string values are for a person, wherever they appear in a response body.
HUMAN = {"message", "note", "name", "label", "hint", "problem"}
CJK = re.compile(r"[\u4e00-\u9fff]")
#: Three English words in a row: a sentence (or part of one) left untranslated.
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,}){2,}\b")


#: Where a validation error lists field-level messages: errors.<location>.<field>: [...].
LOCATIONS = {"json", "query", "form", "files"}


def human_strings(node, path="", every=False):
    """(path, text) of every human-readable string in a JSON body."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            if isinstance(value, str) and (every or key in HUMAN):
                yield here, value
            else:
                yield from human_strings(value, here, every or key in LOCATIONS)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, str) and every:
                yield f"{path}[{i}]", value
            else:
                yield from human_strings(value, f"{path}[{i}]", every)


def machine_fields(node):
    """The machine fields of a body (reasons, fields, ids, codes), which never change with the
    language."""
    if isinstance(node, dict):
        return {
            k: machine_fields(v) if isinstance(v, dict | list) else v
            for k, v in node.items()
            if (k in {"reason", "field", "id", "code", "status", "gtin", "kind"})
            or isinstance(v, dict | list)
        }
    if isinstance(node, list):
        return [machine_fields(v) for v in node if isinstance(v, dict | list)]
    return node


PROVINCE_ESTIMATE = {
    "period": {"month": "2026-01"},
    "household_size": 2,
    "province": "CN-SH",
    "electricity": {"amount": "100", "unit": "kWh"},
    "natural_gas": {"amount": "10", "unit": "m3"},
    "district_heating": {"amount": "90", "unit": "m2"},
    "purchases": [
        {"code": "09506000134352", "quantity": "2"},
        {"code": "00210104000114"},  # expired
        {"code": "00220113000166"},  # suspended
        {"code": "00230107000225"},  # revoked
        {"code": "00200000000011"},  # not in the catalogue
        {"code": "notacode"},
        {"code": "9506000134353"},  # wrong check digit
    ],
}

#: (method, path, request kwargs, expected status): errors of every kind, and a full estimate.
REQUESTS = [
    ("get", "/v1/products/00200000000011", {}, 404),
    ("get", "/v1/products/9506000134353", {}, 422),
    ("get", "/v1/resolve", {"query_string": {"code": "notacode"}}, 400),
    ("get", "/v1/resolve", {"query_string": {"code": "https://example.com/x"}}, 400),
    ("get", "/v1/certificates/TJS-PCF-2099-9999", {}, 404),
    ("get", "/v1/factors/no-such-factor", {}, 404),
    ("get", "/v1/no-such-route", {}, 404),
    ("delete", "/v1/factors", {}, 405),
    ("post", "/v1/resolve", {"json": {"codes": [str(i) for i in range(101)]}}, 422),
    ("post", "/v1/resolve", {"json": {"codes": "nope"}}, 422),
    ("post", "/v1/household/estimate", {"json": {"household_size": 2}}, 422),
    (
        "post",
        "/v1/household/estimate",
        {"json": {"period": {"month": "2026-13"}, "household_size": 2}},
        422,
    ),
    (
        "post",
        "/v1/household/estimate",
        {"json": {"period": {"month": "2026-05"}, "household_size": "two"}},
        422,
    ),
    (
        "post",
        "/v1/household/estimate",
        {"json": {"period": {"month": "2026-05"}, "household_size": 99}},
        422,
    ),
    (
        "post",
        "/v1/household/estimate",
        {"json": {"period": {"month": "2026-05"}, "electricity": {"amount": "1", "unit": "J"}}},
        422,
    ),
    (
        "post",
        "/v1/household/estimate",
        {"json": {"period": {"month": "2026-05"}, "electricity": {"amount": 0.5, "unit": "kWh"}}},
        422,
    ),
    (
        "post",
        "/v1/household/estimate",
        {"json": {"period": {"start": "2026-05-10", "end": "2026-05-01"}}},
        422,
    ),
    ("post", "/v1/household/estimate", {"json": {"period": {"month": "2026-05"}, "x": 1}}, 422),
    (
        "post",
        "/v1/household/estimate",
        {"json": {"period": {"start": "1900-01-01", "end": "1900-01-31"}}},
        422,
    ),
    ("post", "/v1/scans", {"data": b"hello", "content_type": "text/plain"}, 415),
    ("post", "/v1/scans", {"data": b"", "content_type": "image/png"}, 422),
    ("post", "/v1/scans", {"data": b"not an image", "content_type": "image/png"}, 415),
    ("post", "/v1/resolve", {"data": b"{nope", "content_type": "application/json"}, 400),
    ("post", "/v1/resolve", {"data": b"[" * 200, "content_type": "application/json"}, 400),
    ("get", "/01/09506000134352", {"query_string": {"linkType": "gs1:nope"}}, 404),
    ("post", "/v1/household/estimate", {"json": PROVINCE_ESTIMATE}, 200),
]


def ask(client, method, path, kwargs, **language):
    kwargs = dict(kwargs)
    query = dict(kwargs.pop("query_string", {}))
    headers = {}
    if "lang" in language:
        query["lang"] = language["lang"]
    if "accept" in language:
        headers["Accept-Language"] = language["accept"]
    return getattr(client, method)(path, query_string=query, headers=headers, **kwargs)


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), REQUESTS)
def test_every_human_readable_string_follows_the_language(client, method, path, kwargs, status):
    zh = ask(client, method, path, kwargs, lang="zh-CN")
    zh_header = ask(client, method, path, kwargs, accept="zh-CN,zh;q=0.9")
    en = ask(client, method, path, kwargs, lang="en")
    for resp in (zh, zh_header, en):
        assert resp.status_code == status, resp.get_json()
    zh_body, en_body = zh.get_json(), en.get_json()
    assert zh_header.get_json() == zh_body

    zh_texts = list(human_strings(zh_body))
    en_texts = list(human_strings(en_body))
    assert zh_texts and len(zh_texts) == len(en_texts)
    for where, text in zh_texts:
        assert CJK.search(text), (where, text)
        assert not ENGLISH_RUN.search(text), (where, text)
    for where, text in en_texts:
        assert not CJK.search(text), (where, text)
    # The machine fields do not change with the language.
    assert machine_fields(zh_body) == machine_fields(en_body)


def test_the_estimate_covers_every_kind_of_text(client):
    """The full estimate above reaches every kind of text the walker checks."""
    body = client.post(
        "/v1/household/estimate", query_string={"lang": "zh-CN"}, json=PROVINCE_ESTIMATE
    ).get_json()
    reasons = {n["reason"] for n in body["not_counted"]}
    assert {"expired", "suspended", "revoked", "not_found", "not_a_code", "invalid_code"} <= reasons
    paths = {re.sub(r"\[\d+\]", "[]", where) for where, _ in human_strings(body)}
    assert "not_counted[].message" in paths
    assert any(p.endswith("factor.note") for p in paths), paths
    regional = [v for v in body["electricity_views"] if v["factor"]["region"] == "CN-East"]
    assert regional and "华东" in regional[0]["label"], body["electricity_views"]


def test_an_english_variant_falls_back_to_english(client):
    resp = client.get("/v1/products/00200000000011", query_string={"lang": "en-US"})
    assert resp.status_code == 404
    assert resp.get_json()["message"] == "No product with GTIN 00200000000011 in the catalogue."
