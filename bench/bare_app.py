"""Baseline for bench/lookup.py: a bare Flask endpoint on the same URL pattern as the real
lookup, returning for each GTIN exactly the body Tanji returns (a JSON file of
{gtin: body} named by BARE_BODIES), or a constant JSON of BARE_BODY_BYTES."""

import json
import os

from flask import Flask, Response

size = int(os.environ.get("BARE_BODY_BYTES", "2000"))
PADDING = json.dumps({"padding": "x" * max(size - 15, 0)}).encode()
BODIES = {}
if os.environ.get("BARE_BODIES"):
    with open(os.environ["BARE_BODIES"], encoding="utf-8") as f:
        BODIES = {gtin: body.encode() for gtin, body in json.load(f).items()}

app = Flask(__name__)


@app.get("/v1/products/<gtin>")
def product(gtin: str) -> Response:
    return Response(BODIES.get(gtin, PADDING), mimetype="application/json")
