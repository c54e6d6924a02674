"""Every read of Whoosh's private attributes, in one place, checked when an index opens.

vnsearch is fast because it reads Whoosh's files itself: a term's posting blocks are
decoded a block at a time (not a posting at a time through the matcher API), field
lengths come from the lengths column in one read, and the writer lays segments out
directly. Those paths use private attributes of the pinned ``whoosh-reloaded`` (2.7.5).
A Whoosh upgrade that renames one must not quietly send every search down the
per-posting Python loops, so:

* the attributes each fast path needs are listed here (``READER_NEEDS``, ``WRITER_NEEDS``)
  and :func:`check_reader` / :func:`check_writer` verify them when an index is opened for
  searching or writing, raising :class:`WhooshInternalsError` naming the missing one;
* a whoosh3 segment never falls back silently: if its matcher lacks what the block
  reader needs, that is an error, not a slow path;
* :data:`PATHS` counts which path each read took, so tests can assert the fast ones ran.

Nothing outside this module touches a Whoosh attribute whose name starts with ``_``
on the reading side; ``writer.py`` subclasses Whoosh's segment writer and uses the
attributes listed in ``WRITER_NEEDS``, checked by :func:`check_writer`.
"""

from __future__ import annotations

import threading
import weakref
from array import array
from collections import Counter
from typing import Any

from whoosh.codec import whoosh3
from whoosh.scoring import BM25F
from whoosh.writing import SegmentWriter

__all__ = [
    "PATHS",
    "READER_NEEDS",
    "WRITER_NEEDS",
    "WhooshInternalsError",
    "bm25_parameters",
    "check_reader",
    "check_postings_writer",
    "check_writer",
    "close_segment",
    "finalize_segment",
    "leaf_matcher",
    "lengths_bytes",
    "postings_file",
    "read_leaf_blocks",
    "searcher_slot",
]

PINNED = "whoosh-reloaded==2.7.5"

# Which path each kind of read took: "<what>.fast" or "<what>.slow". Tests read it.
PATHS: Counter[str] = Counter()

# class -> (methods looked up on the class, attributes every instance carries)
READER_NEEDS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {
    whoosh3.W3LeafMatcher: (("_read_ids", "_read_weights", "_next_block", "_goto"),
                            ("_baseoffset", "_ids", "_weights", "_maxid", "_lastblock", "_nextoffset")),
    whoosh3.W3PerDocReader: (("_cached_reader",), ()),
    whoosh3.W3TermsReader: ((), ("_postfile",)),
    BM25F: ((), ("_field_B",)),
}
WRITER_NEEDS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {
    SegmentWriter: (("_check_state", "_merge_segments", "_finalize_segment", "_close_segment", "_commit_toc",
                     "_finish"), ("_added",)),
    whoosh3.W3FieldWriter: ((), ("_postwriter",)),
    # (the block state _ids, _weights, _values, _maxweight, _minlength and _maxlength is
    # set by the fast writer itself; a rename there shows in tests/test_fastwriter.py,
    # which compares its segments with Whoosh's own, posting for posting)
    whoosh3.W3PostingsWriter: (("_write_block", "_new_block", "_mini_values"),
                               ("_blocklimit", "_blockcount", "_postfile", "_terminfo", "_compression")),
}


class WhooshInternalsError(RuntimeError):
    """The installed Whoosh lacks an attribute a vnsearch fast path reads."""


def _missing(obj: Any, names: tuple[str, ...]) -> list[str]:
    return [n for n in names if not hasattr(obj, n)]


def _fail(cls: type, missing: list[str]) -> WhooshInternalsError:
    return WhooshInternalsError(
        f"the installed Whoosh changed: {cls.__module__}.{cls.__qualname__} has no "
        f"{', '.join(missing)}, which vnsearch's fast paths read; install {PINNED} "
        f"(pip install '{PINNED}') or update indexer/backends/whoosh/internals.py")


def _check_class(needs: dict[type, tuple[tuple[str, ...], tuple[str, ...]]]) -> None:
    for cls, (methods, _state) in needs.items():
        missing = _missing(cls, methods)
        if missing:
            raise _fail(cls, missing)


def _check_instance(obj: Any, needs: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = READER_NEEDS) -> None:
    for cls, (_methods, state) in needs.items():
        if isinstance(obj, cls):
            missing = _missing(obj, state)
            if missing:
                raise _fail(cls, missing)


def check_reader(searcher: Any) -> None:
    """Verify, for an opened searcher, every private attribute the read side uses:
    the classes' methods, and each whoosh3 segment's reader objects. A term matcher's
    own state is checked on its first use (:func:`leaf_matcher`): it exists only once
    a matcher is made."""
    _check_class(READER_NEEDS)
    _check_instance(searcher.weighting)
    for sub, _offset in searcher.reader().leaf_readers():
        for part in (getattr(sub, "_terms", None), getattr(sub, "_perdoc", None)):
            _check_instance(part)


def check_writer() -> None:
    """Verify the methods of Whoosh's writer classes that the fast writer calls."""
    _check_class(WRITER_NEEDS)


def check_postings_writer(pw: Any) -> None:
    """Verify a live postings writer has the state the fast writer sets directly."""
    _check_instance(pw, WRITER_NEEDS)


def leaf_matcher(m: Any) -> Any | None:
    """The whoosh3 block matcher under ``m``'s wrappers, or None for another codec.

    A whoosh3 matcher missing what the block reader needs raises instead of returning
    None: that would silently make every term read a per-posting loop."""
    leaf = m
    while not isinstance(leaf, whoosh3.W3LeafMatcher) and hasattr(leaf, "child"):
        leaf = leaf.child
    if isinstance(leaf, whoosh3.W3LeafMatcher):
        _check_instance(leaf)
        return leaf
    return None


def read_leaf_blocks(leaf: Any) -> tuple[list[int], list[float], array, array]:
    """All of a whoosh3 leaf matcher's document numbers and weights, a block at a time,
    with each block's last document and file offset."""
    ids: list[int] = []
    weights: list[float] = []
    maxids = array("i")
    starts = array("q")
    start = leaf._baseoffset
    while True:
        leaf._read_ids()
        leaf._read_weights()
        ids.extend(leaf._ids)
        weights.extend(leaf._weights)
        maxids.append(leaf._maxid)
        starts.append(start)
        if leaf._lastblock:
            break
        start = leaf._nextoffset
        leaf._next_block()
    PATHS["postings.fast"] += 1
    return ids, weights, maxids, starts


def bm25_parameters(weighting: Any, fieldname: str) -> tuple[float, float]:
    """(B, K1) Whoosh's BM25F uses for ``fieldname`` (its per-field B is private)."""
    if isinstance(weighting, BM25F):
        return weighting._field_B.get(fieldname, weighting.B), weighting.K1
    return 0.75, 1.2


def lengths_bytes(sub: Any, fieldname: str) -> bytes | None:
    """A whoosh3 segment's one-byte field lengths of ``fieldname``, read in one go, or
    None for another codec (the caller then asks document by document)."""
    perdoc = getattr(sub, "_perdoc", None)
    if not isinstance(perdoc, whoosh3.W3PerDocReader):
        PATHS["lengths.slow"] += 1
        return None
    col = perdoc._cached_reader(f"_{fieldname}_len", whoosh3.LENGTHS_COLUMN)
    if col is None:  # the field has no lengths in this segment
        PATHS["lengths.fast"] += 1
        return b""
    needed = ("_fixedlen", "_dbfile", "_basepos", "_count")
    missing = _missing(col, needed)
    if missing:
        raise _fail(type(col), missing)
    if col._fixedlen != 1:
        raise WhooshInternalsError(f"lengths column of {fieldname!r} is not one byte per document")
    PATHS["lengths.fast"] += 1
    return bytes(col._dbfile.get(col._basepos, col._count))


def postings_file(sub: Any) -> Any:
    """The postings file of a whoosh3 segment (for reading blocks at known offsets)."""
    return sub._terms._postfile


def finalize_segment(writer: Any) -> Any:
    """Finish a segment writer's segment without committing it (the caller commits)."""
    return writer._finalize_segment()


def close_segment(writer: Any) -> None:
    """Abandon a segment writer's unfinished segment."""
    writer._close_segment()


_SLOTS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_SLOTS_LOCK = threading.Lock()


def searcher_slot(searcher: Any) -> dict[str, Any]:
    """A dict of vnsearch's own per-searcher state (caches), kept beside the searcher
    rather than as attributes hung on Whoosh's object; dropped with the searcher."""
    with _SLOTS_LOCK:
        slot = _SLOTS.get(searcher)
        if slot is None:
            slot = _SLOTS[searcher] = {}
        return slot
