"""The disk filling up during a build: the run fails with a clear message, the live index
keeps serving, and the space the failed run took is given back.

The index lives on a small tmpfs the test mounts (root only; skipped with the reason
elsewhere); the token cache stays on the ordinary disk. Real ``vnsearch index`` runs
with two worker processes: a ``--rebuild`` that needs room for a second copy, and an
incremental run on a disk with almost nothing left.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from indexer import SearchEngine, SearchRequest

try:
    from tests.conftest import CORE, live_key_counts, make_config, vnsearch_cmd
except ImportError:  # tests/ itself on sys.path
    from conftest import CORE, live_key_counts, make_config, vnsearch_cmd

ROOT = Path(__file__).resolve().parent.parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["VNSEARCH_CONFIG"] = str(ROOT / "config.toml")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _index(live: Path, cache: Path, source: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(vnsearch_cmd("index", str(source), "--index", str(live), "--cache", str(cache),
                                       "--processes", "2", "-q", *extra),
                          capture_output=True, text=True, timeout=300, env=_env(), cwd=ROOT)


def _searchable(tmp_path: Path, live: Path) -> int:
    engine = SearchEngine(make_config(tmp_path, **{"paths.index": str(live)}))
    try:
        return engine.search(SearchRequest(q="bộ chỉ huy quân sự")).total
    finally:
        engine.close()


def _used(point: Path) -> int:
    st = os.statvfs(point)
    return (st.f_blocks - st.f_bfree) * st.f_frsize


def _assert_clear_failure(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "is full" in proc.stderr and "nothing was lost" in proc.stderr, proc.stderr[-2000:]
    assert "run the same command again" in proc.stderr


@pytest.fixture()
def warm_cache(tmp_path, core_index) -> Path:
    cache = tmp_path / "cache"
    if core_index.path("cache").is_dir():
        shutil.copytree(core_index.path("cache"), cache)
    return cache


def test_rebuild_on_a_full_disk_fails_clearly_and_the_live_index_serves(small_disk, tmp_path, warm_cache,
                                                                         core_index):
    expected = live_key_counts(core_index.path("index"))
    size = sum(f.stat().st_size for f in core_index.path("index").resolve().iterdir())
    disk = small_disk(int(size * 4 / 2**20) + 2)
    live = disk / "index"
    proc = _index(live, warm_cache, CORE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert live_key_counts(live) == expected
    hits = _searchable(tmp_path, live)
    assert hits > 0
    used = _used(disk)
    small_disk.shrink(disk, used + size // 2)  # room for half a second copy

    proc = _index(live, warm_cache, CORE, "--rebuild")
    _assert_clear_failure(proc)
    assert live_key_counts(live) == expected, "the live index is untouched"
    assert _searchable(tmp_path, live) == hits
    assert not [g for g in live.with_name("index.gen").iterdir() if (g / "BUILDING").exists()]
    assert _used(disk) <= used + 64 * 1024, "the failed rebuild's generation is removed"


def test_incremental_run_on_a_full_disk_keeps_what_was_there(small_disk, tmp_path, warm_cache, core_index):
    expected = live_key_counts(core_index.path("index"))
    lines = gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8").read().splitlines(keepends=True)
    half = tmp_path / "half" / "articles.jsonl"
    half.parent.mkdir()
    half.write_text("".join(lines[: len(lines) // 4]), encoding="utf-8")
    size = sum(f.stat().st_size for f in core_index.path("index").resolve().iterdir())
    disk = small_disk(int(size * 4 / 2**20) + 2)
    live = disk / "index"
    proc = _index(live, warm_cache, half)
    assert proc.returncode == 0, proc.stderr[-3000:]
    before = live_key_counts(live)
    assert 0 < sum(before.values()) < sum(expected.values())
    filler = disk / "filler"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with filler.open("wb") as fh:  # leave about 100 kB: too little for the new segments
        fh.write(b"\0" * max(0, free - 100 * 1024))
    used = _used(disk)

    proc = _index(live, warm_cache, CORE)
    _assert_clear_failure(proc)
    assert live_key_counts(live) == before, "what was committed before is intact"
    assert _searchable(tmp_path, live) >= 0
    assert _used(disk) <= used + 64 * 1024, "the run's uncommitted segment files are deleted"

    filler.unlink()  # space again: the same command finishes the job, every article once
    proc = _index(live, warm_cache, CORE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert live_key_counts(live) == expected
    assert Counter(live_key_counts(live)).most_common(1)[0][1] == 1
