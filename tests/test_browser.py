"""The web pages in a real browser: Playwright (sync API) driving Debian's Chromium.

A real server (werkzeug, threaded, on an ephemeral 127.0.0.1 port) serves the shared
test index. The tests type queries, use facets, chips and pages, open articles and
related articles, pick a completion with the keyboard, check the 375 px phone layout and
the "/" shortcut, and fail on any console error, failed request or CSP violation.

Screenshots go to ``test-artifacts/screenshots/`` (the path is printed at the end).
Without Chromium or the playwright package the tests are skipped with the reason, unless
``VNSEARCH_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where they fail instead.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = os.environ.get("VNSEARCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
SEED_TITLE = "Mỹ ra tuyên bố thành lập bộ chỉ huy quân sự mới tại Nhật Bản"
TIMEOUT_MS = 20_000  # two shared cores: generous, but a hang still fails

# Set as an init script: records CSP violations, which Chromium also logs as console errors.
CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


def _args(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def start_chromium():
    """``(playwright, browser)``, or the test skipped (failed when browsers are required)."""
    reason = _browser_missing()
    if reason:
        if os.environ.get("VNSEARCH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required (VNSEARCH_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        return pw, pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as exc:  # a broken Chromium install: same rule as a missing one
        pw.stop()
        if os.environ.get("VNSEARCH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}")
        pytest.skip(f"Chromium at {CHROMIUM} did not start: {exc}")


@pytest.fixture(scope="module")
def browser(request):
    pw, chromium = start_chromium()
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    yield chromium
    chromium.close()
    pw.stop()
    # Tell where the screenshots are, past output capturing (also without -s).
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capman = plugins.get_plugin("capturemanager")
    shots = sorted(p.name for p in SCREENSHOTS.glob("*.png"))
    line = f"browser screenshots ({len(shots)}): {SCREENSHOTS}"
    if reporter is None:
        print(line)
        return
    if capman is not None:
        with capman.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(line)
    else:
        reporter.write_line(line)


@pytest.fixture(scope="module")
def server(core_index):
    """A real HTTP server for the app, on an ephemeral port, in a background thread."""
    from werkzeug.serving import make_server

    from webapp import create_app

    app = create_app({"TESTING": True, "VNSEARCH": core_index})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="vnsearch-test-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)
    httpd.server_close()


class Watched:
    """A page plus everything that went wrong in it (console errors, failed requests)."""

    def __init__(self, context, base: str):
        self.context = context
        self.base = base
        self.problems: list[str] = []
        context.add_init_script(CSP_WATCH)
        context.set_default_timeout(TIMEOUT_MS)
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", lambda r: r.status >= 400 and r.url.startswith(base)
                     and self.problems.append(f"HTTP {r.status}: {r.url}"))

    def _failed(self, request):
        # A request still in flight when the page navigates away (a completion request when
        # the form submits, the favicon when a test moves on) is cancelled: expected, not an
        # error. Server errors are caught as responses (status >= 400) instead.
        if "ERR_ABORTED" in (request.failure or ""):
            return
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def goto(self, path: str):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")

    def shot(self, name: str, full_page: bool = False):
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    def check(self, allow_http: tuple[int, ...] = ()):
        csp = self.page.evaluate("window.__csp || []")
        problems = [p for p in self.problems
                    if not any(f"HTTP {s}:" in p or f"status of {s} " in p for s in allow_http)]
        assert not csp, f"CSP violations: {csp}"
        assert not problems, "\n".join(problems)


@pytest.fixture()
def desktop(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="vi-VN")
    watched = Watched(context, server)
    yield watched
    context.close()


@pytest.fixture()
def phone(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="vi-VN")
    watched = Watched(context, server)
    yield watched
    context.close()


def _wait_for_option(page, text: str) -> None:
    """Wait until the completion list is shown and offers ``text`` (case-insensitive)."""
    page.wait_for_function(
        """t => { const list = document.getElementById("suggest-list");
                  return list && !list.hidden && [...list.querySelectorAll("li")]
                    .some(li => li.textContent.toLowerCase() === t.toLowerCase()); }""",
        arg=text)


def _total(page) -> int:
    return int(page.locator("#summary strong").inner_text().replace(".", ""))


def test_type_query_facets_chips_pages_article_related(desktop):
    page = desktop.page
    desktop.goto("/")
    page.locator("#q").fill("nhat ban")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q=nhat\+ban$"))
    assert page.locator("ol.hits > li.hit").count() == 10
    assert page.locator("li.hit .snippet mark").count() >= 10
    total = _total(page)
    assert total > 10  # two pages (14 articles have "nhat ban" together)
    desktop.shot("search")

    # Apply a facet: the count shown is the number of results after filtering.
    facet = page.locator("#facet-outlet + ul li a").first
    outlet = facet.inner_text().strip()
    count = int(page.locator("#facet-outlet + ul li .count").first.inner_text())
    facet.click()
    page.wait_for_url(re.compile(r"outlet="))
    assert _total(page) == count
    # The page shows the outlet's name; the URL keeps its host (indexer/data/outlets.toml).
    from indexer.ingest.outlets import outlet_name

    assert [outlet_name(h) for h in _args(page.url)["outlet"]] == [outlet] and _args(page.url)["q"] == ["nhat ban"]
    assert page.locator("li.hit .outlet").all_inner_texts() == [outlet] * page.locator("li.hit").count()
    desktop.shot("search-filtered")

    # Sort by newest, then remove the chip: the sort and the query stay.
    page.get_by_role("link", name="mới nhất").click()
    page.wait_for_url(re.compile(r"sort=newest"))
    page.locator("ul.chips a").first.click()
    page.wait_for_url(lambda url: "outlet=" not in url)
    assert _args(page.url) == {"q": ["nhat ban"], "sort": ["newest"]}
    assert _total(page) == total

    # Page through: page 2 keeps the query and the sort.
    page.locator("nav.pages a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert _args(page.url) == {"q": ["nhat ban"], "sort": ["newest"], "page": ["2"]}
    assert page.locator("ol.hits").get_attribute("start") == "11"
    results_url = page.url

    # Open an article: the query is highlighted; follow a related article, then go back.
    first = page.locator("li.hit h2 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/article\?"))
    assert page.locator("article h1").inner_text() == title
    assert page.locator("article .body mark").count() >= 1
    related = page.locator("aside.related li > a")
    assert related.count() >= 1
    related_title = related.first.inner_text()
    related.first.click()
    page.wait_for_url(re.compile(r"/article\?"))
    assert page.locator("article h1").inner_text() == related_title
    desktop.shot("article")
    page.locator("p.back a").click()
    page.wait_for_url(results_url)
    assert page.locator("nav.pages [aria-current=page]").inner_text() == "2"
    desktop.check()


def test_year_month_facets_and_date_form(desktop):
    page = desktop.page
    desktop.goto("/?outlet=dantri.com.vn")
    page.get_by_role("link", name="năm 2021").click()
    page.wait_for_url(re.compile(r"to=2021-12-31"))
    page.get_by_role("link", name="tháng 4/2021").first.click()
    page.wait_for_url(re.compile(r"to=2021-04-30"))
    dates = page.locator("li.hit time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert dates and all(d.startswith("2021-04") for d in dates)
    # The date form (open when a range is set): change the start only.
    assert page.locator("details.daterange").get_attribute("open") is not None
    page.locator("#date-from").fill("2021-03-01")
    page.locator("#date-to").fill("")
    page.get_by_role("button", name="Lọc theo ngày").click()
    page.wait_for_url(re.compile(r"from=2021-03-01"))
    assert _args(page.url) == {"outlet": ["dantri.com.vn"], "from": ["2021-03-01"]}  # no empty "to="
    assert page.locator("ul.chips").inner_text().count("✕") == 2
    desktop.check()


def test_completion_with_keyboard_and_slash_focus(desktop):
    page = desktop.page
    desktop.goto("/stats")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("my ra tuyen", delay=40)
    options = page.locator("#suggest-list li[role=option]")
    _wait_for_option(page, SEED_TITLE)  # (a list for a shorter prefix may show first)
    assert page.locator("#q").get_attribute("aria-expanded") == "true"
    texts = options.all_inner_texts()
    assert SEED_TITLE in texts, texts
    # Where the typed text (without diacritics) matched is shown in bold.
    assert options.nth(texts.index(SEED_TITLE)).locator("strong").inner_text() == "Mỹ ra tuyên"
    desktop.shot("completion")
    for _ in range(texts.index(SEED_TITLE) + 1):
        page.keyboard.press("ArrowDown")
    selected = page.locator("#suggest-list li[aria-selected=true]")
    assert selected.inner_text() == SEED_TITLE
    assert page.locator("#q").get_attribute("aria-activedescendant") == selected.get_attribute("id")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/\?q="))
    assert _args(page.url)["q"] == [SEED_TITLE]
    assert page.locator("li.hit h2 a").first.inner_text() == SEED_TITLE

    # Without diacritics: "nhat b" completes to "nhật bản"; Escape closes the list.
    box = page.locator("#q")
    box.fill("")
    box.press_sequentially("nhat b", delay=40)
    _wait_for_option(page, "nhật bản")
    page.keyboard.press("Escape")
    assert page.locator("#suggest-list").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    desktop.check()


def test_phone_layout_375px(phone):
    page = phone.page
    for path in ("/", "/?q=nhat+ban", "/?q=nhat+ban&outlet=vnexpress.net&category=C%C3%B4ng+ngh%E1%BB%87",
                 "/stats", "/?q=xyzzyqw"):
        phone.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path}: page is {width}px wide on a 375px phone"
    # Charts keep readable labels on a phone (drawn at about a phone's width).
    phone.goto("/stats")
    sizes = page.evaluate("""() => [...document.querySelectorAll('svg.chart')].map(svg => {
        const t = svg.querySelector('text');
        return t ? parseFloat(getComputedStyle(t).fontSize) * svg.getScreenCTM().a : null;
    }).filter(x => x !== null)""")
    assert sizes and min(sizes) >= 11, f"chart labels render at {sizes} px on a 375px phone"
    phone.goto("/?q=nhat+ban")
    phone.shot("phone")
    # The first result is on the first screen, not pushed down by the facets.
    box = page.locator("li.hit").first.bounding_box()
    assert box is not None and box["y"] < 740
    page.locator("li.hit h2 a").first.click()
    page.wait_for_url(re.compile(r"/article\?"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("phone-article")
    phone.check()


def test_works_without_javascript(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, java_script_enabled=False)
    try:
        watched = Watched(context, server)
        page = watched.page
        watched.goto("/")
        page.locator("#q").fill("quan su")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"\?q=quan\+su"))
        assert page.locator("li.hit").count() >= 1
        assert page.locator("#suggest-list").count() == 0  # no script, no dropdown
        page.locator("#facet-category + ul li a").first.click()
        page.wait_for_url(re.compile(r"category="))
        assert page.locator("ul.chips a").count() == 1
        page.locator("li.hit h2 a").first.click()
        page.wait_for_url(re.compile(r"/article\?"))
        assert page.locator("article .body mark").count() >= 1
        watched.check()
    finally:
        context.close()


def test_errors_are_pages_without_console_noise(desktop):
    page = desktop.page
    desktop.goto("/article?id=no-such-article")
    assert "Không tìm thấy" in page.locator("main").inner_text()
    desktop.goto("/?q=nhat&sort=sideways")
    assert "sắp xếp" in page.locator("p.error").inner_text()
    desktop.check(allow_http=(404, 400))
