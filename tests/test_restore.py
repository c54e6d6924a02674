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
    assert len(model.counted) > 200 and model.unigrams["việt"] > 0
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


def _core_records(n: int) -> list[dict]:
    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for _, line in zip(range(n), fh)]


def _live(records: list[dict], fetched: list | None = None):
    """(key, version, fetch) as the sink gives them, for records standing for articles;
    ``fetched`` collects the keys whose text was read."""
    def fetch(r: dict) -> tuple[str, str]:
        if fetched is not None:
            fetched.append(r["id"])
        return r["title"], r["body"]

    return [(r["id"], str(hash((r["title"], r["body"]))), lambda r=r: fetch(r)) for r in records]


def _recounted(records: list[dict]) -> RestoreModel:
    fresh = RestoreModel()
    for r in records:
        fresh.count_article(r["title"], r["body"])
    return fresh


def test_incremental_update_counts_only_new_articles(tmp_path):
    from indexer.text.restore import update_model

    recs = _core_records(3)
    update_model(tmp_path, _live(recs[:1]))
    fetched: list[str] = []
    m = update_model(tmp_path, _live(recs, fetched))
    assert fetched == [recs[1]["id"], recs[2]["id"]]  # the first was counted already
    assert m.unigrams == _recounted(recs).unigrams and len(m.counted) == 3
    assert load_model(tmp_path).bigrams == _recounted(recs).bigrams


def test_replaced_and_deleted_articles_give_their_counts_back(tmp_path):
    from indexer.text.restore import update_model

    a, b, c, d = _core_records(4)
    update_model(tmp_path, _live([a, b, c]))
    b2 = dict(b, title=d["title"], body=d["body"])  # b's key, another real text
    fetched: list[str] = []
    m = update_model(tmp_path, _live([a, b2], fetched),
                     forgotten=[(b["id"], (b["title"], b["body"])), (c["id"], (c["title"], c["body"]))])
    assert fetched == [b["id"]]  # only the new version is read: the rest was taken back
    want = _recounted([a, b2])
    assert m.unigrams == want.unigrams and m.bigrams == want.bigrams
    assert load_model(tmp_path).unigrams == want.unigrams


def test_a_model_out_of_step_is_recounted(tmp_path):
    from indexer.text.restore import update_model

    a, b, c = _core_records(3)
    update_model(tmp_path, _live([a, b, c]))
    # c deleted and b replaced by a run that died before saving the model: nothing forgotten
    b2 = dict(b, body=c["body"])
    fetched: list[str] = []
    m = update_model(tmp_path, _live([a, b2], fetched))
    assert sorted(fetched) == sorted([a["id"], b["id"]])
    want = _recounted([a, b2])
    assert m.unigrams == want.unigrams and m.bigrams == want.bigrams


def test_index_runs_keep_the_model_in_step_with_the_articles(fresh_config, tmp_path):
    """Through the builder: an update, a prune and an unchanged rerun leave the stored
    model equal to one counted afresh from the live articles."""
    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths

    recs = _core_records(5)
    src = tmp_path / "src"
    src.mkdir()

    def write(name: str, records: list[dict]) -> None:
        (src / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                                encoding="utf-8")

    write("a.jsonl", recs[:2])
    write("b.jsonl", recs[2:4])
    index_articles(fresh_config, read_paths([src]))
    live_dir = fresh_config.path("index")
    first = load_model(store.resolve(live_dir))
    assert first is not None and len(first.counted) == 4
    updated = dict(recs[1], title=recs[4]["title"], body=recs[4]["body"])
    write("a.jsonl", [recs[0], updated])
    (src / "b.jsonl").unlink()
    summary = index_articles(fresh_config, read_paths([src]), prune=True)
    assert summary.updated == 1 and summary.pruned == 2
    after = load_model(store.resolve(live_dir))
    stored = [(a.title, a.body) for a in read_paths([src])]
    want = RestoreModel()
    for title, body in stored:
        want.count_article(title, body)
    assert after is not None and len(after.counted) == 2
    assert after.unigrams == want.unigrams and after.bigrams == want.bigrams
    assert after.unigrams != first.unigrams


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


def test_a_model_of_the_first_format_still_restores_and_is_recounted(tmp_path):
    """An index built before versions were stored keeps restoring; its next update
    recounts the model from the live articles (format 1 knew articles, not versions)."""
    import pickle

    from indexer.text.restore import _key_hash, update_model

    a, b = _core_records(2)
    old = RestoreModel()
    old.count_article(a["title"], a["body"])
    old.count_article(b["title"], "")  # counted differently from now: must not survive
    data = {"format": 1, "unigrams": dict(old.unigrams), "bigrams": dict(old.bigrams),
            "keys": sorted({_key_hash(a["id"]), _key_hash(b["id"])})}
    with gzip.open(tmp_path / MODEL_NAME, "wb") as fh:
        pickle.dump(data, fh)
    loaded = load_model(tmp_path)
    assert loaded is not None and loaded.unigrams == old.unigrams
    m = update_model(tmp_path, _live([a, b]))
    assert m.unigrams == _recounted([a, b]).unigrams


def test_searches_keep_the_loaded_model_while_a_committed_one_loads(tmp_path):
    """A commit rewrites the model: searching (stale_ok) keeps answering with the model
    already loaded, the new one is loaded in the background and then used."""
    import os
    import threading

    from indexer.text import restore as restore_mod
    from indexer.text.restore import cached_model, update_model

    recs = _core_records(3)
    update_model(tmp_path, _live(recs[:1]))
    first = cached_model(tmp_path, stale_ok=True)
    assert first is not None and len(first.counted) == 1
    assert first._forms is not None, "the look-up tables are built on loading, not in a search"
    update_model(tmp_path, _live(recs))  # a commit: the file is rewritten
    path = tmp_path / MODEL_NAME
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # a coarse clock still sees the change
    assert cached_model(tmp_path, stale_ok=True) is first  # no wait: the previous model answers
    for thread in [t for t in threading.enumerate() if t.name == "vnsearch-restore-model"]:
        thread.join(timeout=60)
    assert not restore_mod._reloading
    newer = cached_model(tmp_path, stale_ok=True)
    assert newer is not first and len(newer.counted) == 3
    assert cached_model(tmp_path) is newer  # the builder's callers get the current one too
