"""The HTML pages through Flask's test client: what a user without JavaScript gets.

Runs against the shared 216-article index (``core_index``); the query "nhat ban" (typed
without diacritics) matches well over ten articles, so it has facets and several pages.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup

# The client's seed article (as in conftest.py).
SEED_TITLE = "Mỹ ra tuyên bố thành lập bộ chỉ huy quân sự mới tại Nhật Bản"
SEED_URL = "https://www.congluan.vn/my-ra-tuyen-bo-thanh-lap-bo-chi-huy-quan-su-moi-tai-nhat-ban-post305266.html"
QUERY = "nhat ban"


def page(client, url: str, status: int = 200) -> BeautifulSoup:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    assert resp.mimetype == "text/html"
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def args(href: str) -> dict[str, list[str]]:
    parts = urlsplit(href)
    assert not parts.scheme and not parts.netloc, href  # always same-site links
    return parse_qs(parts.query)


def facet_links(soup: BeautifulSoup, facet: str) -> list:
    section = soup.find(id=f"facet-{facet}")
    assert section is not None, f"no {facet} facet"
    return section.find_parent("section").select("li a")


def test_search_page_structure(client):
    soup = page(client, "/?q=nhat+ban")
    summary = soup.select_one("#summary").get_text(" ", strip=True)
    assert re.search(r"^\d[\d.]* kết quả \(\d+ ms\)", summary), summary
    hits = soup.select("ol.hits > li.hit")
    assert len(hits) == 10
    for hit in hits:
        link = hit.select_one("h2 a")
        assert link.get_text(strip=True)
        assert urlsplit(link["href"]).path == "/article"
        assert args(link["href"])["q"] == [QUERY]
        assert args(link["href"])["back"][0].startswith("/?")
        assert hit.select_one(".meta .outlet").get_text(strip=True)
    assert all(hit.select_one(".snippet mark") for hit in hits), "every snippet marks the query"
    assert any(hit.select_one(".meta .category") for hit in hits)
    dated = [hit.select_one(".meta time") for hit in hits if hit.select_one(".meta time")]
    for t in dated:  # Vietnamese day/month/year, machine-readable ISO date
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", t["datetime"])
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", t.get_text(strip=True))
    nav = soup.select_one("nav.pages")
    assert nav.select_one("[aria-current=page]").get_text(strip=True) == "1"
    assert nav.select_one("a[rel=next]") is not None
    assert args(nav.select_one("a[rel=next]")["href"]) == {"q": [QUERY], "page": ["2"]}
    # The search box keeps the query; the facets are there.
    assert soup.select_one("input#q")["value"] == QUERY
    assert facet_links(soup, "outlet") and facet_links(soup, "category")


def test_page_two_and_pagination_keeps_filters(client):
    # (Only six vnexpress articles have "nhat ban" together: "viet nam" fills two pages.)
    soup = page(client, "/?q=viet+nam&outlet=vnexpress.net&sort=newest")
    total = int(soup.select_one("#summary strong").get_text(strip=True).replace(".", ""))
    assert total > 10
    next_href = soup.select_one("nav.pages a[rel=next]")["href"]
    assert args(next_href) == {"q": ["viet nam"], "outlet": ["vnexpress.net"], "sort": ["newest"],
                               "page": ["2"]}
    soup2 = page(client, next_href)
    assert soup2.select_one("ol.hits")["start"] == "11"
    assert soup2.select_one("nav.pages [aria-current=page]").get_text(strip=True) == "2"
    assert all(h.select_one(".outlet").get_text(strip=True) == "VnExpress" for h in soup2.select("li.hit"))
    assert soup2.select_one("a[rel=prev]") is not None
    # Newest first: dated hits come in non-increasing date order.
    dates = [t["datetime"] for t in soup.select("li.hit time")]
    assert dates == sorted(dates, reverse=True)


def test_facet_link_adds_filter_with_its_count(client):
    soup = page(client, "/?q=nhat+ban")
    link = facet_links(soup, "category")[0]
    count = int(link.find_next_sibling("span", class_="count").get_text())
    query = args(link["href"])
    assert query["q"] == [QUERY] and len(query["category"]) == 1
    filtered = page(client, link["href"])
    assert int(filtered.select_one("#summary strong").get_text().replace(".", "")) == count
    chip = filtered.select_one("ul.chips a")
    assert query["category"][0] in chip.get_text()
    assert args(chip["href"]) == {"q": [QUERY]}
    # Facets stay open: other categories can still be added (OR) after choosing one.
    links = facet_links(filtered, "category")
    assert links[0].get("class") == ["active"]
    assert len(links) > 1
    added = args(links[1]["href"])["category"]
    assert len(added) == 2 and query["category"][0] in added


def test_removing_a_chip_keeps_everything_else(client):
    soup = page(client, "/?q=nhat+ban&outlet=vnexpress.net&outlet=nld.com.vn&category=C%C3%B4ng+ngh%E1%BB%87"
                        "&sort=newest&page=2&from=2000-01-01")
    chips = {a.get_text(" ", strip=True).replace(" ✕", ""): a["href"] for a in soup.select("ul.chips a")}
    assert args(chips["VnExpress"]) == {"q": [QUERY], "outlet": ["nld.com.vn"], "category": ["Công nghệ"],
                                            "sort": ["newest"], "from": ["2000-01-01"]}
    assert args(chips["Công nghệ"]) == {"q": [QUERY], "outlet": ["vnexpress.net", "nld.com.vn"],
                                      "sort": ["newest"], "from": ["2000-01-01"]}
    assert args(chips["từ 01/01/2000"]) == {"q": [QUERY], "outlet": ["vnexpress.net", "nld.com.vn"],
                                            "category": ["Công nghệ"], "sort": ["newest"]}
    assert args(chips["Bỏ tất cả bộ lọc"]) == {"q": [QUERY], "sort": ["newest"]}
    # A new query from the box keeps the filters (hidden fields of the search form).
    form = soup.select_one("form.searchbox")
    hidden = [(i["name"], i["value"]) for i in form.select("input[type=hidden]")]
    assert ("outlet", "nld.com.vn") in hidden and ("sort", "newest") in hidden
    assert ("from", "2000-01-01") in hidden


def test_year_and_month_facets_drill_down(client):
    soup = page(client, "/?outlet=dantri.com.vn")
    years = facet_links(soup, "year")
    labels = [a.get_text(strip=True) for a in years]
    assert labels[:2] == ["năm 2021", "năm 2020"]
    assert args(years[0]["href"]) == {"outlet": ["dantri.com.vn"], "from": ["2021-01-01"], "to": ["2021-12-31"]}
    soup = page(client, years[0]["href"])
    assert "năm 2021" in soup.select_one("ul.chips").get_text()
    active = facet_links(soup, "year")[0]
    assert active.get("class") == ["active"] and args(active["href"]) == {"outlet": ["dantri.com.vn"]}
    # The other year is still offered, and the months of 2021 appear.
    assert "năm 2020" in [a.get_text(strip=True) for a in facet_links(soup, "year")]
    months = facet_links(soup, "month")
    assert months[0].get_text(strip=True) == "tháng 4/2021"
    assert args(months[0]["href"])["to"] == ["2021-04-30"]
    soup = page(client, months[0]["href"])
    assert all(t["datetime"].startswith("2021-04") for t in soup.select("li.hit time"))
    assert len(soup.select("li.hit time")) == len(soup.select("li.hit"))
    # The date form shows the chosen range.
    assert soup.select_one("#date-from")["value"] == "2021-04-01"
    assert soup.select_one("#date-to")["value"] == "2021-04-30"


def test_date_form_works_without_javascript(client):
    soup = page(client, "/?q=nhat+ban&category=Th%E1%BB%83+thao")
    form = soup.select_one("details.daterange form")
    assert form["method"] == "get" and form["action"] == "/"
    fields = {i["name"]: i.get("value") for i in form.select("input")}
    assert fields["q"] == QUERY and fields["category"] == "Thể thao"
    assert soup.find("label", attrs={"for": "date-from"}) and soup.find("label", attrs={"for": "date-to"})
    soup = page(client, "/?q=nhat+ban&category=Th%E1%BB%83+thao&from=2021-04-01&to=2021-04-30")
    assert soup.select_one("details.daterange").has_attr("open")
    assert "tháng 4/2021" in soup.select_one("ul.chips").get_text()


def test_zero_hits_say_so_and_suggest_dropping_words(client):
    soup = page(client, "/?q=xyzzyqw")
    text = soup.select_one(".results").get_text(" ", strip=True)
    assert "Không có kết quả" in text
    assert "Không tìm thấy bài nào cho xyzzyqw" in text
    assert "bỏ bớt từ" in text
    assert not soup.select("li.hit")
    assert soup.select_one("nav.pages") is None


def test_zero_hits_with_filters_offers_search_without_them(client):
    # Only when that finds something (tests/test_page_messages.py has the empty case).
    soup = page(client, "/?q=Kamikawa&outlet=vnexpress.net")
    link = soup.select_one("li.unfiltered a")
    assert args(link["href"]) == {"q": ["Kamikawa"]}


def test_did_you_mean_is_a_link(client, app, monkeypatch):
    engine = app.extensions["vnsearch"]
    real_search = engine.search

    def search(req):
        result = real_search(req)
        result.suggestion = "nhật bản"
        return result

    monkeypatch.setattr(engine, "search", search)
    soup = page(client, "/?q=nhat+bna&outlet=vnexpress.net")
    link = soup.select_one("p.suggestion a")
    assert link.get_text() == "nhật bản"
    assert args(link["href"]) == {"q": ["nhật bản"], "outlet": ["vnexpress.net"]}


def test_zero_hits_with_a_correction_show_its_results(client, app, monkeypatch):
    engine = app.extensions["vnsearch"]
    real_search = engine.search

    def search(req):
        result = real_search(req)
        if req.q == "xyzzyqw":
            result.suggestion = "nhật bản"
        return result

    monkeypatch.setattr(engine, "search", search)
    soup = page(client, "/?q=xyzzyqw")
    notice = soup.select_one("p.suggestion").get_text(" ", strip=True)
    assert "Không có kết quả cho xyzzyqw" in notice and "nhật bản" in notice
    hits = soup.select("li.hit")
    assert len(hits) == 10
    assert args(hits[0].select_one("h2 a")["href"])["q"] == ["nhật bản"]  # highlights what is shown
    assert soup.select_one("input#q")["value"] == "xyzzyqw"
    exact = soup.select_one("p.suggestion a.exact")
    assert args(exact["href"]) == {"q": ["xyzzyqw"], "exact": ["1"]}
    soup = page(client, exact["href"])
    assert not soup.select("li.hit")
    assert soup.select_one("p.suggestion a").get_text() == "nhật bản"  # "did you mean", not applied


def test_page_past_the_end(client):
    soup = page(client, "/?q=nhat+ban&page=60")
    assert "Trang 60 không có kết quả" in soup.get_text(" ", strip=True)
    assert args(soup.find("a", string="Về trang đầu")["href"]) == {"q": [QUERY]}


def test_bad_parameter_is_a_page_not_a_crash(client):
    soup = page(client, "/?q=nhat&sort=sideways", status=400)
    assert "sắp xếp" in soup.select_one("p.error").get_text()
    soup = page(client, "/?q=nhat&from=yesterday", status=400)
    assert "Ngày bắt đầu" in soup.select_one("p.error").get_text()


def test_home_page(client):
    soup = page(client, "/")
    assert soup.select_one("form[role=search]")["action"] == "/"
    assert soup.select_one("label[for=q]") is not None
    assert soup.select_one("section.home p:not(.archive) a")["href"].startswith("/?q=")


@pytest.mark.parametrize("url", ["/", "/?q=nhat+ban&outlet=vnexpress.net", "/stats", "/?q=xyzzyqw",
                                 "/article?id=" + SEED_URL + "&q=nhat+ban"])
def test_pages_need_no_inline_script_or_style(client, url):
    """The CSP forbids inline script and style: nothing inline, everything from /static."""
    resp = client.get(url)
    html = resp.get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.select("[style]"), "inline style attribute"
    assert not soup.find("style")
    for script in soup.find_all("script"):
        assert script.get("src", "").startswith("/static/") and not script.get_text(strip=True)
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert "style-src 'self'" in resp.headers["Content-Security-Policy"]
    assert soup.html["lang"] == "vi"
    assert soup.select_one("meta[name=viewport]") is not None


def test_static_assets_are_served(client):
    for name in ("style.css", "app.js", "favicon.svg"):
        resp = client.get(f"/static/{name}")
        assert resp.status_code == 200 and resp.data
        resp.close()


def test_article_page(client):
    url = "/article?id=" + SEED_URL + "&q=nhat+ban&back=%2F%3Fq%3Dnhat%2Bban%26page%3D2"
    soup = page(client, url)
    h1 = soup.select_one("article h1")
    assert h1.get_text() == SEED_TITLE
    assert h1.select_one("mark").get_text() == "Nhật Bản"
    paragraphs = soup.select("article .body p")
    assert len(paragraphs) > 3
    assert len(soup.select("article .body mark")) > 3
    meta = soup.select_one("article .meta").get_text(" ", strip=True)
    assert "Công luận" in meta
    original = soup.select_one("p.original a")
    assert original["href"] == SEED_URL
    assert "noopener" in original["rel"] and "noreferrer" in original["rel"]
    back = soup.select_one("p.back a")
    assert back["href"] == "/?q=nhat+ban&page=2"
    assert soup.title.get_text().startswith(SEED_TITLE)


def test_article_related_links_are_sensible_and_keep_the_way_back(client, engine):
    back = "/?q=quan+su"
    soup = page(client, "/article?id=" + SEED_URL + "&q=quan+su&back=%2F%3Fq%3Dquan%2Bsu")
    related = soup.select("aside.related li > a")
    assert 1 <= len(related) <= 5
    ids = [args(a["href"])["id"][0] for a in related]
    assert SEED_URL not in ids and len(set(ids)) == len(ids)
    for a in related:
        assert args(a["href"])["back"] == [back] and args(a["href"])["q"] == ["quan su"]
    # The seed is about a US military command in Japan: its top related article shares
    # the theme (the US, military action) rather than a random pick.
    top = engine.document(ids[0])
    assert "Mỹ" in top.title or "quân sự" in top.body


def test_article_without_http_url_has_no_original_link(client, engine):
    soup = page(client, "/?q=nhat+ban")
    for link in soup.select("li.hit h2 a"):
        doc = engine.document(args(link["href"])["id"][0])
        if not (doc.url or "").startswith(("http://", "https://")):
            art = page(client, link["href"])
            assert art.select_one("p.original a") is None
            break
    else:
        pytest.skip("every hit has an http(s) URL")


def test_article_without_query_has_no_marks(client):
    soup = page(client, "/article?id=" + SEED_URL)
    assert not soup.select("mark")
    assert soup.select_one("p.back") is None


@pytest.mark.parametrize("back", ["//evil.example/?x", "https://evil.example/", "/\\evil.example",
                                  "javascript:alert(1)", "/?q=a\nb", "/article?id=x", "/%2F%2Fevil",
                                  " /?q=x", "/?" + "x" * 2100])
def test_back_cannot_be_an_open_redirect(client, back):
    soup = page(client, "/article?" + urlencode(
        {"id": SEED_URL, "q": "nhat ban", "back": back}))
    assert soup.select_one("p.back a")["href"] == "/?q=nhat+ban"  # the safe fallback
    for a in soup.select("aside.related a"):
        assert "back" not in args(a["href"])


def test_unknown_article_is_404(client):
    soup = page(client, "/article?id=no-such-article", status=404)
    assert "Không tìm thấy" in soup.get_text()


def test_stats_page_has_svg_charts(client):
    soup = page(client, "/stats")
    charts = soup.select("svg.chart")
    assert len(charts) >= 2
    for svg in charts:
        assert svg["role"] == "img" and svg["aria-label"]
        assert svg.select("rect")
    figures = soup.select_one("dl.figures").get_text(" ", strip=True)
    assert "Số bài" in figures and re.search(r"\b2\d\d\b", figures)
    assert "01/10/2020" in figures  # the date range, day first
    # The test articles span 2020 and 2021: a chart per year, and months as a timeline
    # (October 2020 to April 2021, the empty months included).
    headings = [h.get_text(strip=True) for h in soup.select("section.stats h2")]
    assert "Bài theo năm" in headings and "Bài theo tháng" in headings
    month_svg = soup.find("svg", attrs={"aria-label": "Bài theo tháng"})
    assert len(month_svg.select("rect")) == 7
    assert "2020-12: 0" in [t.get_text() for t in month_svg.select("rect title")]
    # Each outlet and category is also a table row linking to its articles.
    rows = soup.select("details.browse tbody tr")
    link = rows[0].select_one("a")
    assert args(link["href"]) == {"outlet": ["vnexpress.net"]}
    count = int(rows[0].select("td")[1].get_text())
    listed = page(client, link["href"])
    assert int(listed.select_one("#summary strong").get_text().replace(".", "")) == count > 100


def test_engine_notices_are_worded_in_vietnamese(client):
    """What the engine did to the query (typo matched one letter away, words dropped from a
    long query) is told on the page in Vietnamese, and in the API as codes."""
    typo = "thànk lập"  # "thank" is in no article; the notice names the word as typed
    soup = page(client, "/?" + urlencode({"q": typo}))
    notices = [p.get_text(" ", strip=True) for p in soup.select("p.notice")]
    assert any("thànk" in n and "khác một chữ cái" in n for n in notices), notices
    api = client.get("/api/search", query_string={"q": typo}).get_json()
    assert {"code": "fuzzy", "words": ["thànk"]} in api["notices"] and api["notes"]

    # Only two articles have "bão", "số" and "3" as typed, none of them together:
    # other forms widen the match, and the page says so.
    soup = page(client, "/?" + urlencode({"q": "bão số 3"}))
    notices = [p.get_text(" ", strip=True) for p in soup.select("p.notice")]
    assert any("dấu khác" in n for n in notices), notices
    api = client.get("/api/search", query_string={"q": "bão số 3"}).get_json()
    assert {"code": "other_forms", "words": []} in api["notices"]
    # "giá vàng" together in two articles, apart in nine more.
    api = client.get("/api/search", query_string={"q": "giá vàng"}).get_json()
    assert {"code": "words_apart", "words": []} in api["notices"]
    soup = page(client, "/?" + urlencode({"q": "giá vàng"}))
    assert any("rời nhau" in p.get_text(" ", strip=True) for p in soup.select("p.notice"))

    long_query = " ".join([SEED_TITLE] * 3)  # 42 syllables: more than search.max_terms
    soup = page(client, "/?" + urlencode({"q": long_query}))
    notices = [p.get_text(" ", strip=True) for p in soup.select("p.notice")]
    assert any(n.startswith("Câu tìm quá dài; đã bỏ qua:") for n in notices), notices
