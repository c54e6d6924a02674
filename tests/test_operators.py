"""The command line as an operator meets it: busy ports, exit codes, named failures and
duplicates, paths relative to the working folder, and a non-editable install."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.config import Config, load_config

from .conftest import DATA, SEED, SEED_TITLE

REPO = Path(__file__).resolve().parent.parent
RECORDS = DATA / "readers" / "records.jsonl"


def run(*args, **kw):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, **kw)


def _index_args(tmp_path: Path) -> list[str]:
    return ["--index", str(tmp_path / "ix"), "--processes", "1", "--cache", str(tmp_path / "cache")]


def test_busy_port_is_one_line_with_the_fix_before_any_serving_claim(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = run("serve", "--index", str(tmp_path / "none"), "--port", str(port))
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert f"port {port} on 127.0.0.1 is already in use" in lines[0]
    assert "--port 8080" in lines[0] and "make run PORT=8080" in lines[0]
    assert "serving" not in r.output.lower() and "warning" not in r.output


def test_unknown_host_is_a_clear_error(tmp_path):
    r = run("serve", "--index", str(tmp_path / "none"), "--host", "no-such-host.invalid", "--port", "5999")
    assert r.exit_code == 1 and "not a known address" in r.output and "--host 127.0.0.1" in r.output


def test_make_run_passes_port_and_host():
    out = subprocess.run(["make", "-n", "-C", str(REPO), "run", "PORT=8080", "HOST=0.0.0.0"],
                         capture_output=True, text=True, check=True).stdout
    assert "vnsearch serve --port 8080 --host 0.0.0.0" in out


def test_index_exits_non_zero_and_names_each_failure_and_duplicate(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SEED, src / "seed.txt")
    lines = RECORDS.read_text(encoding="utf-8").splitlines()[:2]
    copy = json.loads(lines[0]) | {"id": "copy-1"}  # the same text under another id: a duplicate
    (src / "zcopy.jsonl").write_text(json.dumps(copy, ensure_ascii=False) + "\n", encoding="utf-8")
    # A file cut short in its last record, as a killed export leaves it.
    (src / "mixed.jsonl").write_text(lines[0] + "\n" + lines[1] + "\n" + '{"id": "x", "title": "cut off',
                                     encoding="utf-8")
    r = run("index", str(src), *_index_args(tmp_path))
    assert r.exit_code == 1, r.output
    out = r.output
    assert "indexed 3, updated 0, unchanged 0, skipped 1, failed 1" in out
    # The failure: its file and line, and json's whole message with the position after it.
    assert f"failed: {src / 'mixed.jsonl'}:line 3: invalid JSON: unterminated string starting at column 22" in out
    # Announced in the category it is counted in: nothing failed is called skipped.
    assert "skipped: " + str(src / "mixed.jsonl") not in out
    # The duplicate names both files.
    dup = [line for line in out.splitlines() if line.startswith("skipped: ") and "same text as" in line]
    assert dup == [f"skipped: {src / 'zcopy.jsonl'} (id copy-1): same text as {json.loads(lines[0])['id']}"]
    assert "skipped: 1 duplicate text (each named above)" in out
    assert "failed: 1 (each named above); exit status 1" in out

    # A second run replays the manifest and names the duplicate again.
    again = run("index", str(src), *_index_args(tmp_path))
    assert again.exit_code == 1
    assert sum("same text as" in line for line in again.output.splitlines()) == 1


def test_index_exits_zero_when_everything_read(tmp_path):
    r = run("index", str(SEED), *_index_args(tmp_path))
    assert r.exit_code == 0 and "failed 0" in r.output and "exit status" not in r.output


def test_search_shows_no_internal_ids_and_names_missing_words(tmp_path):
    assert run("index", str(RECORDS), "--quiet", *_index_args(tmp_path)).exit_code == 0
    rec = json.loads(RECORDS.read_text(encoding="utf-8").splitlines()[0])
    assert not rec.get("url")
    r = run("search", "người Serb Albania", "--index", str(tmp_path / "ix"))
    assert rec["title"] in r.output
    assert rec["id"] not in r.output  # "vntc:test:..." means nothing to a reader

    r = run("search", "Kosovo xyzzyqu", "--index", str(tmp_path / "ix"))
    assert "no article contains: xyzzyqu" in r.output


def test_command_line_paths_are_relative_to_the_working_folder(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(SEED, work / "seed.txt")
    monkeypatch.chdir(work)
    r = run("index", "seed.txt", "--index", "./idx", "--cache", "cache", "--processes", "1", "--quiet")
    assert r.exit_code == 0, r.output
    assert (work / "idx").exists() and (work / "cache").is_dir()
    assert str(work / "idx") in r.output
    r = run("search", "bộ chỉ huy", "--index", "idx")
    assert SEED_TITLE in r.output


def test_without_a_config_file_paths_are_relative_to_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = Config()
    assert cfg.path("index") == tmp_path / "data" / "index"
    # The shipped synonyms are still found from any working folder.
    assert cfg.path(cfg.search.synonyms).is_file()


def _wheel_env(tmp_path: Path) -> Path:
    """A fresh virtual environment holding vnsearch installed from a wheel of this checkout
    (not editable); its dependencies come from the test environment's site-packages."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")  # a plain path: no .pth inside
    wheel = next(wheels.glob("vnsearch-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    return venv


def test_installed_wheel_works_from_a_folder_outside_the_checkout(tmp_path):
    venv = _wheel_env(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(RECORDS, work / "fifty.jsonl")
    shutil.copy(SEED, work / "seed.txt")
    env = {k: v for k, v in os.environ.items() if k not in ("VNSEARCH_CONFIG", "PYTHONPATH")}
    vns = str(venv / "bin" / "vnsearch")

    def vnsearch(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([vns, *args], cwd=work, env=env, capture_output=True, text=True, timeout=300,
                              check=False)

    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import indexer; print(indexer.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout
    assert str(venv) in where and str(REPO) not in where  # the installed copy, not the checkout
    r = vnsearch("index", "fifty.jsonl", "seed.txt", "--index", "./idx", "--processes", "1", "--quiet")
    assert r.returncode == 0, r.stderr
    assert (work / "idx").exists() and (work / "data" / "cache").is_dir()
    site = Path(where.strip()).parent.parent
    assert not (site / "idx").exists() and not (site / "data").exists()
    r = vnsearch("search", "bo chi huy quan su", "--index", "idx")
    assert SEED_TITLE in r.stdout, r.stdout + r.stderr
    r = vnsearch("index", "seed.txt", "--quiet")  # no --index: ./data/index
    assert r.returncode == 0 and (work / "data" / "index").exists(), r.stderr
    r = vnsearch("stats")
    assert r.returncode == 0 and "documents:  1" in r.stdout, r.stdout + r.stderr
    script = ("from webapp import create_app; from indexer.config import load_config\n"
              "c = create_app({'TESTING': True, 'VNSEARCH': load_config()}).test_client()\n"
              "print(c.get('/?q=nhat+ban').get_data(as_text=True))")
    page = subprocess.run([str(venv / "bin" / "python"), "-c", script],
                          cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert "Mỹ ra tuyên bố thành lập bộ chỉ huy quân sự mới tại" in page.stdout, page.stderr[-2000:]
    _served_page_names_the_seed(vns, work, env)


def _served_page_names_the_seed(vns: str, work: Path, env: dict[str, str]) -> None:
    """`vnsearch serve` of the installed tool, from the working folder, answers over HTTP
    with the installed templates and static files."""
    import time
    import urllib.request

    from .conftest import stop_server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([vns, "serve", "--port", str(port)], cwd=work, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/?q=bo+chi+huy", timeout=10) as resp:
                    html = resp.read().decode("utf-8")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "vnsearch serve did not answer"
                time.sleep(0.5)
        assert "Mỹ ra tuyên bố thành lập" in html and "Công luận" in html, html[-3000:]
        with urllib.request.urlopen(base + "/static/style.css", timeout=10) as resp:
            assert resp.status == 200 and b"{" in resp.read()
    finally:
        stop_server(server)


@pytest.mark.parametrize("setting", ["paths.index", "paths.cache"])
def test_config_file_paths_stay_relative_to_the_config_file(tmp_path, monkeypatch, setting):
    conf = tmp_path / "site" / "config.toml"
    conf.parent.mkdir()
    section, name = setting.split(".")
    conf.write_text(f'[{section}]\n{name} = "here/{name}"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_config(conf).path(name) == conf.parent / "here" / name
