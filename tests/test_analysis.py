"""The analysis module: syllables, folded syllables and pyvi words with offsets."""

import pytest

from indexer.text.analysis import analyze, content_hash, syllables
from indexer.text.normalize import normalize

from .conftest import SEED


def _seed_text() -> str:
    return normalize(SEED.read_text(encoding="utf-8"))


def test_every_token_slice_equals_the_token():
    a = analyze(_seed_text(), normalized=True)
    assert len(a.syllables) > 500
    for s in a.syllables:
        assert a.text[s.start:s.end].lower() == s.exact
        assert s.fold and s.exact
    for word, pos, start, end in a.word_tokens():
        assert a.text[start:end].lower().replace(" ", "_") == word
        assert a.syllables[pos].start == start


def test_positions_are_consecutive():
    a = analyze("Mỹ ra tuyên bố thành lập bộ chỉ huy quân sự mới tại Nhật Bản")
    assert [s.pos for s in a.syllables] == list(range(len(a.syllables)))


@pytest.mark.parametrize("text,words", [
    # headline of the client's article
    ("Mỹ ra tuyên bố thành lập bộ chỉ huy quân sự mới tại Nhật Bản",
     ["tuyên_bố", "thành_lập", "chỉ_huy", "quân_sự", "nhật_bản"]),
    # from its lead: "Bộ trưởng Quốc phòng Mỹ Lloyd Austin"
    ("Bộ trưởng Quốc phòng Mỹ Lloyd Austin", ["bộ_trưởng", "quốc_phòng", "lloyd_austin"]),
    # old placement is normalised first, so both segment alike
    ("hoà bình", ["hòa_bình"]),
    ("hòa bình", ["hòa_bình"]),
])
def test_pyvi_words(text, words):
    got = [w for w, *_ in analyze(text).word_tokens()]
    assert got == words


def test_syllable_streams():
    a = analyze("Bộ trưởng Quốc phòng Mỹ", segment=False)
    assert [s.exact for s in a.syllables] == ["bộ", "trưởng", "quốc", "phòng", "mỹ"]
    assert [s.fold for s in a.syllables] == ["bo", "truong", "quoc", "phong", "my"]
    assert a.words == []


def test_offsets_refer_to_normalised_text_for_nfd_input():
    import unicodedata

    raw = unicodedata.normalize("NFD", "Lực lượng Phòng vệ Nhật Bản")
    a = analyze(raw)
    assert a.text == "Lực lượng Phòng vệ Nhật Bản"
    assert [a.text[s.start:s.end] for s in a.syllables] == ["Lực", "lượng", "Phòng", "vệ", "Nhật", "Bản"]


def test_cached_words_skip_pyvi_and_match():
    text = _seed_text()
    first = analyze(text, normalized=True)
    again = analyze(text, normalized=True, words=first.words)
    assert again.words == first.words
    assert [s.exact for s in again.syllables] == [s.exact for s in first.syllables]


def test_punctuation_and_numbers():
    a = analyze("TP.HCM có 1.000,5 người; F-35 và PAC-3.", segment=False)
    assert [s.exact for s in a.syllables] == ["tp", "hcm", "có", "1", "000", "5", "người", "f", "35", "và", "pac", "3"]


def test_syllables_helper_matches_analyze():
    text = _seed_text()[:2000]
    assert [(s.exact, s.start, s.end) for s in syllables(text)] == \
        [(s.exact, s.start, s.end) for s in analyze(text, normalized=True, segment=False).syllables]


def test_content_hash_is_stable():
    assert content_hash("hòa bình") == content_hash("hòa bình")
    assert content_hash("hòa bình") != content_hash("hoa binh")
