"""How a query is read when it is not meant as typed: the one entry point search uses.

A query typed as Telex/VNI keystrokes with the input method off ("tieengs vieetj",
"tie61ng vie65t") is read as the Vietnamese it spells (:mod:`indexer.keystrokes`) when
most of the words that decoding changes are words no article holds (so "xoong" or
"bus", which articles do hold, stay as typed). The result says so (``reading``) and the
literal query stays a link away (``exact=1``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .keystrokes import read_keystrokes

__all__ = ["QueryReading", "read_query"]


@dataclass(frozen=True)
class QueryReading:
    """The text searched instead of the query, and why."""

    kind: str  # "telex" | "vni"
    text: str
    words: tuple[tuple[str, str], ...]  # (typed, read) of each changed word

    def to_api(self, literal: str) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "literal": literal,
                "words": [{"typed": a, "read": b} for a, b in self.words]}

    def notice(self) -> dict[str, Any]:
        return {"code": self.kind, "words": [b for _a, b in self.words], "text": self.text}


def read_query(query: str, unknown: Callable[[str], bool]) -> QueryReading | None:
    """The reading of ``query`` to search instead, or None to search it as typed.

    ``unknown(word)`` tells whether no article holds ``word``: keystrokes are only
    read when at least half of the words they change are unknown as typed.
    """
    keys = read_keystrokes(query)
    if keys is not None:
        typed = [a for a, _b in keys.words]
        if 2 * sum(1 for w in typed if unknown(w)) >= len(typed):
            return QueryReading(keys.method, keys.text, keys.words)
    return None
