"""Headlines: finding a real one when the source gives none, or gives too much.

Three situations in real data:

* VNTC files from nld.com.vn / thanhnien.vn put headline and lead on one line
  ("Đảm bảo các nguồn hàng phục vụ Tết (NLĐ)- Bộ trưởng Bộ Thương mại ..."). When an
  outlet marker separates them we split there; otherwise, and for any "title" longer
  than a headline can be, we take the first sentence cut at a word boundary. The full
  text always goes to the body, so nothing is lost to search.
* Saved articles (the client's seed) have no title line but end with the source URL,
  whose slug is the headline without diacritics. :func:`headline_from_slug` restores
  the diacritics from the article's own words.
* Titles that are fine are left alone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import unquote, urlsplit

from indexer.text.normalize import fold

__all__ = [
    "MAX_TITLE_CHARS",
    "SHORT_TITLE_CHARS",
    "split_run_together",
    "shorten_title",
    "looks_like_headline",
    "url_slug",
    "headline_from_slug",
    "confident_headline_from_slug",
    "title_matches_slug",
]

# Longer than this is not a headline (VNTC/VnExpress headlines: median ~40 chars).
MAX_TITLE_CHARS = 200
# Length a made-up headline (first sentence) is cut to.
SHORT_TITLE_CHARS = 120

# Outlet markers that end a headline and start the lead in VNTC run-together titles:
# "(NLĐ)-", "(NLĐ) – ", "(NLĐ)" alone; "(TN) -" / "TTO -" only with a dash, because
# "(TN)" and "(TT)" also abbreviate words ("trắc nghiệm (TN)", "tổng thống (TT)").
_SEPARATOR = re.compile(
    r"\s*\(\s*NL[ĐD]\s*\)\s*[-–—:]?\s*"
    r"|\s*\(\s*(?:TN|TTO|VnExpress)\s*\)\s*[-–—]\s*"
    r"|\s+TTO\s*[-–—]\s+"
)
# A photo caption glued between headline and marker ("... Ảnh: TTXVN (NLĐ)- ...").
_CAPTION = re.compile(r"\sẢnh\s*:")
_END_MARK = re.compile(r"[.!?…]+")
_TRAILING_PUNCT = " \t,;:-–—(“\"'"


def _first_sentence_end(text: str, start: int) -> int | None:
    """Index just after the first sentence end at or after ``start``, or None.

    A mark ends a sentence before a space and a capital or digit ("Tết. Bộ"), or glued
    to a capitalised word, a common VNTC typo ("HIV/AIDS.Dự án"), but not inside
    "TP.HCM" (capital after capital) nor at "nhất... ớt" (lower case goes on).
    """
    for m in _END_MARK.finditer(text, start):
        rest = text[m.end():]
        if not rest:
            return m.end()
        nxt = rest.lstrip(" \"“'(")
        if not nxt:
            return m.end()
        if rest[0] == " " and (nxt[0].isupper() or nxt[0].isdigit()):
            return m.end()
        if rest[0] != " " and nxt[0].isupper() and len(nxt) > 1 and nxt[1].islower():
            return m.end()
    return None


def shorten_title(text: str, limit: int = SHORT_TITLE_CHARS) -> str:
    """First sentence of ``text`` if short enough, else its start cut at a word boundary.

    A cut title ends with "…" so a reader can tell it was cut.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    end = _first_sentence_end(text, 20)
    if end is not None and end <= limit:
        return text[:end]
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    else:
        cut = cut[:limit]
    return cut.rstrip(_TRAILING_PUNCT) + "…"


def split_run_together(title: str) -> tuple[str, str]:
    """Split a title line into ``(headline, lead)``; ``lead`` is "" when nothing moved.

    * an outlet marker with a plausible headline before it (10..120 chars, no photo
      caption): headline before, lead after the marker;
    * otherwise, a line longer than :data:`MAX_TITLE_CHARS`: the headline is
      :func:`shorten_title` of it and the lead is the whole line (the caller puts the
      lead at the top of the body, so the body holds every word of the source);
    * otherwise the title is kept as it is.
    """
    title = title.strip()
    m = _SEPARATOR.search(title)
    if m and 10 <= m.start() <= 120 and m.end() < len(title):
        head = title[: m.start()].strip()
        if not _CAPTION.search(head):
            return head, title[m.end():].strip()
    if len(title) > MAX_TITLE_CHARS:
        return shorten_title(title), title
    return title, ""


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
_MAX_RUN = 12


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \"“'‘(")
    return not before or before[-1] in ".!?:\n…"


def _restore(slug: list[str], text: str) -> tuple[list[str], int, int]:
    """Spelled runs for ``slug``, words inside multi-word runs, doubtful runs (missing/ambiguous)."""
    tokens = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    folded = [fold(text[s:e]) for s, e in tokens]
    where: dict[str, list[int]] = defaultdict(list)
    for i, w in enumerate(folded):
        where[w].append(i)

    def spaced(i: int, n: int) -> bool:
        return all(text[tokens[k][1]:tokens[k + 1][0]] == " " for k in range(i, i + n - 1))

    out: list[str] = []
    in_runs = missing = ambiguous = 0
    i = 0
    while i < len(slug):
        for n in range(min(_MAX_RUN, len(slug) - i), 0, -1):
            want = slug[i:i + n]
            spelling: dict[str, float] = defaultdict(float)  # lower-cased: which tones
            casing: dict[str, float] = defaultdict(float)  # exact form: which capitals
            first_seen: dict[str, int] = {}
            for p in where.get(want[0], ()):
                if folded[p:p + n] != want or not spaced(p, n):
                    continue
                s, e = tokens[p][0], tokens[p + n - 1][1]
                form = text[s:e]
                weight = 1.0
                if n == 1:  # one syllable is ambiguous (năng/nặng): neighbours decide
                    if i > 0 and p > 0 and folded[p - 1] == slug[i - 1]:
                        weight += 2
                    if i + 1 < len(slug) and p + 1 < len(folded) and folded[p + 1] == slug[i + 1]:
                        weight += 2
                spelling[form.lower()] += weight
                casing[form] += 0.25 if form[:1].isupper() and _sentence_initial(text, s) else 1.0
                first_seen.setdefault(form, p)
            if spelling:
                ranked = sorted(spelling.values(), reverse=True)
                if len(ranked) > 1 and ranked[1] >= 0.5 * ranked[0]:
                    ambiguous += 1
                best = max(spelling, key=lambda f: (spelling[f], -min(first_seen[g] for g in casing if g.lower() == f)))
                forms = [f for f in casing if f.lower() == best]
                out.append(max(forms, key=lambda f: (casing[f], -first_seen[f])))
                in_runs += n if n > 1 else 0
                i += n
                break
        else:
            out.append(slug[i])
            missing += 1
            i += 1
    return out, in_runs, missing + ambiguous


def _capitalise(words: list[str]) -> str:
    headline = " ".join(words)
    return headline[:1].upper() + headline[1:]


def headline_from_slug(slug: list[str], text: str) -> str:
    """Restore the diacritics of a folded ``slug`` from words of ``text``.

    Greedy from the left, the longest run of slug words that appears in ``text`` as a
    run of syllables separated by single spaces is replaced by its original spelling.
    When a run occurs in several spellings ("Bộ" / "bộ"), the most frequent wins, a
    capital at a sentence start counting little (it is position, not spelling), and a
    lone syllable prefers spellings that sit next to its slug neighbours in the text.
    Slug words found nowhere stay as they are. The first letter is capitalised.
    """
    return _capitalise(_restore(slug, text)[0])


def confident_headline_from_slug(slug: list[str], text: str) -> str | None:
    """Like :func:`headline_from_slug`, but None unless the restoration is reliable.

    Reliable: every slug word found, no run with two competing spellings, and at least
    70% of the words inside multi-syllable runs (lone syllables are the ones that get the wrong tone: "nang" is năng/nặng/nắng).
    Used for collections, where a wrong headline is worse than a shortened lead.
    """
    words, in_runs, doubtful = _restore(slug, text)
    if doubtful or in_runs < 0.7 * len(slug):
        return None
    return _capitalise(words)


def title_matches_slug(title: str, slug: list[str]) -> bool:
    """True when ``title`` is (about) the headline the slug spells."""
    words = _WORD.findall(fold(title))
    if not words or not slug:
        return False
    head = set(words[: len(slug) + 3])
    found = sum(1 for w in slug if w in head)
    return found >= 0.7 * len(slug) and len(words) <= 2 * len(slug) + 4
