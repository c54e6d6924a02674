""""Did you mean": typo fixes and restored diacritics from the index's own vocabulary.

Real vocabulary: the session index of tests/data/core.
"""

from __future__ import annotations

from indexer.search.querylang import parse_query
from indexer.search.engine import SearchRequest


def did_you_mean(engine, q):
    return engine.suggester().did_you_mean(parse_query(q))


def test_unknown_syllable_gets_indexed_neighbours_by_frequency(engine):
    sug = engine.suggester()
    cands = sug.candidates("thank")
    assert cands and cands[0] == "thanh"
    assert all(c != "thank" for c in cands)
    assert sug.fix_syllable("truongg") == "truong"


def test_swapped_letters_are_fixed(engine):
    assert engine.suggester().fix_syllable("phogn") == "phong"


def test_known_syllable_is_never_corrected(engine):
    sug = engine.suggester()
    assert sug.candidates("cho") == []
    assert sug.fix_syllable("cho") is None


def test_tone_marks_are_never_an_edit(engine):
    # "chó", "chò", "chợ" all fold to "cho", which the index has: nothing to correct.
    for q in ("chó", "chò", "chợ"):
        assert did_you_mean(engine, q) is None
    assert did_you_mean(engine, "quân sự") is None


def test_typo_fixed_and_diacritics_restored(engine):
    assert did_you_mean(engine, "bo truongg quoc phong") == "bộ trưởng quốc phòng"


def test_context_picks_the_word_not_the_most_frequent_syllable(engine):
    # "bna" is one edit from "ba" (frequent) and "ban"; "nhật bản" is a known word.
    assert did_you_mean(engine, "nhat bna") == "nhật bản"


def test_typed_diacritics_are_kept_and_phrase_and_exclusion_survive(engine):
    assert did_you_mean(engine, "Bộ trưởng Quốc phògn") == "bộ trưởng quốc phòng"
    assert did_you_mean(engine, '"bo chi huyy"') == '"bộ chỉ huy"'
    assert did_you_mean(engine, "nhat bna -my") == "nhật bản -my"


def test_restore_prefers_known_words(engine):
    sug = engine.suggester()
    assert sug.restore(["bo", "truong", "quoc", "phong"]) == ["bộ", "trưởng", "quốc", "phòng"]
    assert sug.restore(["nhat", "ban"]) == ["nhật", "bản"]


def test_search_offers_the_correction(engine):
    result = engine.search(SearchRequest(q="bo truongg quoc phong", facets=False))
    assert result.total > 0
    assert result.suggestion == "bộ trưởng quốc phòng"


def test_nonsense_gets_no_suggestion(engine):
    result = engine.search(SearchRequest(q="zzxqj", facets=False))
    assert result.total == 0
    assert result.suggestion is None
    assert result.drop_suggestions == ["zzxqj"]


def test_completions_come_from_indexed_words(engine):
    assert "bộ trưởng" in engine.suggester().complete_words("bo tr")


def test_an_accent_typed_picks_the_correction(engine):
    # "vàgn" folds one edit from "vang", "van" and "vagn"'s other neighbours; the grave
    # typed says "vàng", which is what the suggestion and the search both take.
    sug = engine.suggester()
    assert sug.fix_typed_syllable("vagn", "gia", None, "vàgn") == "vàng"
    assert did_you_mean(engine, "giá vàgn") == "giá vàng"
    assert sug.fix_syllable("vagn", "gia", None, "vàgn") == "vang"


def test_a_commit_grows_the_vocabulary_instead_of_building_it_again(fresh_config, tmp_path, monkeypatch):
    """Building the typo vocabulary walks the whole term dictionary (seconds on the full
    corpus, in every serving process); after a commit that adds a few articles, the new
    state's vocabulary is the previous one with the new segment's terms counted in: it
    knows the new article's words at once, and no full walk runs."""
    import gzip
    import json

    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths
    from indexer.search import suggest
    from indexer.search.engine import SearchEngine

    from .conftest import CORE

    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = fh.readlines()
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("".join(lines[:150]), encoding="utf-8")
    second.write_text("".join(lines[150:152]), encoding="utf-8")
    assert index_articles(fresh_config, read_paths([first])).indexed > 100
    engine = SearchEngine(fresh_config, refresh_seconds=0.0)
    assert engine.vocabulary_ready(60)
    before = engine.suggester()._vocab
    new_words = {w for line in lines[150:152] for w in json.loads(line)["body"].split()} - \
        {w for line in lines[:150] for w in json.loads(line)["body"].split()}

    walks = []
    real = suggest.Suggester._best_forms
    monkeypatch.setattr(suggest.Suggester, "_best_forms", lambda self, f: walks.append(f) or real(self, f))
    assert index_articles(fresh_config, read_paths([second])).indexed == 2  # a commit
    sug = engine.suggester()
    assert sug.ready() and walks == [], "grown, not walked again"
    v = sug._vocab
    assert v is not before and len(v.segments) == len(before.segments) + 1
    assert len(v.folded) > len(before.folded)
    from indexer.text.normalize import fold
    new_folded = {fold(w.strip(".,:;!?()\"'").lower()) for w in new_words} - set(before.folded)
    new_folded = {w for w in new_folded if w.isalpha()}
    assert new_folded and new_folded & set(v.folded), "the new articles' syllables are known"

    # and it matches a vocabulary built from scratch on the new state, but for counts
    afresh = suggest.Suggester(engine.searcher().reader())
    afresh.prepare()
    assert set(v.syllables) == set(afresh._vocab.syllables)
    assert set(v.words) == set(afresh._vocab.words) and v.word_keys == afresh._vocab.word_keys
    assert v.folded == afresh._vocab.folded
    engine.close()
