"""Reading per-document columns of an opened Whoosh index: the facet columns.

Facet counting over N matched documents is one C-level pass over a value number per
document, not N calls of Whoosh's categorisers (``groupedby``); this builds those
arrays from the sortable columns once per searcher.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Iterable

from indexer.backends.whoosh import internals

__all__ = ["FacetColumns", "facet_columns"]

# field -> (distinct values, value number per document number; -1 = no value)
FacetColumns = dict[str, tuple[list, list[int]]]


def _column(sub: Any, name: str) -> Any | None:
    """A segment's column reader for ``name``, or None where the segment has none (a
    segment where no document has the field, e.g. no dates, has no column at all)."""
    return sub.column_reader(name) if sub.has_column(name) else None


def _read_facet(reader: Any, name: str) -> tuple[list, list[int]]:
    values: list = []
    number: dict = {}
    ids: list[int] = []
    for sub, offset in reader.leaf_readers():
        del ids[offset:]
        ids.extend([-1] * (offset - len(ids)))
        column = _column(sub, name)
        if column is None:
            ids.extend([-1] * sub.doc_count_all())
            continue
        for v in column:
            n = number.get(v)
            if n is None:
                n = number[v] = len(values)
                values.append(v.decode("utf-8") if isinstance(v, bytes) else v)
            ids.append(n)
    ids.extend([-1] * (reader.doc_count_all() - len(ids)))
    return values, ids


def facet_columns(searcher: Any, names: Iterable[str], shared: Any | None = None) -> FacetColumns:
    """Each facet field of ``names`` as (distinct values, value number per docnum).

    Built once per searcher (kept in its :func:`internals.searcher_slot`) or taken from
    ``shared.facet_columns`` when another searcher of the same index state built it."""
    slot = internals.searcher_slot(searcher)
    cols = slot.get("facet_columns")
    if cols is None and shared is not None:
        cols = shared.facet_columns
    if cols is None:
        reader = searcher.reader()
        cols = {name: _read_facet(reader, name) for name in names}
        if shared is not None:
            shared.facet_columns = cols
    slot["facet_columns"] = cols
    return cols
