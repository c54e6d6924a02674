"""The per-file manifest: unchanged input files are not read again, and nothing else changes.

Inputs are real articles (tests/data/core); files are backdated with ``os.utime`` so that
they are not "racy" (modified just before being read), as files written a moment ago are.
"""

from __future__ import annotations

import importlib
import gzip
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from indexer.build import manifest
from indexer.backends.whoosh import store
from indexer.ingest import readers as readers_mod
from indexer.build.builder import FileInput, index_articles
from indexer.ingest.documents import Article
from indexer.ingest.readers import iter_files, read_paths
from indexer.search.engine import SearchEngine

from .conftest import CORE, SEED, SEED_URL

HOUR_NS = 3600 * 10**9


def _records(start, stop):
    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = fh.readlines()
    return [json.loads(line) for line in lines[start:stop]]


def _write_jsonl(path: Path, records, age_hours: float = 1.0) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    _backdate(path, age_hours)


def _backdate(path: Path, age_hours: float = 1.0) -> None:
    t = time.time_ns() - int(age_hours * HOUR_NS)
    os.utime(path, ns=(t, t))


@pytest.fixture()
def reads(monkeypatch):
    """Every path the builder opens with read_file, in order."""
    calls: list[str] = []
    real = readers_mod.read_file

    def counting(path):
        calls.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(readers_mod, "read_file", counting)
    return calls


def _run(cfg, src, **kw):
    return index_articles(cfg, [FileInput(p) for p in iter_files([src])], **kw)


def _manifest_path(cfg) -> Path:
    return store.resolve(cfg.path("index")) / manifest.MANIFEST_NAME


def _count(cfg) -> int:
    with store.open_index(cfg.path("index")).searcher() as s:
        return s.doc_count()


@pytest.fixture()
def src(tmp_path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    _write_jsonl(folder / "a.jsonl", _records(0, 20))
    _write_jsonl(folder / "b.jsonl", _records(20, 30))
    return folder


def test_unchanged_files_are_not_read_again(fresh_config, src, reads):
    first = _run(fresh_config, src)
    assert reads == ["a.jsonl", "b.jsonl"] and first.failed == 0 and first.indexed > 0
    assert _manifest_path(fresh_config).is_file()
    reads.clear()
    second = _run(fresh_config, src)
    assert reads == []
    assert (second.indexed, second.updated, second.failed) == (0, 0, 0)
    assert second.unchanged == first.indexed and second.skipped == first.skipped
    assert second.skipped_reasons == first.skipped_reasons
    # Proof by content: same size and mtime, other bytes. It is not opened, so the
    # zeros are never noticed; the index keeps the articles.
    a = src / "a.jsonl"
    st = a.stat()
    a.write_bytes(b"\0" * st.st_size)
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))
    third = _run(fresh_config, src)
    assert reads == [] and third.failed == 0 and third.unchanged == first.indexed
    # A touch (new mtime) makes it read: now the damage is seen and reported.
    _backdate(a, 0.5)
    fourth = _run(fresh_config, src)
    assert reads == ["a.jsonl"] and fourth.failed >= 1
    assert _count(fresh_config) == first.indexed  # nothing was lost meanwhile


def test_changed_file_is_read_and_its_changed_article_updated(fresh_config, src, reads):
    first = _run(fresh_config, src)
    recs = _records(20, 30)
    recs[3]["title"] = recs[3]["title"] + " (cập nhật)"
    _write_jsonl(src / "b.jsonl", recs, age_hours=0.5)
    reads.clear()
    summary = _run(fresh_config, src)
    assert reads == ["b.jsonl"]
    assert summary.updated == 1 and summary.indexed == 0
    assert summary.unchanged == first.indexed - 1
    assert SearchEngine(fresh_config).document(recs[3]["id"]).title.endswith("(cập nhật)")
    reads.clear()
    again = _run(fresh_config, src)
    assert reads == [] and again.unchanged == first.indexed


def test_new_file_is_indexed_and_only_it_is_read(fresh_config, src, reads):
    first = _run(fresh_config, src)
    _write_jsonl(src / "c.jsonl", _records(30, 36))
    reads.clear()
    summary = _run(fresh_config, src)
    assert reads == ["c.jsonl"]
    assert summary.indexed == 6 and summary.unchanged == first.indexed
    assert _count(fresh_config) == first.indexed + 6


def test_prune_still_removes_articles_of_deleted_files(fresh_config, src, reads):
    shutil.copy(SEED, src / SEED.name)
    _backdate(src / SEED.name)
    first = _run(fresh_config, src)
    assert SearchEngine(fresh_config).document(SEED_URL) is not None
    (src / SEED.name).unlink()
    reads.clear()
    summary = _run(fresh_config, src, prune=True)
    assert reads == []  # the remaining files are unchanged: not read, yet not pruned
    assert summary.pruned == 1 and summary.unchanged == first.indexed - 1
    assert SearchEngine(fresh_config).document(SEED_URL) is None
    assert _count(fresh_config) == first.indexed - 1


@pytest.mark.parametrize("damage", [
    b"", b"{not json", b"[]", b'{"format": 1}', b"\xff\xfe\0garbage",
    "wrong fingerprint", "entries of the wrong shape", "truncated",
])
def test_a_damaged_manifest_is_ignored(fresh_config, src, reads, damage):
    first = _run(fresh_config, src)
    path = _manifest_path(fresh_config)
    good = json.loads(path.read_text(encoding="utf-8"))
    if damage == "wrong fingerprint":
        text = json.dumps(dict(good, fingerprint="0" * 32)).encode()
    elif damage == "entries of the wrong shape":
        files = {name: (dict(e, articles=5) if i == 0 else dict(e, articles=[["i", 7]]))
                 for i, (name, e) in enumerate(good["files"].items())}
        text = json.dumps(dict(good, files=files)).encode()
    elif damage == "truncated":
        text = path.read_bytes()[: path.stat().st_size // 2]
    else:
        text = damage
    path.write_bytes(text)
    reads.clear()
    summary = _run(fresh_config, src)
    assert sorted(reads) == ["a.jsonl", "b.jsonl"]
    assert (summary.indexed, summary.updated, summary.failed) == (0, 0, 0)
    assert summary.unchanged == first.indexed
    # and it is written afresh: the next run reads nothing
    reads.clear()
    assert _run(fresh_config, src).unchanged == first.indexed and reads == []


def test_missing_manifest_only_costs_a_read(fresh_config, src, reads):
    first = _run(fresh_config, src)
    _manifest_path(fresh_config).unlink()  # as after a crash between commit and manifest
    reads.clear()
    summary = _run(fresh_config, src)
    assert sorted(reads) == ["a.jsonl", "b.jsonl"] and summary.unchanged == first.indexed


def test_rebuild_reads_everything_and_writes_a_fresh_manifest(fresh_config, src, reads):
    first = _run(fresh_config, src)
    gen1 = store.resolve(fresh_config.path("index"))
    reads.clear()
    again = _run(fresh_config, src, rebuild=True)
    assert sorted(reads) == ["a.jsonl", "b.jsonl"]
    assert again.indexed == first.indexed and again.segmented == 0
    gen2 = store.resolve(fresh_config.path("index"))
    assert gen2 != gen1 and (gen2 / manifest.MANIFEST_NAME).is_file()
    reads.clear()
    third = _run(fresh_config, src)
    assert reads == [] and third.unchanged == first.indexed


def test_a_file_with_a_read_failure_is_read_again(fresh_config, tmp_path, reads):
    folder = tmp_path / "src"
    folder.mkdir()
    lines = [json.dumps(r, ensure_ascii=False) for r in _records(0, 6)]
    lines.insert(3, lines[3][: len(lines[3]) // 2])  # a cut-off record between good ones
    (folder / "part.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _backdate(folder / "part.jsonl")
    first = _run(fresh_config, folder)
    assert first.failed == 1 and first.indexed == 6
    reads.clear()
    second = _run(fresh_config, folder)
    assert reads == ["part.jsonl"] and second.failed == 1 and second.unchanged == 6


def test_a_file_written_just_before_it_was_read_is_read_again(fresh_config, tmp_path, reads):
    path = tmp_path / "fresh.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records(0, 4)), encoding="utf-8")
    _run(fresh_config, path)
    reads.clear()
    second = _run(fresh_config, path)
    assert reads == ["fresh.jsonl"] and second.unchanged == 4


def test_an_article_replaced_from_elsewhere_makes_its_file_read_again(fresh_config, src, reads):
    """`vnsearch fetch` (plain articles) replaced one of a.jsonl's articles: a.jsonl is
    read again and its version restored, as a run without a manifest would do."""
    first = _run(fresh_config, src)
    rec = _records(0, 1)[0]
    other = Article(title=rec["title"] + " (bản khác)", body=rec["body"], id=rec["id"], source="elsewhere")
    assert index_articles(fresh_config, [other]).updated == 1
    reads.clear()
    summary = _run(fresh_config, src)
    assert reads == ["a.jsonl"] and summary.updated == 1
    assert summary.unchanged == first.indexed - 1
    assert not SearchEngine(fresh_config).document(rec["id"]).title.endswith("(bản khác)")


def test_duplicates_and_repeated_ids_are_counted_as_when_read(fresh_config, tmp_path, reads):
    folder = tmp_path / "src"
    folder.mkdir()
    recs = _records(0, 5)
    _write_jsonl(folder / "a.jsonl", recs + [dict(recs[1], id="another-id")])
    _write_jsonl(folder / "b.jsonl", [recs[2]])  # the same id again, in another file
    first = _run(fresh_config, folder)
    assert first.skipped_reasons == {"duplicate text": 1, "same id twice in this run": 1}
    reads.clear()
    second = _run(fresh_config, folder)
    assert reads == []
    assert second.skipped_reasons == first.skipped_reasons and second.unchanged == first.indexed


def test_plain_article_iterables_still_work_and_leave_the_manifest_alone(fresh_config, src, reads):
    first = _run(fresh_config, src)
    before = _manifest_path(fresh_config).read_bytes()
    summary = index_articles(fresh_config, read_paths([src]))
    assert summary.unchanged == first.indexed
    assert _manifest_path(fresh_config).read_bytes() == before


def test_cli_second_run_reads_nothing(tmp_path):
    from click.testing import CliRunner

    from indexer.cli import main

    folder = tmp_path / "src"
    folder.mkdir()
    _write_jsonl(folder / "a.jsonl", _records(0, 8))
    args = ["index", str(folder), "--index", str(tmp_path / "ix"), "--cache", str(tmp_path / "cache"),
            "--processes", "1", "--quiet"]
    runner = CliRunner()
    r1 = runner.invoke(main, args)
    assert r1.exit_code == 0, r1.output
    assert r1.output.startswith("indexed 8, updated 0, unchanged 0, skipped 0, failed 0")
    data = json.loads((tmp_path / "ix").resolve().joinpath(manifest.MANIFEST_NAME).read_text(encoding="utf-8"))
    (name, entry), = data["files"].items()
    assert name == str((folder / "a.jsonl").resolve()) and len(entry["articles"]) == 8
    assert data["analysis_version"] == importlib.import_module("indexer.text.analysis").ANALYSIS_VERSION
    r2 = runner.invoke(main, args)
    assert r2.exit_code == 0, r2.output
    assert r2.output.startswith("indexed 0, updated 0, unchanged 8, skipped 0, failed 0")


def test_progress_estimate_takes_unchanged_files_counts_from_the_manifest(fresh_config, src, monkeypatch):
    from indexer.ingest.sources import estimate_total

    first = _run(fresh_config, src)
    known = manifest.known_counts(store.resolve(fresh_config.path("index")))
    assert known(src / "a.jsonl") == 20 and known(src / "b.jsonl") == 10
    assert estimate_total([src], known=known) == 30 == estimate_total([src])
    _write_jsonl(src / "b.jsonl", _records(20, 25), age_hours=0.5)  # changed: counted again
    assert known(src / "b.jsonl") is None
    assert estimate_total([src], known=known) == 25
    assert first.indexed == 30


def test_cli_with_progress_bar(tmp_path):
    from click.testing import CliRunner

    from indexer.cli import main

    folder = tmp_path / "src"
    folder.mkdir()
    _write_jsonl(folder / "a.jsonl", _records(0, 5))
    args = ["index", str(folder), "--index", str(tmp_path / "ix"), "--cache", str(tmp_path / "cache"),
            "--processes", "1"]
    runner = CliRunner()
    assert runner.invoke(main, args).exit_code == 0
    r = runner.invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "indexed 0, updated 0, unchanged 5, skipped 0, failed 0" in r.output


@pytest.mark.parametrize("name", ["data/midsentence.txt", "data/spellings.txt", "data/bigrams.txt.gz", "data/sites.json"])
def test_fingerprint_covers_the_data_files_headlines_and_extraction_read(tmp_path, name):
    """A new midsentence/spellings/bigrams list changes shown titles: files must be read again."""
    package = Path(manifest.__file__).resolve().parents[1]
    for rel in manifest._DATA_FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(package / rel, tmp_path / rel)
    same = manifest.compute_fingerprint(tmp_path)
    assert same == manifest.fingerprint()
    with open(tmp_path / name, "ab") as fh:
        fh.write(b"\n")
    assert manifest.compute_fingerprint(tmp_path) != same


def test_fingerprint_names_a_missing_data_file(tmp_path):
    with pytest.raises(manifest.FingerprintError, match="midsentence.txt"):
        manifest.compute_fingerprint(tmp_path)
