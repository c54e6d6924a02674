"""Marks mean what was typed: the forms typed with diacritics, every form without them,
synonyms and phrases as a whole (on the real articles of tests/data/core)."""

import re

from indexer.search.engine import SearchRequest
from indexer.search.highlight import Marks, highlight_all
from indexer.text.normalize import fold

from .conftest import SEED_URL

_MARK = re.compile(r"<mark>(.*?)</mark>")
_WORD = re.compile(r"[^\W_]+")


def marked_words(html: str) -> list[str]:
    return [w.lower() for m in _MARK.findall(html) for w in _WORD.findall(m)]


def marks(html: str) -> list[str]:
    return _MARK.findall(html)


def test_query_with_diacritics_marks_only_the_forms_typed(engine):
    doc = engine.document(SEED_URL)
    title, body = engine.highlight_document(doc, "bộ chỉ huy quân sự")
    words = marked_words(title) + marked_words(body)
    assert "bộ" in words and "quân" in words
    # The seed article writes "tuyên bố" and "quan chức": "bố" and "quan" are other words.
    assert set(words) <= {"bộ", "chỉ", "huy", "quân", "sự"}, set(words) - {"bộ", "chỉ", "huy", "quân", "sự"}
    assert "tuyên bố" in body.lower() and "<mark>bố" not in body.lower()


def test_query_without_diacritics_marks_every_form(engine):
    doc = engine.document(SEED_URL)
    title, _body = engine.highlight_document(doc, "bo chi huy quan su")
    words = marked_words(title)
    assert "bố" in words and "bộ" in words  # "tuyên bố" and "bộ chỉ huy": both fold to "bo"


def test_search_snippets_never_mark_a_form_not_typed(engine):
    for q in ("giá vàng", "bóng đá", "Nhật Bản", "học sinh"):
        typed = set(q.lower().split())
        result = engine.search(SearchRequest(q=q, per_page=10))
        assert result.hits, q
        for hit in result.hits:
            words = marked_words(hit.snippet) + marked_words(hit.title_html)
            text = (engine.document(hit.id).title + " " + engine.document(hit.id).body).lower()
            if any(w in _WORD.findall(text) for w in typed):
                assert set(words) <= typed, (q, hit.title, set(words) - typed)


def test_synonym_marks_what_it_matched_as_one_mark(engine):
    result = engine.search(SearchRequest(q="tphcm", per_page=50))
    found = [m for h in result.hits for m in marks(h.snippet) + marks(h.title_html)]
    assert "TP.HCM" in found  # one mark over "TP.HCM", not "TP" and "HCM" apart
    assert all(fold(m).replace(".", "").replace(" ", "") in ("tphcm", "tphochiminh", "thanhphohochiminh")
               for m in found), set(found)


def test_quoted_phrase_marks_only_the_whole_phrase(engine):
    result = engine.search(SearchRequest(q='"giá vàng thế giới"'))
    assert result.hits
    found = [m for h in result.hits for m in marks(h.snippet) + marks(h.title_html)]
    assert found and all(m.lower() == "giá vàng thế giới" for m in found), found


def test_marks_on_plain_text():
    text = "Giá vàng tăng, chợ vắng khách; gia đình nào cũng lo. TP.HCM và TP Hà Nội."
    typed = Marks(exacts=frozenset({"giá", "vàng"}))
    assert marked_words(highlight_all(text, set(), marks=typed)) == ["giá", "vàng"]
    every = Marks(folds=frozenset({"gia", "vang"}))
    assert marked_words(highlight_all(text, set(), marks=every)) == ["giá", "vàng", "vắng", "gia"]
    city = Marks(phrases=(("tp", "hcm"),))
    assert marks(highlight_all(text, set(), marks=city)) == ["TP.HCM"]
