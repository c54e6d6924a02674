"""Small metadata parsers shared by the readers: dates and outlets.

Sources write dates in many shapes (ISO, ``28/07/2024``, ISO with a time); the index
stores ``YYYY-MM-DD`` only, and an impossible date (``2024-02-30``) is dropped rather
than indexed, because a wrong date is worse than none for date filters.
"""

from __future__ import annotations

import datetime as _dt
import re
from urllib.parse import urlsplit

__all__ = ["parse_date", "outlet_from_url"]

_ISO = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[T\s])")
_DMY = re.compile(r"^\s*(?:[^\d]*?,\s*)?(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:$|[\s,])")


def parse_date(value: object) -> str | None:
    """Return ``value`` as ``YYYY-MM-DD`` when it is a valid date, else None.

    Accepts ``YYYY-MM-DD`` (also with ``/`` or ``.`` and a trailing time),
    ``DD/MM/YYYY`` (the Vietnamese order, also with ``-``/``.``, optionally after a
    weekday such as ``Thứ hai, 29/07/2024``) and date/datetime objects.
    """
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    m = _ISO.match(value)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _DMY.match(value)
        if not m:
            return None
        d, mo, y = (int(g) for g in m.groups())
    try:
        return _dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def outlet_from_url(url: str | None) -> str | None:
    """The news site a URL belongs to: its host, lower-cased, without ``www.``."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower()
    return host[4:] if host.startswith("www.") else host
