"""What the search page says, through Flask's test client: Vietnamese, true for the state
it describes, and leading somewhere (issue 19). Runs on the shared 216-article index."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from indexer import SearchRequest
from webapp.views import vn_bytes, vn_number


def page(client, url: str, status: int = 200) -> BeautifulSoup:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def args(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def test_zero_under_a_filter_says_so_and_offers_the_unfiltered_count(client, engine):
    unfiltered = engine.search(SearchRequest(q="Kamikawa")).total
    assert unfiltered >= 1  # the client's example article names Japan's foreign minister
    soup = page(client, "/?q=Kamikawa&outlet=vnexpress.net")
    text = soup.select_one("div.empty").get_text(" ", strip=True)
    assert "Trong bộ lọc đang dùng không có bài nào cho Kamikawa" in text
    assert "Không bài nào có" not in text  # the false sentence of the issue
    link = soup.select_one("li.unfiltered a")
    assert link.get_text(strip=True) == f"Xem {unfiltered} bài cho “Kamikawa” khi không lọc"
    assert args(link["href"]) == {"q": ["Kamikawa"]}


def test_zero_even_without_filters_names_the_missing_word(client):
    soup = page(client, "/?q=xyzzyqw&outlet=vnexpress.net")
    text = soup.select_one("div.empty").get_text(" ", strip=True)
    assert "kể cả khi không lọc" in text and "Không bài nào có: xyzzyqw" in text
    assert soup.select_one("li.unfiltered") is None  # no link to another empty page


def test_inverted_date_range_is_searched_the_right_way_round(client, engine):
    right = engine.search(SearchRequest(q="nhat ban", date_from="2021-04", date_to="2021-05")).total
    assert right >= 1
    soup = page(client, "/?q=nhat+ban&from=2021-05&to=2021-04")
    assert soup.select_one("#summary strong").get_text() == str(right)
    notice = soup.select_one("p.dates-swapped").get_text(" ", strip=True)
    assert notice == "Ngày bắt đầu sau ngày kết thúc; đã tìm từ 01/04/2021 đến 31/05/2021."
    chips = [a.get_text(" ", strip=True) for a in soup.select("ul.chips li a:not(.clear)")]
    assert chips == ["từ 01/04/2021 ✕", "đến 31/05/2021 ✕"]
    # Removing one chip keeps the other date as searched.
    assert args(soup.select("ul.chips li a")[0]["href"]) == {"q": ["nhat ban"], "to": ["2021-05-31"]}
    assert soup.select_one("#date-from")["value"] == "2021-04-01"
    body = client.get("/api/search?q=nhat+ban&from=2021-05&to=2021-04").get_json()
    assert body["total"] == right and body["notices"][0]["code"] == "dates_swapped"


@pytest.mark.parametrize("query, text, fixed, label", [
    ("page=500", "Số trang “500” không dùng được: trang phải là số từ 1 đến 100.", {"page": ["100"]},
     "Xem trang 100"),
    ("page=abc", "Số trang “abc” không dùng được", {}, "Xem trang 1"),
    ("per_page=1000", "Số kết quả mỗi trang phải từ 1 đến 50.", {"per_page": ["50"]}, "Xem 50 kết quả mỗi trang"),
    ("sort=sideways", "Cách sắp xếp “sideways” không có", {}, "Xem theo liên quan nhất"),
    ("from=yesterday", "Ngày bắt đầu “yesterday” không phải một ngày", {}, "Tìm không giới hạn ngày này"),
    ("to=2021-13", "Ngày kết thúc “2021-13” không phải một ngày", {}, "Tìm không giới hạn ngày này"),
])
def test_bad_parameter_page_offers_the_nearest_valid_request(client, query, text, fixed, label):
    soup = page(client, f"/?q=nhat&{query}", status=400)
    error = soup.select_one("p.error")
    assert text in error.get_text(" ", strip=True)
    assert "must" not in error.get_text() and "Tham số không hợp lệ" not in error.get_text()
    link = error.select_one("a.fix")
    assert link.get_text() == label and args(link["href"]) == {"q": ["nhat"], **fixed}
    assert client.get(link["href"]).status_code == 200  # the offer is a valid request


def test_over_long_query_is_searched_on_its_first_part(client, core_index):
    limit = core_index.search.max_query_chars
    paragraph = ("Thông báo này được đưa ra sau các cuộc đàm phán an ninh tại Tokyo giữa Bộ trưởng Ngoại giao Mỹ "
                 "Antony Blinken và Bộ trưởng Quốc phòng Mỹ Lloyd Austin cùng những người đồng cấp Nhật Bản ") * 4
    assert len(paragraph) > limit
    soup = page(client, "/?" + "q=" + paragraph.replace(" ", "+"))
    notice = soup.select_one("p.query-cut").get_text(" ", strip=True)
    assert f"Câu tìm dài {len(paragraph)} ký tự, quá giới hạn {limit}; đã tìm theo phần đầu" in notice
    assert "Mỹ ra tuyên bố thành lập bộ chỉ huy quân sự mới tại" in soup.select_one("li.hit h2").get_text()
    body = client.get("/api/search", query_string={"q": paragraph}).get_json()
    assert body["total"] >= 1 and body["notices"][0]["code"] == "query_cut"
    kept = body["notices"][0]["kept"]
    assert paragraph.startswith(kept) and len(kept) <= limit and paragraph[len(kept)] == " "  # whole words


def test_numbers_are_written_the_vietnamese_way(client):
    assert vn_number(1992) == "1.992" and vn_number(77.63, 1) == "77,6" and vn_number(1234567) == "1.234.567"
    assert vn_bytes(77_630_000) == "77,6 MB" and vn_bytes(1_850_000_000) == "1,9 GB"
    soup = page(client, "/stats")
    size = soup.find("dt", string="Dung lượng").find_next("dd").get_text()
    assert re.fullmatch(r"\d+,\d (MB|GB)", size), size


def test_outlets_are_shown_by_name_and_filtered_by_host(client):
    soup = page(client, "/?q=nhat+ban&outlet=vnexpress.net")
    assert {h.select_one(".outlet").get_text(strip=True) for h in soup.select("li.hit")} == {"VnExpress"}
    assert soup.select_one("ul.chips a").get_text(" ", strip=True) == "VnExpress ✕"
    names = [a.get_text(" ", strip=True) for a in soup.select("#facet-outlet ~ ul li a")]
    assert "Người Lao Động" in names and not any("." in n for n in names)
    body = client.get("/api/search?q=nhat+ban&outlet=vnexpress.net").get_json()
    assert {r["outlet"] for r in body["results"]} == {"vnexpress.net"}  # the API keeps the host


def test_home_page_says_what_the_archive_holds(client, engine):
    figures = engine.stats()
    dated = sum(n for m, n in figures["month"].items() if re.fullmatch(r"\d{4}-\d{2}", m))
    text = page(client, "/").select_one("p.archive").get_text(" ", strip=True)
    assert f"Kho có {vn_number(figures['documents'])} bài của {len(figures['outlet'])} trang báo" in text
    assert "VnExpress" in text and "Dân trí" in text
    first, last = min(figures["month"]), max(m for m in figures["month"] if re.fullmatch(r"\d{4}-\d{2}", m))
    assert f"từ tháng {int(first[5:])}/{first[:4]} đến tháng {int(last[5:])}/{last[:4]}" in text
    undated = figures["documents"] - dated
    assert f"{vn_number(undated)} bài ({round(100 * undated / figures['documents'])}%) không rõ ngày đăng" in text


def test_time_presets_end_on_the_newest_article_of_an_old_archive(client, engine):
    newest = engine.stats()["date_range"][1]
    soup = page(client, "/?q=nhat+ban")
    links = {a.get_text(" ", strip=True): a["href"] for a in soup.select("section.presets li a")}
    assert list(links) == ["24 giờ", "Tuần", "Tháng", "Năm"]
    assert args(links["Tuần"])["to"] == [newest]  # the archive is old: relative to its newest article
    assert "tính đến bài mới nhất" in soup.select_one("p.preset-note").get_text()
    month = page(client, links["Tháng"])
    assert month.select_one("section.presets a.active").get_text(" ", strip=True) == "Tháng ✕"
    dated = engine.search(SearchRequest(q="nhat ban", date_from=args(links["Tháng"])["from"][0], date_to=newest))
    assert int(month.select_one("#summary strong").get_text().replace(".", "")) == dated.total >= 1


def test_presets_end_today_when_the_archive_is_current(app):
    import datetime as dt

    from webapp.views import time_presets, vn_when

    today = dt.date(2021, 4, 25)
    with app.test_request_context("/?q=x"):
        class Req:
            date_from = date_to = None
        p = time_presets("2021-04-22", Req(), today=today)
        assert p["anchor"] == "2021-04-25" and not p["relative_to_newest"]
        assert args(p["items"][0]["href"]) == {"q": ["x"], "from": ["2021-04-24"], "to": ["2021-04-25"]}
        old = time_presets("2021-03-01", Req(), today=today)
        assert old["anchor"] == "2021-03-01" and old["relative_to_newest"]
    assert vn_when("2021-04-25", today=today) == "hôm nay"
    assert vn_when("2021-04-24", today=today) == "hôm qua"
    assert vn_when("2021-04-20", today=today) == "5 ngày trước"
    assert vn_when("2021-04-01", today=today) == "01/04/2021" and vn_when("2021-04", today=today) == "tháng 4/2021"
