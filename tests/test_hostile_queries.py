"""Hostile and malformed queries: a fast 200 or a clear 400, never a 500, never a hang.

Every query below goes through the Flask test client on the four pages that read
``q`` (``/``, ``/api/search``, ``/api/suggest``, ``/article``) and through the engine
directly. "Never a hang" is checked by running each request in a worker thread with a
generous timeout (no timing assertions: a slow machine must not fail the suite).
The limits of issue 7 (query length, number of terms, prefix expansion, page depth,
time limit with partial results) are checked one by one.
"""

from __future__ import annotations

import concurrent.futures
from urllib.parse import quote

import pytest
from indexer.search import query as vq

from indexer.search.querylang import QueryTooLongError, parse_query
from indexer.search.engine import MAX_PREFIX_EXPANSION, SearchEngine, SearchRequest

HANG_SECONDS = 30  # a request that takes longer than this is a hang, not slowness

HOSTILE = [
    '"', '""""', '"bộ chỉ huy', 'bộ chỉ huy"', '"a" "b', "((((", "))))", "(bộ (trưởng", "[{<>}]",
    "*", "?", "* * * *", "?*?*?*", "**********", "t*", "th*", "ng* t* b* c* d* h* k* l* m* q* s* v* x*",
    "*ng", "tr?ng", "-*", "-th*", "--", "- - -", "-" * 3000, '"' * 3000, '-"' * 1000, "-\"bộ trưởng\"",
    "title:x", "body:bộ", "outlet:vnexpress.net", "category:Thể thao title:", "key:*", "id:1",
    "AND OR NOT", "bộ AND trưởng OR NOT mỹ", "bộ~2", "bộ^10", "trưởng/3", "{a TO z}", "[a TO z]",
    "\x00", "\x00bộ\x00trưởng", "\x01\x02\x03\x1b[31m", "\x7f\x85\x9f", "\u202ebộ trưởng\u202c",
    "\ufeff\u200b\u200d", "\ud800", "a\udc00b", "\udbff\udfff", "bộ\ud800trưởng",
    "o\u0301" * 200, "\u0301" * 400, "\u0300\u0301\u0303\u0309\u0323" * 80, "a" + "\u0323" * 399,
    "ÐÐÐ ððð", "\ufffd" * 100, "😀" * 100, "𝐛𝐨̣̂ 𝐭𝐫𝐮̛𝐨̛̉𝐧𝐠", "ﬁﬂ ｂｏ ｔｒｕｏｎｇ", "%", "%%%", "%00",
    "<script>alert(1)</script>", "'; DROP TABLE articles; --", "../../etc/passwd", "\\", "\\\\\\",
    "bộ " * 120, " ".join(f"từ{i}" for i in range(100)), "a" * 399, "9" * 399, "1e308", "-1",
    "\n\n\n", "\t\r\n", " " * 399,
]
TOO_LONG = ["a" * 100_000, "bộ trưởng " * 10_000, "\u0301" * 100_000, "-" * 100_000, '"' * 100_000]


@pytest.fixture(scope="module")
def pool():
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as ex:
        yield ex


@pytest.fixture(scope="module")
def doc_id(engine):
    result = engine.search(SearchRequest(q="bộ trưởng", per_page=1, facets=False))
    assert result.hits, "the core index should hold an article about a minister"
    return result.hits[0].id


def _get(pool, client, path, **kwargs):
    """One request, failing (not hanging) when it takes longer than HANG_SECONDS."""
    future = pool.submit(client.get, path, **kwargs)
    try:
        return future.result(timeout=HANG_SECONDS)
    except concurrent.futures.TimeoutError:  # pragma: no cover - a failure mode
        pytest.fail(f"GET {path} {kwargs} did not answer within {HANG_SECONDS} s (hang)")


def _raw_get(pool, client, path, raw_query: str):
    """GET with a query string sent as-is (percent escapes not re-encoded by the client)."""
    return _get(pool, client, path, environ_overrides={"QUERY_STRING": raw_query})


def _check(resp, path):
    assert resp.status_code != 500, f"{path}: internal error"
    assert resp.status_code in (200, 400), f"{path}: unexpected {resp.status_code}"
    if path.startswith("/api/"):
        body = resp.get_json()
        assert isinstance(body, dict)
        if resp.status_code == 400:
            assert body["error"] and body["param"], body
    else:
        assert resp.mimetype == "text/html"
        assert b"Traceback" not in resp.data


# -- through the web app ----------------------------------------------------------


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_query_on_every_page(client, pool, doc_id, q):
    # The test client cannot put a lone surrogate into a URL; the engine tests below
    # cover them as Python strings and test_lone_surrogate_in_url as %ED%A0%80.
    q_url = q.encode("utf-8", "replace").decode("utf-8")
    for path in ("/", "/api/search", "/api/suggest"):
        resp = _get(pool, client, path, query_string={"q": q_url})
        _check(resp, path)
        if path == "/api/search" and resp.status_code == 200:
            body = resp.get_json()
            assert body["total"] >= len(body["results"])
            assert isinstance(body["partial"], bool)
    resp = _get(pool, client, "/article", query_string={"id": doc_id, "q": q_url})
    assert resp.status_code == 200, q
    assert b"Traceback" not in resp.data


@pytest.mark.parametrize("q", TOO_LONG, ids=["letters", "words", "marks", "dashes", "quotes"])
def test_huge_query_is_searched_on_its_first_part(client, pool, doc_id, core_index, q):
    limit = core_index.search.max_query_chars
    resp = _get(pool, client, "/api/search", query_string={"q": q})
    assert resp.status_code == 200
    body = resp.get_json()
    cut = [n for n in body["notices"] if n["code"] == "query_cut"]
    assert cut and cut[0]["limit"] == limit and len(cut[0]["kept"]) <= limit and q.startswith(cut[0]["kept"])
    assert body["query"] == cut[0]["kept"] and any(str(limit) in note for note in body["notes"])
    resp = _get(pool, client, "/", query_string={"q": q})
    assert resp.status_code == 200
    assert "đã tìm theo phần đầu".encode() in resp.data and str(limit).encode() in resp.data
    resp = _get(pool, client, "/api/suggest", query_string={"q": q})
    assert resp.status_code == 400 and resp.get_json()["param"] == "q"
    # the article page shows the article; the over-long highlight query is cut, not fatal
    resp = _get(pool, client, "/article", query_string={"id": doc_id, "q": q})
    assert resp.status_code == 200


@pytest.mark.parametrize("raw", [
    "q=%ED%A0%80", "q=%ED%B0%80abc", "q=%ED%A0%80%ED%B0%80", "q=%FF%FE%FD", "q=%C0%AF", "q=%E0%80%80",
    "q=%00", "q=%25", "q=%", "q=%%%", "q=%G0", "q=a&q=b&q=%ED%A0%80", "q", "=", "&&&", "q=bo+truong&page=%ED%A0%80",
    "q=a&outlet=%ED%A0%80", "q=a&category=%00", "q=a&from=%ED%A0%80", "q=a&sort=%ED%A0%80",
])
def test_undecodable_bytes_in_url(client, pool, doc_id, raw):
    for path in ("/", "/api/search", "/api/suggest"):
        _check(_raw_get(pool, client, path, raw), path)
    resp = _raw_get(pool, client, "/article", f"id={doc_id}&{raw}")
    assert resp.status_code == 200
    resp = _raw_get(pool, client, "/article", raw.replace("q=", "id=", 1))
    assert resp.status_code in (400, 404)


@pytest.mark.parametrize("value", [
    "0", "-1", "1.5", "1e9", "99999999999", "9" * 400, "0x10", " ", "abc", "²", "①", "١", "٣", "¹⁰",
    "%ED%A0%80", "1%00", "+1", "1_0",
])
def test_page_and_per_page_are_validated(client, pool, value):
    value = "".join(c if c.isascii() else quote(c) for c in value)
    for param in ("page", "per_page"):
        resp = _raw_get(pool, client, "/api/search", f"q=bo+truong&{param}={value}")
        if resp.status_code == 200:  # "+1"/" " may decode to an accepted value: fine
            continue
        assert resp.status_code == 400, (param, value)
        assert resp.get_json()["param"] == param
        resp = _raw_get(pool, client, "/", f"q=bo+truong&{param}={value}")
        assert resp.status_code in (200, 400)
    resp = _raw_get(pool, client, "/api/suggest", f"q=bo&limit={value}")
    assert resp.status_code in (200, 400), value


@pytest.mark.parametrize("raw", ["q=a&page=\xb2", "q=\xed\xa0\x80", "q=bo\xfftruong", "q=\xc3\xa1&limit=\xb9",
                                 "id=\xff&q=\xfe"])
def test_raw_non_ascii_bytes_in_query_string(client, pool, raw):
    """Bytes a client sends unescaped (WSGI hands them over as latin-1): 200 or 400."""
    for path in ("/", "/api/search", "/api/suggest", "/article", "/api/article"):
        resp = _raw_get(pool, client, path, raw)
        assert resp.status_code in (200, 400, 404), (path, raw)


def test_page_depth_limit(client, pool, core_index):
    deepest = core_index.search.max_page
    resp = _get(pool, client, "/api/search", query_string={"q": "a", "page": deepest})
    assert resp.status_code == 200
    resp = _get(pool, client, "/api/search", query_string={"q": "a", "page": deepest + 1})
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["param"] == "page" and str(deepest) in body["error"]
    resp = _get(pool, client, "/", query_string={"q": "a", "page": deepest + 1})
    assert resp.status_code == 400 and str(deepest).encode() in resp.data


def test_bad_filters_are_400_not_500(client, pool):
    cases = [("from", "2020-13-45"), ("to", "99999"), ("from", "²⁰²⁰"), ("sort", "oldest"),
             ("outlet", "x" * 500), ("per_page", "51")]
    for name, value in cases:
        resp = _get(pool, client, "/api/search", query_string={"q": "bo", name: value})
        assert resp.status_code == 400, (name, value)
        assert resp.get_json()["param"] == name
    resp = _get(pool, client, "/api/search", query_string=[("q", "bo")] + [("outlet", str(i)) for i in range(21)])
    assert resp.status_code == 400 and resp.get_json()["param"] == "outlet"


def test_lone_surrogate_in_url(client, pool):
    """%ED%A0%80 is the UTF-8-style encoding of U+D800: never valid, never a 500."""
    resp = _raw_get(pool, client, "/api/search", "q=%ED%A0%80")
    assert resp.status_code == 200
    body = resp.get_json()
    assert "\ud800" not in body["query"]


# -- through the engine -----------------------------------------------------------


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_query_through_engine(engine, q):
    if len(q) > engine.config.search.max_query_chars:
        cut = engine.search(SearchRequest(q=q))
        assert cut.notices[0]["code"] == "query_cut"
        q = q[: engine.config.search.max_query_chars]
    result = engine.search(SearchRequest(q=q, debug=True))
    assert result.total >= len(result.hits)
    for hit in result.hits:
        assert "<script" not in hit.snippet
    assert isinstance(engine.complete(q), list)
    parsed = engine.parse(q)
    assert all(part.syllables for part in parsed.parts)


@pytest.mark.parametrize("q", TOO_LONG, ids=["letters", "words", "marks", "dashes", "quotes"])
def test_too_long_through_engine(engine, q):
    result = engine.search(SearchRequest(q=q))
    assert result.notices[0]["code"] == "query_cut" and len(result.query) <= 500
    assert engine.complete(q) == [] or isinstance(engine.complete(q), list)
    with pytest.raises(QueryTooLongError):
        parse_query(q, max_chars=500)


def test_query_length_limit_is_configurable(core_index):
    engine = SearchEngine(core_index.with_overrides(**{"search.max_query_chars": 20}))
    assert not engine.search(SearchRequest(q="b" * 20)).notices
    result = engine.search(SearchRequest(q="Nhật Bản " * 3))  # 27 characters: cut at a word boundary
    assert result.query == "Nhật Bản Nhật Bản" and result.notices[0]["limit"] == 20
    assert result.total >= 1 and "20" in result.notes[0]


def test_term_limit_drops_and_reports(engine, core_index):
    limit = core_index.search.max_terms
    words = [f"từ{i}" for i in range(limit + 15)]
    result = engine.search(SearchRequest(q=" ".join(words)))
    assert any(str(limit) in note for note in result.notes), result.notes
    parsed = engine.parse(" ".join(words))
    assert sum(len(p.syllables) for p in parsed.parts) == limit
    assert parsed.dropped == [w for w in words[limit:]]


def test_prefix_expansion_is_bounded(engine):
    """A one-letter-ish prefix over the whole vocabulary expands to a bounded Or."""
    parsed = engine.parse("th* ng* tr* ch* nh* kh* ph* gi* qu*")
    s = engine.searcher()
    q = engine._retrieval_query(parsed, s, require_all=False)
    terms = [t for t in q.leaves() if isinstance(t, vq.Term)]
    parts = len(parsed.positive)
    assert parts == 9
    assert len(terms) <= parts * 2 * MAX_PREFIX_EXPANSION
    # and the vocabulary really is bigger than the bound, so the bound did something
    vocab = sum(1 for _ in s.reader().expand_prefix("body_f", "th"))
    assert vocab > MAX_PREFIX_EXPANSION
    result = engine.search(SearchRequest(q="th* ng* tr* ch* nh* kh* ph* gi* qu*"))
    assert result.total > 0


def test_query_without_searchable_words_finds_nothing(engine):
    for q in ("%%%", "*", "- - -", '"', "\ud800", "((("):
        result = engine.search(SearchRequest(q=q))
        assert result.total == 0 and result.hits == []
        assert any("no searchable words" in n for n in result.notes), (q, result.notes)


def test_negative_only_query_is_everything_else(engine):
    everything = engine.search(SearchRequest(q="", outlet=["vnexpress.net"])).total
    assert everything > 0
    minus = engine.search(SearchRequest(q="-bộ", outlet=["vnexpress.net"])).total
    assert 0 < minus < everything


@pytest.fixture(scope="module")
def many_index(tmp_path_factory):
    """1,200 short articles sharing one word, built from a real headline of tests/data/core."""
    import gzip
    import json

    try:
        from tests.conftest import CORE, make_config
    except ImportError:
        from conftest import CORE, make_config
    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths

    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        real = json.loads(fh.readline())
    root = tmp_path_factory.mktemp("many")
    src = root / "many.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for i in range(1200):
            fh.write(json.dumps({"id": f"many-{i}", "title": f"{real['title']} số {i}",
                                 "body": f"Bản tin thứ {i}: {real['title']}"}, ensure_ascii=False) + "\n")
    cfg = make_config(root)
    summary = index_articles(cfg, read_paths([src]))
    assert summary.indexed == 1200, summary.line()
    return cfg


def test_time_limit_returns_partial_results(many_index):
    """A search cut short by search.time_limit returns what it found, marked partial.

    A limit of 0 s has always expired by the time hits are collected, whenever the
    collector checks the clock; the index is big enough that collection runs on. The
    total is still exact: it is counted from term bitsets, not by the ranking stage.
    """
    full = SearchEngine(many_index).search(SearchRequest(q="ban tin"))
    assert full.total == 1200 and full.partial is False
    cut = SearchEngine(many_index.with_overrides(**{"search.time_limit": 0.0}))
    result = cut.search(SearchRequest(q="ban tin"))
    assert result.partial is True
    assert result.total == full.total
    assert len(result.hits) <= len(full.hits)
    for hit in result.hits:
        assert hit.id.startswith("many-")
    # the filter still applies to what was collected before the limit
    filtered = cut.search(SearchRequest(q="ban tin", outlet=["no-such-outlet"]))
    assert filtered.total == 0


def test_time_limit_partial_flag_in_api(many_index):
    from webapp import create_app

    cfg = many_index.with_overrides(**{"search.time_limit": 0.0})
    client = create_app({"TESTING": True, "VNSEARCH": cfg}).test_client()
    resp = client.get("/api/search", query_string={"q": "ban tin"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["partial"] is True
    page = client.get("/", query_string={"q": "ban tin"})
    assert page.status_code == 200
    assert "chưa đầy đủ" in page.get_data(as_text=True)


def test_complete_search_is_not_partial(engine):
    result = engine.search(SearchRequest(q="bo truong"))
    assert result.partial is False


@pytest.mark.parametrize("doc_id", ["", "\ud800", "a\udc00", "\x00", "*", "vntc:*", "a" * 2000, "../../etc/passwd"])
def test_odd_document_ids(engine, doc_id):
    assert engine.document(doc_id) is None


def test_many_made_up_words_get_bounded_fuzzy_help(engine, monkeypatch):
    """Each unknown syllable costs a walk of the term dictionary outside the time limit;
    a query of many made-up words walks it a bounded number of times."""
    import random

    from indexer.search.engine import MAX_FUZZY_SYLLABLES
    from indexer.search.suggest import Suggester

    calls = []
    original = Suggester.candidates

    def counting(self, folded, *args, **kwargs):
        calls.append(folded)
        return original(self, folded, *args, **kwargs)

    monkeypatch.setattr(Suggester, "candidates", counting)
    rnd = random.Random(7)
    words = ["".join(rnd.choice("bcdghklmnpqrstvx") + rnd.choice("aeiouy") + rnd.choice("bcdghklmnpqrstvx")
                     for _ in range(3)) for _ in range(engine.config.search.max_terms)]
    result = engine.search(SearchRequest(q=" ".join(words)))
    assert result.total == 0
    assert len(calls) <= 3 * MAX_FUZZY_SYLLABLES, len(calls)


def test_cli_search_with_hostile_arguments(core_index):
    """``vnsearch search`` with undecodable argv bytes, escapes and an over-long query."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("vnsearch")
    if not exe.exists():
        pytest.skip("the vnsearch command is not installed in this environment")
    index = os.fsencode(str(core_index.path("index")))
    cases = [b"\xff\xfe", b"\xed\xa0\x80bo truong", b"\x1b[31mbo\x07", b'"', b"-", b"*", b"a" * 600]
    for arg in cases:
        proc = subprocess.run([os.fsencode(str(exe)), b"search", arg, b"--index", index, b"--limit", b"2"],
                              capture_output=True, timeout=120)
        assert b"Traceback" not in proc.stderr, proc.stderr[-2000:]
        assert proc.returncode == 0, proc.stderr[-2000:]
        if len(arg) > core_index.search.max_query_chars:
            assert b"searched its first" in proc.stderr
