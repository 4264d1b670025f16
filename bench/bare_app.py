"""Baseline for bench/lookup.py: a bare Flask endpoint on the same URL pattern as the real
lookup, returning for each GTIN exactly the body Tanji returns (BARE_BODIES names a JSON file
of {gtin: {"body": ..., "headers": [[name, value], ...]}}); with BARE_HEADERS=1 also Tanji's
own headers (ETag, Cache-Control, Vary, CORS), so the bytes on the wire are the same too."""

import json
import os

from flask import Flask, Response

with open(os.environ["BARE_BODIES"], encoding="utf-8") as f:
    SAME_HEADERS = os.environ.get("BARE_HEADERS") == "1"
    RESPONSES = {
        gtin: (r["body"].encode(), tuple(map(tuple, r["headers"])) if SAME_HEADERS else ())
        for gtin, r in json.load(f).items()
    }

app = Flask(__name__)


@app.get("/v1/products/<gtin>")
def product(gtin: str) -> Response:
    body, headers = RESPONSES[gtin]
    return Response(body, headers=headers, mimetype="application/json")
