"""Article extraction from one HTML page: charset, metadata, and the article text.

Pages come from saved files and from the fetcher, so nothing here does I/O beyond
reading the packaged site rules. The order of trust follows how reliable each source
of truth is in practice on Vietnamese news sites:

* **charset**: a BOM, then the HTTP ``Content-Type`` header, then ``<meta charset>``,
  then strict UTF-8, then charset-normalizer. A declared single-byte charset is
  overridden when the bytes are valid, non-ASCII UTF-8, because servers mislabel
  UTF-8 pages as ISO-8859-1 far more often than a legacy page happens to be UTF-8.
* **metadata**: JSON-LD (what the publisher feeds search engines), then the site
  rule's selectors (curated for that markup), then OpenGraph, then ``<meta>`` tags,
  then the page's ``<h1>``/``<title>``.
* **body**: the site rule's container (:file:`indexer/data/sites.json`) when the host
  matches, else ``<article>`` or the most text-dense block, with boilerplate (scripts,
  navigation, ads, share bars, "tin liên quan" boxes, captions) removed first.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import email.utils
import json
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, CData, NavigableString, Tag
from bs4 import XMLParsedAsHTMLWarning

from indexer.ingest.documents import Article
from indexer.text.normalize import clean_text, fold

__all__ = ["ExtractError", "extract_article", "decode_html", "SiteRule", "site_rules", "rule_for_host"]


class ExtractError(ValueError):
    """A page that holds no extractable article; ``str(e)`` says why."""


# --------------------------------------------------------------------------- charset

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
# Labels browsers map to another codec (WHATWG): latin-1 is really windows-1252.
_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
            "ascii": "cp1252", "x-user-defined": "cp1252", "unicode": "utf-16", "utf-16le": "utf-16-le",
            "utf-16be": "utf-16-be"}


def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when Python does not know it."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _is_single_byte(codec: str) -> bool:
    return not codec.startswith(("utf", "big5", "gb", "euc", "shift", "iso2022", "cp932", "cp949", "cp950"))


def _valid_utf8_non_ascii(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_html(content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode page bytes to text; returns ``(text, codec name)``. See the module doc."""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content[len(bom):].decode(codec, errors="replace"), codec
    declared: list[str] = []
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m:
            declared.append(m.group(1))
    meta = _META_CHARSET.search(content[:8192])
    if meta:
        declared.append(meta.group(1).decode("ascii", "replace"))
    for label in declared:
        found = _codec(label)
        if found is None:
            continue
        codec = found
        if codec.startswith("utf-16") or codec.startswith("utf-32"):
            # A UTF-16 page without BOM cannot carry an ASCII-readable <meta>; a header
            # saying UTF-16 over ASCII-compatible bytes is wrong.
            if b"\x00" not in content[:1024]:
                continue
        if _is_single_byte(codec) and _valid_utf8_non_ascii(content):
            return content.decode("utf-8"), "utf-8"
        try:
            return content.decode(codec), codec
        except UnicodeDecodeError:
            continue  # mislabelled: try the next declaration, then detection
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # slow to import; only for odd pages

    best = from_bytes(content).best()
    if best is None:
        raise ExtractError("cannot determine the page's character encoding (binary content?)")
    return str(best), best.encoding


# --------------------------------------------------------------------------- site rules

@dataclass(frozen=True, slots=True)
class SiteRule:
    """Selectors for one news site, loaded from ``indexer/data/sites.json``."""

    name: str
    hosts: tuple[str, ...]
    title: tuple[str, ...] = ()
    description: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    kicker: tuple[str, ...] = ()  # a label the site prints above the headline ("Lào Cai:"), part of it

    def matches(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        for pattern in self.hosts:
            if pattern.startswith("*."):
                base = pattern[2:]
                if host == base or host.endswith("." + base):
                    return True
            elif host == pattern:
                return True
        return False


@lru_cache(maxsize=1)
def site_rules() -> tuple[SiteRule, ...]:
    """The packaged site rules (read once)."""
    raw = json.loads(resources.files("indexer").joinpath("data/sites.json").read_text("utf-8"))
    rules = []
    for entry in raw["sites"]:
        rules.append(SiteRule(**{k: (tuple(v) if isinstance(v, list) else v)
                                 for k, v in entry.items() if not k.startswith("_")}))
    return tuple(rules)


def rule_for_host(host: str | None) -> SiteRule | None:
    """The rule whose host patterns match ``host``, if any."""
    if not host:
        return None
    for rule in site_rules():
        if rule.matches(host):
            return rule
    return None


# --------------------------------------------------------------------------- dates

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")


def parse_date(value: str | None) -> str | None:
    """``YYYY-MM-DD`` from ISO, Vietnamese ``d/m/yyyy`` or RFC 2822 text; None if invalid."""
    if not value:
        return None
    value = value.strip()
    candidates: list[tuple[int, int, int]] = []
    m = _ISO_DATE.search(value)
    if m:
        candidates.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
    m = _DMY_DATE.search(value)
    if m:
        candidates.append((int(m.group(3)), int(m.group(2)), int(m.group(1))))
    try:
        parsed = email.utils.parsedate_to_datetime(value)
        candidates.append((parsed.year, parsed.month, parsed.day))
    except (TypeError, ValueError, IndexError):
        pass
    for y, mo, d in candidates:
        try:
            return _dt.date(y, mo, d).isoformat()
        except ValueError:
            continue
    return None


# --------------------------------------------------------------------------- metadata

_ORG_TYPES = {"organization", "newsmediaorganization", "corporation", "website"}
_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle",
                  "blogposting", "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle"}


def _walk_jsonld(node: Any) -> Iterable[dict]:
    if isinstance(node, list):
        for item in node:
            yield from _walk_jsonld(item)
    elif isinstance(node, dict):
        yield node
        if "@graph" in node:
            yield from _walk_jsonld(node["@graph"])


def _types(node: dict) -> set[str]:
    t = node.get("@type")
    items = t if isinstance(t, list) else [t]
    return {str(x).lower() for x in items if x}


def _names(value: Any, *, people_only: bool = False) -> list[str]:
    """Names out of a schema.org Person/Organization value (str, dict, or list of them).

    ``people_only`` skips ``Organization``-typed values: as an article's author they name
    the site ("VnExpress"), not the writer the page's byline names.
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if people_only and _types(value) & _ORG_TYPES:
            return []
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for item in value for n in _names(item, people_only=people_only)]
    return []


def _first_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for v in value:
            s = _first_str(v)
            if s:
                return s
    if isinstance(value, dict):
        for key in ("@id", "url", "name"):
            if isinstance(value.get(key), str):
                return value[key]
    return None


def _jsonld(soup: BeautifulSoup) -> dict[str, Any]:
    for script in soup.find_all("script", type=re.compile(r"ld\+json", re.IGNORECASE)):
        try:
            data = json.loads(script.string or script.get_text() or "", strict=False)
        except (ValueError, TypeError):
            continue
        for node in _walk_jsonld(data):
            if not (_types(node) & _ARTICLE_TYPES):
                continue
            authors = _names(node.get("author"), people_only=True)
            return {
                "title": _first_str(node.get("headline")) or _first_str(node.get("name")),
                "description": _first_str(node.get("description")),
                "author": ", ".join(a.strip() for a in authors if a.strip()) or None,
                "published": _first_str(node.get("datePublished")) or _first_str(node.get("dateCreated")),
                "category": _first_str(node.get("articleSection")),
                "url": _first_str(node.get("url")) or _first_str(node.get("mainEntityOfPage")),
                "publisher": next(iter(_names(node.get("publisher"))), None),
            }
    return {}


def _meta(soup: BeautifulSoup, *keys: str) -> str | None:
    """Content of the first ``<meta>`` whose property/name/itemprop is one of ``keys``."""
    for key in keys:
        for attr in ("property", "name", "itemprop"):
            tag = soup.find("meta", attrs={attr: re.compile(rf"^{re.escape(key)}$", re.IGNORECASE)})
            if tag is not None and (tag.get("content") or "").strip():
                return tag["content"].strip()
    return None


def _select_text(root: Tag, selectors: Iterable[str]) -> str | None:
    for sel in selectors:
        try:
            el = root.select_one(sel)
        except ValueError:  # soupsieve rejects a selector: a bad rule must not kill a run
            continue
        if el is not None:
            text = inline_text(el)
            if text:
                return text
    return None


def _select_date(root: Tag, selectors: Iterable[str]) -> str | None:
    for sel in selectors:
        try:
            elements = root.select(sel)
        except ValueError:
            continue
        for el in elements:
            for attr in ("datetime", "content", "title", "data-time", "data-date"):
                d = parse_date(el.get(attr)) if isinstance(el.get(attr), str) else None
                if d:
                    return d
            d = parse_date(el.get_text(" ", strip=True))
            if d:
                return d
    return None


def _looks_like_url(value: str | None) -> bool:
    return bool(value) and bool(re.match(r"^(https?:)?//", value.strip()))


# --------------------------------------------------------------------------- boilerplate

_DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
              "figcaption", "button", "svg", "template", "object", "embed", "select", "input",
              "textarea", "canvas", "video", "audio", "map")
# Words in class/id values that mark non-article blocks (split on - and _).
_BOILER_WORDS = {"ad", "ads", "adv", "advert", "advertisement", "advertising", "banner", "quangcao",
                 "qc", "share", "sharing", "social", "socials", "related", "relate", "relates",
                 "lienquan", "tinlienquan", "comment", "comments", "sidebar", "popup", "sponsor",
                 "sponsored", "promo", "promotion", "newsletter", "subscribe", "breadcrumb",
                 "breadcrumbs", "outbrain", "taboola", "recommend", "recommended", "caption",
                 "tags", "tag", "print", "toolbar", "menu", "navbar", "cookie", "gdpr"}
_RELATED_HEADING = re.compile(
    r"^\s*(tin|bài)( viết)? (liên quan|cùng chuyên mục|khác)|^\s*(xem|đọc) thêm|^\s*có thể bạn quan tâm",
    re.IGNORECASE)
_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "dd", "dt")


# Phrasing elements: a browser runs their text on with the text around them, so
# "<span>T</span><span>rước</span>" reads "Trước" and "<a>Hormuz</a>." reads "Hormuz.".
_INLINE = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font",
                     "i", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strike",
                     "strong", "sub", "sup", "time", "u", "var", "wbr"})
# Blocks whose inline children are sentence text, never boilerplate for a class name.
_TEXT_BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dd", "dt",
                          "blockquote"})


def inline_text(el: Tag) -> str:
    """The text of ``el`` as a browser lays it out on one line.

    Pieces of inline elements are joined with nothing in between (BeautifulSoup's
    ``get_text(" ")`` would insert spaces: "T rước", "Hormuz ."); ``<br>`` and block
    elements start a new word. Whitespace runs become one space.
    """
    parts: list[str] = []
    for node in el.descendants:
        if isinstance(node, Tag):
            if node.name not in _INLINE:
                parts.append(" ")
        elif type(node) in (NavigableString, CData):
            parts.append(str(node))
    return " ".join("".join(parts).split())


def _inside_text_block(el: Tag, stop: Tag) -> bool:
    """True for an inline element that sits inside a paragraph, list item, heading or cell."""
    if el.name not in _INLINE:
        return False
    for parent in el.parents:
        if parent is stop or parent.name in ("body", "html"):
            return False
        if parent.name in _TEXT_BLOCKS:
            return True
    return False


def _boiler_words(el: Tag) -> set[str]:
    values: list[str] = []
    cls = el.get("class")
    if isinstance(cls, list):
        values.extend(cls)
    elif isinstance(cls, str):
        values.append(cls)
    if isinstance(el.get("id"), str):
        values.append(el["id"])
    words: set[str] = set()
    for v in values:
        v = v.lower()
        words.add(v.replace("-", "").replace("_", ""))
        words.update(w for w in re.split(r"[-_\s]+", v) if w)
    return words & _BOILER_WORDS


def _text_len(el: Tag) -> int:
    return len(el.get_text(" ", strip=True))


def _remove_boilerplate(root: Tag, keep: Tag | None = None) -> None:
    """Drop non-article elements under ``root`` (never ``keep`` or its ancestors)."""
    protected: set[int] = set()
    if keep is not None:
        protected = {id(keep)} | {id(a) for a in keep.parents}
    for el in root.find_all(_DROP_TAGS):
        if id(el) not in protected:
            el.decompose()
    # An <article> inside the container is usually a related-story card; the outer
    # <article> (or the protected container) is kept.
    total = max(_text_len(root), 1)
    for el in root.find_all(True):
        if el.decomposed or id(el) in protected or el.name in ("html", "body"):
            continue
        if el.get("hidden") is not None or re.search(r"display\s*:\s*none", el.get("style") or "", re.IGNORECASE):
            el.decompose()
            continue
        if _boiler_words(el) and _text_len(el) < 0.5 * total and not _inside_text_block(el, root):
            # A keyword link inside a sentence (<a class="cms-relate">) is text, not a box.
            el.decompose()
    for heading in root.find_all(["h2", "h3", "h4", "h5", "strong", "b", "div", "span", "p"]):
        if heading.decomposed:
            continue
        text = heading.get_text(" ", strip=True)
        if not text or len(text) > 40 or not _RELATED_HEADING.match(text):
            continue
        block = heading.parent
        if block is not None and id(block) not in protected and block.name not in ("html", "body") \
                and _text_len(block) < 0.3 * total:
            block.decompose()
        else:
            nxt = heading.find_next_sibling()
            if nxt is not None and nxt.name in ("ul", "ol", "div"):
                nxt.decompose()
            heading.decompose()


def _link_density(el: Tag) -> float:
    text = _text_len(el)
    if not text:
        return 0.0
    return sum(len(a.get_text(" ", strip=True)) for a in el.find_all("a")) / text


def _paragraphs(container: Tag) -> list[str]:
    """Block texts, one per paragraph, innermost blocks only (a <li> wrapping a <p> counts once)."""
    lines: list[str] = []
    blocks = [b for b in container.find_all(_BLOCKS) if b.find(_BLOCKS) is None]
    if not blocks:
        text = container.get_text("\n", strip=True)
        return [" ".join(line.split()) for line in text.split("\n") if line.strip()]
    for b in blocks:
        text = inline_text(b)
        if not text:
            continue
        if _link_density(b) > 0.6 and len(text) < 200:
            continue  # a bare link list item ("xem thêm" / related stories)
        lines.append(text)
    return lines


def _densest_block(body: Tag) -> Tag | None:
    """The element with the most paragraph text (readability-style: parents get the
    full score of their paragraphs, grandparents half)."""
    scores: dict[int, float] = {}
    elements: dict[int, Tag] = {}
    for p in body.find_all(["p", "pre", "blockquote", "br"]):
        if p.name == "br":
            parent = p.parent
            text_len = len((p.next_sibling or "") if isinstance(p.next_sibling, str) else "")
        else:
            parent = p.parent
            text_len = _text_len(p)
        if parent is None or text_len < 20:
            continue
        score = 1 + min(text_len / 100, 3) + text_len / 250 - 5 * (_link_density(p) if p.name != "br" else 0)
        scores[id(parent)] = scores.get(id(parent), 0) + score
        elements[id(parent)] = parent
        grand = parent.parent
        if grand is not None and grand.name not in ("html", "[document]"):
            scores[id(grand)] = scores.get(id(grand), 0) + score / 2
            elements[id(grand)] = grand
    if not scores:
        return None
    best = max(scores, key=lambda k: scores[k])
    return elements[best]


def _container(soup: BeautifulSoup, rule: SiteRule | None) -> tuple[Tag | None, bool]:
    """The article container and whether it came from a site rule."""
    if rule is not None:
        for sel in rule.body:
            try:
                el = soup.select_one(sel)
            except ValueError:
                continue
            if el is not None and _text_len(el):
                return el, True
    articles = [a for a in soup.find_all("article") if _text_len(a)]
    if articles:
        best = max(articles, key=_text_len)
        # An <article> that is only a teaser card is not the story: require real text.
        if _text_len(best) >= 200:
            return best, False
    body = soup.body or soup
    return _densest_block(body), False


# --------------------------------------------------------------------------- main entry

_TITLE_SUFFIX = re.compile(r"\s+[-|–—]\s+[^-|–—]{2,40}$")


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def _outlet(host: str | None) -> str | None:
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _parse(text: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        # An XHTML page starting with <?xml ...?> is still a web page for us.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(text, "lxml")


def _clean_line(value: str | None) -> str | None:
    if not value:
        return None
    value = clean_text(value).replace("\n", " ").strip()
    return value or None


def _decode(content: bytes | str, content_type: str | None) -> tuple[str, str]:
    """The page as text and the codec it was read with (the charset part of the doc)."""
    if content_type and re.match(r"\s*(image|audio|video|font)/|\s*application/(pdf|zip|octet-stream)",
                                 content_type, re.IGNORECASE):
        raise ExtractError(f"not a web page (content type {content_type.split(';')[0].strip()})")
    if isinstance(content, bytes):
        if not content.strip():
            raise ExtractError("empty page")
        text, encoding = decode_html(content, content_type)
    else:
        text, encoding = content, "str"
    if "<" not in text:
        raise ExtractError("not an HTML page (no markup)")
    return text, encoding


def _page_url(soup: BeautifulSoup, ld: dict[str, Any], url: str | None) -> str | None:
    """The article's own address: canonical link, og:url, JSON-LD url, else where it came from."""
    canonical_tag = soup.find(
        "link", rel=lambda v: v and "canonical" in [x.lower() for x in (v if isinstance(v, list) else [v])])
    canonical = canonical_tag.get("href", "").strip() if canonical_tag else ""
    page_url = canonical or _meta(soup, "og:url") or ld.get("url") or url
    if page_url and url:
        page_url = urljoin(url, page_url)
    if page_url and not urlsplit(page_url).scheme:
        page_url = url or page_url
    return page_url


def _rule_values(root: Tag, rule: SiteRule | None, misses: list[str]) -> dict[str, str | None]:
    """What the site rule's selectors give; a field whose selectors all miss goes to ``misses``."""
    values: dict[str, str | None] = {}
    if rule is None:
        return values
    for name in ("title", "description", "date", "author", "category"):
        selectors = getattr(rule, name)
        values[name] = (_select_date if name == "date" else _select_text)(root, selectors)
        if selectors and not _any_match(root, selectors):
            misses.append(name)
    values["title"] = _with_kicker(values.get("title"), _select_text(root, rule.kicker))
    return values


def _with_kicker(title: str | None, kicker: str | None) -> str | None:
    """The headline with the label printed above it ("Trung Quốc:" + "Rơi xuống vực…"), as
    the site's own headline reads; a title already starting with it is left alone."""
    if not title or not kicker or title.startswith(kicker.rstrip(":").strip()):
        return title
    kicker = kicker.strip()
    return f"{kicker} {title}" if kicker.endswith(":") else f"{kicker}: {title}"


def _any_match(root: Tag, selectors: Iterable[str]) -> bool:
    for sel in selectors:
        try:
            if root.select_one(sel) is not None:
                return True
        except ValueError:
            continue
    return False


def _title(soup: BeautifulSoup, ld: dict[str, Any], r_title: str | None) -> str | None:
    h1 = soup.find("h1")
    title_tag = inline_text(soup.title) if soup.title else None
    if title_tag:
        title_tag = _TITLE_SUFFIX.sub("", title_tag) or title_tag
    return ld.get("title") or r_title or _meta(soup, "og:title", "twitter:title") \
        or (inline_text(h1) if h1 else None) or title_tag


def _date(soup: BeautifulSoup, ld: dict[str, Any], r_date: str | None) -> str | None:
    """Publication date: JSON-LD, the site rule, date <meta>s, <time>, then visible text."""
    published = parse_date(ld.get("published")) or r_date or parse_date(
        _meta(soup, "article:published_time", "pubdate", "publishdate", "datePublished",
              "dc.date.issued", "dc.date", "date", "og:published_time", "article:published"))
    if not published:
        t = soup.find("time", attrs={"datetime": True})
        published = parse_date(t["datetime"]) if t else None
    return published or visible_date(soup.body or soup)


_DATE_CLASS = re.compile(r"(?:^|[-_])(?:date|time|datetime|pubdate|publish\w*|posted|ngay\w*)(?:$|[-_])", re.IGNORECASE)
# A date with a clock time is a publication stamp ("07/03/2026 08:47", "14:20 9/8/2005");
# a date alone inside the text ("ngày 17/5/2006") is not.
_STAMP = re.compile(r"(?<!\d)\d{1,2}[/.-]\d{1,2}[/.-]\d{4}[\s,|-]*(?:lúc\s*)?\d{1,2}[:h]\d{2}(?!\d)"
                    r"|(?<!\d)\d{1,2}[:h]\d{2}(?:\s*(?:AM|PM|GMT[+\d]*))?[\s,|-]*(?:ngày\s*)?\d{1,2}[/.-]\d{1,2}[/.-]\d{4}(?!\d)",
                    re.IGNORECASE)


def visible_date(root: Tag) -> str | None:
    """A date read from the page's visible text, for pages with no date in their markup.

    First an element whose class or id names a date/time holding a date; then the
    first date written with a clock time anywhere in the text (the stamp sites print
    next to the byline).
    """
    for el in root.find_all(True):
        if el.name in ("script", "style"):
            continue
        cls: Any = el.get("class") or []
        names: list[str] = [str(c) for c in cls] if isinstance(cls, list) else [str(cls)]
        if el.get("id"):
            names.append(str(el.get("id")))
        if any(_DATE_CLASS.search(n) for n in names):
            d = parse_date(inline_text(el)[:80])
            if d:
                return d
    for node in root.find_all(string=_STAMP):
        if isinstance(node.parent, Tag) and node.parent.name in ("script", "style"):
            continue
        m = _STAMP.search(str(node))
        d = parse_date(m.group(0)) if m else None
        if d:
            return d
    return None


_BYLINE_CLASS = re.compile(r"author|byline|tac-?gia|writer|reporter", re.IGNORECASE)
_BYLINE_PREFIX = re.compile(r"^(?:bài(?: và ảnh)?|tác giả|by|theo|ảnh|thực hiện)\s*[:-]?\s*", re.IGNORECASE)


def _name_like(text: str) -> bool:
    """A person's name or a short list of them: 1-8 words, each starting with a capital."""
    words = re.split(r"[\s,-]+", text.strip(" .,"))
    words = [w for w in words if w]
    return 1 <= len(words) <= 8 and all(w[:1].isupper() or w in ("và", "&") for w in words) \
        and not any(ch.isdigit() for ch in text)


def find_byline(root: Tag) -> str | None:
    """The writer's name from the page: an element classed author/byline, or the
    right-aligned signature paragraph closing the story (vnexpress' style)."""
    for el in [*root.find_all(class_=_BYLINE_CLASS), *root.find_all(id=_BYLINE_CLASS)]:
        for cand in [*el.find_all(class_=re.compile("name", re.IGNORECASE)), el]:
            text = _BYLINE_PREFIX.sub("", inline_text(cand))
            if 2 <= len(text) <= 60 and _name_like(text):
                return text
    for p in reversed(root.find_all("p")):
        style = f"{p.get('style') or ''} {p.get('align') or ''}"
        if "right" in style:
            text = _BYLINE_PREFIX.sub("", inline_text(p))
            if 2 <= len(text) <= 60 and _name_like(text):
                return text
    return None


def _is_site_name(name: str, *sites: str | None) -> bool:
    """True when ``name`` is the site itself ("VnExpress", "Báo Dân trí", "dantri.com.vn")."""
    key = re.sub(r"[^a-z0-9]", "", fold(name).lower())
    if not key:
        return True
    for site in sites:
        if not site:
            continue
        site_key = re.sub(r"[^a-z0-9]", "", fold(site.split(".")[0] if "." in site and " " not in site else site))
        host_key = re.sub(r"[^a-z0-9]", "", fold(site.removeprefix("www.").split(".")[0])) if "." in site else ""
        for k in (site_key, host_key):
            if k and (key == k or key in ("bao" + k, "baodientu" + k, k + "online")):
                return True
    return bool(re.match(r"^(?:ban biên tập|tòa soạn|toà soạn|admin|editor)$", name.strip(), re.IGNORECASE))


def _author(soup: BeautifulSoup, ld: dict[str, Any], r_author: str | None, *sites: str | None) -> str | None:
    """The writer: JSON-LD person, the site rule, the byline on the page, then <meta>s;
    an organisation or the site's own name is never taken for the writer."""
    og_author = _meta(soup, "article:author")
    candidates = (ld.get("author"), r_author, lambda: find_byline(soup.body or soup),
                  None if _looks_like_url(og_author) else og_author,
                  lambda: _meta(soup, "author", "dc.creator"))
    for cand in candidates:
        value = cand() if callable(cand) else cand
        value = _clean_line(value)
        if value and not _is_site_name(value, *sites):
            return value
    return None


def _metadata(soup: BeautifulSoup, url: str | None) -> dict[str, Any]:
    """Every metadata field, in the order of trust the module doc gives."""
    ld = _jsonld(soup)
    page_url = _page_url(soup, ld, url)
    rule = rule_for_host(_host(url)) or rule_for_host(_host(page_url))
    misses: list[str] = []
    r = _rule_values(soup.body or soup, rule, misses)
    site_name = _meta(soup, "og:site_name") or ld.get("publisher")
    return {
        "ld": ld, "rule": rule, "misses": misses, "page_url": page_url, "site_name": site_name,
        "title": _title(soup, ld, r.get("title")),
        "description": ld.get("description") or r.get("description")
        or _meta(soup, "og:description", "description", "twitter:description"),
        "author": _author(soup, ld, r.get("author"), site_name, ld.get("publisher"), _host(page_url),
                          _host(url), rule.name if rule else None),
        "published": _date(soup, ld, r.get("date")),
        "category": ld.get("category") or r.get("category") or _meta(soup, "article:section"),
    }


def _linked_headlines(root: Tag) -> int:
    """How many headings are links (teasers of other stories)."""
    return sum(1 for h in root.find_all(["h2", "h3", "h4"]) if h.find("a", href=True) or h.find_parent("a"))


def _listing_reason(soup: BeautifulSoup, meta: dict[str, Any], container: Tag) -> str | None:
    """Why this page is a section or listing page rather than an article, or None.

    Evidence: no article JSON-LD, and either an ``og:type`` other than article with
    five or more linked headlines on the page, or four or more linked headlines left
    in the chosen text block after boilerplate removal (a teaser list), or a chosen
    block that is one of four or more teaser cards (``<article>`` with a linked heading).
    """
    if meta["ld"]:
        return None
    og_type = (_meta(soup, "og:type") or "").lower()
    if og_type == "article":
        return None
    in_block = _linked_headlines(container)
    on_page = _linked_headlines(soup.body or soup)
    cards = 0
    if container.name == "article" and _linked_headlines(container):
        cards = sum(1 for a in (soup.body or soup).find_all("article") if _linked_headlines(a))
    if (og_type and on_page >= 5) or in_block >= 4 or cards >= 4:
        return (f"a section or listing page, not an article (og:type {og_type or 'missing'}, "
                f"{on_page} linked headlines)")
    return None


def _body(soup: BeautifulSoup, meta: dict[str, Any]) -> str:
    """The article text, one paragraph a line; raises ExtractError for none or a listing."""
    rule = meta["rule"]
    container, from_rule = _container(soup, rule)
    if rule is not None and rule.body and not from_rule:
        meta["misses"].append("body")
    if container is None:
        raise ExtractError("no article text found (no paragraph-like block on the page)")
    if from_rule and rule is not None:
        for sel in rule.remove:
            try:
                for el in container.select(sel):
                    el.decompose()
            except ValueError:
                continue
    _remove_boilerplate(container, keep=container)
    reason = _listing_reason(soup, meta, container)
    if reason:
        raise ExtractError(reason)
    body = clean_text("\n".join(_paragraphs(container)))
    if not body:
        raise ExtractError("no article text found (the article block is empty)")
    return body


def _with_lead(body: str, description: str | None, title: str) -> str:
    """The body with the lead (sapo) first: it sits outside the container on most sites."""
    if description and description != title:
        first = body.split("\n", 1)[0]
        if description not in body[: len(description) + 200] and first not in description:
            return description + "\n" + body
    return body


def extract_article(content: bytes | str, *, url: str | None = None,
                    content_type: str | None = None) -> Article:
    """Extract one article from a page; raises :class:`ExtractError` if there is none.

    ``url`` is where the page came from (used for relative links and to pick the site
    rule); ``content_type`` is the HTTP header value, if any (used for the charset).
    The returned article's ``source`` is ``url``; callers reading files set their own.
    ``extra["rule_misses"]`` lists the site rule's fields whose selectors matched
    nothing on this page (a sign the site changed its markup).
    """
    text, encoding = _decode(content, content_type)
    soup = _parse(text)
    meta = _metadata(soup, url)
    body = _body(soup, meta)
    description = _clean_line(meta["description"])
    title = _clean_line(meta["title"]) or _clean_line(body.split("\n", 1)[0][:200])
    assert title is not None
    body = _with_lead(body, description, title)
    rule, site_name, page_url = meta["rule"], meta["site_name"], meta["page_url"]
    extra: dict[str, Any] = {"encoding": encoding}
    if site_name:
        extra["site_name"] = _clean_line(site_name)
    if rule:
        extra["site_rule"] = rule.name
        if meta["misses"]:
            extra["rule_misses"] = list(meta["misses"])
    return Article(
        title=title,
        body=body,
        url=page_url or None,
        author=meta["author"],
        outlet=rule.name if rule else (_outlet(_host(page_url)) or _clean_line(site_name)),
        category=_clean_line(meta["category"]),
        published=meta["published"],
        description=description,
        source=url,
        extra=extra,
    )
