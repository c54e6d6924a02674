"""Telex and VNI keystrokes read back as Vietnamese: an IME's own cases, real headlines
typed as keystrokes and decoded, and searches typed with the input method off."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata

import pytest

from indexer.text.keystrokes import decode_telex, decode_vni, encode, read_keystrokes
from indexer.text.normalize import is_syllable, normalize
from indexer.search.engine import SearchRequest, result_to_api

from .conftest import CORE, SEED_TITLE, SEED_URL

# Cases of bamboo-core's bamboo_test.go (BambooEngine/bamboo-core, GPL-3.0; the engine
# of ibus-bamboo): Telex keystrokes and what the engine types for them.
BAMBOO_TELEX = [
    ("aw", "ă"), ("uwow", "ươ"), ("chuaarn", "chuẩn"), ("giamaf", "giầm"), ("ddafi", "đài"),
    ("Thuow", "Thuơ"), ("VIEETJ", "VIỆT"), ("toowi", "tơi"), ("wowfi", "ười"), ("duwoi", "dươi"),
]
# Keystrokes bamboo-core leaves as typed (English mode or not a Vietnamese word).
BAMBOO_NOT_VIETNAMESE = ["Muoiwq", "catr", "noww", "sawss", "ww"]


@pytest.mark.parametrize("typed,expected", BAMBOO_TELEX)
def test_bamboo_telex_cases(typed, expected):
    assert decode_telex(typed) == expected


@pytest.mark.parametrize("typed", BAMBOO_NOT_VIETNAMESE)
def test_bamboo_non_vietnamese_keystrokes_do_not_decode(typed):
    assert decode_telex(typed) is None


# The examples, and VNI's digits.
@pytest.mark.parametrize("typed,expected", [
    ("tieengs", "tiếng"), ("tieensg", "tiếng"), ("tiengse", "tiếng"), ("nguoiwf", "người"),
    ("nguwowif", "người"), ("nhwng", "nhưng"), ("xoawns", "xoắn"), ("quas", "quá"), ("gias", "giá"),
    ("Hoaf", "Hòa"), ("luaajt", "luật"), ("khuyeenx", "khuyễn"),
])
def test_telex_words(typed, expected):
    assert decode_telex(typed) == expected


@pytest.mark.parametrize("typed,expected", [
    ("tie61ng", "tiếng"), ("vie65t", "việt"), ("tieng61", "tiếng"), ("d9a5i", "đại"), ("hoa2", "hòa"),
    ("nguo7i2", "người"), ("tho7i2", "thời"), ("ba8n", "băn"), ("Vie65t", "Việt"),
])
def test_vni_words(typed, expected):
    assert decode_vni(typed) == expected


@pytest.mark.parametrize("typed", ["u23", "covid19", "g20", "2024", "a0", "news", "tesla", "facebook"])
def test_not_keystrokes(typed):
    assert decode_vni(typed) is None or typed == "a0"
    assert read_keystrokes(typed) is None


def to_telex(word: str, tone_last: bool) -> str:
    return encode(word, "telex", tone_last)


def to_vni(word: str, tone_last: bool) -> str:
    return encode(word, "vni", tone_last)


def _headline_syllables() -> list[str]:
    words = set()
    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            title = normalize(json.loads(line).get("title") or "")
            words.update(w for w in re.findall(r"[^\W\d_]+", title) if is_syllable(w))
    return sorted(words)


def _typed_plainly(word: str) -> bool:
    """Words whose own letters would be keys ("xoong": oo is ô) can't round-trip."""
    plain = unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", word.lower())
                                                 if not unicodedata.combining(c)))
    return not re.search(r"aa|ee|oo|dd", plain) and word.lower() not in ("thưở",)


@pytest.mark.parametrize("tone_last", [True, False])
def test_real_headline_syllables_round_trip(tone_last):
    words = [w for w in _headline_syllables() if _typed_plainly(w)]
    assert len(words) > 500
    bad_telex = [(w, to_telex(w, tone_last)) for w in words
                 if (decode_telex(to_telex(w, tone_last)) or w) != w]
    bad_vni = [(w, to_vni(w, tone_last)) for w in words if (decode_vni(to_vni(w, tone_last)) or w) != w]
    assert not bad_telex, bad_telex[:20]
    assert not bad_vni, bad_vni[:20]


def test_query_reading():
    r = read_keystrokes("tieengs vieetj")
    assert r is not None and r.method == "telex" and r.text == "tiếng việt"
    r = read_keystrokes("tie61ng vie65t")
    assert r is not None and r.method == "vni" and r.text == "tiếng việt"
    assert read_keystrokes("tam bao") is None  # plain letters: nothing to decode
    # punctuation outside ASCII (a real headline's quotes) does not stop the reading
    r = read_keystrokes("“Ddaij tieecj” vowis nhuwngx")
    assert r is not None and r.text == "“Đại tiệc” với những"
    r = read_keystrokes("BVD9K tinh3")  # a word that is no VNI stays as typed
    assert r is not None and r.text == "BVD9K tỉnh"
    assert read_keystrokes("U23 Việt Nam") is None
    r = read_keystrokes("U23 vieetj nam")  # "U23" is no VNI word; as Telex it stays as typed
    assert r is not None and r.method == "telex" and r.text == "U23 việt nam"


def test_seed_headline_typed_as_keystrokes_is_found(engine):
    words = re.findall(r"[^\W_]+", SEED_TITLE)
    for method, enc in (("telex", to_telex), ("vni", to_vni)):
        typed = " ".join(enc(w, True) for w in words)
        result = engine.search(SearchRequest(q=typed))
        assert result.reading is not None and result.reading["kind"] == method, typed
        assert result.reading["text"] == SEED_TITLE
        assert result.hits and result.hits[0].id == SEED_URL
        assert result.query == typed
        api = result_to_api(result)
        assert api["reading"]["literal"] == typed and api["notices"][-1]["code"] == method
        literal = engine.search(SearchRequest(q=typed, literal=True))
        assert literal.reading is None


def _lexicon(engine):
    from indexer.search.reading import IndexLexicon

    return IndexLexicon(engine.searcher().reader().doc_frequency)


def test_words_the_index_holds_as_typed_stay_as_typed(engine):
    from indexer.search.reading import reading_of

    lex = _lexicon(engine)
    # Real words of the test collection that also spell a syllable as Telex keys: each is
    # held as typed by a good share of the articles holding the syllable it spells (or more).
    for typed, spelled in (("Hamas", "Hấm"), ("xoong", "xông"), ("Las", "Lá")):
        assert decode_telex(typed) == spelled
        assert lex.word_articles(typed) > 0
        assert reading_of(typed, lex) is None, typed
    # Mixed with real keystrokes, the name stays and the rest is read.
    r = reading_of("Hamas tuyeen boos", lex)
    assert r is not None and r.kind == "telex" and r.text == "Hamas tuyên bố"
    assert r.words == (("tuyeen", "tuyên"), ("boos", "bố"))


def test_a_decoding_no_article_holds_stays_as_typed(engine):
    from indexer.search.reading import reading_of

    lex = _lexicon(engine)
    assert decode_telex("khuyeenx") == "khuyễn"
    assert lex.syllable_articles("khuyễn") == 0 and lex.word_articles("khuyeenx") == 0
    assert reading_of("khuyeenx", lex) is None
    r = reading_of("khuyeenx tieengs", lex)
    assert r is not None and r.text == "khuyeenx tiếng"


def test_a_rare_literal_gives_way_to_a_common_syllable(engine):
    from indexer.search.reading import reading_of

    lex = _lexicon(engine)
    # "sex" is in two articles, "sẽ" (its Telex reading) in over a hundred.
    assert 0 < 20 * lex.word_articles("sex") < lex.syllable_articles("sẽ")
    r = reading_of("Myx sex tuyeen boos", lex)
    assert r is not None and r.text == "Mỹ sẽ tuyên bố"


def test_plain_words_without_a_model_are_taken_as_typed(engine):
    from indexer.search.reading import reading_of

    assert reading_of("Nhat Ban", _lexicon(engine)) is None  # no keys, no model


def test_page_shows_the_reading_and_the_literal_link(client):
    resp = client.get("/?q=Myx+tuyeen+boos")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Kết quả cho: <strong>Mỹ tuyên bố</strong>" in html
    assert "exact=1" in html and "Tìm đúng “Myx tuyeen boos”" in html
    resp = client.get("/?q=Myx+tuyeen+boos&exact=1")
    assert "Kết quả cho: <strong>" not in resp.get_data(as_text=True)
