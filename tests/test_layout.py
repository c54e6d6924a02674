"""The package layout: the public API, and indexes written before the layout still open.

Indexes built before ``indexer/`` was split into subpackages pickled their analyzer and
position format in the table of contents as ``indexer.schema.VietnameseAnalyzer`` and
``indexer.positions.CompactPositions``; those names must keep resolving.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import indexer

ROOT = Path(__file__).resolve().parent.parent


def test_public_api_names_resolve():
    for name in indexer.__all__:
        assert getattr(indexer, name) is not None, name


def test_import_indexer_does_not_load_whoosh_or_pyvi():
    code = "import sys, indexer; indexer.load_config; print('whoosh' in sys.modules, 'pyvi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


def test_webapp_imports_only_the_public_api():
    for path in (ROOT / "webapp").glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("from indexer", "import indexer")):
                assert stripped.startswith("from indexer import"), f"{path.name}: {stripped}"


def test_index_pickled_under_old_module_names_opens(tmp_path):
    """Write a table of contents naming the pre-layout modules, then open it in a fresh
    interpreter that never imported them by those names."""
    write = textwrap.dedent(f"""
        from pathlib import Path
        from indexer.backends.whoosh import positions, schema, store
        from indexer.build.builder import index_articles
        from indexer.config import Config
        from indexer.ingest.readers import read_paths
        # pickle the classes under the names indexes written before the layout carry
        schema.VietnameseAnalyzer.__module__ = "indexer.schema"
        positions.CompactPositions.__module__ = "indexer.positions"
        cfg = Config().with_overrides(**{{"paths.index": {str(tmp_path / 'index')!r},
                                          "paths.cache": {str(tmp_path / 'cache')!r}, "index.processes": 1}})
        index_articles(cfg, read_paths([{str(ROOT / 'tests/data/readers/seed-congluan.txt')!r}]))
        toc = next(Path({str(tmp_path)!r}).glob("index.gen/*/*.toc")).read_bytes()
        assert b"indexer.schema" in toc and b"indexer.positions" in toc, toc[:200]
    """)
    subprocess.run([sys.executable, "-c", write], check=True, cwd=ROOT)
    read = textwrap.dedent(f"""
        from pathlib import Path
        from indexer import SearchEngine, SearchRequest
        from indexer.config import Config
        cfg = Config().with_overrides(**{{"paths.index": {str(tmp_path / 'index')!r}}})
        engine = SearchEngine(cfg)
        result = engine.search(SearchRequest(q="bộ chỉ huy quân sự"))
        print(result.total)
    """)
    out = subprocess.run([sys.executable, "-c", read], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) == 1


def test_generation_records_its_versions_and_a_stale_one_asks_for_rebuild(fresh_config, monkeypatch):
    from indexer import index_articles, read_paths
    from indexer.backends.whoosh import store
    from indexer.text import analysis

    seed = ROOT / "tests/data/readers/seed-congluan.txt"
    first = index_articles(fresh_config, read_paths([seed]))
    live = fresh_config.path("index")
    assert store.stored_versions(live) == store.current_versions()
    assert not any("--rebuild" in n for n in first.notes)
    monkeypatch.setattr(analysis, "ANALYSIS_VERSION", analysis.ANALYSIS_VERSION + 1)
    again = index_articles(fresh_config, read_paths([seed]))
    assert any("analysis version" in n and "--rebuild" in n for n in again.notes), again.notes
    rebuilt = index_articles(fresh_config, read_paths([seed]), rebuild=True)
    assert store.stored_versions(live)["analysis"] == analysis.ANALYSIS_VERSION
    assert not any("--rebuild" in n for n in rebuilt.notes)


def test_all_lists_every_public_name():
    assert sorted(indexer.__all__) == sorted(indexer._PUBLIC)
