"""The bilingual label as an image a retailer can print or put in an <img>: an SVG drawn
from a ProductFootprint (every text escaped), with a QR code of the product's GS1 Digital
Link. Presentation only: no request, no SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

import segno

from app.core.footprints import ProductFootprint
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
    per = " / ".join(translate(_("per"), lang) for lang in languages)
    out.append(("figure", f"{c.pcf} kg CO2e"))
    out.append(("small", f"{per} {c.declared_unit_amount} {c.declared_unit}"))
    if c.pcf_per_sales_unit is not None:
        unit = product.sales_unit
        out.append(("small", f"= {c.pcf_per_sales_unit} kg CO2e {per} {unit.amount} {unit.unit}"))
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


def label_svg(
    footprint: ProductFootprint,
    *,
    qr_url: str,
    translate: Translate,
    languages: Sequence[str],
) -> str:
    """The label as a standalone SVG document (UTF-8), every text escaped."""
    status = footprint.current.status if footprint.current else None
    colour, on_colour = STATUS_COLOURS[status]
    certified = footprint.certified
    body = [
        f'<rect x="1.5" y="1.5" width="{WIDTH - 3}" height="{HEIGHT - 3}" rx="12" '
        f'fill="#fff" stroke="{colour}" stroke-width="3"/>'
    ]
    y = 12
    for style, text in lines(footprint, translate, languages):
        size, weight, fill, height = _STYLES[style]
        y += height
        if style == "status":
            width = min(WIDTH - 36, 16 + _text_width(text, size))
            body.append(
                f'<rect x="18" y="{y - size - 5}" width="{width:.0f}" height="{size + 10}" '
                f'rx="{(size + 10) / 2}" fill="{colour}"/>'
            )
            fill, x = on_colour, 26
        else:
            fill, x = fill or colour, 18
        decoration = ""
        if style == "figure" and not certified:
            fill, decoration = "#6b7280", ' text-decoration="line-through"'
        body.append(
            f'<text x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" '
            f'fill="{fill}"{decoration}>{escape(text)}</text>'
        )
    size = 118
    qx, qy = WIDTH - size - 14, HEIGHT - size - 30
    body.append(qr_path(qr_url, x=qx, y=qy, size=size))
    caption = escape(_both(_("Scan for details"), translate, languages))
    body.append(
        f'<text x="{qx + size / 2}" y="{qy + size + 16}" font-size="10" fill="#374151" '
        f'text-anchor="middle">{caption}</text>'
    )
    title = escape(" ".join(text for _style, text in lines(footprint, translate, languages)[:3]))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-family={quoteattr(_FONT)} '
        f"data-status={quoteattr(status or 'none')}>"
        f"<title>{title}</title>{''.join(body)}</svg>\n"
    )
