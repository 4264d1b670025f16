"""Server-rendered, accessible SVG charts for the pages: plain functions of plain data.

No Flask, no JavaScript: each function returns the chart as ``markupsafe.Markup`` (safe to put
into a Jinja template as ``{{ chart }}``), every text escaped. Each chart is an ``<svg
role="img">`` whose ``<title>`` and ``<desc>`` (referenced by ``aria-labelledby``) say what it
shows and every value in words, so a screen reader reads the data, not the drawing; labels and
values are written next to the bars, so nothing depends on colour alone.

    from app.web.charts import Bar, bar_chart, share_bar

    bar_chart(
        [Bar("Electricity", 123.4), Bar("Gas", 56.7, value_text="56.7")],
        title="Household emissions by line", unit="kg CO2e",
    )
    share_bar([Bar("Cradle to gate", 80), Bar("Use", 20)], title="By boundary", unit="kg CO2e")

Charts scale with their container (``width="100%"`` and a viewBox); the page's CSS
(app/web/static/tanji.css, ``.chart``) sets their maximum width. Colours are presentation
attributes, so a chart also renders on its own (e.g. saved as a file).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

#: Bar colours in order (dark enough for white text and against white: WCAG 3:1 or more).
PALETTE = ("#2f6b3a", "#1d4ed8", "#b45309", "#7c3aed", "#0f766e", "#be185d", "#4b5563")
NEGATIVE = "#0e7490"
WIDTH = 400  # viewBox units: about CSS pixels on a phone, so 13-unit text stays readable
FONT = "system-ui, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"

Number = int | float | Decimal


@dataclass(frozen=True)
class Bar:
    """One bar (or one share of a share bar).

    ``value_text`` is the value as the page shows it (already localised or rounded); by default
    the value itself, trailing zeros dropped. ``highlight`` draws the bar in the first colour
    and the others in grey (e.g. "this product" among its peers).
    """

    label: str
    value: Number
    value_text: str | None = None
    highlight: bool = False


def format_number(value: Number) -> str:
    """A number as a chart writes it: no exponent, no trailing zeros (0.0924, 1200, 3.5)."""
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _value_text(bar: Bar, unit: str) -> str:
    text = bar.value_text if bar.value_text is not None else format_number(bar.value)
    return f"{text} {unit}".strip()


def _ids(kind: str, title: str, id_prefix: str | None) -> tuple[str, str]:
    """Unique ids for aria-labelledby (several charts may share a page)."""
    prefix = id_prefix or f"{kind}-" + hashlib.blake2s(title.encode(), digest_size=4).hexdigest()
    return f"{prefix}-title", f"{prefix}-desc"


def _svg(kind: str, height: float, title: str, desc: str, body: list[str], ids) -> Markup:
    title_id, desc_id = ids
    return Markup(
        f'<svg class="chart chart-{kind}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'width="100%" viewBox="0 0 {WIDTH} {height:g}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="{escape(FONT)}">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _describe(bars: Sequence[Bar], unit: str, shares: Sequence[str] | None = None) -> str:
    parts = []
    for i, bar in enumerate(bars):
        text = f"{bar.label}: {_value_text(bar, unit)}"
        if shares is not None:
            text += f" ({shares[i]})"
        parts.append(text)
    return "; ".join(parts) + "."


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    unit: str = "",
    desc: str | None = None,
    id_prefix: str | None = None,
) -> Markup:
    """A horizontal bar chart: one row per bar, its label above it and its value (with
    ``unit``) at its end. Negative values (e.g. a recycling credit) extend left of a zero line.

    ``title`` names the chart; ``desc`` describes it (default: every label and value, in
    order). Returns an ``<svg>`` as Markup; an empty ``bars`` gives an empty chart with its
    title and description.
    """
    row, bar_height, label_height = 44, 18, 17
    values = [float(b.value) for b in bars]
    low, high = min([0.0, *values]), max([0.0, *values])
    span = (high - low) or 1.0
    # Room for the value text right of the longest bar (estimated: ~7.5 units a character).
    texts = [_value_text(b, unit) for b in bars]
    room = min(WIDTH * 0.45, 8 + 7.5 * max((len(t) for t in texts), default=0))
    plot = WIDTH - room - 2
    zero = 1 + plot * (-low / span)
    any_highlight = any(b.highlight for b in bars)
    body: list[str] = []
    for i, (bar, value, text) in enumerate(zip(bars, values, texts, strict=True)):
        top = i * row
        length = plot * abs(value) / span
        x = zero if value >= 0 else zero - length
        if any_highlight:
            colour = PALETTE[0] if bar.highlight else "#9ca3af"
        else:
            colour = PALETTE[0] if value >= 0 else NEGATIVE
        body.append(
            f'<g class="bar{" highlight" if bar.highlight else ""}">'
            f'<text x="1" y="{top + 13}" font-size="13" fill="#1b1f1d"'
            f"{' font-weight=' + chr(34) + '700' + chr(34) if bar.highlight else ''}>"
            f"{escape(bar.label)}</text>"
            f'<rect x="{x:.1f}" y="{top + label_height + 2}" width="{max(length, 1.5):.1f}" '
            f'height="{bar_height}" rx="3" fill="{colour}"/>'
            f'<text x="{max(x + length, zero) + 5:.1f}" y="{top + label_height + 15}" '
            f'font-size="13" fill="#1b1f1d">{escape(text)}</text></g>'
        )
    height = max(row * len(bars), row)
    if low < 0:
        body.append(
            f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="0" y2="{height}" stroke="#4b5563" '
            f'stroke-width="1"/>'
        )
    description = desc if desc is not None else _describe(bars, unit)
    return _svg("bars", height, title, description, body, _ids("bars", title, id_prefix))


def share_bar(
    parts: Sequence[Bar],
    *,
    title: str,
    unit: str = "",
    desc: str | None = None,
    id_prefix: str | None = None,
) -> Markup:
    """One stacked bar split into the shares of its parts (non-negative values), with a legend
    below: a swatch, the label, the value with ``unit`` and the share in per cent. Segments
    wide enough also carry their share inside them.

    ``title`` names the chart; ``desc`` describes it (default: every part, value and share).
    """
    values = [max(float(p.value), 0.0) for p in parts]
    total = sum(values)
    shares = [(v / total * 100) if total else 0.0 for v in values]
    share_texts = [f"{s:.0f}%" if s >= 1 or s == 0 else "<1%" for s in shares]
    bar_top, bar_height, legend_top, line = 2, 28, 44, 22
    body: list[str] = []
    x = 1.0
    for i, (share, text) in enumerate(zip(shares, share_texts, strict=True)):
        width = (WIDTH - 2) * share / 100
        colour = PALETTE[i % len(PALETTE)]
        body.append(
            f'<rect x="{x:.1f}" y="{bar_top}" width="{width:.1f}" height="{bar_height}" '
            f'fill="{colour}" stroke="#fff" stroke-width="1"/>'
        )
        if width >= 36:
            body.append(
                f'<text x="{x + width / 2:.1f}" y="{bar_top + 19}" font-size="12" '
                f'text-anchor="middle" fill="#fff" font-weight="700">{escape(text)}</text>'
            )
        x += width
    for i, (part, text) in enumerate(zip(parts, share_texts, strict=True)):
        top = legend_top + i * line
        colour = PALETTE[i % len(PALETTE)]
        body.append(
            f'<g class="legend"><rect x="1" y="{top}" width="14" height="14" rx="2" '
            f'fill="{colour}"/><text x="22" y="{top + 12}" font-size="13" fill="#1b1f1d">'
            f"{escape(part.label)} · {escape(_value_text(part, unit))} · {escape(text)}"
            "</text></g>"
        )
    height = legend_top + line * len(parts)
    description = desc if desc is not None else _describe(parts, unit, share_texts)
    return _svg("share", height, title, description, body, _ids("share", title, id_prefix))
