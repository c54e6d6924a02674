"""People, places and organisations: extraction at index time, facets from bitsets, filters.

Texts are the client's seed article and real sentences of tests/data/core.
"""

from __future__ import annotations

import gzip
import json

import pytest

from indexer.search.engine import SearchRequest
from indexer.text.analysis import analyze
from indexer.text.entities import entity_terms, extract_entities, places
from indexer.text.normalize import normalize

from .conftest import CORE, SEED, SEED_TITLE


def _entities(text: str) -> list[tuple[str, str]]:
    text = normalize(text)
    return extract_entities(text, analyze(text, normalized=True).words)


def _core_sentence(needle: str) -> str:
    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            body = json.loads(line).get("body") or ""
            for sentence in body.replace("\r", "").split("\n"):
                if needle in sentence:
                    return sentence
    raise AssertionError(f"no core article has {needle!r}")


def test_seed_article_names_people_places_and_an_organisation():
    found = set(_entities(SEED.read_text(encoding="utf-8")))
    assert {("per", "Yoko Kamikawa"), ("per", "Minoru Kihara"), ("loc", "Nhật Bản"), ("loc", "Mỹ"),
            ("loc", "Ukraine")} <= found
    assert any(kind == "org" and name.startswith("Bộ Tư lệnh") for kind, name in found)
    # Capitalised words that are not names of people or places stay out.
    assert not any(name in ("Theo", "Thông", "Khung", "Patriot Advanced Capability") for _k, name in found)


def test_sentence_start_titles_and_pyvi_word_boundaries():
    sentence = _core_sentence("Ông Trần Đức Long, Phó Vụ trưởng Vụ Pháp chế Bộ Y tế")
    found = _entities(sentence)
    assert ("per", "Trần Đức Long") in found  # "Ông" starts the sentence: not part of the name
    assert ("org", "Bộ Y tế") in found  # pyvi's word "Y_tế" ends the organisation's name
    assert not any(name.startswith("Ông") or name == "Phó" for _k, name in found)


def test_places_list_has_old_and_new_names_with_aliases():
    table = places()
    assert table["TP.HCM"] == table["Sài Gòn"] == "Thành phố Hồ Chí Minh"
    assert "Hà Tây" in table and "Quảng Nam" in table and "Huế" in table
    assert len([n for n, canon in table.items() if n == canon]) > 100
    hcm = _entities(_core_sentence("các bạn SV trên địa bàn TP.HCM và các tỉnh lân cận"))
    assert ("loc", "Thành phố Hồ Chí Minh") in hcm
    hue = _entities(_core_sentence("UBND tỉnh Thừa Thiên - Huế dồn dập thu hồi đất"))
    assert ("loc", "Huế") in hue and not any(name == "UBND" for _k, name in hue)
    # A street named after a person, inside a longer run of capitals, is not the province.
    street = _entities(_core_sentence("ngay phía sau đường Hoàng Diệu, quận 4 (TP.HCM)"))
    assert ("loc", "Thành phố Hồ Chí Minh") in street


def test_title_case_headlines_are_skipped():
    # The seed's headline, as some feeds capitalise every word of it.
    headline = " ".join(w[:1].upper() + w[1:] for w in SEED_TITLE.split())
    assert extract_entities(headline) == []
    assert ("loc", "Nhật Bản") in extract_entities(SEED_TITLE)


def test_entity_terms_of_title_and_body_once_each():
    body = normalize(SEED.read_text(encoding="utf-8"))
    spans = (analyze(SEED_TITLE).words, analyze(body, normalized=True).words)
    terms = entity_terms(SEED_TITLE, body, spans)
    assert terms[0] == "loc:Mỹ" or terms[0] == "loc:Nhật Bản"
    assert len(terms) == len(set(terms)) and "per:Yoko Kamikawa" in terms


def test_entity_facets_count_the_result_set_like_other_facets(engine):
    result = engine.search(SearchRequest(q="viet nam", per_page=10))
    places_facet = dict(result.facets["place"])
    assert places_facet.get("loc:Việt Nam", 0) > 10
    # Below search.enough_matches a filtered search widens its reading (other diacritic
    # forms), as for any filter: compare where the count is the strict reading's.
    enough = engine.config.search.enough_matches
    checked = [tc for tc in result.facets["place"][:4] + result.facets["organisation"][:3] if tc[1] >= enough]
    assert len(checked) >= 3
    for term, count in checked:
        filtered = engine.search(SearchRequest(q="viet nam", entity=[term], per_page=50))
        assert filtered.total == count, term
        assert all(term in h.entities for h in filtered.hits)
    seed = engine.search(SearchRequest(q="bộ chỉ huy quân sự Nhật Bản", per_page=1)).hits[0]
    assert "per:Yoko Kamikawa" in seed.entities


def test_entity_filter_in_api_page_and_chip(client):
    data = client.get("/api/search?q=nhat+ban&entity=loc:Mỹ").get_json()
    assert data["total"] > 0 and all("loc:Mỹ" in r["entities"] for r in data["results"])
    assert {"person", "place", "organisation"} <= set(data["facets"])
    html = client.get("/?q=nhat+ban").get_data(as_text=True)
    assert 'id="facet-place"' in html and "entity=loc%3ANh%E1%BA%ADt+B%E1%BA%A3n" in html
    chip = client.get("/?q=nhat+ban&entity=loc:Mỹ").get_data(as_text=True)
    assert 'aria-label="Bỏ lọc nơi chốn: Mỹ"' in chip
    assert client.get("/api/search?q=x&entity=" + "a" * 300).status_code == 400


@pytest.mark.parametrize("term", ["per:" + SEED_TITLE, "zzz"])
def test_unknown_entity_filters_to_nothing(engine, term):
    assert engine.search(SearchRequest(q="nhat ban", entity=[term])).total == 0


def _core_text(needle: str) -> str:
    """The title or body line of a core article holding ``needle``, entities decoded as
    the readers decode them."""
    import html

    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            for text in (record.get("title") or "", *(record.get("body") or "").replace("\r", "").split("\n")):
                if needle in text:
                    return html.unescape(text)
    raise AssertionError(f"no core article has {needle!r}")


def test_one_name_for_an_organisation_written_several_ways():
    # "Bộ GD-ĐT" (NLĐ) and "Bộ GD&ĐT" (VnExpress, "&amp;" in the record): one ministry.
    dash = _entities(_core_text("Theo một nguồn tin từ Bộ GD-ĐT, chiều 6-2"))
    amp = _entities(_core_text("được Bộ GD&amp;ĐT ban hành"))
    assert ("org", "Bộ Giáo dục và Đào tạo") in dash and ("org", "Bộ Giáo dục và Đào tạo") in amp
    assert not any(name in ("Bộ GD", "Sở GD") for _k, name in dash + amp)
    lower = _entities(_core_text("Bộ Khoa học công nghệ vừa ban hành"))
    assert ("org", "Bộ Khoa học và Công nghệ") in lower


def test_an_organisations_place_stays_with_it():
    found = _entities(_core_text("Theo ý kiến của Sở GD-ĐT Hải Phòng thì"))
    assert ("org", "Sở Giáo dục và Đào tạo Hải Phòng") in found and ("loc", "Hải Phòng") in found
    police = _entities(_core_text("Công an TP. Lào Cai về sự việc"))
    assert ("org", "Công an Lào Cai") in police and not any(name == "Công an TP" for _k, name in police)


def test_a_name_cut_before_its_lower_case_rest_is_left_out():
    # Whole: its capitals end at a bracket. Cut: the name goes on in lower case.
    whole = _entities(_core_text("đã bị Cục Cảnh sát Kinh tế (Bộ Công an) phát hiện"))
    assert ("org", "Cục Cảnh sát Kinh tế") in whole and ("org", "Bộ Công an") in whole
    for needle, cut in (("Viện Sốt rét ký sinh trùng trung ương", "Viện Sốt rét"),
                        ("Công ty Vàng bạc đá quí Agribank", "Công ty Vàng bạc")):
        assert ("org", cut) not in _entities(_core_text(needle)), needle


def test_a_street_named_after_a_person_is_not_a_person():
    found = _entities(_core_text("Một đoạn đường Đinh Tiên Hoàng ngập sâu"))
    assert not any(name == "Đinh Tiên Hoàng" for _k, name in found)
