"""``vnsearch fetch``: polite fetching of news articles from feeds, sitemaps and pages.

Input URLs may be an RSS/Atom feed, a sitemap or sitemap index (plain or gzip), a
robots.txt, a bare site root (its robots.txt ``Sitemap:`` lines are used, else the
home page's feed links) or an article page; the kind is sniffed from the response.
Article pages are stored raw in the page store (:mod:`indexer.fetch.rawstore`) before they
are extracted, so :func:`iter_stored_articles` can rebuild an index offline, and
their ETag/Last-Modified make the next run's requests conditional (304 = unchanged,
nothing re-downloaded or re-yielded). Feeds and sitemaps are asked for conditionally
too: a 304 means the listing is not parsed and none of its articles is requested
(a sitemap index's sitemaps are still visited, each conditionally). A listing's
validators are kept only when every article it listed was handled (none failed, none
cut off by ``fetch.max_items``), so a partial run never hides articles from the next.

A 304 never hides an article from the index either: the store marks each page indexed
(with the hash of the body the index holds) only after :func:`fetch_and_index`'s index
run has committed it, and each such run ends by indexing, from the store and without
network, every stored page still pending - pages of a run killed between storing and
committing, or fetched with ``--no-index``. So a listing's validators may be kept as
soon as its pages are stored: what they listed is stored, hence indexed by this run or
the next.
Feeds are checked for size, nesting depth and tag count before feedparser sees them.
robots.txt is obeyed for every request, redirect targets included.

Entry points, from highest level:

* :func:`run_fetch` - what ``vnsearch fetch`` calls: progress, summary lines, exit code;
* :func:`fetch_and_index` - fetch and stream the articles into the index;
* :func:`fetch` - fetch, keep the articles in the returned :class:`FetchSummary`
  (``store_only=True``: store raw pages, extract nothing; ``--no-index``);
* :func:`fetch_articles` - the generator both use: ``Article | ReadFailure``;
* :func:`iter_stored_articles` / :func:`mark_indexed` - the offline side (``index --raw``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

import itertools

import httpx

from indexer.config import Config
from indexer.fetch.discover import (DiscoverError, FeedItem, feed_links_in_html, is_site_root, maybe_gunzip, parse_feed,
                       parse_sitemap, sniff_kind)
from indexer.ingest.documents import Article, ReadFailure
from indexer.ingest.extract import ExtractError, extract_article
from indexer.fetch.client import FetchError, HttpResult, PoliteClient
from indexer.fetch.rawstore import RawStore, StoredListing, StoredPage, body_sha256
from indexer.fetch.robots import RobotsCache, RobotsDisallowed
from indexer.fetch.rulecheck import RuleReport

__all__ = ["FetchSummary", "ProgressFn", "fetch", "fetch_articles", "fetch_and_index", "iter_stored_articles",
           "mark_indexed", "run_fetch", "Fetcher"]

# progress(event, info): "listing" (url of a feed/sitemap read), "listing-unchanged" (url of a
# feed/sitemap answered 304), "fetched" (url), "unchanged" (url), "skipped" (url: reason),
# "failed" (ReadFailure), "from-store" (url of a stored page indexed without fetching it again).
ProgressFn = Callable[[str, object], None]

MAX_SITEMAP_DEPTH = 3


@dataclass
class FetchSummary:
    """What a fetch run did; printed by the CLI."""

    fetched: int = 0  # article pages downloaded and stored
    unchanged: int = 0  # conditional request answered 304
    failed: int = 0
    skipped: int = 0  # refused by robots.txt
    extracted: int = 0  # articles extracted from fetched pages
    listings: int = 0  # feeds and sitemaps downloaded and parsed
    listings_unchanged: int = 0  # feeds and sitemaps answered 304: not parsed, their articles not asked for
    from_store: int = 0  # stored pages not yet indexed (earlier run killed, or --no-index) indexed from the store
    failures: list[str] = field(default_factory=list)  # "url: reason"
    skipped_urls: list[str] = field(default_factory=list)  # "url: reason"
    articles: list[Article] = field(default_factory=list)  # filled by fetch() only
    rules: RuleReport = field(default_factory=RuleReport)  # site-rule selectors that matched nothing

    def line(self) -> str:
        return (f"fetched {self.fetched}, unchanged {self.unchanged}, skipped {self.skipped} (robots.txt), "
                f"failed {self.failed}, articles {self.extracted}; "
                f"feeds/sitemaps read {self.listings}, unchanged {self.listings_unchanged}"
                + (f"; stored pages indexed {self.from_store}" if self.from_store else ""))


def _norm(url: str) -> str:
    return urldefrag(url.strip())[0]


class Fetcher:
    """One fetch run: a polite client, robots.txt cache and the raw page store."""

    def __init__(self, config: Config, *, summary: FetchSummary | None = None, progress: ProgressFn | None = None,
                 store_only: bool = False, client: httpx.Client | None = None,
                 handled: dict[str, str] | None = None) -> None:
        self.config = config
        self.fc = config.fetch
        self.summary = summary if summary is not None else FetchSummary()
        self.notify = progress or (lambda event, info: None)
        self.store_only = store_only
        # url -> SHA-256 of each stored page this run handed on (extracted, or failed to extract)
        self.handled = handled if handled is not None else {}
        self.http = PoliteClient(self.fc, client=client, allow=self._allow)
        self.robots = RobotsCache(self.http, self.fc.user_agent)
        self.store = RawStore(config.path("raw"))
        self.seen: set[str] = set()
        self._sitemaps_seen: set[str] = set()

    def close(self) -> None:
        self.http.close()
        self.store.close()

    def _allow(self, url: str) -> None:
        self.robots.check(url)

    # ------------------------------------------------------------------ outcomes

    def _fail(self, url: str, reason: str) -> ReadFailure:
        failure = ReadFailure(url, reason)
        self.summary.failed += 1
        self.summary.failures.append(str(failure))
        self.notify("failed", failure)
        return failure

    def _get(self, url: str, headers: dict[str, str] | None = None,
             limit: int | None = None) -> HttpResult | ReadFailure | None:
        """The response, a failure, or None when robots.txt refused the URL."""
        try:
            return self.http.get(url, headers=headers, max_bytes=limit)
        except RobotsDisallowed as exc:
            self.summary.skipped += 1
            self.summary.skipped_urls.append(f"{url}: {exc}")
            self.notify("skipped", f"{url}: {exc}")
            return None
        except FetchError as exc:
            return self._fail(url, str(exc))

    # ------------------------------------------------------------------ sources

    def run(self, urls: Iterable[str]) -> Iterator[Article | ReadFailure]:
        for url in urls:
            url = url.strip()
            if not url:
                continue
            if urlsplit(url).scheme not in ("http", "https"):
                yield self._fail(url, "not an http(s) URL")
                continue
            yield from self._source(url)

    def _source(self, url: str) -> Iterator[Article | ReadFailure]:
        path = urlsplit(url).path
        if path == "/robots.txt":
            yield from self._from_robots(url)
            return
        if is_site_root(url):
            yield from self._site(url)
            return
        listing = self.store.listing(_norm(url))
        result = self._get(url, headers=listing.validators if listing else self.store.validators(_norm(url)))
        if not isinstance(result, HttpResult):
            if result is not None:
                yield result
            return
        if result.status == 304:
            if listing is not None:
                self._sitemaps_seen.add(url)
                yield from self._listing_unchanged(url, listing, result, [self.fc.max_items], 0)
            else:
                self._unchanged(_norm(url), result)
            return
        body = self._body(url, result)
        if isinstance(body, ReadFailure):
            yield body
            return
        kind = sniff_kind(result.final_url, result.content_type, body)
        if kind == "feed":
            yield from self._feed(url, body, result)
        elif kind == "sitemap":
            self._sitemaps_seen.add(url)
            yield from self._sitemap_doc(url, body, result, [self.fc.max_items], 0)
        elif kind == "robots":
            yield from self._from_robots(url)
        else:
            self.seen.add(_norm(url))
            yield from self._page(_norm(url), result, None)

    def _body(self, url: str, result: HttpResult) -> bytes | ReadFailure:
        """The body of a 200 answer, gunzipped within the size cap, or the reason it is unusable."""
        if result.status != 200:
            return self._fail(url, f"HTTP {result.status}")
        try:
            return maybe_gunzip(result.content, self.fc.max_bytes)
        except DiscoverError as exc:
            return self._fail(url, str(exc))

    def _from_robots(self, url: str) -> Iterator[Article | ReadFailure]:
        sitemaps = self.robots.sitemaps(url)
        if not sitemaps:
            yield self._fail(url, "robots.txt lists no Sitemap")
            return
        budget = [self.fc.max_items]
        for sm in sitemaps:
            yield from self._sitemap(sm, budget, 0)

    def _site(self, url: str) -> Iterator[Article | ReadFailure]:
        """A bare site: its robots.txt sitemaps, else the feeds its home page links to."""
        if self.robots.sitemaps(url):
            yield from self._from_robots(url)
            return
        result = self._get(url)
        if not isinstance(result, HttpResult):
            if result is not None:
                yield result
            return
        feeds = feed_links_in_html(result.content, result.final_url) if result.status == 200 else []
        if not feeds:
            yield self._fail(url, "no Sitemap in robots.txt and no feed linked from the home page")
            return
        yield from self._source(feeds[0])

    # ------------------------------------------------------------------ listings (feeds, sitemaps)

    def _remember(self, url: str, result: HttpResult, complete: bool, children: list[str] | None = None) -> None:
        """Keep a listing's validators for the next run only if all it listed was handled."""
        if complete:
            self.store.put_listing(_norm(url), result.headers, result.fetched_at, children)
        else:
            self.store.forget_listing(_norm(url))

    def _listing_unchanged(self, url: str, listing: StoredListing, result: HttpResult, budget: list[int],
                           depth: int) -> Iterator[Article | ReadFailure]:
        """A feed or sitemap answered 304: nothing to parse; a sitemap index's sitemaps are still visited."""
        self.summary.listings_unchanged += 1
        self.store.touch_listing(_norm(url), result.fetched_at)
        self.notify("listing-unchanged", url)
        if listing.children is None:
            return
        if depth >= MAX_SITEMAP_DEPTH:
            yield self._fail(url, f"sitemap index nested deeper than {MAX_SITEMAP_DEPTH} levels")
            return
        for child in listing.children:
            if budget[0] <= 0:
                break
            yield from self._sitemap(child, budget, depth + 1)

    def _feed(self, url: str, body: bytes, result: HttpResult) -> Iterator[Article | ReadFailure]:
        try:
            items = parse_feed(body, result.final_url, max_bytes=self.fc.max_bytes)
        except DiscoverError as exc:
            self.store.forget_listing(_norm(url))
            yield self._fail(url, str(exc))
            return
        self.summary.listings += 1
        self.notify("listing", url)
        failed = self.summary.failed
        yield from self._items(items[: self.fc.max_items])
        self._remember(url, result, len(items) <= self.fc.max_items and self.summary.failed == failed)

    def _sitemap(self, url: str, budget: list[int], depth: int) -> Iterator[Article | ReadFailure]:
        if url in self._sitemaps_seen or budget[0] <= 0:
            return
        self._sitemaps_seen.add(url)
        listing = self.store.listing(_norm(url))
        result = self._get(url, headers=listing.validators if listing else None)
        if not isinstance(result, HttpResult):
            if result is not None:
                yield result
            return
        if result.status == 304 and listing is not None:
            yield from self._listing_unchanged(url, listing, result, budget, depth)
            return
        body = self._body(url, result)
        if isinstance(body, ReadFailure):
            yield body
            return
        yield from self._sitemap_doc(url, body, result, budget, depth)

    def _sitemap_doc(self, url: str, body: bytes, result: HttpResult, budget: list[int],
                     depth: int) -> Iterator[Article | ReadFailure]:
        try:
            kind, entries = parse_sitemap(body, result.final_url)
        except DiscoverError as exc:
            self.store.forget_listing(_norm(url))
            yield self._fail(url, str(exc))
            return
        self.summary.listings += 1
        self.notify("listing", url)
        if kind == "sitemapindex":
            if depth >= MAX_SITEMAP_DEPTH:
                yield self._fail(url, f"sitemap index nested deeper than {MAX_SITEMAP_DEPTH} levels")
                return
            # Its sitemaps are visited even when it is unchanged, so it can be remembered now.
            self._remember(url, result, True, [entry.url for entry in entries])
            for entry in entries:
                if budget[0] <= 0:
                    break
                yield from self._sitemap(entry.url, budget, depth + 1)
            return
        take = entries[: max(budget[0], 0)]
        budget[0] -= len(take)
        failed = self.summary.failed
        yield from self._items(take)
        self._remember(url, result, len(take) == len(entries) and self.summary.failed == failed)

    # ------------------------------------------------------------------ pages

    def _items(self, items: list[FeedItem]) -> Iterator[Article | ReadFailure]:
        for item in items:
            url = _norm(item.url)
            if url in self.seen:
                continue
            self.seen.add(url)
            yield from self._article(url, item)

    def _unchanged(self, url: str, result: HttpResult) -> None:
        self.summary.unchanged += 1
        self.store.touch(url, result.fetched_at)
        self.notify("unchanged", url)

    def _article(self, url: str, hint: FeedItem | None) -> Iterator[Article | ReadFailure]:
        result = self._get(url, headers=self.store.validators(url))
        if not isinstance(result, HttpResult):
            if result is not None:
                yield result
            return
        if result.status == 304:
            self._unchanged(url, result)
            return
        if result.status != 200:
            yield self._fail(url, f"HTTP {result.status}")
            return
        yield from self._page(url, result, hint)

    def _page(self, url: str, result: HttpResult, hint: FeedItem | None) -> Iterator[Article | ReadFailure]:
        said = {k: v for k, v in (("published", hint.published), ("title", hint.title)) if v} if hint else None
        self.store.put(url, result.final_url, result.status, result.headers, result.content, result.fetched_at,
                       hint=said or None)
        self.summary.fetched += 1
        self.notify("fetched", url)
        if self.store_only:
            return  # stays pending in the store: the next indexing fetch (or index --raw) takes it
        self.handled[url] = body_sha256(result.content)
        try:
            article = _extract(result.content, url, result.final_url, result.content_type, result.fetched_at,
                               said)
        except ExtractError as exc:
            yield self._fail(url, str(exc))
            return
        self.summary.extracted += 1
        self.summary.rules.add(article)
        yield article


def _extract(content: bytes, url: str, final_url: str, content_type: str, fetched_at: str,
             hint: dict[str, str] | None = None) -> Article:
    article = extract_article(content, url=final_url, content_type=content_type or None)
    article.source = url
    article.url = article.url or final_url
    article.extra["fetched_at"] = fetched_at
    if final_url != url:
        article.extra["final_url"] = final_url
    if hint:
        # The feed/sitemap knows the date even when the page hides it.
        article.published = article.published or hint.get("published")
        if hint.get("title"):
            article.extra.setdefault("listing_title", hint["title"])
    return article


def _urls(urls: list[str] | None, config: Config) -> list[str]:
    chosen = list(urls) if urls else list(config.fetch.sources)
    if not chosen:
        raise ValueError("no URLs to fetch: give some, or list them in config.toml's [fetch] sources")
    return chosen


def fetch_articles(urls: list[str] | None, config: Config, *, summary: FetchSummary | None = None,
                   progress: ProgressFn | None = None, store_only: bool = False,
                   client: httpx.Client | None = None,
                   handled: dict[str, str] | None = None) -> Iterator[Article | ReadFailure]:
    """Fetch ``urls`` (default: ``config.fetch.sources``) and yield what they hold.

    Yields one Article per newly fetched or changed article page and one ReadFailure
    per URL that failed; pages answered 304 and URLs refused by robots.txt yield
    nothing (they are counted in ``summary``). Network resources are released when
    the generator is exhausted or closed. ``handled`` collects ``url -> SHA-256`` of
    the stored pages yielded (for :func:`mark_indexed`, once they are committed).
    """
    chosen = _urls(urls, config)
    fetcher = Fetcher(config, summary=summary, progress=progress, store_only=store_only, client=client,
                      handled=handled)
    try:
        yield from fetcher.run(chosen)
    finally:
        fetcher.close()


def fetch(urls: list[str] | None, config: Config, *, store_only: bool = False,
          progress: ProgressFn | None = None, client: httpx.Client | None = None) -> FetchSummary:
    """Fetch and store pages; the extracted articles are in the summary's ``articles``."""
    summary = FetchSummary()
    for item in fetch_articles(urls, config, summary=summary, progress=progress, store_only=store_only,
                               client=client):
        if isinstance(item, Article):
            summary.articles.append(item)
    return summary


def fetch_and_index(urls: list[str] | None, config: Config, *, progress: ProgressFn | None = None,
                    index_progress: Callable[[str, object], None] | None = None):
    """Fetch and stream the articles into the index; returns ``(FetchSummary, BuildSummary)``.

    What ``vnsearch fetch URL...`` runs (``--no-index`` runs :func:`fetch` with
    ``store_only=True`` instead). Indexing is incremental: the builder skips articles
    whose text it already holds.

    After the fetched articles, the same index run takes every stored page still
    pending (stored by a run killed before its index commit, or by ``--no-index``),
    read from the store: the server answers 304 for those, so nothing else would
    index them. Pages are marked indexed only once the index run has returned, i.e.
    after the commits that hold them; a crash before that leaves them pending, and
    re-indexing one the index already holds is a no-op (same key, same text hash).
    """
    from indexer.build.builder import index_articles  # the indexing side; imported only when indexing

    summary = FetchSummary()
    handled: dict[str, str] = {}
    items = itertools.chain(fetch_articles(urls, config, summary=summary, progress=progress, handled=handled),
                            _pending_articles(config, summary, handled, progress))
    built = index_articles(config, items, progress=index_progress)
    mark_indexed(config, handled)
    return summary, built


def run_fetch(config: Config, urls: list[str] | None, *, index: bool = True, quiet: bool = False,
              echo: Callable[[str], None] = print) -> int:
    """``vnsearch fetch [URL...] [--no-index]``: fetch (and index), report, return an exit code.

    0 when no URL failed, 1 when some did (what was fetched is stored, and indexed
    unless ``index`` is false).
    """
    from tqdm import tqdm

    bar = tqdm(unit=" page", disable=quiet, leave=False)

    def progress(event: str, info: object) -> None:
        if event in ("fetched", "unchanged", "failed", "skipped"):
            bar.update(1)
            bar.set_postfix_str(event, refresh=False)

    try:
        if index:
            summary, built = fetch_and_index(urls, config, progress=progress)
        else:
            summary, built = fetch(urls, config, store_only=True, progress=progress), None
    finally:
        bar.close()
    echo(summary.line())
    for line in summary.failures[:20]:
        echo(f"  failed: {line}")
    if len(summary.failures) > 20:
        echo(f"  ... and {len(summary.failures) - 20} more failures")
    for line in summary.skipped_urls[:5]:
        echo(f"  skipped: {line}")
    for line in summary.rules.lines():
        echo(f"  {line}")
    if built is not None:
        echo(f"index: {built.line()}" if hasattr(built, "line") else f"index: {built}")
    else:
        echo(f"pages stored in {config.path('raw')}; index them later with `vnsearch index --raw`")
    return 1 if summary.failed else 0


def _stored(page: StoredPage, handled: dict[str, str] | None) -> Article | ReadFailure:
    """A stored page re-extracted (recorded in ``handled`` unless its file is unreadable)."""
    try:
        content = page.read()
    except (OSError, EOFError) as exc:
        return ReadFailure(page.url, f"stored page unreadable: {exc}")
    if handled is not None:
        handled[page.url] = body_sha256(content)
    try:
        return _extract(content, page.url, page.final_url, page.content_type, page.fetched_at, page.hint)
    except ExtractError as exc:
        return ReadFailure(page.url, str(exc))


def _pending_articles(config: Config, summary: FetchSummary, handled: dict[str, str],
                      progress: ProgressFn | None) -> Iterator[Article | ReadFailure]:
    """The stored pages not yet indexed and not handled by this run, re-extracted (no network)."""
    folder = config.path("raw")
    if not (folder / "pages.sqlite").is_file():
        return
    notify = progress or (lambda event, info: None)
    with RawStore(folder) as store:
        pending = [page for page in store.pending() if page.url not in handled]
    for page in pending:
        item = _stored(page, handled)
        if isinstance(item, Article):
            summary.rules.add(item)
        summary.from_store += 1
        notify("from-store", page.url)
        yield item


def iter_stored_articles(config: Config, *, handled: dict[str, str] | None = None) -> Iterator[Article | ReadFailure]:
    """Re-extract every stored page of the raw store, without any network access.

    ``handled`` collects ``url -> SHA-256`` of the pages read; pass it to
    :func:`mark_indexed` after the index run that took them has returned.
    """
    folder = config.path("raw")
    if not (folder / "pages.sqlite").is_file():
        return
    with RawStore(folder) as store:
        pages = [page for page in store if page.status == 200]
    for page in pages:
        yield _stored(page, handled)


def check_rules(config: Config, echo: Callable[[str], None] = print) -> int:
    """``vnsearch fetch --check-rules``: re-extract the stored pages and report the site
    rules whose selectors matched nothing; 1 when some did, 0 when every rule fit."""
    report = RuleReport()
    pages = failed = 0
    for item in iter_stored_articles(config):
        pages += 1
        if isinstance(item, ReadFailure):
            failed += 1
            continue
        report.add(item)
    echo(f"checked {pages} stored pages ({failed} not extractable) against "
         f"{len(report.pages)} site rules")
    lines = report.lines()
    for line in lines:
        echo(f"  {line}")
    if not lines:
        echo("  every rule's selectors matched on every page")
    return 1 if lines else 0


def mark_indexed(config: Config, handled: dict[str, str]) -> None:
    """Record in the raw store that the index holds these pages (``url -> SHA-256`` of their body).

    Only after the index commit that holds them: a page left unmarked is indexed again
    by the next ``vnsearch fetch`` (a no-op for the index when it already holds it).
    """
    folder = config.path("raw")
    if not handled or not (folder / "pages.sqlite").is_file():
        return
    with RawStore(folder) as store:
        store.mark_indexed(handled)
