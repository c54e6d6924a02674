"""The Whoosh backend implements the seam's two protocols (indexer.backends.base)."""

from __future__ import annotations

import inspect

from indexer.backends.base import IndexSink, PostingsReader, TermPostings
from indexer.backends.whoosh import store
from indexer.backends.whoosh.sink import WhooshSink
from indexer import SearchEngine


def _same_parameters(protocol, implementation) -> None:
    for name, member in inspect.getmembers(protocol, inspect.isfunction):
        if name.startswith("_"):
            continue
        want = list(inspect.signature(member).parameters)
        have = list(inspect.signature(getattr(implementation, name)).parameters)
        assert have[:len(want)] == want, (name, have, want)


def test_docsets_is_a_postings_reader(core_index):
    engine = SearchEngine(core_index)
    ds = engine.docsets(engine.searcher())
    assert isinstance(ds, PostingsReader)
    _same_parameters(PostingsReader, type(ds))
    td = ds.data("body_f", "quan")
    assert isinstance(td, TermPostings)
    assert td.bits == ds.term("body_f", "quan") and td.df == td.bits.bit_count() > 0


def test_whoosh_sink_is_an_index_sink(core_index):
    sink = WhooshSink(store.open_index(core_index.path("index")))
    try:
        assert isinstance(sink, IndexSink)
        _same_parameters(IndexSink, WhooshSink)
        key_hash, hash_key, key_source = sink.existing()
        assert len(key_hash) > 200 and set(hash_key.values()) <= set(key_hash)
    finally:
        sink.close()


def test_sink_add_delete_commit_round_trip(fresh_config):
    live = fresh_config.path("index")
    folder, ix = store.new_generation(live)
    store.activate(live, folder)
    sink = WhooshSink(ix)
    fields = {"key": "a1", "hash": "h1", "title": "Bộ trưởng", "body": "", "source": "x.txt"}
    sink.add(fields, {"title_f": ["bo", "truong"], "title_x": ["bộ", "trưởng"], "body_f": [], "body_x": [],
                      "words": [("bộ_trưởng", 0)]})
    sink.commit()
    assert sink.existing()[0] == {"a1": "h1"}
    sink.delete("a1")
    sink.commit()
    assert sink.existing()[0] == {}
    sink.close()
