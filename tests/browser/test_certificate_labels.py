"""/c/<number>, where a Tanji label QR leads, for each certificate status: the status in words
in the page's language, each status looking different, a suspended or revoked certificate
with its date and reason and never "valid until"; accessible (axe), no console errors;
screenshots of each."""

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
#: How the label looks: its border, and its status badge's colours and border.
LOOK = """label => {
    const box = getComputedStyle(label), badge = getComputedStyle(label.querySelector('.status'));
    return [box.borderTopColor, box.borderTopStyle, box.borderTopWidth,
            badge.color, badge.backgroundColor, badge.borderTopStyle].join(' ');
}"""


@pytest.mark.parametrize("status", list(WORDS))
def test_certificate_label_for_each_status(
    page, certificates, catalogue_data, status, axe, screenshot
):
    number, _gtin = certificates[status]
    for query, words, valid_until in (
        ("", WORDS[status][0], "有效期至"),
        ("?lang=en", WORDS[status][1], "Valid until"),
    ):
        response = page.goto(f"/c/{number}{query}")
        assert response.status == 200
        label = page.locator(f"[data-status='{status}']").first
        assert label.is_visible()
        text = label.inner_text()
        assert words in text and number in text
        if status in ("suspended", "revoked"):
            # the date and the reason, never "valid until"
            assert valid_until not in text
            fixture = next(c for c in catalogue_data["certificates"] if c["number"] == number)
            assert fixture["status_reason"] in text
            assert fixture["status_changed_on"][:4] in text
    axe(page)
    screenshot(page, f"certificate-{status}")


def test_each_status_looks_different(page, certificates):
    looks = {}
    for status, (number, _gtin) in certificates.items():
        page.goto(f"/c/{number}")
        looks[status] = page.locator(f"[data-status='{status}']").first.evaluate(LOOK)
    assert len(set(looks.values())) == len(looks), looks
