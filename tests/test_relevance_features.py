"""Each way of typing a query, and each relevance feature, on real articles.

All examples come from tests/data/core (216 real articles + the client's seed); the
session fixture ``engine`` searches an index of them.
"""

from __future__ import annotations

import unicodedata

import pytest

from indexer.text.normalize import fold
from indexer.search.querylang import parse_query
from indexer.search.rescore import variants
from indexer.search.engine import SearchRequest
from indexer.search.synonyms import Synonyms, load_synonyms, parse_synonyms

from .conftest import SEED_TITLE


def search(engine, q, per_page=10, debug=False):
    return engine.search(SearchRequest(q=q, per_page=per_page, facets=False, debug=debug))


def ids(engine, q, per_page=50):
    return [h.id for h in search(engine, q, per_page).hits]


def text_of(engine, doc_id):
    doc = engine.document(doc_id)
    return (doc.title + "\n" + doc.body).lower()


# -- ways of typing -----------------------------------------------------------------

def test_headline_as_written_finds_the_article_first(engine):
    assert search(engine, SEED_TITLE).hits[0].title == SEED_TITLE


def test_diacritic_free_headline_finds_the_diacritic_article(engine):
    q = fold(SEED_TITLE)  # "my ra tuyen bo thanh lap bo chi huy quan su moi tai nhat ban"
    assert q.isascii()
    assert search(engine, q).hits[0].title == SEED_TITLE


def test_nfd_headline_finds_the_article(engine):
    q = unicodedata.normalize("NFD", SEED_TITLE)
    assert q != SEED_TITLE
    assert search(engine, q).hits[0].title == SEED_TITLE


def test_eth_lookalike_is_d_with_stroke(engine):
    # U+00D0 (Icelandic eth) typed for "Đ": same results as the real letter.
    assert ids(engine, "\u00d0ường") == ids(engine, "Đường")
    assert ids(engine, "Đường")


@pytest.mark.parametrize("old, new", [("hoà nhạc", "hòa nhạc"), ("thuỷ đậu", "thủy đậu"),
                                      ("uỷ ban", "ủy ban")])
def test_old_and_new_tone_placement_are_one(engine, old, new):
    assert ids(engine, old) == ids(engine, new)
    assert ids(engine, new)


def test_new_placement_finds_article_written_with_old(engine):
    # vntc:test:VH_VNE_T_(1915) writes "buổi hoà nhạc"; SK_VNE_T_(2965) "thuỷ đậu".
    assert "vntc:test:VH_VNE_T_(1915)" in ids(engine, "hòa nhạc")
    assert search(engine, "thủy đậu").hits[0].id == "vntc:test:SK_VNE_T_(2965)"
    assert "vntc:train:XH_VNE_(789)" in ids(engine, "ủy ban")  # "Uỷ ban 33"


def test_exact_diacritics_rank_first(engine):
    result = search(engine, "đường")
    assert result.total > 10
    for hit in result.hits:
        assert "đường" in text_of(engine, hit.id)
    # Typed with diacritics, the form as typed is the match (dương, dưỡng... are not
    # counted); typed without, every form is.
    plain = search(engine, "duong")
    assert plain.total > result.total
    for hit in search(engine, "đường", per_page=50).hits:
        assert "đường" in text_of(engine, hit.id)


def test_quoted_phrase_needs_adjacent_syllables(engine):
    loose = search(engine, "bộ chỉ huy", per_page=50)
    phrase = search(engine, '"bộ chỉ huy"', per_page=50)
    assert 0 < phrase.total < loose.total
    for hit in phrase.hits:
        assert "bo chi huy" in " ".join(fold(text_of(engine, hit.id)).split())


def test_exclusion_removes_articles_with_the_word(engine):
    all_japan = search(engine, "Nhật Bản").total
    without_us = ids(engine, "Nhật Bản -Mỹ")
    assert 0 < search(engine, "Nhật Bản -Mỹ").total < all_japan
    for doc_id in without_us:
        words = {fold(w) for w in text_of(engine, doc_id).replace(",", " ").split()}
        assert "my" not in words


# -- synonyms and abbreviations ------------------------------------------------

def test_synonyms_file_is_shipped_and_loaded(engine):
    syn = engine.synonyms()
    assert len(syn) >= 20
    exp = syn.expand(parse_query("UBND tỉnh").parts[0].syllables)
    assert exp[0].matched == "ubnd" and "ủy ban nhân dân" in exp[0].texts


def test_abbreviation_finds_the_full_form(engine):
    # Both articles write "Liên Hợp Quốc" / "Liên hợp quốc", never "LHQ".
    found = ids(engine, "LHQ")
    assert "vntc:test:TG_VNE_T_(1180)" in found
    assert "vntc:train:KH_VNE_(2114)" in found
    assert "lhq" not in fold(text_of(engine, "vntc:test:TG_VNE_T_(1180)"))
    assert "vntc:train:XH_VNE_(789)" in ids(engine, "CLB")  # "các câu lạc bộ Tri thức xanh"


def test_full_form_finds_the_abbreviation(engine):
    # No core article writes "ủy ban nhân dân" in full; many write "UBND".
    with_abbr = set(ids(engine, "UBND"))
    assert with_abbr and with_abbr <= set(ids(engine, "ủy ban nhân dân", per_page=50))
    assert "vntc:train:XH_NLD_(4769)" in ids(engine, "huấn luyện viên")


def test_tp_hcm_spellings_find_each_other(engine):
    dotted = set(ids(engine, "TP.HCM", per_page=50))
    joined = set(ids(engine, "TPHCM", per_page=50))
    assert dotted == joined
    assert any("tphcm" in text_of(engine, d) for d in dotted)
    assert any("tp hcm" in fold(text_of(engine, d)) or "tp.hcm" in text_of(engine, d) for d in dotted)


def test_explain_shows_synonyms_and_stage(engine):
    ex = search(engine, "LHQ", debug=True).explain
    assert ex["synonyms"] == [{"matched": "lhq", "alternatives": ["Liên Hợp Quốc"]}]
    assert ex["stage"] == "all words"
    assert 'title_f:"lien hop quoc"' in ex["whoosh_query"]  # the full form, its words together


def test_synonym_variants_are_scored():
    syn = parse_synonyms("# comment\nCLB, câu lạc bộ\nbad line without group\n")
    assert len(syn) == 1
    parsed = parse_query("CLB bóng đá")
    parsed.parts[0].expansions = syn.expand(parsed.parts[0].syllables)
    vs = variants(parsed)
    assert [[f for f, _ in c] for c in vs[0]] == [["clb", "bong", "da"]]
    assert [[f for f, _ in c] for c in vs[1]] == [["cau", "lac", "bo", "bong", "da"]]


def test_synonyms_longest_form_wins_and_missing_file_is_empty(tmp_path):
    syn = Synonyms([["TP", "thành phố"], ["TP.HCM", "thành phố Hồ Chí Minh"]])
    exp = syn.expand(parse_query("tp hcm").parts[0].syllables)
    assert len(exp) == 1 and exp[0].length == 2 and exp[0].texts == ("thành phố Hồ Chí Minh",)
    assert len(load_synonyms(tmp_path / "absent.txt")) == 0


# -- fallbacks --------------------------------------------------------------------

def test_typo_in_headline_is_a_best_match(engine):
    typo = SEED_TITLE.replace("thành lập", "thànk lập")  # "thank": in no article
    result = search(engine, typo, debug=True)
    assert result.hits[0].title == SEED_TITLE
    # A long query needs three words in four, not all: the typo costs one word.
    assert result.explain["stage"].startswith("best match")
    assert result.explain["reading"]["kind"] == "long"
    # The typo is one word of the count, not a reason to find nothing.
    assert any("thànk" in st["query"] for st in result.explain["stages"])


def test_unknown_word_falls_back_to_words_one_letter_away(engine):
    result = search(engine, "thank lập", debug=True)
    assert result.total
    assert "thanh" in result.explain["fuzzy"]["thank"]
    assert result.explain["stage"].endswith("unknown words one letter away")
    assert any("thank" in n for n in result.notes)
    assert {"code": "fuzzy", "words": ["thank"]} in result.notices
    assert any("thành lập" in text_of(engine, h.id) for h in result.hits[:3])


def test_word_typed_with_marks_in_no_article_matches_its_corrections_at_once(engine):
    # "thànk": no article has it; its corrections keeping the grave accent join the match
    # from the first stage (no fallback needed), and the notice names what was typed.
    result = search(engine, "thànk lập", debug=True)
    assert result.explain["fuzzy"] == {"thank": ["thanh"]}
    assert not result.explain["stage"].endswith("unknown words one letter away")
    assert {"code": "fuzzy", "words": ["thànk"]} in result.notices
    assert any("thànk" in n for n in result.notes)
    assert any("thành lập" in text_of(engine, h.id) for h in result.hits[:3])


def test_no_article_with_all_words_falls_back_to_most(engine):
    result = search(engine, "bộ chỉ huy quân sự Maradona", debug=True)
    assert result.relaxed
    assert result.explain["stage"].startswith("most words")
    assert result.hits[0].title == SEED_TITLE


def test_tone_difference_is_never_a_typo(engine):
    # "chó" folds to "cho", which the index holds: no fuzzy expansion, no correction.
    result = search(engine, "chó", debug=True)
    assert result.explain["fuzzy"] == {}
    assert result.suggestion is None


@pytest.mark.parametrize("q", [
    "Nhật Bản", "nhat ban", "Bộ trưởng", "bo truong", "quân sự", "chỉ huy",  # one clause, two syllables
    "Mỹ", "my", "Tokyo",  # one syllable
    "xe xe", "Nhật Nhật",  # the same syllable twice
    "UBND", "TP.HCM", "ủy ban nhân dân",  # synonyms: several variants
    "bộ chỉ huy quân sự", '"Nhật Bản" quân sự', "Nhật -Bản",  # longer, phrases, exclusions
])
def test_stand_in_positions_give_the_scores_real_positions_give(engine, q):
    """Re-scoring from bitsets and pair terms where the features cannot tell
    (indexer.search.rescore._stand_ins) ranks and scores exactly as from real positions."""
    from indexer.search.rescore import rescore

    s = engine.searcher()
    assert "body_b" in s.schema
    ds = engine.docsets(s)
    parsed = engine.parse(q)
    engine.expand(parsed)
    query = engine._retrieval_query(parsed, s, require_all=False)
    bits = ds.evaluate(query).bits
    docs = ds.top(query, bits, 400)
    if not docs:
        pytest.skip(f"no candidates for {q!r}")
    real = rescore(s, docs, parsed, positions=ds.positions)
    fast = rescore(s, docs, parsed, positions=ds.positions, members=ds.members)
    assert fast == real
    assert len(real) == len(docs)
