"""Request size and count limits: JSON bodies are small, only /v1/scans takes a photo-sized
body, lists are counted before their items are validated, and every 413 says which limit."""

from __future__ import annotations

import io
import json
import time

import pytest

from tests import imaging
from tests.helpers import assert_error


def big_codes_body(items: int) -> bytes:
    return b'{"codes": [' + b",".join([b"1"] * items) + b"]}"


def test_json_bodies_over_their_limit_are_413_before_parsing(client, app):
    limit = app.config["MAX_JSON_BYTES"]
    body = big_codes_body(7_000_000)  # the 14 MB body that pinned a worker past 30 s
    start = time.perf_counter()
    resp = client.post("/v1/resolve", data=body, content_type="application/json")
    assert time.perf_counter() - start < 0.5
    error = assert_error(resp, 413, "payload_too_large")
    assert error["errors"]["limit"] == limit
    assert error["errors"]["limit_kind"] == "body"
    assert str(limit) in error["message"]
    for path in ("/v1/household/estimate", "/v1/households"):
        resp = client.post(path, data=b" " * (limit + 1), content_type="application/json")
        assert assert_error(resp, 413, "payload_too_large")["errors"]["limit"] == limit


def test_only_scans_take_photo_sized_bodies(client, app):
    photo = imaging.random_bytes(app.config["MAX_JSON_BYTES"] * 4)  # not an image: 422 / 415
    resp = client.post("/v1/scans", data=photo, content_type="image/jpeg")
    assert resp.status_code in (415, 422)  # read and judged by the scanner, not refused by size


def test_ingest_api_has_its_own_body_limit(client, app):
    over = b" " * (app.config["MAX_ADMIN_BODY_BYTES"] + 1)
    resp = client.post(
        "/v1/admin/certificates",
        data=over,
        content_type="application/json",
        headers={"X-API-Key": "nope"},
    )
    # The key is checked first (401 whatever the body); the limit is the ingest API's own.
    assert_error(resp, 401)
    within = b'{"certificates": []}' + b" " * (app.config["MAX_JSON_BYTES"] * 2)
    resp = client.post(
        "/v1/admin/certificates",
        data=within,
        content_type="application/json",
        headers={"X-API-Key": "nope"},
    )
    assert_error(resp, 401)


@pytest.mark.parametrize(
    ("path", "field", "config_key", "item"),
    [
        ("/v1/resolve", "codes", "RESOLVE_BATCH_LIMIT", 1),
        ("/v1/household/estimate", "purchases", "HOUSEHOLD_PURCHASE_LIMIT", 1),
    ],
)
def test_lists_are_counted_before_their_items_are_validated(
    client, app, path, field, config_key, item
):
    # Items of the wrong type would each produce an error if validated: 30,000 of them fit in
    # the body limit; the answer is one error naming the count, fast.
    items = app.config["MAX_JSON_BYTES"] // 4
    body = {"period": {"month": "2026-05"}, "household_size": 2, field: [item] * items}
    if field == "codes":
        body = {"codes": [item] * items}
    start = time.perf_counter()
    resp = client.post(path, data=json.dumps(body), content_type="application/json")
    elapsed = time.perf_counter() - start
    error = assert_error(resp, 422, "invalid_input")
    assert error["errors"] == {
        "reason": "invalid_input",
        "field": field,
        "limit": app.config[config_key],
    }
    assert str(items) in error["message"]
    assert len(resp.data) < 1000
    assert elapsed < 0.25


def test_too_many_multipart_parts_is_413_that_says_so(client, app):
    parts = app.config["MAX_FORM_PARTS"]
    data = {f"field{i}": "x" for i in range(parts + 5)}
    data["image"] = (io.BytesIO(b"\x89PNG"), "photo.png")
    resp = client.post("/v1/scans?lang=en", data=data, content_type="multipart/form-data")
    error = assert_error(resp, 413, "payload_too_large")
    assert error["errors"]["limit_kind"] == "multipart_parts"
    assert error["errors"]["limit"] == parts
    assert "parts" in error["message"]
