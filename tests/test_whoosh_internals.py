"""The fast read and write paths are taken, and a Whoosh that lacks what they read fails
loudly (naming the attribute) instead of quietly falling back to per-posting loops."""

from __future__ import annotations

import pytest
from whoosh.codec import whoosh3
from whoosh.writing import SegmentWriter

from indexer import SearchEngine, SearchRequest
from indexer.backends.whoosh import internals
from indexer.backends.whoosh.internals import WhooshInternalsError

QUERIES = ["bộ chỉ huy quân sự", "bo truong quoc phong", '"Nhật Bản"', "kinh tế", "hà nội -bóng",
           '"thị trường chứng khoán"']


def test_searches_take_the_fast_paths(core_index):
    from indexer.backends.whoosh.segments import SEGMENTS

    SEGMENTS.clear()  # segment data is kept process-wide, across engines of the same index
    engine = SearchEngine(core_index)  # a fresh engine: nothing cached yet
    internals.PATHS.clear()
    for q in QUERIES:
        assert engine.search(SearchRequest(q=q)).total > 0, q
    paths = dict(internals.PATHS)
    assert paths.get("postings.fast", 0) > 0, paths
    assert paths.get("lengths.fast", 0) > 0, paths
    assert paths.get("positions.fast", 0) > 0, paths
    assert paths.get("phrase.numpy", 0) > 0, paths  # phrases of three syllables and more
    for slow in ("postings.slow", "lengths.slow", "positions.slow", "phrase.slow"):
        assert paths.get(slow, 0) == 0, paths


def test_check_reader_passes_on_the_pinned_whoosh(core_index):
    engine = SearchEngine(core_index)
    internals.check_reader(engine.searcher())
    internals.check_writer()


@pytest.mark.parametrize("cls, name", [
    (whoosh3.W3LeafMatcher, "_read_ids"),
    (whoosh3.W3LeafMatcher, "_next_block"),
    (whoosh3.W3PerDocReader, "_cached_reader"),
])
def test_a_renamed_reader_method_fails_loudly(core_index, monkeypatch, cls, name):
    monkeypatch.delattr(cls, name)
    engine = SearchEngine(core_index)
    with pytest.raises(WhooshInternalsError, match=name):
        engine.search(SearchRequest(q="quân sự"))


def test_renamed_matcher_state_fails_loudly(core_index, monkeypatch):
    """State set on each matcher (not a method): checked on the matcher's first use."""
    original = whoosh3.W3LeafMatcher.reset

    def reset_without_baseoffset(self):
        original(self)
        del self._baseoffset

    monkeypatch.setattr(whoosh3.W3LeafMatcher, "reset", reset_without_baseoffset)
    engine = SearchEngine(core_index)
    with pytest.raises(WhooshInternalsError, match="_baseoffset"):
        engine.search(SearchRequest(q="quân sự"))


def test_a_renamed_writer_method_fails_loudly(monkeypatch):
    monkeypatch.delattr(SegmentWriter, "_commit_toc")
    with pytest.raises(WhooshInternalsError, match="_commit_toc"):
        internals.check_writer()
