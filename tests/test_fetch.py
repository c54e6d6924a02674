"""Polite fetching against a real local HTTP server (127.0.0.1 only)."""

from __future__ import annotations

import email.utils
import gzip
import json
import re
import time
from pathlib import Path

import httpx
import pytest

from indexer.config import Config
from indexer.fetch.discover import DiscoverError, check_feed_shape, parse_feed, parse_sitemap, sniff_kind
from indexer.ingest.documents import Article, ReadFailure
from indexer.fetch.run import FetchSummary, fetch, fetch_articles, iter_stored_articles
from indexer.fetch.client import PoliteClient, retry_after_seconds
from indexer.fetch.rawstore import RawStore

try:
    from tests.httpserver import (DATA, LocalServer, Reply, conditional, etag_page, gzipped, oversize, redirect,
                                  sequence, slow, static)
except ImportError:  # tests/ itself on sys.path (pytest's default rootdir-less import mode)
    from httpserver import (DATA, LocalServer, Reply, conditional, etag_page, gzipped, oversize, redirect, sequence,
                            slow, static)

FEEDS = sorted((DATA / "feeds").glob("*.xml"))
HTML = DATA / "html"
SITEMAPS = DATA / "sitemaps"
UA = "vnsearch-test/1.0 (+tests)"


def page(name: str) -> bytes:
    return (HTML / f"{name}.html").read_bytes()


def expected(name: str) -> dict:
    return json.loads((HTML / f"{name}.expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def server():
    with LocalServer() as srv:
        srv.route("/robots.txt", static("User-agent: *\nDisallow: /private/\n", "text/plain"))
        yield srv


def make_config(tmp_path: Path, **fetch) -> Config:
    settings = {"delay": 0.05, "timeout": 5.0, "retries": 2, "max_redirects": 5, "max_items": 50,
                "max_bytes": 2_000_000, "user_agent": UA, **fetch}
    return Config(base_dir=str(tmp_path)).with_overrides(
        **{"paths.raw": str(tmp_path / "raw")}, **{f"fetch.{k}": v for k, v in settings.items()})


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path)


# ------------------------------------------------------------------ feeds

def localize(xml: bytes, base: str) -> bytes:
    """Point a real feed's item links at the local server, keeping the text as is."""
    return re.sub(rb"https?://((?:[\w-]+\.)*vnexpress\.net)/", base.encode() + rb"/\1/", xml)


def vne_page(title: str, lead: str, url: str) -> bytes:
    """A VnExpress-style page around a feed item's own (real) title and lead."""
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>
<link rel="canonical" href="{url}"></head><body>
<h1 class="title-detail">{title}</h1><p class="description">{lead}</p>
<article class="fck_detail"><p class="Normal">{lead}</p></article></body></html>""".encode()


def serve_feed(server: LocalServer, feed: Path, route: str = "/rss/tin-moi-nhat.rss", *,
               etag: str | None = None, last_modified: str | None = None) -> list:
    """Serve a real feed and a page per item; with ``etag``/``last_modified`` the feed (and,
    with ETags of their own, its pages) answer conditional requests with 304."""
    xml = localize(feed.read_bytes(), server.base)
    if etag or last_modified:
        server.route(route, conditional(xml, "application/rss+xml; charset=utf-8", etag=etag,
                                        last_modified=last_modified))
    else:
        server.route(route, static(xml, "application/rss+xml; charset=utf-8"))
    original = parse_feed(feed.read_bytes(), "https://vnexpress.net/")
    for n, (item, local) in enumerate(zip(original, parse_feed(xml, server.base))):
        path = local.url[len(server.base):]
        body = vne_page(item.title, item.title, item.url)
        if etag or last_modified:
            server.route(path, conditional(body, "text/html; charset=utf-8", etag=f'"page-{n}"'))
        else:
            server.route(path, static(body, "text/html; charset=utf-8"))
    return original


def item_paths(server: LocalServer, feed: Path) -> list[str]:
    """The local paths of a served feed's items, in feed order."""
    xml = localize(feed.read_bytes(), server.base)
    return [i.url[len(server.base):] for i in parse_feed(xml, server.base)]


@pytest.mark.parametrize("feed", FEEDS, ids=lambda p: p.stem)
def test_real_feeds_parse_with_stripped_titles_and_links(feed):
    items = parse_feed(feed.read_bytes(), "https://vnexpress.net/")
    # The 14 Nov 2017 snapshot really has an empty item (<title/>, no link): skipped.
    assert len(items) == (24 if "vnexpress2810" in feed.name else 25)
    for item in items:
        assert item.title and item.title == item.title.strip() and "\n" not in item.title
        assert item.url.startswith("http") and item.url == item.url.strip()
        assert item.published and item.published.startswith("2017-")


def test_sniff_kinds():
    rss = FEEDS[0].read_bytes()
    assert sniff_kind("http://h/x", "text/html", rss) == "feed"
    assert sniff_kind("http://h/s.xml", "application/octet-stream",
                      b'<?xml version="1.0"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>') == "sitemap"
    assert sniff_kind("http://h/robots.txt", "text/plain", b"User-agent: *") == "robots"
    assert sniff_kind("http://h/a.html", "text/html", page("vnexpress")) == "html"


def test_feed_pages_are_fetched_and_extracted(server, tmp_path):
    config = make_config(tmp_path, max_items=3)
    items = serve_feed(server, FEEDS[0])
    summary = fetch([server.url("/rss/tin-moi-nhat.rss")], config)
    assert summary.failed == 0, summary.failures
    assert summary.fetched == 3 and summary.extracted == 3
    assert [a.title for a in summary.articles] == [i.title for i in items[:3]]
    first = summary.articles[0]
    assert first.outlet == "vnexpress.net"  # rule found through the canonical URL
    assert first.url == items[0].url
    assert first.source.startswith(server.base)
    assert first.published == "2017-07-26"  # from the feed: the page has no date
    # Only robots.txt, the feed and three pages were requested, all with our User-Agent.
    assert len(server.requests) == 5
    assert server.requests[0].path == "/robots.txt"
    assert all(r.headers.get("user-agent") == UA for r in server.requests)


def test_delay_between_requests_to_one_host(server, tmp_path):
    config = make_config(tmp_path, max_items=3, delay=0.2)
    serve_feed(server, FEEDS[1])
    fetch([server.url("/rss/tin-moi-nhat.rss")], config)
    times = [r.time for r in server.requests]
    assert len(times) == 5
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.19, gaps


def test_fetch_articles_streams_and_counts(server, tmp_path):
    config = make_config(tmp_path, max_items=2)
    serve_feed(server, FEEDS[2])
    summary = FetchSummary()
    events = []
    items = list(fetch_articles([server.url("/rss/tin-moi-nhat.rss")], config, summary=summary,
                                progress=lambda e, i: events.append(e)))
    assert len(items) == 2 and all(isinstance(i, Article) for i in items)
    assert summary.fetched == 2 and summary.articles == []
    assert events.count("fetched") == 2 and "listing" in events


# ------------------------------------------------------------------ sitemaps and robots.txt

def sitemap_xml(urls: list[str]) -> bytes:
    body = "".join(f"<url><loc>\n  {u}\n</loc><lastmod>2021-04-29</lastmod></url>" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{body}</urlset>").encode()


def sitemap_index(urls: list[str]) -> bytes:
    body = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{body}</sitemapindex>").encode()


def serve_site(server: LocalServer) -> dict[str, str]:
    """robots.txt -> sitemap index -> a plain and a gzip sitemap -> outlet pages."""
    pages = {"/a/vnexpress.html": "vnexpress", "/a/tuoitre.htm": "tuoitre", "/b/dantri.htm": "dantri",
             "/b/thanhnien.htm": "thanhnien"}
    for path, name in pages.items():
        server.route(path, static(page(name)))
    server.route("/robots.txt", static(
        f"User-agent: *\nDisallow: /private/\n\nSitemap: {server.url('/sitemap_index.xml')}\n", "text/plain"))
    server.route("/sitemap_index.xml", static(
        sitemap_index([server.url("/sitemap-1.xml"), server.url("/sitemap-2.xml.gz")]), "application/xml"))
    server.route("/sitemap-1.xml", static(
        sitemap_xml([server.url("/a/vnexpress.html"), server.url("/a/tuoitre.htm"), server.url("/private/x.html")]),
        "application/xml"))
    server.route("/sitemap-2.xml.gz", gzipped(
        sitemap_xml([server.url("/b/dantri.htm"), server.url("/b/thanhnien.htm")])))
    server.route("/private/x.html", static(page("generic")))
    return pages


def test_site_root_discovers_sitemaps_through_robots_txt(server, config):
    pages = serve_site(server)
    summary = fetch([server.url("/")], config)
    assert summary.failed == 0, summary.failures
    assert summary.fetched == 4 and summary.skipped == 1
    assert "disallowed by robots.txt" in summary.skipped_urls[0]
    titles = {a.title for a in summary.articles}
    assert titles == {expected(n)["title"] for n in pages.values()}
    outlets = {a.outlet for a in summary.articles}
    assert outlets == {"vnexpress.net", "tuoitre.vn", "dantri.com.vn", "thanhnien.vn"}
    assert "/private/x.html" not in server.paths()
    assert server.paths().count("/robots.txt") == 1  # cached per host


def test_sitemap_budget_is_max_items(server, tmp_path):
    serve_site(server)
    summary = fetch([server.url("/sitemap_index.xml")], make_config(tmp_path, max_items=2))
    assert summary.fetched == 2
    assert "/sitemap-2.xml.gz" not in server.paths()


def test_sitemap_fixture_files_parse():
    kind, entries = parse_sitemap((SITEMAPS / "sitemap-index.xml").read_bytes(), "https://vnexpress.net/")
    assert kind == "sitemapindex" and entries
    kind, entries = parse_sitemap(gzip.decompress((SITEMAPS / "sitemap-news.xml.gz").read_bytes()),
                                  "https://dantri.com.vn/")
    assert kind == "urlset"
    assert entries[0].url.startswith("https://dantri.com.vn/") and entries[0].published == "2020-10-01"
    assert entries[0].title


def test_robots_txt_url_given_directly(server, config):
    serve_site(server)
    summary = fetch([server.url("/robots.txt")], config)
    assert summary.fetched == 4


def test_disallowed_article_is_skipped_and_never_requested(server, config):
    server.route("/private/secret.html", static(page("vnexpress")))
    summary = fetch([server.url("/private/secret.html")], config)
    assert summary.skipped == 1 and summary.fetched == 0 and summary.failed == 0
    assert "/private/secret.html" not in server.paths()


def test_robots_5xx_disallows_the_host(server, config):
    server.route("/robots.txt", lambda req: Reply(503, b"down", {"Content-Type": "text/plain"}))
    server.route("/a.html", static(page("vnexpress")))
    summary = fetch([server.url("/a.html")], make_config(Path(config.base_dir), retries=0))
    assert summary.skipped == 1 and "robots.txt unavailable" in summary.skipped_urls[0]
    assert "/a.html" not in server.paths()


def test_robots_404_allows_all(server, config):
    del server.routes["/robots.txt"]
    server.route("/a.html", static(page("vnexpress")))
    summary = fetch([server.url("/a.html")], config)
    assert summary.fetched == 1 and summary.articles[0].title == expected("vnexpress")["title"]


def test_robots_crawl_delay_is_honoured(server, config):
    server.route("/robots.txt", static("User-agent: *\nCrawl-delay: 1\n", "text/plain"))
    server.route("/a.html", static(page("vnexpress")))
    server.route("/b.html", static(page("tuoitre")))
    fetch([server.url("/a.html"), server.url("/b.html")], config)
    [a] = server.requests_to("/a.html")
    [b] = server.requests_to("/b.html")
    assert b.time - a.time >= 0.95


def test_redirect_into_disallowed_path_is_skipped(server, config):
    server.route("/go", redirect("/private/landing.html"))
    summary = fetch([server.url("/go")], config)
    assert summary.skipped == 1
    assert "/private/landing.html" not in server.paths()


# ------------------------------------------------------------------ conditional requests and the raw store

def test_second_run_is_conditional_and_unchanged(server, config):
    server.route("/etag.html", etag_page(page("dantri"), '"v1"'))
    first = fetch([server.url("/etag.html")], config)
    assert first.fetched == 1 and first.unchanged == 0
    second = fetch([server.url("/etag.html")], config)
    assert second.fetched == 0 and second.unchanged == 1 and second.articles == []
    last = server.requests_to("/etag.html")[-1]
    assert last.headers["if-none-match"] == '"v1"'
    assert last.headers["if-modified-since"] == "Wed, 26 Jul 2017 12:41:14 GMT"


def test_changed_page_is_fetched_again(server, config):
    server.route("/etag.html", etag_page(page("dantri"), '"v1"'))
    fetch([server.url("/etag.html")], config)
    server.route("/etag.html", etag_page(page("laodong"), '"v2"'))
    again = fetch([server.url("/etag.html")], config)
    assert again.fetched == 1 and again.articles[0].title == expected("laodong")["title"]


# ------------------------------------------------------------------ conditional feeds and sitemaps

LISTING_DATE = "Wed, 26 Jul 2017 12:45:00 GMT"


def serve_conditional_sitemap(server: LocalServer, path: str = "/sitemap-news.xml") -> list[str]:
    """A sitemap of outlet pages answering 304 on If-Modified-Since (it sends no ETag)."""
    pages = {"/s/tuoitre.htm": "tuoitre", "/s/dantri.htm": "dantri"}
    for n, (p, name) in enumerate(pages.items()):
        server.route(p, conditional(page(name), "text/html; charset=utf-8", etag=f'"s{n}"'))
    server.route(path, conditional(sitemap_xml([server.url(p) for p in pages]), "application/xml",
                                   last_modified=LISTING_DATE))
    return list(pages)


def test_feed_and_sitemap_are_conditional_and_a_304_lists_nothing(server, config):
    serve_feed(server, FEEDS[0], etag='"feed-v1"', last_modified=LISTING_DATE)
    paths = item_paths(server, FEEDS[0])
    sitemap_pages = serve_conditional_sitemap(server)
    config = make_config(Path(config.base_dir), delay=0.0)
    urls = [server.url("/rss/tin-moi-nhat.rss"), server.url("/sitemap-news.xml")]
    first = fetch(urls, config)
    assert first.failed == 0, first.failures
    assert first.fetched == 27 and first.listings == 2 and first.listings_unchanged == 0
    n_article_requests = sum(len(server.requests_to(p)) for p in paths + sitemap_pages)
    assert n_article_requests == 27

    second = fetch(urls, config)
    assert second.failed == 0, second.failures
    assert second.listings_unchanged == 2 and second.listings == 0
    assert second.fetched == 0 and second.unchanged == 0 and second.articles == []
    assert "feeds/sitemaps read 0, unchanged 2" in second.line()
    feed_req = server.requests_to("/rss/tin-moi-nhat.rss")[-1]
    assert feed_req.headers["if-none-match"] == '"feed-v1"' and feed_req.status == 304
    assert feed_req.headers["if-modified-since"] == LISTING_DATE
    sitemap_req = server.requests_to("/sitemap-news.xml")[-1]
    assert sitemap_req.headers["if-modified-since"] == LISTING_DATE and sitemap_req.status == 304
    assert "if-none-match" not in sitemap_req.headers
    # No article was asked for again, not even conditionally.
    assert sum(len(server.requests_to(p)) for p in paths + sitemap_pages) == n_article_requests


def test_changed_feed_is_parsed_again_and_its_pages_asked_conditionally(server, tmp_path):
    config = make_config(tmp_path, delay=0.0)
    serve_feed(server, FEEDS[0], etag='"feed-v1"')
    fetch([server.url("/rss/tin-moi-nhat.rss")], config)
    serve_feed(server, FEEDS[0], etag='"feed-v2"')  # same items, new validator
    again = fetch([server.url("/rss/tin-moi-nhat.rss")], config)
    assert again.listings == 1 and again.listings_unchanged == 0
    assert again.fetched == 0 and again.unchanged == 25
    assert server.requests_to("/rss/tin-moi-nhat.rss")[-1].status == 200
    third = fetch([server.url("/rss/tin-moi-nhat.rss")], config)
    assert third.listings_unchanged == 1 and third.unchanged == 0


def test_feed_with_a_failed_article_is_not_remembered(server, tmp_path):
    """A 304 must not hide an article that failed: the feed is read in full again next time."""
    config = make_config(tmp_path, delay=0.0, retries=0)
    serve_feed(server, FEEDS[1], etag='"feed-v1"')
    broken = item_paths(server, FEEDS[1])[1]
    server.route(broken, lambda req: Reply(503, b"down"))
    first = fetch([server.url("/rss/tin-moi-nhat.rss")], config)
    assert first.failed == 1 and first.fetched == 24
    serve_feed(server, FEEDS[1], etag='"feed-v1"')  # the page is back
    second = fetch([server.url("/rss/tin-moi-nhat.rss")], config)
    assert second.listings == 1 and second.listings_unchanged == 0
    assert "if-none-match" not in server.requests_to("/rss/tin-moi-nhat.rss")[-1].headers
    assert second.fetched == 1 and second.unchanged == 24 and second.failed == 0
    assert fetch([server.url("/rss/tin-moi-nhat.rss")], config).listings_unchanged == 1


def test_feed_cut_off_by_max_items_is_not_remembered(server, tmp_path):
    serve_feed(server, FEEDS[2], etag='"feed-v1"')
    fetch([server.url("/rss/tin-moi-nhat.rss")], make_config(tmp_path, max_items=2))
    more = fetch([server.url("/rss/tin-moi-nhat.rss")], make_config(tmp_path, max_items=4))
    assert more.listings == 1 and more.unchanged == 2 and more.fetched == 2


def test_unchanged_sitemap_index_still_visits_its_sitemaps(server, config):
    serve_conditional_sitemap(server, "/sitemap-a.xml")
    server.route("/sitemap_index.xml", conditional(sitemap_index([server.url("/sitemap-a.xml")]),
                                                   "application/xml", etag='"idx-1"'))
    server.route("/robots.txt", static(f"User-agent: *\nSitemap: {server.url('/sitemap_index.xml')}\n",
                                       "text/plain"))
    first = fetch([server.url("/")], config)
    assert first.fetched == 2 and first.listings == 2
    # The sitemap changes under an unchanged index: the new article is found.
    server.route("/s/thanhnien.htm", static(page("thanhnien")))
    server.route("/sitemap-a.xml", conditional(
        sitemap_xml([server.url("/s/tuoitre.htm"), server.url("/s/dantri.htm"), server.url("/s/thanhnien.htm")]),
        "application/xml", last_modified="Thu, 27 Jul 2017 08:00:00 GMT"))
    second = fetch([server.url("/")], config)
    assert server.requests_to("/sitemap_index.xml")[-1].status == 304
    assert second.listings_unchanged == 1 and second.listings == 1
    assert second.fetched == 1 and second.unchanged == 2
    assert [a.title for a in second.articles] == [expected("thanhnien")["title"]]
    third = fetch([server.url("/")], config)
    assert third.listings_unchanged == 2 and third.fetched == third.unchanged == 0


# ------------------------------------------------------------------ pathological feeds

DEEP_FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>t</title>'
             b"<link>http://127.0.0.1/x.html</link>" + b"<x>" * 200_000)


def test_deeply_nested_feed_is_refused_quickly_and_others_still_work(server, tmp_path):
    """200,000 nested tags cost feedparser seconds; the shape check refuses them in milliseconds."""
    server.route("/rss/deep.rss", static(DEEP_FEED, "application/rss+xml"))
    serve_feed(server, FEEDS[0])
    summary = fetch([server.url("/rss/deep.rss"), server.url("/rss/tin-moi-nhat.rss")],
                    make_config(tmp_path, max_items=2))
    assert summary.failed == 1 and summary.fetched == 2 and summary.listings == 1
    assert summary.failures[0].startswith(server.url("/rss/deep.rss") + ": ")
    assert "nested deeper than 100 levels" in summary.failures[0]


def test_feed_shape_check():
    for feed in FEEDS:
        check_feed_shape(feed.read_bytes())  # real feeds pass
    head = b'<?xml version="1.0"?><rss version="2.0"><channel>'
    # Sloppy but real-world: unescaped HTML with void elements, HTML in CDATA and comments.
    check_feed_shape(head + b"<item><description><p>a" + b"<br>" * 500 + b"</description></item>"
                     + b"<!--" + b"<x>" * 500 + b"-->" + b"<![CDATA[" + b"<x>" * 500 + b"]]></channel></rss>")
    check_feed_shape(head + b"<b>" * 98)  # 100 levels with <rss> and <channel>
    with pytest.raises(DiscoverError, match="nested deeper than 100"):
        check_feed_shape(head + b"<b>" * 98 + b"<i>")
    with pytest.raises(DiscoverError, match="nested deeper"):  # UTF-16 is looked at too
        check_feed_shape((head + b"<x>" * 200).decode().encode("utf-16"))
    with pytest.raises(DiscoverError, match="more than 100000 tags"):
        check_feed_shape(head + b"<item><title>t</title></item>" * 30_000)
    with pytest.raises(DiscoverError, match="size cap"):
        check_feed_shape(FEEDS[0].read_bytes(), max_bytes=1000)
    with pytest.raises(DiscoverError, match="size cap"):
        parse_feed(FEEDS[0].read_bytes(), "https://vnexpress.net/", max_bytes=1000)
    # Pathological tag soup stays linear (no backtracking on unterminated markup): with
    # backtracking these would not finish at all (speed is bench/'s business, not a test's).
    for soup in (b"<!--" * 500_000, b"<![CDATA[" * 300_000, b"<a" * 1_000_000, b"<?x" * 500_000):
        check_feed_shape(soup)


@pytest.mark.parametrize("feed", FEEDS, ids=lambda p: p.stem)
def test_each_real_feed_served_locally_lists_its_articles(server, tmp_path, feed):
    """The three real VnExpress feeds (../shared/rss, copied to tests/data/feeds), served on 127.0.0.1."""
    items = serve_feed(server, feed)
    summary = fetch([server.url("/rss/tin-moi-nhat.rss")], make_config(tmp_path, delay=0.0), store_only=True)
    assert summary.failed == 0, summary.failures
    assert summary.fetched == len(items) == (24 if "vnexpress2810" in feed.name else 25)
    requested = [r.path for r in server.requests if r.path not in ("/robots.txt", "/rss/tin-moi-nhat.rss")]
    assert requested == item_paths(server, feed)
    assert all(re.match(r"/([\w-]+\.)*vnexpress\.net/.+\.html$", p) for p in requested)


def test_raw_store_rebuild_without_network(server, config):
    serve_site(server)
    summary = fetch([server.url("/")], config)
    n_requests = len(server.requests)
    stored = list(iter_stored_articles(config))
    assert len(server.requests) == n_requests
    assert all(isinstance(a, Article) for a in stored)
    by_source = {a.source: a for a in stored}
    for art in summary.articles:
        again = by_source[art.source]
        assert (again.title, again.body, again.url, again.published) == (art.title, art.body, art.url, art.published)
    raw = Path(config.path("raw"))
    files = list(raw.glob("*/*.html.gz"))
    assert len(files) == 4
    assert gzip.decompress(files[0].read_bytes()).lstrip().startswith(b"<!--")


def test_store_only_keeps_pages_for_later(server, config):
    server.route("/a.html", static(page("congluan")))
    summary = fetch([server.url("/a.html")], config, store_only=True)
    assert summary.fetched == 1 and summary.articles == [] and summary.extracted == 0
    with RawStore(config.path("raw")) as store:
        [stored] = list(store)
        assert stored.url == server.url("/a.html") and stored.status == 200
        assert stored.content_type.startswith("text/html")
    [art] = list(iter_stored_articles(config))
    assert art.title == expected("congluan")["title"]


def test_iter_stored_articles_on_empty_store(config):
    assert list(iter_stored_articles(config)) == []


# ------------------------------------------------------------------ retries, limits, failures

def test_429_retry_after_is_honoured(server, config):
    server.route("/busy.html", sequence(Reply(429, b"slow down", {"Retry-After": "1"}),
                                        Reply(200, page("vnexpress"), {"Content-Type": "text/html"})))
    summary = fetch([server.url("/busy.html")], config)
    assert summary.fetched == 1 and summary.failed == 0
    first, second = server.requests_to("/busy.html")
    assert second.time - first.time >= 0.95


def test_500_then_200_retries_with_backoff(server, config):
    server.route("/flaky.html", sequence(Reply(500, b"oops"), Reply(502, b"oops"),
                                         Reply(200, page("tuoitre"), {"Content-Type": "text/html"})))
    summary = fetch([server.url("/flaky.html")], config)
    assert summary.fetched == 1
    assert len(server.requests_to("/flaky.html")) == 3


def test_persistent_5xx_fails_with_reason(server, tmp_path):
    server.route("/down.html", lambda req: Reply(503, b"down"))
    summary = fetch([server.url("/down.html")], make_config(tmp_path, retries=1))
    assert summary.failed == 1 and "HTTP 503" in summary.failures[0]
    assert len(server.requests_to("/down.html")) == 2


def test_404_is_a_failure(server, config):
    summary = fetch([server.url("/missing.html")], config)
    assert summary.failed == 1 and summary.failures == [f"{server.url('/missing.html')}: HTTP 404"]


def test_redirect_loop_fails_cleanly(server, config):
    server.route("/loop-a", redirect("/loop-b"))
    server.route("/loop-b", redirect("/loop-a"))
    items = list(fetch_articles([server.url("/loop-a")], config))
    assert len(items) == 1 and isinstance(items[0], ReadFailure)
    assert "redirect loop" in items[0].reason and "/loop-b" in items[0].reason


def test_redirect_chain_within_limit(server, config):
    server.route("/r1", redirect("/r2", 301))
    server.route("/r2", redirect(server.url("/final.html"), 308))
    server.route("/final.html", static(page("nld")))
    summary = fetch([server.url("/r1")], config)
    [art] = summary.articles
    assert art.title == expected("nld")["title"]
    assert art.source == server.url("/r1") and art.extra["final_url"] == server.url("/final.html")


def test_too_many_redirects(server, tmp_path):
    for i in range(4):
        server.route(f"/hop{i}", redirect(f"/hop{i + 1}"))
    summary = fetch([server.url("/hop0")], make_config(tmp_path, max_redirects=2))
    assert summary.failed == 1 and "too many redirects" in summary.failures[0]


@pytest.mark.parametrize("content_length", [True, False])
def test_oversize_body_fails_cleanly(server, tmp_path, content_length):
    server.route("/big.html", oversize(200_000, content_length=content_length))
    summary = fetch([server.url("/big.html")], make_config(tmp_path, max_bytes=50_000))
    assert summary.failed == 1 and "too large" in summary.failures[0]
    assert len(server.requests_to("/big.html")) == 1  # not retried


def test_slow_response_times_out(server, tmp_path):
    server.route("/slow.html", slow(page("vnexpress"), delay=1.5))
    summary = fetch([server.url("/slow.html")], make_config(tmp_path, timeout=0.3, retries=0))
    assert summary.failed == 1 and "timed out" in summary.failures[0]  # gave up, did not wait it out


def test_slow_response_within_timeout(server, config):
    server.route("/slowish.html", slow(page("vietnamnet"), delay=0.2))
    summary = fetch([server.url("/slowish.html")], config)
    assert summary.articles[0].title == expected("vietnamnet")["title"]


def test_wrong_charset_header_and_broken_html(server, config):
    server.route("/wrong.html", static(page("nocharset"), "text/html; charset=iso-8859-1"))
    server.route("/broken.html", static(page("broken"), "text/html"))
    server.route("/old.html", static(page("cp1258"), "text/html"))
    summary = fetch([server.url("/wrong.html"), server.url("/broken.html"), server.url("/old.html")], config)
    titles = [a.title for a in summary.articles]
    assert titles == [expected("nocharset")["title"], expected("broken")["title"], expected("cp1258")["title"]]
    assert summary.articles[2].body == expected("cp1258")["body"]


def test_page_without_article_fails_with_reason(server, config):
    server.route("/empty.html", static("<html><body><nav>menu</nav></body></html>"))
    summary = fetch([server.url("/empty.html")], config)
    assert summary.failed == 1 and "no article text" in summary.failures[0]
    assert summary.fetched == 1  # stored anyway: a better extractor may manage later


def test_connection_refused_fails_after_retries(tmp_path):
    with LocalServer() as srv:
        dead = srv.url("/x.html")
    summary = fetch([dead], make_config(tmp_path, retries=1))
    assert summary.failed == 1 and summary.skipped == 0
    assert "robots.txt unreachable: network error: ConnectError" in summary.failures[0]


def test_bad_inputs(config):
    summary = fetch(["ftp://example.org/x", "  "], config)
    assert summary.failed == 1 and "not an http(s) URL" in summary.failures[0]
    with pytest.raises(ValueError, match="no URLs to fetch"):
        fetch(None, config)


def test_sources_from_config_are_used(server, tmp_path):
    server.route("/a.html", static(page("vnexpress")))
    config = make_config(tmp_path).with_overrides(**{"fetch.sources": [server.url("/a.html")]})
    assert fetch(None, config).fetched == 1


# ------------------------------------------------------------------ client pieces

def test_retry_after_parsing():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    now = time.time()
    when = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= retry_after_seconds(when, now=now) <= 31
    assert retry_after_seconds(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0


def test_retry_after_wait_is_capped(server, config):
    waits = []
    server.route("/x", sequence(Reply(429, b"", {"Retry-After": "3600"}), Reply(200, b"ok")))
    with PoliteClient(config.fetch, sleep=waits.append, max_retry_wait=2.0) as client:
        result = client.get(server.url("/x"))
    assert result.status == 200
    assert max(waits) == 2.0


def test_client_uses_configured_user_agent(server, config):
    server.route("/ua", static("ok", "text/plain"))
    with PoliteClient(config.fetch) as client:
        assert client.get(server.url("/ua")).content == b"ok"
    assert server.requests_to("/ua")[0].headers["user-agent"] == UA


def test_external_httpx_client_is_not_closed(server, config):
    server.route("/a.html", static(page("vnexpress")))
    with httpx.Client(headers={"User-Agent": UA}) as client:
        fetch([server.url("/a.html")], config, client=client)
        assert not client.is_closed


def test_fetch_and_index_streams_into_the_builder(server, config, monkeypatch):
    """The CLI's entry point hands the article stream to indexer.build.builder.index_articles."""
    import sys
    import types

    from indexer.fetch.run import fetch_and_index

    seen = {}

    def index_articles(cfg, items, progress=None):
        seen["config"] = cfg
        seen["items"] = list(items)
        return "built"

    monkeypatch.setitem(sys.modules, "indexer.build.builder", types.SimpleNamespace(index_articles=index_articles))
    server.route("/a.html", static(page("vnexpress")))
    server.route("/gone.html", lambda req: Reply(410, b"gone"))
    summary, built = fetch_and_index([server.url("/a.html"), server.url("/gone.html")], config)
    assert built == "built" and seen["config"] is config
    kinds = [type(i).__name__ for i in seen["items"]]
    assert kinds == ["Article", "ReadFailure"]
    assert summary.fetched == 1 and summary.failed == 1 and summary.extracted == 1


def test_run_fetch_no_index_reports_and_exit_code(server, config):
    from indexer.fetch.run import run_fetch

    server.route("/a.html", static(page("vnexpress")))
    lines = []
    assert run_fetch(config, [server.url("/a.html")], index=False, quiet=True, echo=lines.append) == 0
    assert lines[0].startswith("fetched 1,") and "stored in" in lines[-1]
    lines.clear()
    assert run_fetch(config, [server.url("/nope.html")], index=False, quiet=True, echo=lines.append) == 1
    assert any("HTTP 404" in line for line in lines)
