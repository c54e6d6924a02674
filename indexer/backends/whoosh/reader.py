"""Reading an index: the per-thread searcher pool, and the facet columns.

Facet counting over N matched documents is one C-level pass over a value number per
document, not N calls of Whoosh's categorisers (``groupedby``); this builds those
arrays from the sortable columns once per searcher.
"""

from __future__ import annotations

import threading
from functools import partial
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from indexer.backends.whoosh import internals, store
from indexer.backends.whoosh.segments import SEGMENTS, cache_doc_frequency, segment_key

__all__ = ["FacetColumns", "SearcherPool", "facet_columns", "search_weighted_terms"]

# field -> (distinct values, value number per document number; -1 = no value)
FacetColumns = dict[str, tuple[list, list[int]]]


def _column(sub: Any, name: str) -> Any | None:
    """A segment's column reader for ``name``, or None where the segment has none (a
    segment where no document has the field, e.g. no dates, has no column at all)."""
    return sub.column_reader(name) if sub.has_column(name) else None


def _segment_column(sub: Any, name: str) -> tuple[list, np.ndarray]:
    """One segment's column ``name``: its distinct values in order of first use, and
    each document's value number (-1 where the segment has no column)."""
    column = _column(sub, name)
    if column is None:
        return [], np.full(sub.doc_count_all(), -1, dtype=np.int32)
    values: list = []
    number: dict = {}
    ids: list[int] = []
    for v in column:
        n = number.get(v)
        if n is None:
            n = number[v] = len(values)
            values.append(v.decode("utf-8") if isinstance(v, bytes) else v)
        ids.append(n)
    return values, np.array(ids, dtype=np.int32)


def _read_facet(reader: Any, name: str) -> tuple[list, list[int]]:
    """The facet over every segment: values numbered in order of first use, as if read
    document by document; each segment's column is read once (kept across commits)."""
    values: list = []
    number: dict = {}
    out = np.full(reader.doc_count_all(), -1, dtype=np.int64)
    for sub, offset in reader.leaf_readers():
        seg_values, seg_ids = SEGMENTS.column(segment_key(sub), name, partial(_segment_column, sub, name))
        renumber = np.empty(len(seg_values) + 1, dtype=np.int64)
        renumber[-1] = -1  # a segment's -1 (no value) stays -1
        for i, v in enumerate(seg_values):
            n = number.get(v)
            if n is None:
                n = number[v] = len(values)
                values.append(v)
            renumber[i] = n
        n_docs = min(len(seg_ids), len(out) - offset)
        out[offset:offset + n_docs] = renumber[seg_ids[:n_docs]]
    return values, out.tolist()


def facet_columns(searcher: Any, names: Iterable[str], shared: Any | None = None) -> FacetColumns:
    """Each facet field of ``names`` as (distinct values, value number per docnum).

    Built once per searcher (kept in its :func:`internals.searcher_slot`) or taken from
    ``shared.facet_columns`` when another searcher of the same index state built it."""
    slot = internals.searcher_slot(searcher)
    cols = slot.get("facet_columns")
    if cols is None and shared is not None:
        cols = shared.facet_columns
    if cols is None:
        reader = searcher.reader()
        cols = {name: _read_facet(reader, name) for name in names}
        if shared is not None:
            shared.facet_columns = cols
    slot["facet_columns"] = cols
    return cols


class _Held:
    """Owns one thread's searcher and closes it when dropped.

    Segment files are plain open files (no mmap, see :func:`store.open_index`): when a
    thread ends, or the engine is garbage-collected, its searcher's files must be
    closed, not left to the garbage collector.
    """

    __slots__ = ("searcher",)

    def __init__(self, searcher: Any):
        self.searcher = searcher

    def __del__(self) -> None:
        try:
            self.searcher.close()
        except Exception:  # closing at interpreter exit or after the files went: nothing to do
            pass


class _ClosedSearcher:
    def close(self) -> None:
        pass


_CLOSED = _ClosedSearcher()


class _ThreadSearcher(threading.local):
    """One thread's searcher, the index generation it reads, and when that was checked."""

    held: _Held | None = None
    generation: tuple | None = None
    checked: float = 0.0

    @property
    def searcher(self) -> Any:
        return self.held.searcher if self.held is not None else None

    @searcher.setter
    def searcher(self, value: Any) -> None:
        if self.held is not None and self.held.searcher is value:
            return
        # Whoosh's refresh() shares unchanged segment readers with the searcher it
        # replaces, so a replaced searcher is only closed when replaced by a new open.
        old = self.held
        if old is not None:
            old.searcher = _CLOSED
        self.held = _Held(value) if value is not None else None


class SearcherPool:
    """One Whoosh searcher per thread over the live index at ``live``, re-opened when
    its generation changes (a rebuild's atomic swap) or refreshed after a commit, checked
    at most every ``refresh_seconds``."""

    def __init__(self, live: Path, refresh_seconds: float = 0.5):
        self.live = live
        self.refresh_seconds = refresh_seconds
        self._local = _ThreadSearcher()

    def generation(self) -> tuple | None:
        """The generation this thread's searcher reads (set once it has one)."""
        return self._local.generation

    def _live_generation(self) -> tuple:
        return (str(store.resolve(self.live)),)

    def searcher(self) -> Any:
        """This thread's searcher, refreshed when the index changed."""
        loc = self._local
        now = time.monotonic()
        if loc.searcher is not None and now - loc.checked < self.refresh_seconds:
            return loc.searcher
        loc.checked = now
        gen = self._live_generation()
        if loc.searcher is not None and gen == loc.generation:
            try:
                if loc.searcher.up_to_date():
                    return loc.searcher
                new = loc.searcher.refresh()
            except Exception:  # the generation went away under us: open afresh below
                new = None
            if new is not None:
                cache_doc_frequency(new)
                loc.searcher = new
                return new
        ix = store.open_index(self.live)
        try:
            opened = ix.searcher()
        except Exception as exc:  # a segment file missing or unreadable: not a 500
            raise store.IndexMissingError(
                f"the index at {self.live} cannot be read ({type(exc).__name__}: {exc}); "
                f"rebuild it with `vnsearch index PATH --rebuild`") from None
        cache_doc_frequency(opened)
        old = loc.searcher
        loc.searcher = opened
        loc.generation = gen
        if old is not None:
            try:
                old.close()
            except Exception:  # already closed with its files: nothing more to do
                pass
        return loc.searcher

    def close(self) -> None:
        """Close this thread's searcher (others close when their thread ends)."""
        s = self._local.searcher
        self._local.searcher = None
        if s is not None:
            s.close()


def search_weighted_terms(searcher: Any, fieldname: str, terms: list[tuple[str, float]], top: int,
                          leave_out: int) -> list[tuple[int, float]]:
    """``(docnum, score)`` of the ``top`` documents best matching any of ``terms`` (each
    boosted by its weight), without document ``leave_out``: Whoosh's more-like-this
    query over terms the caller chose (:meth:`SearchEngine.related`)."""
    from whoosh import query as wq

    q = wq.Or([wq.Term(fieldname, w, boost=weight) for w, weight in terms])
    return [(h.docnum, float(h.score or 0)) for h in searcher.search(q, limit=top, mask={leave_out})]
