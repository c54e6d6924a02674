"""Facets and totals count every match, and only those the filters allow.

(Whoosh's default block-quality skipping leaves matches uncollected, which made
groupedby facets undercount and filtered totals re-run the query unfiltered.)
"""

from whoosh import sorting

from indexer.backends.whoosh.translate import to_whoosh
from indexer.search.engine import FACET_FIELDS, SearchRequest


def test_facets_match_whoosh_groupedby_and_filtered_total(engine):
    for q in ("Việt Nam", "bong da", "học sinh"):
        res = engine.search(SearchRequest(q=q))
        s = engine.searcher()
        # The match is the union of the stages run up to the one used (indexer.search.matching).
        query = to_whoosh(engine.match_query(q))
        ref = s.search(query, limit=5, groupedby={n: sorting.FieldFacet(n, maptype=sorting.Count)
                                                  for n in FACET_FIELDS}, optimize=False)
        assert res.total == len(ref)
        for name in FACET_FIELDS:
            want = {(k.decode() if isinstance(k, bytes) else k): v for k, v in ref.groups(name).items()
                    if k not in (None, "", b"")}
            assert dict(res.facets[name]) == want, name
        if not res.facets["category"]:
            continue
        cat, n = res.facets["category"][0]
        filtered = engine.search(SearchRequest(q=q, category=[cat], per_page=50))
        assert filtered.total == n
        assert all(h.category == cat for h in filtered.hits)


def _small_facet_filters(result, enough: int):
    """(request keyword, value, count) for every facet value counted below ``enough``."""
    param = {"outlet": "outlet", "category": "category", "person": "entity", "place": "entity",
             "organisation": "entity"}
    for name, key in param.items():
        for value, count in result.facets.get(name, []):
            if 0 < count < enough:
                yield key, value, count


def test_small_facet_counts_are_the_filtered_totals(engine):
    """A facet showing fewer than search.enough_matches articles is what its filter gives:
    the filter narrows the query's reading, it does not widen it to other forms."""
    enough = engine.config.search.enough_matches
    checked = 0
    widened = {"other_forms", "words_apart", "missing_one"}
    for q in ("giá vàng", "Nhật Bản", "bộ chỉ huy quân sự", "học sinh giỏi", "bóng đá"):
        res = engine.search(SearchRequest(q=q, per_page=10))
        for key, value, count in _small_facet_filters(res, enough):
            filtered = engine.search(SearchRequest(q=q, per_page=10, **{key: [value]}))
            assert filtered.total == count, (q, key, value)
            # Widened (a notice) only where the unfiltered search was.
            if {n["code"] for n in filtered.notices} & widened:
                assert {n["code"] for n in res.notices} & widened, value
            checked += 1
    assert checked >= 10  # the queries do have facet values below the threshold
