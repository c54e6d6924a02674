"""What a fetched URL is (feed, sitemap, robots.txt, page) and the links it lists.

Content types on news sites are unreliable (feeds served as ``text/html``, sitemaps
as ``application/octet-stream``, gzip sitemaps with no type at all), so the kind is
decided from the header *and* a look at the first bytes. Feeds are parsed with
feedparser, sitemaps with lxml (entities and network access off); titles and links
in the real VnExpress feeds carry surrounding newlines, so everything is stripped.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

__all__ = ["FeedItem", "DiscoverError", "sniff_kind", "maybe_gunzip", "parse_feed", "parse_sitemap",
           "feed_links_in_html", "is_site_root"]


class DiscoverError(ValueError):
    """A feed or sitemap that cannot be read; ``str(e)`` says why."""


@dataclass(slots=True)
class FeedItem:
    """One link from a feed or sitemap, with what the listing said about it."""

    url: str
    title: str | None = None
    published: str | None = None
    description: str | None = None


_XML_PREFIX = re.compile(rb"^(\s|<\?xml[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>|<\?xml-stylesheet[^>]*\?>)*",
                         re.S | re.I)


def maybe_gunzip(content: bytes, limit: int) -> bytes:
    """Decompress gzip bodies (``.xml.gz`` sitemaps), refusing output over ``limit``."""
    if not content.startswith(b"\x1f\x8b"):
        return content
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(content, limit + 1)
    except zlib.error as exc:
        raise DiscoverError(f"corrupt gzip data: {exc}") from None
    if len(out) > limit:
        raise DiscoverError(f"decompressed size exceeds {limit} bytes")
    return out


def sniff_kind(url: str, content_type: str, content: bytes) -> str:
    """``"feed"``, ``"sitemap"``, ``"robots"`` or ``"html"`` (anything else is a page)."""
    if urlsplit(url).path.lower() == "/robots.txt" and not content.lstrip().startswith(b"<"):
        return "robots"
    head = content[:4096]
    if head.startswith((b"\xef\xbb\xbf",)):
        head = head[3:]
    head = _XML_PREFIX.sub(b"", head, count=1).lstrip()[:512].lower()
    if head.startswith((b"<rss", b"<feed", b"<rdf:rdf", b"<rdf")):
        return "feed"
    if head.startswith((b"<urlset", b"<sitemapindex")):
        return "sitemap"
    ctype = content_type.split(";")[0].strip().lower()
    if ctype in ("application/rss+xml", "application/atom+xml", "application/rdf+xml"):
        return "feed"
    return "html"


def _strip(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def parse_feed(content: bytes, base_url: str) -> list[FeedItem]:
    """Item links of an RSS/Atom feed, in feed order, duplicates removed."""
    import feedparser  # imported lazily: only fetching needs it

    parsed = feedparser.parse(io.BytesIO(content), response_headers={"content-location": base_url})
    if not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise DiscoverError(f"feed has no items{f' ({problem})' if problem else ''}")
    items: list[FeedItem] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        link = _strip(entry.get("link")) or _strip(entry.get("id"))
        if not link:
            continue
        link = urljoin(base_url, link)
        if urlsplit(link).scheme not in ("http", "https") or link in seen:
            continue
        seen.add(link)
        published = None
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        if stamp:
            published = f"{stamp.tm_year:04d}-{stamp.tm_mon:02d}-{stamp.tm_mday:02d}"
        items.append(FeedItem(link, _strip(entry.get("title")), published, None))
    return items


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def parse_sitemap(content: bytes, base_url: str) -> tuple[str, list[FeedItem]]:
    """``("urlset" | "sitemapindex", entries)`` of a sitemap document."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise DiscoverError(f"not a readable sitemap: {exc}") from None
    if root is None or _local(root.tag) not in ("urlset", "sitemapindex"):
        raise DiscoverError("not a sitemap (no <urlset> or <sitemapindex>)")
    kind = _local(root.tag)
    entries: list[FeedItem] = []
    seen: set[str] = set()
    for child in root:
        if _local(child.tag) not in ("url", "sitemap"):
            continue
        loc = lastmod = title = None
        for el in child.iter():
            name = _local(el.tag)
            if name == "loc" and loc is None:
                loc = _strip(el.text)
            elif name in ("lastmod", "publication_date") and lastmod is None:
                lastmod = _strip(el.text)
            elif name == "title" and title is None:  # Google News sitemaps
                title = _strip(el.text)
        if not loc:
            continue
        loc = urljoin(base_url, loc)
        if loc in seen or urlsplit(loc).scheme not in ("http", "https"):
            continue
        seen.add(loc)
        entries.append(FeedItem(loc, title, lastmod[:10] if lastmod else None))
    return kind, entries


def feed_links_in_html(content: bytes, base_url: str) -> list[str]:
    """``<link rel="alternate" type="application/rss+xml">`` targets of a home page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(content, "lxml")
    links = []
    for link in soup.find_all("link", href=True):
        rel = [r.lower() for r in (link.get("rel") or [])]
        if "alternate" in rel and (link.get("type") or "").lower() in ("application/rss+xml", "application/atom+xml"):
            links.append(urljoin(base_url, link["href"].strip()))
    return links


def is_site_root(url: str) -> bool:
    """A bare site URL (``http://host/``), where the articles must be discovered."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query

