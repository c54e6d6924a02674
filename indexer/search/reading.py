"""How a query is read when it is not meant as typed: the one entry point search uses.

A query typed without diacritics (or with some) is read with the diacritics the index's
own text makes most likely (:mod:`indexer.text.restore`: "tam bao" → "tâm bão"). Searching
that reading is a boost, never a filter: the diacritic-free fields still find every
article with any reading, and the re-scoring puts those holding the restored form first.
Syllables typed with marks are kept; queries with ``-``, ``*`` or ``field:`` are taken as
typed (an exclusion or a prefix is not a word to guess).

A query typed as Telex/VNI keystrokes with the input method off ("tieengs vieetj",
"tie61ng vie65t") is read as the Vietnamese it spells (:mod:`indexer.text.keystrokes`) when
most of the words that decoding changes are words no article holds (so "xoong" or
"bus", which articles do hold, stay as typed). The result says so (``reading``) and the
literal query stays a link away (``exact=1``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from indexer.text.keystrokes import read_keystrokes
from indexer.text.normalize import normalize
from indexer.text.restore import RestoreModel, restore

__all__ = ["QueryReading", "reading_of"]


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


def reading_of(query: str, unknown: Callable[[str], bool],
               model: RestoreModel | None = None) -> QueryReading | None:
    """The reading of ``query`` to search instead, or None to search it as typed.

    ``unknown(word)`` tells whether no article holds ``word``: keystrokes are only
    read when at least half of the words they change are unknown as typed. ``model``
    restores diacritics (none: no restoration).
    """
    keys = read_keystrokes(query)
    if keys is not None:
        typed = [a for a, _b in keys.words]
        if 2 * sum(1 for w in typed if unknown(w)) >= len(typed):
            return QueryReading(keys.method, keys.text, keys.words)
    if model is not None:
        return _restored(query, model)
    return None


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
