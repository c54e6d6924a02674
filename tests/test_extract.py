"""Extraction from constructed pages of each outlet (real corpus text, real markup shapes)."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import pytest

from indexer.ingest.documents import Article, ReadFailure
from indexer.ingest.extract import ExtractError, decode_html, extract_article, parse_date, rule_for_host, site_rules
from indexer.ingest.readers import html as html_reader
from indexer.ingest.readers.html import read_html_file

HTML = Path(__file__).parent / "data" / "html"
ALL_PAGES = sorted(p.name.split(".")[0] for p in HTML.glob("*.expected.json"))
PAGES = [n for n in ALL_PAGES if "refused" not in json.loads((HTML / f"{n}.expected.json").read_text("utf-8"))]
DETAILS = ["inline-links", "escaped-meta", "org-author", "visible-date", "rule-miss", "dantri-2025"]
SITES = ["vnexpress", "tuoitre", "thanhnien", "dantri", "vietnamnet", "congluan", "laodong", "nld"]


def expected(name: str) -> dict:
    return json.loads((HTML / f"{name}.expected.json").read_text(encoding="utf-8"))


def extract(name: str, **kw) -> Article:
    return extract_article((HTML / f"{name}.html").read_bytes(), **kw)


def test_every_outlet_has_a_fixture_and_a_rule():
    assert set(SITES) <= set(PAGES)
    names = {r.name for r in site_rules()}
    assert {"vnexpress.net", "tuoitre.vn", "thanhnien.vn", "dantri.com.vn", "vietnamnet.vn", "congluan.vn",
            "laodong.vn", "nld.com.vn"} <= names


@pytest.mark.parametrize("name", ALL_PAGES)
def test_fixture_says_it_is_constructed_from_a_corpus_record(name):
    raw = (HTML / f"{name}.html").read_bytes()
    text, _ = decode_html(raw)
    exp = expected(name)
    assert text.lstrip().startswith("<!-- Constructed test page")
    assert exp["corpus_id"] in text.split("-->", 1)[0]


@pytest.mark.parametrize("name", PAGES)
def test_page_extracts_title_and_body(name):
    exp = expected(name)
    art = extract(name)
    assert art.title == exp["title"]
    assert art.body == exp["body"]
    assert "\n\n" not in art.body and art.body == art.body.strip()


@pytest.mark.parametrize("name", SITES + ["generic"] + DETAILS)
def test_site_metadata(name):
    exp = expected(name)
    art = extract(name)
    for key in ("published", "author", "outlet", "category", "url", "description"):
        if key in exp:
            assert getattr(art, key) == exp[key], key


@pytest.mark.parametrize("name", SITES)
def test_site_rule_is_used_for_outlet_pages(name):
    art = extract(name)
    assert art.extra["site_rule"] == expected(name)["outlet"]


@pytest.mark.parametrize("name", [n for n in PAGES if expected(n).get("absent")])
def test_boilerplate_is_not_in_the_body(name):
    art = extract(name)
    for marker in expected(name)["absent"]:
        assert marker not in art.body, marker


def test_boilerplate_page_keeps_every_paragraph_in_order():
    art = extract("boilerplate")
    assert art.body.count("\n") == expected("boilerplate")["body"].count("\n")
    assert "BOILER" not in art.title and "BOILER" not in (art.description or "")


def test_json_ld_beats_og_and_url_is_canonical():
    art = extract("vnexpress", url="https://vnexpress.net/some-tracking-url?utm_source=rss")
    assert art.url == "https://vnexpress.net/gian-cau-do-de-nat-nha-cong-nhan-2106940.html"
    assert art.source == "https://vnexpress.net/some-tracking-url?utm_source=rss"
    assert art.extra["site_name"] == "VnExpress"


def test_og_author_url_is_not_taken_as_a_name():
    assert extract("laodong").author is None


def test_dantri_caption_is_dropped_but_credit_kept():
    art = extract("dantri")
    assert art.body.endswith("Theo Newsweek")
    assert "Sputnik" not in art.body


def test_site_rule_matches_subdomains_and_not_lookalikes():
    assert rule_for_host("suckhoe.vnexpress.net").name == "vnexpress.net"
    assert rule_for_host("vnexpress.net").name == "vnexpress.net"
    assert rule_for_host("notvnexpress.net") is None
    assert rule_for_host("www.congluan.vn").name == "congluan.vn"


def test_rule_found_through_canonical_when_served_from_elsewhere():
    art = extract("tuoitre", url="http://127.0.0.1:8080/mirror/page.htm")
    assert art.outlet == "tuoitre.vn" and art.extra["site_rule"] == "tuoitre.vn"


# ---------------------------------------------------------------- charsets

def test_windows_1258_page_is_decoded_and_composed():
    raw = (HTML / "cp1258.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    art = extract_article(raw)
    assert art.extra["encoding"] == "cp1258"
    assert art.body == expected("cp1258")["body"]
    # Composed (NFC) output: "ố" is one code point, no combining tone marks remain.
    assert not re.search("[\u0300\u0301\u0303\u0309\u0323]", art.body + art.title)


def test_windows_1258_without_declaration_is_detected():
    raw = re.sub(rb"<meta[^>]*>", b"", (HTML / "cp1258.html").read_bytes())
    art = extract_article(raw)
    assert art.title == expected("cp1258")["title"]
    assert art.body == expected("cp1258")["body"]


def test_utf16_page_with_bom():
    raw = (HTML / "utf16.html").read_bytes()
    assert raw.startswith(codecs.BOM_UTF16_LE)
    art = extract_article(raw)
    assert art.body == expected("utf16")["body"]


def test_utf16_named_by_header_without_bom():
    raw = (HTML / "utf16.html").read_bytes()[2:]
    art = extract_article(raw, content_type="text/html; charset=UTF-16LE")
    assert art.title == expected("utf16")["title"]


def test_page_without_charset_is_utf8():
    art = extract("nocharset")
    assert art.extra["encoding"] == "utf-8"


def test_wrong_header_charset_on_utf8_bytes():
    art = extract("nocharset", content_type="text/html; charset=ISO-8859-1")
    assert art.title == expected("nocharset")["title"]
    art = extract("vnexpress", content_type="text/html; charset=windows-1252")
    assert art.body == expected("vnexpress")["body"]


def test_header_charset_wins_over_meta():
    raw = (HTML / "cp1258.html").read_bytes().replace(b"charset=windows-1258", b"charset=utf-8")
    art = extract_article(raw, content_type="text/html; charset=windows-1258")
    assert art.body == expected("cp1258")["body"]


def test_str_input_is_accepted():
    text = (HTML / "vnexpress.html").read_text(encoding="utf-8")
    assert extract_article(text).title == expected("vnexpress")["title"]


# ---------------------------------------------------------------- failures and dates

@pytest.mark.parametrize("content, reason", [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"just some text without markup", "no markup"),
    (b"<html><head><title>x</title></head><body><div></div></body></html>", "no article text"),
    (b"<html><body><script>var a = 1;</script><nav>menu</nav></body></html>", "no article text"),
])
def test_no_article_raises_extract_error(content, reason):
    with pytest.raises(ExtractError, match=reason):
        extract_article(content)


def test_extract_error_is_a_value_error():
    assert issubclass(ExtractError, ValueError)


def test_binary_content_type_is_refused():
    with pytest.raises(ExtractError, match="not a web page"):
        extract_article(b"%PDF-1.4 ...", content_type="application/pdf")


def test_xhtml_with_xml_declaration_parses_without_warning():
    page = (b'<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>'
            + (HTML / "nocharset.html").read_bytes().split(b"<body>", 1)[1])
    art = extract_article(page)
    assert art.title == expected("nocharset")["title"]


@pytest.mark.parametrize("value, date", [
    ("2021-04-29T17:17:23+07:00", "2021-04-29"),
    ("Thứ ba, 9/8/2005, 14:20 (GMT+7)", "2005-08-09"),
    ("24/03/2005 07:00", "2005-03-24"),
    ("Wed, 26 Jul 2017 19:41:14 +0700", "2017-07-26"),
    ("2024-02-30", None),
    ("hôm qua", None),
    (None, None),
])
def test_parse_date(value, date):
    assert parse_date(value) == date


# ---------------------------------------------------------------- the HTML file reader

def test_read_html_file_sets_source(tmp_path):
    path = tmp_path / "a.html"
    path.write_bytes((HTML / "thanhnien.html").read_bytes())
    [art] = list(read_html_file(path))
    assert isinstance(art, Article)
    assert art.source == str(path)
    assert art.title == expected("thanhnien")["title"]


def test_read_html_file_failure_has_reason(tmp_path):
    path = tmp_path / "empty.html"
    path.write_bytes(b"<html><body></body></html>")
    [failure] = list(read_html_file(path))
    assert isinstance(failure, ReadFailure)
    assert failure.source == str(path) and "no article text" in failure.reason


def test_read_html_file_missing_file(tmp_path):
    [failure] = list(read_html_file(tmp_path / "nope.html"))
    assert isinstance(failure, ReadFailure) and "cannot read file" in failure.reason


def test_read_html_file_size_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(html_reader, "MAX_HTML_BYTES", 1000)
    path = tmp_path / "big.html"
    path.write_bytes(b"<p>" + b"x" * 2000 + b"</p>")
    [failure] = list(read_html_file(path))
    assert isinstance(failure, ReadFailure) and "too large" in failure.reason


# ---------------------------------------------------------------- extraction details (issue 15)

_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)


@pytest.mark.parametrize("name", PAGES)
def test_no_html_entity_in_any_extracted_field(name):
    art = extract(name)
    for value in (art.title, art.body, art.description, art.author, art.category):
        assert not _ENTITY.search(value or ""), value


def test_inline_links_inside_sentences_items_and_cells_are_kept():
    art = extract("inline-links")
    assert art.body == expected("inline-links")["body"]
    for phrase in ("Sở Giáo dục và Đào tạo Hà Nội", "ngành y tế.", "Theo Trung tâm Dự báo khí tượng"):
        assert phrase in art.body


def test_word_split_over_spans_is_joined_without_a_space():
    art = extract("inline-links")
    assert "\nTrưởng phòng Giáo dục" in art.body and "T rưởng" not in art.body
    assert "y tế ." not in art.body


def test_link_followed_by_punctuation_gets_no_space():
    first = expected("inline-links")["body"].split("\n")[0]
    marked = first.replace("mặc đồng phục.", '<a href="/x">mặc đồng phục</a>.').replace(
        "Trời lạnh,", "<b>Trời lạnh</b>,")
    assert marked != first
    text = extract_article(f"<html><body><article><p>{marked}</p></article></body></html>".encode()).body
    assert text == first


def test_metadata_escaped_twice_is_decoded_until_stable():
    art = extract("escaped-meta")
    exp = expected("escaped-meta")
    assert art.title == exp["title"] and art.description == exp["description"]
    assert art.body.split("\n", 1)[0] == exp["description"]


def test_organisation_and_site_name_authors_give_way_to_the_byline():
    assert extract("org-author").author == expected("org-author")["author"]
    assert extract("visible-date").author == expected("visible-date")["author"]


def test_site_name_alone_is_no_author():
    page = (HTML / "org-author.html").read_text("utf-8").replace('style="text-align:right;"', "")
    page = re.sub(r"<p class=\"Normal\" >.*?</p>\n</article>", "</article>", page, flags=re.DOTALL)
    art = extract_article(page.encode())
    assert art.author is None


def test_visible_date_next_to_the_byline_is_used():
    assert extract("visible-date").published == "2006-03-07"


def test_date_inside_the_text_is_not_taken_for_the_publication_date():
    page = b"<html><body><article><p>" + ("Ngày 17/5/2006, " + expected("vnexpress")["body"]).encode() \
        + b"</p></article></body></html>"
    assert extract_article(page).published is None


def test_listing_page_is_refused_with_a_reason():
    with pytest.raises(ExtractError, match="section or listing page"):
        extract("listing", url="https://vnexpress.net/thoi-su")


def test_listing_without_og_type_is_refused_too():
    page = (HTML / "listing.html").read_bytes().replace(b'<meta property="og:type" content="website">', b"")
    with pytest.raises(ExtractError, match="section or listing page"):
        extract_article(page)


def test_listing_page_fails_as_a_file_with_its_reason():
    items = list(read_html_file(HTML / "listing.html"))
    assert len(items) == 1 and isinstance(items[0], ReadFailure)
    assert "listing page" in items[0].reason and items[0].source.endswith("listing.html")


def test_rule_fields_that_matched_nothing_are_reported():
    art = extract("rule-miss")
    assert art.body == expected("rule-miss")["body"]  # the generic fallback still found it
    assert art.extra["rule_misses"] == expected("rule-miss")["rule_misses"]
    assert "rule_misses" not in extract("vnexpress").extra


def test_dantri_rule_fits_the_sites_2025_layout():
    """dantri-2025.html reproduces the 2025 page structure: every rule field matches, the
    kicker above the h1 is part of the headline, the player labels stay out of the body."""
    art = extract("dantri-2025")
    assert art.extra["site_rule"] == "dantri.com.vn"
    assert "rule_misses" not in art.extra
    assert art.title == expected("dantri-2025")["title"] and art.title.startswith("Lào Cai: Làm rõ")


def test_a_kicker_already_in_the_headline_is_not_repeated():
    page = (HTML / "dantri-2025.html").read_bytes().replace(
        b'<h1 class="title-page detail">', '<h1 class="title-page detail">Lào Cai: '.encode())
    assert extract_article(page).title == expected("dantri-2025")["title"]
