"""/c/<number>, where a Tanji label QR leads, for each certificate status: the status in words
in the page's language, accessible (axe), no console errors; screenshots of each."""

from __future__ import annotations

import pytest

#: status -> its words on the label in each language (app/translations).
WORDS = {
    "valid": ("有效", "Valid"),
    "expired": ("已过期", "Expired"),
    "not_yet_valid": ("尚未生效", "Not yet valid"),
    "suspended": ("已暂停", "Suspended"),
    "revoked": ("已撤销", "Revoked"),
}


@pytest.mark.parametrize("status", list(WORDS))
def test_certificate_label_for_each_status(page, certificates, status, axe, screenshot):
    number, _gtin = certificates[status]
    for query, words in (("", WORDS[status][0]), ("?lang=en", WORDS[status][1])):
        response = page.goto(f"/c/{number}{query}")
        assert response.status == 200
        label = page.locator(f"[data-status='{status}']").first
        assert label.is_visible()
        assert words in label.inner_text()
        assert number in page.locator("body").inner_text()
    axe(page)
    screenshot(page, f"certificate-{status}")
