"""Server-side SVG bar charts (no JavaScript, no chart library download)."""

from __future__ import annotations

from html import escape
from collections.abc import Callable

__all__ = ["bar_chart_svg", "timeline_svg", "lines_svg"]


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


_UNIT_NAMES = {"day": "ngày", "week": "tuần", "month": "tháng", "year": "năm"}


def timeline_svg(timeline: dict, href: Callable[[dict], str], *, title: str,
                 label: Callable[[str], str] = str, width: int = 640) -> str:
    """The query's timeline: one bar a period, each a link (``href(bucket)``), the peak named.

    Drawn on the server; links inside the SVG work without JavaScript.
    """
    buckets = timeline.get("buckets") or []
    if not buckets:
        return ""
    top = max(b["count"] for b in buckets) or 1
    height, chart_h, left = 150, 100, 34
    bar_w = (width - left - 10) / len(buckets)
    peak = timeline.get("peak") or {}
    parts = []
    for i, b in enumerate(buckets):
        h = max(1.0, chart_h * b["count"] / top) if b["count"] else 0.0
        x = left + i * bar_w
        tip = f'{label(b["period"])}: {b["count"]} bài'
        is_peak = b["period"] == peak.get("period")
        # The link covers the whole column, so short bars stay easy to hit.
        cls = "bar peak" if is_peak else "bar"
        parts.append(f'<a href="{escape(href(b))}" aria-label="{escape(tip)}"><g class="{cls}">'
                     f'<rect class="hit" x="{x:.1f}" y="20" width="{max(1.0, bar_w):.1f}" height="{chart_h}"/>'
                     f'<rect x="{x:.1f}" y="{20 + chart_h - h:.1f}" width="{max(1.0, bar_w - 1):.1f}" '
                     f'height="{h:.1f}"/><title>{escape(tip)}</title></g></a>')
        if is_peak:
            anchor = "end" if i > len(buckets) * 0.7 else "start" if i < len(buckets) * 0.3 else "middle"
            parts.append(f'<text class="peak-label" x="{x + bar_w / 2:.1f}" y="{14 + chart_h - h:.1f}" '
                         f'text-anchor="{anchor}">{escape(tip)}</text>')
    first, last = escape(label(buckets[0]["period"])), escape(label(buckets[-1]["period"]))
    parts.append(f'<text x="{left}" y="{height - 12}" class="axis">{first}</text>')
    parts.append(f'<text x="{width - 10}" y="{height - 12}" text-anchor="end" class="axis">{last}</text>')
    parts.append(f'<text x="{left - 4}" y="30" text-anchor="end" class="axis">{top}</text>')
    unit = _UNIT_NAMES.get(timeline.get("unit", ""), "")
    name = f"{title} (theo {unit})" if unit else title
    return (f'<div class="chart-wrap timeline" role="group" aria-label="{escape(name)}">'
            f'<svg class="chart chart-t" role="img" aria-label="{escape(name)}" viewBox="0 0 {width} {height}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(name)}</title>{"".join(parts)}</svg></div>')


def lines_svg(months: list[str], series: list[tuple[str, list[float]]], *, title: str,
              width: int = 720, height: int = 260) -> str:
    """Several series over the same months as lines, with a legend (for /trends)."""
    if not months or not series:
        return ""
    top = max((v for _, values in series for v in values), default=0) or 1
    left, right, top_pad, chart_h = 50, 10, 14, height - 70
    step = (width - left - right) / max(1, len(months) - 1)
    parts = []
    for k, (name, values) in enumerate(series):
        points = " ".join(f"{left + i * step:.1f},{top_pad + chart_h - chart_h * v / top:.1f}"
                          for i, v in enumerate(values))
        parts.append(f'<polyline class="line s{k % 6}" points="{points}"><title>{escape(name)}</title></polyline>')
        for i, v in enumerate(values):
            parts.append(f'<circle class="s{k % 6}" cx="{left + i * step:.1f}" '
                         f'cy="{top_pad + chart_h - chart_h * v / top:.1f}" r="2.5">'
                         f'<title>{escape(name)} {escape(months[i])}: {v * 1000:.2f}‰</title></circle>')
        parts.append(f'<rect class="s{k % 6}" x="{left + k * 150}" y="{height - 22}" width="12" height="12"/>'
                     f'<text x="{left + k * 150 + 16}" y="{height - 12}">{escape(name[:18])}</text>')
    parts.append(f'<text x="{left}" y="{top_pad + chart_h + 18}" class="axis">{escape(months[0])}</text>')
    parts.append(f'<text x="{width - right}" y="{top_pad + chart_h + 18}" text-anchor="end" class="axis">'
                 f'{escape(months[-1])}</text>')
    parts.append(f'<text x="{left - 4}" y="{top_pad + 10}" text-anchor="end" class="axis">{top * 1000:.1f}‰</text>')
    return (f'<div class="chart-wrap" role="group" aria-label="{escape(title)}">'
            f'<svg class="chart chart-l" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(parts)}</svg></div>')
