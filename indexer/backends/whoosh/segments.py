"""Per-segment data kept across index states, so a commit re-reads only its new segments.

A searcher's bitsets, champion lists and facet numbering span every segment and
depend on the index state (BM25's statistics change with each commit), so they are
rebuilt for each new state. What they are built from does not change while a segment
exists: its postings (document numbers and term frequencies), its field lengths, its
facet column values and its decoded posting blocks. An incremental commit (each
``vnsearch fetch`` from cron) adds a small segment, perhaps merged with a few other
small ones, and leaves the big segments as they were; keeping their data here, keyed by
segment, lets the first searches after a commit read only the new segments' postings
instead of every term's from the whole index again.

Segments are immutable in Whoosh (deletions are kept beside them and applied by the
state's ``live`` bitset), so a segment's data never goes stale; a segment merged away
is simply no longer asked for and ages out of the LRUs.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from indexer.backends.whoosh import internals

__all__ = ["SEGMENTS", "SegmentCache", "SegmentPostings", "cache_doc_frequency", "segment_key"]

# Postings, lengths and facet columns of the segments, by their size in memory: the
# postings of the 2,048 terms a state caches are about 8 bytes a posting. A search engine
# sets both from search.postings_cache_mb (limit_cache); these are the defaults before.
SEGMENT_CACHE_BYTES = 192 * 1024 * 1024
# Decoded posting blocks (positions) for re-scoring and phrase checks; see
# indexer.backends.whoosh.postings.
BLOCK_CACHE_BYTES = 192 * 1024 * 1024
# Document frequencies kept per segment (a term each, looked up by the query reader,
# ranking, "did you mean"); a segment's map starts again when it holds more.
DF_TERMS_PER_SEGMENT = 200_000
# Segments whose document frequencies are kept (the least recently opened go first).
DF_SEGMENTS = 64

T = TypeVar("T")


_KEYS: "weakref.WeakKeyDictionary[Any, tuple]" = weakref.WeakKeyDictionary()


def segment_key(sub: Any) -> tuple:
    """What identifies one segment's data: its folder, Whoosh's segment id (random, new
    for every segment written) and its document count (worked out once per reader)."""
    try:
        return _KEYS[sub]
    except (KeyError, TypeError):
        pass
    storage = sub.storage()
    # A compound segment's storage is an overlay made for each reader (one per thread's
    # searcher): the folder is that of the index storage beneath it (``b``), or every
    # thread, and every reopened reader, would keep its own copy of the segment's data.
    folder = getattr(storage, "folder", None) or getattr(getattr(storage, "b", None), "folder", None)
    key = (str(folder) if folder is not None else id(storage), sub.segment().segment_id(), sub.doc_count_all())
    try:
        _KEYS[sub] = key
    except TypeError:  # a reader that takes no weak references: worked out each time
        pass
    return key


@dataclass(frozen=True)
class SegmentPostings:
    """One term's postings in one segment: document numbers within the segment, term
    frequencies (None for a presence-only field) and the map of its posting blocks."""

    ids: np.ndarray
    weights: np.ndarray | None
    blocks: Any  # postings._BlockMap, or None for another codec
    nbytes: int


_NOTHING = SegmentPostings(np.zeros(0, dtype=np.int32), None, None, 64)


class _ByteLRU:
    """A least-recently-used map bounded by the sizes its values declare."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.items: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self.bytes = 0

    def get(self, key: tuple) -> Any | None:
        got = self.items.get(key)
        if got is None:
            return None
        self.items.move_to_end(key)
        return got[0]

    def put(self, key: tuple, value: Any, size: int) -> None:
        if key in self.items:
            return
        self.items[key] = (value, size)
        self.bytes += size
        while self.bytes > self.max_bytes and self.items:
            _k, (_v, old) = self.items.popitem(last=False)
            self.bytes -= old


class SegmentCache:
    """Segment data shared by every index state of a process (thread-safe)."""

    def __init__(self, max_bytes: int = SEGMENT_CACHE_BYTES, block_bytes: int = BLOCK_CACHE_BYTES):
        self.lock = threading.Lock()
        self._data = _ByteLRU(max_bytes)
        self._blocks = _ByteLRU(block_bytes)
        self._dfs: OrderedDict[tuple, dict[tuple[str, str], int]] = OrderedDict()

    def doc_frequencies(self, segkey: tuple) -> dict[tuple[str, str], int]:
        """The segment's (field, term) -> document frequency map, filled by its users
        (a plain dict: looked up by the hundred per search, without the lock)."""
        with self.lock:
            got = self._dfs.get(segkey)
            if got is None:
                got = self._dfs[segkey] = {}
                while len(self._dfs) > DF_SEGMENTS:
                    self._dfs.popitem(last=False)
            else:
                self._dfs.move_to_end(segkey)
            return got

    def _get_or_read(self, lru: _ByteLRU, key: tuple, read: Callable[[], tuple[T, int]], hit: str) -> T:
        with self.lock:
            got = lru.get(key)
        if got is not None:
            internals.PATHS[hit] += 1
            return got
        value, size = read()
        with self.lock:
            lru.put(key, value, size)
        return value

    def postings(self, segkey: tuple, fieldname: str, text: str,
                 read: Callable[[], SegmentPostings | None]) -> SegmentPostings:
        """The term's postings in the segment, read by ``read`` (None: not there) once."""
        def load() -> tuple[SegmentPostings, int]:
            got = read() or _NOTHING
            return got, got.nbytes

        return self._get_or_read(self._data, ("p", segkey, fieldname, text), load, "segment.postings.kept")

    def lengths(self, segkey: tuple, fieldname: str, read: Callable[[], np.ndarray]) -> np.ndarray:
        """The segment's per-document lengths of ``fieldname``."""
        def load() -> tuple[np.ndarray, int]:
            got = read()
            return got, got.nbytes + 64

        return self._get_or_read(self._data, ("l", segkey, fieldname), load, "segment.lengths.kept")

    def column(self, segkey: tuple, name: str, read: Callable[[], tuple[list, np.ndarray]]) -> tuple[list, np.ndarray]:
        """The segment's facet column ``name``: its distinct values and a value number
        per document (-1: none)."""
        def load() -> tuple[tuple[list, np.ndarray], int]:
            values, ids = read()
            return (values, ids), ids.nbytes + 64 * len(values) + 64

        return self._get_or_read(self._data, ("c", segkey, name), load, "segment.column.kept")

    def derived(self, segkey: tuple, name: str, read: Callable[[], tuple[T, int]]) -> T:
        """Anything else computed from one segment alone (``read`` gives it and its size)."""
        return self._get_or_read(self._data, ("d", segkey, name), read, "segment.derived.kept")

    def block(self, key: tuple) -> Any | None:
        """A decoded posting block, if kept (``key``: segment key, field, term, block)."""
        with self.lock:
            return self._blocks.get(key)

    def keep_block(self, key: tuple, block: Any, size: int) -> None:
        with self.lock:
            self._blocks.put(key, block, size)

    @property
    def block_bytes(self) -> int:
        return self._blocks.bytes

    @property
    def data_bytes(self) -> int:
        return self._data.bytes

    def clear(self) -> None:
        """Forget every segment's data (the next reads go to the files)."""
        with self.lock:
            for lru in (self._data, self._blocks):
                lru.items.clear()
                lru.bytes = 0
            self._dfs.clear()

    def limit(self, max_bytes: int, block_bytes: int) -> None:
        """Bound the two LRUs anew (``search.postings_cache_mb``); a smaller bound evicts
        the least recently used entries now."""
        with self.lock:
            for lru, bound in ((self._data, max_bytes), (self._blocks, block_bytes)):
                lru.max_bytes = bound
                while lru.bytes > bound and lru.items:
                    _k, (_v, old) = lru.items.popitem(last=False)
                    lru.bytes -= old


def limit_cache(total_mb: int) -> None:
    """Give the process's cache ``total_mb`` megabytes, half to segment postings and
    lengths, half to decoded posting blocks."""
    half = max(1, total_mb) * 1024 * 1024 // 2
    SEGMENTS.limit(half, half)


# The process's cache: gunicorn workers and the CLI each have their own.
SEGMENTS = SegmentCache()


def cache_doc_frequency(searcher: Any, segments: SegmentCache = SEGMENTS) -> Any:
    """Make the searcher's and its reader's ``doc_frequency`` (Whoosh's looks the term
    up in every segment's term file, about 0.1 ms a segment) answer from per-segment
    maps that outlive them: a commit then costs the new segment's look-ups only, and a
    warm search none. Counts are Whoosh's own (deleted documents too). Returns
    ``searcher``. (A Whoosh searcher copies its reader's bound ``doc_frequency`` when it
    is made, which BM25's idf calls: both are replaced.)"""
    reader = searcher.reader()
    if getattr(reader, "_vnsearch_df", False):
        return searcher
    leaves = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
    maps = [(segments.doc_frequencies(segment_key(sub)), sub.doc_frequency) for sub, _offset in leaves]

    def doc_frequency(fieldname: str, text: str) -> int:
        key = (fieldname, text)
        total = 0
        for known, look_up in maps:
            n = known.get(key)
            if n is None:
                internals.PATHS["segment.df.read"] += 1
                n = look_up(fieldname, text)
                if len(known) >= DF_TERMS_PER_SEGMENT:
                    known.clear()
                known[key] = n
            total += n
        return total

    reader.doc_frequency = doc_frequency
    searcher.doc_frequency = doc_frequency
    reader._vnsearch_df = True
    return searcher
