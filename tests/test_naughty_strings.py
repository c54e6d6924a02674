"""Input nobody here wrote: the Big List of Naughty Strings (tests/data/blns, MIT) as
queries to every route and parameter, and as the titles, bodies, outlets, categories
and URLs of indexed articles.

Checked: no 5xx; no string with markup comes back unescaped in a page; each answer
costs under 5 s of the answering thread's CPU (CPU, not wall time: the machine running
the suite may be busy) and none hangs; the index run survives and the articles are
searchable. Breadth goes through the Flask test client; a sample also goes to a real
``vnsearch serve`` over HTTP. The articles' bodies are real corpus text
(tests/data/core) with the naughty string appended.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

try:
    from tests.conftest import stop_server, CORE, DATA, make_config, vnsearch_cmd
except ImportError:  # tests/ itself on sys.path
    from conftest import stop_server, CORE, DATA, make_config, vnsearch_cmd

ROOT = Path(__file__).resolve().parent.parent
NAUGHTY: list[str] = json.loads((DATA / "blns" / "blns.json").read_text(encoding="utf-8"))
ROUTES = ["/", "/api/search", "/api/suggest", "/article", "/api/article", "/stats", "/api/stats"]
PARAMS = ["q", "page", "per_page", "outlet", "category", "from", "to", "sort", "debug", "exact", "id", "back",
          "limit", "facets"]
CPU_SECONDS = 5.0


def test_the_list_is_the_real_one():
    assert len(NAUGHTY) >= 500
    assert "<script>alert(123)</script>" in NAUGHTY and "" in NAUGHTY
    assert "MIT" in (DATA / "blns" / "LICENSE").read_text(encoding="utf-8")


def _has_markup(s: str) -> bool:
    return "<" in s and ">" in s


def _check(resp, s: str, where: str) -> None:
    assert resp.status_code < 500, (where, s, resp.status_code)
    body = resp.get_data(as_text=True)
    if resp.mimetype == "text/html" and _has_markup(s):
        assert s not in body, f"{where}: {s!r} came back unescaped"


def _cases():
    """Every string as ``q`` of the search API, every third one of the search page; every
    other (route, parameter) pair gets a share of the strings (each string one pair)."""
    pairs = [(r, p) for r in ROUTES for p in PARAMS if (r, p) not in (("/", "q"), ("/api/search", "q"))]
    for i, s in enumerate(NAUGHTY):
        yield "/api/search", "q", s
        if i % 3 == 0:
            yield "/", "q", s
        route, param = pairs[(i * 7 + 3) % len(pairs)]
        yield route, param, s


def test_every_route_and_parameter_takes_every_string(client):
    worst = (0.0, "")
    for route, param, s in _cases():
        t = time.thread_time()
        resp = client.get(route, query_string={param: s})
        cpu = time.thread_time() - t
        _check(resp, s, f"{route}?{param}=")
        worst = max(worst, (cpu, f"{route}?{param}={s!r}"))
    assert worst[0] < CPU_SECONDS, f"the costliest answer took {worst[0]:.1f} s of CPU: {worst[1]}"


def test_strings_in_the_path_and_as_repeated_parameters(client):
    for s in NAUGHTY[::5]:
        resp = client.get("/" + urllib.parse.quote(s, safe=""))
        assert resp.status_code < 500, s
        resp = client.get("/api/search", query_string=[("q", "bộ"), ("outlet", s), ("category", s), ("outlet", s)])
        _check(resp, s, "repeated filters")


# -- as indexed articles --------------------------------------------------------------------


@pytest.fixture(scope="module")
def naughty_index(tmp_path_factory, core_index):
    """An index whose articles carry the strings as title, outlet, category and URL."""
    root = tmp_path_factory.mktemp("naughty")
    real = [json.loads(line) for line in gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8")]
    records = []
    for i, s in enumerate(NAUGHTY):
        base = real[i % len(real)]
        records.append({"id": f"blns-{i}", "title": s, "body": (base.get("body") or "")[:400] + "\n" + s,
                        "outlet": s, "category": s, "url": s, "date": "2020-01-01"})
    src = root / "naughty.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    env = dict(os.environ, VNSEARCH_CONFIG=str(ROOT / "config.toml"),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(vnsearch_cmd("index", str(src), "--index", str(root / "index"), "--cache",
                                       str(root / "cache"), "--processes", "2", "-q"),
                          capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    return root, proc, env


def test_the_index_run_survives_naughty_articles(naughty_index):
    root, proc, _env = naughty_index
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode in (0, 1), proc.stderr[-3000:]  # 1: some records refused, each named
    assert "indexed" in proc.stdout
    from tests.conftest import live_key_counts

    keys = live_key_counts(root / "index")
    assert len(keys) > len(NAUGHTY) // 2 and max(keys.values()) == 1


def test_naughty_articles_are_shown_escaped(naughty_index):
    from webapp import create_app

    root, _proc, _env = naughty_index
    cfg = make_config(root, **{"paths.index": str(root / "index"), "paths.cache": str(root / "cache")})
    client = create_app({"TESTING": True, "VNSEARCH": cfg}).test_client()
    for s in [s for s in NAUGHTY if _has_markup(s)] + ["bộ", "Nhật Bản", "script alert"]:
        for route in ("/", "/api/search"):
            resp = client.get(route, query_string={"q": s})
            _check(resp, s, route)
            if route == "/":
                body = resp.get_data(as_text=True)
                for tag in ("<script>alert(123)</script>", "<svg><script>", "<img src=x onerror"):
                    assert tag not in body, (s, tag)
    listing = client.get("/api/search", query_string={"q": "script alert", "per_page": 50}).get_json()
    assert listing["total"] > 0
    for hit in listing["results"]:
        for name in ("snippet",):
            html = hit.get(name) or ""
            assert "<script" not in html.lower() and "onerror=" not in html.lower().replace("&", ""), html
        page = client.get("/article", query_string={"id": hit["id"], "q": "script"})
        _check(page, hit["title"], "/article")
    stats = client.get("/stats")
    assert stats.status_code == 200 and "<script>alert(123)</script>" not in stats.get_data(as_text=True)


def test_a_real_server_answers_a_sample(naughty_index):
    root, _proc, env = naughty_index
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = root / "serve.log"
    with log.open("w") as fh:
        server = subprocess.Popen(vnsearch_cmd("serve", "--index", str(root / "index"), "--host", "127.0.0.1",
                                               "--port", str(port), "--workers", "1", "--threads", "2"),
                                  stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/api/stats", timeout=5):
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < end, log.read_text()[-2000:]
                time.sleep(0.2)
        for s in NAUGHTY[::8]:
            for route in ("/", "/api/search", "/api/suggest"):
                url = f"{base}{route}?q={urllib.parse.quote(s)}"
                try:
                    with urllib.request.urlopen(url, timeout=30) as resp:
                        status, body = resp.status, resp.read().decode("utf-8", "replace")
                except urllib.error.HTTPError as exc:
                    status, body = exc.code, exc.read().decode("utf-8", "replace")
                assert status < 500, (route, s, status)
                if route == "/" and _has_markup(s):
                    assert s not in body, (route, s)
    finally:
        stop_server(server)
    assert "Traceback" not in log.read_text(errors="replace")
