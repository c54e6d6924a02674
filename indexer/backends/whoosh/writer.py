"""A Whoosh segment writer for pre-analysed documents, cheap per posting.

Whoosh's :class:`~whoosh.writing.SegmentWriter` pays several Python calls per token
(analyser tokens, ``word_values``, the external sorting pool with its size accounting,
and a column look-up of the field length per posting when the segment is flushed).
Our documents arrive already analysed (``(token, position)`` lists from
:mod:`indexer.text.analysis`), so this writer:

* builds each token field's postings with one dict pass per field;
* keeps a segment's postings in memory, grouped by term (a segment is bounded by
  :data:`indexer.build.builder.SEGMENT_DOCS` documents), so flushing sorts the distinct terms,
  not every posting, and never spills to temporary files;
* knows each document's field lengths, so flushing needs no length column reads.

The files it writes are ordinary Whoosh 3 segments (same codec, same encodings as
``SegmentWriter``), so readers, merges and searches see no difference; a segment's
compound file also holds a key table of its story bands (:mod:`.keytable`) and each
field's most frequent terms (:mod:`.termstats`), which Whoosh ignores. Several of
these writers run in worker processes (without the index lock, as Whoosh's own
``MpWriter`` sub-writers do); the process holding the lock adds their segments to the
table of contents in one atomic commit (:func:`commit_with_segments`).
"""

from __future__ import annotations

import heapq
import pickle
import zlib
from array import array
from collections import defaultdict
from types import MethodType

from itertools import chain
from operator import itemgetter, sub

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.filedb.filetables import _lengths as _KV_LENGTHS
from whoosh.system import emptybytes, pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from indexer.backends.whoosh import internals, keytable, termstats
from indexer.backends.whoosh.positions import CompactPositions, encode_positions

__all__ = ["FastSegmentWriter", "TOKEN_FIELDS", "abandon_segment", "commit_with_segments", "finish_segment",
           "open_segment_writer", "segment_files"]

# Fields fed with (token, position) lists rather than strings.
TOKEN_FIELDS = ("title_f", "title_x", "body_f", "body_x", "title_b", "body_b", "words")

_dumps = pickle.dumps


_single: dict[int, bytes] = {}

# A posting block whose pickle is shorter than this is stored uncompressed (its block
# info says compression 0, which Whoosh's reader honours per block). zlib costs ~15 µs
# a call whatever the size, and makes blocks this small barely smaller (under ~64
# bytes, larger); most blocks are this small. Whoosh's own writer meant to do the same
# ("less than 20 bytes, don't bother compressing") but overwrites its decision.
COMPRESS_MIN_BYTES = 128


def _write_block(self, last=False):
    """``W3PostingsWriter._write_block`` (whoosh 2.7), leaving small blocks uncompressed."""
    if not self._blockcount:
        self._postfile.write(WHOOSH3_HEADER_MAGIC)
    self._terminfo.add_block(self)
    databytes = _dumps((_mini_ids(self._ids), _mini_weights(self._weights), self._mini_values()), 2)
    comp = self._compression if len(databytes) >= COMPRESS_MIN_BYTES else 0
    if comp:
        databytes = zlib.compress(databytes, comp)
    ids = self._ids
    infobytes = _dumps((len(ids), ids[-1], self._maxweight, comp,
                        length_to_byte(self._minlength), length_to_byte(self._maxlength)), 2)
    postfile = self._postfile
    blocklength = len(infobytes) + len(databytes)
    if last:
        blocklength *= -1
    postfile.write_int(blocklength)
    postfile.write(infobytes)
    postfile.write(databytes)
    self._blockcount += 1
    self._new_block()


def _mini_ids(ids) -> tuple:
    """``W3PostingsWriter._mini_ids`` (integer ids): deltas, computed in C."""
    return tuple(map(sub, ids, chain((0,), ids)))


def _mini_weights(weights):
    """``W3PostingsWriter._mini_weights``: None if all 1.0, the one value if all
    equal, else a tuple; counted in C instead of a generator per posting."""
    n = len(weights)
    if weights.count(1.0) == n:
        return None
    if weights.count(weights[0]) == n:
        return weights[0]
    return tuple(weights)


def _positions_value(poslist: list[int]) -> bytes:
    """``formats.Positions.encode``: count, then the pickled position deltas."""
    if len(poslist) == 1:
        p = poslist[0]
        v = _single.get(p)
        if v is None:
            v = _single[p] = pack_uint(1) + _dumps([p], 2)
        return v
    deltas = []
    base = 0
    for p in poslist:
        deltas.append(p - base)
        base = p
    return pack_uint(len(deltas)) + _dumps(deltas, 2)


def _positions_by_term(tokens: list) -> dict[str, list[int]]:
    """Each token's positions, in first-seen order, from a plain token list (position =
    index) or a list of ``(token, position)`` pairs."""
    poses: dict[str, list[int]] = {}
    pairs = enumerate(tokens) if tokens and isinstance(tokens[0], str) else ((p, t) for t, p in tokens)
    for pos, text in pairs:
        lst = poses.get(text)
        if lst is None:
            poses[text] = [pos]
        else:
            lst.append(pos)
    return poses


class FastSegmentWriter(SegmentWriter):
    """``SegmentWriter`` taking pre-analysed token fields; see the module docstring."""

    def __init__(self, ix, **kwargs):
        internals.check_writer()
        super().__init__(ix, **kwargs)
        # fieldname -> term -> flat [docnum, freq, vbytes, docnum, freq, vbytes, ...]
        # (terms are str for token fields, bytes for the others: both sort alike)
        self._post: dict[str, dict] = {}
        # fieldname -> docnum -> quantised length (what a length column read returns)
        self._lens: dict[str, dict[int, int]] = {}
        self.fast_docs = 0
        # token fields whose postings are docnums only (see ``present`` below)
        self._presence: set[str] = set()

    def add_analyzed(self, stored: dict, streams: dict[str, list]) -> None:
        """Add one document: ``stored`` plain field values, ``streams`` token fields
        (lists of tokens, position = index, or of ``(token, position)`` pairs)."""
        self._check_state()
        schema = self.schema
        pdw = self.perdocwriter
        docnum = self.docnum
        pdw.start_doc(docnum)
        try:
            for fieldname in sorted(stored.keys() | streams.keys()):
                if fieldname not in schema:  # an index made before the field existed
                    continue
                field = schema[fieldname]
                tokens = streams.get(fieldname)
                if tokens is not None:
                    self._add_token_field(fieldname, field, tokens, docnum)
                elif stored[fieldname] is not None:
                    self._add_plain_field(fieldname, field, stored[fieldname], docnum)
        except Exception:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        self._added = True
        self.docnum += 1
        self.fast_docs += 1

    def _add_token_field(self, fieldname: str, field, tokens: list, docnum: int) -> None:
        """A pre-analysed field: its postings (or presence), term vector and length."""
        if field.format.fixed_value_size() == 0 and not field.scorable:
            self._add_presence(fieldname, tokens, docnum)
            self.perdocwriter.add_field(fieldname, field, None, 0)
            return
        poses = _positions_by_term(tokens)
        # Indexes made before indexer.backends.whoosh.positions keep Whoosh's encoding.
        encode = encode_positions if type(field.format) is CompactPositions else _positions_value
        phrase = field.format.supports("positions")
        terms = self._post.get(fieldname)
        if terms is None:
            terms = self._post[fieldname] = {}
        for text, plist in poses.items():
            freq = len(plist)
            vb = encode(plist) if phrase else pack_uint(freq)
            lst = terms.get(text)
            if lst is None:
                terms[text] = [docnum, freq, vb]
            else:
                lst += (docnum, freq, vb)
        if field.vector and poses:
            fb = field.vector.field_boost
            vitems = sorted((w, len(p) * fb, pack_uint(len(p))) for w, p in poses.items())
            self.perdocwriter.add_vector_items(fieldname, field, vitems)
        length = len(tokens) if field.scorable else 0
        if length:
            self._lens.setdefault(fieldname, {})[docnum] = byte_to_length(length_to_byte(length))
        self.perdocwriter.add_field(fieldname, field, None, length)

    def _add_presence(self, fieldname: str, tokens: list, docnum: int) -> None:
        """A presence-only field (syllable pairs): term -> [docnum, ...], no value,
        weight 1, no length."""
        terms = self._post.get(fieldname)
        if fieldname not in self._presence:
            self._presence.add(fieldname)
            terms = self._post[fieldname] = defaultdict(list, terms or {})
        assert terms is not None
        if tokens and not isinstance(tokens[0], str):
            tokens = [t for t, _pos in tokens]
        for text in dict.fromkeys(tokens):
            terms[text].append(docnum)

    def _add_plain_field(self, fieldname: str, field, value, docnum: int) -> None:
        """A field Whoosh analyses itself (ids, keywords, dates): postings, stored value
        and column."""
        length = 0
        if field.indexed:
            terms = self._post.get(fieldname)
            if terms is None:
                terms = self._post[fieldname] = {}
            for tbytes, freq, _weight, vbytes in field.index(value):
                if field.scorable:
                    length += freq
                lst = terms.get(tbytes)
                if lst is None:
                    terms[tbytes] = [docnum, freq, vbytes]
                else:
                    lst.extend((docnum, freq, vbytes))
            if length:
                self._lens.setdefault(fieldname, {})[docnum] = byte_to_length(length_to_byte(length))
        self.perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
        column = field.column_type
        if column:
            self.perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))

    def _flush_segment(self):
        self.perdocwriter.close()
        if self.pool.current or self.pool.runs:  # documents added the ordinary way too
            lengths = self.per_document_reader()
            try:
                self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
            finally:
                lengths.close()  # SegmentWriter leaves its column files open
        else:
            self._write_postings()
        self.fieldwriter.close()

    def _write_postings(self) -> None:
        fw = self.fieldwriter
        schema = self.schema
        top: dict[str, list[tuple[str, int]]] = {}
        for fieldname in sorted(self._post):
            terms = self._post[fieldname]
            if not terms:
                continue
            top[fieldname] = self._top_terms(fieldname, terms)
            fieldobj = schema[fieldname]
            fb = fieldobj.format.field_boost
            lens = self._lens.get(fieldname, {})
            fw.start_field(fieldname, fieldobj)
            internals.check_postings_writer(fw)
            pw = fw._postwriter
            internals.check_postings_writer(pw)
            if fieldname in self._presence and fieldname in keytable.KEYED_FIELDS:
                keytable.write_table(self.get_segment(), self.storage, fieldname, terms)
            if fieldname in self._presence:  # docnums only
                if FAST_PRESENCE and fb == 1.0:
                    _write_presence_terms(fw, terms)
                    fw.finish_field()
                    continue
                terms = {t: [x for d in ids for x in (d, 1, emptybytes)] for t, ids in terms.items()}
            pw._write_block = MethodType(_write_block, pw)
            limit = pw._blocklimit
            for term in sorted(terms):
                flat = terms[term]
                fw.start_term(term.encode("utf-8") if isinstance(term, str) else term)
                n = len(flat)
                for start in range(0, n, 3 * limit):
                    chunk = flat[start:start + 3 * limit]
                    if pw._ids:  # previous full block
                        pw._write_block()
                    ids = chunk[0::3]
                    freqs = chunk[1::3]
                    pw._ids = array("I", ids)
                    pw._weights = array("f", [f * fb for f in freqs])
                    pw._values = [v for v in chunk[2::3] if v]
                    pw._maxweight = max(freqs) * fb
                    ls = [lens.get(d, 0) for d in ids]
                    ls = [x for x in ls if x]
                    if ls:
                        pw._minlength = min(ls)
                        pw._maxlength = max(ls)
                    else:
                        pw._minlength = None
                        pw._maxlength = 0
                fw.finish_term()
            fw.finish_field()
        termstats.write_top_terms(self.get_segment(), self.storage, top)
        self._post.clear()
        self._lens.clear()

    def _top_terms(self, fieldname: str, terms: dict) -> list[tuple[str, int]]:
        """The field's most frequent terms with their document counts (postings are
        docnums for a presence field, else docnum, frequency, value triples)."""
        per = 1 if fieldname in self._presence else 3
        pairs = ((t.decode("utf-8", "replace") if isinstance(t, bytes) else t, len(v) // per) for t, v in terms.items())
        return heapq.nlargest(termstats.TOP_TERMS, pairs, key=itemgetter(1))


# Presence-only fields (syllable pairs) have many more terms than postings per term;
# they skip the generic per-term machinery (tests compare both paths' files byte by byte).
FAST_PRESENCE = True
_FLUSH_BYTES = 4 << 20


def _write_presence_terms(fw, terms: dict) -> None:
    """A presence-only field's terms, written as ``W3PostingsWriter`` and
    ``W3FieldWriter.finish_term`` would: per term, the postings header, blocks of at
    most ``blocklimit`` delta-coded ids (no weights, no values, no lengths), and a
    ``W3TermInfo`` row in the term table (``OrderedHashWriter.add``) pointing at them.

    Both files are written from buffers of about 4 MB, with offsets counted rather
    than asked of the files: there are hundreds of thousands of these terms."""
    pw = fw._postwriter
    postfile = pw._postfile
    limit = pw._blocklimit
    level = pw._compression
    tindex = fw._tindex
    tfile = tindex.dbfile
    hashfn = tindex.hashfn
    buckets = tindex.buckets
    lastkey = tindex.lastkey
    prefix = pack_ushort(fw._fieldid)
    pack_info = W3TermInfo._struct.pack
    pack_lengths = _KV_LENGTHS.pack
    nolength = length_to_byte(None)
    zero = length_to_byte(0)
    post = bytearray()
    pbase = postfile.tell()
    table = bytearray()
    tbase = tfile.tell()
    rows: list[int] = []
    for term in sorted(terms):
        ids = terms[term]
        n = len(ids)
        start = pbase + len(post)
        post += WHOOSH3_HEADER_MAGIC
        for b in range(0, n, limit):
            chunk = ids[b:b + limit]
            databytes = _dumps((_mini_ids(chunk), None, None), 2)
            comp = level if len(databytes) >= COMPRESS_MIN_BYTES else 0
            if comp:
                databytes = zlib.compress(databytes, comp)
            infobytes = _dumps((len(chunk), chunk[-1], 1.0, comp, nolength, zero), 2)
            blocklength = len(infobytes) + len(databytes)
            post += pack_int(-blocklength if b + limit >= n else blocklength)
            post += infobytes
            post += databytes
        length = pbase + len(post) - start
        value = pack_info(0, float(n), n, 0, zero, 1.0, ids[0], ids[-1]) + pack_long(start) + pack_int(length)
        key = prefix + (term.encode("utf-8") if isinstance(term, str) else term)
        if key <= lastkey:
            raise ValueError(f"Keys must increase: {lastkey!r}..{key!r}")
        lastkey = key
        pos = tbase + len(table)
        rows.append(pos)
        table += pack_lengths(len(key), len(value))
        table += key
        table += value
        h = hashfn(key)
        buckets[h & 255].append((h, pos))
        if len(post) > _FLUSH_BYTES:
            postfile.write(bytes(post))
            pbase += len(post)
            post.clear()
        if len(table) > _FLUSH_BYTES:
            tfile.write(bytes(table))
            tbase += len(table)
            table.clear()
    postfile.write(bytes(post))
    tfile.write(bytes(table))
    tindex.index.extend(rows)
    tindex.lastkey = lastkey


def open_segment_writer(folder: str) -> FastSegmentWriter:
    """A writer for a worker process: writes segments of the index in ``folder`` without
    taking its lock (the main process holds it and commits the segments)."""
    from whoosh import index as whoosh_index

    from indexer.backends.whoosh.store import INDEX_NAME

    ix = whoosh_index.open_dir(folder, indexname=INDEX_NAME)
    return FastSegmentWriter(ix, _lk=False, codec=W3Codec(compression=1))


def finish_segment(writer: FastSegmentWriter):
    """Write out ``writer``'s segment without committing it (the main process commits)."""
    return internals.finalize_segment(writer)


def abandon_segment(writer: FastSegmentWriter) -> None:
    """Drop ``writer``'s unfinished segment (its files are deleted)."""
    internals.close_segment(writer)


def segment_files(folder: str, segment) -> dict[str, bytes]:
    """A finished (uncommitted) segment's files in ``folder``, by name: what a Dask
    worker returns so the coordinator can place them in its own index folder."""
    from pathlib import Path

    prefix = segment.segment_id()
    return {path.name: path.read_bytes() for path in sorted(Path(folder).iterdir()) if path.name.startswith(prefix)}


def commit_with_segments(writer: SegmentWriter, segments: list, mergetype=None) -> None:
    """Commit ``writer`` (deletions, its own documents) plus segments written elsewhere.

    What ``MpWriter`` does with ``multisegment=True``: one new table of contents naming
    the existing segments (merged by ``mergetype`` as a plain commit would), the
    writer's own segment if it added documents, and ``segments``.
    """
    writer._check_state()
    final = writer._merge_segments(mergetype, None, None)
    final += [s for s in segments if s is not None]
    if writer._added:
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final)
    writer._finish()
