"""/docs renders in a browser with the network cut off: Swagger UI from /vendor/, the spec
from /openapi.json, nothing from a CDN (the page fixture aborts, and fails on, any request
that leaves the machine)."""

from __future__ import annotations


def test_docs_render_offline(page, screenshot):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/docs")
    page.locator(".swagger-ui .information-container .title").wait_for()
    assert "Tanji" in page.locator(".swagger-ui .information-container .title").inner_text()
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 20
    assert page.locator(".opblock-summary-path", has_text="/v1/products/{gtin}").count() >= 1
    assert any(url.endswith("/openapi.json") for url in requests)
    assert any("/vendor/swagger-ui-dist/" in url for url in requests)
    # The validator badge would send the spec to validator.swagger.io.
    assert page.locator(".swagger-ui img[src*='validator']").count() == 0
    screenshot(page, "docs")
