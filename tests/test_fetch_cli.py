"""`vnsearch fetch` end to end: a real feed served on 127.0.0.1, fetched twice, indexed once.

The feed is one of the three real VnExpress feeds (tests/data/feeds, copies of
../shared/rss); its item pages are built around each item's own real title, as in
tests/test_fetch.py. The sitemap lists real outlet pages from tests/data/html.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.search.engine import SearchEngine, SearchRequest

from .conftest import make_config, write_fetch_config
from .httpserver import DATA, LocalServer, static
from .test_fetch import LISTING_DATE, item_paths, serve_conditional_sitemap, serve_feed

FEED = sorted((DATA / "feeds").glob("*.xml"))[0]


@pytest.fixture
def server():
    with LocalServer() as srv:
        srv.route("/robots.txt", static("User-agent: *\nAllow: /\n", "text/plain"))
        yield srv


def _config_file(tmp_path: Path, feed_url: str, *, max_items: int = 4, more_sources: tuple[str, ...] = ()) -> Path:
    return write_fetch_config(tmp_path, (feed_url, *more_sources), max_items=max_items)


def test_fetch_twice_then_rebuild_from_raw_pages(server, tmp_path):
    items = serve_feed(server, FEED)
    cfg_path = _config_file(tmp_path, server.url("/rss/tin-moi-nhat.rss"))
    runner = CliRunner()

    first = runner.invoke(main, ["--config", str(cfg_path), "fetch", "--quiet"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "indexed 4" in first.output

    second = runner.invoke(main, ["--config", str(cfg_path), "fetch", "--quiet"], catch_exceptions=False)
    assert second.exit_code == 0, second.output
    assert "indexed 0" in second.output  # the archive grows without duplicates

    cfg = make_config(tmp_path)
    engine = SearchEngine(cfg)
    hit = engine.search(SearchRequest(q=items[0].title)).hits[0]
    assert hit.title == items[0].title and hit.outlet == "vnexpress.net"
    assert engine.stats()["documents"] == 4

    rebuilt = runner.invoke(main, ["--config", str(cfg_path), "index", "--raw", "--rebuild", "--quiet"],
                            catch_exceptions=False)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "indexed 4" in rebuilt.output
    assert SearchEngine(cfg).stats()["documents"] == 4


def test_fetch_without_sources_is_a_usage_error(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[paths]\nindex = "{tmp_path / "ix"}"\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["--config", str(cfg), "fetch"])
    assert r.exit_code == 2 and "sources" in r.output


def test_second_fetch_gets_304_for_feed_and_sitemap_and_asks_for_no_article(server, tmp_path):
    serve_feed(server, FEED, etag='"feed-1"', last_modified=LISTING_DATE)
    sitemap_pages = serve_conditional_sitemap(server)
    cfg_path = _config_file(tmp_path, server.url("/rss/tin-moi-nhat.rss"), max_items=50,
                            more_sources=(server.url("/sitemap-news.xml"),))
    articles = item_paths(server, FEED) + sitemap_pages
    runner = CliRunner()

    first = runner.invoke(main, ["--config", str(cfg_path), "fetch", "--quiet"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "feeds/sitemaps read 2, unchanged 0" in first.output and "indexed 27" in first.output
    asked = sum(len(server.requests_to(p)) for p in articles)
    assert asked == 27

    second = runner.invoke(main, ["--config", str(cfg_path), "fetch", "--quiet"], catch_exceptions=False)
    assert second.exit_code == 0, second.output
    assert "fetched 0, unchanged 0," in second.output
    assert "feeds/sitemaps read 0, unchanged 2" in second.output
    assert [r.status for r in server.requests_to("/rss/tin-moi-nhat.rss")] == [200, 304]
    assert [r.status for r in server.requests_to("/sitemap-news.xml")] == [200, 304]
    assert sum(len(server.requests_to(p)) for p in articles) == asked  # no article asked for again
    assert SearchEngine(make_config(tmp_path)).stats()["documents"] == 27


def test_index_raw_marks_the_stored_pages_it_indexed(server, tmp_path):
    """Pages fetched with --no-index are pending; `vnsearch index --raw` indexes and marks them."""
    from indexer.fetch.rawstore import RawStore

    serve_feed(server, FEED)
    cfg_path = _config_file(tmp_path, server.url("/rss/tin-moi-nhat.rss"))
    runner = CliRunner()
    fetched = runner.invoke(main, ["--config", str(cfg_path), "fetch", "--no-index", "--quiet"],
                            catch_exceptions=False)
    assert fetched.exit_code == 0, fetched.output
    cfg = make_config(tmp_path)
    with RawStore(cfg.path("raw")) as store:
        assert store.pending_count() == 4
    indexed = runner.invoke(main, ["--config", str(cfg_path), "index", "--raw", "--quiet"],
                            catch_exceptions=False)
    assert indexed.exit_code == 0, indexed.output
    assert "indexed 4" in indexed.output
    with RawStore(cfg.path("raw")) as store:
        assert store.pending_count() == 0
    # so the next fetch has no stored page left to index
    again = runner.invoke(main, ["--config", str(cfg_path), "fetch", "--quiet"], catch_exceptions=False)
    assert again.exit_code == 0 and "stored pages indexed" not in again.output, again.output


def test_stale_site_rule_is_reported_by_fetch_and_check_rules(server, tmp_path):
    """A dantri page whose container the rule no longer lists (tests/data/html/rule-miss.html):
    the article is still extracted (generic fallback) and both reports name the rule."""
    server.route("/suc-khoe/bai.htm", static((DATA / "html" / "rule-miss.html").read_bytes()))
    server.route("/vnexpress.html", static((DATA / "html" / "vnexpress.html").read_bytes()))
    cfg_path = _config_file(tmp_path, server.url("/suc-khoe/bai.htm"), more_sources=(server.url("/vnexpress.html"),))
    runner = CliRunner()
    first = runner.invoke(main, ["--config", str(cfg_path), "fetch", "--quiet"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "indexed 2" in first.output
    line = "site rule dantri.com.vn: body selectors matched nothing on 1 of 1 pages"
    assert line in first.output
    assert "site rule vnexpress.net" not in first.output
    check = runner.invoke(main, ["--config", str(cfg_path), "fetch", "--check-rules"], catch_exceptions=False)
    assert check.exit_code == 1, check.output
    assert "checked 2 stored pages" in check.output and line in check.output


def test_check_rules_passes_when_every_rule_fits(server, tmp_path):
    server.route("/vnexpress.html", static((DATA / "html" / "vnexpress.html").read_bytes()))
    cfg_path = _config_file(tmp_path, server.url("/vnexpress.html"))
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(cfg_path), "fetch", "--quiet"]).exit_code == 0
    check = runner.invoke(main, ["--config", str(cfg_path), "fetch", "--check-rules"], catch_exceptions=False)
    assert check.exit_code == 0, check.output
    assert "every rule's selectors matched on every page" in check.output
