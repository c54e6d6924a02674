"""Undated articles told as such: counted in stats, facets and on the page, with the
collection's period where its documentation gives one (VNTC: 2005-2007, approximate).

Data: the real records of tests/data/readers/records.jsonl (7 VNTC without dates,
3 UNC with dates), written to files named as the collections ship them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from indexer.build.builder import index_articles
from indexer.ingest.readers import read_paths
from indexer.search.engine import SearchEngine, SearchRequest, result_to_api
from indexer.search.periods import period_of_source, undated_summary

from .conftest import make_config

RECORDS = [json.loads(x) for x in (Path(__file__).parent / "data" / "readers" / "records.jsonl")
           .read_text("utf-8").splitlines() if x.strip()]
VNTC = [r for r in RECORDS if r["source"] == "VNTC"]
UNC = [r for r in RECORDS if r["source"] != "VNTC"]


@pytest.fixture(scope="module")
def dated_cfg(tmp_path_factory):
    root = tmp_path_factory.mktemp("dates")
    data = root / "data"
    data.mkdir()
    (data / "vntc-part.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in VNTC), "utf-8")
    (data / "unc-dantri-part.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in UNC),
                                                "utf-8")
    cfg = make_config(root)
    summary = index_articles(cfg, read_paths([data]))
    assert summary.indexed == len(RECORDS), summary.failures
    return cfg


def test_period_is_found_by_collection_file_name():
    assert period_of_source("/x/corpus/vntc-subset.jsonl.gz").name == "VNTC"
    assert period_of_source("/x/unc-dantri.jsonl.gz") is None
    summary = undated_summary({"/a/vntc.jsonl.gz": 5, "/b/mine.txt": 2})
    assert summary[0] == {"name": "VNTC", "period": "2005-2007", "approximate": True, "count": 5}
    assert summary[1]["period"] is None and summary[1]["count"] == 2


def test_stats_count_undated_articles_and_name_their_period(dated_cfg):
    stats = SearchEngine(dated_cfg).stats()
    assert stats["documents"] == len(RECORDS)
    assert stats["undated"] == len(VNTC)
    assert sum(stats["month"].values()) == len(UNC)
    (vntc,) = stats["undated_collections"]
    assert (vntc["name"], vntc["period"], vntc["approximate"], vntc["count"]) == ("VNTC", "2005-2007", True, len(VNTC))


def test_search_result_counts_undated_matches(dated_cfg):
    engine = SearchEngine(dated_cfg)
    everything = engine.search(SearchRequest(q="", outlet=list(engine.stats()["outlet"]), per_page=50))
    assert everything.total == len(RECORDS)
    assert everything.undated == len(VNTC)
    assert result_to_api(everything)["undated"] == len(VNTC)


def test_newest_first_puts_undated_last(dated_cfg):
    engine = SearchEngine(dated_cfg)
    res = engine.search(SearchRequest(q="", outlet=list(engine.stats()["outlet"]), sort="newest", per_page=50))
    dates = [h.date for h in res.hits]
    assert dates[: len(UNC)] == sorted((r["date"] for r in UNC), reverse=True)
    assert all(d is None for d in dates[len(UNC):])


@pytest.fixture(scope="module")
def dated_client(dated_cfg):
    from webapp import create_app

    return create_app({"TESTING": True, "VNSEARCH": dated_cfg}).test_client()


def _page(client, url: str) -> BeautifulSoup:
    resp = client.get(url)
    assert resp.status_code == 200
    return BeautifulSoup(resp.data, "html.parser")


def test_stats_page_says_how_many_are_undated_and_when_they_are_from(dated_client):
    figures = _page(dated_client, "/stats").select_one("dl.figures").get_text(" ", strip=True)
    assert f"Không rõ ngày {len(VNTC)}" in figures
    assert "VNTC" in figures and "khoảng 2005–2007" in figures
    assert "(bài có ngày)" in figures


def test_search_page_shows_undated_count_and_where_newest_puts_them(dated_client, dated_cfg):
    outlets = "&".join(f"outlet={o}" for o in SearchEngine(dated_cfg).stats()["outlet"])
    soup = _page(dated_client, f"/?q=&sort=newest&{outlets}")
    assert soup.select_one("p.undated").get_text(strip=True) == f"Không rõ ngày: {len(VNTC)}"
    assert "không rõ ngày xếp sau cùng" in soup.select_one("p.sort").get_text(" ", strip=True)
    relevance = _page(dated_client, f"/?q=&{outlets}")
    assert not re.search("xếp sau cùng", relevance.select_one("p.sort").get_text(" ", strip=True))
