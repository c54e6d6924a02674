"""Property-based tests (hypothesis) of the text pipeline's invariants.

normaliser: idempotent, NFC output, no look-alike "Ð"/"ð", no surrogates or control
characters, fold preserves length on NFC Vietnamese; analyser: offsets inside the
text, ``text[start:end].lower() == token``, tokens never empty; query parser: raises
only QueryTooLongError, parts never empty; highlighter: escapes everything but
its own ``<mark>``. Example counts stay modest so the suite stays fast.
"""

from __future__ import annotations

import html
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from indexer.text.analysis import analyze, syllables
from indexer.search.highlight import highlight_all, snippet
from indexer.text.normalize import clean_text, fold, normalize, spell_iy
from indexer.search.querylang import QueryTooLongError, parse_query

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_VI_LOWER = ("aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữự"
             "vxyỳýỷỹỵ")
VI_LETTERS = _VI_LOWER + _VI_LOWER.upper()
TONES = "\u0300\u0301\u0303\u0309\u0323"
NASTY = ("\u00d0\u00f0\u0189\u0256\u00a0\u200b\u200d\ufeff\u00ad\u202e\r\n\t\x00\x0b\x1b\x7f\x85\u2028"
         "\u2029\ud800\udc00\ufffd\"'*-()<>&;_:/" + TONES)

vi_text = st.text(alphabet=st.sampled_from(VI_LETTERS + " .,-\n"), max_size=200)
# Vietnamese letters, combining marks, nasty characters and anything Unicode has.
mixed_text = st.text(
    alphabet=st.one_of(st.sampled_from(VI_LETTERS), st.sampled_from(NASTY), st.characters()),
    max_size=200)
# NFD/NFC mixtures: Vietnamese letters decomposed at random.
nfd_text = vi_text.map(lambda s: unicodedata.normalize("NFD", s))


# -- normaliser -------------------------------------------------------------------


@FAST
@given(st.one_of(mixed_text, nfd_text))
def test_normalize_idempotent_nfc_and_clean(text):
    out = normalize(text)
    assert normalize(out) == out
    assert unicodedata.is_normalized("NFC", out)
    assert not set(out) & {"\u00d0", "\u00f0", "\u0189", "\u0256"}
    assert not re.search(r"[\ud800-\udfff]", out)
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", out)


@FAST
@given(st.one_of(mixed_text, nfd_text))
def test_clean_text_idempotent(text):
    out = clean_text(text)
    assert clean_text(out) == out or "&" in out  # entities decode once more, by design
    assert not out.startswith((" ", "\n")) and not out.endswith((" ", "\n"))
    assert "\n\n" not in out


@FAST
@given(vi_text)
def test_nfd_and_nfc_normalise_the_same(text):
    assert normalize(unicodedata.normalize("NFD", text)) == normalize(text)


@FAST
@given(vi_text)
def test_fold_preserves_length_on_vietnamese(text):
    text = normalize(text)
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded.isascii()
    assert folded == folded.lower()
    assert fold(folded) == folded


@FAST
@given(mixed_text)
def test_fold_never_longer_and_idempotent(text):
    text = normalize(text)
    folded = fold(text)
    assert fold(folded) == folded
    assert not re.search(r"[\u0300-\u036f]", folded)
    assert "đ" not in folded and "Đ" not in folded


# -- analyser ---------------------------------------------------------------------


def _check_analysis(text, result):
    assert result.text == text
    for i, syl in enumerate(result.syllables):
        assert syl.exact and syl.fold
        assert 0 <= syl.start < syl.end <= len(text)
        # the exact token is the text's syllable lower-cased, i/y variants spelled one way
        assert spell_iy(text[syl.start:syl.end].lower()) == syl.exact
        assert syl.fold == fold(syl.exact)
        assert syl.pos == i
    starts = [s.start for s in result.syllables]
    assert starts == sorted(starts)
    for first, count in result.words:
        assert count >= 2 and 0 <= first and first + count <= len(result.syllables)
    for word, _pos, start, end in result.word_tokens():
        assert word and "__" not in word and 0 <= start < end <= len(text)


@FAST
@given(st.one_of(mixed_text, nfd_text, vi_text))
def test_analyser_offsets_without_pyvi(text):
    text = normalize(text)
    result = analyze(text, normalized=True, segment=False)
    _check_analysis(text, result)
    assert [(s.exact, s.start, s.end) for s in syllables(text)] == \
        [(s.exact, s.start, s.end) for s in result.syllables]


@SLOW
@given(st.one_of(vi_text, mixed_text))
def test_analyser_offsets_with_pyvi(text):
    result = analyze(text)  # normalises, then pyvi
    _check_analysis(normalize(text), result)


# -- query parser -----------------------------------------------------------------


query_text = st.one_of(
    mixed_text,
    st.text(alphabet=st.sampled_from('"-*() ab đô\u0301'), max_size=120),
    st.lists(st.sampled_from(["bộ", "trưởng", '"', "-", "*", "th*", "-mỹ", '"nhật bản"', "(", "title:"]),
             max_size=60).map(" ".join),
)


@FAST
@given(query_text, st.integers(min_value=1, max_value=40))
def test_parser_never_raises_and_parts_never_empty(q, max_terms):
    try:
        parsed = parse_query(q, max_chars=300, max_terms=max_terms)
    except QueryTooLongError:
        assert len(q) > 300
        return
    assert len(q) <= 300
    kept = 0
    for part in parsed.parts:
        assert part.syllables, part
        assert part.kind in ("terms", "phrase", "prefix")
        assert [s.pos for s in part.syllables] == list(range(len(part.syllables)))
        assert all(s.exact and s.fold for s in part.syllables)
        kept += len(part.syllables)
    assert kept <= max_terms
    if parsed.dropped:
        assert kept == max_terms and parsed.notes


@FAST
@given(st.text(max_size=50), st.integers(min_value=0, max_value=60))
def test_parser_length_limit(q, limit):
    if len(q) > limit:
        with pytest.raises(QueryTooLongError):
            parse_query(q, max_chars=limit)
    else:
        parse_query(q, max_chars=limit)


# -- highlighter ------------------------------------------------------------------

_MARK = re.compile(r"</?mark>")


@FAST
@given(mixed_text.map(normalize), query_text)
def test_highlight_escapes_everything_but_mark(text, q):
    parsed = parse_query(q[:300], max_chars=300)
    folds = parsed.highlight_folds()
    out = highlight_all(text, folds)
    assert html.unescape(_MARK.sub("", out)) == text
    assert "<" not in _MARK.sub("", out) and ">" not in _MARK.sub("", out)
    assert out.count("<mark>") == out.count("</mark>")
    snip = snippet(text, folds, length=80)
    assert "<" not in _MARK.sub("", snip)
    # every piece between ellipses is the text's own (the text may hold "…" itself)
    flat = text.replace("\n", " ")
    pieces = [p.strip() for p in html.unescape(_MARK.sub("", snip)).split("…")]
    assert all(p in flat for p in pieces) or "\n" in text


def _reference_matches(text: str, folds: set[str], exacts: set[str]) -> list:
    """The matching rule spelled plainly: fold the whole text, its i/y spelled one way
    first, as tokens spell them (so a non-Vietnamese "kî" folds to "ki", not "ky"), find
    each query syllable between non-letters, weigh 2 when the text has it exactly as typed."""
    folded = fold(spell_iy(text.lower()))
    alts = "|".join(re.escape(f) for f in sorted(folds, key=len, reverse=True) if f) or "(?!)"
    out = []
    for m in re.finditer(r"(?<![^\W_])(?:" + alts + r")(?![^\W_])", folded):
        s, e = m.span()
        out.append((s, e, m.group(), 2.0 if exacts and spell_iy(text[s:e].lower()) in exacts else 1.0))
    return out


@FAST
@given(mixed_text.map(normalize), query_text, st.booleans())
@example("Æ", "", True)  # a capital that folds to a non-ASCII letter (found by Hypothesis)
@example("KI", "KI", False)  # "ki" is marked as the token "ky" (found by Hypothesis)
@example("KÎ", "", True)  # "kî" is the token "ki": i/y spelled before folding (found by Hypothesis)
def test_highlight_matching_on_stored_text_equals_folding_it_first(text, q, query_is_text):
    """find_matches matches the stored text with letter classes instead of folding it:
    the same matches as folding first, wherever folding keeps the length."""
    from hypothesis import assume

    from indexer.search.highlight import find_matches

    assume(len(fold(text)) == len(text))
    q = text if query_is_text else q
    parsed = parse_query(q[:300], max_chars=300)
    folds = parsed.highlight_folds()
    exacts = {s.exact for s in parsed.positive_syllables}
    assert find_matches(text, folds, exacts) == _reference_matches(text, folds, exacts)


# Sentences from the client's seed article (tests/data/core), as stored and upper-cased.
_SEED = "Bộ trưởng Ngoại giao Mỹ Antony Blinken và Bộ trưởng Quốc phòng Mỹ Lloyd Austin"


@pytest.mark.parametrize("text, query, marked", [
    (_SEED, "bo truong", ["Bộ", "trưởng", "Bộ", "trưởng"]),
    (_SEED, "Bộ trưởng quốc phòng", ["Bộ", "trưởng", "Bộ", "trưởng", "Quốc", "phòng"]),
    (_SEED.upper(), "bo truong", ["BỘ", "TRƯỞNG", "BỘ", "TRƯỞNG"]),
    ("những người đồng cấp Nhật Bản là bà Yoko Kamikawa", "nhat ban", ["Nhật", "Bản"]),
    ("những người đồng cấp Nhật Bản là bà Yoko Kamikawa", "dong", ["đồng"]),
    ("tái lập Lực lượng Mỹ tại Nhật Bản (USFJ) thành", "usfj", ["USFJ"]),
])
def test_highlight_finds_syllables_whatever_their_marks_and_case(text, query, marked):
    from indexer.search.highlight import find_matches

    parsed = parse_query(query)
    got = [text[s:e] for s, e, _f, _w in find_matches(text, parsed.highlight_folds())]
    assert got == marked
