"""Worker processes never outlive the run that started them, and never keep the lock.

Only the main ``vnsearch index`` / ``vnsearch fetch`` process is SIGKILLed (not its
process group: what the OOM killer or a crashed cron host does), with real worker
processes (``processes = 2``, small batches so they start at once and a cold token
cache so pyvi keeps them busy). Then: no process of the run is left after 2 s, the next
run starts at once (no ``--wait``), finishes, and every article is there exactly once,
while a real ``vnsearch serve`` answers searches of the same index throughout.
"""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from indexer.backends.whoosh import store
from indexer.build.workerproc import ParentWatch

try:
    from tests.conftest import CORE, live_key_counts, vnsearch_cmd, write_fetch_config
    from tests.httpserver import LocalServer, static
    from tests.test_fetch import item_paths, serve_feed
    from tests.test_fetch_crash import FEED, FEED_PATH, hold_back
except ImportError:  # tests/ itself on sys.path
    from conftest import CORE, live_key_counts, vnsearch_cmd, write_fetch_config
    from httpserver import LocalServer, static
    from test_fetch import item_paths, serve_feed
    from test_fetch_crash import FEED, FEED_PATH, hold_back

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["bo truong", "Nhật Bản", "hoà bình", "thuy*", "giáo dục", "xyzzy"]


# -- processes -----------------------------------------------------------------------


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _processes_of(pid: int, cmdline: bytes) -> set[int]:
    """Every live process forked from the run ``pid``: its descendants, and anything
    running the same command line (a forked worker keeps its parent's, even orphaned)."""
    found: set[int] = set()
    parents = {pid}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in (pid, os.getpid()):
            continue
        other = int(entry.name)
        st = _stat(other)
        if st is None or st[0] in ("Z", "X"):
            continue
        if st[1] in parents or (cmdline and _cmdline(other) == cmdline):
            found.add(other)
    return found


def _children(pid: int) -> set[int]:
    return {int(p.name) for p in Path("/proc").iterdir()
            if p.name.isdigit() and (_stat(int(p.name)) or ("", 0))[1] == pid and _alive(int(p.name))}


def _kill_main_only(proc: subprocess.Popen) -> set[int]:
    """SIGKILL the main process alone; return the processes of its run still alive 2 s later."""
    cmdline = _cmdline(proc.pid)
    before = _processes_of(proc.pid, cmdline)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    deadline = time.monotonic() + 2.0
    left = before | _processes_of(proc.pid, cmdline)
    while time.monotonic() < deadline:
        left = {p for p in left | _processes_of(proc.pid, cmdline) if _alive(p)}
        if not left:
            break
        time.sleep(0.05)
    for p in left:  # never leave them behind for the rest of the suite
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def _wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"the run ended (rc {proc.returncode}) before {what}: {(err or '')[-2000:]}")
        time.sleep(0.005)
    pytest.fail(f"timed out waiting for {what}")


# -- commands --------------------------------------------------------------------------


def _config(tmp_path: Path, *, sources: list[str] | None = None) -> Path:
    """Real worker processes that start after 8 articles; index, cache and store under tmp_path."""
    path = write_fetch_config(tmp_path, sources or [], delay=0.0, timeout=60.0, max_items=50)
    text = path.read_text(encoding="utf-8")
    assert "processes = 1\n" in text
    path.write_text(text.replace("processes = 1\n", "processes = 2\nbatch_size = 8\n"), encoding="utf-8")
    return path


def _env(cfg: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["VNSEARCH_CONFIG"] = str(cfg)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("VNSEARCH_REQUIRE_BROWSER", None)
    return env


def _popen(cfg: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(vnsearch_cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(cfg), cwd=ROOT)


def _run(cfg: Path, *args: str) -> subprocess.CompletedProcess:
    """A run that must start at once (no --wait) and succeed."""
    proc = subprocess.run(vnsearch_cmd(*args), capture_output=True, text=True, timeout=120, env=_env(cfg), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    return proc


class SearchLoad:
    """``vnsearch serve`` over the index, searched by two client threads until stopped."""

    def __init__(self, cfg: Path, live: Path, log: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = log
        with log.open("w") as fh:
            self.server = subprocess.Popen(
                vnsearch_cmd("serve", "--index", str(live), "--host", "127.0.0.1", "--port", str(self.port),
                             "--workers", "2", "--threads", "2", "--per-client", "100"),  # many users' load
                stdout=fh, stderr=subprocess.STDOUT, env=_env(cfg), cwd=ROOT, start_new_session=True)
        self.stop = threading.Event()
        self.results: list[int | str] = []
        self.threads = [threading.Thread(target=self._load, args=(n,), daemon=True) for n in range(2)]

    def start(self) -> None:
        _wait_for(self._ready, 60, "the server to answer", self.server)
        for t in self.threads:
            t.start()

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/stats", timeout=5) as resp:
                return resp.status == 200
        except OSError:
            return False

    def _load(self, n: int) -> None:
        i = n
        while not self.stop.is_set():
            q = QUERIES[i % len(QUERIES)]
            i += 1
            try:
                url = f"http://127.0.0.1:{self.port}/api/search?q={urllib.parse.quote(q)}"
                with urllib.request.urlopen(url, timeout=30) as resp:
                    resp.read()
                    self.results.append(resp.status)
            except urllib.error.HTTPError as exc:
                self.results.append(exc.code)
            except Exception as exc:  # a reset or timeout is a failure too
                self.results.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.02)

    def finish(self) -> list[int | str]:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)
        try:
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait(timeout=30)
        return self.results


@pytest.fixture(scope="module")
def expected_keys(core_index) -> Counter:
    keys = live_key_counts(core_index.path("index"))
    assert keys and max(keys.values()) == 1
    return keys


@pytest.fixture()
def setup(tmp_path, core_index):
    """A config with real workers, a warm token cache, and half of tests/data/core in a file."""
    cfg = _config(tmp_path)
    if core_index.path("cache").is_dir():
        shutil.copytree(core_index.path("cache"), tmp_path / "cache")
    lines = gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8").read().splitlines(keepends=True)
    half = tmp_path / "half" / "articles.jsonl"
    half.parent.mkdir()
    half.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    return cfg, tmp_path / "index", half


def _holder_is(live: Path, pid: int) -> bool:
    holder = store.read_holder(live)
    return holder is not None and holder.pid == pid


def _cold_cache(tmp_path: Path, n: int) -> str:
    return str(tmp_path / f"cold-{n}")  # pyvi runs: the workers stay busy for seconds


# -- the tests ---------------------------------------------------------------------------


def test_incremental_run_killed_at_several_moments(setup, tmp_path, expected_keys):
    cfg, live, half = setup
    _run(cfg, "index", str(half), "-q")
    load = SearchLoad(cfg, live, tmp_path / "serve.log")
    moments = {
        "lock taken": lambda p: _holder_is(live, p.pid),
        "workers segmenting": lambda p: len(_children(p.pid)) >= 2 and _sleep(0.4),
    }
    try:
        load.start()
        for n, (moment, reached) in enumerate(moments.items()):
            _run(cfg, "index", str(half), "--rebuild", "-q")  # back to half the articles (a swap under load)
            run = _popen(cfg, "index", str(CORE), "--cache", _cold_cache(tmp_path, n), "-q")
            _wait_for(lambda reached=reached, run=run: reached(run), 60, moment, run)
            left = _kill_main_only(run)
            assert not left, f"killed at '{moment}': processes {sorted(left)} of the run outlived it by 2 s"
            counts = live_key_counts(live)
            assert max(counts.values()) == 1, moment
            rerun = _run(cfg, "index", str(CORE), "-q")
            assert "took over" not in rerun.stderr  # the kernel had released the lock: nothing stale
            assert live_key_counts(live) == expected_keys, moment
    finally:
        results = load.finish()
    failed = [r for r in results if r != 200]
    assert len(results) > 10 and not failed, f"{len(failed)} of {len(results)} searches failed: {failed[:5]}"


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return True


def test_rebuild_with_real_workers_killed_leaves_no_process_and_no_lock(setup, tmp_path, expected_keys):
    cfg, live, half = setup
    _run(cfg, "index", str(half), "-q")
    first_gen = live.resolve()
    load = SearchLoad(cfg, live, tmp_path / "serve.log")
    try:
        load.start()
        run = _popen(cfg, "index", str(CORE), "--rebuild", "--processes", "2",
                     "--cache", _cold_cache(tmp_path, 0), "-q")
        building = live.with_name(live.name + ".gen")
        _wait_for(lambda: any((g / "BUILDING").exists() for g in building.glob("g-*"))
                  and len(_children(run.pid)) >= 2, 60, "the rebuild's workers", run)
        time.sleep(0.3)
        left = _kill_main_only(run)
        assert not left, f"processes {sorted(left)} of the killed rebuild outlived it by 2 s"
        assert live.resolve() == first_gen, "a killed rebuild never replaces the live index"
        _run(cfg, "index", str(CORE), "--rebuild", "--processes", "2", "-q")
        assert live.resolve() != first_gen
        assert live_key_counts(live) == expected_keys
        assert not [g for g in building.glob("g-*") if (g / "BUILDING").exists()], "the killed build is cleaned up"
    finally:
        results = load.finish()
    failed = [r for r in results if r != 200]
    assert len(results) > 10 and not failed, f"{len(failed)} of {len(results)} searches failed: {failed[:5]}"


def test_fetch_killed_with_workers_running_leaves_no_process(tmp_path):
    with LocalServer() as server:
        server.route("/robots.txt", static("User-agent: *\nAllow: /\n", "text/plain"))
        items = serve_feed(server, FEED, route=FEED_PATH)
        asked, release = hold_back(server, item_paths(server, FEED)[-1])
        cfg = _config(tmp_path, sources=[server.url(FEED_PATH)])
        run = _popen(cfg, "fetch", "--quiet")
        try:
            assert asked.wait(60), "the run never asked for the last article"
            _wait_for(lambda: len(_children(run.pid)) >= 2, 30, "the fetch's index workers", run)
            left = _kill_main_only(run)
        finally:
            if run.poll() is None:
                run.kill()
                run.communicate(timeout=30)
            release.set()
        assert not left, f"processes {sorted(left)} of the killed fetch outlived it by 2 s"
        _run(cfg, "fetch", "--quiet")
        keys = live_key_counts(tmp_path / "index")
        assert max(keys.values()) == 1 and {item.url for item in items} <= set(keys)


# -- the pieces ----------------------------------------------------------------------------


def test_forked_child_does_not_hold_the_writer_lock(tmp_path):
    """Even a child that outlives its parent cannot keep the index locked."""
    live = tmp_path / "index"
    with store.writer_lock(live):
        fd = os.open(store.lock_path(live), os.O_RDONLY)
        held = set(os.listdir("/proc/self/fd"))
        os.close(fd)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report its descriptors, then wait to be killed
            os.close(r)
            os.write(w, " ".join(os.listdir("/proc/self/fd")).encode())
            os.close(w)
            time.sleep(30)
            os._exit(0)
        os.close(w)
        child_fds = set(os.read(r, 65536).decode().split())
        os.close(r)
    try:
        # the parent released it: another writer gets it at once although the child lives on
        assert _alive(pid)
        with store.writer_lock(live):
            pass
        links = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in child_fds if os.path.exists(f"/proc/{pid}/fd/{fd}")}
        assert str(store.lock_path(live)) not in links
        assert held  # the listing worked
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_stale_record_whose_lock_is_still_held_is_taken_over(tmp_path):
    """A lock still held by some leftover process, recorded for a writer that has exited
    (what an older version's orphaned workers caused): reported and taken over."""
    live = tmp_path / "index"
    path = store.lock_path(live)
    path.write_text(f'{{"pid": 999999999, "start": "1", "host": "{socket.gethostname()}", '
                    f'"command": "vnsearch index old"}}\n')
    holder = subprocess.Popen(["python3", "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR); "
                               "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with store.writer_lock(live) as info:
            assert info.took_over and "pid 999999999" in info.took_over and "exited" in info.took_over
            assert store.read_holder(live).pid == os.getpid()
        with store.writer_lock(live) as info:  # and afterwards it is an ordinary lock again
            assert info.took_over is None
    finally:
        holder.kill()
        holder.communicate()


def test_live_holder_is_named_with_its_command(tmp_path):
    live = tmp_path / "index"
    with store.writer_lock(live), pytest.raises(store.IndexLockedError) as info:
        with store.writer_lock(live):
            pass
    message = str(info.value)
    assert f"pid {os.getpid()}" in message and "since" in message and "--wait" in message


@pytest.mark.parametrize("pdeathsig", [True, False], ids=["prctl", "pipe-only"])
def test_child_guard_ends_a_worker_within_a_second_of_its_parent(pdeathsig, monkeypatch):
    """A middle process forks a guarded worker and is SIGKILLed: the worker follows
    (by the kernel's parent-death signal, or by the pipe alone where there is none)."""
    from indexer.build import workerproc

    if not pdeathsig:
        monkeypatch.setattr(workerproc, "set_parent_death_signal", lambda *a: False)
    r, w = os.pipe()
    middle = os.fork()
    if middle == 0:
        os.close(r)
        watch = ParentWatch()
        worker = os.fork()
        if worker == 0:
            workerproc.child_guard(watch)
            time.sleep(30)
            os._exit(0)
        os.write(w, str(worker).encode())
        os.close(w)
        time.sleep(30)
        os._exit(0)
    os.close(w)
    worker = int(os.read(r, 64).decode())
    os.close(r)
    time.sleep(0.2)  # the guard is set up
    assert _alive(worker)
    os.kill(middle, signal.SIGKILL)
    os.waitpid(middle, 0)
    end = time.monotonic() + 1.0
    while _alive(worker) and time.monotonic() < end:
        time.sleep(0.02)
    alive = _alive(worker)
    if alive:
        os.kill(worker, signal.SIGKILL)
    assert not alive, "the worker outlived its parent by a second"


def test_a_serving_worker_killed_under_load_is_replaced(core_index, tmp_path):
    """SIGKILL one gunicorn worker while two clients search: gunicorn starts another, and
    only requests the dead worker was answering (at most one per client) fail."""
    cfg = _config(tmp_path)
    load = SearchLoad(cfg, core_index.path("index"), tmp_path / "serve.log")
    try:
        load.start()
        _wait_for(lambda: len(_children(load.server.pid)) == 2, 60, "two gunicorn workers", load.server)
        time.sleep(1.0)
        victim = sorted(_children(load.server.pid))[0]
        before = len(load.results)
        os.kill(victim, signal.SIGKILL)
        _wait_for(lambda: len(_children(load.server.pid)) == 2 and victim not in _children(load.server.pid),
                  30, "gunicorn to replace the worker", load.server)
        replaced_at = len(load.results)
        end = time.monotonic() + 30
        while len(load.results) < replaced_at + 20 and time.monotonic() < end:
            time.sleep(0.1)
    finally:
        results = load.finish()
    failed = [r for r in results[before:] if r != 200]
    assert len(results) >= before + 20, "the load went on after the worker was replaced"
    assert len(failed) <= 2, f"{failed}: more failures than the requests the killed worker held"
    assert all(r == 200 for r in results[:before]) and all(r == 200 for r in results[replaced_at + 2:])
