"""Headlines from real records: run-together VNTC lines, dantri leads kept as titles.

Data: ``tests/data/headlines/vntc-titles-labelled.jsonl`` (real VNTC title lines with
the headline labelled by reading, see the README there) and
``tests/data/headlines/unc-slug-records.jsonl`` (real UNC records), both copied from
``../shared/corpus``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from indexer.build.builder import _job, _Prepared
from indexer.ingest.documents import Article
from indexer.ingest import headline as headline_module
from indexer.ingest.headline import (
    MAX_DISPLAY_WORDS,
    display_title,
    restore_slug,
    split_title,
)
from indexer.ingest.readers import read_file
from indexer.ingest.readers.jsonl import record_to_article
from indexer.ingest.readers.titles import url_slug
from indexer.search.display import lead_to_show, snippet_source
from indexer.text.normalize import clean_text, fold

DATA = Path(__file__).parent / "data"
LABELLED = [json.loads(x) for x in (DATA / "headlines" / "vntc-titles-labelled.jsonl").read_text("utf-8").splitlines()]
UNC = {r["id"]: r for r in map(json.loads, (DATA / "headlines" / "unc-slug-records.jsonl").read_text("utf-8").splitlines())}


def labelled(prefix: str) -> dict:
    return next(r for r in LABELLED if r["title"].startswith(prefix))


@pytest.mark.parametrize("prefix", ["Buộc Nguyễn Thanh Tấn", "Quảng Ninh: 2 tàu va chạm", "Chè sen trứng gà",
                                    "Arsenal sẽ lật ngược", "Triệt phá đường dây", "Nặng lòng với đá quý",
                                    # the lead (or caption) repeats a pair of the headline's words
                                    "Hoàng Thanh Trang sẽ thi đấu", "Hơn 100 nhà khoa học dự",
                                    # a caption naming the headline's (foreign) name again is cut off
                                    "Nistelrooy lập công", "Ronaldo sẽ trở lại", "Bắt chước bất thành"])
def test_run_together_title_is_split_where_the_evidence_is(prefix):
    row = labelled(prefix)
    split = split_title(row["title"])
    assert split is not None and split.headline == row["headline"]
    assert row["title"].endswith(split.lead)


@pytest.mark.parametrize("prefix", ["Ngày 16/6, lãnh đạo Bệnh viện", "Vào lúc 9h30 ngày 21/5", "Hỏi: Em xin hỏi",
                                    "&gt;&gt; Các trường hợp"])
def test_lead_only_lines_are_not_split(prefix):
    assert split_title(labelled(prefix)["title"]) is None


def test_lead_only_line_is_shown_short_and_kept_whole_in_the_body():
    row = labelled("Ngày 16/6, lãnh đạo Bệnh viện")
    art = record_to_article({"title": row["title"], "body": "x", "outlet": row["outlet"]}, "s", "w")
    assert art.extra["title_kind"] == "lead"
    assert len(art.title.split()) <= MAX_DISPLAY_WORDS + 1
    assert art.body.startswith(row["title"])
    assert art.description is None


def test_split_keeps_the_lead_as_description_and_at_the_top_of_the_body():
    row = labelled("Chè sen trứng gà")
    art = record_to_article({"title": row["title"], "body": "", "outlet": row["outlet"]}, "s", "w")
    assert (art.title, art.extra["title_kind"]) == ("Chè sen trứng gà", "split")
    assert art.description and art.body.startswith(art.description)
    assert art.description.startswith("Tách trứng gà")


def test_clean_headlines_are_left_alone():
    with gzip.open(DATA / "core" / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        recs = [json.loads(line) for line in fh]
    clean = [r for r in recs if r.get("outlet") in ("vnexpress.net", "tuoitre.vn") and r.get("title")]
    assert len(clean) >= 50
    changed = [r["title"] for r in clean
               if record_to_article(r, "s", "w").title != " ".join(clean_text(r["title"]).split())]
    assert len(changed) <= 0.01 * len(clean), changed


def test_display_title_cuts_at_25_words():
    text = labelled("Ngày 16/6, lãnh đạo Bệnh viện")["title"]
    shown = display_title(text)
    assert len(shown.split()) <= MAX_DISPLAY_WORDS and text.startswith(shown.rstrip("…"))


# ------------------------------------------------------------------ slugs

def test_slug_syllables_take_the_spelling_of_the_same_words_in_context():
    rec = UNC["unc:news_society_211"]  # quang-nam-cap-bach-kich-hoat-he-thong-phong-chong-dich-covid-19
    art = record_to_article(rec, "s", "w")
    assert art.extra["title_kind"] == "slug"
    assert art.title.startswith("Quảng Nam cấp bách kích hoạt")
    assert "chống dịch Covid-19" in art.title
    assert fold(art.title).lower().replace("-", " ").split() == url_slug(rec["url"])


def test_slug_keeps_the_texts_punctuation():
    rec = UNC["unc:news_education_043"]  # bo-gddt-cac-truong-dai-hoc-khong-tang-hoc-phi-nam-hoc-2021-2022
    title = record_to_article(rec, "s", "w").title
    assert title.startswith(("Bộ GD&ĐT", "Bộ GDĐT"))
    assert "2021-2022" in title


def test_slug_headline_of_a_real_headline_record_is_kept():
    rec = UNC["unc:news_education_004"]  # 2020 batch: the record's title is the headline
    art = record_to_article(rec, "s", "w")
    assert art.title == rec["title"] and art.extra["title_kind"] == "headline"


def test_restored_syllables_come_from_the_text_not_from_the_slug_letters():
    rec = UNC["unc:news_education_004"]
    slug = url_slug(rec["url"])
    restored = restore_slug(slug, rec["body"])
    assert restored.missing == 0
    assert restored.headline.lower().split() == [w.strip(":") for w in rec["title"].lower().split()]


def test_txt_first_line_headline_is_never_overridden_by_the_slug(tmp_path):
    rec = UNC["unc:news_sport_142"]
    other = UNC["unc:news_society_211"]
    path = tmp_path / "a.txt"
    headline = "Indonesia triệu tập hàng khủng, đội tuyển Việt Nam lo lắng"
    path.write_text(f"{headline}\n{rec['body']}\nNguồn: {other['url']}\n", encoding="utf-8")
    (art,) = list(read_file(path))
    assert isinstance(art, Article) and art.title == headline


# ------------------------------------------------------------------ display and boosts

def test_lead_title_is_not_indexed_as_a_title():
    row = labelled("Ngày 16/6, lãnh đạo Bệnh viện")
    art = record_to_article({"title": row["title"], "body": "x"}, "s", "w")
    job = _job(_Prepared("k", "h", art, False, None))
    assert job[1] == "" and job[0]["title"] == art.title
    split = record_to_article({"title": labelled("Chè sen trứng gà")["title"], "body": ""}, "s", "w")
    assert _job(_Prepared("k", "h", split, False, None))[1] == "Chè sen trứng gà"


def test_snippet_does_not_start_with_the_titles_words():
    row = labelled("Ngày 16/6, lãnh đạo Bệnh viện")
    art = record_to_article({"title": row["title"], "body": "x"}, "s", "w")
    source = snippet_source(art.title, art.body)
    assert not source.startswith(art.title.rstrip("…")[:20])
    assert art.body.endswith(source)


def test_lead_is_shown_only_when_the_snippet_lacks_it():
    rec = UNC["unc:news_society_211"]
    art = record_to_article(rec, "s", "w")
    assert lead_to_show(art.description, art.title, "… nothing of it …") == art.description
    assert lead_to_show(art.description, art.title, art.description) is None
    assert lead_to_show(None, art.title, "x") is None


def test_photo_caption_is_not_shown_as_a_lead():
    caption = "Nga bắt đầu rút bớt quân khỏi Crimea hôm 23/4 (Ảnh: TASS)."  # title of unc:news_world_209
    assert lead_to_show(caption, "Phương Tây còn hoài nghi Nga từng video rút quân gần biên giới Ukraine",
                        "x") is None


@pytest.mark.parametrize("record, words", [
    ("unc:news_tech_002", "ngỡ ngàng với khả năng hoán đổi khuôn mặt của công nghệ deepfake"),
    ("unc:news_tech_015", "trước thềm bầu cử mỹ gần chạm mức"),
])
def test_slug_words_the_text_lacks_take_the_corpus_spelling_of_the_pair(record, words, monkeypatch):
    """The body never writes "ngỡ ngàng" or "trước thềm"; the corpus' pair table
    (bigrams.txt.gz) spells them, where each syllable's commonest form would not."""
    rec = UNC[record]
    slug = url_slug(rec["url"])
    restored = " ".join(restore_slug(slug, clean_text(rec["body"])).headline.lower().replace(",", "").split())
    assert words in restored
    monkeypatch.setattr(headline_module, "pair_prior", lambda: headline_module.PairTable({}))
    without = " ".join(restore_slug(slug, clean_text(rec["body"])).headline.lower().replace(",", "").split())
    assert words not in without


CAPTION_LINES = {r["id"]: r for r in map(json.loads, (DATA / "headlines" / "caption-before-marker.jsonl")
                                          .read_text("utf-8").splitlines())}


def test_a_photo_caption_before_the_outlet_marker_is_cut_off_a_long_headline():
    row = CAPTION_LINES["vntc:train:XH_NLD_(5178)"]
    split = split_title(row["title"])
    assert split is not None and split.headline == "Lãnh đạo TPHCM chúc Tết ngoại giao đoàn"
    assert split.lead.startswith("Chủ tịch UBND TP Lê Thanh Hải")


def test_a_headline_longer_than_a_result_line_is_not_made_by_a_split():
    """The caption starts after a capitalised word here, so it is not found: rather than
    show a 30-word 'headline', the line is left unsplit (and shown shortened)."""
    row = CAPTION_LINES["vntc:train:XH_NLD_(4673)"]
    assert split_title(row["title"]) is None
    art = record_to_article({"title": row["title"], "body": "", "outlet": row["outlet"]}, "s", "w")
    assert len(art.title.split()) <= MAX_DISPLAY_WORDS


def test_a_full_stop_ending_a_line_of_the_text_is_not_carried_into_the_headline():
    """The text writes "European Super League.\\nHLV Koeman": the restored headline is one line."""
    rec = next(r for r in UNC.values() if "barcelona-chua-rut-khoi-european-super-league" in r["url"])
    title = record_to_article(rec, "s", "w").title
    assert "\n" not in title and "League HLV Koeman" in title
