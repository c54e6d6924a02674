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


def test_the_engine_speaks_its_own_query_types(engine):
    from whoosh import query as wq

    from indexer.backends.whoosh.translate import to_whoosh
    from indexer.search import query as vq

    for text in ["bộ chỉ huy quân sự", '"Nhật Bản" -Mỹ', "thuy*", "bo truong quoc phong"]:
        q = engine.match_query(text)
        assert isinstance(q, vq.Query), text
        assert not any(isinstance(leaf, wq.Query) for leaf in q.leaves())
        assert str(to_whoosh(q)) == str(q)  # the same tree, printed the same way


def test_only_the_whoosh_backend_imports_whoosh():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in [*(root / "indexer").rglob("*.py"), *(root / "webapp").rglob("*.py")]:
        if "backends/whoosh" in path.as_posix():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n == "whoosh" or n.startswith("whoosh.") for n in names), path
