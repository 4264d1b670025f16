"""Baseline for bench/lookup.py: a bare Flask endpoint returning a constant JSON body of a
given size (BARE_BODY_BYTES), on the same URL pattern as the real lookup."""

import json
import os

from flask import Flask, Response

size = int(os.environ.get("BARE_BODY_BYTES", "2000"))
BODY = json.dumps({"padding": "x" * max(size - 15, 0)}).encode()

app = Flask(__name__)


@app.get("/v1/products/<gtin>")
def product(gtin: str) -> Response:
    return Response(BODY, mimetype="application/json")
