"""Shared fixtures: a real index built once per session from tests/data/core.

tests/data/core holds 216 real articles (a subset of the shared corpus made by
make_articles.py) and the client's example article; nothing here is invented.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from indexer.config import Config, load_config

DATA = Path(__file__).parent / "data"
CORE = DATA / "core"
SEED = CORE / "my-ra-tuyen-bo-thanh-lap-bo-chi-huy-quan-su-moi-tai-nhat-ban.txt"
SEED_TITLE = "Mỹ ra tuyên bố thành lập bộ chỉ huy quân sự mới tại Nhật Bản"
SEED_URL = "https://www.congluan.vn/my-ra-tuyen-bo-thanh-lap-bo-chi-huy-quan-su-moi-tai-nhat-ban-post305266.html"
VNSEARCH = Path(sys.executable).with_name("vnsearch")


def vnsearch_cmd(*args: str) -> list[str]:
    """The `vnsearch` command line for a subprocess (the console script, else the module)."""
    if VNSEARCH.exists():
        return [str(VNSEARCH), *args]
    return [sys.executable, "-m", "indexer.cli", *args]


def write_fetch_config(tmp_path: Path, sources, *, delay: float = 0.01, timeout: float = 5.0,
                       max_items: int = 4) -> Path:
    """A config.toml under ``tmp_path`` whose [fetch] sources are ``sources``."""
    path = tmp_path / "config.toml"
    listed = ", ".join(f'"{u}"' for u in sources)
    path.write_text(f"""
[paths]
index = "{tmp_path / 'index'}"
cache = "{tmp_path / 'cache'}"
raw = "{tmp_path / 'raw'}"
[index]
processes = 1
[fetch]
delay = {delay}
timeout = {timeout}
max_items = {max_items}
sources = [{listed}]
""", encoding="utf-8")
    return path


def live_key_counts(live: Path) -> Counter[str]:
    """How many live documents of the index at ``live`` carry each key."""
    from whoosh import index as whoosh_index

    from indexer.backends.whoosh import store

    ix = whoosh_index.open_dir(str(live.resolve()), indexname=store.INDEX_NAME)
    try:
        with ix.reader() as reader:
            keys = reader.column_reader("key")
            return Counter(keys[d] for d in reader.all_doc_ids())
    finally:
        ix.close()


def stop_server(server) -> None:
    """End a server started with ``start_new_session=True``: SIGTERM its group, then SIGKILL."""
    import os
    import signal
    import subprocess

    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def make_config(root: Path, **overrides) -> Config:
    """The repository's config with index, cache and raw store under ``root``."""
    cfg = load_config(Path(__file__).resolve().parent.parent / "config.toml")
    settings = {
        "paths.index": str(root / "index"),
        "paths.cache": str(root / "cache"),
        "paths.raw": str(root / "raw"),
        "index.processes": 1,
        # Tests compare rankings, and a loaded CI machine can take longer than the default
        # per-search budget (0.3 CPU s), which then skips re-scoring and changes the scores.
        # Tests of the budget itself set their own limits.
        "search.time_limit": 120.0,
        "search.cpu_limit": 120.0,
    }
    settings.update(overrides)
    return cfg.with_overrides(**settings)


@pytest.fixture(scope="session")
def core_index(tmp_path_factory) -> Config:
    """A config whose index holds tests/data/core (built once; tests must not write to it)."""
    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths

    root = tmp_path_factory.mktemp("core-index")
    cfg = make_config(root)
    summary = index_articles(cfg, read_paths([CORE]))
    assert summary.failed == 0, summary.failures
    assert summary.indexed > 200
    return cfg


@pytest.fixture(scope="session")
def engine(core_index):
    from indexer.search.engine import SearchEngine

    return SearchEngine(core_index)


@pytest.fixture()
def fresh_config(tmp_path) -> Config:
    """A config pointing at an empty folder, for tests that build or break indexes."""
    return make_config(tmp_path)


@pytest.fixture(scope="session")
def app(core_index):
    from webapp import create_app

    flask_app = create_app({"TESTING": True, "VNSEARCH": core_index})
    return flask_app


@pytest.fixture()
def client(app):
    return app.test_client()


# -- the `slow` marker --------------------------------------------------------------------
# `make test` runs everything; `make test-fast` (pytest -m "not slow") skips these: the
# tests that start subprocesses, kill runs, drive Chromium, build several indexes or
# compare whole files byte for byte. Listed here, in one place, rather than decorated
# one by one, so the split can be read (and changed) at a glance.
SLOW_MODULES = {
    "test_browser", "test_browser_insights", "test_browser_reader", "test_crash_safety", "test_fetch_crash",
    "test_build_fastpaths", "test_fastwriter", "test_operators", "test_reader_fuzz", "test_fetch_cli",
    "test_distributed", "test_naughty_strings", "test_worker_lifecycle", "test_disk_full", "test_maintenance",
    "test_request_budget", "test_fetch", "test_manifest", "test_spelling_variants", "test_stories",
    "test_export", "test_insights", "test_hostile_queries",
}
SLOW_TESTS = {
    "test_docsets.py::test_phrase_pairs_give_the_same_phrase_matches",
    "test_docsets.py::test_hot_terms_are_read_again_after_a_commit",
    "test_docsets.py::test_index_without_pair_fields_checks_phrases_from_positions",
    "test_layout.py::test_index_pickled_under_old_module_names_opens",
    "test_layout.py::test_import_indexer_does_not_load_whoosh_or_pyvi",
    "test_output_safety.py::test_no_payload_runs_in_a_browser",
    "test_output_safety.py::test_no_write_methods_and_index_untouched",
    "test_hostile_queries.py::test_cli_search_with_hostile_arguments",
    "test_build.py::test_multiprocess_build_matches_single_process",
    "test_request_budget.py::test_a_burst_from_one_client_does_not_starve_another",
    "test_export.py::test_cli_export",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.path.stem
        name = f"{item.path.name}::{item.originalname}"
        if module in SLOW_MODULES or name in SLOW_TESTS or "browser" in item.fixturenames:
            item.add_marker(pytest.mark.slow)


@pytest.fixture()
def small_disk(tmp_path):
    """A tmpfs of ``size`` MB mounted at tmp_path/disk (unmounted afterwards)."""
    mounts: list[Path] = []

    def mount(size_mb: int) -> Path:
        point = tmp_path / "disk"
        point.mkdir()
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(point)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here (needs root): {proc.stderr.strip()}")
        mounts.append(point)
        return point

    def shrink(point: Path, size_bytes: int) -> None:
        proc = subprocess.run(["mount", "-o", f"remount,size={max(1, size_bytes // 1024)}k", str(point)],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr

    mount.shrink = shrink  # type: ignore[attr-defined]
    yield mount
    for point in mounts:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)
