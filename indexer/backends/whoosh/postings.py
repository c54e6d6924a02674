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
from itertools import accumulate
from dataclasses import dataclass
from typing import NamedTuple
from collections.abc import Callable, Iterable, Iterator

from whoosh.reading import TermNotFound

from indexer.backends.whoosh import internals
from indexer.backends.whoosh.positions import CompactPositions, iter_positions
from indexer.backends.whoosh.schema import bigrams
from indexer.backends.whoosh.translate import to_whoosh
from indexer.search import query as vq

__all__ = ["DocSets", "SharedState", "Evaluated", "TermData", "docsets_for", "iter_bits", "bits_from_ids"]

# Documents kept per term (and field) with their BM25 score, best first: the "champion
# list" from which the first stage draws candidates (Manning et al., IR book, 7.1.3).
CHAMPIONS = 1000

# Terms kept per searcher: a bitset (doc_count/8 bytes: 11 KB at 86,785 articles) and
# up to CHAMPIONS (docnum, score) pairs (8 KB): at most about 40 MB.
TERM_CACHE_SIZE = 2048
# Decoded posting blocks (ids and encoded positions of up to 128 documents) kept for
# re-scoring and phrase checks, by their size in memory (a block's values are joined
# into one bytes object: about 11 bytes a posting for a syllable seen once). On the
# full corpus, 96 MB holds the blocks of the benchmark's whole query mix.
BLOCK_CACHE_BYTES = 96 * 1024 * 1024
# A phrase checked on at most this many candidates keeps the blocks it decoded (more
# would flush the cache re-scoring relies on).
PHRASE_KEEP_DOCS = 65_536
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


def bits_from_ids(ids: Iterable[int], size: int) -> int:
    buf = bytearray((size + 8) // 8)
    for d in ids:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


class SharedState:
    """The caches of one index state, shared by the searchers of every thread.

    Each thread searches with its own Whoosh searcher (its own open files); what they
    read (bitsets, champion lists, decoded blocks, field lengths, facet columns) is
    plain Python data, the same for every searcher of the same index state.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.terms: "OrderedDict[tuple[str, str], TermData]" = OrderedDict()
        self.ranges: "OrderedDict[tuple, int]" = OrderedDict()
        self.blocks: "OrderedDict[tuple, _Block]" = OrderedDict()
        self.block_bytes = 0
        self.values: dict[str, list[int]] = {}
        self.dates: tuple[list[str], list[int]] | None = None
        self.lengths: dict[tuple[int, str], list[int]] = {}
        self.live: int | None = None
        self.facet_columns: dict | None = None


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
        self._blocks = shared.blocks
        self._values = shared.values
        self._length_cache = shared.lengths
        self._deadline: float | None = None
        if shared.live is None:
            shared.live = bits_from_ids(self.reader.all_doc_ids(), self.size)
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
        """One pass over the term's postings: bitset, and BM25 (as Whoosh's BM25F scores it)."""
        schema = self.searcher.schema
        if fieldname not in schema or not self.reader.doc_frequency(fieldname, text):
            return _EMPTY
        # A filter (syllable pairs) is not scored: its bitset only, no champion list.
        scorer = self._scorer(fieldname, text) if schema[fieldname].scorable else None
        ids_all: list[int] = []
        scores_all: list[float] = []
        blocks: list = []
        for sub, offset in self.reader.leaf_readers():
            try:
                m = sub.postings(fieldname, text)
            except (TermNotFound, KeyError):
                blocks.append(None)
                continue
            ids, weights, blockmap = _read_postings(m)
            blocks.append(blockmap)
            ids_all.extend(d + offset for d in ids)
            if scorer is not None:
                lengths = self._lengths(sub, offset, fieldname)
                scores_all.extend(map(scorer, weights, [lengths[d] if d < len(lengths) else 1 for d in ids]))
        bits = bits_from_ids(ids_all, self.size) & self.live
        best = heapq.nlargest(CHAMPIONS, zip(scores_all, ids_all)) if scorer is not None else []
        return TermData(bits, array("i", [d for _, d in best]), array("f", [sc for sc, _ in best]),
                        len(ids_all), tuple(blocks))

    def _scorer(self, fieldname: str, text: str):
        from whoosh.scoring import bm25

        B, K1 = internals.bm25_parameters(self.searcher.weighting, fieldname)
        idf = self.searcher.idf(fieldname, text)
        avgfl = self.searcher.avg_field_length(fieldname) or 1

        def score(weight: float, length: int) -> float:
            return bm25(idf, weight, length, avgfl, B, K1)

        return score

    def _lengths(self, sub, offset: int, fieldname: str) -> list[int]:
        """Per-document field lengths of one segment (Whoosh's one-byte encoding, decoded)."""
        cache = self._length_cache
        key = (offset, fieldname)
        got = cache.get(key)
        if got is None:
            from whoosh.util.numeric import byte_to_length

            table = [byte_to_length(i) for i in range(256)]
            n = sub.doc_count_all()
            raw = internals.lengths_bytes(sub, fieldname)
            if raw is None:  # another codec: ask document by document
                got = [sub.doc_field_length(d, fieldname, 0) or 0 for d in range(n)]
            else:
                got = [table[b] for b in raw] + [0] * (n - len(raw))
            cache[key] = got
        return got

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
            pairs = sorted((values[n], d) for d, n in enumerate(ids) if n >= 0 and values[n])
            self._shared.dates = ([p for p, _ in pairs], [d for _, d in pairs])
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
        decoder = _positions_decoder(self.searcher.schema[fieldname].format)
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
            postfile = internals.postings_file(sub)  # a block map exists for whoosh3 segments only
            internals.PATHS["positions.fast"] += 1
            maxids = blockmap.maxids
            nblocks = len(maxids)
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
                    key = (li, fieldname, text, bi)
                    with self._lock:
                        block = self._blocks.get(key)
                        if block is not None:
                            self._blocks.move_to_end(key)
                    if block is None:
                        bids, vals = _read_block(postfile, blockmap.starts[bi])
                        # Values joined into one bytes object with an offsets array: a
                        # tuple of small bytes objects would hold 45 bytes a posting
                        # beyond the data, four times the data itself for most terms.
                        joined = b"".join(vals)
                        offs = array("I", accumulate(map(len, vals), initial=0))
                        block = _Block(bids, joined, offs, decoder, 200 + 8 * len(vals) + len(joined))
                        if keep:
                            self._remember_block(key, block)
                assert block is not None
                i = bisect.bisect_left(block.ids, d)
                if i < len(block.ids) and block.ids[i] == d:
                    offs = block.offsets
                    out[d + offset] = frozenset(block.decode(block.joined[offs[i]:offs[i + 1]]))
        return out

    def _remember_block(self, key: tuple, block: "_Block") -> None:
        shared = self._shared
        with self._lock:
            if key in self._blocks:
                return
            self._blocks[key] = block
            shared.block_bytes += block.size
            while shared.block_bytes > BLOCK_CACHE_BYTES and self._blocks:
                _k, old = self._blocks.popitem(last=False)
                shared.block_bytes -= old.size

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
        nbytes = self.nbytes
        data = bits.to_bytes(nbytes, "little")
        est: dict[int, float] = {}
        get = est.get
        for fieldname, text in scoring_terms(q):
            td = self.data(fieldname, text)
            for d, sc in zip(td.docs, td.scores):
                if data[d >> 3] >> (d & 7) & 1:
                    est[d] = get(d, 0.0) + sc
        prefer &= bits
        for pool in (bits, prefer):
            if pool and pool.bit_count() <= limit:
                for d in iter_bits(pool.to_bytes(nbytes, "little")):
                    if d not in est:
                        est[d] = 0.0
        if prefer:
            pdata = prefer.to_bytes(nbytes, "little")
            best = heapq.nlargest(limit, est.items(),
                                  key=lambda kv: (pdata[kv[0] >> 3] >> (kv[0] & 7) & 1, kv[1], -kv[0]))
        else:
            best = heapq.nlargest(limit, est.items(), key=lambda kv: (kv[1], -kv[0]))
        return [(d, float(sc)) for d, sc in best]


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
