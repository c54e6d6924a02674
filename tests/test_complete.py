"""Completion from the index's own words and phrases (issue 19), on the shared
216-article index: by prefix of the last syllable with or without marks, in the capitals
the articles use, ranked by frequency, no fragments, headline entries only for headlines."""

from __future__ import annotations

import pytest

from indexer import SearchRequest
from indexer.ingest.readers.titles import looks_like_headline
from indexer.text.normalize import fold


def phrase_count(engine, text: str) -> int:
    return engine.search(SearchRequest(q=f'"{text}"', facets=False)).total


@pytest.mark.parametrize("typed", ["giá v", "gia v", "GIA V", "giá và"])
def test_a_phrase_is_offered_with_or_without_marks(engine, typed):
    assert "giá vàng" in engine.complete(typed)


def test_typed_marks_are_respected(engine):
    offered = engine.complete("giá v")
    assert offered and all(fold(o).startswith("gia v") and o.lower().startswith("giá v") for o in offered)
    assert "giả vờ" in engine.complete("gia v")  # without marks any tone fits ...
    assert "giả vờ" not in offered  # ... with them only that one


@pytest.mark.parametrize("typed, shown", [("nhat b", "Nhật Bản"), ("ha n", "Hà Nội"), ("Hà N", "Hà Nội"),
                                          ("viet n", "Việt Nam"), ("bo truong quoc p", "Bộ trưởng Quốc phòng")])
def test_proper_nouns_keep_the_articles_capitals(engine, typed, shown):
    assert engine.complete(typed)[0] == shown


def test_ranked_by_frequency(engine):
    offered = [o for o in engine.complete("gia v") if len(o.split()) == 2]
    counts = [phrase_count(engine, o) for o in offered]
    assert len(offered) >= 2 and counts == sorted(counts, reverse=True), list(zip(offered, counts))


@pytest.mark.parametrize("typed", ["giá v", "gia v", "nh", "giá ", "nhat b", "bo truong quoc p", "park h", "thanh pho"])
def test_no_fragments_every_phrase_is_written_so_in_articles(engine, typed):
    for offer in engine.complete(typed):
        if len(offer.split()) > 4:  # a headline
            continue
        assert phrase_count(engine, offer) >= 1, offer  # written so in an article (not pieced together)
        # Two words that merely meet ("giá về", "gia vào") are not offered.
        assert offer.split()[-1].lower() not in {"về", "vào", "và", "của", "cho", "với"}, offer


@pytest.mark.parametrize("typed", ["nh", "giá ", "Nhật", "my ra tuyen", "viet"])
def test_headline_entries_are_real_headlines(engine, typed):
    for offer in engine.complete(typed):
        assert looks_like_headline(offer) and not offer.endswith(("…", ".")), offer
    # The client's example article's headline is offered.
    if typed == "my ra tuyen":
        assert "Mỹ ra tuyên bố thành lập bộ chỉ huy quân sự mới tại Nhật Bản" in engine.complete(typed)


def test_the_api_serves_the_same_list(client, engine):
    body = client.get("/api/suggest", query_string={"q": "gia v"}).get_json()
    assert body["suggestions"] == engine.complete("gia v")
