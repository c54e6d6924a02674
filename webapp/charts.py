"""Server-side SVG bar charts (no JavaScript, no chart library download)."""

from __future__ import annotations

from html import escape

__all__ = ["bar_chart_svg"]


def bar_chart_svg(items: list[tuple[str, int]], *, title: str, vertical: bool = False,
                  width: int = 640) -> str:
    """An accessible SVG bar chart of ``(label, count)`` pairs."""
    if not items:
        return ""
    top = max(c for _, c in items) or 1
    parts = []
    if vertical:
        height = 220
        bar_w = max(2, (width - 40) // len(items))
        chart_h = height - 40
        for i, (label, count) in enumerate(items):
            h = max(1, round(chart_h * count / top)) if count else 0
            x = 30 + i * bar_w
            parts.append(f'<rect x="{x}" y="{10 + chart_h - h}" width="{max(1, bar_w - 1)}" height="{h}">'
                         f'<title>{escape(label)}: {count}</title></rect>')
        first, last = escape(items[0][0]), escape(items[-1][0])
        parts.append(f'<text x="30" y="{height - 8}" class="axis">{first}</text>')
        parts.append(f'<text x="{width - 10}" y="{height - 8}" text-anchor="end" class="axis">{last}</text>')
        parts.append(f'<text x="26" y="18" text-anchor="end" class="axis">{top}</text>')
    else:
        # Narrow enough that the labels stay readable when a phone scales the chart down.
        width = min(width, 460)
        row = 26
        height = row * len(items) + 10
        label_w = 170
        for i, (label, count) in enumerate(items):
            w = max(1, round((width - label_w - 50) * count / top))
            y = 5 + i * row
            short = label if len(label) <= 24 else label[:23] + "…"
            parts.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{escape(short)}</text>')
            parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="{row - 8}">'
                         f'<title>{escape(label)}: {count}</title></rect>')
            parts.append(f'<text x="{label_w + w + 6}" y="{y + 17}" class="count">{count}</text>')
    kind = "chart chart-v" if vertical else "chart chart-h"
    # The wrapper scrolls sideways on a phone instead of shrinking the labels (CSS
    # gives each chart a minimum width at which its 13 px text stays readable).
    return (f'<div class="chart-wrap" tabindex="0" role="group" aria-label="{escape(title)}">'
            f'<svg class="{kind}" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(parts)}</svg></div>')
