"""The bilingual label as an image a retailer can print or put in an <img>: an SVG (every
text escaped) or a PNG (Pillow) drawn from one layout of a ProductFootprint, with a QR code of
the product's GS1 Digital Link. Presentation only: no request, no SQL."""

from __future__ import annotations

import functools
import io
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import segno
from PIL import Image, ImageDraw, ImageFont

from app.core.footprints import ProductFootprint
from app.core.labels import PER_UNIT, figures, quantity_text
from app.core.messages import _

#: The label's size in CSS pixels (the SVG scales to any size).
WIDTH, HEIGHT = 480, 270
#: Status -> (border and badge colour, badge text colour): each status looks different.
STATUS_COLOURS = {
    "valid": ("#2f6b3a", "#ffffff"),
    "expired": ("#6b7280", "#ffffff"),
    "not_yet_valid": ("#1d4ed8", "#ffffff"),
    "suspended": ("#b45309", "#ffffff"),
    "revoked": ("#b91c1c", "#ffffff"),
    None: ("#6b7280", "#ffffff"),  # a product without any certificate
}
_FONT = "system-ui, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"

Translate = Callable[[object, str], str]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text_width(text: str, size: float) -> float:
    """Roughly how wide ``text`` is drawn: CJK characters are square, Latin ones ~0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _both(message: object, translate: Translate, languages: Sequence[str], sep=" · ") -> str:
    """A message in every language, default first; said once when they agree."""
    texts = list(dict.fromkeys(translate(message, lang) for lang in languages))
    return sep.join(texts)


def qr_path(url: str, *, x: float, y: float, size: float) -> str:
    """An SVG <path> drawing the QR code of ``url`` in a size x size square at (x, y)."""
    qr = segno.make(url, error="m", micro=False)
    rows = list(qr.matrix)
    border = 2
    module = size / (len(rows) + 2 * border)
    parts = []
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                px, py = x + (c + border) * module, y + (r + border) * module
                parts.append(f"M{px:.2f} {py:.2f}h{module:.2f}v{module:.2f}h-{module:.2f}z")
    return (
        f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{"".join(parts)}" fill="#000"/>'
    )


def lines(
    footprint: ProductFootprint, translate: Translate, languages: Sequence[str]
) -> list[tuple[str, str]]:
    """The label's text, top to bottom, as (style, text)."""
    product = footprint.product
    names = [translate(product.name, lang) for lang in languages]
    out = [("title", _both(_("Product carbon footprint"), translate, languages))]
    out += [("name", _short(names[0], 26))]
    if len(names) > 1 and names[1] != names[0]:
        out.append(("small", _short(names[1], 52)))
    view = footprint.current
    if view is None:
        out.append(("status", _both(_("No certificate"), translate, languages)))
        return out
    c = view.certificate
    # The figures and their units as every label shows them (app/core/labels.py): per
    # declared unit as certified, and per sales unit when the pack allows ("per item (550 mL)").
    shown = figures(c, product)
    out.append(("figure", f"{shown.declared.text} kg CO2e"))
    out.append(("small", _both(shown.declared.per, translate, languages)))
    if shown.sales is not None:
        # "= 0.0924 kg CO2e 每件 · per item (550 mL)": the pack's content once, in SI symbols.
        sales = shown.sales
        per_item = _both(PER_UNIT.get(sales.unit, sales.unit), translate, languages)
        content = f" ({translate(quantity_text(sales.content), 'en')})" if sales.content else ""
        out.append(("small", f"= {sales.text} kg CO2e {per_item}{content}"))
    out.append(("status", _both(view.status_label, translate, languages)))
    if view.status in ("suspended", "revoked"):
        # Never "valid until" for a suspended or revoked certificate: the date and the reason.
        when = c.status_changed_on.isoformat() if c.status_changed_on else ""
        out.append(("small", f"{when} {_short(c.status_reason or '', 50)}".strip()))
    elif view.status == "valid":
        until = _both(_("Valid until"), translate, languages)
        out.append(("small", f"{until} {c.valid_until}"))
    else:
        out.append(("small", _short(translate(view.notice, languages[-1]), 54)))
    certificate = _both(_("Certificate"), translate, languages)
    out.append(("small", f"{certificate} {c.number}"))
    out.append(("small", _short(translate(c.body.name, languages[0]), 40)))
    out.append(("small", _short(", ".join(c.standards), 48)))
    if c.sample or product.sample:
        out.append(("sample", _both(_("Sample data"), translate, languages)))
    return out


_STYLES = {  # style -> (font size, weight, colour, line height)
    "title": (15, 700, None, 22),
    "name": (16, 700, "#111827", 22),
    "figure": (30, 700, "#111827", 34),
    "status": (14, 700, None, 26),
    "small": (11, 400, "#374151", 16),
    "sample": (11, 700, "#92400e", 16),
}
#: The QR code's square (x, y, side) and its caption's size: bottom right, the caption
#: under it ending at its right edge (the bilingual caption is wider than the code).
QR_SIZE = 118
QR_BOX = (WIDTH - QR_SIZE - 14, HEIGHT - QR_SIZE - 30, QR_SIZE)
CAPTION_SIZE = 10


@dataclass(frozen=True)
class TextItem:
    x: float
    y: float  # the baseline
    size: int
    weight: int
    fill: str
    text: str
    strike: bool = False  # the figure of a footprint that is not certified today


@dataclass(frozen=True)
class Badge:
    x: float
    y: float
    width: float
    height: float
    fill: str


@dataclass(frozen=True)
class Layout:
    """Where everything goes, in CSS pixels: the one geometry both images draw."""

    status: str | None
    colour: str
    items: list[TextItem | Badge]
    caption: str
    title: str


def _fit(text: str, size: int, width: float, measure: Callable[[str, int], float]) -> str:
    """``text``, shortened with an ellipsis until it is at most ``width`` wide."""
    if measure(text, size) <= width:
        return text
    while text and measure(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def layout(
    footprint: ProductFootprint,
    translate: Translate,
    languages: Sequence[str],
    measure: Callable[[str, int], float] = _text_width,
) -> Layout:
    """The label laid out; ``measure(text, size)`` says how wide a text is drawn (the status
    badge fits its words)."""
    status = footprint.current.status if footprint.current else None
    colour, on_colour = STATUS_COLOURS[status]
    texts = lines(footprint, translate, languages)
    items: list[TextItem | Badge] = []
    y = 12
    for style, text in texts:
        size, weight, fill, height = _STYLES[style]
        y += height
        x = 18
        if style == "status":
            width = min(WIDTH - 36, 16 + measure(text, size))
            items.append(Badge(18, y - size - 5, round(width), size + 10, colour))
            fill, x = on_colour, 26
        strike = style == "figure" and not footprint.certified
        fill = "#6b7280" if strike else fill or colour
        # Lines beside the QR code end before it; above it, before the border.
        right = QR_BOX[0] - 8 if y > QR_BOX[1] else WIDTH - 18
        text = _fit(text, size, right - x, measure)
        items.append(TextItem(x, y, size, weight, fill, text, strike))
    return Layout(
        status=status,
        colour=colour,
        items=items,
        caption=_both(_("Scan for details"), translate, languages),
        title=" ".join(text for _style, text in texts[:3]),
    )


def label_svg(
    footprint: ProductFootprint,
    *,
    qr_url: str,
    translate: Translate,
    languages: Sequence[str],
) -> str:
    """The label as a standalone SVG document (UTF-8), every text escaped."""
    plan = layout(footprint, translate, languages)
    body = [
        f'<rect x="1.5" y="1.5" width="{WIDTH - 3}" height="{HEIGHT - 3}" rx="12" '
        f'fill="#fff" stroke="{plan.colour}" stroke-width="3"/>'
    ]
    for item in plan.items:
        if isinstance(item, Badge):
            body.append(
                f'<rect x="{item.x}" y="{item.y}" width="{item.width}" height="{item.height}" '
                f'rx="{item.height / 2}" fill="{item.fill}"/>'
            )
            continue
        decoration = ' text-decoration="line-through"' if item.strike else ""
        body.append(
            f'<text x="{item.x}" y="{item.y}" font-size="{item.size}" '
            f'font-weight="{item.weight}" fill="{item.fill}"{decoration}>{escape(item.text)}</text>'
        )
    qx, qy, size = QR_BOX
    body.append(qr_path(qr_url, x=qx, y=qy, size=size))
    body.append(
        f'<text x="{qx + size}" y="{qy + size + 16}" font-size="{CAPTION_SIZE}" '
        f'fill="#374151" text-anchor="end">{escape(plan.caption)}</text>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-family={quoteattr(_FONT)} '
        f"data-status={quoteattr(plan.status or 'none')}>"
        f"<title>{escape(plan.title)}</title>{''.join(body)}</svg>\n"
    )


# --- PNG ---------------------------------------------------------------------------------

#: Pixels per CSS pixel of the PNG: 960 x 540, sharp when printed at the SVG's sizes.
PNG_SCALE = 2
#: Colours of the PNG's palette.
PNG_COLOURS = 64
#: Fonts with Chinese glyphs, first found wins (TANJI_LABEL_FONT names another).
#: scripts/system-deps.sh installs the first (Debian's fonts-wqy-microhei, 1.6 MB).
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
log = logging.getLogger(__name__)


@functools.cache
def cjk_font_path(configured: str | None = None) -> str | None:
    """The font label.png draws with: ``configured`` if given, else the first of CJK_FONTS
    present. None (with a warning, once): Pillow's own font, whose Chinese shows as boxes."""
    if configured:
        if not os.path.exists(configured):
            raise FileNotFoundError(f"TANJI_LABEL_FONT: no font file at {configured}")
        return configured
    found = next((path for path in CJK_FONTS if os.path.exists(path)), None)
    if found is None:
        log.warning(
            "No font with Chinese glyphs found (%s): label.png draws Chinese as boxes. "
            "Install fonts-wqy-microhei or set TANJI_LABEL_FONT.",
            ", ".join(CJK_FONTS),
        )
    return found


@functools.cache
def _font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


def label_png(
    footprint: ProductFootprint,
    *,
    qr_url: str,
    translate: Translate,
    languages: Sequence[str],
    font_path: str | None = None,
) -> bytes:
    """The label as a PNG image (WIDTH x HEIGHT times PNG_SCALE), drawn like the SVG."""
    path, k = cjk_font_path(font_path), PNG_SCALE

    def font(size: float):
        return _font(path, round(size * k))

    plan = layout(
        footprint, translate, languages, lambda text, size: font(size).getlength(text) / k
    )
    image = Image.new("RGB", (WIDTH * k, HEIGHT * k), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (k, k, (WIDTH - 1) * k, (HEIGHT - 1) * k), radius=12 * k, outline=plan.colour, width=3 * k
    )
    for item in plan.items:
        if isinstance(item, Badge):
            draw.rounded_rectangle(
                (item.x * k, item.y * k, (item.x + item.width) * k, (item.y + item.height) * k),
                radius=item.height * k / 2,
                fill=item.fill,
            )
            continue
        f = font(item.size)
        # No bold face in most CJK fonts: a stroke of the text's own colour thickens it.
        stroke = 1 if item.weight >= 700 else 0
        draw.text(
            (item.x * k, item.y * k),
            item.text,
            font=f,
            fill=item.fill,
            anchor="ls",
            stroke_width=stroke,
            stroke_fill=item.fill,
        )
        if item.strike:
            y = (item.y - item.size * 0.3) * k
            draw.line(
                (item.x * k, y, item.x * k + f.getlength(item.text), y), fill=item.fill, width=k * 2
            )
    qx, qy, size = QR_BOX
    _draw_qr(draw, qr_url, x=qx * k, y=qy * k, size=size * k)
    draw.text(
        ((qx + size) * k, (qy + size + 16) * k),
        plan.caption,
        font=font(CAPTION_SIZE),
        fill="#374151",
        anchor="rs",
    )
    out = io.BytesIO()
    # A few dozen colours (the label's own and their anti-aliased edges): a third of the bytes.
    image.quantize(PNG_COLOURS, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


def _draw_qr(draw: ImageDraw.ImageDraw, url: str, *, x: int, y: int, size: int) -> None:
    """The QR code of ``url`` in a size x size square, whole pixels per module (crisp)."""
    rows = [list(row) for row in segno.make(url, error="m", micro=False).matrix]
    border = 2
    module = size // (len(rows) + 2 * border)
    offset = (size - module * len(rows)) // 2
    draw.rectangle((x, y, x + size - 1, y + size - 1), fill="#ffffff")
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                left, top = x + offset + c * module, y + offset + r * module
                draw.rectangle((left, top, left + module - 1, top + module - 1), fill="#000000")
