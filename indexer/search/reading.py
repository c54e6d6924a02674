"""How a query is read when it is not meant as typed: the one entry point search uses.

A query typed without diacritics (or with some) is read with the diacritics the index's
own text makes most likely (:mod:`indexer.text.restore`: "tam bao" → "tâm bão"). Searching
that reading is a boost, never a filter: the diacritic-free fields still find every
article with any reading, and the re-scoring puts those holding the restored form first.
Syllables typed with marks are kept; queries with ``-``, ``*`` or ``field:`` are taken as
typed (an exclusion or a prefix is not a word to guess).

A query typed as Telex/VNI keystrokes with the input method off ("tieengs vieetj",
"tie61ng vie65t") is read as the Vietnamese it spells (:mod:`indexer.text.keystrokes`),
word by word: a word is read as the syllable it spells only when some article holds that
syllable and the word as typed is in no article or in far fewer (:data:`LITERAL_SHARE`),
so "xoong" or "Hamas", which articles hold, stay as typed, and so does a decoding no
article has. The result says so
(``reading``) and the literal query stays a link away (``exact=1``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from indexer.text.keystrokes import read_keystrokes
from indexer.text.normalize import fold, normalize, spell_iy
from indexer.text.restore import RestoreModel, restore

__all__ = ["IndexLexicon", "Lexicon", "QueryReading", "reading_of"]


@dataclass(frozen=True)
class QueryReading:
    """The text searched instead of the query, and why."""

    kind: str  # "telex" | "vni" | "diacritics"
    text: str
    words: tuple[tuple[str, str], ...]  # (typed, read) of each changed word

    def to_api(self, literal: str) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "literal": literal,
                "words": [{"typed": a, "read": b} for a, b in self.words]}

    def notice(self) -> dict[str, Any]:
        return {"code": self.kind, "words": [b for _a, b in self.words], "text": self.text}


class Lexicon(Protocol):
    """What the index holds, as far as reading a query needs to know."""

    def word_articles(self, word: str) -> int:
        """About how many articles hold ``word`` in any spelling (its folded form)."""

    def syllable_articles(self, syllable: str) -> int:
        """About how many articles hold ``syllable`` with exactly these diacritics."""


class IndexLexicon:
    """A :class:`Lexicon` over an index's term statistics (``doc_frequency(field, term)``)."""

    def __init__(self, doc_frequency: Callable[[str, str], int]) -> None:
        self._df = doc_frequency

    def word_articles(self, word: str) -> int:
        folded = fold(normalize(word))
        return max(self._df("title_f", folded), self._df("body_f", folded))

    def syllable_articles(self, syllable: str) -> int:
        exact = spell_iy(normalize(syllable).lower())
        return max(self._df("title_x", exact), self._df("body_x", exact))


def reading_of(query: str, lexicon: Lexicon, model: RestoreModel | None = None) -> QueryReading | None:
    """The reading of ``query`` to search instead, or None to search it as typed.

    A word typed as keystrokes is read as the syllable it spells only where that is
    plausible: the index holds the syllable, and holds the word as typed in far fewer
    articles or none ("Hamas" and "Air" stay, "tieengs" is "tiếng", "cos" is "có"). ``model`` restores diacritics
    (none: no restoration).
    """
    keys = read_keystrokes(query, accept=lambda typed, decoded: _plausible(typed, decoded, lexicon))
    if keys is not None:
        return QueryReading(keys.method, keys.text, keys.words)
    if model is not None:
        return _restored(query, model)
    return None


# A word typed as keys stays as typed when at least one article in LITERAL_SHARE of those
# holding the syllable it spells holds the word as typed ("Air" / "Ải", "Amr" / "Ảm"), and
# is read as the syllable when the literal is rarer ("cos" among articles with "có", "sex"
# among those with "sẽ": at 20,000 articles most short Telex words occur somewhere as
# typed, so "is the literal in any article" would keep them). 10 is the value that decides
# every decodable word of the archive benchmark's tune-split headlines right (2,535 of
# 2,535; 2,397 if any article holding the literal kept it).
LITERAL_SHARE = 10


def _plausible(typed: str, decoded: str, lexicon: Lexicon) -> bool:
    """A keystroke reading of one word is taken only where the index argues for it:
    it holds the syllable, and far fewer articles (or none) hold the word as typed."""
    spelled = lexicon.syllable_articles(decoded)
    return spelled > 0 and LITERAL_SHARE * lexicon.word_articles(typed) < spelled


_OPERATOR = re.compile(r"(?:^|\s)-|\*|\w:")
_WORD = re.compile(r"[^\W_]+")


def _restored(query: str, model: RestoreModel) -> QueryReading | None:
    if _OPERATOR.search(query):
        return None
    text = normalize(query)
    read = restore(text, model)
    if read == text:
        return None
    changed = tuple((a, b) for a, b in zip(_WORD.findall(text), _WORD.findall(read)) if a != b)
    return QueryReading("diacritics", read, changed)
