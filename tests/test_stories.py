"""Stories across outlets: copies of one article grouped under the best-ranked one.

The copies are made from the client's seed article (a JSON Lines record of it under
another title, as a feed would carry it, and a shortened rewrite), never invented.
"""

from __future__ import annotations

import json

import pytest

from indexer.search.engine import SearchEngine, SearchRequest
from indexer.text.analysis import syllable_streams
from indexer.text.minhash import THRESHOLD, band_terms, decode, encode, signature, similarity

from .conftest import SEED, SEED_TITLE, SEED_URL, make_config


def _sig(title: str, body: str):
    return signature(syllable_streams(title.lower())[1], syllable_streams(body.lower())[1])


def _seed_parts() -> tuple[str, list[str]]:
    lines = [x for x in SEED.read_text(encoding="utf-8").splitlines() if x.strip()]
    return lines[0], lines


def test_signatures_agree_as_the_texts_overlap():
    _first, lines = _seed_parts()
    body = "\n".join(lines)
    same = _sig("", body)
    assert similarity(same, decode(encode(same))) == 1.0
    retitled = _sig(SEED_TITLE, body)
    assert similarity(same, retitled) == 1.0  # the body is long enough: the title is not shingled
    rewrite = _sig("", "\n".join(lines[:-3]))
    assert THRESHOLD <= similarity(same, rewrite) < 1.0
    half = _sig("", "\n".join(lines[len(lines) // 2:]))
    assert similarity(same, half) < similarity(same, rewrite)
    assert len(set(band_terms(same)) & set(band_terms(rewrite))) >= 1
    assert _sig("", "Nhật Bản") is None  # too short to compare


@pytest.fixture(scope="module")
def copies_index(tmp_path_factory):
    """The seed (.txt), the same article as a JSON Lines record under its headline, a
    rewrite without its last paragraphs from another outlet, and the core articles."""
    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths

    from .conftest import CORE

    root = tmp_path_factory.mktemp("stories")
    _first, lines = _seed_parts()
    records = [
        {"id": "feed:seed", "title": SEED_TITLE, "body": "\n".join(lines[:-1]), "url": SEED_URL + "?feed",
         "outlet": "tuoitre.vn"},
        {"id": "feed:rewrite", "title": lines[0], "body": "\n".join(lines[1:-4]), "outlet": "thanhnien.vn"},
    ]
    feed = root / "feed.jsonl"
    feed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    cfg = make_config(root)
    summary = index_articles(cfg, read_paths([CORE, feed]))
    assert summary.failed == 0
    return cfg


def test_copies_show_once_under_the_best_ranked(copies_index):
    engine = SearchEngine(copies_index)
    result = engine.search(SearchRequest(q="bộ chỉ huy quân sự Nhật Bản", per_page=10))
    ids = [h.id for h in result.hits]
    copies = {"feed:seed", "feed:rewrite", SEED_URL}
    shown = [i for i in ids if i in copies]
    assert len(shown) == 1, ids  # never two copies of one story on the page
    first = next(h for h in result.hits if h.id in copies)
    assert {c["id"] for c in first.same_story} == copies - {first.id}
    assert {c["outlet"] for c in first.same_story} >= {"thanhnien.vn"} - {first.outlet}
    assert result.total >= 3  # every copy still counts as a matching article
    # Other results are not swallowed: articles of other stories keep their own rows.
    assert len(result.hits) == min(10, result.total - 2)


def test_second_page_skips_the_copies_of_the_first(copies_index):
    engine = SearchEngine(copies_index)
    p1 = engine.search(SearchRequest(q="nhat ban", per_page=5))
    p2 = engine.search(SearchRequest(q="nhat ban", per_page=5, page=2))
    seen = {h.id for h in p1.hits} | {c["id"] for h in p1.hits for c in h.same_story}
    assert not seen & {h.id for h in p2.hits}


def test_story_group_on_the_page_and_in_the_api(copies_index):
    from webapp import create_app

    client = create_app({"TESTING": True, "VNSEARCH": copies_index}).test_client()
    data = client.get("/api/search?q=bộ chỉ huy quân sự Nhật Bản").get_json()
    grouped = [r for r in data["results"] if r["same_story"]]
    assert len(grouped) == 1 and len(grouped[0]["same_story"]) == 2
    html = client.get("/?q=bộ chỉ huy quân sự Nhật Bản").get_data(as_text=True)
    assert "và 2 bài cùng nội dung từ" in html and '<details class="story">' in html
    summary = html.split('<details class="story"><summary>', 1)[1].split("</summary>", 1)[0]
    assert "Thanh Niên" in summary or "Tuổi Trẻ" in summary, summary
    assert "thanhnien.vn" not in summary and "tuoitre.vn" not in summary, summary


def test_one_article_from_json_lines_and_from_a_txt_copy_shows_once(tmp_path):
    """A real core article indexed twice: as its JSON Lines record and as a .txt copy
    whose title line differs (its lead sentence, as a feed carries it). Both are indexed
    (their texts differ), and the result page, the API and the next page show it once."""
    import gzip

    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths
    from webapp import create_app

    from .conftest import CORE

    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = fh.readlines()
    records = [json.loads(x) for x in lines]
    rec = next(r for r in records if len(r.get("body") or "") > 1500 and r.get("title"))
    lead = rec["body"].replace("\r", "").split("\n")[0].strip()
    assert lead and lead != rec["title"]
    others = [x for x, r in zip(lines, records) if r is not rec][:60]
    (tmp_path / "feed.jsonl").write_text(json.dumps(rec, ensure_ascii=False) + "\n" + "".join(others),
                                         encoding="utf-8")
    (tmp_path / "copy.txt").write_text(lead + "\n" + rec["body"], encoding="utf-8")
    cfg = make_config(tmp_path / "idx")
    summary = index_articles(cfg, read_paths([tmp_path / "feed.jsonl", tmp_path / "copy.txt"]))
    assert summary.failed == 0 and summary.indexed == len(others) + 2  # both copies are indexed

    engine = SearchEngine(cfg)
    for q in (rec["title"], lead[:80]):
        result = engine.search(SearchRequest(q=q, per_page=10))
        copies = [h for h in result.hits if h.id == rec["id"] or h.id.endswith("copy.txt")]
        assert len(copies) == 1, [h.id for h in result.hits]
        grouped = {copies[0].id} | {c["id"] for c in copies[0].same_story}
        assert len(grouped) == 2 and rec["id"] in grouped and any(i.endswith("copy.txt") for i in grouped)
    client = create_app({"TESTING": True, "VNSEARCH": cfg}).test_client()
    data = client.get("/api/search", query_string={"q": rec["title"]}).get_json()
    assert sum(r["id"] == rec["id"] or r["id"].endswith("copy.txt") for r in data["results"]) == 1
    html = client.get("/", query_string={"q": rec["title"]}).get_data(as_text=True)
    assert "và 1 bài cùng nội dung" in html


def test_each_segment_keeps_its_story_bands_as_a_key_table(copies_index, monkeypatch):
    """Every segment vnsearch writes holds its band terms as a sorted key table, equal
    to Whoosh's postings of the field; the band look-up takes it (counted), and gives
    the documents the term-by-term path over Whoosh's postings gives."""
    from indexer.backends.whoosh import internals, keytable, store
    from indexer.backends.whoosh.postings import DocSets, SharedState
    from indexer.backends.whoosh.segments import SegmentCache

    searcher = store.open_index(copies_index.path("index")).searcher()
    try:
        for sub, _offset in searcher.reader().leaf_readers():
            table = keytable.read_table(sub, "story")
            assert table is not None
            assert list(table.keys) == sorted(table.keys)
            # aligned arrays: misaligned ones make numpy copy the table on every look-up
            assert table.keys.flags.aligned and table.docs.flags.aligned
            postings = {(int(t, 16), d) for t in sub.lexicon("story")
                        for d in sub.postings("story", t.decode()).all_ids()}
            assert set(zip(table.keys.tolist(), table.docs.tolist())) == postings and postings
        seed = next(d for d in range(searcher.doc_count_all())
                    if searcher.stored_fields(d).get("key") == "feed:seed")
        bands = band_terms(decode(searcher.stored_fields(seed)["story_sig"]))
        before = internals.PATHS["keytable.fast"]
        fast = DocSets(searcher, {}, SharedState(SegmentCache())).doc_ids_any("story", bands)
        assert internals.PATHS["keytable.fast"] > before
        ids = {searcher.stored_fields(int(d))["key"] for d in fast}
        assert {"feed:seed", SEED_URL} <= ids  # the verbatim copy shares every band

        monkeypatch.setattr(keytable, "read_table", lambda sub, fieldname: None)
        before = internals.PATHS["keytable.fast"]
        slow = DocSets(searcher, {}, SharedState(SegmentCache())).doc_ids_any("story", bands)
        assert internals.PATHS["keytable.fast"] == before
        assert sorted(slow.tolist()) == sorted(fast.tolist())
    finally:
        searcher.close()


def test_a_damaged_key_table_is_named_and_a_non_numeric_term_skips_it():
    from indexer.backends.whoosh import keytable

    data = keytable.encode_table({"1a2b": [3, 1], "ff": [2]})
    assert data is not None
    table = keytable.decode_table(data, "x")
    assert table.keys.tolist() == [0xFF, 0x1A2B, 0x1A2B] and table.docs.tolist() == [2, 1, 3]
    assert sorted(table.lookup(keytable.term_keys(["1a2b", "ff", "7"])).tolist()) == [1, 2, 3]
    with pytest.raises(ValueError, match="segment S's MAIN_S.story_keys is truncated"):
        keytable.decode_table(data[:-1], "segment S's MAIN_S.story_keys")
    with pytest.raises(ValueError, match="not a vnsearch key table"):
        keytable.decode_table(b"junk" + data, "y")
    assert keytable.encode_table({"Hà Nội": [1]}) is None
    assert keytable.term_keys(["8" + "0" * 15]) is None  # 2**63: key + 1 must not wrap


def test_a_result_shown_again_reuses_its_band_look_up(copies_index):
    """The articles sharing a shown result's bands are kept per index state: the same
    page again groups the same copies without looking a band up."""
    from indexer.backends.whoosh import internals

    engine = SearchEngine(copies_index)
    start = internals.PATHS["keytable.fast"]
    first = engine.search(SearchRequest(q="bộ chỉ huy quân sự Nhật Bản", per_page=10))
    before = internals.PATHS["keytable.fast"]
    assert before > start
    again = engine.search(SearchRequest(q="bộ chỉ huy quân sự Nhật Bản", per_page=9))
    assert internals.PATHS["keytable.fast"] == before
    assert [(h.id, [c["id"] for c in h.same_story]) for h in again.hits] == \
        [(h.id, [c["id"] for c in h.same_story]) for h in first.hits][:9]
