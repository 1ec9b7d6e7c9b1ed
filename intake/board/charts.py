"""Horizontal bar charts as inline SVG, built on the server: no script, no network, escaped labels."""

from __future__ import annotations

from html import escape

ROW = 22
LABEL_WIDTH = 140
BAR_WIDTH = 180
COUNT_WIDTH = 50


def bar_chart(counts: dict[str, int], *, title: str) -> str:
    """One bar per key, widths proportional to the largest count; empty counts give an empty chart."""
    peak = max(counts.values(), default=0)
    width = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH
    height = ROW * max(len(counts), 1) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">',
             f"<title>{escape(title)}</title>"]
    for i, (label, n) in enumerate(counts.items()):
        y = i * ROW + 2
        bar = 0 if peak == 0 else max(1, round(BAR_WIDTH * n / peak)) if n else 0
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
                     f"{escape(label[:22])}</text>")
        parts.append(f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{bar}" height="{ROW - 6}" fill="#2b6cb0">'
                     f"<title>{escape(label)}: {n}</title></rect>")
        parts.append(f'<text x="{LABEL_WIDTH + bar + 4}" y="{y + 15}" font-size="12">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)
