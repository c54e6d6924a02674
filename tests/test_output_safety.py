"""Output safety: indexed text and queries are always escaped; the app cannot write.

The fixture index holds real article text from tests/data/core into which attack
payloads were INJECTED by this test (``<script>``, event-handler attributes,
``javascript:``/``data:`` links, entity tricks such as ``&lt;script&gt;`` and
``&#x3C;img onerror=…&#x3E;``, attempts to close vnsearch's own ``<mark>``). Every
payload would set ``window.__pwned``, change ``document.title`` or open a dialog if it
ran. The pages and the API are checked structurally (no foreign tags or attributes,
only http(s) links to originals) and in a real browser, both with the app's Content
Security Policy and with it stripped, so escaping alone is shown to hold.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from indexer.build.builder import index_articles
from indexer.ingest.readers import read_paths

try:
    from tests.conftest import CORE, make_config
except ImportError:  # tests/ not a package
    from conftest import CORE, make_config

P = "window.__pwned=1;document.title='PWNED'"
PAYLOADS = [
    f"<script>{P}</script>",
    f'<img src=x onerror="{P}">',
    f'"><svg onload="{P}">',
    f"'><iframe src=\"javascript:{P}\"></iframe>",
    f"&lt;script&gt;{P}&lt;/script&gt;",
    f"&#x3C;img src=x onerror={P}&#x3E;",
    f"&#60;script&#62;{P}&#60;/script&#62;",
    f"&amp;lt;script&amp;gt;{P}&amp;lt;/script&amp;gt;",
    f"</mark><script>{P}</script><mark>",
    f'<mark onmouseover="{P}">xssprobe</mark>',
    f'<a href="javascript:{P}">bấm vào đây</a>',
    "<style>body{display:none}</style><base href=\"https://evil.example/\">",
    "{{ config }} {% raw %} ${7*7} #{7*7}",
    f"<scr<script>ipt>{P}</scr</script>ipt>",
    f"\u003cscript\u003e{P}\u003c/script\u003e",
]
BAD_URLS = [
    f"javascript:{P}",
    f"  JaVaScRiPt:{P}",
    f"data:text/html,<script>{P}</script>",
    f"vbscript:{P}",
    f'https://example.vn/"onmouseover="{P}',
    "//evil.example/x",
    "file:///etc/passwd",
]
GOOD_URL = "https://example.vn/thoi-su/bai-bao-that-123.html"


def _real_records(n: int) -> list[dict]:
    out = []
    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if len(rec.get("body", "")) > 400:
                out.append(rec)
            if len(out) >= n:
                break
    return out


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory):
    """Real core articles with attack payloads injected into every field (by this test)."""
    root = tmp_path_factory.mktemp("hostile")
    records = _real_records(len(BAD_URLS) + 3)
    src = root / "hostile.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for i, rec in enumerate(records):
            paragraphs = rec["body"].split("\n")
            injected = []
            for j, para in enumerate(paragraphs):
                injected.append(para)
                injected.append(f"xssprobe {PAYLOADS[(i + j) % len(PAYLOADS)]} xssprobe")
            injected.append(" ".join(PAYLOADS))
            out = {
                "id": f"hostile-{i}-{PAYLOADS[i % len(PAYLOADS)]}",
                "title": f"xssprobe {PAYLOADS[i % len(PAYLOADS)]} {rec['title']}",
                "body": "\n".join(injected),
                "url": BAD_URLS[i] if i < len(BAD_URLS) else GOOD_URL.replace("123", str(i)),
                "outlet": PAYLOADS[(i + 1) % len(PAYLOADS)] if i % 2 else "example.vn",
                "category": PAYLOADS[(i + 2) % len(PAYLOADS)],
                "author": PAYLOADS[(i + 3) % len(PAYLOADS)],
                "description": PAYLOADS[(i + 4) % len(PAYLOADS)],
                "date": rec.get("date") or "2020-01-01",
            }
            fh.write(json.dumps(out, ensure_ascii=False) + "\n")
    cfg = make_config(root)
    summary = index_articles(cfg, read_paths([src]))
    assert summary.failed == 0 and summary.indexed == len(records), summary.line()
    return cfg


@pytest.fixture(scope="module")
def hostile_app(hostile_index):
    from webapp import create_app

    return create_app({"TESTING": True, "VNSEARCH": hostile_index})


@pytest.fixture()
def hclient(hostile_app):
    return hostile_app.test_client()


def _doc_ids(client) -> list[str]:
    body = client.get("/api/search", query_string={"q": "xssprobe", "per_page": 50}).get_json()
    ids = [r["id"] for r in body["results"]]
    assert len(ids) == len(BAD_URLS) + 3
    return ids


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "link", "script", "body", "a", "span", "header", "form", "label",
    "input", "button", "main", "footer", "section", "h1", "h2", "h3", "p", "strong", "ul", "ol", "li",
    "nav", "aside", "div", "time", "mark", "article", "details", "summary", "pre", "em", "dl", "dt",
    "dd", "small", "br", "fieldset", "legend", "select", "option", "abbr", "kbd", "code", "figure",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "col", "colgroup", "figcaption",
}
SVG_TAGS = {"svg", "rect", "text", "title", "g", "line", "path"}


def _check_html(html: str, where: str, *, svg: bool = False) -> None:
    parser = _Tags()
    parser.feed(html)
    allowed = ALLOWED_TAGS | (SVG_TAGS if svg else set())
    for tag, attrs in parser.tags:
        assert tag in allowed, f"{where}: unexpected <{tag}> {attrs}"
        names = dict(attrs)
        for name, value in attrs:
            assert not name.startswith("on"), f"{where}: event handler {name}={value!r} on <{tag}>"
            assert name not in ("style", "srcdoc", "formaction"), f"{where}: {name} on <{tag}>"
        if tag == "script":
            assert names.get("src", "").startswith("/static/"), f"{where}: inline script"
        if tag == "mark":
            assert not attrs, f"{where}: <mark> with attributes {attrs}"
        if tag == "base":
            pytest.fail(f"{where}: <base>")
        for name in ("href", "src", "action"):
            value = (names.get(name) or "").strip()
            if not value:
                continue
            scheme = urlsplit(value).scheme.lower()
            assert scheme in ("", "http", "https"), f"{where}: {name}={value!r}"
            if scheme in ("http", "https"):
                assert tag == "a" and urlsplit(value).netloc, f"{where}: {name}={value!r}"
            else:
                assert value.startswith(("/", "?", "#")), f"{where}: {name}={value!r}"
    # whatever the markup, no payload survives as markup
    for needle in ("<script>window", "<img", "<svg onload", "<iframe", "<mark on", "<base", "<a href=\"javascript"):
        assert needle not in html, f"{where}: {needle!r} unescaped"


def test_stored_text_keeps_the_payloads(hclient):
    """The payloads really are in the index (else the rest proves nothing)."""
    ids = _doc_ids(hclient)
    doc = hclient.get("/api/article", query_string={"id": ids[0]}).get_json()
    assert "<script>" in doc["body"] and "onerror=" in doc["body"]


def test_search_pages_escape_everything(hclient):
    queries = ["xssprobe", "xssprobe script", "window pwned", "mark", "<script>alert(1)</script>",
               '"><img src=x onerror=alert(1)>', "javascript:alert(1)", "xssprobe </mark><script>"]
    for q in queries:
        for extra in ({}, {"sort": "newest"}, {"debug": "1"}):
            resp = hclient.get("/", query_string={"q": q, **extra})
            assert resp.status_code == 200
            _check_html(resp.get_data(as_text=True), f"/?q={q}", svg=True)  # the timeline
    # filter values from the (hostile) facets are echoed in chips and links
    for payload in PAYLOADS[:6]:
        resp = hclient.get("/", query_string={"q": "xssprobe", "outlet": payload, "category": payload})
        assert resp.status_code in (200, 400)
        _check_html(resp.get_data(as_text=True), f"filters {payload}", svg=True)


def test_article_pages_escape_everything_and_link_only_http(hclient):
    ids = _doc_ids(hclient)
    seen_good = seen_bad = 0
    for doc_id in ids:
        doc = hclient.get("/api/article", query_string={"id": doc_id}).get_json()
        for q in ("", "xssprobe", "script window", "<script>"):
            resp = hclient.get("/article", query_string={"id": doc_id, "q": q, "back": "javascript:alert(1)"})
            assert resp.status_code == 200
            html = resp.get_data(as_text=True)
            _check_html(html, f"/article {doc_id[:20]}")
            hrefs = [dict(a).get("href", "") for t, a in _parse(html) if t == "a"]
            if doc["url"].startswith("https://"):
                # linked (a quote inside stays inside the attribute: no onmouseover above)
                assert doc["url"] in hrefs
                seen_good += 1
            else:  # javascript:, data:, vbscript:, file:, scheme-relative: text only
                assert not any(h == doc["url"] or h.strip() == doc["url"].strip() for h in hrefs)
                seen_bad += 1
    assert seen_good and seen_bad


def _parse(html):
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_api_snippets_only_carry_mark(hclient):
    for q in ("xssprobe", "script", "window pwned", "mark", "img onerror", "xss*"):
        body = hclient.get("/api/search", query_string={"q": q, "per_page": 50}).get_json()
        for hit in body["results"]:
            bare = re.sub(r"</?mark>", "", hit["snippet"])
            assert "<" not in bare and ">" not in bare, hit["snippet"]
    resp = hclient.get("/api/suggest", query_string={"q": "xssprobe"})
    assert resp.status_code == 200 and resp.mimetype == "application/json"


def test_stats_page_escapes_facet_values(hclient):
    resp = hclient.get("/stats")
    assert resp.status_code == 200
    _check_html(resp.get_data(as_text=True), "/stats", svg=True)


def test_error_pages_escape_the_request(hclient):
    for path in ("/<script>alert(1)</script>", "/article?id=<script>alert(1)</script>",
                 "/?q=a&page=<script>", "/api/search?q=a&page=<script>"):
        resp = hclient.get(path)
        assert resp.status_code in (400, 404)
        text = resp.get_data(as_text=True)
        assert "<script>alert" not in text
        if resp.mimetype == "text/html":
            _check_html(text, path)


# -- headers ----------------------------------------------------------------------


def _csp(resp) -> dict[str, str]:
    policy = resp.headers.get("Content-Security-Policy", "")
    out = {}
    for part in policy.split(";"):
        bits = part.split()
        if bits:
            out[bits[0]] = " ".join(bits[1:])
    return out


@pytest.mark.parametrize("path", ["/", "/?q=xssprobe", "/article?id=nope", "/stats", "/api/search?q=a",
                                  "/api/suggest?q=a", "/api/stats", "/nowhere", "/api/nowhere",
                                  "/api/search?q=a&page=0", "/static/app.js"])
def test_security_headers_everywhere(hclient, path):
    resp = hclient.get(path)
    csp = _csp(resp)
    assert csp, f"{path}: no Content-Security-Policy"
    script = csp.get("script-src", csp.get("default-src", ""))
    assert script and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert "*" not in script.split() and "data:" not in script
    assert csp.get("frame-ancestors") == "'none'"
    assert csp.get("object-src") == "'none'"
    assert resp.headers.get("X-Content-Type-Options") == "nosniff"
    assert resp.headers.get("X-Frame-Options") == "DENY"
    if path.startswith("/api/") and resp.status_code < 500:
        assert resp.mimetype == "application/json"
    resp.close()  # static files are streamed from an open file


def test_security_headers_on_503(fresh_config):
    from webapp import create_app

    client = create_app({"TESTING": True, "VNSEARCH": fresh_config}).test_client()
    for path in ("/", "/?q=a", "/api/search?q=a"):
        resp = client.get(path)
        assert resp.status_code in (200, 503)
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


# -- the app cannot write -------------------------------------------------------------


def _snapshot(live: Path) -> dict[str, tuple[int, int]]:
    target = live.resolve()
    out = {"<live>": (hash(os.readlink(live)) if live.is_symlink() else 0, 0)}
    for root in {target, target.parent}:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                st = p.stat()
                out[str(p)] = (st.st_size, st.st_mtime_ns)
    return out


def test_no_write_methods_and_index_untouched(hostile_app, hostile_index):
    client = hostile_app.test_client()
    live = hostile_index.path("index")
    before = _snapshot(live)
    rules = [r.rule for r in hostile_app.url_map.iter_rules()]
    assert {"/", "/article", "/stats", "/api/search", "/api/article", "/api/suggest", "/api/stats"} <= set(rules)
    ids = _doc_ids(client)
    for rule in rules:
        path = rule.replace("<path:filename>", "app.js").replace("<filename>", "app.js")
        path = re.sub(r"<[^>]+>", "x", path)
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            resp = client.open(path, method=method, data={"q": "x", "id": ids[0]},
                               query_string={"q": "xssprobe", "id": ids[0]})
            assert resp.status_code == 405, (method, path, resp.status_code)
            assert "GET" in resp.headers.get("Allow", ""), (method, path)
    # a load of ordinary and hostile reads
    for i in range(150):
        client.get("/", query_string={"q": f"xssprobe {i}", "page": 1 + i % 3})
        client.get("/api/search", query_string={"q": PAYLOADS[i % len(PAYLOADS)]})
        client.get("/api/suggest", query_string={"q": "xs"})
        client.get("/article", query_string={"id": ids[i % len(ids)], "q": "xssprobe"})
    client.get("/stats")
    client.get("/api/stats")
    assert _snapshot(live) == before


# -- in a real browser ----------------------------------------------------------------


def _browser_or_skip():
    required = os.environ.get("VNSEARCH_REQUIRE_BROWSER") == "1"
    chromium = "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        if required:
            pytest.fail("VNSEARCH_REQUIRE_BROWSER=1 but playwright is not installed")
        pytest.skip("playwright is not installed (pip install '.[test]')")
    if not (os.path.exists(chromium) or shutil.which("chromium")):
        if required:
            pytest.fail("VNSEARCH_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return chromium


@pytest.fixture(scope="module")
def live_server(hostile_app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, hostile_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.mark.parametrize("strip_csp", [False, True], ids=["with-csp", "without-csp"])
def test_no_payload_runs_in_a_browser(live_server, hostile_app, strip_csp):
    """Load every page carrying payloads; nothing may run (and escaping holds without CSP)."""
    chromium = _browser_or_skip()
    from playwright.sync_api import sync_playwright
    from urllib.parse import quote

    ids = _doc_ids(hostile_app.test_client())
    urls = [f"/?q={quote(q)}" for q in ("xssprobe", "xssprobe script", "<script>alert(1)</script>",
                                         '"><img src=x onerror=alert(1)>')]
    urls += [f"/article?id={quote(i)}&q=xssprobe" for i in ids]
    urls += ["/stats", "/api/search?q=xssprobe", f"/api/article?id={quote(ids[0])}"]
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            if strip_csp:
                def strip(route):
                    response = route.fetch()
                    headers = {k: v for k, v in response.headers.items()
                               if k.lower() != "content-security-policy"}
                    route.fulfill(response=response, headers=headers)

                page.route(f"{live_server}/**", strip)
            # anything leaving 127.0.0.1 (evil.example, example.vn) is blocked, and noted
            outside: list[str] = []
            page.route(re.compile(r"^(?!" + re.escape(live_server) + r").*"),
                       lambda route: (outside.append(route.request.url), route.abort()))
            for url in urls:
                page.goto(live_server + url, wait_until="load", timeout=30_000)
                page.wait_for_timeout(150)
                state = page.evaluate("() => [window.__pwned === undefined, document.title]")
                assert state[0], f"payload ran on {url}"
                # the escaped payload text may be in the title; a run payload makes it exactly this
                assert state[1] != "PWNED", f"title changed on {url}"
                if url.startswith("/article"):
                    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
                    assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
            # the suggestion list renders completions as text, never as markup
            page.goto(live_server + "/", wait_until="load")
            page.fill("#q", "xssprobe <img src=x onerror=window.__pwned=1>")
            page.type("#q", " x", delay=50)
            page.wait_for_timeout(600)
            assert page.evaluate("() => window.__pwned === undefined")
            assert page.locator("#suggest-list img").count() == 0
            assert not dialogs, dialogs
            assert not [u for u in outside if "evil.example" in u], outside
        finally:
            browser.close()
