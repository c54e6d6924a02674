"""Alerts: a search's newest matching articles as an Atom feed (RFC 4287).

A feed reader polls the feed of a saved search ("bão số 3", outlet tuoitre.vn) and
shows what ``vnsearch fetch`` brought in since. Entries are the same hits the search
page shows, sorted newest first; ids are stable (the article's key), so a reader
never shows one article twice.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from urllib.parse import quote
from xml.etree import ElementTree as ET

__all__ = ["ATOM_NS", "atom_feed"]

ATOM_NS = "http://www.w3.org/2005/Atom"
_TAGS = re.compile(r"</?mark>")
# Characters XML 1.0 cannot carry at all (an article's stray control bytes).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def _timestamp(date: str | None, fallback: str) -> str:
    """An RFC 3339 instant for an ISO date (midnight UTC), else ``fallback``."""
    try:
        return dt.date.fromisoformat((date or "")[:10]).isoformat() + "T00:00:00Z"
    except ValueError:
        return fallback


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        el.text = _clean(text)
    return el


def atom_feed(result, *, title: str, self_url: str, page_url: str,
              article_url: Callable[[str], str], original: Callable[[str | None], str | None]) -> bytes:
    """The Atom document for ``result``'s hits (``sort=newest``).

    ``article_url(id)`` is this site's page of an article, ``original(url)`` the
    original's URL when it may be linked (http/https), else None.
    """
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    stamps = [_timestamp(h.date, "") for h in result.hits]
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "title", title)
    _sub(feed, "id", "urn:vnsearch:feed:" + quote(self_url, safe=""))
    _sub(feed, "updated", max((s for s in stamps if s), default=now))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = _sub(feed, "author")
    _sub(author, "name", "vnsearch")
    _sub(feed, "generator", "vnsearch")
    for hit, stamp in zip(result.hits, stamps):
        entry = _sub(feed, "entry")
        _sub(entry, "title", hit.title or hit.id)
        _sub(entry, "id", "urn:vnsearch:article:" + quote(hit.id or "", safe=""))
        _sub(entry, "updated", stamp or now)
        if stamp:
            _sub(entry, "published", stamp)
        link = original(hit.url) or article_url(hit.id)
        _sub(entry, "link", rel="alternate", type="text/html", href=link)
        if hit.outlet:
            _sub(entry, "category", term=_clean(hit.outlet), label=_clean(hit.outlet))
        if hit.author:
            _sub(_sub(entry, "author"), "name", hit.author)
        _sub(entry, "summary", html.unescape(_TAGS.sub("", hit.snippet or "")), type="text")
    ET.register_namespace("", ATOM_NS)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
