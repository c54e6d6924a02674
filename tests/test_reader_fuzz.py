"""Readers and feed parsing under broken, truncated, binary, huge and mis-encoded input.

Archives come from pages nobody here controls, so every reader must turn any input
into an Article or a ReadFailure (never an exception that stops the run), and memory
must stay bounded however large a file claims to be. Seeds are real files from
tests/data (core articles, the client's .txt, saved outlet pages, a real VnExpress
feed); the mutations (truncation, byte flips, wrong encodings) are made at test time,
as are the huge files (in tmp_path; nothing big is committed).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from indexer.fetch.discover import DiscoverError, maybe_gunzip, parse_feed, parse_sitemap, sniff_kind
from indexer.ingest.documents import Article, ReadFailure
from indexer.ingest.extract import ExtractError, extract_article
from indexer.ingest.readers import MAX_FILE_BYTES, read_paths

DATA = Path(__file__).parent / "data"
CORE = DATA / "core"
SEED_TXT = next(CORE.glob("*.txt"))
HTML_PAGES = sorted((DATA / "html").glob("*.html"))
FEEDS = sorted((DATA / "feeds").glob("*.xml"))
ROOT = Path(__file__).resolve().parent.parent


def _core_records(n: int = 5) -> list[dict]:
    out = []
    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            out.append(json.loads(line))
            if len(out) >= n:
                break
    return out


def _read_all(*paths) -> list:
    items = list(read_paths(paths))
    assert items, "every file yields at least one item"
    for item in items:
        assert isinstance(item, (Article, ReadFailure)), type(item)
        if isinstance(item, Article):
            assert isinstance(item.title, str) and isinstance(item.body, str)
            assert item.title or item.body
        else:
            assert str(item).strip()
    return items


def _seeds() -> dict[str, bytes]:
    recs = _core_records()
    jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode("utf-8")
    return {
        ".txt": SEED_TXT.read_bytes(),
        ".html": HTML_PAGES[0].read_bytes() if HTML_PAGES else b"<html><body><p>x</p></body></html>",
        ".json": json.dumps(recs, ensure_ascii=False).encode("utf-8"),
        ".jsonl": jsonl,
        ".jsonl.gz": gzip.compress(jsonl),
        ".json.gz": gzip.compress(json.dumps(recs[0], ensure_ascii=False).encode("utf-8")),
    }


def _mutations(data: bytes, rnd: random.Random) -> dict[str, bytes]:
    out = {
        "empty": b"",
        "blank": b" \n\t\r\n" * 10,
        "bom-only": b"\xef\xbb\xbf",
        "utf16-bom-only": b"\xff\xfe",
        "nul": b"\x00" * 4096,
        "random": bytes(rnd.randrange(256) for _ in range(4096)),
        "head": data[:1],
        "half": data[: len(data) // 2],
        "tail": data[len(data) // 2:],
        "minus-one": data[:-1],
        "nul-inside": data[: len(data) // 3] + b"\x00" * 64 + data[len(data) // 3:],
    }
    for i in range(3):
        flipped = bytearray(data)
        for _ in range(max(1, len(data) // 200)):
            pos = rnd.randrange(len(flipped))
            flipped[pos] = rnd.randrange(256)
        out[f"flipped-{i}"] = bytes(flipped)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        out["utf16-no-bom"] = text.encode("utf-16-le")
        out["utf16-bom"] = text.encode("utf-16")
        out["utf32"] = text.encode("utf-32")
        out["cp1258"] = text.encode("cp1258", "replace")
        out["latin1-mojibake"] = text.encode("utf-8").decode("latin-1").encode("utf-8")
        out["double-utf8"] = text.encode("utf-8").decode("cp1252", "replace").encode("utf-8")
        out["crlf-cr"] = text.replace("\n", "\r").encode("utf-8")
    return out


SEEDS = _seeds()


@pytest.mark.parametrize("suffix", list(SEEDS))
def test_mutated_files_yield_articles_or_failures(tmp_path, suffix):
    rnd = random.Random(f"vnsearch-{suffix}")
    seed = SEEDS[suffix]
    if suffix.endswith(".gz"):
        raw = gzip.decompress(seed)
        cases = {f"gz-{k}": gzip.compress(v) for k, v in _mutations(raw, rnd).items()}
        cases.update({f"raw-{k}": v for k, v in _mutations(seed, rnd).items()})
    else:
        cases = _mutations(seed, rnd)
    for name, data in cases.items():
        path = tmp_path / f"{name}{suffix}"
        path.write_bytes(data)
        _read_all(path)
    # ... and all of them in one run, as a folder: nothing stops the run
    items = _read_all(tmp_path)
    assert len(items) >= len(cases)


def test_the_unmutated_seeds_are_articles(tmp_path):
    for suffix, data in SEEDS.items():
        (tmp_path / f"seed{suffix}").write_bytes(data)
    items = _read_all(tmp_path)
    assert all(isinstance(i, Article) for i in items), [str(i) for i in items if isinstance(i, ReadFailure)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(list(SEEDS)))
def test_arbitrary_bytes(tmp_path, data, suffix):
    path = tmp_path / f"x{suffix}"
    path.write_bytes(data)
    _read_all(path)


def test_deeply_nested_json_costs_one_record_not_the_file(tmp_path):
    recs = _core_records(2)
    deep = "[" * 100_000 + "]" * 100_000
    jsonl = tmp_path / "deep.jsonl"
    jsonl.write_text(json.dumps(recs[0], ensure_ascii=False) + "\n" + deep + "\n"
                     + '{"title": "x", "body": ' + deep + "}\n"
                     + json.dumps(recs[1], ensure_ascii=False) + "\n", encoding="utf-8")
    items = _read_all(jsonl)
    articles = [i for i in items if isinstance(i, Article)]
    failures = [i for i in items if isinstance(i, ReadFailure)]
    assert [a.id for a in articles] == [recs[0]["id"], recs[1]["id"]]
    assert len(failures) == 2 and all("line" in f.source for f in failures)
    single = tmp_path / "deep.json"
    single.write_text(deep, encoding="utf-8")
    (failure,) = _read_all(single)
    assert isinstance(failure, ReadFailure) and "deep" in failure.reason
    # nesting just under the parser's limit is read (as text) without a crash
    ok = tmp_path / "ok.json"
    ok.write_text('{"title": "Tiêu đề", "body": ' + "[" * 500 + '"nội dung"' + "]" * 500 + "}", encoding="utf-8")
    _read_all(ok)


def test_odd_json_types(tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join([
        '{"title": 5, "body": true}',
        '{"title": {"a": 1}, "body": "x", "date": [1, 2], "url": 7, "id": {"x": 1}, "category": [1], "outlet": 3}',
        '{"title": "x", "body": "y", "date": "99999-99-99", "url": "javascript:alert(1)"}',
        '{"title": "\\ud800", "body": "\\udfff x"}',
        'null', '[]', '"str"', '1e999', 'NaN', '{"title": null, "body": null}', '{"body": ' + '"a",' * 3 + '}',
    ]) + "\n", encoding="utf-8")
    items = _read_all(path)
    for item in items:
        if isinstance(item, Article):
            assert "\ud800" not in item.title and "\udfff" not in item.body


def test_gzip_damage(tmp_path):
    data = SEEDS[".jsonl.gz"]
    cases = {"truncated": data[: len(data) // 2], "no-trailer": data[:-8], "not-gzip": b"hello",
             "bad-crc": data[:-8] + b"\x00" * 8, "empty": b"", "two-members": data + data}
    for name, raw in cases.items():
        for suffix in (".jsonl.gz", ".json.gz"):
            path = tmp_path / f"{name}{suffix}"
            path.write_bytes(raw)
            _read_all(path)
    truncated = _read_all(tmp_path / "truncated.jsonl.gz")
    assert isinstance(truncated[-1], ReadFailure) and "gzip" in str(truncated[-1])


def _run_measured(script: str, tmp_path: Path) -> dict:
    """Run ``script`` in a fresh interpreter; it prints one JSON line; add peak RSS in MB."""
    code = textwrap.dedent("""
        import json, resource, sys
        sys.path.insert(0, {root!r})
        from indexer.ingest.readers import read_paths
        from indexer.ingest.documents import Article, ReadFailure
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        counts = {{"articles": 0, "failures": [], "other": 0}}
        for item in read_paths(sys.argv[1:]):
            if isinstance(item, Article):
                counts["articles"] += 1
            elif isinstance(item, ReadFailure):
                counts["failures"].append(str(item)[-200:])
            else:
                counts["other"] += 1
        counts["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        counts["base_mb"] = base / 1024
        print(json.dumps(counts))
    """).format(root=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code, *script.split("\0")], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_huge_files_are_refused_or_streamed_with_bounded_memory(tmp_path):
    """50 MB+ files made here: capped formats are refused by size, JSONL is streamed."""
    over = MAX_FILE_BYTES + 1024 * 1024
    rec = _core_records(1)[0]
    line = (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")
    chunk = ("Bộ trưởng Quốc phòng " * 5000 + "\n").encode("utf-8")

    def fill(path: Path, head: bytes, unit: bytes, size: int, tail: bytes = b"") -> Path:
        with path.open("wb") as fh:
            fh.write(head)
            written = len(head)
            while written < size:
                fh.write(unit)
                written += len(unit)
            fh.write(tail)
        return path

    big_txt = fill(tmp_path / "big.txt", b"", chunk, over)
    big_html = fill(tmp_path / "big.html", b"<html><body>", b"<p>" + chunk + b"</p>", over, b"</body></html>")
    big_json = fill(tmp_path / "big.json", b"[", line.rstrip() + b",", over, line.rstrip() + b"]")
    # one JSONL line longer than the 50 MB line limit, between two good records
    long_line = fill(tmp_path / "longline.jsonl", line + b'{"title": "x", "body": "', b"a" * 1024 * 1024,
                     over, b'"}\n' + line.replace(rec["id"].encode(), b"second"))
    # a gzip bomb: a few hundred KB that inflate to a 300 MB line
    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as gz:
        gz.write(line)
        block = b" " * (1024 * 1024)
        for _ in range(300):
            gz.write(block)
        gz.write(b"\n" + line.replace(rec["id"].encode(), b"after-bomb"))
    result = _run_measured("\0".join(str(p) for p in (big_txt, big_html, big_json, long_line, bomb)), tmp_path)
    assert result["other"] == 0
    failures = "\n".join(result["failures"])
    assert "big.txt" in failures and "big.html" in failures and "big.json" in failures
    assert "too large" in failures
    assert "longer than 50 MB" in failures
    # the good records around the long line and after the bomb's line are read
    assert result["articles"] >= 3, result
    # bounded: nowhere near the 300 MB the bomb inflates to, plus the 50 MB files
    assert result["peak_mb"] - result["base_mb"] < 250, result


# -- feeds, sitemaps and pages fetched from elsewhere ---------------------------------


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']><rss version="2.0"><channel><item><title>&lol9;</title>'
                    b'<link>https://example.vn/a.html</link></item></channel></rss>')
XXE_FEED = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<rss version="2.0"><channel><item><title>&x;</title><link>https://example.vn/1</link>'
            b'</item></channel></rss>')
XXE_SITEMAP = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://example.vn/&x;</loc>'
               b'</url></urlset>')


def _parse_listing(data: bytes) -> None:
    """What the fetcher does with a listing: sniff, gunzip, parse; only DiscoverError."""
    base = "https://example.vn/rss/tin-moi-nhat.rss"
    assert sniff_kind(base, "application/rss+xml", data) in ("feed", "sitemap", "robots", "html")
    try:
        data = maybe_gunzip(data, 5_000_000)
    except DiscoverError:
        return
    for parse in (parse_feed, parse_sitemap):
        try:
            result = parse(data, base)
        except DiscoverError as exc:
            assert str(exc)
            continue
        items = result[1] if isinstance(result, tuple) else result
        for item in items:
            assert item.url.lower().startswith(("http:", "https:"))  # never javascript:, file:
            assert "root:" not in (item.title or "") and "root:" not in item.url


# feedparser warns (DeprecationWarning) when a mutated entry has an unparsable date;
# bs4 warns when XML is parsed as HTML. Warnings are not failures of the run.
_LISTING_WARNINGS = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
                     pytest.mark.filterwarnings("ignore::UserWarning")]


@pytest.mark.skipif(not FEEDS, reason="no real feeds in tests/data/feeds")
@_LISTING_WARNINGS[0]
@_LISTING_WARNINGS[1]
def test_mutated_feeds_parse_or_fail_cleanly():
    rnd = random.Random("feeds")
    for feed in FEEDS[:2]:
        for name, data in _mutations(feed.read_bytes(), rnd).items():
            _parse_listing(data)
            _parse_listing(gzip.compress(data))


@_LISTING_WARNINGS[0]
@_LISTING_WARNINGS[1]
@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_listing_bytes(data):
    _parse_listing(data)
    _parse_listing(b'<?xml version="1.0"?><rss version="2.0"><channel><item>' + data)
    _parse_listing(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>' + data)


@_LISTING_WARNINGS[0]
@_LISTING_WARNINGS[1]
def test_hostile_xml_is_not_expanded():
    feed = parse_feed(BILLION_LAUGHS, "https://example.vn/rss")
    assert all(len(i.title or "") < 10_000 for i in feed)
    for data in (XXE_FEED, XXE_SITEMAP):
        _parse_listing(data)
    kind, entries = parse_sitemap(XXE_SITEMAP, "https://example.vn/sitemap.xml")
    assert all("root:" not in e.url for e in entries)
    with pytest.raises(DiscoverError):
        maybe_gunzip(gzip.compress(b"<urlset>" + b" " * 20_000_000), 5_000_000)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_mutated_pages_extract_or_fail_cleanly():
    rnd = random.Random("pages")
    pages = HTML_PAGES[:4]
    extra = {
        "deep-div": b"<html><body>" + b"<div>" * 5000 + "Bộ trưởng nói. ".encode() * 40 + b"</div>" * 5000,
        "script-only": b"<html><body><script>" + b"x" * 10000 + b"</script></body></html>",
        "unclosed": b"<html><body><p>" + "Một đoạn văn rất dài. ".encode() * 100,
    }
    cases = [data for page in pages for data in _mutations(page.read_bytes(), rnd).values()] + list(extra.values())
    for data in cases:
        for ctype in (None, "text/html; charset=utf-8", "text/html; charset=x-bogus-42"):
            try:
                article = extract_article(data, url="https://example.vn/a-b-c-123.html", content_type=ctype)
            except ExtractError as exc:
                assert str(exc)
                continue
            assert isinstance(article, Article) and (article.title or article.body)


# -- the fetcher end to end, against a hostile site on 127.0.0.1 ------------------------


@_LISTING_WARNINGS[0]
@_LISTING_WARNINGS[1]
def test_fetch_run_survives_a_hostile_site(tmp_path):
    """Feeds, sitemaps and pages that are broken, looping, bombs or lies: failures, no crash."""
    try:
        from tests.conftest import make_config
        from tests.httpserver import LocalServer, Reply, gzipped, oversize, static
    except ImportError:
        from conftest import make_config
        from httpserver import LocalServer, Reply, gzipped, oversize, static
    from indexer.fetch.run import fetch

    real_page = HTML_PAGES[0].read_bytes() if HTML_PAGES else b"<html><body><p>x</p></body></html>"
    with LocalServer() as server:
        u = server.url

        def rss(links: list[str], extra: bytes = b"") -> bytes:
            items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
            return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}'
                    f"</channel></rss>").encode() + extra

        server.route("/robots.txt", static(bytes(range(256)) * 4, "text/plain"))
        server.route("/rss/mixed.rss", static(rss([
            u("/p/real.html"), u("/p/binary.html"), u("/p/empty.html"), u("/p/deep.html"), u("/p/huge.html"),
            u("/p/missing.html"), "javascript:alert(1)", "file:///etc/passwd",
            u("/p/utf16.html"), u("/p/server-error.html"),
        ]), "application/rss+xml"))
        server.route("/rss/laughs.rss", static(BILLION_LAUGHS, "application/rss+xml"))
        server.route("/rss/truncated.rss", static(rss([u("/p/real.html")])[:-40], "application/rss+xml"))
        server.route("/rss/garbage.rss", static(os.urandom(3000), "application/rss+xml"))
        server.route("/sitemap-loop.xml", static(
            (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f'<sitemap><loc>{u("/sitemap-loop.xml")}</loc></sitemap>'
             f'<sitemap><loc>{u("/sitemap-bomb.xml.gz")}</loc></sitemap></sitemapindex>').encode(),
            "application/xml"))
        server.route("/sitemap-bomb.xml.gz", gzipped(b"<urlset>" + b" " * 30_000_000 + b"</urlset>"))
        server.route("/p/real.html", static(real_page))
        server.route("/p/binary.html", static(os.urandom(5000), "text/html"))
        server.route("/p/empty.html", static(b"", "text/html"))
        server.route("/p/deep.html", static(b"<html><body>" + b"<div>" * 5000 + b"</body></html>"))
        server.route("/p/huge.html", oversize(8_000_000))
        server.route("/p/lying-gzip.html", lambda req: Reply(200, b"not gzip at all",
                                                             {"Content-Type": "text/html",
                                                              "Content-Encoding": "gzip"}))
        server.route("/p/utf16.html", static(real_page.decode("utf-8", "replace").encode("utf-16-le"),
                                             "text/html; charset=utf-8"))
        server.route("/p/server-error.html", lambda req: Reply(500, b"boom", {"Content-Type": "text/plain"}))
        cfg = make_config(tmp_path, **{"fetch.delay": 0.0, "fetch.retries": 0, "fetch.timeout": 10.0,
                                       "fetch.max_bytes": 5_000_000})
        targets = [u("/rss/mixed.rss"), u("/rss/laughs.rss"), u("/rss/truncated.rss"), u("/rss/garbage.rss"),
                   u("/sitemap-loop.xml"), "javascript:alert(1)", "ftp://127.0.0.1/x"]
        summary = fetch(targets, cfg)
        paths = server.paths() if callable(getattr(server, "paths", None)) else [r.path for r in server.requests]
    assert summary.failed >= 6, summary.failures
    assert all(isinstance(a, Article) for a in summary.articles)
    assert all(str(f).strip() for f in summary.failures)
    assert paths.count("/sitemap-loop.xml") == 1, "a sitemap index that lists itself is read once"
    assert not any("passwd" in p for p in paths)


def test_fetch_survives_a_lying_content_encoding(tmp_path):
    try:
        from tests.conftest import make_config
        from tests.httpserver import LocalServer, Reply, static
    except ImportError:
        from conftest import make_config
        from httpserver import LocalServer, Reply, static
    from indexer.fetch.run import fetch

    real_page = HTML_PAGES[0].read_bytes() if HTML_PAGES else b"<html><body><p>x</p></body></html>"
    with LocalServer() as server:
        server.route("/robots.txt", static(b"User-agent: *\n", "text/plain"))
        server.route("/p/lying-gzip.html", lambda req: Reply(200, b"not gzip at all",
                                                             {"Content-Type": "text/html",
                                                              "Content-Encoding": "gzip"}))
        server.route("/p/real.html", static(real_page))
        cfg = make_config(tmp_path, **{"fetch.delay": 0.0, "fetch.retries": 0, "fetch.timeout": 10.0})
        summary = fetch([server.url("/p/lying-gzip.html"), server.url("/p/real.html")], cfg)
    assert summary.failed == 1 and len(summary.articles) == 1
