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
