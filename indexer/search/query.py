"""The engine's own query types: what a parsed query becomes before a backend answers it.

A backend evaluates these trees (the Whoosh backend over bitsets, in
``backends/whoosh/postings.py``; ``backends/whoosh/translate.py`` turns one into a Whoosh
query where Whoosh itself must run it). Nothing here knows a backend.

Fields are named as the schema names them (``title_f``, ``body_x``, ``words``...): the
token streams of :mod:`indexer.text.analysis`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

__all__ = ["And", "AndMaybe", "AndNot", "Compound", "Every", "Nothing", "NullQuery", "Or", "Phrase", "Query", "Term",
           "TermRange", "Retrieval"]


class Query:
    """A node of a query tree."""

    def children(self) -> tuple[Query, ...]:
        return ()

    def leaves(self) -> Iterator[Query]:
        """The tree's leaves (terms, phrases, ranges), left to right."""
        kids = self.children()
        if not kids:
            yield self
            return
        for kid in kids:
            yield from kid.leaves()


@dataclass(frozen=True)
class Term(Query):
    """Documents holding ``text`` in ``fieldname``."""

    fieldname: str
    text: str

    def __str__(self) -> str:
        return f"{self.fieldname}:{self.text}"


@dataclass(frozen=True)
class Phrase(Query):
    """Documents holding ``words`` adjacent and in this order in ``fieldname``."""

    fieldname: str
    words: tuple[str, ...]

    def __init__(self, fieldname: str, words: Sequence[str]):
        object.__setattr__(self, "fieldname", fieldname)
        object.__setattr__(self, "words", tuple(words))

    def __str__(self) -> str:
        return f'{self.fieldname}:"{" ".join(self.words)}"'


@dataclass(frozen=True)
class TermRange(Query):
    """Documents whose ``fieldname`` value is within [start, end] (either may be None)."""

    fieldname: str
    start: str | None
    end: str | None

    def __str__(self) -> str:
        return f"{self.fieldname}:[{self.start or ''} TO {self.end or ''}]"


@dataclass(frozen=True, init=False)
class Compound(Query):
    subqueries: tuple[Query, ...] = field(default=())

    def __init__(self, subqueries: Iterable[Query]):
        object.__setattr__(self, "subqueries", tuple(subqueries))

    def children(self) -> tuple[Query, ...]:
        return self.subqueries

    _joint = ""

    def __str__(self) -> str:
        return "(" + f" {self._joint} ".join(map(str, self.subqueries)) + ")"


@dataclass(frozen=True, init=False)
class And(Compound):
    """Documents matching every subquery."""

    _joint = "AND"


@dataclass(frozen=True, init=False)
class Or(Compound):
    """Documents matching at least ``minmatch`` subqueries (at least one when 0)."""

    minmatch: int = 0

    _joint = "OR"

    def __init__(self, subqueries: Iterable[Query], minmatch: int = 0):
        super().__init__(subqueries)
        object.__setattr__(self, "minmatch", minmatch)

    def __str__(self) -> str:
        return super().__str__() + (f">{self.minmatch}" if self.minmatch > 1 else "")


@dataclass(frozen=True)
class AndNot(Query):
    """Documents matching ``a`` and not ``b``."""

    a: Query
    b: Query

    def children(self) -> tuple[Query, ...]:
        return (self.a, self.b)

    def __str__(self) -> str:
        return f"({self.a} ANDNOT {self.b})"


@dataclass(frozen=True)
class AndMaybe(Query):
    """A retrieval with a required part ``a`` and a preferred part ``b``: the documents
    of ``a``; those also matching ``b`` rank first."""

    a: Query
    b: Query

    def children(self) -> tuple[Query, ...]:
        return (self.a, self.b)

    def __str__(self) -> str:
        return f"({self.a} ANDMAYBE {self.b})"


Retrieval = AndMaybe


@dataclass(frozen=True)
class Every(Query):
    """Every document."""

    def __str__(self) -> str:
        return "*"


@dataclass(frozen=True)
class Nothing(Query):
    """No document."""

    def __str__(self) -> str:
        return "<nothing>"


# The one empty query (compare with ``is``, as with Whoosh's ``NullQuery``).
NullQuery = Nothing()
