"""Abbreviations and synonyms, applied at query time from a small editable file.

``indexer/data/synonyms.txt`` (setting ``search.synonyms``) holds one group a line,
forms separated by commas: ``UBND, ủy ban nhân dân``. Forms are compared as folded
syllables (no diacritics, đ→d, lower case), so "TP.HCM", "TP HCM" and "tp hcm" are one
form. A query's run of syllables that spells a form (longest match first, left to
right) gets the group's other forms as alternatives: the retrieval query accepts any of
them and the re-scoring scores each document by its best alternative. The index itself
never changes, so editing the file needs no rebuild.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from indexer.text.analysis import Syllable, syllables
from indexer.text.normalize import normalize

__all__ = ["Expansion", "Synonyms", "load_synonyms"]

MAX_FORM_SYLLABLES = 8


@dataclass(frozen=True)
class Expansion:
    """Query syllables ``start:start+length`` of a clause, and what else they may be."""

    start: int
    length: int
    matched: str  # the query's own words
    alternatives: tuple[tuple[Syllable, ...], ...]
    texts: tuple[str, ...]  # the alternatives as written in the file

    def to_dict(self) -> dict:
        return {"matched": self.matched, "alternatives": list(self.texts)}


class Synonyms:
    """The groups of one file, looked up by the folded syllables of each form."""

    def __init__(self, groups: list[list[str]] | None = None):
        self.groups: list[list[tuple[tuple[str, ...], str]]] = []
        self._by_first: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for forms in groups or []:
            self.add(forms)

    def add(self, forms: list[str]) -> None:
        entries: list[tuple[tuple[str, ...], str]] = []
        seen: set[tuple[str, ...]] = set()
        for form in forms:
            text = normalize(form).strip()
            folds = tuple(s.fold for s in syllables(text))
            if not folds or len(folds) > MAX_FORM_SYLLABLES or folds in seen:
                continue
            seen.add(folds)
            entries.append((folds, text))
        if len(entries) < 2:
            return
        gid = len(self.groups)
        self.groups.append(entries)
        for folds, _text in entries:
            self._by_first.setdefault(folds[0], []).append((folds, gid))
        for lst in self._by_first.values():
            lst.sort(key=lambda fg: -len(fg[0]))

    def __len__(self) -> int:
        return len(self.groups)

    def expand(self, syls: list[Syllable]) -> list[Expansion]:
        """Non-overlapping expansions of a clause's syllables, longest match first."""
        out: list[Expansion] = []
        folds = [s.fold for s in syls]
        i = 0
        while i < len(folds):
            match = None
            for form, gid in self._by_first.get(folds[i], ()):
                n = len(form)
                if tuple(folds[i:i + n]) == form:
                    match = (form, gid)
                    break
            if match is None:
                i += 1
                continue
            form, gid = match
            n = len(form)
            alts = []
            texts = []
            for other, text in self.groups[gid]:
                if other == form:
                    continue
                alts.append(tuple(Syllable(f, f, k, 0, 0) for k, f in enumerate(other)))
                texts.append(text)
            out.append(Expansion(i, n, " ".join(s.exact for s in syls[i:i + n]),
                                 tuple(alts), tuple(texts)))
            i += n
        return out


_cache: dict[tuple[str, float], Synonyms] = {}
_lock = threading.Lock()


def parse_synonyms(text: str) -> Synonyms:
    syn = Synonyms()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        syn.add([f for f in (x.strip() for x in line.split(",")) if f])
    return syn


def load_synonyms(path: str | Path | None) -> Synonyms:
    """The synonyms of ``path`` (cached by modification time); empty when absent."""
    if not path:
        return Synonyms()
    p = Path(path)
    try:
        mtime = p.stat().st_mtime
    except OSError:
        return Synonyms()
    key = (str(p), mtime)
    with _lock:
        syn = _cache.get(key)
        if syn is None:
            try:
                syn = parse_synonyms(p.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                syn = Synonyms()
            _cache.clear()
            _cache[key] = syn
    return syn
