"""Facets and totals count every match, and only those the filters allow."""

from whoosh import sorting

from indexer.search import FACET_FIELDS, SearchRequest


def test_facets_match_whoosh_groupedby_and_filtered_total(engine):
    for q in ("Việt Nam", "bong da", "học sinh"):
        res = engine.search(SearchRequest(q=q))
        s = engine.searcher()
        query = engine._retrieval_query(engine.parse(q), s, require_all=True)
        ref = s.search(query, limit=5, groupedby={n: sorting.FieldFacet(n, maptype=sorting.Count)
                                                  for n in FACET_FIELDS})
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
