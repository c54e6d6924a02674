"""Facet counts of people, places and organisations over a result set, from bitsets.

Each entity is a presence-only term of the ``entities`` field (written at index time
by :mod:`indexer.entities`), so the articles naming it are one bitset, and its count
in a result set is one AND and a popcount, as for the outlet or month facets. There
are far more entities than outlets, so only candidates are counted: the archive's
most frequent entities, and those named by the results on the page (their stored
``entity_names``), which brings in the names particular to the query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from indexer.backends.whoosh import internals
from indexer.backends.whoosh.postings import bits_from_array
from indexer.text.entities import split_term

__all__ = ["ENTITY_FACETS", "FIELD", "entity_facets", "entity_filter_bits", "entity_top", "index_state", "names_of"]

T = TypeVar("T")

FIELD = "entities"
# API facet name of each entity kind.
ENTITY_FACETS = {"per": "person", "loc": "place", "org": "organisation"}
# The archive's most frequent entities always counted (per index state).
GLOBAL_CANDIDATES = 240
# Bitsets of other entities kept per index state.
CACHE_SIZE = 4096


class _EntityState:
    """Per index state: the frequent entities' bitsets and a cache of the others'."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.top: list[tuple[str, int]] | None = None
        self.cache: OrderedDict[str, int] = OrderedDict()


_STATE_LOCK = threading.Lock()


def index_state(s, name: str, factory: Callable[[], T]) -> T:
    """The object ``name`` of the searcher's index state (shared by its threads, made
    by ``factory`` on first use); per searcher when it has no shared state."""
    slot = internals.searcher_slot(s)
    holder = slot.get("shared")
    with _STATE_LOCK:
        got = getattr(holder, name, None) if holder is not None else slot.get(name)
        if got is None:
            got = factory()
            if holder is not None:
                setattr(holder, name, got)
            else:
                slot[name] = got
    return got


def _state(s) -> _EntityState:
    return index_state(s, "entity_facets", _EntityState)


def _bits(s, ds, term: str) -> int:
    """The articles naming ``term`` (none for an entity no article names, e.g. a
    hand-made filter value); read per segment, once across commits."""
    return bits_from_array(ds.doc_ids(FIELD, term), ds.size) & ds.live


def _top(s, ds, st: _EntityState) -> list[tuple[str, int]]:
    if st.top is None:
        frequent = ds.frequent_terms(FIELD, GLOBAL_CANDIDATES)
        top = [(term, _bits(s, ds, term)) for term, df in frequent if df > 1]
        with st.lock:
            st.top = top
    return st.top


def entity_top(s, ds) -> None:
    """Read the archive's most frequent entities for this index state (preloading)."""
    if FIELD in s.schema:
        _top(s, ds, _state(s))


def _other(s, ds, st: _EntityState, term: str) -> int:
    with st.lock:
        got = st.cache.get(term)
        if got is not None:
            st.cache.move_to_end(term)
            return got
    got = _bits(s, ds, term)
    with st.lock:
        st.cache[term] = got
        while len(st.cache) > CACHE_SIZE:
            st.cache.popitem(last=False)
    return got


def entity_facets(s, ds, bits: int, page_terms: Iterable[str], limit: int = 10) -> dict[str, list[tuple[str, int]]]:
    """``{"person": [(term, count)], "place": [...], "organisation": [...]}`` for ``bits``.

    Terms keep their kind prefix (``loc:Hà Nội``): that is the value of the
    ``entity`` filter. An index built before entities existed has none (empty lists).
    """
    out: dict[str, list[tuple[str, int]]] = {name: [] for name in ENTITY_FACETS.values()}
    if not bits or FIELD not in s.schema:
        return out
    st = _state(s)
    counts: dict[str, int] = {}
    for term, tb in _top(s, ds, st):
        c = (bits & tb).bit_count()
        if c:
            counts[term] = c
    for term in dict.fromkeys(page_terms):
        if term and term not in counts:
            c = (bits & _other(s, ds, st, term)).bit_count()
            if c:
                counts[term] = c
    by_kind: dict[str, list[tuple[str, int]]] = {k: [] for k in ENTITY_FACETS}
    for term, c in counts.items():
        kind, _name = split_term(term)
        if kind in by_kind:
            by_kind[kind].append((term, c))
    for kind, items in by_kind.items():
        out[ENTITY_FACETS[kind]] = sorted(items, key=lambda tc: (-tc[1], tc[0]))[:limit]
    return out


def entity_filter_bits(s, ds, terms: Iterable[str]) -> int:
    """Articles naming every one of ``terms`` (the ``entity`` filter)."""
    out = ds.live
    if FIELD not in s.schema:
        return 0
    st = _state(s)
    for term in terms:
        out &= _other(s, ds, st, term)
    return out


def names_of(stored: dict[str, Any]) -> list[str]:
    """An article's entity terms from its stored fields."""
    return [t for t in (stored.get("entity_names") or "").split("\n") if t]
