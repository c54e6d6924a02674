"""The seam between the engine and a storage backend: what a backend must provide.

Two protocols. A second backend (OpenSearch/Elasticsearch fed the same pre-analysed
fields, or an embedded native index) implements both; ``indexer.backends.whoosh`` is
the one implementation today (``postings.DocSets`` is its postings reader,
``sink.WhooshSink`` its index sink) and ``tests/test_backend_seam.py`` checks that they
conform. docs/ARCHITECTURE.md describes the seam in prose.

Document sets are Python ints used as bitsets (bit *n* = document number *n*): set
algebra, counts and facet counts over them are C-level operations whatever the backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

__all__ = ["IndexSink", "PostingsReader", "TermPostings"]


@runtime_checkable
class TermPostings(Protocol):
    """What a backend knows of one term: its documents and its best-scored ones."""

    bits: int  # the documents holding the term
    docs: Any  # document numbers of its best BM25 documents (champions), best first
    scores: Any  # their scores, same order
    df: int  # how many documents hold it


@runtime_checkable
class PostingsReader(Protocol):
    """Read side: term -> documents, scores, positions; facet columns; dates."""

    size: int  # document numbers are below this
    live: int  # the documents not deleted

    def term(self, fieldname: str, text: str) -> int:
        """The documents holding ``text`` in ``fieldname`` (a bitset)."""
        ...

    def members(self, fieldname: str, text: str) -> bytes:
        """The same bitset as little-endian bytes (cheap per-document tests)."""
        ...

    def data(self, fieldname: str, text: str) -> TermPostings:
        """The term's documents and champion list."""
        ...

    def positions(self, fieldname: str, text: str, docnums: list[int],
                  keep: bool = True) -> dict[int, frozenset]:
        """The term's positions in each of ``docnums`` (sorted) that holds it."""
        ...

    def phrase(self, fieldname: str, words: list[str], candidates: int) -> int:
        """Of ``candidates``, the documents holding ``words`` adjacent and in order."""
        ...

    def value_bits(self, name: str) -> list[int]:
        """One bitset per distinct value of facet field ``name``."""
        ...

    def field_value(self, name: str, value: str) -> int:
        """The documents whose facet field ``name`` is ``value``."""
        ...

    def date_range(self, start: str | None, end: str | None) -> int:
        """The documents published within [start, end] (ISO dates)."""
        ...

    def newest(self, bits: int, limit: int) -> list[int]:
        """Up to ``limit`` documents of ``bits``, newest first, undated last."""
        ...


@runtime_checkable
class IndexSink(Protocol):
    """Write side: what the builder needs to update an index."""

    def existing(self) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        """(key -> content hash, hash -> key, key -> source) of the live documents."""
        ...

    def each_text(self, use: Callable[[Iterable[tuple[str, str, Callable[[], tuple[str, str]]]]], Any]) -> Any:
        """Call ``use`` with (key, content hash, fetch) of every live document; ``fetch()``
        gives its stored (title, body) (for indexer.text.restore's model)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the document with ``key`` (at the next commit)."""
        ...

    def deleted_texts(self) -> list[tuple[str, tuple[str, str]]]:
        """(key, (title, lead)) of each document deleted through this sink, as it was
        (the restoration model takes back their counts)."""
        ...

    def add(self, stored: dict[str, Any], streams: dict[str, Sequence[Any]]) -> None:
        """Add one analysed document: plain stored values and its token streams."""
        ...

    def commit(self, segments: Iterable[Any] = ()) -> None:
        """Make the deletions and additions (and segments written elsewhere) durable."""
        ...
