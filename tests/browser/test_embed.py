"""The retailer's embed on a page served from another origin: one <script> renders the label in
an iframe whose height follows its content (postMessage), which links to the certificate page;
without JavaScript the <noscript> image shows instead."""

from __future__ import annotations

import time

import pytest

#: The README's snippet, as a retailer pastes it into their own page.
SHOP_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Mineral water</h1>
<script src="{base}/embed.js" data-gtin="{gtin}" data-lang="{lang}" data-size="{size}" async></script>
<noscript><img src="{base}/v1/products/{gtin}/label.png" width="480" height="270"
  alt="产品碳足迹 · Product carbon footprint"></noscript>
<p>Other things the shop says.</p></main></body></html>"""


@pytest.fixture
def shop(live_server, other_origin, certificates):
    """The URL of a shop page on another origin that embeds the valid product's label."""

    def make(lang: str = "en", size: str = "medium") -> str:
        html = SHOP_PAGE.format(
            base=live_server.url, gtin=certificates["valid"][1], lang=lang, size=size
        )
        return other_origin.serve(f"/shop-{lang}-{size}.html", html)

    return make


def fitted(page) -> int:
    """Waits until the iframe's height equals its content's height (the frame is another
    origin's: its content is measured inside it); returns that height."""
    frame_element = page.locator("iframe[data-tanji-gtin]")
    frame = frame_element.element_handle().content_frame()
    frame.locator("[data-status]").wait_for()
    deadline = time.monotonic() + 15  # a wait for an event, not a speed target (shared machine)
    while True:
        height = int(frame_element.get_attribute("height"))
        content = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
        if height == content or time.monotonic() > deadline:
            assert height == content, "the iframe's height does not follow its content"
            return height
        page.wait_for_timeout(50)


def test_embed_fits_its_height_and_links_to_the_certificate(
    page, shop, live_server, certificates, axe, screenshot
):
    number = certificates["valid"][0]
    page.goto(shop())
    assert page.evaluate("location.origin") != live_server.url  # really another origin
    frame_element = page.locator("iframe[data-tanji-gtin]")
    assert frame_element.get_attribute("width") == "400"  # data-size="medium"
    frame = frame_element.element_handle().content_frame()
    # embed.js makes the iframe after the shop's page has loaded: wait for its navigation.
    frame.wait_for_url(live_server.url + "/embed/products/**")
    height = fitted(page)
    assert height > 150

    # A narrow phone: the frame shrinks to the page's width, the label wraps, the frame follows.
    page.set_viewport_size({"width": 300, "height": 700})
    assert fitted(page) > height

    link = frame.locator(f"a[href*='/c/{number}']")
    assert link.get_attribute("target") == "_blank"
    with page.expect_popup() as popup_info:
        link.click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url == f"{live_server.url}/c/{number}?lang=en"
    assert number in popup.locator("body").inner_text()
    popup.close()

    page.set_viewport_size({"width": 1280, "height": 800})
    axe(page)  # the shop page and, on its own, the framed label
    screenshot(page, "embed")


def test_embed_without_javascript_shows_the_image(open_page, shop, live_server):
    page = open_page(java_script_enabled=False)
    page.goto(shop())
    assert page.locator("iframe").count() == 0
    image = page.locator("img[alt*='Product carbon footprint']")
    image.wait_for()
    loaded = page.wait_for_function(
        "img => img.complete && img.naturalWidth", arg=image.element_handle()
    )
    assert loaded.json_value() == 960  # label.png, shown at 480 x 270
