"""The one place where text becomes tokens: indexing, querying and highlighting all use it.

A text is normalised (:mod:`indexer.text.normalize`), split into *pieces* (runs of letters
and digits, and single punctuation marks) with character offsets into the normalised
text, and the pieces are labelled by pyvi's CRF word segmenter in one call per text.
From that we derive three token streams:

* ``exact``: every syllable, lower-cased, with its diacritics ("trưởng"), i/y variants
  spelled one way (:func:`indexer.text.normalize.spell_iy`: "lí" and "lý" are "lý");
* ``fold``: the same syllables without diacritics, đ→d ("truong");
* ``words``: pyvi's multi-syllable words, joined by "_" ("bộ_trưởng"), for precision.

Syllable positions are shared by ``exact`` and ``fold`` so phrases match in either.
Pyvi runs only on indexing and on queries with diacritics (it cannot segment text
without them); highlighting only needs :func:`syllables`, a regular expression.
"""

from __future__ import annotations

import hashlib
import re
import string
import threading
from dataclasses import dataclass, field
from collections.abc import Iterator

from indexer.text.normalize import fold, has_diacritics, normalize, spell_iy

__all__ = [
    "ANALYSIS_VERSION",
    "Analysis",
    "Syllable",
    "analyze",
    "syllables",
    "segment_words",
    "content_hash",
    "syllable_streams",
    "word_spans",
    "word_tokens",
]

# Bump when the token streams for a given normalised text change: the token cache is
# keyed by (version, text hash), so a bump makes a rebuild re-run pyvi.
# 3: one tone placement per syllable (not only oa/oe/uy), NFKC compatibility folding,
#    marks reordered before composing, more invisible marks removed, i/y spellings.
# 4: Latin letters without a decomposition folded too ("ø" → "o", "ł" → "l", "æ" → "ae").
ANALYSIS_VERSION = 4

# A syllable: a run of letters/digits (underscore excluded, it is pyvi's joiner).
_PIECE = re.compile(r"[^\W_]+|[^\w\s]|_")
_SYLLABLE = re.compile(r"[^\W_]+")
_PUNCT = frozenset(string.punctuation)

_pyvi_lock = threading.Lock()
_pyvi_model = None


@dataclass(frozen=True, slots=True)
class Syllable:
    """One syllable of the normalised text: ``text[start:end]`` lower-cased is ``exact``."""

    exact: str
    fold: str
    pos: int
    start: int
    end: int


@dataclass(slots=True)
class Analysis:
    """Tokens of one normalised text. Offsets index into ``text``."""

    text: str
    syllables: list[Syllable] = field(default_factory=list)
    # (first syllable index, syllable count) of each multi-syllable pyvi word
    words: list[tuple[int, int]] = field(default_factory=list)

    def word_tokens(self) -> Iterator[tuple[str, int, int, int]]:
        """(word, position of first syllable, start char, end char) of each compound."""
        syl = self.syllables
        for first, count in self.words:
            parts = syl[first : first + count]
            yield "_".join(s.exact for s in parts), first, parts[0].start, parts[-1].end


def content_hash(text: str) -> str:
    """Stable hash of a normalised text (token cache key, duplicate detection)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def syllables(text: str, offset: int = 0, first_pos: int = 0) -> list[Syllable]:
    """Syllables of an already-normalised ``text``; cheap (regex only, no pyvi)."""
    out = []
    for i, m in enumerate(_SYLLABLE.finditer(text)):
        exact = spell_iy(m.group().lower())
        out.append(Syllable(exact, fold(exact), first_pos + i, offset + m.start(), offset + m.end()))
    return out


def _model():
    """Load pyvi's CRF model once per process, only when a text needs segmenting."""
    global _pyvi_model
    if _pyvi_model is None:
        with _pyvi_lock:
            if _pyvi_model is None:
                from pyvi import ViTokenizer  # heavy: sklearn-crfsuite model load

                _pyvi_model = ViTokenizer.ViTokenizer
    return _pyvi_model


def segment_words(pieces: list[str]) -> list[bool]:
    """For each piece, whether pyvi joins it to the previous one (one pyvi call).

    Mirrors ``ViTokenizer.tokenize``'s joining rule on our own pieces so that offsets
    stay ours: an ``I_W`` label joins two word pieces unless either is punctuation or
    starts with a digit, or a capitalised piece follows a lower-case one.
    """
    if len(pieces) < 2:
        return [False] * len(pieces)
    vt = _model()
    labels = vt.model.predict([vt.sent2features(pieces, False)])[0]
    joins = [False]
    for i in range(1, len(pieces)):
        cur, prev = pieces[i], pieces[i - 1]
        joins.append(
            labels[i] == "I_W"
            and cur not in _PUNCT
            and prev not in _PUNCT
            and cur[0].isalnum()  # symbols outside ASCII punctuation ("¡", "…") never join
            and prev[0].isalnum()
            and not cur[0].isdigit()
            and not prev[0].isdigit()
            and not (cur[0].istitle() and not prev[0].istitle())
        )
    return joins


def analyze(text: str, *, normalized: bool = False, segment: bool = True,
            words: list[tuple[int, int]] | None = None) -> Analysis:
    """Normalise ``text`` (unless ``normalized``) and return its token streams.

    ``segment=False`` skips pyvi (``words`` stays empty): used for queries without
    diacritics, which pyvi cannot segment. ``words`` passes word spans computed
    earlier for the same text (the token cache), which also skips pyvi.
    """
    if not normalized:
        text = normalize(text)
    matches = list(_PIECE.finditer(text))
    result = Analysis(text)
    syl_index_of_piece: list[int] = []
    for m in matches:
        piece = m.group()
        if piece[0].isalnum():
            exact = spell_iy(piece.lower())
            syl_index_of_piece.append(len(result.syllables))
            result.syllables.append(
                Syllable(exact, fold(exact), len(result.syllables), m.start(), m.end())
            )
        else:
            syl_index_of_piece.append(-1)
    if words is not None:
        n = len(result.syllables)
        result.words = [(f, c) for f, c in words if c >= 2 and f + c <= n]
        return result
    if not segment or len(result.syllables) < 2:
        return result
    result.words = _word_runs(segment_words([m.group() for m in matches]), syl_index_of_piece)
    return result


def _word_runs(joins: list[bool], syl_of_piece: list[int]) -> list[tuple[int, int]]:
    """Pyvi's joins (piece i joined to the next) as words: (first syllable, count) of each
    run of two or more syllables; ``syl_of_piece`` maps a piece to its syllable (-1: none)."""
    words = []
    run_start = None
    run_len = 0
    for i, joined in enumerate(joins + [False]):
        if i < len(joins) and joined:
            run_len += 1
            continue
        if run_start is not None and run_len >= 2:
            words.append((syl_of_piece[run_start], run_len))
        if i < len(joins):
            run_start = i if syl_of_piece[i] >= 0 else None
            run_len = 1
    return words


def query_needs_segmenting(text: str) -> bool:
    """Pyvi only helps when the user typed diacritics."""
    return has_diacritics(text)


def syllable_streams(text: str) -> tuple[list[str], list[str]]:
    """(exact, fold) syllables of a normalised text, as :func:`syllables` gives them, without
    per-syllable objects (the builder's hot path; a test checks both agree)."""
    found = _SYLLABLE.findall(text)
    if not found:
        return found, []
    # One lower() over the syllables joined by spaces is each syllable's lower(): only
    # final sigma depends on context, and a space ends a word as the string end does.
    joined = spell_iy(" ".join(found).lower())
    exact = joined.split(" ")
    if len(exact) != len(found):  # lower() never makes a space; be safe anyway
        exact = [spell_iy(s.lower()) for s in found]
        joined = " ".join(exact)
    folded = fold(joined).split(" ")
    if len(folded) != len(exact):  # folding never adds spaces; be safe anyway
        folded = [fold(s) for s in exact]
    return exact, folded


def word_tokens(exact: list[str], spans: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """The ``words`` stream: each multi-syllable word of ``spans`` joined by "_", at its
    first syllable's position."""
    n = len(exact)
    return [("_".join(exact[f:f + c]), f) for f, c in spans if c >= 2 and f + c <= n]


def word_spans(text: str) -> list[tuple[int, int]]:
    """Pyvi's multi-syllable words as (first syllable, count): ``analyze(text).words``."""
    pieces = _PIECE.findall(text)
    syl_of_piece = []
    n = 0
    for piece in pieces:
        if piece[0].isalnum():
            syl_of_piece.append(n)
            n += 1
        else:
            syl_of_piece.append(-1)
    if n < 2:
        return []
    return _word_runs(segment_words(pieces), syl_of_piece)
