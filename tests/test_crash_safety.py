"""Crashes and overload lose nothing: killed builds, corrupt or missing indexes, two writers.

Everything here runs the real ``vnsearch`` command in subprocesses and kills it with a
real SIGKILL. The rebuild test serves the index with ``vnsearch serve`` (gunicorn) on
127.0.0.1 and an ephemeral port, and counts failed requests from a bounded search
load while a rebuild is started, killed, restarted and completed. The token cache of
the session's core index is copied in, so rebuilds skip pyvi and stay short.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from indexer.backends.whoosh import store

try:
    from tests.conftest import CORE, live_key_counts, make_config, vnsearch_cmd
except ImportError:  # tests/ not a package
    from conftest import CORE, live_key_counts, make_config, vnsearch_cmd

ROOT = Path(__file__).resolve().parent.parent
LOAD_SECONDS = 20  # the bounded search load of the rebuild test, at most
QUERIES = ["bo truong", "Nhật Bản", "hoà bình", '"bộ chỉ huy"', "thuy*", "-mỹ quân sự", "giáo dục", "xyzzy"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["VNSEARCH_CONFIG"] = str(ROOT / "config.toml")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("VNSEARCH_REQUIRE_BROWSER", None)
    return env


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(vnsearch_cmd(*args), capture_output=True, text=True, timeout=timeout, env=_env(), cwd=ROOT)


def _popen(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(vnsearch_cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(), cwd=ROOT, **kwargs)


def _serve(live: Path, port: int, log: Path, workers: int = 2, threads: int = 4) -> subprocess.Popen:
    """``vnsearch serve`` with its (access) log in a file: a pipe nobody reads would fill
    up after a few hundred requests and block the server."""
    with log.open("w") as fh:
        return subprocess.Popen(vnsearch_cmd("serve", "--index", str(live), "--host", "127.0.0.1", "--port", str(port),
                                     "--workers", str(workers), "--threads", str(threads)),
                                stdout=fh, stderr=subprocess.STDOUT, text=True, env=_env(), cwd=ROOT,
                                start_new_session=True)


def _stop_server(server: subprocess.Popen, log: Path) -> str:
    try:
        os.killpg(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
    text = log.read_text(errors="replace")
    return "\n".join(line for line in text.splitlines() if '"GET /' not in line)


@pytest.fixture()
def workdir(tmp_path, core_index):
    """Index and cache paths under tmp_path, the cache warmed from the session's index."""
    cache = tmp_path / "cache"
    if core_index.path("cache").is_dir():
        shutil.copytree(core_index.path("cache"), cache)
    return tmp_path


@pytest.fixture(scope="module")
def expected_keys(core_index) -> Counter:
    """Every article of tests/data/core once: what a complete build holds."""
    keys = live_key_counts(core_index.path("index"))
    assert keys and max(keys.values()) == 1
    return keys


def _build(workdir: Path, *extra: str, source: Path = CORE) -> subprocess.CompletedProcess:
    proc = _run("index", str(source), "--index", str(workdir / "index"), "--cache", str(workdir / "cache"),
                "--processes", "1", "-q", *extra)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    return proc


def _wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"process ended (rc {proc.returncode}) before {what}: {(err or '')[-2000:]}")
        time.sleep(0.01)
    pytest.fail(f"timed out waiting for {what}")


def _building(live: Path) -> list[Path]:
    root = live.with_name(live.name + ".gen")
    return [p for p in root.glob("g-*") if (p / "BUILDING").exists()] if root.is_dir() else []


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)


# -- kill during builds -------------------------------------------------------------


def test_rebuild_killed_and_restarted_under_search_load(workdir, expected_keys):
    live = workdir / "index"
    _build(workdir)
    assert live_key_counts(live) == expected_keys
    first_gen = live.resolve()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server_log = workdir / "serve.log"
    server = _serve(live, port, server_log)
    base = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    results: list[tuple[str, int | str]] = []
    lock = threading.Lock()

    def ready() -> bool:
        try:
            with urllib.request.urlopen(base + "/api/stats", timeout=5) as resp:
                return resp.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def load(n: int) -> None:
        i = n
        deadline = time.monotonic() + LOAD_SECONDS + 60
        while not stop.is_set() and time.monotonic() < deadline:
            q = QUERIES[i % len(QUERIES)]
            i += 1
            url = f"{base}/api/search?q={urllib.parse.quote(q)}&page={1 + i % 3}"
            if i % 5 == 0:
                url = f"{base}/?q={urllib.parse.quote(q)}"
            t0 = time.monotonic()
            try:
                with urllib.request.urlopen(url, timeout=30) as resp:
                    resp.read()
                    outcome: int | str = resp.status
            except urllib.error.HTTPError as exc:
                outcome = exc.code
            except Exception as exc:  # connection reset, timeout: a failure
                outcome = f"{type(exc).__name__}: {exc}"
            with lock:
                results.append((url, outcome if outcome == 200 else f"{outcome} (sent at {t0 - t_start:.1f} s)"))

    t_start = time.monotonic()
    events: list[str] = []

    def event(what: str) -> None:
        events.append(f"{time.monotonic() - t_start:.1f} s: {what}")

    threads = [threading.Thread(target=load, args=(n,), daemon=True) for n in range(3)]
    try:
        _wait_for(ready, 60, "the server to answer", server)
        event("server ready")
        started = time.monotonic()
        for t in threads:
            t.start()
        # a rebuild, SIGKILLed while it is writing its new generation
        rebuild = _popen("index", str(CORE), "--rebuild", "--index", str(live), "--cache", str(workdir / "cache"),
                         "--processes", "1", "-q")
        _wait_for(lambda: _building(live), 120, "the rebuild's new generation", rebuild)
        event("rebuild writing")
        time.sleep(0.3)
        _kill(rebuild)
        event("rebuild killed")
        killed = _building(live)
        assert live.resolve() == first_gen, "a killed rebuild must not replace the live index"
        # restarted: it completes and swaps in atomically
        event("rebuild restarted")
        _build(workdir, "--rebuild")
        event("rebuild done")
        assert live.resolve() != first_gen
        for gen in killed:
            assert not gen.exists(), "the killed build's generation is cleaned up"
        # keep the load on the new generation for a moment, within the bound
        remaining = LOAD_SECONDS - (time.monotonic() - started)
        time.sleep(max(2.0, min(5.0, remaining)))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
        err = _stop_server(server, server_log)
    failed = [(u, o) for u, o in results if o != 200]
    print(f"{len(results)} requests during the killed and restarted rebuild, {len(failed)} failed")
    assert len(results) > 20, "the load ran"
    assert not failed, f"{len(failed)} of {len(results)} requests failed: {failed[:5]}; events: {events}; " \
                       f"server log: {err[-3000:]}"
    assert "Traceback" not in err, err[-3000:]
    assert live_key_counts(live) == expected_keys


def test_incremental_run_killed_then_rerun_has_no_duplicates(workdir, expected_keys, tmp_path):
    """First half indexed; a run over everything is SIGKILLed while writing; the re-run completes."""
    import gzip

    live = workdir / "index"
    lines = gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8").read().splitlines(keepends=True)
    half = tmp_path / "half" / "articles.jsonl"
    half.parent.mkdir()
    half.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    _build(workdir, source=half)
    before = live_key_counts(live)
    assert 0 < sum(before.values()) < sum(expected_keys.values())
    gen = live.resolve()
    files_before = {p.name for p in gen.iterdir()}

    run = _popen("index", str(CORE), "--index", str(live), "--cache", str(workdir / "cache"),
                 "--processes", "1", "-q")

    def writing() -> bool:  # the Whoosh writer's lock or a new segment file appeared
        return any(p.name not in files_before for p in gen.iterdir())

    try:
        _wait_for(writing, 120, "the incremental run to start writing", run)
    except pytest.fail.Exception:
        if run.poll() is None:
            raise
    _kill(run)
    # what was committed before is intact and searchable; nothing is doubled
    after_kill = live_key_counts(live)
    assert max(after_kill.values()) == 1
    assert set(before) <= set(after_kill)
    proc = _build(workdir)
    assert "indexed" in proc.stdout
    assert live_key_counts(live) == expected_keys
    # and a third run finds nothing to do
    proc = _build(workdir)
    assert "indexed 0, updated 0" in proc.stdout, proc.stdout


# -- two writers -----------------------------------------------------------------------


def test_second_writer_is_refused_naming_the_holder_or_waits(workdir, expected_keys):
    live = workdir / "index"
    args = ("index", str(CORE), "--index", str(live), "--cache", str(workdir / "cache"), "--processes", "1", "-q")
    with store.writer_lock(live):
        proc = _run(*args)
        assert proc.returncode != 0
        assert f"pid {os.getpid()}" in proc.stderr, proc.stderr
        assert "--wait" in proc.stderr and "Traceback" not in proc.stderr
        waiting = _popen(*args, "--wait")
        try:
            time.sleep(3)
            assert waiting.poll() is None, "--wait queues behind the holder"
        except BaseException:
            _kill(waiting)
            raise
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err[-2000:]
    assert live_key_counts(live) == expected_keys


def test_two_real_index_commands(workdir):
    """A second ``vnsearch index`` while the first runs names the first one's pid."""
    live = workdir / "index"
    cold = workdir / "cold-cache"  # pyvi runs: the first command stays busy long enough
    first = _popen("index", str(CORE), "--index", str(live), "--cache", str(cold), "--processes", "1", "-q")
    def holder_is_first() -> bool:
        holder = store.read_holder(live)
        return holder is not None and holder.pid == first.pid

    try:
        _wait_for(holder_is_first, 120, "the first command to take the lock", first)
        second = _run("index", str(CORE), "--index", str(live), "--cache", str(cold), "--processes", "1", "-q")
        assert first.poll() is None, "the first command was still running"
        assert second.returncode != 0
        assert f"pid {first.pid}" in second.stderr, second.stderr
        assert "vnsearch index" in second.stderr, "the holder's command is named"
        assert "Traceback" not in second.stderr
    finally:
        _kill(first)
    # the kernel released the dead holder's lock: the next writer goes ahead
    with store.writer_lock(live):
        pass


# -- corrupt and missing indexes ----------------------------------------------------------


def _corruptions(live: Path) -> dict[str, callable]:
    def toc_empty():
        for toc in live.resolve().glob("*.toc"):
            toc.write_bytes(b"")

    def toc_garbage():
        for toc in live.resolve().glob("*.toc"):
            toc.write_bytes(os.urandom(toc.stat().st_size or 64))

    def toc_truncated():
        for toc in live.resolve().glob("*.toc"):
            toc.write_bytes(toc.read_bytes()[: toc.stat().st_size // 2])

    def segments_removed():
        for seg in live.resolve().glob("*.seg"):
            seg.unlink()

    def segments_garbage():
        for seg in live.resolve().glob("*.seg"):
            with seg.open("r+b") as fh:
                fh.seek(0)
                fh.write(os.urandom(min(4096, seg.stat().st_size)))

    def generation_removed():
        shutil.rmtree(live.resolve())

    def not_an_index():
        target = live.resolve()
        shutil.rmtree(target)
        target.mkdir()
        (target / "README").write_text("hello")

    return {f.__name__: f for f in (toc_empty, toc_garbage, toc_truncated, segments_removed,
                                    segments_garbage, generation_removed, not_an_index)}


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory, core_index):
    """A finished index of tests/data/core, copied per test (generation folder + symlink)."""
    return core_index.path("index")


def _copy_index(src_live: Path, dest: Path) -> Path:
    live = dest / "index"
    gen = dest / "index.gen" / "g-copy"
    shutil.copytree(src_live.resolve(), gen)
    os.symlink(os.path.relpath(gen, dest), live)
    return live


# Whoosh leaves a file handle to a damaged TOC for the garbage collector: not ours to fix.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("damage", ["toc_empty", "toc_garbage", "toc_truncated", "segments_removed",
                                    "segments_garbage", "generation_removed", "not_an_index", "missing"])
def test_damaged_index_gives_clear_errors(tmp_path, built_copy, damage):
    from indexer.search.engine import SearchEngine, SearchRequest
    from webapp import create_app

    if damage == "missing":
        live = tmp_path / "nowhere" / "index"
    else:
        live = _copy_index(built_copy, tmp_path)
        _corruptions(live)[damage]()
    cfg = make_config(tmp_path, **{"paths.index": str(live)})

    # the command line: a clear message, no traceback, a failing exit code
    for args in (("search", "bo truong"), ("stats",)):
        proc = _run(*args, "--index", str(live), timeout=120)
        if damage == "segments_garbage" and proc.returncode == 0:
            continue  # garbage that Whoosh happens not to read for this query
        assert proc.returncode != 0, (damage, args, proc.stdout[-500:])
        assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
        assert "index" in proc.stderr.lower() and "rebuild" in proc.stderr.lower() or "vnsearch index" in proc.stderr, \
            proc.stderr

    # the web app: 503 page and JSON, never a 500
    client = create_app({"TESTING": False, "VNSEARCH": cfg}).test_client()
    for path in ("/?q=bo+truong", "/api/search?q=bo+truong", "/api/suggest?q=bo", "/stats", "/api/stats",
                 "/article?id=x", "/api/article?id=x"):
        resp = client.get(path)
        if damage == "segments_garbage" and resp.status_code in (200, 404):
            continue
        assert resp.status_code == 503, (damage, path, resp.status_code, resp.get_data(as_text=True)[:300])
        if path.startswith("/api/"):
            body = resp.get_json()
            assert body["status"] == 503 and "index" in body["error"]
        else:
            assert "Traceback" not in resp.get_data(as_text=True)
    client.get("/")  # the home page without a query may render without the index
    engine = SearchEngine(cfg)
    try:
        engine.search(SearchRequest(q="bo truong"))
    except store.IndexMissingError as exc:
        assert "index" in str(exc)
    else:
        assert damage == "segments_garbage"


@pytest.mark.parametrize("damage", ["missing", "segments_removed"])
def test_serve_with_missing_index_warns_and_answers_503(tmp_path, built_copy, damage):
    if damage == "missing":
        live = tmp_path / "no-index"
    else:
        live = _copy_index(built_copy, tmp_path)
        _corruptions(live)[damage]()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server_log = tmp_path / "serve.log"
    server = _serve(live, port, server_log, workers=1, threads=2)
    try:
        def status(path: str):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
                    return resp.status, resp.read()
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read()
            except OSError:
                return None, b""

        _wait_for(lambda: status("/api/stats")[0] is not None, 60, "the server to answer", server)
        code, body = status("/api/search?q=bo")
        assert code == 503 and json.loads(body)["status"] == 503
        code, body = status("/?q=bo")
        assert code == 503 and b"Traceback" not in body
    finally:
        err = _stop_server(server, server_log)
    assert "vnsearch index" in err and "503" in err and "Traceback" not in err, err[-2000:]
