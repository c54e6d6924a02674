"""vnsearch's index as an OpenSearch (or Elasticsearch) index: the mapping and the
bulk documents.

vnsearch analyses Vietnamese itself (NFC, tone placement, folding, pyvi words; see
:mod:`indexer.text.analysis`) and a cluster cannot run pyvi, so the analysed fields are
shipped *pre-analysed*: each is its tokens joined by spaces, indexed with the
``whitespace`` tokenizer and nothing else. The cluster then holds the same terms per
field as the Whoosh index; queries must be analysed the same way (vnsearch's
``analyze``) before they are sent. BM25 takes Whoosh's parameters, the synonyms file
becomes a search-time ``synonym_graph`` filter on the folded fields, and the re-scoring
of vnsearch's top window maps onto a ``rescore`` clause (see :func:`search_template`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ANALYSED_FIELDS", "PAIR_FIELDS", "PRESENCE_FIELDS", "bulk_document", "index_body", "search_template"]

# Whoosh's BM25F defaults, which vnsearch's scoring uses (title fields boosted 2 at query time).
BM25_K1 = 1.2
BM25_B = 0.75
TITLE_BOOST = 2.0
# Scored token fields; folded ones get the synonyms at search time.
ANALYSED_FIELDS = ("title_f", "title_x", "body_f", "body_x", "words")
FOLDED_FIELDS = ("title_f", "body_f")
# Syllable pairs: presence only, never scored (phrase filters).
PAIR_FIELDS = ("title_b", "body_b")
KEYWORD_FIELDS = ("key", "hash", "source", "outlet", "category", "month")
# Presence-only terms, one keyword each (arrays): the people, places and organisations named
# in an article (``person:Nguyễn Văn A``, indexer.text.entities: entity facets and filters)
# and its MinHash band terms (indexer.text.minhash: articles sharing one are candidate
# copies of the same story, checked on ``story_sig``).
PRESENCE_FIELDS = ("entities", "story")
# ``description`` holds the lead (sapo) shown under a headline; ``entity_names`` the
# entity terms one a line, as the index stores them.
DISPLAY_FIELDS = ("title", "body", "author", "description", "entity_names")


def _token_field(*, synonyms: bool, docs_only: bool = False, positions: bool = True) -> dict:
    field: dict[str, Any] = {"type": "text", "analyzer": "vn_tokens", "similarity": "vn_bm25"}
    if synonyms:
        field["search_analyzer"] = "vn_tokens_synonyms"
    if docs_only:
        field.update(index_options="docs", norms=False)
    elif not positions:
        field["index_options"] = "freqs"
    return field


def index_body(synonym_rules: list[str], phrase_pairs: bool, meta: dict[str, Any]) -> dict:
    """The settings and mappings for ``PUT /INDEX`` (``synonym_rules``: Solr-format lines
    of folded forms, e.g. ``"ubnd, uy ban nhan dan"``)."""
    analyzers: dict[str, Any] = {"vn_tokens": {"type": "custom", "tokenizer": "whitespace"}}
    analysis: dict[str, Any] = {"analyzer": analyzers}
    if synonym_rules:
        analysis["filter"] = {"vn_synonyms": {"type": "synonym_graph", "synonyms": synonym_rules,
                                              "lenient": True}}
        analyzers["vn_tokens_synonyms"] = {"type": "custom", "tokenizer": "whitespace",
                                           "filter": ["vn_synonyms"]}
    props: dict[str, Any] = {}
    for name in ANALYSED_FIELDS:
        props[name] = _token_field(synonyms=bool(synonym_rules) and name in FOLDED_FIELDS,
                                   positions=name != "words")
    if phrase_pairs:
        for name in PAIR_FIELDS:
            props[name] = _token_field(synonyms=False, docs_only=True)
    for name in KEYWORD_FIELDS:
        props[name] = {"type": "keyword"}
    props["published"] = {"type": "date", "format": "yyyy-MM-dd||yyyy-MM||yyyy"}
    props["indexed_at"] = {"type": "date", "format": "yyyy-MM-dd'T'HH:mm:ss"}
    for name in PRESENCE_FIELDS:
        props[name] = {"type": "keyword"}
    # The story's MinHash signature (base64 of 128 little-endian uint32): compared, never searched.
    props["story_sig"] = {"type": "binary"}
    # False when the title is the article's lead standing in for a headline: shown, not searched
    # (title_f / title_x are then empty), as vnsearch does.
    props["title_indexed"] = {"type": "boolean"}
    props["url"] = {"type": "keyword", "index": False}
    for name in DISPLAY_FIELDS:  # shown and highlighted, never searched as typed
        props[name] = {"type": "text", "index": False}
    return {
        "settings": {
            "index": {"similarity": {"vn_bm25": {"type": "BM25", "k1": BM25_K1, "b": BM25_B}}},
            "analysis": analysis,
        },
        "mappings": {"dynamic": "strict", "_meta": {"vnsearch": meta}, "properties": props},
    }


def bulk_document(stored: dict[str, Any], streams: dict[str, list],
                  presence: dict[str, list[str]] | None = None, title_indexed: bool = True) -> dict[str, Any]:
    """One document for the bulk API: stored fields as they are, analysed fields as
    their tokens joined by spaces (``words`` streams are ``(word, position)`` pairs),
    presence-only terms (``entities``, ``story``) as keyword arrays."""
    doc = {name: value for name, value in stored.items() if value not in (None, "")}
    for name, tokens in streams.items():
        doc[name] = " ".join(t if isinstance(t, str) else t[0] for t in tokens)
    for name, terms in (presence or {}).items():
        if terms:
            doc[name] = list(terms)
    doc["title_indexed"] = title_indexed
    return doc


def search_template(rescore_window: int) -> dict[str, Any]:
    """What a vnsearch query becomes on the cluster (a search template): BM25 over the
    scored fields, titles boosted, then the top window re-scored by phrase proximity
    on the folded body, as vnsearch re-scores its top ``search.rescore_window``.

    ``{{folded}}``, ``{{exact}}`` and ``{{words}}`` are the query's own streams, made by
    vnsearch's analysis (folded syllables, syllables as typed, pyvi words)."""
    boost = f"^{TITLE_BOOST:g}"
    return {
        "script": {
            "lang": "mustache",
            "source": {
                "query": {"bool": {"should": [
                    {"multi_match": {"query": "{{folded}}", "fields": [f"title_f{boost}", "body_f"],
                                     "type": "most_fields", "operator": "or"}},
                    {"multi_match": {"query": "{{exact}}", "fields": [f"title_x{boost}", "body_x"],
                                     "type": "most_fields"}},
                    {"match": {"words": "{{words}}"}},
                ]}},
                "rescore": {"window_size": rescore_window, "query": {
                    "rescore_query": {"match_phrase": {"body_f": {"query": "{{folded}}", "slop": 2}}},
                    "query_weight": 1.0, "rescore_query_weight": 1.5}},
            },
        }
    }
