"""The vnsearch command line, through click's runner, on real files."""

import json
import shutil

from click.testing import CliRunner

from indexer.cli import main

from .conftest import SEED, SEED_TITLE, SEED_URL


def run(*args, **kw):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False, **kw)
    return result


def test_index_search_stats(tmp_path):
    src = tmp_path / "articles"
    src.mkdir()
    shutil.copy(SEED, src / SEED.name)
    index_dir = tmp_path / "index"
    r = run("index", str(src), "--index", str(index_dir), "--quiet", "--processes", "1",
            "--cache", str(tmp_path / "cache"))
    assert r.exit_code == 0, r.output
    assert "indexed 1, updated 0, unchanged 0, skipped 0, failed 0" in r.output

    r = run("index", str(src), "--index", str(index_dir), "--quiet", "--processes", "1",
            "--cache", str(tmp_path / "cache"))
    assert "indexed 0, updated 0, unchanged 1" in r.output

    r = run("search", "bo chi huy quan su", "--index", str(index_dir))
    assert r.exit_code == 0
    assert SEED_TITLE in r.output and "1 results" in r.output

    r = run("search", "Nhật Bản", "--index", str(index_dir), "--json", "--limit", "3")
    lines = [json.loads(line) for line in r.output.splitlines()]
    assert lines[0]["id"] == SEED_URL and "<mark>" in lines[0]["snippet"]

    r = run("search", "hoà bình Nhật", "--index", str(index_dir), "--explain")
    assert '"normalized": "hòa bình Nhật"' in r.output

    r = run("stats", "--index", str(index_dir))
    assert "documents:  1" in r.output and "congluan.vn" in r.output
    r = run("stats", "--index", str(index_dir), "--json")
    assert json.loads(r.output)["documents"] == 1


def test_if_stale_skips_an_up_to_date_index(tmp_path):
    src = tmp_path / "articles"
    src.mkdir()
    shutil.copy(SEED, src / SEED.name)
    args = ["index", str(src), "--index", str(tmp_path / "ix"), "--quiet", "--processes", "1",
            "--cache", str(tmp_path / "cache"), "--if-stale"]
    assert "indexed 1" in run(*args).output
    r = run(*args)
    assert "up to date" in r.output


def test_bad_input_is_reported(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    r = run("index", str(bad), str(tmp_path / "missing.txt"), "--index", str(tmp_path / "ix"), "--quiet",
            "--processes", "1", "--cache", str(tmp_path / "cache"))
    assert r.exit_code == 1
    assert "bad.jsonl" in r.output and "missing.txt" in r.output


def test_search_without_index_is_a_clear_error(tmp_path):
    r = run("search", "a", "--index", str(tmp_path / "nothing"))
    assert r.exit_code != 0
    assert "no index at" in r.output and "Traceback" not in r.output


def test_bad_parameter_names_it(tmp_path):
    r = run("search", "a", "--index", str(tmp_path), "--from", "yesterday")
    assert r.exit_code != 0


def test_bad_config_file_is_named(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[search]\nper_page = 'many'\n", encoding="utf-8")
    r = run("--config", str(cfg), "stats")
    assert r.exit_code == 2 and "search.per_page" in r.output and "c.toml" in r.output


def test_an_index_with_labels_from_before_the_category_vocabulary_says_to_rebuild(tmp_path):
    """An index built before categories.toml mapped VNTC's "Vi tính" onto "Công nghệ"
    (its articles stored with the old label, as the readers gave it then) keeps that label
    until a rebuild: `vnsearch index`, `vnsearch stats` and the stats page say so."""
    import dataclasses

    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths
    from webapp import create_app

    from .conftest import make_config

    cfg = make_config(tmp_path)
    records = tmp_path / "records.jsonl"
    shutil.copy(SEED.parent.parent / "readers" / "records.jsonl", records)
    articles = list(read_paths([records]))
    assert any(a.category == "Công nghệ" for a in articles)  # what the readers give now
    old = [dataclasses.replace(a, category="Vi tính") if a.category == "Công nghệ" else a for a in articles]
    assert index_articles(cfg, old).failed == 0
    index_dir = str(cfg.path("index"))

    r = run("stats", "--index", index_dir)
    assert "Vi tính" in r.output and "'Vi tính' → 'Công nghệ'" in r.output and "--rebuild" in r.output
    r = run("index", str(records), "--index", index_dir, "--quiet", "--processes", "1",
            "--cache", str(tmp_path / "cache"))
    assert "'Vi tính' → 'Công nghệ'" in r.output and "--rebuild" in r.output, r.output
    html = create_app({"TESTING": True, "VNSEARCH": cfg}).test_client().get("/stats").get_data(as_text=True)
    assert "“Vi tính” → “Công nghệ”" in html and "vnsearch index --rebuild" in html

    r = run("index", str(records), "--index", index_dir, "--quiet", "--processes", "1", "--rebuild",
            "--cache", str(tmp_path / "cache"))
    assert r.exit_code == 0 and "Vi tính" not in r.output, r.output
    r = run("stats", "--index", index_dir)
    assert "Vi tính" not in r.output and "--rebuild" not in r.output and "Công nghệ" in r.output
