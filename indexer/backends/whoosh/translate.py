"""The engine's query types (:mod:`indexer.search.query`) as Whoosh queries, for the
few places Whoosh itself runs a query (completion ranking, checks against Whoosh's own
matchers in the tests). Searching proper evaluates the engine's trees over bitsets
(:meth:`indexer.backends.whoosh.postings.DocSets.evaluate`) and never needs this."""

from __future__ import annotations

from whoosh import query as wq

from indexer.search import query as vq

__all__ = ["to_whoosh"]


def to_whoosh(q: vq.Query) -> wq.Query:
    """The Whoosh query that matches the same documents as ``q``."""
    if isinstance(q, vq.Term):
        return wq.Term(q.fieldname, q.text)
    if isinstance(q, vq.Phrase):
        return wq.Phrase(q.fieldname, list(q.words))
    if isinstance(q, vq.TermRange):
        return wq.TermRange(q.fieldname, q.start, q.end)
    if isinstance(q, vq.And):
        return wq.And([to_whoosh(s) for s in q.subqueries])
    if isinstance(q, vq.Or):
        return wq.Or([to_whoosh(s) for s in q.subqueries], minmatch=q.minmatch)
    if isinstance(q, vq.AndNot):
        return wq.AndNot(to_whoosh(q.a), to_whoosh(q.b))
    if isinstance(q, vq.AndMaybe):
        return wq.AndMaybe(to_whoosh(q.a), to_whoosh(q.b))
    if isinstance(q, vq.Every):
        return wq.Every()
    if isinstance(q, vq.Nothing):
        return wq.NullQuery
    raise TypeError(f"no Whoosh query for {type(q).__name__}")
