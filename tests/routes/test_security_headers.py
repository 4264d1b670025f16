"""Security headers: nosniff everywhere, a CSP on every HTML page, no framing but the embed."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/v1/products/09506000134352",
        "/v1/resolve?code=09506000134352",
        "/v1/health",
        "/v1/products/9506000134353",  # an error
        "/no/such/path",
        "/openapi.json",
        "/c/TJS-PCF-2025-0020",
        "/embed/products/09506000134352",
        "/docs",
    ],
)
def test_every_response_says_nosniff(client, path):
    resp = client.get(path)
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    # A cached answer (the second one) carries it too.
    assert client.get(path).headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/c/TJS-PCF-2025-0020", "/docs"])
def test_html_pages_have_a_csp_that_refuses_framing(client, path):
    resp = client.get(path)
    assert resp.mimetype == "text/html"
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Frame-Options"] == "DENY"


def test_only_the_embed_may_be_framed(client):
    resp = client.get("/embed/products/09506000134352")
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp and "default-src 'none'" in csp
    assert "X-Frame-Options" not in resp.headers


def test_the_docs_and_the_embed_load_scripts_only_from_this_app(client):
    docs = client.get("/docs").headers["Content-Security-Policy"]
    embed = client.get("/embed/products/09506000134352").headers["Content-Security-Policy"]
    for csp in (docs, embed):
        assert "http" not in csp  # no CDN or other origin
        assert "script-src 'self'" in csp
