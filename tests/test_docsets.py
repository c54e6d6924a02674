"""Bitset evaluation (indexer.backends.whoosh.postings) agrees with Whoosh on the real test index.

The search engine counts totals and facets from term bitsets and draws candidates
from per-term champion lists instead of asking Whoosh to score every match; these
tests pin that the shortcut changes nothing a user can see: the same matching
documents, the same BM25 scores, the same positions.
"""

from __future__ import annotations

import pytest
from whoosh import query as wq

from indexer.backends.whoosh import internals
from indexer.backends.whoosh.translate import to_whoosh
from indexer.search import query as vq
from indexer.backends.whoosh.postings import CHAMPIONS, DocSets, iter_bits, scoring_terms
from indexer.search.engine import SearchRequest, _facet_columns


def _ds(engine) -> DocSets:
    s = engine.searcher()
    return engine.docsets(s)


def _whoosh_docs(engine, q) -> set[int]:
    """What Whoosh matches for ``q``; an exclusion as a set difference of its sides.

    (Whoosh's own AndNot matcher keeps an excluded document when it is the first one
    of the positive side: "giá vàng -đô" on this index matched an article with "đô".)
    """
    if isinstance(q, vq.AndNot):
        return _whoosh_docs(engine, q.a) - _whoosh_docs(engine, q.b)
    return set(engine.searcher().docs_for_query(to_whoosh(q)))


def _bits_docs(ds: DocSets, bits: int) -> set[int]:
    return set(iter_bits(bits.to_bytes((ds.size + 8) // 8, "little")))


# Queries as the engine builds them (plain words, phrases, exclusions, prefixes,
# diacritic-free), in the words of the real articles in tests/data/core.
QUERIES = [
    "bộ trưởng",
    "bo truong",
    "Hà Nội",
    '"Hà Nội"',
    '"thị trường chứng khoán"',
    "giá vàng -đô",
    'bóng đá -"World Cup"',
    "công*",
    "thị trường chứng khoán",
    "xe",
]


@pytest.mark.parametrize("text", QUERIES)
def test_evaluate_matches_whoosh(engine, text):
    s = engine.searcher()
    parsed = engine.parse(text)
    engine.expand(parsed)
    q = engine._retrieval_query(parsed, s, require_all=True)
    ds = _ds(engine)
    ev = ds.evaluate(q)
    assert ev.exact
    assert _bits_docs(ds, ev.bits) == _whoosh_docs(engine, q)


@pytest.mark.parametrize("text", QUERIES)
def test_totals_and_facets_count_every_match(engine, text):
    """``total`` and the facet counts equal what Whoosh finds for the same query."""
    result = engine.search(SearchRequest(q=text, per_page=5))
    s = engine.searcher()
    q = engine.match_query(text)  # the words as typed, together, widened by stages
    docs = _whoosh_docs(engine, q)
    assert docs, "each query has matches in tests/data/core"
    assert result.total == len(docs)
    values, ids = _facet_columns(s)["category"]
    expected: dict[str, int] = {}
    for d in docs:
        if ids[d] >= 0 and values[ids[d]]:
            expected[values[ids[d]]] = expected.get(values[ids[d]], 0) + 1
    assert dict(result.facets["category"]) == expected


def test_filters_as_bitsets_match_whoosh_filters(engine):
    """Outlet, category and date-range filters select what Whoosh's term/range queries do."""
    s = engine.searcher()
    ds = _ds(engine)
    facets = engine.search(SearchRequest(q="bộ", per_page=1)).facets
    category = facets["category"][0][0]
    assert ds.field_value("category", category) and (
        _bits_docs(ds, ds.field_value("category", category))
        == _whoosh_docs(engine, vq.Term("category", category)))
    months = sorted(m for m, _ in engine.search(SearchRequest(q="bộ", per_page=1)).facets["month"])
    assert months, "the test index has dated articles"
    start, end = months[0] + "-01", months[len(months) // 2] + "-31"
    assert _bits_docs(ds, ds.date_range(start, end)) == _whoosh_docs(
        engine, vq.TermRange("published", start, end))
    assert ds.date_range(start, end).bit_count() > 0
    del s


def test_champion_scores_are_whoosh_bm25(engine):
    """A term's champion scores are exactly Whoosh's BM25F score for that term."""
    s = engine.searcher()
    ds = _ds(engine)
    for fieldname, text in [("body_f", "bo"), ("title_f", "ha"), ("body_x", "bộ")]:
        td = ds.data(fieldname, text)
        assert td.df == td.bits.bit_count() > 0
        assert len(td.docs) == min(td.df, CHAMPIONS)
        assert list(td.scores) == sorted(td.scores, reverse=True)
        m = wq.Term(fieldname, text).matcher(s)
        whoosh = {}
        while m.is_active():
            whoosh[m.id()] = m.score()
            m.next()
        for d, sc in zip(td.docs, td.scores):
            assert sc == pytest.approx(whoosh[d], rel=1e-5)


def test_positions_match_whoosh_postings(engine):
    s = engine.searcher()
    ds = _ds(engine)
    td = ds.data("body_f", "nam")
    docs = sorted(_bits_docs(ds, td.bits))[::3]
    got = ds.positions("body_f", "nam", docs)
    m = s.postings("body_f", "nam")
    expected = {}
    while m.is_active():
        if m.id() in set(docs):
            expected[m.id()] = frozenset(m.value_as("positions"))
        m.next()
    assert got == expected and len(got) == len(docs)


def test_top_returns_best_matches_first(engine):
    s = engine.searcher()
    parsed = engine.parse("giá vàng")
    engine.expand(parsed)
    q = engine._retrieval_query(parsed, s, require_all=True)
    ds = _ds(engine)
    bits = ds.evaluate(q).bits
    top = ds.top(q, bits, 5)
    assert top and all(bits >> d & 1 for d, _ in top)
    assert [sc for _, sc in top] == sorted((sc for _, sc in top), reverse=True)
    # all the scoring terms of the query are the folded and exact syllables
    assert ("body_f", "gia") in scoring_terms(q) and ("title_x", "vàng") in scoring_terms(q)


def _top_reference(ds: DocSets, q, bits: int, limit: int, prefer: int = 0) -> list[tuple[int, float]]:
    """DocSets.top as a loop over each champion (what it did before numpy summed them)."""
    import heapq

    est: dict[int, float] = {}
    for fieldname, text in scoring_terms(q):
        td = ds.data(fieldname, text)
        for d, sc in zip(td.docs, td.scores):
            if bits >> d & 1:
                est[d] = est.get(d, 0.0) + sc
    prefer &= bits
    for pool in (bits, prefer):
        if pool and pool.bit_count() <= limit:
            for d in _bits_docs(ds, pool):
                est.setdefault(d, 0.0)
    key = (lambda kv: (prefer >> kv[0] & 1, kv[1], -kv[0])) if prefer else (lambda kv: (kv[1], -kv[0]))
    return [(d, float(sc)) for d, sc in heapq.nlargest(limit, est.items(), key=key)]


@pytest.mark.parametrize("text", ["giá vàng", "xe", "thị trường chứng khoán", "bo truong", "Hà Nội"])
def test_top_sums_the_same_scores_as_a_loop_over_champions(engine, text):
    """The numpy first stage ranks exactly as the per-document loop: same documents,
    same doubles, same ties (lower number first), with and without preferred ones
    and with pools small enough that every match is a candidate."""
    s = engine.searcher()
    parsed = engine.parse(text)
    engine.expand(parsed)
    q = engine._retrieval_query(parsed, s, require_all=True)
    ds = _ds(engine)
    bits = ds.evaluate(q).bits
    docs = sorted(_bits_docs(ds, bits))
    assert docs, text
    prefer = sum(1 << d for d in docs[::3])
    for limit in (1, 5, 100, len(docs) + 3):
        assert ds.top(q, bits, limit) == _top_reference(ds, q, bits, limit), (text, limit)
        assert ds.top(q, bits, limit, prefer=prefer) == _top_reference(ds, q, bits, limit, prefer), (text, limit)
    # A term with no champion among the matches: every match of a small pool scores 0.
    few = sum(1 << d for d in docs[:3])
    assert ds.top(vq.Term("body_f", "qwxz"), few, 5) == [(d, 0.0) for d in docs[:3]]


@pytest.mark.parametrize("words", [["thi", "truong", "chung", "khoan"], ["bo", "chi", "huy"],
                                   ["ha", "noi"], ["bo", "bo"], ["quan", "su", "moi", "tai", "nhat", "ban"]])
def test_numpy_phrase_check_finds_what_the_per_document_check_finds(engine, words):
    """DocSets.phrase intersects position keys with numpy (internals.PATHS counts it);
    the documents are those where a per-document walk over decoded positions finds
    the words one after another, among every article that has them all."""
    ds = _ds(engine)
    for fieldname in ("body_f", "title_f"):
        cand = ds.live
        for w in words:
            cand &= ds.term(fieldname, w)
        internals.PATHS.clear()
        got = _bits_docs(ds, ds.phrase(fieldname, words, cand))
        assert internals.PATHS["phrase.numpy"] == (1 if cand else 0), (words, fieldname)
        docs = sorted(_bits_docs(ds, cand))
        pos = [ds.positions(fieldname, w, docs) for w in words]
        expected = {d for d in docs if any(all(p + i in pos[i][d] for i in range(1, len(words)))
                                          for p in pos[0][d])}
        assert got == expected, (words, fieldname)
    assert words != ["quan", "su", "moi", "tai", "nhat", "ban"] or expected  # the seed article


def test_newest_sort_is_by_date_then_undated(engine):
    result = engine.search(SearchRequest(q="bộ", sort="newest", per_page=50))
    dates = [h.date for h in result.hits]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True)
    # undated articles come after every dated one
    if None in dates:
        assert all(d is None for d in dates[dates.index(None):])


def test_threads_share_one_cache_per_index_state(engine):
    """Each thread has its own searcher (its own open files) but the same caches."""
    import threading

    got = {}

    def grab(name):
        s = engine.searcher()
        got[name] = (s, engine.docsets(s))

    threads = [threading.Thread(target=grab, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (sa, da), (sb, db) = got["a"], got["b"]
    assert sa is not sb
    assert da is not db and da._shared is db._shared
    da.term("body_f", "bo")
    assert ("body_f", "bo") in db._terms


def _phrases_match_whoosh(engine, s, ds, texts: list[str]) -> list[tuple[str, set]]:
    """Each query's bitset equals Whoosh's matches (non-empty); returns (query, matches)."""
    out = []
    for text in texts:
        parsed = engine.parse(text)
        engine.expand(parsed)
        q = engine._retrieval_query(parsed, s, require_all=True)
        expected = _whoosh_docs(engine, q)
        assert expected, text
        assert _bits_docs(ds, ds.evaluate(q).bits) == expected
        out.append((text, expected))
    return out


def test_phrase_pairs_give_the_same_phrase_matches(tmp_path):
    """With index.phrase_pairs the pair fields answer phrases: the same documents as
    Whoosh's phrase matcher (and as the default index, which checks positions)."""
    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths
    from indexer.search.engine import SearchEngine

    from .conftest import CORE, make_config

    cfg = make_config(tmp_path).with_overrides(**{"index.phrase_pairs": True})
    # In several runs, so segments (and their pair terms) are merged by Whoosh's writer.
    articles = list(read_paths([CORE]))
    assert sum(index_articles(cfg, articles[i:i + 25]).indexed for i in range(0, len(articles), 25)) > 200
    engine = SearchEngine(cfg)
    s = engine.searcher()
    assert "body_b" in s.schema and "title_b" in s.schema
    assert max(sub.doc_count_all() for sub, _ in s.reader().leaf_readers()) > 25, "segments were merged"
    ds = engine.docsets(s)
    assert ds.term("body_b", "ha_noi"), "the pair terms are indexed"
    # Presence only: no frequencies or positions, no length column, no BM25 champions.
    from whoosh.formats import Existence

    r = s.reader()
    for name in ("title_b", "body_b"):
        assert type(s.schema[name].format) is Existence and not s.schema[name].scorable
        assert r.field_length(name) == 0
    m = r.postings("body_b", "ha_noi")
    assert m.weight() == 1.0 and m.value() in (None, b"")
    assert len(ds.data("body_b", "ha_noi").docs) == 0 and ds.data("body_f", "ha").docs
    for text, expected in _phrases_match_whoosh(engine, s, ds, ['"Hà Nội"', '"thị trường chứng khoán"',
                                                               'bóng đá -"World Cup"', '"ủy ban"']):
        # The page counts what the query matched (as typed, words together, widened by
        # stages): the same documents as Whoosh's matcher on that query.
        assert engine.search(SearchRequest(q=text)).total == len(_whoosh_docs(engine, engine.match_query(text)))
        assert engine.search(SearchRequest(q=text)).total <= len(expected)
    # a second run over the same files (unchanged: nothing to write) fails nothing
    assert index_articles(cfg, read_paths([CORE])).failed == 0
    engine.close()


def test_default_index_has_pair_fields(engine):
    assert "body_b" in engine.searcher().schema and "title_b" in engine.searcher().schema


def test_index_without_pair_fields_checks_phrases_from_positions(tmp_path):
    """index.phrase_pairs = false: no pair fields; phrases are checked from positions
    and match the same documents as Whoosh's phrase matcher."""
    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths
    from indexer.search.engine import SearchEngine

    from .conftest import CORE, make_config

    cfg = make_config(tmp_path).with_overrides(**{"index.phrase_pairs": False})
    assert index_articles(cfg, read_paths([CORE])).indexed > 200
    assert index_articles(cfg, read_paths([CORE])).notes == []
    # The setting changed back without a rebuild: the operator is told what to do.
    again = index_articles(cfg.with_overrides(**{"index.phrase_pairs": True}), read_paths([CORE]))
    assert again.unchanged > 200 and len(again.notes) == 1 and "--rebuild" in again.notes[0]
    engine = SearchEngine(cfg)
    s = engine.searcher()
    assert "body_b" not in s.schema and "title_b" not in s.schema
    ds = engine.docsets(s)
    assert len(_phrases_match_whoosh(engine, s, ds, ['"Hà Nội"', '"thị trường chứng khoán"', '"ủy ban"'])) == 3
    engine.close()


def test_hot_terms_are_read_again_after_a_commit(fresh_config, tmp_path):
    """After the index changes (a commit), the terms the previous state used last are
    re-read in the background, so the next searches find them cached."""
    import gzip

    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths
    from indexer.search.engine import SearchEngine

    from .conftest import CORE

    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = fh.readlines()
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("".join(lines[:120]), encoding="utf-8")
    second.write_text("".join(lines[120:]), encoding="utf-8")
    assert index_articles(fresh_config, read_paths([first])).indexed > 100
    engine = SearchEngine(fresh_config, refresh_seconds=0.0)
    assert engine.search(SearchRequest(q="bộ trưởng")).total > 0
    before = internals.searcher_slot(engine.searcher())["shared"]
    hot = set(before.terms)
    assert ("body_f", "truong") in hot

    assert index_articles(fresh_config, read_paths([second])).indexed > 50  # a commit
    after = internals.searcher_slot(engine.searcher())["shared"]
    assert after is not before
    assert engine._warming is not None
    engine._warming.join(timeout=30)
    assert hot <= set(after.terms)
    # and the warmed data is what a fresh read gives
    ds = engine.docsets(engine.searcher())
    td = ds.data("body_f", "truong")
    assert td.bits == ds._read_term("body_f", "truong").bits
    engine.close()


def test_a_commit_reads_only_its_new_segments(fresh_config, tmp_path):
    """After a commit, a term's postings in the segments the commit left as they were
    come from the per-segment cache (indexer.backends.whoosh.segments): only the new
    segment is read; the result is what reading every segment afresh gives."""
    import gzip

    from indexer.backends.whoosh.postings import SharedState
    from indexer.backends.whoosh.segments import SegmentCache
    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths
    from indexer.search.engine import SearchEngine

    from .conftest import CORE

    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = fh.readlines()
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("".join(lines[:120]), encoding="utf-8")
    second.write_text("".join(lines[120:]), encoding="utf-8")
    assert index_articles(fresh_config, read_paths([first])).indexed > 100
    engine = SearchEngine(fresh_config, refresh_seconds=0.0)
    assert engine.search(SearchRequest(q="bộ trưởng")).total > 0
    assert index_articles(fresh_config, read_paths([second])).indexed > 50  # a commit: a second segment
    s = engine.searcher()
    if engine._warming is not None:
        engine._warming.join(timeout=60)
    assert len(s.reader().leaf_readers()) == 2
    ds = engine.docsets(s)
    before = internals.PATHS.copy()
    td = ds._read_term("body_f", "truong")
    read = internals.PATHS["postings.fast"] - before["postings.fast"]
    kept = internals.PATHS["segment.postings.kept"] - before["segment.postings.kept"]
    # the old segment's postings are kept; the new one's were read here, or already by
    # the background warming (another thread: the per-segment cache is shared by all)
    assert read <= 1 and kept >= 1 and read + kept == 2, (read, kept)
    assert internals.PATHS["segment.lengths.kept"] - before["segment.lengths.kept"] >= 1
    afresh = DocSets(s, _facet_columns(s), SharedState(SegmentCache())).data("body_f", "truong")
    assert (td.bits, td.df, list(td.docs), list(td.scores)) == \
        (afresh.bits, afresh.df, list(afresh.docs), list(afresh.scores))
    assert td.df == td.bits.bit_count() > 120 // 4
    engine.close()


def _search_in_child(engine, q: str, out) -> None:
    """In a forked process (as a gunicorn worker): the terms one search had to read
    (not found in the inherited term cache of the index state)."""
    state = internals.searcher_slot(engine.searcher())["shared"]
    before = set(state.terms)
    total = engine.search(SearchRequest(q=q)).total
    out.send((total, sorted(set(state.terms) - before), len(before)))
    out.close()


def test_preloaded_engine_forks_warm_workers(core_index):
    """`vnsearch serve` preloads before gunicorn forks: a forked worker's first search
    finds every term it uses already read (bitsets and champions inherited), and the
    preloading process keeps no open searcher to share with its children."""
    import multiprocessing

    from indexer.search.engine import SearchEngine

    engine = SearchEngine(core_index, refresh_seconds=0.0)
    assert engine.preload(64 * 2**20) > 100
    assert engine._pool._local.searcher is None, "the preloading searcher is closed before the fork"
    ctx = multiprocessing.get_context("fork")
    results = []
    for q in ["bộ trưởng", "Hà Nội", "bo truong"]:
        mine, theirs = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_search_in_child, args=(engine, q, theirs))
        child.start()
        assert mine.poll(120), q
        results.append((q, *mine.recv()))
        child.join(30)
    assert all(total > 0 and kept > 100 for _q, total, _new, kept in results), results
    for q, total, new, _kept in results:  # the same search in a process that did not preload
        cold = SearchEngine(core_index, refresh_seconds=0.0)
        state = internals.searcher_slot(cold.searcher())["shared"]
        assert cold.search(SearchRequest(q=q)).total == total
        read_cold = set(state.terms)
        cold.close()
        # The frequent terms were inherited: at most a few rare ones (a title's) are read.
        assert ("body_f", "noi" if q == "Hà Nội" else "truong") in read_cold
        assert set(new) < read_cold and len(new) <= len(read_cold) // 2, (q, new, read_cold)


def test_live_documents_exclude_replaced_ones(fresh_config, tmp_path):
    """The live bitset (per segment: a range less its deleted set) is what Whoosh says
    is live, after a changed article deleted its old version."""
    import gzip
    import json

    from indexer.backends.whoosh.postings import bits_from_ids, live_bits
    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths
    from indexer.search.engine import SearchEngine

    from .conftest import CORE

    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for _, line in zip(range(40), fh)]
    src = tmp_path / "a.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    index_articles(fresh_config, read_paths([src]))
    records[3]["body"] += "\nCập nhật: thông tin mới."
    records[9]["body"] += "\nCập nhật: thông tin mới."
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    assert index_articles(fresh_config, read_paths([src])).updated == 2
    engine = SearchEngine(fresh_config)
    reader = engine.searcher().reader()
    assert reader.has_deletions()
    size = reader.doc_count_all()
    assert live_bits(reader, size) == bits_from_ids(reader.all_doc_ids(), size)
    assert live_bits(reader, size).bit_count() == reader.doc_count() == 40
    engine.close()


def test_postings_cache_is_bounded_by_its_setting(core_index):
    """search.postings_cache_mb bounds the process's postings cache: a smaller bound evicts
    at once, and searches still answer the same (what was evicted is read again)."""
    from indexer.backends.whoosh import segments
    from indexer.search.engine import SearchEngine

    big = SearchEngine(core_index)
    before = [h.id for h in big.search(SearchRequest(q="bộ quốc phòng", facets=False)).hits]
    assert segments.SEGMENTS.data_bytes > 0
    try:
        small = SearchEngine(core_index.with_overrides(**{"search.postings_cache_mb": 1}))
        assert segments.SEGMENTS._data.max_bytes == segments.SEGMENTS._blocks.max_bytes == 512 * 1024
        assert segments.SEGMENTS.data_bytes <= 512 * 1024 and segments.SEGMENTS.block_bytes <= 512 * 1024
        small._results.items.clear()
        assert [h.id for h in small.search(SearchRequest(q="bộ quốc phòng", facets=False)).hits] == before
        assert segments.SEGMENTS.data_bytes <= 512 * 1024
    finally:
        segments.limit_cache(core_index.search.postings_cache_mb)
    assert segments.SEGMENTS._data.max_bytes == core_index.search.postings_cache_mb * 1024 * 1024 // 2


def test_segment_data_is_shared_by_every_thread(core_index):
    """Each thread searches with its own Whoosh searcher, whose compound segments each
    get a storage object of their own: the per-segment cache must still key a segment
    by its index folder, or every thread (and every reopened reader) reads and keeps its
    own copy of the segment's postings."""
    import threading

    from indexer.backends.whoosh import store
    from indexer.backends.whoosh.segments import segment_key

    def keys() -> list[tuple]:
        s = store.open_index(core_index.path("index")).searcher()
        try:
            leaves = s.reader().leaf_readers() if not s.reader().is_atomic() else [(s.reader(), 0)]
            return [segment_key(sub) for sub, _offset in leaves]
        finally:
            s.close()

    here = keys()
    there: list[list[tuple]] = []
    t = threading.Thread(target=lambda: there.append(keys()))
    t.start()
    t.join()
    assert here == there[0]
    assert all(isinstance(k[0], str) and k[0] for k in here), here


def test_doc_frequency_answers_from_kept_segment_counts(engine):
    """The engine's searchers count a term's documents from per-segment maps kept across
    readers (Whoosh's look-up reads each segment's term file): the same counts, and a
    second look-up, or another reader's, reads no segment again."""
    from indexer.backends.whoosh import store

    s = engine.searcher()
    reader = s.reader()
    terms = [("body_f", "truong"), ("title_f", "bo"), ("body_x", "trưởng"), ("body_f", "qqqzzz"),
             ("words", "bộ_trưởng")]
    plain = store.open_index(engine.live).searcher()
    try:
        expect = [plain.doc_frequency(f, t) for f, t in terms]  # Whoosh's own, uncached
        assert not getattr(plain.reader(), "_vnsearch_df", False)  # opened here, not by the pool
    finally:
        plain.close()
    assert [reader.doc_frequency(f, t) for f, t in terms] == expect
    assert expect[0] > 0 and expect[3] == 0
    before = internals.PATHS["segment.df.read"]
    assert [s.doc_frequency(f, t) for f, t in terms] == expect  # BM25's idf asks the searcher
    assert internals.PATHS["segment.df.read"] == before, "kept counts are not read again"
    segments = len(reader.leaf_readers()) if not reader.is_atomic() else 1
    assert reader.doc_frequency("body_f", "xyzzyq") == 0
    assert internals.PATHS["segment.df.read"] == before + segments, "a new term is read once a segment"
    assert s.doc_frequency("body_f", "xyzzyq") == 0
    assert internals.PATHS["segment.df.read"] == before + segments
    assert s.idf("body_f", "truong") == pytest.approx(
        __import__("math").log(reader.doc_count_all() / (expect[0] + 1)) + 1)


def test_each_segment_lists_its_most_frequent_terms(core_index, monkeypatch):
    """Every segment vnsearch writes lists each field's most frequent terms with Whoosh's
    own document counts; the preload and the entity facets take those lists (counted)
    and choose the terms walking every term of every segment chooses."""
    from indexer.backends.whoosh import store, termstats
    from indexer.backends.whoosh.postings import SharedState
    from indexer.backends.whoosh.segments import SegmentCache

    searcher = store.open_index(core_index.path("index")).searcher()
    try:
        for sub, _offset in searcher.reader().leaf_readers():
            listed = termstats.read_top_terms(sub)
            assert listed is not None and {"body_f", "title_x", "entities", "story"} <= set(listed)
            for name in ("body_f", "title_f", "entities"):
                counts = {t.decode("utf-8"): info.doc_frequency() for t, info in sub.iter_field(name)}
                got = listed[name]
                assert len(got) == min(termstats.TOP_TERMS, len(counts)) > 10
                assert all(counts[t] == df for t, df in got.items())
                unlisted = [df for t, df in counts.items() if t not in got]
                assert not unlisted or min(got.values()) >= max(unlisted), name
        before = internals.PATHS["termstats.fast"]
        fast = DocSets(searcher, {}, SharedState(SegmentCache()))
        chosen = {name: fast.frequent_terms(name, 200) for name in ("body_f", "title_x", "entities")}
        assert internals.PATHS["termstats.fast"] > before
        monkeypatch.setattr(termstats, "read_top_terms", lambda sub: None)
        walked = DocSets(searcher, {}, SharedState(SegmentCache()))
        for name, terms in chosen.items():
            assert terms == walked.frequent_terms(name, 200), name
            assert len(terms) == 200 and [df for _t, df in terms] == sorted((df for _t, df in terms), reverse=True)
    finally:
        searcher.close()


def test_a_damaged_term_list_is_named():
    from indexer.backends.whoosh import termstats

    data = termstats.top_terms_file({"body_f": [("noi", 3), ("ha", 5), ("a", 1)]}, top=2)
    assert termstats.decode_top_terms(data, "x") == {"body_f": {"ha": 5, "noi": 3}}
    with pytest.raises(ValueError, match="segment S's MAIN_S.top_terms is not a vnsearch term list"):
        termstats.decode_top_terms(data[:-3], "segment S's MAIN_S.top_terms")
    with pytest.raises(ValueError, match="not a vnsearch term list"):
        termstats.decode_top_terms(b'{"version": 99, "fields": {}}', "y")
