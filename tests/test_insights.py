"""Alerts (Atom), exports (CSV / JSON Lines, page, API, CLI), concordance, timeline, trends.

All against the shared test index of real articles (tests/data/core).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess

import feedparser
import pytest

from indexer.search.export import export_rows, kwic, write_rows
from indexer.search.engine import SearchRequest, result_to_api
from indexer.search.timeline import month_buckets, timeline_of, trends

from .conftest import vnsearch_cmd

# -- alerts -------------------------------------------------------------------------

def test_feed_is_valid_atom_of_the_newest_matching_articles(client, engine):
    resp = client.get("/feed.atom?q=trường&outlet=dantri.com.vn")
    assert resp.status_code == 200 and resp.mimetype == "application/atom+xml"
    feed = feedparser.parse(resp.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    expected = engine.search(SearchRequest(q="trường", outlet=["dantri.com.vn"], sort="newest", per_page=30))
    assert expected.total > 3
    assert [e.id for e in feed.entries] == [
        "urn:vnsearch:article:" + __import__("urllib.parse").parse.quote(h.id, safe="") for h in expected.hits]
    dates = [e.published[:10] for e in feed.entries if "published" in e]
    assert dates and dates == sorted(dates, reverse=True)
    assert all(e.link.startswith("http") for e in feed.entries)
    assert all("<mark>" not in e.summary for e in feed.entries)
    assert "trường" in feed.feed.title and "dantri.com.vn" in feed.feed.title


def test_feed_of_nothing_is_an_empty_valid_feed_and_bad_filter_is_400(client):
    feed = feedparser.parse(client.get("/feed.atom?q=zzzxqxq").data)
    assert not feed.bozo and feed.entries == []
    resp = client.get("/feed.atom?q=x&from=2021-13")
    assert resp.status_code == 400 and resp.get_json()["param"] == "from"


def test_result_page_links_its_feed_and_exports(client):
    html = client.get("/?q=nhat+ban&outlet=vnexpress.net").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert "/feed.atom?q=nhat+ban&amp;outlet=vnexpress.net" in html
    assert "/api/export?q=nhat+ban&amp;outlet=vnexpress.net&amp;format=csv" in html
    assert "/kwic?q=nhat+ban&amp;outlet=vnexpress.net" in html


# -- exports ------------------------------------------------------------------------

def test_export_holds_the_whole_result_set_in_page_order(client, engine):
    req = SearchRequest(q="viet nam", per_page=50)
    page = engine.search(req)
    assert page.total > 50  # more than a page: the export is not one page
    resp = client.get("/api/export?q=viet+nam&format=csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.is_streamed
    assert 'filename="vnsearch-viet-nam.csv"' in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert len(rows) == page.total
    assert [r["id"] for r in rows[:50]] == [h.id for h in page.hits]
    assert len({r["id"] for r in rows}) == len(rows)
    lines = client.get("/api/export?q=viet+nam&format=jsonl").get_data(as_text=True).splitlines()
    assert [json.loads(x)["id"] for x in lines] == [r["id"] for r in rows]


def test_export_is_bounded_by_export_max_and_keeps_filters(core_index):
    from indexer.search.engine import SearchEngine

    engine = SearchEngine(core_index.with_overrides(**{"search.export_max": 7}))
    rows = list(export_rows(engine, SearchRequest(q="viet nam", outlet=["nld.com.vn"]),
                            engine.config.search.export_max))
    assert len(rows) == 7 and {r["outlet"] for r in rows} == {"nld.com.vn"}
    assert [r["rank"] for r in rows] == list(range(1, 8))


def test_export_errors_name_the_parameter(client):
    assert client.get("/api/export?q=x&format=xml").get_json()["param"] == "format"
    assert client.get("/api/export?q=x&sort=best").get_json()["param"] == "sort"


def test_write_rows_quotes_csv_fields():
    rows = [{"rank": 1, "id": "a", "title": 'Câu "trích", dòng\nmới', "url": None, "outlet": "x",
             "category": None, "date": None, "author": None, "score": 1.0}]
    text = "".join(write_rows(iter(rows), "csv"))
    assert next(iter(csv.DictReader(io.StringIO(text))))["title"] == 'Câu "trích", dòng\nmới'
    with pytest.raises(ValueError):
        list(write_rows(iter(rows), "xml"))


def test_cli_exports_all_results(core_index, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\nindex = "{core_index.path("index")}"\n', encoding="utf-8")
    out = subprocess.run(vnsearch_cmd("--config", str(config), "search", "viet nam", "--format", "jsonl", "--all"),
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(x) for x in out.stdout.splitlines()]
    assert len(rows) > 50 and f"exported {len(rows)} results" in out.stderr
    out = subprocess.run(vnsearch_cmd("--config", str(config), "search", "viet nam", "--format", "csv",
                                      "--limit", "5", "--page", "2"), capture_output=True, text=True, timeout=120, check=False)
    page2 = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["id"] for r in page2] == [r["id"] for r in rows[5:10]]
    bad = subprocess.run(vnsearch_cmd("--config", str(config), "search", "x", "--all"),
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode != 0 and "--format" in bad.stderr


# -- concordance ----------------------------------------------------------------------

def test_kwic_lines_agree_with_the_highlighter(engine, client):
    from indexer.search.highlight import highlight_all
    from indexer.search.engine import _marks

    conc = kwic(engine, SearchRequest(q="Nhật Bản"), 40)
    assert len(conc.lines) == 40 and conc.truncated
    parsed = engine.parse("Nhật Bản")
    loose = _marks(parsed, any_form=True)  # every form, as for an article without the typed one
    for line in conc.lines:
        # The same occurrence is one <mark> in the highlighted text.
        marked = highlight_all(line["left"][-20:] + " " + line["match"] + " " + line["right"][:20], set(),
                               marks=loose)
        assert f"<mark>{line['match']}</mark>" in marked
    html = client.get("/kwic?q=Nhật+Bản").get_data(as_text=True)
    assert html.count('<td class="match"><mark>') == engine.config.search.kwic_max or "chỉ hiện" not in html
    assert client.get("/kwic?q=x&from=bad").status_code == 400


# -- timeline -------------------------------------------------------------------------

def test_timeline_months_fill_gaps_and_sum_to_dated_matches(engine):
    result = engine.search(SearchRequest(q="", outlet=["dantri.com.vn"], per_page=1))
    tl = result.timeline
    assert tl["unit"] == "month"
    periods = [b["period"] for b in tl["buckets"]]
    assert periods == ["2020-10", "2020-11", "2020-12", "2021-01", "2021-02", "2021-03", "2021-04"]
    assert sum(b["count"] for b in tl["buckets"]) == tl["dated"] == result.total - tl["undated"]
    assert tl["peak"] == {"period": "2021-04", "count": max(b["count"] for b in tl["buckets"])}
    assert result_to_api(result)["timeline"] == tl


def test_short_ranges_are_counted_per_day(engine):
    result = engine.search(SearchRequest(q="", outlet=["dantri.com.vn"], per_page=1, date_from="2021-04-01",
                                         date_to="2021-04-30"))
    tl = result.timeline
    assert tl["unit"] == "day" and tl["dated"] == result.total
    for b in tl["buckets"]:  # each day's count is that day's filtered search
        if b["count"]:
            day = engine.search(SearchRequest(q="", outlet=["dantri.com.vn"], per_page=1, date_from=b["from"],
                                              date_to=b["to"]))
            assert day.total == b["count"], b


def test_timeline_of_weeks_and_years():
    class Dates:
        def date_range(self, start, end):
            return sum(1 << d for d, day in enumerate(days) if start <= day <= end)

    days = ["2021-01-04", "2021-01-10", "2021-01-11", "2021-03-30"]
    published = (days, list(range(len(days))))
    tl = timeline_of(Dates(), 0b1111, [("2021-01", 3), ("2021-03", 1)], published)
    assert tl["unit"] == "week"
    assert tl["buckets"][0] == {"period": "2021-W01", "from": "2021-01-04", "to": "2021-01-10", "count": 2}
    assert tl["buckets"][1]["count"] == 1 and tl["buckets"][-1]["count"] == 1
    long = [(f"{y}-01", 1) for y in range(2000, 2021)]
    assert timeline_of(Dates(), 0, long, published)["unit"] == "year"
    assert month_buckets([("", 3), ("2021-13", 1)]) == []


def test_timeline_chart_bars_link_to_their_period(client):
    html = client.get("/?outlet=dantri.com.vn").get_data(as_text=True)
    assert 'class="chart-wrap timeline"' in html
    assert "from=2021-04-01&amp;to=2021-04-30" in html
    assert "peak-label" in html and "tháng 4/2021: 15 bài" in html


# -- trends ---------------------------------------------------------------------------

def test_trends_normalise_by_the_archive_month():
    data = trends({"a": [("2021-01", 2), ("2021-03", 3)], "b": [("2021-02", 1)]},
                  {"2021-01": 10, "2021-02": 4, "2021-03": 30})
    assert data["months"] == ["2021-01", "2021-02", "2021-03"]
    a, b = data["series"]
    assert a["counts"] == [2, 0, 3] and a["shares"] == [0.2, 0.0, 0.1] and a["total"] == 5
    assert b["shares"] == [0.0, 0.25, 0.0]


def test_trends_page_and_api(client, engine):
    data = client.get("/api/trends?q=trường&q=sinh viên").get_json()
    assert [s["query"] for s in data["series"]] == ["trường", "sinh viên"]
    archive = engine.stats()["month"]
    for s in data["series"]:
        months = dict(engine.search(SearchRequest(q=s["query"], per_page=1)).facets["month"])
        for m, c, share in zip(data["months"], s["counts"], s["shares"]):
            assert c == months.get(m, 0)
            assert share == pytest.approx(c / archive[m] if archive.get(m) else 0.0, abs=1e-6)
    html = client.get("/trends?q=trường&q=sinh viên").get_data(as_text=True)
    assert html.count("<polyline") == 2
    assert client.get("/api/trends?" + "&".join(["q=a"] * 7)).status_code == 400
