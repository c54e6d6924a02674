"""Snippets and highlighted text from the stored normalised text, without pyvi.

Marks mean what was typed (:class:`Marks`): a query typed without diacritics marks
every form of its syllables ("bo truong" marks "Bộ trưởng"); one typed with them marks
only those forms ("giá vàng" never marks "vắng" or "gia"; both tone placements are one
form after normalisation); a synonym or a correction marks what it matched, a form of
several syllables only as a whole ("TP.HCM" is one mark, "TP" alone is none).
Syllables are found with the analysis module's syllable regular expression; the output
is HTML in which everything is escaped except vnsearch's own ``<mark>`` tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from indexer.text.analysis import syllables
from indexer.text.normalize import IY_SYLLABLE, fold, folded_letters, has_combining_marks, has_wide_folds, spell_iy

__all__ = ["snippet", "highlight_all", "find_matches", "Marks", "marked_matches", "merged_spans"]

ELLIPSIS = "…"


def find_matches(text: str, folds: set[str], exacts: set[str] | None = None,
                 prefixes: tuple[str, ...] = ()) -> list[tuple[int, int, str, float]]:
    """(start, end, fold, weight) of each syllable of ``text`` matching the query.

    Exact-diacritic matches weigh 2, folded-only matches 1. The text is lower-cased
    (cheap) but not folded (dear): one regular expression built from the query finds
    the syllables, each letter of a folded syllable being the class of the letters
    that fold to it ("a" matches "ả" and "ầ"). Where lower-casing or folding would
    change the text's length (decomposed text, "İ", "æ" → "ae"), syllables are compared one
    by one.
    """
    if not text or not (folds or prefixes):
        return []
    low = text.lower()
    if len(low) != len(text) or has_combining_marks(text) or has_wide_folds(low):
        return _find_matches_slow(text, folds, exacts, prefixes)
    out = []
    for m in _matcher(frozenset(folds), tuple(prefixes)).finditer(low):
        start, end = m.span()
        found = m.group()
        weight = 2.0 if exacts and spell_iy(found) in exacts else 1.0
        out.append((start, end, fold(spell_iy(found)), weight))
    return out


@dataclass(frozen=True)
class Marks:
    """What a query marks in a text."""

    folds: frozenset[str] = frozenset()    # folded syllables marked in any form
    exacts: frozenset[str] = frozenset()   # syllables marked only in this form
    phrases: tuple[tuple[str, ...], ...] = ()  # folded syllables marked only together
    prefixes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.folds or self.exacts or self.phrases or self.prefixes)


# Characters between two syllables of one marked form ("TP.HCM", "TP. HCM").
_JOIN = re.compile(r"[\s.\-]{1,2}")


def marked_matches(text: str, marks: Marks) -> list[tuple[int, int, str, float]]:
    """The matches of ``text`` that ``marks`` asks for (see :func:`find_matches`)."""
    wanted = set(marks.folds) | {fold(e) for e in marks.exacts} | {f for p in marks.phrases for f in p}
    raw = find_matches(text, wanted, set(marks.exacts), marks.prefixes)
    if not raw:
        return raw
    # A form of several syllables is one match, from its first syllable to its last.
    whole: dict[int, int] = {}  # first match index -> last
    taken: set[int] = set()
    for phrase in sorted(marks.phrases, key=len, reverse=True):
        n = len(phrase)
        for i in range(len(raw) - n + 1):
            if any(j in taken for j in range(i, i + n)):
                continue
            if all(raw[i + k][2] == phrase[k] for k in range(n)) and all(
                    _JOIN.fullmatch(text[raw[i + k][1]:raw[i + k + 1][0]]) for k in range(n - 1)):
                whole[i] = i + n - 1
                taken.update(range(i, i + n))
    out = []
    i = 0
    while i < len(raw):
        last = whole.get(i)
        if last is not None:
            out.append((raw[i][0], raw[last][1], " ".join(m[2] for m in raw[i:last + 1]), 2.0))
            i = last + 1
            continue
        m = raw[i]
        if m[2] in marks.folds or m[3] == 2.0 or (
                marks.prefixes and m[2].startswith(marks.prefixes) and m[2] not in wanted):
            out.append(m)
        i += 1
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


def merged_spans(text: str, matches: list[tuple[int, int, str, float]]) -> list[tuple[int, int]]:
    """Matches separated by at most a space or two merged: one ``<mark>``, one occurrence."""
    spans: list[list[int]] = []
    for ms, me, _f, _w in matches:
        if spans and text[spans[-1][1]:ms].strip() == "" and ms - spans[-1][1] <= 2:
            spans[-1][1] = me
        else:
            spans.append([ms, me])
    return [(a, b) for a, b in spans]


def _render(text: str, start: int, end: int, matches: list[tuple[int, int, str, float]]) -> str:
    """Escape ``text[start:end]`` and wrap matches (adjacent ones merged) in <mark>."""
    spans = merged_spans(text, [m for m in matches if m[0] >= start and m[1] <= end])
    out = []
    pos = start
    for ms, me in spans:
        out.append(escape(text[pos:ms], quote=False))
        out.append("<mark>" + escape(text[ms:me], quote=False) + "</mark>")
        pos = me
    out.append(escape(text[pos:end], quote=False))
    return "".join(out)


def _matches(text: str, folds, exacts, prefixes, marks: Marks | None):
    if marks is not None:
        return marked_matches(text, marks)
    return find_matches(text, folds, exacts, prefixes)


def highlight_all(text: str, folds: set[str], exacts: set[str] | None = None,
                  prefixes: tuple[str, ...] = (), *, marks: Marks | None = None) -> str:
    """The whole ``text`` escaped, with every query syllable (or what ``marks`` asks) marked."""
    return _render(text, 0, len(text), _matches(text, folds, exacts, prefixes, marks))


def snippet(text: str, folds: set[str], exacts: set[str] | None = None, *,
            length: int = 220, prefixes: tuple[str, ...] = (), marks: Marks | None = None) -> str:
    """The window of about ``length`` characters covering most distinct query terms."""
    if not text:
        return ""
    matches = _matches(text, folds, exacts, prefixes, marks)
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
