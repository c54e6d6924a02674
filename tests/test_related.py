"""Related articles share what the article is about (issue 19): measured against plain
more-like-this on the shared 216-article index."""

from __future__ import annotations

from indexer.search.related import Candidate, named_entities, rerank


def _shares(engine, doc, ids) -> float:
    mine = named_entities(doc.title, doc.body)
    good = 0
    for other in (engine.document(i) for i in ids):
        good += bool((doc.category and other.category == doc.category)
                     or mine & named_entities(other.title, other.body))
    return good / len(ids) if ids else 1.0


def test_related_links_share_a_name_or_the_category_more_often(engine):
    s = engine.searcher()
    reader = s.reader()
    docs = [engine.document(reader.stored_fields(d)["key"]) for d in list(reader.all_doc_ids())[:40]]
    ours = plain = 0.0
    for doc in docs:
        shown = [h.id for h in engine.related(doc, limit=5)]
        mlt = [h.fields()["key"] for h in s.more_like(doc.docnum, "words", top=6, numterms=12)
               if h.fields()["key"] != doc.id][:5]
        ours += _shares(engine, doc, shown)
        plain += _shares(engine, doc, mlt)
    assert ours / len(docs) >= 0.7 and ours > plain, (ours / len(docs), plain / len(docs))


def test_names_are_runs_of_capitalised_syllables():
    names = named_entities("Mỹ ra tuyên bố thành lập bộ chỉ huy quân sự mới tại Nhật Bản",
                           "Bộ trưởng Quốc phòng Mỹ Lloyd Austin cùng những người đồng cấp Nhật Bản")
    assert {"nhật bản", "mỹ lloyd austin"} <= names and "bộ trưởng" not in names


def test_a_candidate_sharing_nothing_must_be_nearly_the_best():
    cands = [Candidate(10.0, "Thế giới", "Nhật Bản và Mỹ", ""), Candidate(7.0, "Công nghệ", "Máy chủ mới", ""),
             Candidate(9.0, "Công nghệ", "Máy chủ thế hệ mới", "")]
    assert rerank("Quân đội Nhật Bản", "", "Thế giới", cands) == [0, 2]
