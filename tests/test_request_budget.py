"""Every request bounded: one budget for the whole search, no dictionary walk per request,
and a burst from one client address cannot take every thread of a worker.

The search tests run on the session's real index of tests/data/core; the burst test
runs a real ``vnsearch serve`` (gunicorn) on 127.0.0.1 and a second client on
127.0.0.2 (the whole of 127/8 is loopback on Linux).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from indexer.search.budget import Budget
from indexer import SearchEngine, SearchRequest
from webapp.limits import PerClientLimit, per_client_limit

try:
    from tests.conftest import stop_server, vnsearch_cmd
except ImportError:  # tests/ itself on sys.path
    from conftest import stop_server, vnsearch_cmd

ROOT = Path(__file__).resolve().parent.parent


# -- the budget ------------------------------------------------------------------------


def test_budget_counts_cpu_and_wall_time_and_names_what_it_skipped():
    b = Budget(seconds=10.0, cpu_seconds=10.0)
    assert not b.exhausted() and b.allows("re-scoring") and b.skipped == []
    spent = Budget(seconds=10.0, cpu_seconds=0.0)
    assert spent.exhausted()
    assert not spent.allows("typo fallback") and not spent.allows("typo fallback")
    assert spent.skipped == ["typo fallback"]
    late = Budget(seconds=0.0, cpu_seconds=10.0)
    assert late.exhausted() and late.wall_deadline() <= time.monotonic()
    busy = Budget(seconds=10.0, cpu_seconds=0.05)
    end = time.monotonic() + 5
    while not busy.exhausted() and time.monotonic() < end:
        sum(range(10_000))  # burn CPU in this thread
    assert busy.exhausted() and busy.cpu_used() >= 0.05


def test_an_exhausted_budget_skips_the_optional_stages_and_says_so(core_index):
    cfg = core_index.with_overrides(**{"search.cpu_limit": 0.0})
    engine = SearchEngine(cfg)
    try:
        result = engine.search(SearchRequest(q="qwxz bão"))
        assert result.partial
        assert any("out of time" in n and "typo fallback" in n for n in result.notes), result.notes
        assert result.suggestion is None
    finally:
        engine.close()


def test_typo_help_never_walks_the_term_dictionary(core_index, monkeypatch):
    """Made-up and Telex-typed syllables: candidates come from a set look-up of a few
    hundred one-edit strings, not a walk of every term (which grows with the archive)."""
    from whoosh import reading

    def walk(*a, **k):
        raise AssertionError("terms_within walked the term dictionary during a request")

    engine = SearchEngine(core_index)
    try:
        assert engine.vocabulary_ready(wait=60)  # built once per index state, off the request
        monkeypatch.setattr(reading.IndexReader, "terms_within", walk)
        monkeypatch.setattr(reading.MultiReader, "terms_within", walk, raising=False)
        for q in ("qwxz bão", "Myx ra tuyeen boos thanhf laapj", "nhat bna", "bo truogn"):
            result = engine.search(SearchRequest(q=q))
            assert not [n for n in result.notes if "out of time" in n], (q, result.notes)
        assert engine.search(SearchRequest(q="nhat bna")).suggestion == "nhật bản"
    finally:
        engine.close()


def test_one_edit_candidates_are_exactly_whooshs(core_index):
    """The generated candidates equal what the walk of the term dictionary found (Whoosh's
    ``terms_within`` at distance 1, plus the swaps of neighbours candidates() added)."""
    engine = SearchEngine(core_index)
    try:
        reader = engine.searcher().reader()
        sug = engine.suggester()
        terms = sorted(t.decode() if isinstance(t, bytes) else t for t in reader.lexicon("body_f"))
        typos = ["qwxz", "chaof", "banj", "tooi", "nhatj", "truogn", "xq"]
        typos += [t[:1] + "q" + t[2:] for t in terms[::max(1, len(terms) // 40)] if t.isalpha() and len(t) > 3]
        checked = 0
        for typo in typos:
            if sug.doc_frequency(typo):
                continue
            walked = set()
            for fieldname in ("title_f", "body_f"):
                walked |= {c.decode() if isinstance(c, bytes) else c for c in reader.terms_within(fieldname, typo, 1)}
            # Whoosh's walk misses some swaps of neighbours; candidates() always added those
            swaps = {typo[:i] + typo[i + 1] + typo[i] + typo[i + 2:] for i in range(len(typo) - 1)}
            walked |= {w for w in swaps if sug.doc_frequency(w)}
            walked.discard(typo)
            assert sug._one_edit_away(typo) == walked, typo
            checked += 1
        assert checked >= 20
    finally:
        engine.close()


def test_a_request_does_not_wait_for_the_vocabulary_beyond_its_budget(core_index):
    engine = SearchEngine(core_index)
    try:
        first = engine.vocabulary_ready(wait=0.0)  # starts loading it in the background
        assert engine.vocabulary_ready(wait=60)
        assert first in (False, True)
        assert engine.suggester().ready()
    finally:
        engine.close()


# -- one client's burst ---------------------------------------------------------------------


def test_per_client_limit_refuses_the_request_over_the_limit_only():
    release = threading.Event()
    entered = threading.Semaphore(0)

    def slow_app(environ, start_response):
        entered.release()
        release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    app = PerClientLimit(slow_app, limit=1)
    answers: dict[str, str] = {}

    def call(name: str, addr: str, path: str = "/api/search") -> None:
        def start_response(status, headers):
            answers[name] = status + " " + dict(headers).get("Retry-After", "")
        body = b"".join(app({"REMOTE_ADDR": addr, "PATH_INFO": path}, start_response))
        answers[name + " body"] = body.decode()

    first = threading.Thread(target=call, args=("a1", "10.0.0.1"))
    first.start()
    assert entered.acquire(timeout=10)
    call("a2", "10.0.0.1")  # the same client, while its first request runs: refused at once
    assert answers["a2"].startswith("429") and answers["a2"].endswith("1")
    assert json.loads(answers["a2 body"])["status"] == 429
    other = threading.Thread(target=call, args=("b1", "10.0.0.2"))
    other.start()  # another client is let through
    assert entered.acquire(timeout=10)
    static = threading.Thread(target=call, args=("a3", "10.0.0.1", "/static/app.js"))
    static.start()  # static files are never limited
    assert entered.acquire(timeout=10)
    release.set()
    for t in (first, other, static):
        t.join(10)
    assert answers["a1"].startswith("200") and answers["b1"].startswith("200") and answers["a3"].startswith("200")
    call("a4", "10.0.0.1")  # and the slot came back
    assert answers["a4"].startswith("200")
    assert per_client_limit(0, 4) == 3 and per_client_limit(0, 1) == 1 and per_client_limit(5, 4) == 5


def _get(port: int, path: str, source: str) -> int:
    """One GET from source address ``source``; the status (never raises for HTTP errors)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0)) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ", 2)[1])


def test_a_burst_from_one_client_does_not_starve_another(core_index, tmp_path):
    try:
        with socket.create_connection(("127.0.0.1", 9), timeout=1, source_address=("127.0.0.2", 0)):
            pass
    except ConnectionRefusedError:
        pass
    except OSError as exc:
        pytest.skip(f"no second loopback address 127.0.0.2 here: {exc}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               VNSEARCH_CONFIG=str(ROOT / "config.toml"))
    log = tmp_path / "serve.log"
    with log.open("w") as fh:
        server = subprocess.Popen(vnsearch_cmd("serve", "--index", str(core_index.path("index")), "--host", "127.0.0.1",
                                               "--port", str(port), "--workers", "1", "--threads", "3"),
                                  stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True)
    try:
        end = time.monotonic() + 60
        while True:
            try:
                if _get(port, "/api/stats", "127.0.0.1") == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < end, log.read_text()[-2000:]
            time.sleep(0.2)
        burst: list[int] = []
        others: list[int] = []
        stop = threading.Event()
        queries = ["qwxz bão", "Myx ra tuyeen boos", "bo truong", "t*", "nhat ban", "xin chaof casc banj"]

        def flood(n: int) -> None:
            i = n
            while not stop.is_set():
                q = urllib.parse.quote(queries[i % len(queries)] + f" {i}")  # distinct: no result cache
                i += 1
                burst.append(_get(port, f"/api/search?q={q}", "127.0.0.1"))

        flooders = [threading.Thread(target=flood, args=(n,), daemon=True) for n in range(8)]
        for t in flooders:
            t.start()
        try:
            for i in range(15):
                others.append(_get(port, f"/api/search?q={urllib.parse.quote('giáo dục ' + str(i))}", "127.0.0.2"))
        finally:
            stop.set()
            for t in flooders:
                t.join(60)
    finally:
        stop_server(server)
    assert others == [200] * 15, others
    assert set(burst) <= {200, 429}, sorted(set(burst))
    assert 429 in burst, "eight concurrent clients on one address were never limited"
