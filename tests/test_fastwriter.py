"""FastSegmentWriter writes the segment Whoosh's own SegmentWriter writes.

The same real articles (tests/data/core) go through ``FastSegmentWriter.add_analyzed``
and through Whoosh's ``add_document`` (the token fields as ``TokenStream`` values, which
the schema's analyser emits as they are). Every term of every field must then have the
same postings (document, weight, value), every document the same stored fields, field
lengths and ``words`` vector. Block layout may differ (small blocks are left
uncompressed), so postings are compared as read back, not as bytes.
"""

from __future__ import annotations

import pytest
from whoosh.codec.whoosh3 import W3Codec

from indexer.backends.whoosh import store
from indexer.build.builder import _canonical, _hash_of, _segment, _stored_fields, article_key
from indexer.backends.whoosh.writer import TOKEN_FIELDS, FastSegmentWriter
from indexer.ingest.readers import read_file
from indexer.backends.whoosh.schema import TokenStream

from .conftest import CORE


def _docs(n: int = 60) -> list[tuple[dict, dict]]:
    out = []
    for a in read_file(CORE / "articles.jsonl.gz"):
        a = _canonical(a)
        h = _hash_of(a)
        streams, _spans = _segment((a.title, a.body, None), pairs=True)
        out.append((_stored_fields(article_key(a), h, a), streams))
        if len(out) == n:
            break
    return out


def _contents(folder) -> tuple[dict, list]:
    ix = store.whoosh_index.open_dir(str(folder), indexname=store.INDEX_NAME)
    postings: dict = {}
    docs = []
    with ix.searcher() as s:
        r = s.reader()
        for fieldname, text in r.all_terms():
            m = r.postings(fieldname, text)
            rows = []
            while m.is_active():
                rows.append((m.id(), m.weight(), m.value()))
                m.next()
            postings[(fieldname, text)] = rows
        for d in range(r.doc_count_all()):
            lengths = {f: r.doc_field_length(d, f) for f in s.schema.scorable_names()}
            vector = list(r.vector_as("weight", d, "words")) if r.has_vector(d, "words") else []
            docs.append((r.stored_fields(d), lengths, vector))
    ix.close()
    return postings, docs


@pytest.mark.parametrize("pairs", [True, False], ids=["with pairs", "without pairs"])
def test_fast_writer_writes_what_whoosh_writes(tmp_path, pairs):
    docs = _docs()
    results = []
    for fast in (True, False):
        folder, ix = store.new_generation(tmp_path / f"{fast}" / "index", pairs)
        w = FastSegmentWriter(ix, codec=W3Codec(compression=1, blocklimit=16))
        for stored, streams in docs:
            streams = {k: v for k, v in streams.items() if pairs or k not in ("title_b", "body_b")}
            if fast:
                w.add_analyzed(stored, streams)
            else:
                fields = {k: v for k, v in stored.items() if v is not None}
                for name, tokens in streams.items():
                    assert name in TOKEN_FIELDS
                    items = [(t, i) for i, t in enumerate(tokens)] if tokens and isinstance(tokens[0], str) else tokens
                    fields[name] = TokenStream(items)
                w.add_document(**fields)
        w.commit()
        ix.close()
        results.append(_contents(folder))
    (fast_postings, fast_docs), (whoosh_postings, whoosh_docs) = results
    assert len(fast_postings) > 5_000
    assert any(len(rows) > 3 * 16 for rows in fast_postings.values()), "terms span several blocks"
    assert set(fast_postings) == set(whoosh_postings)
    for key, rows in whoosh_postings.items():
        assert fast_postings[key] == rows, key
    assert fast_docs == whoosh_docs
