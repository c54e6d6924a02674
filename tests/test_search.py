"""Searching the real test index: the example article, diacritics, tone placement, phrases."""

import unicodedata

import pytest

from indexer.search.engine import BadRequest, SearchRequest

from .conftest import SEED_TITLE, SEED_URL


def ids(engine, q, **kw):
    return [h.id for h in engine.search(SearchRequest(q=q, per_page=kw.pop("per_page", 10), **kw)).hits]


@pytest.mark.parametrize("q", [
    "Mỹ ra tuyên bố thành lập bộ chỉ huy quân sự mới tại Nhật Bản",
    "my ra tuyen bo thanh lap bo chi huy quan su moi tai nhat ban",
    "bộ chỉ huy quân sự Nhật Bản",
    "bo chi huy quan su nhat ban",
    '"bộ chỉ huy" Nhật Bản USFJ',
    unicodedata.normalize("NFD", "Bộ chỉ huy quân sự mới tại Nhật Bản"),
    "Lloyd Austin Kihara",
])
def test_seed_article_is_found(engine, q):
    result = engine.search(SearchRequest(q=q))
    assert result.hits, q
    assert result.hits[0].id == SEED_URL
    assert result.hits[0].title == SEED_TITLE


def test_diacritic_free_query_finds_every_form(engine):
    # Typed with diacritics, the forms as typed define the match (enough articles have
    # them); typed without, every form matches: a superset.
    marked = engine.search(SearchRequest(q="Bộ trưởng Quốc phòng", per_page=50))
    plain = engine.search(SearchRequest(q="bo truong quoc phong", per_page=50))
    with_marks = {h.id for h in marked.hits}
    assert len(with_marks) >= 5 and with_marks <= {h.id for h in plain.hits}
    assert plain.total >= marked.total
    for h in marked.hits:
        doc = engine.document(h.id)
        text = (doc.title + " " + doc.body).lower()
        assert all(w in text for w in ("bộ", "trưởng", "quốc", "phòng")), h.title
    hit = engine.search(SearchRequest(q="bo truong quoc phong")).hits[0]
    assert "<mark>" in hit.snippet
    assert "Bộ trưởng" in hit.snippet or "bộ trưởng" in hit.snippet.lower()


def test_exact_diacritics_rank_first(engine):
    result = engine.search(SearchRequest(q="đường", per_page=10))
    assert result.total > 10
    # "đường" and "dương" fold alike; the top ten must all carry "đường" exactly.
    for hit in result.hits:
        doc = engine.document(hit.id)
        assert "đường" in (doc.title + " " + doc.body).lower(), hit.title
    result = engine.search(SearchRequest(q="dương", per_page=5))
    for hit in result.hits:
        doc = engine.document(hit.id)
        assert "dương" in (doc.title + " " + doc.body).lower(), hit.title


@pytest.mark.parametrize("old,new", [("hoà bình", "hòa bình"), ("uỷ ban", "ủy ban"), ("thuỷ", "thủy"),
                                     ("khoẻ", "khỏe")])
def test_tone_placement_is_one(engine, old, new):
    a = ids(engine, old, per_page=50)
    assert a, old
    assert a == ids(engine, new, per_page=50)


def test_eth_is_d_with_stroke(engine):
    assert ids(engine, "\u00d0ường", per_page=20) == ids(engine, "đường", per_page=20)


def test_nfd_query(engine):
    q = "Bộ trưởng Quốc phòng"
    assert ids(engine, unicodedata.normalize("NFD", q)) == ids(engine, q)


def test_phrase_requires_adjacency(engine):
    phrase = engine.search(SearchRequest(q='"bộ chỉ huy"', per_page=50))
    loose = engine.search(SearchRequest(q="bộ chỉ huy", per_page=50))
    assert 0 < phrase.total < loose.total
    for hit in phrase.hits:
        doc = engine.document(hit.id)
        assert "bo chi huy" in " ".join((doc.title + " " + doc.body).lower().split()).replace("bộ", "bo") \
            .replace("chỉ", "chi"), hit.title


def test_exclusion(engine):
    with_my = engine.search(SearchRequest(q="Nhật Bản", per_page=50))
    without_my = engine.search(SearchRequest(q="Nhật Bản -Mỹ", per_page=50))
    assert SEED_URL in {h.id for h in with_my.hits}
    assert 0 < without_my.total < with_my.total
    for hit in without_my.hits:
        doc = engine.document(hit.id)
        words = set((doc.title + " " + doc.body).lower().replace(",", " ").replace(".", " ").split())
        assert "mỹ" not in words, hit.title


@pytest.mark.parametrize("q", ['"bộ chỉ huy', "((Nhật Bản", "title:Nhật OR AND NOT", "*", "?", "-", '""', "-\"\"",
                               "Nhật* Bả?", ")))(((", "\x00\x01", "\ud800", "a" * 400])
def test_malformed_queries_never_raise(engine, q):
    result = engine.search(SearchRequest(q=q))
    assert result.total >= 0


def test_too_long_query_is_searched_on_its_first_part(engine):
    result = engine.search(SearchRequest(q="bộ " * 400))
    assert result.query == ("bộ " * 167).strip() and len(result.query) == 500 and result.notices[0]["code"] == "query_cut"


@pytest.mark.parametrize("field,value", [("page", 0), ("page", 10**6), ("per_page", 0), ("per_page", 1000),
                                         ("sort", "random"), ("date_from", "yesterday")])
def test_bad_parameters_name_the_parameter(engine, field, value):
    req = SearchRequest(q="Nhật Bản")
    setattr(req, field, value)
    with pytest.raises(BadRequest) as info:
        engine.search(req)
    assert info.value.param in (field, field.replace("date_", ""))


def test_no_match_suggests_dropping_words(engine):
    result = engine.search(SearchRequest(q='"Nhật Bản" xyzzyqq'))
    assert result.total == 0 or result.relaxed
    assert "xyzzyqq" in result.drop_suggestions


def test_and_falls_back_to_most_words(engine):
    result = engine.search(SearchRequest(q="USFJ Kihara xyzzyqq"))
    assert result.relaxed
    assert result.hits[0].id == SEED_URL


def test_long_query_with_an_unknown_word_is_a_best_match(engine):
    # Six words: three in four must match, so one unknown word does not empty the page.
    result = engine.search(SearchRequest(q="Mỹ Nhật Bản USFJ Kihara xyzzyqq"))
    assert not result.relaxed
    assert result.hits[0].id == SEED_URL


def test_pagination_is_consistent(engine):
    first = ids(engine, "Việt Nam", per_page=10, page=1)
    second = ids(engine, "Việt Nam", per_page=10, page=2)
    both = ids(engine, "Việt Nam", per_page=20, page=1)
    assert first + second == both
    assert not set(first) & set(second)


def test_filters_and_facets(engine):
    result = engine.search(SearchRequest(q="Việt Nam", per_page=10))
    outlets = dict(result.facets["outlet"])
    assert sum(outlets.values()) == result.total
    outlet, count = result.facets["outlet"][0]
    filtered = engine.search(SearchRequest(q="Việt Nam", outlet=[outlet]))
    assert filtered.total == count
    assert all(h.outlet == outlet for h in filtered.hits)


def test_date_range_and_newest_sort(engine):
    result = engine.search(SearchRequest(q="", date_from="2021-01-01", date_to="2021-12-31", sort="newest",
                                         per_page=20))
    assert result.total > 0
    dates = [h.date for h in result.hits]
    assert all(d and "2021-01-01" <= d <= "2021-12-31" for d in dates)
    assert dates == sorted(dates, reverse=True)


def test_snippets_escape_text_and_mark_matches(engine):
    result = engine.search(SearchRequest(q="Nhật Bản"))
    for hit in result.hits:
        without_marks = hit.snippet.replace("<mark>", "").replace("</mark>", "")
        assert "<" not in without_marks
    assert any("<mark>Nhật Bản</mark>" in h.snippet for h in result.hits)


def test_explain_shows_tokens_and_query(engine):
    result = engine.search(SearchRequest(q="Bộ trưởng hoà bình", debug=True))
    ex = result.explain
    assert ex["normalized"] == "Bộ trưởng hòa bình"
    assert ex["tokens"]["title_f/body_f"] == ["bo", "truong", "hoa", "binh"]
    assert ex["tokens"]["title_x/body_x"] == ["bộ", "trưởng", "hòa", "bình"]
    assert "bộ_trưởng" in ex["tokens"]["words"]
    assert "body_f:truong" in ex["whoosh_query"]


def test_document_and_related(engine):
    doc = engine.document(SEED_URL)
    assert doc.title == SEED_TITLE and doc.author == "Ngọc Ánh" and doc.outlet == "congluan.vn"
    related = engine.related(doc)
    assert related and all(r.id != SEED_URL for r in related)


def test_stats(engine):
    figures = engine.stats()
    assert figures["documents"] > 200
    assert "congluan.vn" in figures["outlet"]
    assert figures["date_range"][0] <= figures["date_range"][1]
    assert figures["index_bytes"] > 0


def test_stats_read_once_per_index_state(fresh_config, tmp_path):
    """The home page asks for the archive's figures on every visit: they are read once
    per index state, and read again after a commit."""
    import gzip

    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths
    from indexer.search.engine import SearchEngine

    from .conftest import CORE, SEED

    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        first = tmp_path / "first.jsonl"
        first.write_text("".join(fh.readlines()[:40]), encoding="utf-8")
    assert index_articles(fresh_config, read_paths([first])).indexed == 40
    engine = SearchEngine(fresh_config, refresh_seconds=0.0)
    figures = engine.stats()
    assert figures["documents"] == 40 and "congluan.vn" not in figures["outlet"]
    assert engine.stats() is figures  # not counted again
    assert index_articles(fresh_config, read_paths([SEED])).indexed == 1  # a commit
    after = engine.stats()
    assert after is not figures and after["documents"] == 41 and after["outlet"]["congluan.vn"] == 1
    assert engine.stats() is after
    engine.close()


def test_completion_without_diacritics(engine):
    out = engine.complete("bo chi hu")
    assert any("chỉ huy" in s.lower() for s in out)
