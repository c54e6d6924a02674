"""The HTTP API contract (/api/search and friends), through Flask's test client."""

import pytest

from .conftest import SEED_TITLE, SEED_URL

# "entities", "same_story" (issue 18) extend the contract: every earlier key is still there, unrenamed.
RESULT_KEYS = {"id", "title", "url", "outlet", "category", "date", "score", "snippet", "lead", "entities",
               "same_story"}


def test_search_contract(client):
    r = client.get("/api/search", query_string={"q": "bo chi huy quan su nhat ban", "page": 1, "per_page": 5})
    assert r.status_code == 200
    assert r.content_type.startswith("application/json")
    data = r.get_json()
    assert {"query", "total", "page", "per_page", "took_ms", "results"} <= set(data)
    assert data["query"] == "bo chi huy quan su nhat ban"
    assert data["page"] == 1 and data["per_page"] == 5
    assert data["total"] >= 1 and isinstance(data["took_ms"], (int, float))
    assert len(data["results"]) <= 5
    first = data["results"][0]
    assert set(first) == RESULT_KEYS
    assert first["id"] == SEED_URL and first["title"] == SEED_TITLE
    assert first["url"] == SEED_URL and first["outlet"] == "congluan.vn"
    assert "<mark>" in first["snippet"]


def test_snippet_html_only_marks(client):
    data = client.get("/api/search?q=Nhật+Bản&per_page=20").get_json()
    for hit in data["results"]:
        assert "<" not in hit["snippet"].replace("<mark>", "").replace("</mark>", "")


def test_defaults_come_from_config(client, core_index):
    data = client.get("/api/search?q=Việt+Nam").get_json()
    assert data["per_page"] == core_index.search.per_page
    assert len(data["results"]) == core_index.search.per_page


@pytest.mark.parametrize("qs,param", [
    ("q=a&page=0", "page"),
    ("q=a&page=-1", "page"),
    ("q=a&page=abc", "page"),
    ("q=a&page=99999999999999999999", "page"),
    ("q=a&per_page=0", "per_page"),
    ("q=a&per_page=100000", "per_page"),
    ("q=a&per_page=1.5", "per_page"),
    ("q=a&sort=random", "sort"),
    ("q=a&from=yesterday", "from"),
    ("q=a&to=2021-13-45", "to"),
])
def test_bad_parameters_are_400_with_json(client, qs, param):
    r = client.get("/api/search?" + qs)
    assert r.status_code == 400
    body = r.get_json()
    assert body["param"] == param and body["error"]


def test_over_long_query_is_searched_with_a_notice(client):
    body = client.get("/api/search?q=" + "a" * 600).get_json()
    assert body["query"] == "a" * 500 and body["notices"][0] == {
        "code": "query_cut", "words": [], "chars": 600, "limit": 500, "kept": "a" * 500}


@pytest.mark.parametrize("q", ['"unbalanced', "((a", "a OR", "*", "?*?", "-", "title:x", "%00", "\u0301\u0301"])
def test_malformed_queries_are_200(client, q):
    r = client.get("/api/search", query_string={"q": q})
    assert r.status_code == 200
    assert "results" in r.get_json()


def test_filters_and_facets(client):
    data = client.get("/api/search?q=Việt+Nam").get_json()
    facets = data["facets"]
    assert set(facets) >= {"outlet", "category", "month"}
    outlet = facets["outlet"][0]
    filtered = client.get("/api/search", query_string={"q": "Việt Nam", "outlet": outlet["value"]}).get_json()
    assert filtered["total"] == outlet["count"]
    assert {h["outlet"] for h in filtered["results"]} == {outlet["value"]}


def test_debug_explains(client):
    data = client.get("/api/search?q=hoà+bình&debug=1").get_json()
    assert data["explain"]["normalized"] == "hòa bình"
    assert "whoosh_query" in data["explain"]


def test_article_endpoint(client):
    r = client.get("/api/article", query_string={"id": SEED_URL})
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["title"] == SEED_TITLE and doc["author"] == "Ngọc Ánh"
    assert "Nguồn:" not in doc["body"] and "Ngọc Ánh (theo" not in doc["body"]
    assert client.get("/api/article?id=nope").status_code == 404
    assert client.get("/api/article").status_code == 400


def test_suggest_endpoint(client):
    data = client.get("/api/suggest?q=nhat+ba").get_json()
    assert data["suggestions"]
    assert client.get("/api/suggest?q=a&limit=0").status_code == 400


def test_unknown_api_route_is_json_404(client):
    r = client.get("/api/nothing")
    assert r.status_code == 404 and r.get_json()["error"]


def test_security_headers(client):
    r = client.get("/api/search?q=a")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_missing_index_is_503(tmp_path):
    from webapp import create_app

    from .conftest import make_config

    app = create_app({"TESTING": True, "VNSEARCH": make_config(tmp_path)})
    c = app.test_client()
    r = c.get("/api/search?q=a")
    assert r.status_code == 503 and "index" in r.get_json()["error"]
    page = c.get("/?q=a")
    assert page.status_code == 503
    assert "Traceback" not in page.get_data(as_text=True)
    # where the index lives on the server's disk is for the log, not for visitors
    assert str(tmp_path) not in r.get_data(as_text=True)
    assert str(tmp_path) not in page.get_data(as_text=True)
    assert "vnsearch index" in page.get_data(as_text=True)


def test_stats_do_not_leak_the_index_path(client, core_index):
    """/api/stats names the index folder, never where it lives on the server's disk."""
    live = core_index.path("index")
    r = client.get("/api/stats")
    assert r.status_code == 200
    data = r.get_json()
    assert data["documents"] > 200 and data["index_bytes"] > 0
    assert data["index_path"] == live.name
    text = r.get_data(as_text=True)
    for leak in (str(live), str(live.parent), str(live.resolve().parent)):
        assert leak not in text and leak.replace("/", "\\/") not in text
    page = client.get("/stats").get_data(as_text=True)  # the HTML page shows no path either
    assert str(live.parent) not in page
