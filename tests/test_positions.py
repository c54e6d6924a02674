"""The compact position encoding (indexer.backends.whoosh.positions), and indexes written before it."""

from __future__ import annotations

import pytest
from whoosh import fields, formats
from whoosh.filedb.filestore import FileStorage

from indexer.backends.whoosh.postings import DocSets
from indexer.backends.whoosh.writer import FastSegmentWriter
from indexer.backends.whoosh.positions import CompactPositions, encode_positions, iter_positions, positions_count

CASES = [
    # positions, encoded size in bytes
    ([0], 3),
    ([5], 3),
    ([65535], 3),
    ([65536], 5),  # wider than 16 bits: 32-bit deltas
    ([3, 17, 90], 7),
    ([0, 1, 2, 3], 9),
    (list(range(0, 400, 7)), 1 + 2 * len(range(0, 400, 7))),
    ([10, 70_000, 70_001], 13),
    ([1, 2**31], 9),
]


@pytest.mark.parametrize("positions, size", CASES)
def test_round_trip(positions, size):
    value = encode_positions(positions)
    assert len(value) == size
    assert list(iter_positions(value)) == positions
    assert positions_count(value) == len(positions)
    fmt = CompactPositions(field_boost=2.0)
    assert fmt.decode_positions(value) == positions
    assert fmt.decode_frequency(value) == len(positions)
    assert fmt.decode_weight(value) == 2.0 * len(positions)
    assert fmt.decode_position_boosts(value) == [(p, 1) for p in positions]
    assert fmt.encode(iter(positions)) == value


def test_smaller_than_whoosh_positions():
    old = formats.Positions()
    for positions, _size in CASES:
        assert len(encode_positions(positions)) < len(old.encode(positions))


def test_combine_merges_positions():
    fmt = CompactPositions()
    merged = fmt.combine([encode_positions([1, 9]), encode_positions([4])])
    assert fmt.decode_positions(merged) == [1, 4, 9]


def test_negative_position_is_refused():
    with pytest.raises(OverflowError):
        encode_positions([-1, 3])


@pytest.mark.parametrize("fmt", [formats.Positions(), CompactPositions()], ids=["whoosh", "compact"])
def test_both_encodings_are_read(tmp_path, fmt):
    """An index written before the compact encoding (Whoosh's Positions) still
    answers phrases and position look-ups, through Whoosh and through DocSets."""
    field = fields.TEXT(phrase=True)
    field.format = fmt
    schema = fields.Schema(key=fields.ID(stored=True), body_f=field)
    ix = FileStorage(str(tmp_path)).create_index(schema)
    w = FastSegmentWriter(ix)
    docs = [["ha", "noi", "mua", "ha", "noi"], ["noi", "ha"], ["mua", "thu", "ha", "noi"]]
    for i, tokens in enumerate(docs):
        w.add_analyzed({"key": str(i)}, {"body_f": tokens})
    w.commit()
    with ix.searcher() as s:
        from whoosh import query as wq

        assert type(s.schema["body_f"].format) is type(fmt)
        assert sorted(s.docs_for_query(wq.Phrase("body_f", ["ha", "noi"]))) == [0, 2]
        ds = DocSets(s, {})
        assert ds.positions("body_f", "ha", [0, 1, 2]) == {0: {0, 3}, 1: {1}, 2: {2}}
        assert ds.positions("body_f", "noi", [2]) == {2: {3}}
        m = s.reader().postings("body_f", "noi")
        assert m.id() == 0 and m.weight() == 2.0
    ix.close()
