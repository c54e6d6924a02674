"""The timeline, alerts, exports, concordance and trends in Debian's Chromium.

Reuses tests/test_browser.py's server and page watcher (console errors, failed requests,
CSP violations fail a test); screenshots go to ``test-artifacts/screenshots/insights-*``.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import feedparser
import pytest

from .test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    Watched,
    _args,
    _browser_missing,
    _total,
    server,  # noqa: F401  (fixture)
)
from .test_stories import copies_index  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def browser():
    """Chromium, as test_browser.py launches it (without clearing its screenshots)."""
    reason = _browser_missing()
    if reason:
        if os.environ.get("VNSEARCH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required (VNSEARCH_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def desktop(browser, server):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    watched = Watched(context, server)
    yield watched
    context.close()


def test_timeline_bar_filters_to_its_period(desktop):
    page = desktop.page
    desktop.goto("/?q=&outlet=dantri.com.vn")
    chart = page.locator(".timeline svg")
    assert chart.count() == 1
    assert "tháng 4/2021: 15 bài" in page.locator(".timeline .peak-label").text_content()
    desktop.page.locator(".timeline").screenshot(path=str(SCREENSHOTS / "insights-timeline.png"))
    page.locator('.timeline a[aria-label^="tháng 4/2021"]').click()
    page.wait_for_url(re.compile(r"from=2021-04-01"))
    assert _args(page.url)["to"] == ["2021-04-30"] and _total(page) == 15
    # Within one month the timeline is per day, and a day's bar narrows to that day.
    day = page.locator('.timeline a[aria-label$=" bài"]:not([aria-label$=": 0 bài"])').first
    label = day.get_attribute("aria-label")
    count = int(label.rsplit(": ", 1)[1].split()[0])
    day.click()
    page.wait_for_url(re.compile(r"from=2021-04-\d\d&to=2021-04-\d\d"))
    args = _args(page.url)
    assert args["from"] == args["to"] and _total(page) == count
    desktop.check()


def test_feed_and_exports_from_the_result_page(desktop):
    page = desktop.page
    desktop.goto("/?q=nhat+ban&outlet=vnexpress.net")
    total = _total(page)
    href = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")
    assert href == page.locator("a.feed").get_attribute("href")
    feed = feedparser.parse(page.request.get(desktop.base + href).body())
    assert not feed.bozo and 0 < len(feed.entries) <= total
    with page.expect_download() as info:
        page.locator("a.export-csv").click()
    download = info.value
    assert download.suggested_filename == "vnsearch-nhat-ban.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert len(rows) == total and {r["outlet"] for r in rows} == {"vnexpress.net"}
    desktop.check()


def test_concordance_and_trends_pages(desktop):
    page = desktop.page
    desktop.goto("/?q=Nhật+Bản")
    page.locator("a.kwic").click()
    page.wait_for_url(re.compile(r"/kwic\?q="))
    rows = page.locator("table.kwic tbody tr")
    assert rows.count() > 20
    # Aligned: every keyword starts at the same x, whatever the length of its left context.
    xs = {round(rows.nth(i).locator("td.match mark").bounding_box()["x"]) for i in range(8)}
    assert len(xs) == 1
    desktop.shot("insights-kwic")
    desktop.goto("/trends?q=trường&q=sinh+viên")
    assert page.locator("svg.chart-l polyline").count() == 2
    assert page.locator("table.trend-table tbody tr").count() == 2
    desktop.shot("insights-trends")
    desktop.check()


def test_entity_facet_filters_and_its_chip_removes_it(desktop):
    page = desktop.page
    desktop.goto("/?q=nhat+ban")
    total = _total(page)
    facet = page.locator("#facet-place + ul li a").first
    name = facet.inner_text().strip()
    count = int(page.locator("#facet-place + ul li .count").first.inner_text())
    assert 0 < count <= total
    page.locator("aside.facets").screenshot(path=str(SCREENSHOTS / "insights-entities.png"))
    facet.click()
    page.wait_for_url(re.compile(r"entity=loc%3A"))
    assert _total(page) == count
    chip = page.locator(f'ul.chips a[aria-label="Bỏ lọc nơi chốn: {name}"]')
    assert chip.count() == 1
    # A new query keeps the entity filter (a hidden field of the search box).
    page.locator("#q").fill("nhat ban my")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=nhat\+ban\+my"))
    assert "entity" in _args(page.url)
    page.locator("ul.chips a").first.click()
    page.wait_for_url(re.compile(r"^(?!.*entity=).*$"))
    desktop.check()


def _serve(cfg):
    """A real HTTP server for the app over ``cfg``'s index, in a background thread."""
    import threading

    from werkzeug.serving import make_server

    from webapp import create_app

    httpd = make_server("127.0.0.1", 0, create_app({"TESTING": True, "VNSEARCH": cfg}), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)
    httpd.server_close()


@pytest.fixture(scope="module")
def copies_server(copies_index):  # noqa: F811
    """A server over the core articles plus two copies of the seed (tests/test_stories.py)."""
    yield from _serve(copies_index)


@pytest.fixture(scope="module")
def stale_labels_server(tmp_path_factory):
    """A server over an index whose articles keep VNTC's old label "Vi tính" (as the readers
    gave it before categories.toml mapped it onto "Công nghệ")."""
    import dataclasses

    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths

    from .conftest import DATA, make_config

    cfg = make_config(tmp_path_factory.mktemp("stale-labels"))
    old = [dataclasses.replace(a, category="Vi tính") if a.category == "Công nghệ" else a
           for a in read_paths([DATA / "readers" / "records.jsonl"])]
    assert index_articles(cfg, old).failed == 0
    yield from _serve(cfg)


def test_stats_page_says_an_old_index_needs_a_rebuild(browser, stale_labels_server):
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="vi-VN")
    watched = Watched(context, stale_labels_server)
    page = watched.page
    try:
        watched.goto("/stats")
        notice = page.locator("p.notice.rebuild")
        assert notice.is_visible()
        text = notice.inner_text()
        assert "“Vi tính” → “Công nghệ”" in text and "vnsearch index --rebuild" in text
        box = notice.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375  # on a phone's screen, no sideways scroll
        watched.shot("insights-stale-labels")
        watched.check()
    finally:
        context.close()


def test_related_articles_of_the_clients_example(desktop):
    """The seed's article page lists related articles that share its rarer names or its
    words, each opening its own page."""
    from .conftest import SEED_TITLE

    page = desktop.page
    desktop.goto("/?q=bộ+chỉ+huy+quân+sự+Nhật+Bản")
    page.locator("li.hit h2 a", has_text="Mỹ ra tuyên bố").first.click()
    page.wait_for_url(re.compile(r"/article\?id="))
    assert SEED_TITLE in page.locator("article h1").inner_text()
    related = page.locator("aside.related li > a")
    assert related.count() >= 1
    titles = related.all_inner_texts()
    assert not any("Microsoft" in t or "máy chủ" in t for t in titles), titles
    related.first.click()
    page.wait_for_url(re.compile(r"/article\?id="))
    assert page.locator("article h1").inner_text() == titles[0]
    desktop.check()


def test_story_group_expands_and_no_copies_side_by_side(browser, copies_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    watched = Watched(context, copies_server)
    page = watched.page
    try:
        watched.goto("/?q=bộ+chỉ+huy+quân+sự+Nhật+Bản")
        story = page.locator("li.hit details.story")
        assert story.count() == 1
        summary = story.locator("summary").inner_text()
        assert "và 2 bài cùng nội dung từ" in summary
        # Outlets by the names readers know (indexer/data/outlets.toml), never as hosts.
        assert ({"Tuổi Trẻ", "Thanh Niên", "Công luận"} & set(summary.split("từ ", 1)[1].split(", "))
                and ".vn" not in summary), summary
        assert ".vn" not in " ".join(story.locator("ul li .outlet").all_inner_texts())
        links = story.locator("ul li a")
        assert not links.first.is_visible()
        story.locator("summary").click()
        assert links.count() == 2 and links.first.is_visible()
        titles = page.locator("li.hit h2").all_inner_texts()
        assert len(titles) == len(set(titles))
        page.locator("li.hit").first.screenshot(path=str(SCREENSHOTS / "insights-story.png"))
        links.first.click()
        page.wait_for_url(re.compile(r"/article\?id="))
        watched.check()
    finally:
        context.close()
