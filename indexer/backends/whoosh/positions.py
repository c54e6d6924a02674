"""A compact encoding of term positions in Whoosh postings.

Whoosh's :class:`~whoosh.formats.Positions` stores each posting's positions as a 4-byte
count plus a pickled list of deltas: 13 bytes for a syllable that occurs once, and a
``pickle`` call to write and read it. Re-scoring and phrase checking read tens of
thousands of these per query, and indexing writes a million and a half per 4,000
articles, so the encoding matters:

* one type byte (``H``: the deltas fit in 16 bits, ``I``: 32 bits), then
* the deltas between successive positions as little-endian unsigned integers.

A syllable that occurs once costs 3 bytes, and reading or writing it is one ``array``
call. Posting blocks are about a third smaller, so they also compress and decompress
faster. Indexes written before this format keep theirs (Whoosh pickles each field's
format with the schema), and everything here reads both.
"""

from __future__ import annotations

import sys
from array import array
from itertools import accumulate, chain
from operator import sub
from collections.abc import Iterable, Sequence

from whoosh.formats import Positions

__all__ = ["CompactPositions", "encode_positions", "iter_positions", "positions_count"]

_BIG_ENDIAN = sys.byteorder == "big"
_WIDE = ord("I")
_single: dict[int, bytes] = {}


def encode_positions(positions: Sequence[int]) -> bytes:
    """Increasing non-negative positions -> type byte + little-endian deltas."""
    if len(positions) == 1:
        p = positions[0]
        got = _single.get(p)
        if got is None:
            got = _encode(positions)
            if p < 65536:  # bounded: one entry per position a syllable can have
                _single[p] = got
        return got
    return _encode(positions)


def _encode(positions: Sequence[int]) -> bytes:
    deltas = map(sub, positions, chain((0,), positions))
    try:
        arr = array("H", deltas)
        kind = b"H"
    except OverflowError:  # a gap of 65,536 syllables or more (or a negative one)
        arr = array("I", map(sub, positions, chain((0,), positions)))
        kind = b"I"
    if _BIG_ENDIAN:
        arr.byteswap()
    return kind + arr.tobytes()


def iter_positions(value: bytes) -> Iterable[int]:
    """The positions of an encoded value, ascending (an iterator)."""
    arr = array("I" if value[0] == _WIDE else "H")
    arr.frombytes(value[1:])
    if _BIG_ENDIAN:
        arr.byteswap()
    return accumulate(arr)


def positions_count(value: bytes) -> int:
    return (len(value) - 1) >> (2 if value[0] == _WIDE else 1)


class CompactPositions(Positions):
    """``Positions`` with the compact encoding above (same features: frequency,
    weight, positions, position boosts of 1)."""

    def encode(self, poslist) -> bytes:
        return encode_positions(list(poslist))

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return list(iter_positions(valuestring))

    def decode_frequency(self, valuestring: bytes) -> int:
        return positions_count(valuestring)

    def decode_weight(self, valuestring: bytes) -> float:
        return positions_count(valuestring) * self.field_boost
