"""URL slugs and headline checks shared by the readers.

The work of repairing titles (run-together VNTC lines, leads kept as titles, headlines
rebuilt from URL slugs) is :mod:`indexer.ingest.headline`; this module only reads the
slug words out of a URL and says whether a line is, or matches, a headline.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from indexer.text.normalize import fold

__all__ = ["MAX_TITLE_CHARS", "looks_like_headline", "title_matches_slug", "url_slug"]

# Longer than this is not a headline (VNTC/VnExpress headlines: median ~40 chars).
MAX_TITLE_CHARS = 200


def looks_like_headline(line: str) -> bool:
    """A first line that reads as a headline: short and not ending like a sentence."""
    line = line.strip()
    return 0 < len(line) < MAX_TITLE_CHARS and not line.endswith((".", ",", ";", ":", "…"))


_SLUG_ID = re.compile(r"(?:[-_](?:post|p|a|ar|d|n|news|c)?\d{3,}|[-_]\d+)$", re.IGNORECASE)
_SLUG_EXT = re.compile(r"\.(?:s?html?|aspx?|php|jsp|cms|amp)$", re.IGNORECASE)


def url_slug(url: str | None) -> list[str]:
    """Words of a URL's headline slug, or [] when the URL has no readable slug.

    ``https://www.congluan.vn/my-ra-tuyen-bo-...-nhat-ban-post305266.html`` gives
    ``["my", "ra", "tuyen", "bo", ..., "nhat", "ban"]``: extension and numeric id
    suffix removed. Fewer than three words is not a headline.
    """
    if not url:
        return []
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return []
    segments = [s for s in unquote(path).split("/") if s]
    if not segments:
        return []
    last = _SLUG_EXT.sub("", segments[-1])
    last = _SLUG_ID.sub("", last)
    words = [w for w in re.split(r"[-_+]+", fold(last)) if w]
    if len(words) < 3 or not all(w.isalnum() and w.isascii() for w in words):
        return []
    return words


_WORD = re.compile(r"[^\W_]+")


def title_matches_slug(title: str, slug: list[str]) -> bool:
    """True when ``title`` is (about) the headline the slug spells."""
    words = _WORD.findall(fold(title))
    if not words or not slug:
        return False
    head = set(words[: len(slug) + 3])
    found = sum(1 for w in slug if w in head)
    return found >= 0.7 * len(slug) and len(words) <= 2 * len(slug) + 4
