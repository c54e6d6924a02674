"""`vnsearch index --dask`: a real `dask scheduler` and two `dask worker` processes on
127.0.0.1, started here and torn down; the index they build must be the local build's."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="the `distributed` package (vnsearch[dask]) is not installed")

from indexer.backends.whoosh import store
from indexer.build.builder import FileInput, index_articles
from indexer.build.distributed import DaskBuildError, index_on_dask
from indexer.ingest.readers import iter_files
from indexer.search.engine import SearchEngine, SearchRequest

from indexer.text.restore import MODEL_NAME

from .conftest import CORE, SEED_URL, live_key_counts, make_config, vnsearch_cmd
from .httpserver import LocalServer, file_route

DASK = Path(sys.executable).with_name("dask")
QUERIES = ["Việt Nam", "bóng đá", "quan su", '"thành lập"', "giá vàng tăng", "bộ chỉ huy quân sự"]
START_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dask_cluster(tmp: Path, workers: int = 2):
    """A scheduler and ``workers`` single-threaded workers (no nanny: a killed worker
    stays dead), each in its own process group, all killed on exit."""
    from distributed import Client

    tmp.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = []

    def spawn(args, log):
        with open(tmp / log, "wb") as out:  # the child keeps its own copy of the descriptor
            procs.append(subprocess.Popen([str(DASK), *args], stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True))

    try:
        spawn(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], "scheduler.log")
        for n in range(workers):
            spawn(["worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{n}",
                   "--local-directory", str(tmp / f"worker{n}")], f"worker{n}.log")
        with Client(address, timeout=f"{START_TIMEOUT_S}s", set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=START_TIMEOUT_S)
            yield address, client
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with dask_cluster(tmp_path_factory.mktemp("dask")) as running:
        yield running


def _local(root: Path, inputs, **settings):
    cfg = make_config(root, **settings)
    summary = index_articles(cfg, (FileInput(p) for p in iter_files(inputs)))
    return cfg, summary


def _contents(cfg) -> dict:
    """Everything the index holds per key: stored fields (but the time of indexing) and
    the documents of every term of every field, named by key."""
    ix = store.open_index(cfg.path("index"))
    try:
        with ix.searcher() as s:
            reader = s.reader()
            keys = reader.column_reader("key")
            stored = {}
            for docnum in reader.all_doc_ids():
                fields = dict(s.stored_fields(docnum))
                fields.pop("indexed_at", None)
                stored[keys[docnum]] = fields
            postings = {}
            for fieldname, term in reader.all_terms():
                docs = reader.postings(fieldname, term).all_ids()
                postings[(fieldname, term)] = sorted(keys[d] for d in docs if not reader.is_deleted(d))
            return {"stored": stored, "postings": {k: v for k, v in postings.items() if v}}
    finally:
        ix.close()


def _hits(cfg) -> dict:
    # No time limit: on a loaded machine a cold search may return partial results, and
    # this compares what the indexes hold, not how fast they answer.
    engine = SearchEngine(cfg.with_overrides(**{"search.time_limit": 600, "search.cpu_limit": 600}))
    hits = {}
    for q in QUERIES:
        result = engine.search(SearchRequest(q=q, per_page=50, facets=False))
        assert not result.partial, q
        hits[q] = [(h.id, h.score) for h in result.hits]
    return hits


def _counts(summary) -> tuple:
    return (summary.indexed, summary.updated, summary.unchanged, summary.skipped, summary.failed,
            summary.skipped_reasons, summary.skips)


def _records(n: int) -> list[dict]:
    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for _, line in zip(range(n), fh)]


def _write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_dask_build_is_the_local_build(cluster, tmp_path):
    address, _client = cluster
    local, want = _local(tmp_path / "local", [CORE])
    dask = make_config(tmp_path / "dask", **{"index.dask_partition": 40})
    got = index_on_dask(dask, [CORE], address, rebuild=True)
    assert want.indexed > 200 and _counts(got) == _counts(want)
    assert got.segmented == got.indexed  # a fresh cache: every article went through pyvi
    mine, theirs = _contents(dask), _contents(local)
    assert mine["stored"].keys() == theirs["stored"].keys()
    assert mine == theirs
    hits = _hits(dask)
    assert hits == _hits(local) and all(hits[q] for q in QUERIES[:3])
    # The client's example article is found by its headline words.
    engine = SearchEngine(dask.with_overrides(**{"search.time_limit": 600, "search.cpu_limit": 600}))
    assert engine.search(SearchRequest(q="bộ chỉ huy quân sự Nhật Bản", facets=False)).hits[0].url == SEED_URL


def test_incremental_dask_run_makes_the_local_decisions(cluster, tmp_path):
    """Changed, unchanged, duplicate and twice-seen articles count as a local run counts
    them, deletions and new versions are committed together, the token cache is used."""
    address, _client = cluster
    records = _records(60)
    first = _write_jsonl(tmp_path / "first.jsonl", records[:50])
    changed = [dict(r) for r in records[:50]]
    changed[3]["body"] = changed[3]["body"] + "\nCập nhật: thông tin mới."
    changed.append(dict(records[5], id="copy-of-5"))  # same text under another id
    changed.append(dict(records[7]))  # the same id twice
    changed.extend(records[50:])
    second = _write_jsonl(tmp_path / "second.jsonl", changed)
    dask = make_config(tmp_path / "dask", **{"index.dask_partition": 16})
    local = make_config(tmp_path / "local")
    for cfg in (dask, local):
        index_articles(cfg, (FileInput(p) for p in [first]))
    want = index_articles(local, (FileInput(p) for p in [second]))
    got = index_on_dask(dask, [second], address)
    assert _counts(got) == _counts(want)
    assert _counts(got)[:6] == (10, 1, 49, 2, 0, {"duplicate text": 1, "same id twice in this run": 1})
    assert got.segmented == 11 and _contents(dask) == _contents(local)
    # A rebuild on the cluster takes pyvi's word boundaries from the coordinator's cache.
    again = index_on_dask(dask, [second], address, rebuild=True)
    assert again.indexed == 60 and again.segmented == 0
    index_articles(local, (FileInput(p) for p in [second]), rebuild=True)
    assert _contents(dask) == _contents(local)


def test_workers_read_inputs_from_urls(cluster, tmp_path):
    address, _client = cluster
    path = _write_jsonl(tmp_path / "news.jsonl", _records(30))
    dask = make_config(tmp_path / "dask")
    with LocalServer() as server:
        server.route("/news.jsonl", file_route(path, "application/x-ndjson"))
        url = server.url("/news.jsonl")
        missing = server.url("/gone.jsonl")
        got = index_on_dask(dask, [url, missing], address)
    assert got.indexed == 30 and got.failed == 1 and got.failures[0].startswith(missing)
    local, _ = _local(tmp_path / "local", [path])
    mine, theirs = _contents(dask), _contents(local)
    assert {f["source"] for f in mine["stored"].values()} == {url}
    for fields in theirs["stored"].values():
        fields["source"] = url
    for contents, source in ((mine, url), (theirs, str(path))):  # the source is a term too
        assert contents["postings"].pop(("source", source.encode())) == sorted(contents["stored"])
    assert mine == theirs


def test_a_worker_killed_midway_costs_a_retry_and_no_article(tmp_path):
    local, want = _local(tmp_path / "local", [CORE])
    with dask_cluster(tmp_path / "cluster") as (address, client):
        pids = client.run(os.getpid)
        killed: list[tuple[str, tuple]] = []

        def progress(event, info):
            if event == "doc" and info == "indexed" and not killed:
                busy = {w: tasks for w, tasks in client.processing().items() if tasks}
                if busy:  # kill a worker in the middle of a task
                    worker, tasks = min(busy.items())
                    os.kill(pids[worker], signal.SIGKILL)
                    killed.append((worker, tuple(tasks)))

        dask = make_config(tmp_path / "dask", **{"index.dask_partition": 20})
        got = index_on_dask(dask, [CORE], address, rebuild=True, progress=progress)
        assert killed, "no worker was busy when the first segment came back"
        deadline = time.monotonic() + 30
        while len(client.scheduler_info()["workers"]) > 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert list(client.scheduler_info()["workers"]) != [killed[0][0]]
        assert len(client.scheduler_info()["workers"]) == 1
    assert _counts(got) == _counts(want)
    assert _contents(dask) == _contents(local)


def test_a_failed_dask_run_leaves_the_index_as_it_was(tmp_path):
    """No scheduler at the address: a clear error, the live index untouched."""
    cfg, _ = _local(tmp_path / "idx", [CORE / "my-ra-tuyen-bo-thanh-lap-bo-chi-huy-quan-su-moi-tai-nhat-ban.txt"])
    before = _contents(cfg)
    with pytest.raises(DaskBuildError, match="cannot reach the Dask scheduler"):
        index_on_dask(cfg, [CORE], f"tcp://127.0.0.1:{_free_port()}", rebuild=True)
    assert _contents(cfg) == before


def test_cli_index_dask(cluster, tmp_path):
    address, _client = cluster
    shutil.copy(CORE / "articles.jsonl.gz", tmp_path / "articles.jsonl.gz")
    index = tmp_path / "index"
    run = subprocess.run(vnsearch_cmd("index", str(tmp_path / "articles.jsonl.gz"), "--index", str(index),
                                      "--cache", str(tmp_path / "cache"), "--dask", address, "-q"),
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr
    found = re.search(r"indexed (\d+),", run.stdout)
    assert found and int(found.group(1)) > 200 and str(index) in run.stdout
    bad = subprocess.run(vnsearch_cmd("index", "--index", str(index), "--dask", address, "--raw"),
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "--raw" in bad.stderr and "cannot read them" in bad.stderr


def test_dask_prune_and_restore_model_as_a_local_run(cluster, tmp_path):
    """--prune on the cluster deletes the articles of vanished files as a local run does,
    and the diacritics model (indexer.text.restore) is kept beside the index."""
    address, _client = cluster
    records = _records(40)
    (tmp_path / "in").mkdir()
    keep = _write_jsonl(tmp_path / "in" / "keep.jsonl", records[:30])
    gone = _write_jsonl(tmp_path / "in" / "gone.jsonl", records[30:])
    dask = make_config(tmp_path / "dask", **{"index.dask_partition": 16})
    local = make_config(tmp_path / "local")
    assert index_on_dask(dask, [keep, gone], address, rebuild=True).indexed == 40
    index_articles(local, (FileInput(p) for p in [keep, gone]), rebuild=True)
    assert (store.resolve(dask.path("index")) / MODEL_NAME).is_file()
    gone.unlink()
    got = index_on_dask(dask, [keep], address, prune=True)
    want = index_articles(local, (FileInput(p) for p in [keep]), prune=True)
    assert got.pruned == want.pruned == 10 and got.unchanged == 30
    assert _contents(dask) == _contents(local)


def test_dask_run_on_a_full_disk_fails_clearly_and_keeps_the_index(cluster, small_disk, tmp_path):
    """A full disk while the coordinator writes the workers' segments: the local build's
    IndexWriteError, what was committed intact, the run's uncommitted files removed."""
    address, _client = cluster
    records = _records(120)
    first = _write_jsonl(tmp_path / "first.jsonl", records[:20])
    rest = _write_jsonl(tmp_path / "rest.jsonl", records)
    disk = small_disk(16)
    cfg = make_config(tmp_path, **{"paths.index": str(disk / "index"), "index.dask_partition": 40})
    assert index_on_dask(cfg, [first], address).indexed == 20
    before = live_key_counts(cfg.path("index"))
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with (disk / "filler").open("wb") as fh:  # leave about 100 kB: too little for the new segments
        fh.write(b"\0" * max(0, free - 100 * 1024))
    names = {p.name for p in store.resolve(cfg.path("index")).iterdir()}
    with pytest.raises(store.IndexWriteError, match="is full.*nothing was lost"):
        index_on_dask(cfg, [rest], address)
    assert live_key_counts(cfg.path("index")) == before
    assert {p.name for p in store.resolve(cfg.path("index")).iterdir()} <= names | {MODEL_NAME}
    (disk / "filler").unlink()
    assert index_on_dask(cfg, [rest], address).indexed == 100
