"""Per-segment key tables: a presence field's numeric terms as one sorted array.

Story grouping asks, for every result shown, which articles share one of its sixteen
MinHash band terms. Through Whoosh that is a hash-table look-up per band *per segment*
(about 10 µs each, nearly all of them misses: a band sits in one or two of the
segments), so a fresh worker's first pages spent half their time there. A band term is
a hexadecimal number, so the writer also stores the field as two arrays inside the
segment's compound file: the terms' numbers, sorted, and the document of each. Opening
it is one read; looking up all sixteen bands of a result is one ``searchsorted`` a
segment.

A segment without the table (written before it existed, or by Whoosh's own writer,
as a merge would be: vnsearch does not merge) is read term by term as before: the
table is a faster path, never the only one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from indexer.backends.whoosh.extras import read_extra, write_extra

__all__ = ["KEYED_FIELDS", "KeyTable", "read_table", "term_keys", "write_table"]

# Presence fields whose terms are hexadecimal numbers (indexer.text.minhash.band_terms).
KEYED_FIELDS = ("story",)
MAGIC = b"VNKT1\n"
_KEY = np.dtype("<u8")
_DOC = np.dtype("<i4")


def _ext(fieldname: str) -> str:
    return f".{fieldname}_keys"


def term_keys(texts: Iterable[str]) -> np.ndarray | None:
    """The terms' numbers, or None if one is not a hexadecimal number under 2**63."""
    try:
        values = [int(t, 16) for t in texts]
    except (TypeError, ValueError):
        return None
    if any(v < 0 or v >= 1 << 63 for v in values):  # (key + 1 must not wrap)
        return None
    return np.array(values, dtype=_KEY)


@dataclass(frozen=True)
class KeyTable:
    """One segment's (number, document) pairs of a field, sorted by number."""

    keys: np.ndarray
    docs: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.docs.nbytes) + 64

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """The segment's documents holding any of ``keys`` (segment document numbers)."""
        n = len(keys)
        # One search for both ends: a key's run ends where key + 1 would start.
        bounds = np.searchsorted(self.keys, np.concatenate((keys, keys + np.uint64(1)))).tolist()
        parts = [self.docs[a:b] for a, b in zip(bounds[:n], bounds[n:]) if b > a]
        if not parts:
            return np.zeros(0, dtype=np.int32)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


def encode_table(terms: Mapping[str | bytes, list[int]]) -> bytes | None:
    """The file holding ``terms`` (term -> its documents), or None if a term is not a number."""
    texts = [t.decode("ascii") if isinstance(t, bytes) else t for t in terms]
    numbers = term_keys(texts)
    if numbers is None:
        return None
    counts = np.array([len(d) for d in terms.values()], dtype=np.int64)
    keys = np.repeat(numbers, counts)
    docs = np.fromiter((d for ds in terms.values() for d in ds), dtype=_DOC, count=int(counts.sum()))
    order = np.lexsort((docs, keys))
    n = np.array([len(keys)], dtype="<u8")
    return MAGIC + n.tobytes() + keys[order].tobytes() + docs[order].tobytes()


def write_table(segment: Any, storage: Any, fieldname: str, terms: Mapping[str | bytes, list[int]]) -> bool:
    """Write the key table of ``fieldname`` among ``segment``'s files (before it is
    assembled into one compound file). False (and nothing written) if a term is not a number."""
    data = encode_table(terms)
    if data is None:
        return False
    write_extra(segment, storage, _ext(fieldname), data)
    return True


def decode_table(data: bytes, where: str) -> KeyTable:
    """The table in ``data``; a damaged one raises ValueError naming ``where``."""
    head = len(MAGIC) + 8
    if data[:len(MAGIC)] != MAGIC or len(data) < head:
        raise ValueError(f"{where} is not a vnsearch key table")
    n = int(np.frombuffer(data, dtype="<u8", count=1, offset=len(MAGIC))[0])
    if len(data) != head + n * (_KEY.itemsize + _DOC.itemsize):
        raise ValueError(f"{where} is truncated or damaged (expected {n} entries)")
    # Copied: read in place from a 14-byte header the keys are misaligned, and numpy
    # then copies the whole array on every searchsorted (45 µs a look-up, not 2).
    keys = np.frombuffer(data, dtype=_KEY, count=n, offset=head).copy()
    docs = np.frombuffer(data, dtype=_DOC, count=n, offset=head + n * _KEY.itemsize).copy()
    return KeyTable(keys, docs)


def read_table(sub: Any, fieldname: str) -> KeyTable | None:
    """The key table of ``fieldname`` in the segment reader ``sub``, or None if it has none."""
    got = read_extra(sub, _ext(fieldname))
    return decode_table(*got) if got is not None else None
