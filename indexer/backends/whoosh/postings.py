"""Matching documents as bitsets: exact totals, facet counts and filters without scoring.

Whoosh can only count a query's matches by scoring every one of them, with block-max
skipping turned off: on the full corpus that was half a second for a query over common
syllables. Here the documents of each term become one Python ``int`` used as a bitset
(bit *n* = document number *n*), cached per searcher; a query's matching set is set
algebra over those (``&``, ``|``, ``& ~``), its size is ``int.bit_count()`` and a facet
value's count is ``(matches & value_bits).bit_count()``, all in C.

Candidates for ranking come from each term's *champion list*: the term's best documents
by BM25F (scored exactly as Whoosh scores them), kept with its bitset. A document's
first-stage score is the sum of its champion scores over the query's terms, so ranking
never walks all the matches either. A phrase is checked from term positions, on the
documents that have all of its syllables only.
"""

from __future__ import annotations

import bisect
import heapq
import io
import pickle
import threading
import time
import zlib
from array import array
from collections import OrderedDict
from functools import partial
from itertools import accumulate, zip_longest
from dataclasses import dataclass
from typing import NamedTuple
from collections.abc import Callable, Iterable, Iterator

import numpy as np
from whoosh.reading import TermNotFound

from indexer.backends.whoosh import internals, keytable, termstats
from indexer.backends.whoosh.segments import SEGMENTS, SegmentCache, SegmentPostings, segment_key
from indexer.backends.whoosh.positions import CompactPositions, iter_positions
from indexer.backends.whoosh.schema import bigrams
from indexer.backends.whoosh.translate import to_whoosh
from indexer.search import query as vq

__all__ = ["DocSets", "SharedState", "Evaluated", "TermData", "docsets_for", "iter_bits", "bits_from_ids", "live_bits"]

# Documents kept per term (and field) with their BM25 score, best first: the "champion
# list" from which the first stage draws candidates (Manning et al., IR book, 7.1.3).
CHAMPIONS = 1000

# Terms kept per searcher: a bitset (doc_count/8 bytes: 11 KB at 86,785 articles) and
# up to CHAMPIONS (docnum, score) pairs (8 KB): at most about 40 MB.
TERM_CACHE_SIZE = 2048
# Decoded posting blocks (ids and encoded positions of up to 128 documents) are kept for
# re-scoring and phrase checks per segment, across index states, by their size in memory
# (a block's values are joined into one bytes object: about 11 bytes a posting for a
# syllable seen once): indexer.backends.whoosh.segments.BLOCK_CACHE_BYTES. On the full
# corpus, 96 MB holds the blocks of the benchmark's whole query mix.
# A phrase checked on at most this many candidates keeps the blocks it decoded (more
# would flush the cache re-scoring relies on).
PHRASE_KEEP_DOCS = 65_536
# A segment of at most this many documents (what an incremental commit adds) has its
# terms listed once per field for DocSets.doc_ids, so that the thousands of story-band
# and entity look-ups after a commit, nearly all absent from it, cost a dict look-up.
SMALL_SEGMENT = 2000
# Date-range bitsets kept per searcher.
RANGE_CACHE_SIZE = 64


class _Expired(Exception):
    """The search's time limit passed while checking phrases."""


@dataclass(frozen=True)
class Evaluated:
    """A query's matching documents; ``exact`` is False when a phrase was approximated."""

    bits: int
    exact: bool


@dataclass(frozen=True)
class TermData:
    """One term in one field: its documents, and the best of them by BM25."""

    bits: int
    docs: array
    scores: array
    df: int
    blocks: tuple = ()  # per segment: _BlockMap or None


_EMPTY = TermData(0, array("i"), array("f"), 0)


def iter_bits(data: bytes) -> Iterator[int]:
    """Document numbers set in a little-endian bitset, ascending."""
    for i, byte in enumerate(data):
        if byte:
            base = i << 3
            for j in range(8):
                if byte >> j & 1:
                    yield base + j


def _decode_positions(value: bytes):
    """whoosh.formats.Positions.decode_positions without its per-call overhead:
    a 4-byte count, then the pickled list of position deltas (its final STOP may
    have been stripped by the block encoder)."""
    if value[-1:] != b".":
        value += b"."
    return accumulate(pickle.loads(value[4:]))


def _positions_decoder(fmt):
    from whoosh.formats import Positions

    if type(fmt) is CompactPositions:
        return iter_positions
    return _decode_positions if type(fmt) is Positions else fmt.decoder("positions")


def _read_block(postfile, start: int) -> tuple[array, tuple]:
    """The document numbers and values of the whoosh3 posting block at ``start``.

    What ``W3LeafMatcher._goto`` + ``_read_ids`` + ``_read_values`` do, in two reads
    instead of a byte-at-a-time pickle read, and with the ids' deltas summed in C.
    """
    length = abs(postfile.get_int(start))
    raw = postfile.get(start + 4, length)
    buf = io.BytesIO(raw)
    info = pickle.load(buf)  # (count, last id, max weight, compression, min and max length)
    body = raw[buf.tell():]
    if info[3]:
        body = zlib.decompress(body)
    ids, _weights, values = pickle.loads(body)
    return array("i", accumulate(ids)), values


def _read_postings(m) -> tuple[list[int], list[float], "_BlockMap | None"]:
    """A matcher's document numbers and weights, a block at a time for whoosh3 segments
    (all vnsearch writes), with the map of its blocks (last document and offset of each)."""
    leaf = internals.leaf_matcher(m)
    if leaf is not None and leaf.is_active():
        ids, weights, maxids, starts = internals.read_leaf_blocks(leaf)
        return ids, weights, _BlockMap(maxids, starts)
    internals.PATHS["postings.slow"] += 1
    slow_ids: list[int] = []
    slow_weights: list[float] = []
    while m.is_active():
        slow_ids.append(m.id())
        slow_weights.append(m.weight())
        m.next()
    return slow_ids, slow_weights, None


def _segment_postings(sub, fieldname: str, text: str, scorable: bool) -> SegmentPostings | None:
    """One segment's postings of a term as arrays (None: the segment lacks the term)."""
    try:
        m = sub.postings(fieldname, text)
    except (TermNotFound, KeyError):
        return None
    ids, weights, blockmap = _read_postings(m)
    ids_a = np.array(ids, dtype=np.int32)
    weights_a = np.array(weights, dtype=np.float64) if scorable else None
    size = 200 + ids_a.nbytes + (weights_a.nbytes if weights_a is not None else 0)
    if blockmap is not None:
        size += 12 * len(blockmap.maxids)
    return SegmentPostings(ids_a, weights_a, blockmap, size)


def _segment_frequencies(sub, fieldname: str) -> tuple[dict[str, int], int]:
    """One segment's terms of ``fieldname`` and their document frequencies (and the size)."""
    counts: dict[str, int] = {}
    if fieldname in sub.schema and fieldname in set(sub.indexed_field_names()):
        for t, info in sub.iter_field(fieldname):
            counts[t.decode("utf-8") if isinstance(t, bytes) else t] = info.doc_frequency()
    return counts, 200 + 120 * len(counts)


def _segment_lengths(sub, fieldname: str) -> np.ndarray:
    """A segment's per-document lengths of ``fieldname`` (0 past the lengths column)."""
    from whoosh.util.numeric import byte_to_length

    n = sub.doc_count_all()
    raw = internals.lengths_bytes(sub, fieldname)
    if raw is None:  # another codec: ask document by document
        return np.array([sub.doc_field_length(d, fieldname, 0) or 0 for d in range(n)], dtype=np.int64)
    table = np.array([byte_to_length(i) for i in range(256)], dtype=np.int64)
    out = np.zeros(n, dtype=np.int64)
    got = table[np.frombuffer(raw, dtype=np.uint8)]
    out[:len(got)] = got[:n]
    return out


def _by_date(values: list, ids: np.ndarray) -> tuple[list[str], list[int]]:
    """(dates ascending, their documents) for documents with a date, on one date by
    document number: ``sorted((date, docnum))`` with the sort done by numpy."""
    ranked = sorted(range(len(values)), key=values.__getitem__)
    rank = np.full(len(values) + 1, -1, dtype=np.int64)  # index -1: no value
    for r, n in enumerate(ranked):
        if values[n]:
            rank[n] = r
    doc_rank = rank[ids]
    docs = np.flatnonzero(doc_rank >= 0)
    order = np.argsort(doc_rank[docs], kind="stable")
    docs = docs[order]
    return [values[ranked[r]] for r in doc_rank[docs].tolist()], docs.tolist()


class _Block(NamedTuple):
    """A decoded posting block as cached: document numbers, the encoded positions of
    each joined into one bytes object with an offsets array, their decoder, and the
    block's size in memory (what the cache's byte budget counts)."""

    ids: array
    joined: bytes
    offsets: array
    decode: Callable[[bytes], Iterable[int]]
    size: int


@dataclass(frozen=True)
class _BlockMap:
    """Where a term's posting blocks are in one segment: their last document and offset."""

    maxids: array
    starts: array


_NARROW = ord("H")


def _position_keys(ids: list[int], chunks: list[bytes], shift: int) -> np.ndarray | None:
    """``docnum << 32 | (position - shift)`` for every position in ``chunks`` (compact
    encoded values, one per document of ``ids``), ascending; None if a value holds
    32-bit deltas (a gap of 65,536 syllables: never seen in news, left to the slow path)."""
    if not ids:
        return np.zeros(0, dtype=np.int64)
    lens = np.fromiter(map(len, chunks), dtype=np.int64, count=len(chunks))
    buf = np.frombuffer(b"".join(chunks), dtype=np.uint8)
    starts = np.cumsum(lens) - lens
    if (buf[starts] != _NARROW).any():
        return None
    body = np.ones(len(buf), dtype=bool)
    body[starts] = False  # the type bytes: what is left is the deltas, two bytes each
    deltas = buf[body].view("<u2").astype(np.int64)
    counts = (lens - 1) >> 1
    total = np.cumsum(deltas)
    before = np.concatenate(([0], total))[np.cumsum(counts) - counts]  # each value's own start
    positions = total - np.repeat(before, counts)
    return (np.repeat(np.array(ids, dtype=np.int64), counts) << 32) + positions - shift


def bit_flags(bits: int, nbytes: int) -> np.ndarray:
    """A bitset as one bool per document (``nbytes * 8`` of them), unpacked in C."""
    raw = np.frombuffer(bits.to_bytes(nbytes, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little").view(bool)


def bits_from_ids(ids: Iterable[int], size: int) -> int:
    """A bitset of ``size`` documents with the bits of ``ids`` set."""
    return bits_from_array(np.fromiter(ids, dtype=np.int64), size)


def live_bits(reader, size: int) -> int:
    """The documents not deleted, as a bitset: per segment a range less its deleted
    set (``all_doc_ids`` asks every document whether it is deleted, in Python)."""
    flags = np.zeros(size, dtype=bool)
    for sub, offset in reader.leaf_readers():
        n = sub.doc_count_all()
        flags[offset:offset + n] = True
        if sub.has_deletions():
            dead = getattr(sub, "deleted_docs_set", None)
            if dead is None:  # another reader: ask document by document
                dead = [d for d in range(n) if sub.is_deleted(d)]
            flags[offset + np.fromiter(dead, dtype=np.int64)] = False
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")


def bits_from_array(ids: np.ndarray, size: int) -> int:
    """:func:`bits_from_ids` for a numpy array of document numbers (set and packed in C)."""
    flags = np.zeros(size, dtype=bool)
    flags[ids] = True
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")


def _champions(scores: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CHAMPIONS best (score, document) pairs, best first, ties to the higher
    document number: what ``heapq.nlargest`` over ``zip(scores, ids)`` gives."""
    n = len(scores)
    if n > CHAMPIONS:
        kth = np.partition(scores, n - CHAMPIONS)[n - CHAMPIONS]
        keep = np.flatnonzero(scores >= kth)  # every tie at the boundary, then sorted
        scores, ids = scores[keep], ids[keep]
    order = np.lexsort((ids, scores))[::-1][:CHAMPIONS]
    return ids[order], scores[order]


def _bm25(idf: float, tf: np.ndarray, fl: np.ndarray, avgfl: float, B: float, K1: float) -> np.ndarray:
    """whoosh.scoring.bm25 over arrays: the same operations in the same order, so each
    score is the very double Whoosh computes for that posting."""
    return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))


class SharedState:
    """The caches of one index state, shared by the searchers of every thread.

    Each thread searches with its own Whoosh searcher (its own open files); what they
    read (bitsets, champion lists, decoded blocks, field lengths, facet columns) is
    plain Python data, the same for every searcher of the same index state.
    """

    def __init__(self, segments: SegmentCache | None = None):
        self.lock = threading.Lock()
        self.terms: "OrderedDict[tuple[str, str], TermData]" = OrderedDict()
        self.ranges: "OrderedDict[tuple, int]" = OrderedDict()
        self.values: dict[str, list[int]] = {}
        self.dates: tuple[list[str], list[int]] | None = None
        self.live: int | None = None
        self.facet_columns: dict | None = None
        # What outlives this state: each segment's postings, lengths and blocks.
        self.segments: SegmentCache = segments if segments is not None else SEGMENTS


class DocSets:
    """Bitsets of one searcher's documents: per term, per facet value, per date range."""

    def __init__(self, searcher, facet_columns: dict[str, tuple[list, list[int]]],
                 shared: SharedState | None = None):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        self.nbytes = (self.size + 8) // 8  # a bitset of ``size`` documents as bytes
        self._columns = facet_columns
        self._shared = shared = shared if shared is not None else SharedState()
        self._lock = shared.lock
        self._terms = shared.terms
        self._ranges = shared.ranges
        self._segments = shared.segments
        self._values = shared.values
        self._deadline: float | None = None
        self._tables: dict[str, list[keytable.KeyTable | None]] = {}
        if shared.live is None:
            shared.live = live_bits(self.reader, self.size)
        self.live = shared.live

    # -- building blocks ------------------------------------------------------------

    def term(self, fieldname: str, text: str) -> int:
        """The documents holding ``text`` in ``fieldname``, as a bitset."""
        return self.data(fieldname, text).bits

    def members(self, fieldname: str, text: str) -> bytes:
        """The term's bitset as little-endian bytes: testing a document's bit in bytes
        costs nothing, where shifting a big ``int`` copies it."""
        return self.term(fieldname, text).to_bytes(self.nbytes, "little")

    def data(self, fieldname: str, text: str) -> TermData:
        """The term's bitset and champion list (read once, then cached)."""
        key = (fieldname, text)
        with self._lock:
            got = self._terms.get(key)
            if got is not None:
                self._terms.move_to_end(key)
                return got
        got = self._read_term(fieldname, text)
        with self._lock:
            self._terms[key] = got
            while len(self._terms) > TERM_CACHE_SIZE:
                self._terms.popitem(last=False)
        return got

    def _read_term(self, fieldname: str, text: str) -> TermData:
        """The term's bitset and BM25 champions (as Whoosh's BM25F scores them), from each
        segment's postings: read once per segment, kept across index states."""
        schema = self.searcher.schema
        if fieldname not in schema or not self.reader.doc_frequency(fieldname, text):
            return _EMPTY
        # A filter (syllable pairs) is not scored: its bitset only, no champion list.
        scorable = bool(schema[fieldname].scorable)
        ids_parts: list[np.ndarray] = []
        tf_parts: list[np.ndarray] = []
        fl_parts: list[np.ndarray] = []
        blocks: list = []
        for sub, offset in self.reader.leaf_readers():
            segkey = segment_key(sub)
            seg = self._segments.postings(segkey, fieldname, text,
                                          partial(_segment_postings, sub, fieldname, text, scorable))
            blocks.append(seg.blocks)
            if not len(seg.ids):
                continue
            ids_parts.append(seg.ids.astype(np.int64) + offset)
            if scorable and seg.weights is not None:
                tf_parts.append(seg.weights)
                fl_parts.append(self._lengths(sub, segkey, fieldname)[seg.ids])
        ids = np.concatenate(ids_parts) if ids_parts else np.zeros(0, dtype=np.int64)
        bits = bits_from_array(ids, self.size) & self.live
        if not scorable or not tf_parts:
            return TermData(bits, array("i"), array("f"), len(ids), tuple(blocks))
        scores = self._scores(fieldname, text, np.concatenate(tf_parts), np.concatenate(fl_parts))
        docs, best = _champions(scores, ids)
        return TermData(bits, array("i", docs.astype(np.int32).tobytes()),
                        array("f", best.astype(np.float32).tobytes()), len(ids), tuple(blocks))

    def doc_ids(self, fieldname: str, text: str) -> np.ndarray:
        """The documents holding the term (deleted ones too: mask with ``live``), from
        the per-segment cache but not the term cache: for short lists looked up by the
        thousand (story bands, entity names), which would crowd the query terms out."""
        return self.doc_ids_any(fieldname, [text])

    def doc_ids_any(self, fieldname: str, texts: list[str]) -> np.ndarray:
        """The documents holding any of the terms (deleted ones too; a document holding
        two is listed twice): from a segment's key table where it has one
        (:mod:`.keytable`, one look-up for all the terms), else term by term."""
        if fieldname not in self.searcher.schema or not texts:
            return np.zeros(0, dtype=np.int64)
        keys = keytable.term_keys(texts) if fieldname in keytable.KEYED_FIELDS else None
        tables = self._key_tables(fieldname) if keys is not None else None
        parts = []
        for i, (sub, offset) in enumerate(self.reader.leaf_readers()):
            table = tables[i] if tables is not None else None
            if table is not None and keys is not None:
                internals.PATHS["keytable.fast"] += 1
                found = table.lookup(keys)
                if len(found):
                    parts.append(found.astype(np.int64) + offset)
                continue
            for text in texts:
                seg = self._term_in_segment(sub, fieldname, text)
                if seg is not None and len(seg.ids):
                    parts.append(seg.ids.astype(np.int64) + offset)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _term_in_segment(self, sub, fieldname: str, text: str) -> SegmentPostings | None:
        """One segment's postings of a term (None: a commit's small segment lacks it,
        found without a look-up in its term list)."""
        if sub.doc_count_all() <= SMALL_SEGMENT and text not in self._small_terms(sub, fieldname):
            return None
        scorable = bool(self.searcher.schema[fieldname].scorable)
        return self._segments.postings(segment_key(sub), fieldname, text,
                                       partial(_segment_postings, sub, fieldname, text, scorable))

    def _key_tables(self, fieldname: str) -> list[keytable.KeyTable | None]:
        """Each segment's key table of ``fieldname`` (None: it has none), in reader order;
        found once per searcher."""
        got = self._tables.get(fieldname)
        if got is None:
            got = self._tables[fieldname] = [self._key_table(sub, fieldname) for sub, _o in self.reader.leaf_readers()]
        return got

    def _key_table(self, sub, fieldname: str) -> keytable.KeyTable | None:
        """The segment's key table of ``fieldname`` (read once), or None without one."""
        def read() -> tuple[keytable.KeyTable | bool, int]:
            table = keytable.read_table(sub, fieldname)
            return (table, table.nbytes) if table is not None else (False, 64)  # False: cached absence

        got = self._segments.derived(segment_key(sub), f"keys:{fieldname}", read)
        return got if isinstance(got, keytable.KeyTable) else None

    def preload(self, budget_bytes: int, fields: Iterable[str]) -> int:
        """Read the terms of ``fields`` with the most postings, most first, until their
        postings fill about ``budget_bytes`` (12 bytes a posting: document number, term
        frequency, field length), with the lengths of those fields: the terms whose first
        use costs most (at most TERM_CACHE_SIZE, what a state keeps). Returns the number
        of terms read."""
        schema = self.searcher.schema
        names = [f for f in fields if f in schema]
        for sub, _offset in self.reader.leaf_readers():
            for name in names:
                if schema[name].scorable:
                    self._lengths(sub, segment_key(sub), name)
        # Each field's most frequent terms, taken in turn (titles are short: ranked with
        # the bodies, their commonest terms would never be reached).
        per_field = max(1, TERM_CACHE_SIZE // max(1, len(names)))
        tops = [[(df, name, text) for text, df in self.frequent_terms(name, per_field)] for name in names]
        ranked = [item for rank in zip_longest(*tops) for item in rank if item is not None]
        spent = 0
        count = 0
        for df, name, text in ranked:
            if spent + 12 * df > budget_bytes:
                continue
            self.data(name, text)
            spent += 12 * df
            count += 1
        return count

    def _small_terms(self, sub, fieldname: str) -> dict[str, int]:
        return self._segments.derived(segment_key(sub), f"df:{fieldname}",
                                      partial(_segment_frequencies, sub, fieldname))

    def frequent_terms(self, fieldname: str, n: int) -> list[tuple[str, int]]:
        """The field's ``n`` most frequent terms with their document counts (as Whoosh
        counts them: deleted documents too), most first: summed over each segment's list
        of its most frequent terms (:mod:`.termstats`), or over all its terms where it
        has no list (read once)."""
        total: dict[str, int] = {}
        for sub, _offset in self.reader.leaf_readers():
            listed = self._top_terms(sub) if n <= termstats.TOP_TERMS else None
            if listed is not None:
                internals.PATHS["termstats.fast"] += 1
                counts = listed.get(fieldname, {})
            else:
                counts = self._segments.derived(segment_key(sub), f"df:{fieldname}",
                                                partial(_segment_frequencies, sub, fieldname))
            for term, df in counts.items():
                total[term] = total.get(term, 0) + df
        return heapq.nlargest(n, total.items(), key=lambda kv: (kv[1], kv[0]))

    def _top_terms(self, sub) -> dict[str, dict[str, int]] | None:
        """The segment's lists of its most frequent terms (read once), or None without them."""
        def read() -> tuple[dict[str, dict[str, int]] | bool, int]:
            got = termstats.read_top_terms(sub)
            if got is None:
                return False, 64  # False: cached absence
            return got, 64 + sum(100 * len(v) for v in got.values())

        got = self._segments.derived(segment_key(sub), "top_terms", read)
        return got if isinstance(got, dict) else None

    def _scores(self, fieldname: str, text: str, tf: np.ndarray, fl: np.ndarray) -> np.ndarray:
        B, K1 = internals.bm25_parameters(self.searcher.weighting, fieldname)
        idf = self.searcher.idf(fieldname, text)
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        return _bm25(idf, tf, fl, avgfl, B, K1)

    def _lengths(self, sub, segkey: tuple, fieldname: str) -> np.ndarray:
        """Per-document field lengths of one segment (Whoosh's one-byte encoding, decoded)."""
        return self._segments.lengths(segkey, fieldname, partial(_segment_lengths, sub, fieldname))

    def value_bits(self, name: str) -> list[int]:
        """One bitset per distinct value of facet field ``name`` (same order as its values)."""
        with self._lock:
            got = self._values.get(name)
        if got is not None:
            return got
        values, ids = self._columns[name]
        bufs = [bytearray(self.nbytes) for _ in values]
        for d, n in enumerate(ids):
            if n >= 0:
                bufs[n][d >> 3] |= 1 << (d & 7)
        got = [int.from_bytes(b, "little") & self.live for b in bufs]
        with self._lock:
            self._values[name] = got
        return got

    def field_value(self, name: str, value: str) -> int:
        values, _ids = self._columns[name]
        bits = self.value_bits(name)
        return next((b for v, b in zip(values, bits) if v == value), 0)

    def date_range(self, start: str | None, end: str | None) -> int:
        """Documents whose ``published`` date is within [start, end] (ISO strings)."""
        key = (start, end)
        with self._lock:
            bits = self._ranges.get(key)
            if bits is not None:
                return bits
        dates, docs = self._date_order()
        lo = bisect.bisect_left(dates, start) if start else 0
        hi = bisect.bisect_right(dates, end + "\uffff") if end else len(dates)
        bits = bits_from_ids(docs[lo:hi], self.size) & self.live
        with self._lock:
            self._ranges[key] = bits
            while len(self._ranges) > RANGE_CACHE_SIZE:
                self._ranges.popitem(last=False)
        return bits

    def _date_order(self) -> tuple[list[str], list[int]]:
        """(dates ascending, their document numbers), for range filters and newest-first."""
        if self._shared.dates is None:
            values, ids = self._columns["published"]
            self._shared.dates = _by_date(values, np.array(ids, dtype=np.int64))
        return self._shared.dates

    def newest(self, bits: int, limit: int) -> list[int]:
        """Up to ``limit`` documents of ``bits``, newest first; undated ones last."""
        data = bits.to_bytes(self.nbytes, "little")
        out: list[int] = []
        dates, docs = self._date_order()
        # Newest first; on the same date, the lower document number first.
        i = len(docs) - 1
        while i >= 0 and len(out) < limit:
            j = i
            while j > 0 and dates[j - 1] == dates[i]:
                j -= 1
            for d in docs[j:i + 1]:
                if data[d >> 3] >> (d & 7) & 1:
                    out.append(d)
            i = j - 1
        if len(out) < limit:
            rest = bits & ~self.date_range(None, None)  # cached: every dated document
            for d in iter_bits(rest.to_bytes(self.nbytes, "little")):
                out.append(d)
                if len(out) >= limit:
                    break
        return out[:limit]

    # -- queries --------------------------------------------------------------------

    def evaluate(self, q: vq.Query, deadline: float | None = None, within: int | None = None) -> Evaluated:
        """The documents matching ``q`` exactly.

        Two passes: an upper bound first (a phrase as all of its syllables, an
        exclusion ignored), then the exact set, checking phrases from their positions
        only on the documents of the upper bound. Past ``deadline`` (``time.monotonic``)
        phrase checking stops and the upper bound is returned with ``exact=False``.
        """
        upper = self._eval(q, None) & self.live
        if within is not None:
            upper &= within
        if not upper or not (_has_phrase(q) or _has_exclusion(q)):
            return Evaluated(upper, True)
        self._deadline = deadline
        try:
            return Evaluated(self._eval(q, upper) & upper, True)
        except _Expired:
            return Evaluated(upper, False)
        finally:
            self._deadline = None

    def _eval(self, q: vq.Query, within: int | None) -> int:
        """Bitset of ``q``; ``within`` None: the upper bound, else exact inside ``within``."""
        if isinstance(q, vq.Term):
            return self.term(q.fieldname, q.text)
        if isinstance(q, vq.AndMaybe):
            return self._eval(q.a, within)
        if isinstance(q, vq.AndNot):
            if within is None:
                return self._eval(q.a, within)
            return self._eval(q.a, within) & ~self._eval(q.b, within)
        if isinstance(q, vq.And):
            out = self.live
            for sub in q.subqueries:
                out &= self._eval(sub, within)
                if not out:
                    break
            return out
        if isinstance(q, vq.Or):
            out = 0
            for sub in q.subqueries:
                out |= self._eval(sub, within)
            return out
        if isinstance(q, vq.Phrase):
            out = self.live
            for word in q.words:
                out &= self.term(q.fieldname, word)
            pairs = _BIGRAM_FIELDS.get(q.fieldname)
            if pairs is not None and pairs in self.searcher.schema and len(q.words) >= 2:
                # Adjacent pairs are terms of their own: a two-word phrase is exactly
                # its pair, a longer one is checked only where all its pairs occur.
                for pair in bigrams(list(q.words)):
                    out &= self.term(pairs, pair)
                if len(q.words) == 2:
                    return out
            if within is None or len(q.words) < 2:
                return out
            return self.phrase(q.fieldname, list(q.words), out & within)
        if isinstance(q, vq.Every):
            return self.live
        if isinstance(q, vq.Nothing):
            return 0
        # Anything else: ask Whoosh (exact, slower).
        return bits_from_ids(self.searcher.docs_for_query(to_whoosh(q)), self.size)

    def phrase(self, fieldname: str, words: list[str], candidates: int) -> int:
        """The documents of ``candidates`` where ``words`` occur one after another."""
        if not candidates:
            return 0
        docs = list(iter_bits(candidates.to_bytes(self.nbytes, "little")))
        # Checking more candidates than this would flush the block cache re-scoring
        # relies on: their blocks are read, used and dropped.
        keep = len(docs) <= PHRASE_KEEP_DOCS
        chained = self._chain(fieldname, words, docs, keep)
        internals.PATHS["phrase.numpy" if chained is not None else "phrase.slow"] += 1
        if chained is not None:
            return bits_from_ids(chained, self.size)
        pos = [self.positions(fieldname, w, docs, keep=keep) for w in words]
        first, rest = pos[0], pos[1:]
        found = []
        deadline = self._deadline
        for n, d in enumerate(docs):
            if deadline is not None and not n & 255 and time.monotonic() > deadline:
                raise _Expired()
            starts = first.get(d)
            if not starts:
                continue
            others = [p.get(d, ()) for p in rest]
            if any(all((p + i) in o for i, o in enumerate(others, 1)) for p in starts):
                found.append(d)
        return bits_from_ids(found, self.size)

    def _chain(self, fieldname: str, words: list[str], docs: list[int], keep: bool) -> list[int] | None:
        """:meth:`phrase` with numpy: each word's positions in the documents still
        possible, undecoded, as one array of ``docnum << 32 | position - offset`` keys,
        intersected word by word (a document stays while some start does). None when
        positions are not in the compact encoding with 16-bit deltas (the slow path).

        Decoding a frozenset of positions per document and word was four fifths of a
        three-word query's time ("bộ y tế": 1,225 articles hold its two pairs)."""
        if _positions_decoder(self.searcher.schema[fieldname].format) is not iter_positions:
            return None
        keys = None
        for shift, word in enumerate(words):
            if self._deadline is not None and time.monotonic() > self._deadline:
                raise _Expired()
            ids: list[int] = []
            chunks: list[bytes] = []
            if not self._encoded(fieldname, word, docs, keep, ids, chunks):
                return None  # a segment without a block map
            got = _position_keys(ids, chunks, shift)
            if got is None:
                return None
            keys = got if keys is None else np.intersect1d(keys, got, assume_unique=True)
            if not len(keys):
                return []
            docs = np.unique(keys >> 32).tolist()
        return docs

    def _encoded(self, fieldname: str, text: str, docnums: list[int], keep: bool,
                 ids: list[int], chunks: list[bytes]) -> bool:
        """Append to ``ids`` each of ``docnums`` (sorted) holding the term, and to
        ``chunks`` its encoded positions (:meth:`positions` without decoding them).
        False when a segment has no block map (read with :meth:`positions` instead)."""
        td = self.data(fieldname, text)
        if not td.bits or not docnums:
            return True
        data = td.bits.to_bytes(self.nbytes, "little")
        for li, (sub, offset) in enumerate(self.reader.leaf_readers()):
            lo = bisect.bisect_left(docnums, offset)
            hi = bisect.bisect_left(docnums, offset + sub.doc_count_all())
            wanted = [d - offset for d in docnums[lo:hi] if data[d >> 3] >> (d & 7) & 1] if hi > lo else []
            if not wanted:
                continue
            blockmap = td.blocks[li] if li < len(td.blocks) else None
            if blockmap is None:
                return False
            for d, block, i in self._in_blocks(sub, fieldname, text, blockmap, wanted, keep):
                offs = block.offsets
                ids.append(d + offset)
                chunks.append(block.joined[offs[i]:offs[i + 1]])
        return True

    def positions(self, fieldname: str, text: str, docnums: list[int],
                  keep: bool = True) -> dict[int, frozenset]:
        """Positions of a term in each of ``docnums`` (sorted) that holds it.

        Finds each document's posting block from the term's block map by bisection and
        decodes only those blocks (Whoosh's ``skip_to`` steps through blocks and
        postings one at a time, which made re-scoring the costliest part of a search).
        Decoded blocks are kept in a small LRU shared by all queries: common syllables
        recur across queries, and decoding blocks is what re-scoring spends its time on.
        """
        out: dict[int, frozenset] = {}
        if not docnums:
            return out
        td = self.data(fieldname, text)
        if not td.bits:
            return out
        data = td.bits.to_bytes(self.nbytes, "little")
        for li, (sub, offset) in enumerate(self.reader.leaf_readers()):
            n = sub.doc_count_all()
            lo = bisect.bisect_left(docnums, offset)
            hi = bisect.bisect_left(docnums, offset + n)
            wanted = [d - offset for d in docnums[lo:hi] if data[d >> 3] >> (d & 7) & 1] if hi > lo else []
            if not wanted:
                continue
            blockmap = td.blocks[li] if li < len(td.blocks) else None
            if blockmap is None:
                self._positions_generic(sub, offset, fieldname, text, wanted, out)
                continue
            internals.PATHS["positions.fast"] += 1  # a block map exists for whoosh3 segments only
            for d, block, i in self._in_blocks(sub, fieldname, text, blockmap, wanted, keep):
                offs = block.offsets
                out[d + offset] = frozenset(block.decode(block.joined[offs[i]:offs[i + 1]]))
        return out

    def _in_blocks(self, sub, fieldname: str, text: str, blockmap: "_BlockMap", wanted: list[int],
                   keep: bool) -> Iterator[tuple[int, "_Block", int]]:
        """(segment docnum, its decoded block, its index there) for each of ``wanted``
        (sorted segment document numbers) that holds the term."""
        postfile = internals.postings_file(sub)
        segkey = segment_key(sub)
        maxids = blockmap.maxids
        nblocks = len(maxids)
        decoder = _positions_decoder(self.searcher.schema[fieldname].format)
        bi = 0
        current = -1
        block: _Block | None = None
        for d in wanted:
            if d > maxids[bi]:
                bi = bisect.bisect_left(maxids, d, bi)
                if bi >= nblocks:
                    break
            if bi != current:  # one cache look-up per block, not per document
                current = bi
                key = (segkey, fieldname, text, bi)
                block = self._segments.block(key)
                if block is None:
                    bids, vals = _read_block(postfile, blockmap.starts[bi])
                    # Values joined into one bytes object with an offsets array: a
                    # tuple of small bytes objects would hold 45 bytes a posting
                    # beyond the data, four times the data itself for most terms.
                    joined = b"".join(vals)
                    offs = array("I", accumulate(map(len, vals), initial=0))
                    block = _Block(bids, joined, offs, decoder, 200 + 8 * len(vals) + len(joined))
                    if keep:
                        self._segments.keep_block(key, block, block.size)
            assert block is not None
            i = bisect.bisect_left(block.ids, d)
            if i < len(block.ids) and block.ids[i] == d:
                yield d, block, i

    @staticmethod
    def _positions_generic(sub, offset: int, fieldname: str, text: str, wanted: list[int],
                           out: dict[int, frozenset]) -> None:
        internals.PATHS["positions.slow"] += 1
        try:
            m = sub.postings(fieldname, text)
        except (TermNotFound, KeyError):
            return
        for d in wanted:
            if not m.is_active():
                break
            m.skip_to(d)
            if m.is_active() and m.id() == d:
                out[d + offset] = frozenset(m.value_as("positions"))

    def top(self, q: vq.Query, bits: int, limit: int, prefer: int = 0) -> list[tuple[int, float]]:
        """The ``limit`` best documents of ``bits`` for ``q``, by BM25 from champion lists.

        A document's score is the sum of its champion scores over the query's terms
        (as Whoosh sums its matchers); a document outside a term's champions gets
        nothing for that term, so rare terms (whose lists are complete) are exact and
        common ones contribute only where they matter most. Documents in ``prefer``
        (those with every word exactly as typed) come first; when ``bits`` (or
        ``prefer``) holds no more than ``limit`` documents, every one of them is a
        candidate.
        """
        # Summed with numpy, term by term in the same order as a per-document loop
        # would (float32 champion scores added as doubles), so each sum is the same
        # double; a term's champions are distinct documents, hence one fancy ``+=``.
        mask = bit_flags(bits, self.nbytes)
        est = np.zeros(len(mask), dtype=np.float64)
        seen = np.zeros(len(mask), dtype=bool)
        for fieldname, text in scoring_terms(q):
            td = self.data(fieldname, text)
            if not len(td.docs):
                continue
            docs = np.frombuffer(td.docs, dtype=np.int32)
            keep = mask[docs]
            docs = docs[keep]
            est[docs] += np.frombuffer(td.scores, dtype=np.float32)[keep].astype(np.float64)
            seen[docs] = True
        prefer &= bits
        for pool in (bits, prefer):
            if pool and pool.bit_count() <= limit:
                seen |= bit_flags(pool, self.nbytes)
        cands = np.flatnonzero(seen)
        scores = est[cands]
        # Best first: preferred documents, then by score, then the lower number
        # (heapq.nlargest by (preferred, score, -docnum)).
        if prefer:
            order = np.lexsort((cands, -scores, ~bit_flags(prefer, self.nbytes)[cands]))
        else:
            order = np.lexsort((cands, -scores))
        order = order[:limit]
        return list(zip(cands[order].tolist(), scores[order].tolist()))


def _has_phrase(q: vq.Query) -> bool:
    if isinstance(q, vq.Phrase):
        return True
    if isinstance(q, (vq.AndNot, vq.AndMaybe)):
        return _has_phrase(q.a) or _has_phrase(q.b)
    if isinstance(q, vq.Compound):
        return any(_has_phrase(sub) for sub in q.subqueries)
    return False


def _has_exclusion(q: vq.Query) -> bool:
    if isinstance(q, vq.AndNot):
        return True
    if isinstance(q, vq.AndMaybe):
        return _has_exclusion(q.a)
    if isinstance(q, vq.Compound):
        return any(_has_exclusion(sub) for sub in q.subqueries)
    return False


def scoring_terms(q: vq.Query) -> list[tuple[str, str]]:
    """The (field, text) of every term that adds to a document's score, once each."""
    out: dict[tuple[str, str], None] = {}

    def walk(node: vq.Query) -> None:
        if isinstance(node, vq.Term):
            out[(node.fieldname, node.text)] = None
        elif isinstance(node, vq.AndNot):
            walk(node.a)
        elif isinstance(node, vq.Phrase):
            for word in node.words:
                out[(node.fieldname, word)] = None
        elif isinstance(node, (vq.AndMaybe,)):
            walk(node.a)
            walk(node.b)
        elif isinstance(node, vq.Compound):
            for sub in node.subqueries:
                walk(sub)

    walk(q)
    return list(out)


# The bigram field beside each syllable field (indexes made before it fall back to
# checking phrases from positions alone).
_BIGRAM_FIELDS = {"title_f": "title_b", "body_f": "body_b"}

_DOCSETS_LOCK = threading.Lock()


def docsets_for(searcher, facet_columns, shared: SharedState | None = None) -> DocSets:
    """The searcher's :class:`DocSets` (made once per searcher; caches in ``shared``)."""
    slot = internals.searcher_slot(searcher)
    ds = slot.get("docsets")
    if ds is None:
        with _DOCSETS_LOCK:
            ds = slot.get("docsets")
            if ds is None:
                internals.check_reader(searcher)
                ds = DocSets(searcher, facet_columns, shared or slot.get("shared"))
                slot["docsets"] = ds
    return ds
