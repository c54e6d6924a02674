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
