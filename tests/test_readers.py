"""Readers on real data: the client's seed article and real corpus records.

Fixtures live in tests/data/readers/ (see tests/data/README.md); broken files are made
from them in tmp_path (binary, empty, truncated gzip...), never from invented text.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from indexer.ingest.documents import Article, ReadFailure
from indexer.ingest.readers import SUPPORTED_SUFFIXES, iter_files, read_file, read_paths
from indexer.ingest.readers.categories import display_category
from indexer.ingest.readers.meta import outlet_from_url, parse_date
from indexer.ingest.headline import MAX_DISPLAY_WORDS, display_title, split_title
from indexer.ingest.readers.titles import url_slug

DATA = Path(__file__).parent / "data" / "readers"
SEED = DATA / "seed-congluan.txt"
RECORDS = DATA / "records.jsonl"
SEED_HEADLINE = "Mỹ ra tuyên bố thành lập bộ chỉ huy quân sự mới tại Nhật Bản"


def _records() -> list[dict]:
    return [json.loads(line) for line in RECORDS.read_text(encoding="utf-8").splitlines()]


def _articles(path: Path) -> dict[str, Article]:
    items = list(read_file(path))
    assert all(isinstance(a, Article) for a in items), [str(a) for a in items if isinstance(a, ReadFailure)]
    return {a.id: a for a in items}  # type: ignore[misc]


# --- the client's seed article ---------------------------------------------------

@pytest.fixture(scope="module")
def seed() -> Article:
    (article,) = list(read_file(SEED))
    assert isinstance(article, Article)
    return article


def test_seed_metadata(seed: Article) -> None:
    assert seed.title == SEED_HEADLINE
    assert seed.url == "https://www.congluan.vn/my-ra-tuyen-bo-thanh-lap-bo-chi-huy-quan-su-moi-tai-nhat-ban-post305266.html"
    assert seed.author == "Ngọc Ánh"
    assert seed.outlet == "congluan.vn"
    assert seed.extra["credit"] == "Japan Times, Reuters"
    assert seed.source == str(SEED)


def test_seed_body_is_the_article_without_metadata_lines(seed: Article) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    assert seed.body.split("\n") == lines[:-2]  # paragraphs one a line, as in the file
    assert "Nguồn" not in seed.body
    assert "Ngọc Ánh" not in seed.body
    assert seed.body.startswith("Thông báo này được đưa ra sau các cuộc đàm phán an ninh tại Tokyo")


def test_seed_with_crlf_and_bom_reads_the_same(tmp_path: Path, seed: Article) -> None:
    text = SEED.read_text(encoding="utf-8").replace("\n", "\r\n")
    for name, data in [("bom.txt", b"\xef\xbb\xbf" + text.encode("utf-8")), ("utf16.txt", text.encode("utf-16"))]:
        path = tmp_path / name
        path.write_bytes(data)
        (article,) = list(read_file(path))
        assert isinstance(article, Article)
        assert (article.title, article.body, article.author, article.url) == (seed.title, seed.body, seed.author, seed.url)


def test_seed_in_windows_1258_is_detected(tmp_path: Path, seed: Article) -> None:
    path = tmp_path / "cp1258.txt"
    import unicodedata

    # cp1258 has letters like "ô", "ư" but no toned ones: the tone mark is a separate byte
    def split_tone(ch: str) -> str:
        nfd = unicodedata.normalize("NFD", ch)
        tones = [c for c in nfd if c in "\u0300\u0301\u0303\u0309\u0323"]
        base = "".join(c for c in nfd if c not in tones)
        return unicodedata.normalize("NFC", base) + "".join(tones) if tones else ch

    text = "".join(split_tone(ch) for ch in SEED.read_text(encoding="utf-8"))
    path.write_bytes(text.replace("“", '"').replace("”", '"').replace("–", "-").encode("cp1258"))
    (article,) = list(read_file(path))
    assert isinstance(article, Article), str(article)
    assert article.title == seed.title
    assert article.body.split("\n")[0] == seed.body.split("\n")[0]


def test_txt_header_form(tmp_path: Path) -> None:
    rec = _records()[0]  # a real VnExpress article
    path = tmp_path / "header.txt"
    path.write_text(
        f"Title: {rec['title']}\nURL: https://vnexpress.net/the-gioi/x-1.html\nDate: 28/07/2024\n"
        f"Category: The gioi\nAuthor: Reuters\n\n{rec['body']}",
        encoding="utf-8",
    )
    (article,) = list(read_file(path))
    assert isinstance(article, Article)
    assert article.title == rec["title"]
    assert article.published == "2024-07-28"
    assert article.category == "Thế giới"
    assert article.author == "Reuters"
    assert article.outlet == "vnexpress.net"
    assert article.body.startswith(rec["body"].strip().split("\r\n")[0].strip())
    assert "Title:" not in article.body


def test_txt_without_source_line_takes_headline_line(tmp_path: Path) -> None:
    rec = _records()[0]
    path = tmp_path / "plain.txt"
    path.write_text(rec["title"] + "\n" + rec["body"], encoding="utf-8")
    (article,) = list(read_file(path))
    assert isinstance(article, Article)
    assert article.title == rec["title"]
    assert rec["title"] not in article.body


def test_txt_starting_with_a_paragraph_gets_first_sentence_as_title(tmp_path: Path) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()[:-2]  # no credit, no Nguồn
    path = tmp_path / "lead.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    (article,) = list(read_file(path))
    assert isinstance(article, Article)
    assert len(article.title.split()) <= MAX_DISPLAY_WORDS
    assert lines[0].startswith(article.title.rstrip("…"))
    assert article.body.split("\n") == lines  # nothing moved out of the body


# --- JSON / JSONL records ------------------------------------------------------------

def test_jsonl_ids_source_and_fields_kept() -> None:
    arts = _articles(RECORDS)
    assert list(arts) == [r["id"] for r in _records()]
    a = arts["unc:news_tech_011"]
    assert a.title == 'Smartphone phát nổ như bom khiến khách hàng "khiếp vía"'
    assert a.published == "2020-11-02"
    assert a.url and a.url.startswith("https://dantri.com.vn/")
    assert a.outlet == "dantri.com.vn"
    assert a.source == str(RECORDS)
    assert a.extra["dataset"] == "CP_Vietnamese-UNC"


@pytest.mark.parametrize(
    ("rec_id", "category"),
    [
        ("vntc:test:TG_VNE_T_(748)", "Thế giới"),
        ("vntc:train:TT_NLD_(5313)", "Thể thao"),
        ("vntc:train:XH_TT_(2377)", "Xã hội"),
        ("vntc:test:PL_TT_T_(3295)", "Pháp luật"),
        ("vntc:train:SK_TN_(2877)", "Sức khỏe"),
        ("unc:news_education_180", "Giáo dục"),
        ("unc:news_tech_011", "Công nghệ"),
        ("unc:news_science_176", "Khoa học"),
    ],
)
def test_categories_shown_in_vietnamese(rec_id: str, category: str) -> None:
    assert _articles(RECORDS)[rec_id].category == category


@pytest.mark.parametrize(
    ("label", "shown"),
    [("Chinh tri Xa hoi", "Xã hội"), ("society", "Xã hội"), ("Van hoa", "Văn hóa"), ("Doi song", "Đời sống"),
     ("Vi tinh", "Công nghệ"), ("tech", "Công nghệ"), ("entertainment", "Giải trí"), ("travel", "Du lịch"), ("Thể thao", "Thể thao"),
     ("Bất động sản", "Bất động sản"), ("  ", None), (None, None)],
)
def test_display_category(label: str | None, shown: str | None) -> None:
    assert display_category(label) == shown


def test_one_category_vocabulary_across_the_bundled_sources() -> None:
    """Every label of both bundled sources maps onto one list: no topic under two names."""
    import gzip
    import json

    from indexer.config import PROJECT_ROOT

    shown: dict[str, set[str]] = {}
    for name in ("vntc-subset.jsonl.gz", "dantri-subset.jsonl.gz"):
        with gzip.open(PROJECT_ROOT / "corpus" / name, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                shown.setdefault(name, set()).add(display_category(rec.get("category")))
    both = shown["vntc-subset.jsonl.gz"] | shown["dantri-subset.jsonl.gz"]
    assert {"Công nghệ", "Xã hội"} <= shown["vntc-subset.jsonl.gz"] & shown["dantri-subset.jsonl.gz"]
    assert not both & {"Vi tính", "Chính trị – Xã hội", "tech", "society"}


def test_run_together_nld_title_split_at_marker() -> None:
    a = _articles(RECORDS)["vntc:train:TT_NLD_(5313)"]
    assert a.title == "Vòng loại U20 châu Á: Việt Nam đạt chỉ tiêu"
    assert a.body.startswith("U20 VN đã đạt được chỉ tiêu giành quyền dự VCK U20 châu Á 2006")
    assert "(NLĐ)" not in a.title


@pytest.mark.parametrize("rec_id", ["vntc:train:TT_TN_(4043)"])
def test_long_title_without_marker_is_shortened_and_kept_in_body(rec_id: str) -> None:
    raw = next(r for r in _records() if r["id"] == rec_id)
    a = _articles(RECORDS)[rec_id]
    full = " ".join(raw["title"].split())
    assert len(a.title.split()) <= MAX_DISPLAY_WORDS
    assert full.startswith(a.title.rstrip("…"))
    assert a.body.startswith(full)  # the whole lead is searchable


def test_single_line_doc_kept_with_its_text_as_body() -> None:
    raw = next(r for r in _records() if r["id"] == "vntc:train:TT_NLD_(5659)")
    assert not raw["body"].strip()
    a = _articles(RECORDS)[raw["id"]]
    # Headline and lead run together without a marker: split at "Ngày", every word kept.
    assert a.title == "Động Lực tài trợ 56.912 USD" and a.extra["title_kind"] == "split"
    assert a.title + " " + a.body == " ".join(raw["title"].split())


def test_empty_title_takes_first_body_line() -> None:
    raw = next(r for r in _records() if r["id"] == "vntc:train:SK_TN_(2877)")
    assert raw["title"] == ""
    a = _articles(RECORDS)[raw["id"]]
    assert a.title and raw["body"].strip().startswith(a.title.rstrip("…"))


def test_unc_lead_as_title_gets_headline_from_url_slug() -> None:
    raw = next(r for r in _records() if r["id"] == "unc:news_science_176")
    a = _articles(RECORDS)[raw["id"]]
    assert a.title == "Phát hiện đông trùng hạ thảo bọ xít tại Vườn quốc gia Hoàng Liên"
    assert a.body.startswith(raw["title"].strip())


def test_entities_nbsp_and_decomposed_marks_cleaned() -> None:
    arts = _articles(RECORDS)
    entity = arts["vntc:test:PL_TT_T_(3295)"]
    assert entity.body.startswith('>> Vụ "động" phim sex ở Đồng Nai')
    assert "&gt;" not in entity.body
    nbsp = arts["vntc:train:SK_TN_(2877)"]
    assert "\xa0" not in nbsp.title + nbsp.body
    raw = next(r for r in _records() if r["id"] == "vntc:train:XH_TT_(2377)")
    assert any(0x300 <= ord(ch) <= 0x323 for ch in raw["body"])  # really mixed in the source
    mixed = arts[raw["id"]]
    import unicodedata

    assert unicodedata.is_normalized("NFC", mixed.body)
    assert "\r" not in mixed.body


def test_json_object_list_and_gzip(tmp_path: Path) -> None:
    recs = _records()
    (tmp_path / "one.json").write_text(json.dumps(recs[0], ensure_ascii=False), encoding="utf-8")
    (tmp_path / "list.json").write_text(json.dumps(recs[:3], ensure_ascii=False), encoding="utf-8")
    with gzip.open(tmp_path / "list.json.gz", "wt", encoding="utf-8") as fh:
        json.dump(recs[:2], fh, ensure_ascii=False)
    with gzip.open(tmp_path / "all.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(RECORDS.read_text(encoding="utf-8"))
    counts = {name: len(_articles(tmp_path / name)) for name in ("one.json", "list.json", "list.json.gz", "all.jsonl.gz")}
    assert counts == {"one.json": 1, "list.json": 3, "list.json.gz": 2, "all.jsonl.gz": len(recs)}


# --- bad input: one clear failure, reading goes on -------------------------------------

def test_bad_jsonl_line_among_good_ones(tmp_path: Path) -> None:
    lines = RECORDS.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines[:3] + [lines[3][:40]] + lines[4:]) + "\n", encoding="utf-8")
    items = list(read_file(path))
    failures = [i for i in items if isinstance(i, ReadFailure)]
    assert len(failures) == 1
    assert failures[0].source == f"{path}:line 4"
    assert "invalid JSON" in failures[0].reason
    assert len(items) - 1 == len(lines) - 1


def test_record_without_title_and_body(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    rec = dict(_records()[0], title="", body=" \r\n")
    path.write_text(json.dumps(rec) + "\n" + RECORDS.read_text(encoding="utf-8").splitlines()[1] + "\n", encoding="utf-8")
    items = list(read_file(path))
    assert isinstance(items[0], ReadFailure) and "neither title nor body" in items[0].reason
    assert isinstance(items[1], Article)


def _truncated_gz(tmp_path: Path) -> Path:
    data = gzip.compress(RECORDS.read_bytes())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    return path


def _bad_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("binary.txt", gzip.compress(b"\x00\x01" * 400) + bytes(range(256)), "binary file"),
        ("latin.txt", bytes(range(128, 256)) * 4 + b"\x00", "binary file"),
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b" \n\r\n ", "empty file"),
        ("empty.jsonl", b"\n\n", "empty file"),
        ("empty.json", b"", "empty file"),
        ("invalid.json", b'{"id": "x", "title": "a",\n "body": }', "invalid JSON: expecting value at line 2"),
        ("notgzip.jsonl.gz", b'{"id": 1}\n', "not a gzip file"),
        ("garbage.jsonl", b"\x89PNG\r\n\x1a\n" * 20, "not a JSON Lines file"),
        ("report.pdf", b"%PDF-1.4", "unsupported file type '.pdf'"),
    ],
)
def test_broken_files_give_one_clear_failure(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = _bad_file(tmp_path, name, data)
    items = list(read_file(path))
    assert len(items) == 1, items
    (failure,) = items
    assert isinstance(failure, ReadFailure)
    assert reason in failure.reason
    assert str(path) in str(failure)


def test_truncated_gzip_keeps_records_before_the_cut(tmp_path: Path) -> None:
    items = list(read_file(_truncated_gz(tmp_path)))
    assert isinstance(items[-1], ReadFailure)
    assert "truncated gzip" in items[-1].reason
    assert all(isinstance(i, Article) for i in items[:-1])


def test_missing_file_and_unsupported_are_reported_by_read_paths(tmp_path: Path) -> None:
    items = list(read_paths([tmp_path / "nope.txt", _bad_file(tmp_path, "a.docx", b"PK")]))
    assert [type(i) for i in items] == [ReadFailure, ReadFailure]
    assert items[0].reason == "no such file or directory"
    assert "unsupported file type '.docx'" in items[1].reason and ".jsonl.gz" in items[1].reason


def test_too_large_txt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import indexer.ingest.readers as readers

    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1000)
    (failure,) = list(read_file(SEED))
    assert isinstance(failure, ReadFailure) and failure.reason.startswith("file too large")


def test_html_dispatch_never_raises(tmp_path: Path) -> None:
    path = _bad_file(tmp_path, "page.html", b"<html><body><p>x</p></body></html>")
    for item in read_file(path):  # the HTML reader may or may not exist yet
        assert isinstance(item, (Article, ReadFailure))


# --- folders --------------------------------------------------------------------------

def test_directories_walked_sorted_skipping_hidden_docs_and_unsupported(tmp_path: Path) -> None:
    (tmp_path / "b" / "c").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    shutil.copy(SEED, tmp_path / "b" / "c" / "seed.txt")
    shutil.copy(RECORDS, tmp_path / "a.jsonl")
    shutil.copy(SEED, tmp_path / ".hidden" / "seed.txt")
    shutil.copy(SEED, tmp_path / ".dot.txt")
    (tmp_path / "README.md").write_text("# x", encoding="utf-8")
    (tmp_path / "LICENSE").write_text("MIT", encoding="utf-8")
    (tmp_path / "b" / "notes.pdf").write_bytes(b"%PDF")
    files = list(iter_files([tmp_path, tmp_path / "a.jsonl"]))
    assert files == [tmp_path / "a.jsonl", tmp_path / "b" / "c" / "seed.txt"]
    items = list(read_paths([tmp_path]))
    assert all(isinstance(i, Article) for i in items)
    assert len(items) == len(_records()) + 1


def test_shipped_corpus_reads_cleanly() -> None:
    corpus = Path(__file__).parents[1] / "corpus"
    items = list(read_paths([corpus]))
    assert not [str(i) for i in items if isinstance(i, ReadFailure)]
    assert len(items) >= 1900
    seed = [a for a in items if isinstance(a, Article) and a.outlet == "congluan.vn"]
    assert [a.title for a in seed] == [SEED_HEADLINE]


# --- helpers ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [("2021-04-20", "2021-04-20"), ("28/07/2024", "2024-07-28"), ("2024-07-28T10:00:00+07:00", "2024-07-28"),
     ("Thứ hai, 29/07/2024 08:00", "2024-07-29"), ("2024-02-30", None), ("hôm qua", None), (None, None), (2024, None)],
)
def test_parse_date(value: object, expected: str | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("url", "outlet"),
    [("https://www.congluan.vn/a-post1.html", "congluan.vn"), ("https://dantri.com.vn/x.htm", "dantri.com.vn"),
     ("not a url", None), (None, None)],
)
def test_outlet_from_url(url: str | None, outlet: str | None) -> None:
    assert outlet_from_url(url) == outlet


def test_url_slug() -> None:
    assert url_slug("https://www.congluan.vn/my-ra-tuyen-bo-thanh-lap-bo-chi-huy-quan-su-moi-tai-nhat-ban-post305266.html") == \
        "my ra tuyen bo thanh lap bo chi huy quan su moi tai nhat ban".split()
    assert url_slug("https://dantri.com.vn/kinh-doanh/lai-suat-ngan-hang-giam-sau-xuong-thap-nhat-10-nam-20201001151214720.htm")[-2:] == ["10", "nam"]
    assert url_slug("https://example.com/") == []
    assert url_slug(None) == []


def test_shorten_and_split_helpers() -> None:
    assert split_title(SEED_HEADLINE) is None
    assert display_title(SEED_HEADLINE) == SEED_HEADLINE
    assert SUPPORTED_SUFFIXES == (".txt", ".html", ".htm", ".json", ".jsonl", ".jsonl.gz", ".json.gz")
