"""`vnsearch check`, the fall-back to the previous generation, snapshots and restores,
and how many old generations a rebuild keeps. Real indexes of tests/data/core, real
``vnsearch`` commands; the snapshot test copies while a real ``vnsearch index`` writes.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from indexer import SearchEngine, SearchRequest
from indexer.backends.whoosh import maintenance, store

try:
    from tests.conftest import CORE, live_key_counts, make_config, vnsearch_cmd
except ImportError:  # tests/ itself on sys.path
    from conftest import CORE, live_key_counts, make_config, vnsearch_cmd

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, VNSEARCH_CONFIG=str(ROOT / "config.toml"),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(vnsearch_cmd(*args), capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)


def _two_generations(src_live: Path, dest: Path) -> tuple[Path, Path, Path]:
    """``dest/index`` live on a copy of the core index, an older copy kept as previous."""
    live = dest / "index"
    old, new = dest / "index.gen" / "g-1-old", dest / "index.gen" / "g-2-new"
    shutil.copytree(src_live.resolve(), old)
    shutil.copytree(src_live.resolve(), new)
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    os.symlink(os.path.relpath(new, dest), live)
    return live, old, new


def _hits(tmp_path: Path, live: Path) -> int:
    engine = SearchEngine(make_config(tmp_path, **{"paths.index": str(live)}))
    try:
        return engine.search(SearchRequest(q="bộ chỉ huy quân sự")).total
    finally:
        engine.close()


def _damage_segments(folder: Path) -> None:
    for seg in folder.glob("*.seg"):
        with seg.open("r+b") as fh:  # truncated to half: what a crash of the disk leaves
            fh.truncate(seg.stat().st_size // 2)


def test_check_passes_a_healthy_index_and_names_a_damaged_generation(core_index, tmp_path):
    live, old, new = _two_generations(core_index.path("index"), tmp_path)
    proc = _run("check", "--index", str(live))
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr
    assert f"generation {new.name}" in proc.stdout and old.name in proc.stdout
    _damage_segments(new)
    proc = _run("check", "--index", str(live))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert new.name in proc.stderr and "damaged" in proc.stderr and "--fall-back" in proc.stderr, proc.stderr
    stats = _run("stats", "--index", str(live))
    assert stats.returncode != 0 and "Traceback" not in stats.stderr
    assert new.name in stats.stderr and "--fall-back" in stats.stderr and old.name in stats.stderr, stats.stderr


@pytest.mark.parametrize("damage", ["segments truncated", "toc garbage"])
def test_fall_back_returns_to_the_previous_generation(core_index, tmp_path, damage):
    live, old, new = _two_generations(core_index.path("index"), tmp_path)
    expected = live_key_counts(live)
    if damage == "toc garbage":
        for toc in new.glob("*.toc"):
            toc.write_bytes(os.urandom(toc.stat().st_size))
    else:
        _damage_segments(new)
    assert not maintenance.check(new).ok
    proc = _run("check", "--fall-back", "--index", str(live))
    assert proc.returncode == 0, proc.stderr
    assert live.resolve() == old and f"live index now {old.name}" in proc.stdout
    assert live_key_counts(live) == expected and _hits(tmp_path, live) > 0
    assert _run("check", "--index", str(live)).returncode == 0


def test_fall_back_without_a_previous_generation_says_to_rebuild(core_index, tmp_path):
    live, old, new = _two_generations(core_index.path("index"), tmp_path)
    shutil.rmtree(old)
    _damage_segments(new)
    proc = _run("check", "--fall-back", "--index", str(live))
    assert proc.returncode == 1 and "--rebuild" in proc.stderr and "Traceback" not in proc.stderr


def test_snapshot_while_a_writer_runs_is_consistent_and_restores(core_index, tmp_path):
    """Snapshots taken while a real incremental run commits: each one is a whole committed
    state (checks clean, every article once), never a mix; restoring one makes it live."""
    lines = gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8").read().splitlines(keepends=True)
    part = tmp_path / "part" / "articles.jsonl"
    part.parent.mkdir()
    part.write_text("".join(lines[:20]), encoding="utf-8")
    live = tmp_path / "index"
    cache = tmp_path / "cold"  # pyvi runs: the writer stays busy while we copy
    assert _run("index", str(part), "--index", str(live), "--cache", str(cache), "--processes", "1", "-q").returncode == 0
    env = dict(os.environ, VNSEARCH_CONFIG=str(ROOT / "config.toml"),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    writer = subprocess.Popen(vnsearch_cmd("index", str(CORE), "--index", str(live), "--cache", str(cache),
                                           "--processes", "1", "-q"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    snaps = []
    try:
        while writer.poll() is None and len(snaps) < 6:
            dest = tmp_path / f"snap-{len(snaps)}"
            maintenance.snapshot(live, dest)
            snaps.append(dest)
            time.sleep(0.3)
    finally:
        out, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err[-2000:]
    assert snaps, "at least one snapshot was taken while the writer ran"
    final = live_key_counts(live)
    for snap in snaps:
        assert not [p for p in snap.rglob("*") if p.is_symlink()], "a snapshot stands alone"
        report = maintenance.check(snap)
        assert report.ok, report.problems
        keys = live_key_counts(snap)
        assert max(keys.values()) == 1 and set(keys) <= set(final)
    restored = tmp_path / "restored" / "index"
    proc = _run("restore", str(snaps[0]), "--index", str(restored))
    assert proc.returncode == 0, proc.stderr
    assert live_key_counts(restored) == live_key_counts(snaps[0])
    # and restoring over a live index keeps the one it replaces as the previous generation
    before = restored.resolve()
    proc = _run("restore", str(snaps[-1]), "--index", str(restored))
    assert proc.returncode == 0 and before.exists() and restored.resolve() != before
    assert live_key_counts(restored) == live_key_counts(snaps[-1])


def test_snapshot_refuses_a_non_empty_folder_and_restore_a_broken_one(core_index, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    proc = _run("snapshot", str(tmp_path / "full"), "--index", str(core_index.path("index")))
    assert proc.returncode != 0 and "not empty" in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "README").write_text("hello")
    live = tmp_path / "index"
    proc = _run("restore", str(tmp_path / "junk"), "--index", str(live))
    assert proc.returncode != 0 and "nothing restored" in proc.stderr and not live.exists()


@pytest.mark.parametrize("keep", [0, 1, 2])
def test_a_swap_keeps_the_configured_number_of_previous_generations(tmp_path, keep):
    live = tmp_path / "index"
    made = []
    for n in range(4):
        folder, ix = store.new_generation(live)
        ix.close()
        os.utime(folder, (time.time() - 100 + n, time.time() - 100 + n))
        store.activate(live, folder, keep=keep)
        made.append(folder)
    left = set(live.with_name("index.gen").iterdir())
    assert left == set(made[len(made) - keep - 1:]), "the live one and the newest previous ones"
    assert live.resolve() == made[-1]


def test_rebuild_uses_index_keep_generations(core_index, tmp_path):
    live = tmp_path / "index"
    cfg = tmp_path / "config.toml"
    cfg.write_text("[index]\nprocesses = 1\nkeep_generations = 0\n", encoding="utf-8")
    for _ in range(2):
        proc = _run("--config", str(cfg), "index", str(CORE), "--index", str(live), "--cache",
                    str(core_index.path("cache")), "--rebuild", "-q")
        assert proc.returncode == 0, proc.stderr
    assert list(live.with_name("index.gen").iterdir()) == [live.resolve()]
