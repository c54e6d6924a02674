"""Issue 19's page-level items in Debian's Chromium, as a Vietnamese reader meets them:
true messages under filters, an inverted date range, a bad parameter that leads
somewhere, a pasted paragraph, completion, time presets, charts and the footer on a phone.

Reuses tests/test_browser.py's server, page watcher and launch options (its own browser
fixture only so the other module's screenshots are left alone).
"""

from __future__ import annotations

import re

import pytest

from .test_browser import Watched, server, start_chromium  # noqa: F401

SEED_START = "Mỹ ra tuyên bố thành lập bộ chỉ huy quân sự mới tại"


@pytest.fixture(scope="module")
def browser():
    pw, chromium = start_chromium()
    yield chromium
    chromium.close()
    pw.stop()


@pytest.fixture()
def desktop(browser, server):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="vi-VN")
    yield Watched(context, server)
    context.close()


@pytest.fixture()
def phone(browser, server):  # noqa: F811
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="vi-VN")
    yield Watched(context, server)
    context.close()


def test_zero_under_a_filter_leads_to_the_unfiltered_results(desktop):
    page = desktop.page
    desktop.goto("/?q=Kamikawa&outlet=vnexpress.net")
    empty = page.locator("div.empty").inner_text()
    assert "Trong bộ lọc đang dùng không có bài nào cho Kamikawa" in empty and "Không bài nào có" not in empty
    page.locator("li.unfiltered a").click()
    page.wait_for_url(re.compile(r"\?q=Kamikawa$"))
    assert SEED_START in page.locator("li.hit h2").first.inner_text()
    desktop.check()


def test_inverted_dates_typed_in_the_form_are_searched_and_reported(desktop):
    page = desktop.page
    desktop.goto("/?q=nhat+ban")
    page.locator("details.daterange summary").click()
    page.locator("#date-from").fill("2021-05-31")
    page.locator("#date-to").fill("2021-04-01")
    page.locator("details.daterange button").click()
    page.wait_for_url(re.compile(r"from=2021-05-31"))
    assert page.locator("p.dates-swapped").inner_text() == \
        "Ngày bắt đầu sau ngày kết thúc; đã tìm từ 01/04/2021 đến 31/05/2021."
    assert page.locator("li.hit").count() >= 1
    assert page.locator("#date-from").input_value() == "2021-04-01"
    desktop.check()


def test_bad_parameter_page_offers_the_nearest_valid_request(desktop):
    page = desktop.page
    desktop.goto("/?q=nhat+ban&page=500")
    error = page.locator("p.error")
    assert "trang phải là số từ 1 đến 100" in error.inner_text()
    error.locator("a.fix").click()
    page.wait_for_url(re.compile(r"page=100"))
    assert page.locator("p.error").count() == 0
    desktop.check(allow_http=(400,))


def test_pasted_paragraph_is_searched_with_a_notice(desktop):
    page = desktop.page
    paragraph = ("Thông báo này được đưa ra sau các cuộc đàm phán an ninh tại Tokyo giữa Bộ trưởng Ngoại giao Mỹ "
                 "Antony Blinken và Bộ trưởng Quốc phòng Mỹ Lloyd Austin cùng những người đồng cấp Nhật Bản ") * 4
    desktop.goto("/")
    page.locator("#q").fill(paragraph)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q="))
    assert "đã tìm theo phần đầu" in page.locator("p.query-cut").inner_text()
    assert SEED_START in page.locator("li.hit h2").first.inner_text()
    desktop.check()


@pytest.mark.parametrize("typed", ["giá v", "gia v", "nhat b"])
def test_completion_offers_phrases_as_articles_write_them(desktop, typed):
    page = desktop.page
    desktop.goto("/")
    page.locator("#q").press_sequentially(typed, delay=40)
    want = "Nhật Bản" if typed == "nhat b" else "giá vàng"
    page.wait_for_function(
        """t => [...document.querySelectorAll("#suggest-list li")].some(li => li.textContent === t)""", arg=want)
    page.locator("#suggest-list li", has_text=want).first.click()
    page.wait_for_url(re.compile(r"\?q="))
    assert page.locator("#q").input_value() == want
    assert page.locator("li.hit").count() >= 1
    desktop.check()


def test_time_presets_beside_the_date_range(desktop, phone):
    page = desktop.page
    desktop.goto("/?q=nhat+ban")
    presets = page.locator("section.presets")
    assert presets.locator("li a").all_inner_texts() == ["24 giờ", "Tuần", "Tháng", "Năm"]
    assert "tính đến bài mới nhất" in presets.inner_text()  # the bundled news is old
    presets.locator("a", has_text="Năm").click()
    page.wait_for_url(re.compile(r"from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}"))
    assert page.locator("li.hit").count() >= 1
    assert presets.locator("a.active").inner_text().startswith("Năm")
    desktop.check()
    phone.goto("/?q=nhat+ban")
    assert phone.page.locator("section.presets li a").count() == 4
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 375
    phone.check()


def test_stats_charts_fit_a_phone_with_their_largest_bars(phone):
    page = phone.page
    phone.goto("/stats")
    charts = page.evaluate("""() => [...document.querySelectorAll('svg.chart')].map(svg => {
        const wrap = svg.parentElement.getBoundingClientRect();
        const counts = [...svg.querySelectorAll('text.count, rect')].map(e => e.getBoundingClientRect().right);
        return {right: Math.max(wrap.right, svg.getBoundingClientRect().right, ...counts),
                scroll: svg.parentElement.scrollWidth - svg.parentElement.clientWidth};
    })""")
    assert charts, "no charts on /stats"
    for chart in charts:
        assert chart["scroll"] <= 0 and chart["right"] <= 375, charts  # nothing off screen, no sideways box
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    phone.check()


def test_phone_hides_the_keyboard_shortcuts(phone, desktop):
    phone.goto("/")
    assert not phone.page.locator("footer .keys").is_visible()
    desktop.goto("/")
    assert desktop.page.locator("footer .keys").is_visible()
    phone.check()
