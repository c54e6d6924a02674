"""Building the index: incremental runs, duplicates, bad files, pruning, rebuild swap, the lock."""

import gzip
import json
import shutil

import pytest

from indexer.backends.whoosh import store
from indexer.build.builder import index_articles
from indexer.ingest.readers import read_paths
from indexer.search.engine import SearchEngine, SearchRequest

from .conftest import CORE, SEED, SEED_URL


def _records(n):
    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for _, line in zip(range(n), fh)]


def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def _count(cfg):
    with store.open_index(cfg.path("index")).searcher() as s:
        return s.doc_count()


def test_reindexing_the_same_input_keeps_one_copy(fresh_config, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _write_jsonl(src / "a.jsonl", _records(30))
    shutil.copy(SEED, src / SEED.name)
    first = index_articles(fresh_config, read_paths([src]))
    assert first.indexed + first.skipped == 31 and first.failed == 0
    second = index_articles(fresh_config, read_paths([src]))
    assert second.indexed == 0 and second.updated == 0
    assert second.unchanged == first.indexed
    assert second.segmented == 0  # no pyvi for unchanged articles
    assert _count(fresh_config) == first.indexed


def test_changed_article_is_updated_not_duplicated(fresh_config, tmp_path):
    recs = _records(5)
    path = tmp_path / "a.jsonl"
    _write_jsonl(path, recs)
    index_articles(fresh_config, read_paths([path]))
    recs[0]["title"] = recs[0]["title"] + " (cập nhật)"
    _write_jsonl(path, recs)
    summary = index_articles(fresh_config, read_paths([path]))
    assert summary.updated == 1 and summary.unchanged == 4
    assert _count(fresh_config) == 5
    engine = SearchEngine(fresh_config)
    assert engine.document(recs[0]["id"]).title.endswith("(cập nhật)")


def test_identical_text_under_another_id_is_kept_once(fresh_config, tmp_path):
    recs = _records(3)
    dup = dict(recs[1], id="another-id")
    _write_jsonl(tmp_path / "a.jsonl", recs + [dup])
    summary = index_articles(fresh_config, read_paths([tmp_path / "a.jsonl"]))
    assert summary.indexed == 3 and summary.skipped == 1
    assert summary.skipped_reasons == {"duplicate text": 1}


def test_bad_files_are_named_and_skipped_and_index_survives(fresh_config, tmp_path):
    good = tmp_path / "good.jsonl"
    _write_jsonl(good, _records(4))
    index_articles(fresh_config, read_paths([good]))
    bad_dir = tmp_path / "batch"
    bad_dir.mkdir()
    (bad_dir / "broken.json").write_text('{"title": "x", ', encoding="utf-8")
    (bad_dir / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (bad_dir / "truncated.jsonl.gz").write_bytes(gzip.compress(b'{"id": "1", "title": "a"}\n' * 50)[:40])
    shutil.copy(SEED, bad_dir / SEED.name)
    summary = index_articles(fresh_config, read_paths([bad_dir]))
    assert summary.failed >= 3
    joined = "\n".join(summary.failures)
    for name in ("broken.json", "binary.txt", "truncated.jsonl.gz"):
        assert name in joined
    assert summary.indexed >= 1
    assert _count(fresh_config) == 4 + summary.indexed
    assert SearchEngine(fresh_config).document(SEED_URL) is not None


def test_prune_removes_articles_whose_files_are_gone(fresh_config, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEED, src / SEED.name)
    _write_jsonl(src / "a.jsonl", _records(2))
    index_articles(fresh_config, read_paths([src]))
    (src / SEED.name).unlink()
    summary = index_articles(fresh_config, read_paths([src]), prune=True)
    assert summary.pruned == 1
    assert SearchEngine(fresh_config).document(SEED_URL) is None
    assert _count(fresh_config) == 2


def test_rebuild_swaps_generations_and_uses_the_token_cache(fresh_config, tmp_path):
    path = tmp_path / "a.jsonl"
    _write_jsonl(path, _records(10))
    first = index_articles(fresh_config, read_paths([path]))
    live = fresh_config.path("index")
    gen1 = store.resolve(live)
    again = index_articles(fresh_config, read_paths([path]), rebuild=True)
    assert again.indexed == first.indexed
    assert again.segmented == 0  # warm token cache: pyvi skipped
    gen2 = store.resolve(live)
    assert gen1 != gen2 and live.is_symlink()
    assert _count(fresh_config) == first.indexed


def test_second_writer_gets_a_clear_message(fresh_config):
    live = fresh_config.path("index")
    with store.writer_lock(live):
        with pytest.raises(store.IndexLockedError) as info:
            with store.writer_lock(live):
                pass
    assert "writing the index" in str(info.value) and "--wait" in str(info.value)


def test_multiprocess_build_matches_single_process(tmp_path):
    from .conftest import make_config

    recs = _records(40)
    path = tmp_path / "a.jsonl"
    _write_jsonl(path, recs)
    one = make_config(tmp_path / "one", **{"index.processes": 1})
    two = make_config(tmp_path / "two", **{"index.processes": 2, "index.batch_size": 4})
    index_articles(one, read_paths([path]))
    index_articles(two, read_paths([path]))
    q = SearchRequest(q="Việt Nam", per_page=20, facets=False)
    a = [h.id for h in SearchEngine(one).search(q).hits]
    b = [h.id for h in SearchEngine(two).search(q).hits]
    assert a == b
