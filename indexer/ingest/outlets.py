"""Outlet display names: "VnExpress", not "vnexpress.net".

Articles record their outlet as the site's host (what filters, facets and the API use);
a reader knows the site by its name, so pages show the name from the data file
``indexer/data/outlets.toml``. A host not listed is shown as it is.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

__all__ = ["outlet_name"]

_DATA = Path(__file__).resolve().parents[1] / "data" / "outlets.toml"


@cache
def _names() -> dict[str, str]:
    with _DATA.open("rb") as fh:
        return dict(tomllib.load(fh)["outlets"])


def outlet_name(host: str | None) -> str:
    """The name readers know the outlet ``host`` by (the host itself when unknown)."""
    if not host:
        return ""
    key = host.strip().lower().removeprefix("www.")
    return _names().get(key, host)
