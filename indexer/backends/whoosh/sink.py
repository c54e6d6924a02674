"""The Whoosh backend's index sink: what the builder writes through (see
:class:`indexer.backends.base.IndexSink`)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from indexer.backends.whoosh.writer import FastSegmentWriter, commit_with_segments
from indexer.text.restore import LEAD_CHARS

__all__ = ["WhooshSink"]


class WhooshSink:
    """Deletions, additions and commits of one open Whoosh index.

    The builder's worker processes write whole segments themselves; this holds the main
    process's writer, which deletes replaced articles and commits those segments with
    the deletions in one table of contents. A writer is opened on first use and closed
    by each :meth:`commit` (or :meth:`cancel`)."""

    def __init__(self, ix: Any, memory_mb: int = 256):
        self.ix = ix
        self.memory_mb = memory_mb
        self._writer: FastSegmentWriter | None = None
        self._searcher: Any = None
        self._deleted: list[tuple[str, tuple[str, str]]] = []

    @property
    def schema(self) -> Any:
        return self.ix.schema

    def _open(self) -> FastSegmentWriter:
        if self._writer is None:
            self._writer = FastSegmentWriter(self.ix, limitmb=self.memory_mb)
        return self._writer

    def existing(self) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        """key -> hash, hash -> key and key -> source of the live documents (columns only)."""
        key_hash: dict[str, str] = {}
        hash_key: dict[str, str] = {}
        key_source: dict[str, str] = {}
        with self.ix.reader() as reader:
            if reader.doc_count() == 0:
                return key_hash, hash_key, key_source
            keys = reader.column_reader("key")
            hashes = reader.column_reader("hash")
            sources = reader.column_reader("source")
            for docnum in reader.all_doc_ids():
                k = keys[docnum]
                h = hashes[docnum]
                key_hash[k] = h
                hash_key.setdefault(h, k)
                key_source[k] = sources[docnum]
        return key_hash, hash_key, key_source

    def each_text(self, use: Callable[[Iterable[tuple[str, str, Callable[[], tuple[str, str]]]]], Any]) -> Any:
        """Call ``use`` with ``(key, content hash, fetch)`` of every live document,
        ``fetch()`` reading its stored ``(title, body)`` only when called (the
        restoration model's update)."""
        with self.ix.reader() as reader:
            if reader.doc_count() == 0:  # an empty reader has no columns
                return use(iter(()))
            keys = reader.column_reader("key")
            hashes = reader.column_reader("hash")

            def fetch(docnum: int) -> tuple[str, str]:
                fields = reader.stored_fields(docnum)
                return fields.get("title") or "", fields.get("body") or ""

            return use((keys[d], hashes[d], functools.partial(fetch, d)) for d in reader.all_doc_ids())

    def delete(self, key: str) -> None:
        """Remove ``key``'s document at the next commit. Its headline and lead, as they
        were, are kept for :meth:`deleted_texts` (the restoration model takes back its counts)."""
        fields = self._committed().document(key=key)
        if fields is not None:
            self._deleted.append((key, (fields.get("title") or "", (fields.get("body") or "")[:LEAD_CHARS])))
        self._open().delete_by_term("key", key)

    def deleted_texts(self) -> list[tuple[str, tuple[str, str]]]:
        """``(key, (title, lead))`` of each document deleted through this sink."""
        return list(self._deleted)

    def _committed(self) -> Any:
        """A searcher of the committed index (what a deletion removes), opened once per commit."""
        if self._searcher is None:
            self._searcher = self.ix.searcher()
        return self._searcher

    def _forget_searcher(self) -> None:
        if self._searcher is not None:
            searcher, self._searcher = self._searcher, None
            searcher.close()

    def add(self, stored: dict[str, Any], streams: dict[str, Sequence[Any]]) -> None:
        self._open().add_analyzed(stored, dict(streams))  # type: ignore[arg-type]

    def commit(self, segments: Iterable[Any] = ()) -> None:
        """Commit the deletions and additions made here plus ``segments`` (finished by
        worker processes), in one table of contents."""
        writer = self._open()
        self._writer = None
        self._forget_searcher()  # the next deletion reads the state this commit makes
        commit_with_segments(writer, list(segments))

    def cancel(self) -> None:
        """Drop what was not committed."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.cancel()

    def close(self) -> None:
        self.cancel()
        self._forget_searcher()
        self.ix.close()
