"""Server-side SVG bar charts (no JavaScript, no chart library download)."""

from __future__ import annotations

from html import escape

__all__ = ["bar_chart_svg"]


def _vn(n: int) -> str:
    """Thousands as Vietnamese readers write them: 1.992."""
    return f"{n:,}".replace(",", ".")


def bar_chart_svg(items: list[tuple[str, int]], *, title: str, vertical: bool = False,
                  width: int = 360) -> str:
    """An accessible SVG bar chart of ``(label, count)`` pairs."""
    if not items:
        return ""
    top = max(c for _, c in items) or 1
    parts = []
    if vertical:
        height = 190
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
        parts.append(f'<text x="26" y="18" text-anchor="end" class="axis">{_vn(top)}</text>')
    else:
        # 360 units wide: on a 375 px phone the chart is drawn at about its own size, so
        # its 13-unit labels stay readable and every bar, with its count, is on screen.
        row = 26
        height = row * len(items) + 10
        label_w = 130
        for i, (label, count) in enumerate(items):
            w = max(1, round((width - label_w - 56) * count / top))
            y = 5 + i * row
            short = label if len(label) <= 18 else label[:17] + "…"
            parts.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{escape(short)}</text>')
            parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="{row - 8}">'
                         f'<title>{escape(label)}: {count}</title></rect>')
            parts.append(f'<text x="{label_w + w + 6}" y="{y + 17}" class="count">{_vn(count)}</text>')
    kind = "chart chart-v" if vertical else "chart chart-h"
    # Drawn to fit a phone's width (no sideways scrolling); CSS caps the size on wide screens.
    return (f'<div class="chart-wrap" tabindex="0" role="group" aria-label="{escape(title)}">'
            f'<svg class="{kind}" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(parts)}</svg></div>')
