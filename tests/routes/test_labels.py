"""Label pages: the target of a label QR, and the embeddable label."""

from __future__ import annotations


def test_label_qr_target_shows_the_certificate(client, app):
    resp = client.get("/c/TJS-PCF-2025-0020")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert "TJS-PCF-2025-0020" in html
    assert 'data-status="valid"' in html
    assert "已认证" in html and "示例数据" in html


def test_label_of_a_revoked_certificate_says_so(client):
    html = client.get("/c/TJS-PCF-2024-0008?lang=en").get_data(as_text=True)
    assert 'data-status="revoked"' in html
    assert "Not currently certified" in html


def test_embeddable_label(client):
    resp = client.get("/embed/products/09506000134352", headers={"Accept-Language": "en"})
    assert resp.status_code == 200
    assert "frame-ancestors *" in resp.headers["Content-Security-Policy"]
    assert "Product carbon footprint" in resp.get_data(as_text=True)


def test_label_errors_are_html_pages_not_json(client):
    """Issue 11: a person who follows a label gets a page, in their language, never JSON; the
    page keeps the status and the domain reason (data-reason) the API would have given."""
    for path, status, reason in [
        ("/c/TJS-PCF-1900-0001", 404, "not_found"),
        ("/embed/products/9506000134353", 422, "invalid_code"),
    ]:
        resp = client.get(path)
        assert resp.status_code == status and resp.mimetype == "text/html"
        assert f'data-reason="{reason}"' in resp.get_data(as_text=True)
