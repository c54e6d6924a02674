"""Plain-text articles, in the shapes people actually save them.

The client's example (``corpus/congluan/...txt``) is the model: no title line,
paragraphs one a line, a credit line ``Ngọc Ánh (theo Japan Times, Reuters)`` and a last
line ``Nguồn: <url>``. Credit and source lines are metadata, not article text: they
are taken out of the body (otherwise every article would match a search for "Nguồn").
A simple header form (``Title:``, ``URL:``, ``Date:``, ``Category:``, ``Author:``) is
accepted too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from indexer.ingest.documents import Article, ReadFailure
from indexer.ingest.headline import display_title, restore_slug
from indexer.ingest.readers.categories import display_category
from indexer.ingest.readers.decode import DecodeError, decode_bytes
from indexer.ingest.readers.meta import outlet_from_url, parse_date
from indexer.ingest.readers.titles import looks_like_headline, url_slug
from indexer.text.normalize import clean_text

__all__ = ["parse_txt", "read_txt_file"]

_HEADER_KEYS = {
    "title": "title", "tiêu đề": "title", "headline": "title",
    "url": "url", "link": "url", "source": "url", "nguồn": "url",
    "date": "date", "published": "date", "ngày": "date",
    "category": "category", "chuyên mục": "category", "topic": "category",
    "author": "author", "tác giả": "author",
}
_HEADER = re.compile(r"^([^\W\d_][^\W\d_ ]*(?: [^\W\d_]+)?)\s*:\s*(.*)$")
_SOURCE_LINE = re.compile(r"^(?:Nguồn|Source|URL|Link)\s*:\s*(https?://\S+)\s*$", re.IGNORECASE)
# "Ngọc Ánh (theo Japan Times, Reuters)", "Minh Hòa (tổng hợp)", "Theo Reuters"
_NAME = r"[^\W\d_][^\W\d_.]*\.?(?: [^\W\d_][^\W\d_.]*\.?){0,4}"
_CREDIT_PAREN = re.compile(rf"^(?P<author>{_NAME})\s*\((?P<credit>(?:theo|tổng hợp|nguồn)\b[^)]*)\)\.?$", re.IGNORECASE)
_CREDIT_THEO = re.compile(r"^(?P<credit>Theo [^.]{2,60})$")
_CREDIT_NAME = re.compile(rf"^(?P<author>{_NAME})$")


def _is_name(text: str) -> bool:
    words = text.replace(".", " ").split()
    return 1 <= len(words) <= 5 and all(w[:1].isupper() for w in words)


def _split_credit(line: str) -> tuple[str | None, str | None] | None:
    """``(author, credit)`` when ``line`` is a byline/credit line, else None."""
    m = _CREDIT_PAREN.match(line)
    if m and _is_name(m["author"]):
        credit = re.sub(r"^theo\s+", "", m["credit"], flags=re.IGNORECASE).strip()
        return m["author"].strip(), credit
    m = _CREDIT_THEO.match(line)
    if m:
        return None, m["credit"][5:].strip()
    m = _CREDIT_NAME.match(line)
    if m and _is_name(line) and len(line) <= 40:
        return line.strip(), None
    return None


def parse_txt(text: str, source: str) -> Article | ReadFailure:
    """Turn decoded file text into an Article (see the module doc for the shapes)."""
    lines = clean_text(text).split("\n")
    lines = [line for line in lines if line]
    if not lines:
        return ReadFailure(source, "empty file (no text)")
    meta: dict[str, str] = {}
    # Header block: leading "Key: value" lines with known keys.
    while lines:
        m = _HEADER.match(lines[0])
        key = _HEADER_KEYS.get(m[1].lower()) if m else None
        if not m or key is None or key in meta:
            break
        if key == "url" and not m[2].startswith(("http://", "https://")):
            break
        meta[key] = m[2].strip()
        lines.pop(0)
    extra: dict[str, object] = {}
    # Trailer: "Nguồn: <url>" then a credit line, from the end.
    if lines:
        m = _SOURCE_LINE.match(lines[-1])
        if m:
            meta.setdefault("url", m[1])
            lines.pop()
    if len(lines) > 1:
        credit = _split_credit(lines[-1])
        if credit is not None:
            author, agencies = credit
            if author:
                meta.setdefault("author", author)
            if agencies:
                extra["credit"] = agencies
            lines.pop()
    if not lines and not meta.get("title"):
        return ReadFailure(source, "no article text (only metadata lines)")
    url = meta.get("url") or None
    title = meta.get("title", "")
    if not title:
        # A first line the user wrote as a headline wins over anything rebuilt.
        if len(lines) > 1 and looks_like_headline(lines[0]):
            title = lines.pop(0)
            extra["title_kind"] = "headline"
        elif url_slug(url):
            title = restore_slug(url_slug(url), "\n".join(lines)).headline
            extra["title_kind"] = "slug"
        else:
            title = display_title(lines[0])
            extra["title_kind"] = "first-line"
    body = "\n".join(lines)
    return Article(
        title=title,
        body=body,
        url=url,
        author=meta.get("author") or None,
        outlet=outlet_from_url(url),
        category=display_category(meta.get("category")),
        published=parse_date(meta.get("date")),
        source=source,
        extra=extra,
    )


def read_txt_file(path: Path) -> Iterator[Article | ReadFailure]:
    """Read one ``.txt`` article; a file that is not text yields one ReadFailure."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        yield ReadFailure(source, f"cannot read file: {exc.strerror or exc}")
        return
    if not data.strip():
        yield ReadFailure(source, "empty file")
        return
    try:
        text = decode_bytes(data)
    except DecodeError as exc:
        yield ReadFailure(source, str(exc))
        return
    yield parse_txt(text, source)
