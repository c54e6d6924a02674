"""Shared fixtures: a real index built once per session from tests/data/core.

tests/data/core holds 216 real articles (a subset of the shared corpus made by
make_articles.py) and the client's example article; nothing here is invented.
"""

from __future__ import annotations

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


def make_config(root: Path, **overrides) -> Config:
    """The repository's config with index, cache and raw store under ``root``."""
    cfg = load_config(Path(__file__).resolve().parent.parent / "config.toml")
    settings = {
        "paths.index": str(root / "index"),
        "paths.cache": str(root / "cache"),
        "paths.raw": str(root / "raw"),
        "index.processes": 1,
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
