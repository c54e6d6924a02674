"""Normalisation, table-driven, with forms taken from the real corpus and the client's article."""

import unicodedata

import pytest

from indexer.text.normalize import clean_text, fold, has_diacritics, normalize

NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731

# (input, expected normalised form): every input form occurs in shared/corpus.
CASES = [
    # old -> new tone placement on syllable-final oa / oe / uy
    ("hoà bình", "hòa bình"),
    ("Hoà", "Hòa"),
    ("HOÀ BÌNH", "HÒA BÌNH"),
    ("thuỷ điện", "thủy điện"),
    ("Thuý", "Thúy"),
    ("uỷ ban", "ủy ban"),
    ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
    ("khoẻ", "khỏe"),
    ("thoả thuận", "thỏa thuận"),
    ("toà án", "tòa án"),
    ("huỷ", "hủy"),
    ("khoá", "khóa"),
    ("tối đa hoá", "tối đa hóa"),
    # placement inside a longer syllable, or after "qu", is not touched
    ("hoàng", "hoàng"),
    ("quý", "quý"),
    ("quỳnh", "quỳnh"),
    ("khuya", "khuya"),
    # the new placement is already canonical
    ("hòa bình", "hòa bình"),
    ("thủy", "thủy"),
    # NFD and Windows-1258-style mixed text (precomposed letter + combining tone mark)
    (NFD("Bộ trưởng Quốc phòng"), "Bộ trưởng Quốc phòng"),
    ("ta\u0300i chi\u0301nh", "tài chính"),
    ("\u00ea\u0301", "ế"),
    (NFD("hoà"), "hòa"),
    # Ð (U+00D0, Icelandic eth) for Đ
    ("\u00d0à Nẵng", "Đà Nẵng"),
    ("\u00f0ường", "đường"),
    # spaces
    ("Hà\u00a0Nội", "Hà Nội"),
    ("Hà  \t Nội", "Hà Nội"),
    ("Hà\u200bNội", "HàNội"),
]


@pytest.mark.parametrize("raw,expected", CASES)
def test_normalize(raw, expected):
    assert normalize(raw) == expected
    assert normalize(expected) == expected  # idempotent


@pytest.mark.parametrize("raw,expected", [
    ("Bộ trưởng Quốc phòng", "bo truong quoc phong"),
    ("Đường", "duong"),
    ("dương", "duong"),
    ("Nhật Bản", "nhat ban"),
    ("Ấn Độ Dương", "an do duong"),
    ("TP.HCM", "tp.hcm"),
])
def test_fold(raw, expected):
    assert fold(normalize(raw)) == expected


def test_fold_is_length_preserving_on_vietnamese():
    from .conftest import SEED

    text = normalize(SEED.read_text(encoding="utf-8"))
    assert len(fold(text)) == len(text)


def test_has_diacritics():
    assert has_diacritics("bộ trưởng")
    assert has_diacritics("đi")
    assert not has_diacritics("bo truong")
    assert not has_diacritics("Nhat Ban")


def test_clean_text_decodes_entities_and_keeps_paragraphs():
    # VNTC text carries &quot; and CRLF line ends (shared/corpus/README.md)
    raw = "Ông Nguyễn Anh Tuấn giải thích: &quot;Việc chỉ đạo&quot;\r\n\r\n  Sau khi báo phản ánh\u00a0 \r\n"
    assert clean_text(raw) == 'Ông Nguyễn Anh Tuấn giải thích: "Việc chỉ đạo"\nSau khi báo phản ánh'


def test_normalize_replaces_lone_surrogates_and_controls():
    assert normalize("a\ud800b\x00c\x07d") == "a\ufffdb c d"


# -- Lucene's folding tests (tests/data/folding/, source and licence in tests/data/README.md) --

FOLDING = __import__("pathlib").Path(__file__).parent / "data" / "folding"
# Where vnsearch folds otherwise than Lucene's ASCIIFoldingFilter, on purpose:
# NFKC (applied to every text first) leaves a modifier letter that is part of the word
# ("ŉ" → "ʼn", "ẚ" → "aʾ"); "ẛ" is a long s with a dot, which Lucene reads as an f.
LUCENE_EXCEPTIONS = {"ŉ": "ʼn", "ẚ": "aʾ", "ẛ": "s"}


def _tokens(text: str) -> list[str]:
    from indexer.text.analysis import syllables

    return [s.fold for s in syllables(normalize(text))]


def _lucene_rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in (FOLDING / "lucene_ascii_folding.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            test, _cp, typed, folded = line.split("\t")
            rows.append((test, typed, folded))
    return rows


def test_lucene_ascii_folding_table():
    rows = _lucene_rows()
    assert len(rows) > 700 and {t for t, _a, _b in rows} == {"latin1", "all"}
    wrong = []
    for test, typed, folded in rows:
        want = [LUCENE_EXCEPTIONS[typed]] if typed in LUCENE_EXCEPTIONS else _tokens(folded)
        if _tokens(typed) != want:
            wrong.append((test, typed, _tokens(typed), want))
    assert not wrong, wrong[:20]


# Lucene's ICU folding test (TestICUFoldingFilter.testDefaults), its Latin cases.
@pytest.mark.parametrize("typed,folded", [
    ("This is a test", "this is a test"),
    ("Ruß", "russ"),
    ("résumé", "resume"),
    ("re\u0301sume\u0301", "resume"),
    ("đis is cræzy", "dis is craezy"),
    ("ELİF", "elif"),
    ("eli\u0307f", "elif"),
])
def test_lucene_icu_folding_cases(typed, folded):
    assert _tokens(typed) == folded.split()


def test_letters_folding_to_two_are_highlighted():
    from indexer.search.highlight import find_matches

    text = normalize("Bảo tàng Ærøskøbing, phố Straße")
    found = {f for _s, _e, f, _w in find_matches(text, {"aeroskobing", "strasse", "bao"})}
    assert found == {"aeroskobing", "strasse", "bao"}
