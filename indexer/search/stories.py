"""The result page shows each story once: copies and rewrites under the best-ranked one.

Walking the ranked results in order, each article shown first gathers the matching
articles that share one of its MinHash band terms (:mod:`indexer.text.minhash`, written
at index time) and whose signatures agree on at least ``THRESHOLD`` of their values;
those are shown under it ("và 2 bài cùng nội dung từ tuoitre.vn, thanhnien.vn") and
skipped where they would have been ranked. Band postings are tiny (a story's copies),
and each segment keeps them as one sorted key table (:mod:`indexer.backends.whoosh.keytable`),
so grouping costs one look-up per segment and shown result, not a pass over the matches.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from indexer.search.entity_facets import index_state
from indexer.text.minhash import THRESHOLD, band_terms, decode, similarity

__all__ = ["FIELD", "Story", "group_stories"]

FIELD = "story"
SIG_FIELD = "story_sig"
# Articles whose band look-ups are kept per index state.
CACHE_SIZE = 8192
# Most copies listed under one result (the count says how many there are).
MAX_COPIES = 20


@dataclass
class Story:
    """A result shown on the page, with the other matching copies of its story."""

    docnum: int
    score: float
    stored: dict[str, Any]
    copies: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


class _Sharing:
    """Article -> the articles sharing one of its bands, per index state: a result shown
    again (the next search of a popular query) costs one dict look-up."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: OrderedDict[int, tuple[int, ...]] = OrderedDict()


def _sharing(s, ds, docnum: int, sig) -> tuple[int, ...]:
    cache = index_state(s, "stories", _Sharing)
    with cache.lock:
        got = cache.items.get(docnum)
        if got is not None:
            return got
    # All bands at once: one look-up a segment in its key table (kept across commits).
    got = tuple(ds.doc_ids_any(FIELD, band_terms(sig)).tolist())
    with cache.lock:
        cache.items[docnum] = got
        while len(cache.items) > CACHE_SIZE:
            cache.items.popitem(last=False)
    return got


def _copies(s, ds, docnum: int, stored: dict, matching: bytes, taken: set[int]) -> list[tuple[int, dict]]:
    sig = decode(stored.get(SIG_FIELD) or "")
    if sig is None:
        return []
    candidates: set[int] = set()
    for d in _sharing(s, ds, docnum, sig):
        if d != docnum and d not in taken and matching[d >> 3] >> (d & 7) & 1:
            candidates.add(d)
    out = []
    for d in sorted(candidates):
        other = s.stored_fields(d)
        osig = decode(other.get(SIG_FIELD) or "")
        if osig is not None and similarity(sig, osig) >= THRESHOLD:
            out.append((d, other))
    return out


def group_stories(s, ds, ranked: list[tuple[int, float]], bits: int, start: int, count: int) -> list[Story]:
    """Results ``start`` to ``start + count`` of ``ranked`` counting each story once.

    ``bits`` are the matching documents (copies are looked for among them only; ``ds``
    the searcher's DocSets, whose per-segment postings give the bands'). An
    index without story bands (built before them) gives one story per article.
    """
    grouping = FIELD in s.schema
    matching = bits.to_bytes(ds.nbytes, "little") if grouping else b""
    taken: set[int] = set()
    out: list[Story] = []
    shown = 0
    for docnum, score in ranked:
        if docnum in taken:
            continue
        taken.add(docnum)
        stored = s.stored_fields(docnum) if shown >= start or grouping else {}
        copies = _copies(s, ds, docnum, stored, matching, taken) if grouping else []
        taken.update(d for d, _ in copies)
        if shown >= start:
            out.append(Story(docnum, score, stored, copies[:MAX_COPIES]))
        shown += 1
        if len(out) >= count:
            break
    return out
