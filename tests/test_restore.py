"""Diacritics restored from the index's own text (indexer/restore.py) and how search uses it.

Public cases: underthesea's restore_diacritics tests
(tests/pipeline/restore_diacritics/test_restore_diacritics.py, Apache-2.0); the model here
is the one the test index (216 real articles) builds, so only part of general Vietnamese
is known to it: the assertion is a floor on how many it gets right, and the headlines of
the indexed articles, which it has seen, must be restored almost entirely.
"""

from __future__ import annotations

import gzip
import json
import re

import pytest

from indexer.backends.whoosh import store
from indexer.text.normalize import fold, normalize, spell_iy
from indexer.text.restore import MODEL_NAME, RestoreModel, load_model, restore
from indexer.search.engine import SearchRequest

from .conftest import CORE, SEED_TITLE, SEED_URL

UNDERTHESEA = [
    ("toi yeu viet nam", "tôi yêu việt nam"),
    ("chung ta co the lam duoc", "chúng ta có thể làm được"),
    ("Chuc mung nam moi", "Chúc mừng năm mới"),
    ("VIET NAM vo dich", "VIỆT NAM vô địch"),
    ("toi co 2 con meo.", "tôi có 2 con mèo."),
    ("Toi sinh ngay 15 thang 3 nam 1990", "Tôi sinh ngày 15 tháng 3 năm 1990"),
    ("chuyen 10 trieu dong", "chuyển 10 triệu đồng"),
    ("hom nay,toi di hoc", "hôm nay,tôi đi học"),
    ("email cua toi la test@gmail.com", "email của tôi là test@gmail.com"),
    ("Tôi yêu Việt Nam", "Tôi yêu Việt Nam"),
    ("toi  yeu\tviet nam", "tôi yêu việt nam"),  # vnsearch collapses spaces (normalize)
    ("", ""),
    ("123 !!! 456", "123 !!! 456"),
]


@pytest.fixture(scope="module")
def model(core_index):
    m = load_model(store.resolve(core_index.path("index")))
    assert m is not None
    return m


def test_model_is_stored_with_the_index_generation(core_index, model):
    assert (store.resolve(core_index.path("index")) / MODEL_NAME).is_file()
    assert len(model.keys) > 200 and model.unigrams["việt"] > 0
    assert model.forms("viet")[0] == "việt"


def test_underthesea_cases(model):
    right = [case for case, expected in UNDERTHESEA if restore(case, model) == expected]
    assert len(right) >= 10, right  # 12 of 13 when written; "mèo" is in no test article
    for case, expected in UNDERTHESEA:  # never worse than as typed: text is kept
        out = restore(case, model)
        assert fold(out) == fold(normalize(case).replace("\t", " "))
        assert len(out) == len(normalize(case))


def test_headlines_of_indexed_articles(model):
    ok = n = 0
    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            title = normalize(json.loads(line).get("title") or "")
            want = [spell_iy(w.lower()) for w in re.findall(r"[^\W_]+", title)]
            got = [w.lower() for w in re.findall(r"[^\W_]+", restore(fold(title), model))]
            ok += sum(a == b for a, b in zip(want, got))
            n += len(want)
    assert n > 2000 and ok / n >= 0.95, ok / n


def test_typed_marks_are_evidence(model):
    # what the user typed with marks is kept, and the rest follows from it
    assert restore("Nhật Ban", model) == "Nhật Bản"
    assert restore("bộ truong", model) == "bộ trưởng"
    assert restore("Bộ trưởng Quốc phòng", model) == "Bộ trưởng Quốc phòng"


def test_incremental_update_counts_only_new_articles(tmp_path):
    from indexer.text.restore import update_model

    arts = [("a", ("Bộ trưởng Quốc phòng", "")), ("b", ("Nhật Bản", ""))]
    update_model(tmp_path, ((k, lambda v=v: v) for k, v in arts[:1]))
    m = update_model(tmp_path, ((k, lambda v=v: v) for k, v in arts))
    assert m.unigrams["trưởng"] == 1 and m.unigrams["nhật"] == 1 and len(m.keys) == 2
    assert load_model(tmp_path).bigrams[("quốc", "phòng")] == 1


def test_a_broken_model_file_is_no_model(tmp_path):
    (tmp_path / MODEL_NAME).write_bytes(b"not a model")
    assert load_model(tmp_path) is None
    assert restore("bo truong", RestoreModel()) == "bo truong"


def test_search_shows_the_reading_and_keeps_every_article(engine):
    q = "my ra tuyen bo thanh lap bo chi huy quan su moi tai nhat ban"
    result = engine.search(SearchRequest(q=q))
    assert result.reading is not None and result.reading["kind"] == "diacritics"
    assert result.reading["text"] == SEED_TITLE.lower()
    assert result.reading["literal"] == q and result.query == q
    assert result.hits[0].id == SEED_URL
    literal = engine.search(SearchRequest(q=q, literal=True))
    assert literal.reading is None and literal.total == result.total  # a boost, never a filter


def test_restored_form_ranks_first(engine):
    result = engine.search(SearchRequest(q="bo truong quoc phong", per_page=5))
    assert result.reading["text"] == "bộ trưởng quốc phòng"
    assert all("bộ trưởng quốc phòng" in (h.title + " " + h.snippet).lower().replace("<mark>", "")
               .replace("</mark>", "") for h in result.hits[:3])


def test_query_typed_with_diacritics_is_taken_as_typed(engine):
    assert engine.search(SearchRequest(q="Bộ trưởng Quốc phòng")).reading is None
    assert engine.search(SearchRequest(q="nhat ban -my")).reading is None  # operators: as typed


def test_page_says_how_the_query_was_read(client):
    html = client.get("/?q=bo+truong+quoc+phong").get_data(as_text=True)
    assert "Kết quả cho: <strong>bộ trưởng quốc phòng</strong>" in html
    assert "Tìm đúng “bo truong quoc phong”" in html
