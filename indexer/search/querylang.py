"""The user's query language, parsed safely: nothing a user types is an error.

Supported: plain words (all must match, falling back to most of them), ``"quoted
phrases"`` (adjacent syllables), ``-word`` and ``-"phrase"`` exclusions, and ``word*``
prefixes. Anything else (unbalanced quotes or brackets, ``field:`` syntax, operators,
control characters) is read as plain text, as Datasette escapes full-text queries.
Limits (length, number of terms, prefixes) are applied here and reported back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.text.analysis import Syllable, analyze, query_needs_segmenting
from indexer.text.normalize import normalize

__all__ = ["QueryPart", "ParsedQuery", "parse_query", "query_words", "QueryTooLongError"]

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
                         "\uff02": '"'})
# A clause: optional "-", then a quoted phrase (possibly unterminated) or a bare chunk.
_CLAUSE = re.compile(r'(?P<neg>(?<![^\s(])-)?(?:"(?P<phrase>[^"]*)"?|(?P<bare>[^\s"]+))')
_PREFIX_STEM = re.compile(r"^[^\W_]{2,}\*$")


class QueryTooLongError(ValueError):
    """The query exceeds ``search.max_query_chars``."""


@dataclass
class QueryPart:
    """One clause: a run of terms, a phrase or a prefix, possibly negated."""

    kind: str  # "terms" | "phrase" | "prefix"
    syllables: list[Syllable]
    negated: bool = False
    text: str = ""
    # Synonym/abbreviation alternatives (indexer.search.synonyms.Expansion), set by the engine.
    expansions: list = field(default_factory=list)


@dataclass
class ParsedQuery:
    raw: str
    normalized: str
    parts: list[QueryPart] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def positive(self) -> list[QueryPart]:
        return [p for p in self.parts if not p.negated]

    @property
    def negative(self) -> list[QueryPart]:
        return [p for p in self.parts if p.negated]

    @property
    def positive_syllables(self) -> list[Syllable]:
        return [s for p in self.positive if p.kind != "prefix" for s in p.syllables]

    @property
    def is_empty(self) -> bool:
        return not self.positive

    def highlight_folds(self) -> set[str]:
        """Folded syllables to mark in snippets (prefixes are marked by stem)."""
        return {s.fold for s in self.positive_syllables}


def parse_query(raw: str, *, max_chars: int = 500, max_terms: int = 32) -> ParsedQuery:
    """Parse a user's query. Raises only :class:`QueryTooLongError` (a clear 400)."""
    if raw is None:
        raw = ""
    if len(raw) > max_chars:
        raise QueryTooLongError(f"query is {len(raw)} characters long; the limit is {max_chars}")
    text = normalize(raw).translate(_QUOTES).replace("\n", " ").strip()
    parsed = ParsedQuery(raw=raw, normalized=text)
    budget = max_terms
    for m in _CLAUSE.finditer(text):
        negated = bool(m.group("neg"))
        if m.group("phrase") is not None:
            chunk, kind = m.group("phrase"), "phrase"
        else:
            chunk = m.group("bare")
            kind = "prefix" if _PREFIX_STEM.match(chunk) else "terms"
            if kind == "prefix":
                chunk = chunk[:-1]
        syls = analyze(chunk, normalized=True, segment=False).syllables
        if not syls:
            continue
        if budget <= 0:
            parsed.dropped.extend(s.exact for s in syls)
            continue
        if len(syls) > budget:
            parsed.dropped.extend(s.exact for s in syls[budget:])
            syls = syls[:budget]
        budget -= len(syls)
        if kind == "terms" and len(syls) == 1 and negated is False and parsed.parts \
                and parsed.parts[-1].kind == "terms" and not parsed.parts[-1].negated:
            parsed.parts[-1].syllables.extend(syls)
            parsed.parts[-1].text += " " + chunk
            continue
        parsed.parts.append(QueryPart(kind, list(syls), negated, chunk))
    # Re-number positions so adjacent query syllables have adjacent positions.
    for part in parsed.parts:
        part.syllables = [Syllable(s.exact, s.fold, i, s.start, s.end) for i, s in enumerate(part.syllables)]
    if parsed.dropped:
        parsed.notes.append(f"query has more than {max_terms} terms; ignored: {' '.join(parsed.dropped[:10])}"
                            + ("…" if len(parsed.dropped) > 10 else ""))
    return parsed


def query_words(parsed: ParsedQuery) -> list[str]:
    """Pyvi's multi-syllable words of the query (only with diacritics; used by explain).

    Kept out of :func:`parse_query` so a search never loads pyvi into a serving
    worker: ranking gets the same signal from syllable adjacency.
    """
    text = " ".join(p.text for p in parsed.positive if p.kind != "prefix")
    if not text or not query_needs_segmenting(text):
        return []
    return [w for w, _p, _s, _e in analyze(text, normalized=True).word_tokens()]
