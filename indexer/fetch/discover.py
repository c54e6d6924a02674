"""What a fetched URL is (feed, sitemap, robots.txt, page) and the links it lists.

Content types on news sites are unreliable (feeds served as ``text/html``, sitemaps
as ``application/octet-stream``, gzip sitemaps with no type at all), so the kind is
decided from the header *and* a look at the first bytes. Feeds are parsed with
feedparser, sitemaps with lxml (entities and network access off); titles and links
in the real VnExpress feeds carry surrounding newlines, so everything is stripped.

feedparser's lenient parser is slow on pathological input (a feed of 100,000 nested
tags costs it seconds), so :func:`check_feed_shape` looks at a feed first with a
cheap linear scan and refuses one nested deeper than :data:`MAX_FEED_DEPTH`, with
more than :data:`MAX_FEED_ELEMENTS` tags, or larger than the size cap.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

__all__ = ["FeedItem", "DiscoverError", "sniff_kind", "maybe_gunzip", "parse_feed", "parse_sitemap",
           "feed_links_in_html", "is_site_root", "check_feed_shape", "MAX_FEED_DEPTH", "MAX_FEED_ELEMENTS"]

# Real feeds are 4-6 levels deep (rss > channel > item > title), Atom with XHTML content
# a few more; 100 is far beyond any of them and far below what makes feedparser slow.
MAX_FEED_DEPTH = 100
# A 500-item feed has a few thousand tags; feedparser needs about 3 s per 100,000.
MAX_FEED_ELEMENTS = 100_000


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


# Where markup starts: a comment, CDATA, a declaration or processing instruction, or a tag.
_MARKUP = re.compile(rb"<(?:(!--)|(!\[CDATA\[)|[!?]|(/?)([A-Za-z_][^\s/<>]*+))")
# HTML elements that have no end tag: unescaped HTML in a sloppy feed does not nest with them.
_VOID = frozenset({b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta",
                   b"param", b"source", b"track", b"wbr"})


def _ascii_view(content: bytes) -> bytes:
    """The body re-encoded as UTF-8 when it is UTF-16/32 (so its tags can be seen), else as is."""
    head = content[:512]
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                       (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return content[len(bom):].decode(codec, "replace").encode("utf-8")
    if b"\x00" in head:
        odd, even = head[1::2].count(0), head[0::2].count(0)
        if odd > len(head) // 4 or even > len(head) // 4:
            return content.decode("utf-16-le" if odd >= even else "utf-16-be", "replace").encode("utf-8")
    return content


def check_feed_shape(content: bytes, *, max_bytes: int | None = None, max_depth: int = MAX_FEED_DEPTH,
                     max_elements: int = MAX_FEED_ELEMENTS) -> None:
    """Raise :class:`DiscoverError` for a feed too large, too deep or with too many tags.

    A linear scan of the tags, tolerant the way feedparser is: an end tag closes
    everything opened since its start tag, a stray end tag is ignored, comments and
    CDATA (where feeds keep their HTML) are skipped, HTML void elements do not nest.
    """
    if max_bytes is not None and len(content) > max_bytes:
        raise DiscoverError(f"feed larger than the size cap ({len(content)} bytes, limit {max_bytes})")
    data = _ascii_view(content)
    stack: list[bytes] = []
    elements = 0
    pos = 0
    no_end = set()  # terminators known to be absent from here on (keeps the scan linear)
    search = _MARKUP.search
    while (m := search(data, pos)) is not None:
        comment, cdata, close, name = m.groups()
        if comment or cdata or name is None:
            end = b"-->" if comment else b"]]>" if cdata else b">"
            j = -1 if end in no_end else data.find(end, m.end())
            if j < 0:
                no_end.add(end)
                pos = m.end()
                continue
            pos = j + len(end)
            continue
        if b">" in no_end:
            break
        j = data.find(b">", m.end())
        if j < 0:
            break
        pos = j + 1
        elements += 1
        if elements > max_elements:
            raise DiscoverError(f"feed has more than {max_elements} tags")
        name = name.lower()
        if close:
            if stack and stack[-1] == name:
                stack.pop()
            elif name in stack:
                del stack[len(stack) - 1 - stack[::-1].index(name):]
            continue
        if data[j - 1:j] == b"/" or name in _VOID:
            continue
        stack.append(name)
        if len(stack) > max_depth:
            raise DiscoverError(f"feed nested deeper than {max_depth} levels (refused before parsing)")


def parse_feed(content: bytes, base_url: str, *, max_bytes: int | None = None) -> list[FeedItem]:
    """Item links of an RSS/Atom feed, in feed order, duplicates removed.

    The feed's shape is checked first (:func:`check_feed_shape`); ``max_bytes`` is the
    size cap (``fetch.max_bytes``).
    """
    import feedparser  # imported lazily: only fetching needs it

    check_feed_shape(content, max_bytes=max_bytes)
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
        kind = str(link.get("type") or "").lower()
        if "alternate" in rel and kind in ("application/rss+xml", "application/atom+xml"):
            links.append(urljoin(base_url, str(link["href"]).strip()))
    return links


def is_site_root(url: str) -> bool:
    """A bare site URL (``http://host/``), where the articles must be discovered."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query

