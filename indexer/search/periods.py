"""Undated articles, told honestly: how many, and the period their collection covers.

VNTC, most of the default collection, has no dates at all; the date range and the year
chart of the dated rest (2020-2021 dantri) would otherwise read as the whole archive's.
``indexer/data/periods.json`` names collections by file name and the period their
documentation gives; :func:`undated_summary` groups the undated articles by it.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import PurePath

__all__ = ["CollectionPeriod", "collection_periods", "period_of_source", "undated_summary"]


@dataclass(frozen=True, slots=True)
class CollectionPeriod:
    name: str
    match: tuple[str, ...]
    period: str
    approximate: bool


@lru_cache(maxsize=1)
def collection_periods() -> tuple[CollectionPeriod, ...]:
    raw = json.loads(resources.files("indexer").joinpath("data/periods.json").read_text("utf-8"))
    return tuple(CollectionPeriod(c["name"], tuple(c["match"]), c["period"], bool(c.get("approximate", True)))
                 for c in raw["collections"])


def period_of_source(source: str) -> CollectionPeriod | None:
    """The collection period of an indexed file (by its name), if one is known."""
    name = PurePath(source.split("://", 1)[-1]).name.lower()
    for period in collection_periods():
        if any(fnmatch.fnmatch(name, pattern) for pattern in period.match):
            return period
    return None


def undated_summary(undated_by_source: dict[str, int]) -> list[dict]:
    """``[{"name", "period", "approximate", "count"}]`` for the undated articles, by
    collection; articles of sources with no known period are one entry with period None."""
    groups: dict[str | None, dict] = {}
    for source, count in undated_by_source.items():
        if not count:
            continue
        period = period_of_source(source)
        key = period.name if period else None
        entry = groups.setdefault(key, {"name": key, "period": period.period if period else None,
                                        "approximate": period.approximate if period else False, "count": 0})
        entry["count"] += count
    return sorted(groups.values(), key=lambda e: (e["name"] is None, -e["count"]))
