"""A query's timeline: how many matching articles were published in each period.

Months come free with the month facet (one bitset AND per month, already counted);
when the matches span a short range, days or weeks are counted the same way, from the
date-range bitsets of :class:`indexer.docsets.DocSets`. Periods without articles are
there as zero, so the chart's gaps are real gaps.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from typing import Any, Protocol

__all__ = ["DAY_SPAN_MONTHS", "WEEK_SPAN_MONTHS", "month_buckets", "timeline_of", "trends"]

# Matches spanning at most this many calendar months are counted per day...
DAY_SPAN_MONTHS = 2
# ... at most this many per ISO week (Monday to Sunday); longer spans per month.
WEEK_SPAN_MONTHS = 6
# Longer than this many months: per year (a bar a month would be a hair's width).
YEAR_SPAN_MONTHS = 180


class _Dates(Protocol):
    def date_range(self, start: str | None, end: str | None) -> int: ...


def _month_key(value: str) -> tuple[int, int] | None:
    if len(value) == 7 and value[4] == "-" and value[:4].isdigit() and value[5:].isdigit():
        y, m = int(value[:4]), int(value[5:])
        return (y, m) if 1 <= m <= 12 else None
    return None


def _months_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    y, m = first
    while (y, m) <= last:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _bucket(period: str, start: dt.date, end: dt.date, count: int) -> dict[str, Any]:
    return {"period": period, "from": start.isoformat(), "to": end.isoformat(), "count": count}


def month_buckets(months: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    """``(YYYY-MM, count)`` pairs -> one bucket per month from the first to the last."""
    counts = {k: c for v, c in months if (k := _month_key(v or "")) is not None}
    if not counts:
        return []
    out = []
    for y, m in _months_between(min(counts), max(counts)):
        last = calendar.monthrange(y, m)[1]
        out.append(_bucket(f"{y:04d}-{m:02d}", dt.date(y, m, 1), dt.date(y, m, last), counts.get((y, m), 0)))
    return out


def _year_buckets(months: list[dict[str, Any]]) -> list[dict[str, Any]]:
    years: dict[int, int] = {}
    for b in months:
        years[int(b["period"][:4])] = years.get(int(b["period"][:4]), 0) + b["count"]
    return [_bucket(f"{y:04d}", dt.date(y, 1, 1), dt.date(y, 12, 31), years.get(y, 0))
            for y in range(min(years), max(years) + 1)]


def _short_buckets(dated: dict[str, int], first: dt.date, last: dt.date, unit: str) -> list[dict[str, Any]]:
    """Day or ISO-week buckets from ``first`` to ``last`` of per-date counts."""
    step = dt.timedelta(days=1 if unit == "day" else 7)
    start = first if unit == "day" else first - dt.timedelta(days=first.weekday())
    out = []
    while start <= last:
        end = start + step - dt.timedelta(days=1)
        count = sum(dated.get((start + dt.timedelta(days=i)).isoformat(), 0) for i in range(step.days))
        if unit == "day":
            period = start.isoformat()
        else:
            iso = start.isocalendar()
            period = f"{iso[0]:04d}-W{iso[1]:02d}"
        out.append(_bucket(period, start, end, count))
        start += step
    return out


def _per_date(ds: _Dates, bits: int, first: dt.date, last: dt.date,
              published: tuple[list, list[int]]) -> dict[str, int]:
    """Matching documents per ``published`` date within [first, last]: one range bitset,
    then the (few) documents in it looked up in the date column."""
    from indexer.backends.whoosh.postings import iter_bits

    values, ids = published
    inside = ds.date_range(first.isoformat(), last.isoformat()) & bits
    counts: dict[str, int] = {}
    for d in iter_bits(inside.to_bytes((inside.bit_length() + 7) // 8 or 1, "little")):
        n = ids[d] if d < len(ids) else -1
        if n >= 0:
            day = (values[n] or "")[:10]
            counts[day] = counts.get(day, 0) + 1
    return counts


def _trim(buckets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Without the empty periods at either end (the months were only the envelope)."""
    lo, hi = 0, len(buckets)
    while lo < hi and not buckets[lo]["count"]:
        lo += 1
    while hi > lo and not buckets[hi - 1]["count"]:
        hi -= 1
    return buckets[lo:hi]


def timeline_of(ds: _Dates, bits: int, months: Iterable[tuple[str, int]],
                published: tuple[list, list[int]]) -> dict[str, Any]:
    """The API's ``timeline``: ``{"unit", "buckets": [{"period", "from", "to", "count"}],
    "peak", "dated", "undated"}`` for the documents in ``bits``.

    ``months`` are the month facet's counts over the same documents, ``published``
    the date column as (distinct values, value number per document).
    """
    buckets = month_buckets(months)
    unit = "month"
    if len(buckets) > YEAR_SPAN_MONTHS:
        buckets, unit = _year_buckets(buckets), "year"
    elif buckets and len(buckets) <= WEEK_SPAN_MONTHS:
        unit = "day" if len(buckets) <= DAY_SPAN_MONTHS else "week"
        first, last = dt.date.fromisoformat(buckets[0]["from"]), dt.date.fromisoformat(buckets[-1]["to"])
        buckets = _trim(_short_buckets(_per_date(ds, bits, first, last, published), first, last, unit))
    dated = sum(b["count"] for b in buckets)
    peak = max(buckets, key=lambda b: (b["count"], b["period"]), default=None)
    return {"unit": unit, "buckets": buckets,
            "peak": {"period": peak["period"], "count": peak["count"]} if peak and peak["count"] else None,
            "dated": dated, "undated": max(0, bits.bit_count() - dated)}


def trends(series: dict[str, Iterable[tuple[str, int]]], archive: dict[str, int]) -> dict[str, Any]:
    """Several queries' month counts on one axis, each as a share of the archive's month.

    A month in which the archive holds twice as many articles doubles every query's
    count; dividing by it shows what changed in the news, not in the collection.
    Returns ``{"months": [...], "series": [{"query", "counts", "shares", "total"}]}``.
    """
    keys: set[tuple[int, int]] = set()
    per: dict[str, dict[tuple[int, int], int]] = {}
    for q, months in series.items():
        per[q] = {k: c for v, c in months if (k := _month_key(v or "")) is not None}
        keys.update(per[q])
    if not keys:
        return {"months": [], "series": [{"query": q, "counts": [], "shares": [], "total": 0} for q in series]}
    axis = _months_between(min(keys), max(keys))
    names = [f"{y:04d}-{m:02d}" for y, m in axis]
    out = []
    for q, counts in per.items():
        row = [counts.get(k, 0) for k in axis]
        shares = [round(c / archive[n], 6) if archive.get(n) else 0.0 for c, n in zip(row, names)]
        out.append({"query": q, "counts": row, "shares": shares, "total": sum(row)})
    return {"months": names, "series": out}
