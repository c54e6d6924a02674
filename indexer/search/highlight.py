"""Snippets and highlighted text from the stored normalised text, without pyvi.

Matching is by folded syllable (so "bo truong" marks "Bộ trưởng"), found with the
analysis module's syllable regular expression; the output is HTML in which everything
is escaped except vnsearch's own ``<mark>`` tags.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from indexer.text.analysis import syllables
from indexer.text.normalize import IY_SYLLABLE, fold, folded_letters, has_combining_marks, spell_iy

__all__ = ["snippet", "highlight_all", "find_matches"]

ELLIPSIS = "…"


def find_matches(text: str, folds: set[str], exacts: set[str] | None = None,
                 prefixes: tuple[str, ...] = ()) -> list[tuple[int, int, str, float]]:
    """(start, end, fold, weight) of each syllable of ``text`` matching the query.

    Exact-diacritic matches weigh 2, folded-only matches 1. The text is lower-cased
    (cheap) but not folded (dear): one regular expression built from the query finds
    the syllables, each letter of a folded syllable being the class of the letters
    that fold to it ("a" matches "ả" and "ầ"). Where lower-casing or folding would
    change the text's length (decomposed text, "İ"), syllables are compared one by one.
    """
    if not text or not (folds or prefixes):
        return []
    low = text.lower()
    if len(low) != len(text) or has_combining_marks(text):
        return _find_matches_slow(text, folds, exacts, prefixes)
    out = []
    for m in _matcher(frozenset(folds), tuple(prefixes)).finditer(low):
        start, end = m.span()
        found = m.group()
        weight = 2.0 if exacts and spell_iy(found) in exacts else 1.0
        out.append((start, end, fold(spell_iy(found)), weight))
    return out


def _letter_classes() -> dict[str, str]:
    """Folded letter -> the class of the (lower-cased) letters that fold to it.

    Every letter :func:`fold` changes becomes exactly one ASCII letter (the base of its
    canonical decomposition), which is what lets a class stand for it in a pattern.
    """
    groups: dict[str, set[str]] = {}
    for c in folded_letters():
        f = fold(c)
        if len(f) != 1:
            raise ValueError(f"fold({c!r}) = {f!r}: highlighting assumes one letter")
        groups.setdefault(f, {f}).add(c)
    return {f: "[" + "".join(re.escape(c) for c in sorted(cs)) + "]" for f, cs in groups.items()}


_CLASSES = _letter_classes()


def _letters(folded: str) -> str:
    if IY_SYLLABLE.fullmatch(folded):  # "ly" stands for "lí" too (normalize.spell_iy)
        return _letters(folded[:-1]) + _CLASSES["y"][:-1] + _CLASSES["i"][1:]
    return "".join(_CLASSES.get(c) or re.escape(c) for c in folded)


@lru_cache(maxsize=256)
def _matcher(folds: frozenset, prefixes: tuple) -> re.Pattern:
    alts = [_letters(f) for f in sorted(folds, key=len, reverse=True) if f]
    alts += [_letters(p) + r"[^\W_]*" for p in prefixes if p]
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alts or ["(?!)"]) + r")(?![^\W_])")


def _find_matches_slow(text, folds, exacts, prefixes):
    out = []
    for s in syllables(text):
        if s.fold in folds or (prefixes and s.fold.startswith(prefixes)):
            weight = 2.0 if exacts and s.exact in exacts else 1.0
            out.append((s.start, s.end, s.fold, weight))
    return out


def _render(text: str, start: int, end: int, matches: list[tuple[int, int, str, float]]) -> str:
    """Escape ``text[start:end]`` and wrap matches (adjacent ones merged) in <mark>."""
    spans: list[list[int]] = []
    for ms, me, _f, _w in matches:
        if ms < start or me > end:
            continue
        if spans and text[spans[-1][1]:ms].strip() == "" and ms - spans[-1][1] <= 2:
            spans[-1][1] = me
        else:
            spans.append([ms, me])
    out = []
    pos = start
    for ms, me in spans:
        out.append(escape(text[pos:ms], quote=False))
        out.append("<mark>" + escape(text[ms:me], quote=False) + "</mark>")
        pos = me
    out.append(escape(text[pos:end], quote=False))
    return "".join(out)


def highlight_all(text: str, folds: set[str], exacts: set[str] | None = None,
                  prefixes: tuple[str, ...] = ()) -> str:
    """The whole ``text`` escaped, with every query syllable marked."""
    return _render(text, 0, len(text), find_matches(text, folds, exacts, prefixes))


def snippet(text: str, folds: set[str], exacts: set[str] | None = None, *,
            length: int = 220, prefixes: tuple[str, ...] = ()) -> str:
    """The window of about ``length`` characters covering most distinct query terms."""
    if not text:
        return ""
    matches = find_matches(text, folds, exacts, prefixes)
    if not matches:
        end = _cut_end(text, min(len(text), length))
        return escape(text[:end], quote=False) + (ELLIPSIS if end < len(text) else "")
    best = (-1.0, 0)
    j = 0
    counts: dict[str, float] = {}
    # Sliding window over matches: score = distinct terms (weighted) + small bonus per hit.
    for i, (ms, _me, _f, _w) in enumerate(matches):
        while j < len(matches) and matches[j][1] - ms <= length:
            f, w = matches[j][2], matches[j][3]
            counts[f] = max(counts.get(f, 0.0), w) + 0.0
            j += 1
        distinct = sum(counts.values())
        score = distinct + 0.01 * (j - i)
        if score > best[0]:
            best = (score, i)
        # drop match i from the window
        f = matches[i][2]
        if not any(m[2] == f for m in matches[i + 1 : j]):
            counts.pop(f, None)
    first = matches[best[1]][0]
    # Start a little before the first match, at a word boundary.
    start = max(0, first - length // 5)
    if start > 0:
        nl = text.rfind("\n", start, first)
        if nl != -1:
            start = nl + 1
        else:
            sp = text.find(" ", start, first)
            start = sp + 1 if sp != -1 else first
    end = _cut_end(text, min(len(text), start + length))
    body = _render(text, start, end, matches).replace("\n", " ")
    return (ELLIPSIS if start > 0 else "") + body + (ELLIPSIS if end < len(text) else "")


def _cut_end(text: str, end: int) -> int:
    if end >= len(text):
        return len(text)
    sp = text.rfind(" ", max(0, end - 30), end)
    return sp if sp > 0 else end
