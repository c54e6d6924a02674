"""A killed or store-only `vnsearch fetch` loses no article, even when the server then answers 304.

Pages are stored (with their ETag) before the index commits them; the next run gets
304 for them, and for a feed remembered as unchanged, so only the raw store's
"indexed" mark can tell that they still have to be indexed. These tests run the real
``vnsearch fetch`` in subprocesses against tests/httpserver.py on 127.0.0.1: one with
``--no-index`` (the on-disk state of a run killed after storing every page and
remembering the feed, before its index commit), one SIGKILLed for real while the
server holds back the feed's last article - every earlier page is stored by then,
none committed (the builder commits when the stream ends). The feed is a real
VnExpress feed (tests/data/feeds) and its pages are built around the items' own
titles, as in tests/test_fetch.py; the sitemap serves real outlet pages from
tests/data/html.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from indexer.search.engine import SearchEngine, SearchRequest

try:
    from tests.conftest import live_key_counts, make_config, vnsearch_cmd, write_fetch_config
    from tests.httpserver import DATA, LocalServer, Reply, static
    from tests.test_fetch import (LISTING_DATE, item_paths, make_config as fetch_config, page,
                                  serve_conditional_sitemap, serve_feed)
except ImportError:  # tests/ itself on sys.path
    from conftest import live_key_counts, make_config, vnsearch_cmd, write_fetch_config
    from httpserver import DATA, LocalServer, Reply, static
    from test_fetch import LISTING_DATE, item_paths, make_config as fetch_config, page, serve_conditional_sitemap, serve_feed

from indexer.fetch.rawstore import RawStore

ROOT = Path(__file__).resolve().parent.parent
FEED = sorted((DATA / "feeds").glob("*.xml"))[0]  # 25 items
FEED_PATH = "/rss/tin-moi-nhat.rss"


@pytest.fixture
def server():
    with LocalServer() as srv:
        srv.route("/robots.txt", static("User-agent: *\nAllow: /\n", "text/plain"))
        yield srv


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _config_file(tmp_path: Path, *sources: str, timeout: float = 5.0) -> Path:
    return write_fetch_config(tmp_path, sources, delay=0.0, timeout=timeout, max_items=50)


def _fetch(cfg: Path, *extra: str) -> str:
    proc = subprocess.run(vnsearch_cmd("--config", str(cfg), "fetch", "--quiet", *extra), capture_output=True, text=True,
                          timeout=300, env=_env(), cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    return proc.stdout


def hold_back(server: LocalServer, path: str) -> tuple[threading.Event, threading.Event]:
    """Make ``path`` wait (then answer 503) until ``release`` is set; ``asked`` tells it was asked for."""
    normal = server.routes[path]
    asked, release = threading.Event(), threading.Event()

    def held_back(req):
        if not release.is_set():
            asked.set()
            release.wait(60)
            return Reply(503, b"", {"Retry-After": "0"})
        return normal(req)

    server.route(path, held_back)
    return asked, release


def _pending(tmp_path: Path) -> int:
    with RawStore(tmp_path / "raw") as raw:
        return raw.pending_count()


def _each_once(tmp_path: Path, items: list) -> None:
    """Every feed item is in the index exactly once and found by its own title."""
    keys = live_key_counts(tmp_path / "index")
    assert max(keys.values()) == 1
    assert {item.url for item in items} <= set(keys)
    engine = SearchEngine(make_config(tmp_path))
    for item in items:
        hits = [h for h in engine.search(SearchRequest(q=item.title, per_page=50)).hits if h.url == item.url]
        assert len(hits) == 1, item.title
        assert hits[0].date == item.published  # the feed's date (the page has none), kept in the store


def test_pages_stored_with_no_index_are_indexed_by_the_next_fetch_despite_304s(server, tmp_path):
    """--no-index stores every page and remembers the feed: the next fetch gets one 304 and indexes all."""
    items = serve_feed(server, FEED, route=FEED_PATH, etag='"feed-1"', last_modified=LISTING_DATE)
    articles = item_paths(server, FEED)
    cfg = _config_file(tmp_path, server.url(FEED_PATH))

    out = _fetch(cfg, "--no-index")
    assert f"fetched {len(items)}," in out and "stored in" in out
    assert not (tmp_path / "index").exists()
    assert _pending(tmp_path) == len(items)

    out = _fetch(cfg)
    assert "fetched 0, unchanged 0," in out and "feeds/sitemaps read 0, unchanged 1" in out
    assert f"stored pages indexed {len(items)}" in out and f"indexed {len(items)}," in out
    assert [r.status for r in server.requests_to(FEED_PATH)] == [200, 304]
    assert all(len(server.requests_to(p)) == 1 for p in articles)  # no article asked for again
    assert _pending(tmp_path) == 0
    _each_once(tmp_path, items)

    out = _fetch(cfg)  # nothing left to do
    assert "stored pages indexed" not in out and "indexed 0," in out
    assert sum(live_key_counts(tmp_path / "index").values()) == len(items)


def test_fetch_killed_between_storing_and_committing_is_finished_by_the_next_run(server, tmp_path):
    """A real SIGKILL while 24 of 25 pages are stored and none committed; the rerun gets 304s and
    indexes them all, once."""
    cfg = _config_file(tmp_path, server.url("/sitemap-news.xml"), server.url(FEED_PATH), timeout=60.0)
    sitemap_pages = serve_conditional_sitemap(server)
    # A first run of the sitemap alone: the index exists and serves two articles.
    first = subprocess.run(vnsearch_cmd("--config", str(cfg), "fetch", "--quiet", server.url("/sitemap-news.xml")),
                           capture_output=True, text=True, timeout=300, env=_env(), cwd=ROOT)
    assert first.returncode == 0, first.stderr[-3000:]
    before = live_key_counts(tmp_path / "index")
    assert sum(before.values()) == len(sitemap_pages)

    items = serve_feed(server, FEED, route=FEED_PATH, etag='"feed-1"', last_modified=LISTING_DATE)
    articles = item_paths(server, FEED)
    asked, release = hold_back(server, articles[-1])
    proc = subprocess.Popen(vnsearch_cmd("--config", str(cfg), "fetch", "--quiet"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT, start_new_session=True)
    try:
        assert asked.wait(120), "the run never asked for the last article"
        # Every earlier page is stored (put commits before the page is handed on), none indexed.
        with sqlite3.connect(tmp_path / "raw" / "pages.sqlite") as db:
            stored = db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
        assert stored == len(sitemap_pages) + len(items) - 1
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its worker processes
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
        release.set()
    assert proc.returncode == -signal.SIGKILL
    assert live_key_counts(tmp_path / "index") == before  # the served index is intact and holds nothing of the killed run
    assert _pending(tmp_path) == len(items) - 1

    out = _fetch(cfg)
    # The feed was not remembered (the run died inside it): read again; its stored pages answer 304.
    assert [r.status for r in server.requests_to(FEED_PATH)] == [200, 200]
    assert all([r.status for r in server.requests_to(p)] == [200, 304] for p in articles[:-1])
    assert all(len(server.requests_to(p)) == 1 for p in sitemap_pages)  # their sitemap answered 304
    assert f"fetched 1, unchanged {len(items) - 1}," in out and "feeds/sitemaps read 1, unchanged 1" in out
    assert f"stored pages indexed {len(items) - 1}" in out and f"indexed {len(items)}," in out
    assert _pending(tmp_path) == 0
    _each_once(tmp_path, items)
    keys = live_key_counts(tmp_path / "index")
    assert sum(keys.values()) == len(items) + len(sitemap_pages) and before.keys() <= keys.keys()

    out = _fetch(cfg)  # everything answers 304 now, and nothing is left to index
    assert "fetched 0," in out and "feeds/sitemaps read 0, unchanged 2" in out
    assert "stored pages indexed" not in out and "indexed 0," in out
    assert live_key_counts(tmp_path / "index") == keys


# ------------------------------------------------------------------ in process: the marks themselves

def test_crash_after_commit_before_mark_reindexes_nothing(server, tmp_path):
    """Pages the index holds but the store does not know of (killed between the commit and the
    mark, or a store from before the marks existed) are taken again: unchanged, no duplicates."""
    from indexer.fetch.run import fetch_and_index

    items = serve_feed(server, FEED, route=FEED_PATH, etag='"feed-1"', last_modified=LISTING_DATE)
    config = make_config(tmp_path, **{f"fetch.{k}": v for k, v in
                                      {"delay": 0.0, "timeout": 5.0, "max_items": 50}.items()})
    summary, built = fetch_and_index([server.url(FEED_PATH)], config)
    assert built.indexed == len(items) and _pending(tmp_path) == 0
    with sqlite3.connect(tmp_path / "raw" / "pages.sqlite") as db:
        db.execute("UPDATE pages SET indexed_sha256 = NULL")
    summary, built = fetch_and_index([server.url(FEED_PATH)], config)
    assert summary.listings_unchanged == 1 and summary.fetched == 0 and summary.from_store == len(items)
    assert built.indexed == 0 and built.updated == 0 and built.unchanged == len(items)
    assert _pending(tmp_path) == 0
    assert sum(live_key_counts(tmp_path / "index").values()) == len(items)


def test_store_marks_follow_the_body(tmp_path):
    with RawStore(tmp_path / "raw") as raw:
        raw.put("http://h/a", "http://h/a", 200, {"etag": '"1"'}, page("congluan"), "t1",
                hint={"published": "2017-07-26"})
        raw.put("http://h/gone", "http://h/gone", 404, {}, b"", "t1")
        assert [p.url for p in raw.pending()] == ["http://h/a"]  # only 200 pages are indexed
        assert raw.pending()[0].hint == {"published": "2017-07-26"}
        from indexer.fetch.rawstore import body_sha256

        raw.mark_indexed({"http://h/a": body_sha256(page("congluan"))})
        assert raw.pending() == []
        raw.put("http://h/a", "http://h/a", 200, {"etag": '"2"'}, page("congluan"), "t2")  # same bytes
        assert raw.pending() == [] and raw.get("http://h/a").hint == {"published": "2017-07-26"}
        raw.put("http://h/a", "http://h/a", 200, {"etag": '"3"'}, page("dantri"), "t3")  # changed
        assert [p.url for p in raw.pending()] == ["http://h/a"]
        raw.mark_indexed({"http://h/a": body_sha256(page("congluan"))})  # the old body: still pending
        assert raw.pending_count() == 1


def test_store_from_before_the_marks_is_pending_once(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    with sqlite3.connect(folder / "pages.sqlite") as db:  # the original schema
        db.execute("CREATE TABLE pages (url TEXT PRIMARY KEY, final_url TEXT NOT NULL, status INTEGER NOT NULL, "
                   "headers TEXT NOT NULL, etag TEXT, last_modified TEXT, fetched_at TEXT NOT NULL, "
                   "path TEXT NOT NULL, size INTEGER NOT NULL)")
        db.execute("INSERT INTO pages VALUES ('http://h/a', 'http://h/a', 200, '{}', '\"1\"', NULL, 't', "
                   "'ab/x.html.gz', 3)")
    db.close()
    with RawStore(folder) as raw:
        assert [p.url for p in raw.pending()] == ["http://h/a"]
        raw.mark_indexed({"http://h/a": "abc"})
        assert raw.pending() == [] and raw.validators("http://h/a") == {}  # (its file is missing here)
    with RawStore(folder) as raw:  # reopening adds nothing twice
        assert raw.pending_count() == 0


def test_fetch_only_marks_nothing(server, tmp_path):
    """``fetch(store_only=True)`` (``--no-index``) and plain ``fetch()`` leave pages pending."""
    from indexer.fetch.run import fetch

    server.route("/a.html", static(page("vnexpress")))
    server.route("/b.html", static(page("tuoitre")))
    config = fetch_config(tmp_path)
    fetch([server.url("/a.html")], config, store_only=True)
    fetch([server.url("/b.html")], config)
    assert _pending(tmp_path) == 2
