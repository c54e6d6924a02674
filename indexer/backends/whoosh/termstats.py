"""Per-segment lists of each field's most frequent terms, written with the segment.

Before it forks its workers, ``vnsearch serve`` reads the postings of each field's most
frequent terms (and the entity facets their most named entities). Finding those terms
through Whoosh means walking every term of seven fields in every segment: on the full
corpus that was about 35 of the 38 seconds ``serve`` took before it answered. The writer
knows each term's document count when it writes the segment, so it also stores the
``TOP_TERMS`` most frequent of every field, in a small file inside the segment's compound
file; the preload sums those lists instead.

The sums rank terms by their counts in the segments where they are among the most
frequent; that only chooses what to read ahead of time (a term's postings, when read,
are exact). A segment without the list (written before it existed, or by Whoosh's own
writer) has its terms walked as before.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any

from indexer.backends.whoosh.extras import read_extra, write_extra

__all__ = ["TOP_TERMS", "read_top_terms", "top_terms_file", "write_top_terms"]

# Terms kept per field and segment: more than a preload or the entity facets take
# (postings.TERM_CACHE_SIZE is shared by seven fields; entity_facets.GLOBAL_CANDIDATES).
TOP_TERMS = 1024
EXT = ".top_terms"
VERSION = 1


def top_terms_file(counts: Mapping[str, Iterable[tuple[str, int]]], top: int = TOP_TERMS) -> bytes:
    """The file holding each field's ``top`` most frequent terms of ``counts``
    (field -> (term, documents) pairs), most frequent first."""
    fields = {name: sorted(heapq.nlargest(top, pairs, key=itemgetter(1)), key=lambda kv: (-kv[1], kv[0]))
              for name, pairs in counts.items()}
    return json.dumps({"version": VERSION, "top": top, "fields": fields}, ensure_ascii=False).encode("utf-8")


def write_top_terms(segment: Any, storage: Any, counts: Mapping[str, Iterable[tuple[str, int]]]) -> None:
    """Write ``segment``'s list among its files (before it is assembled into one compound file)."""
    write_extra(segment, storage, EXT, top_terms_file(counts))


def decode_top_terms(data: bytes, where: str) -> dict[str, dict[str, int]]:
    """Field -> term -> documents from a list file; a damaged one raises ValueError naming ``where``."""
    try:
        doc = json.loads(data.decode("utf-8"))
        if doc.get("version") != VERSION:
            raise ValueError(f"version {doc.get('version')!r}")
        return {name: {str(t): int(n) for t, n in terms} for name, terms in doc["fields"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{where} is not a vnsearch term list ({exc})") from None


def read_top_terms(sub: Any) -> dict[str, dict[str, int]] | None:
    """The segment reader ``sub``'s lists (field -> term -> documents), or None without them."""
    got = read_extra(sub, EXT)
    return decode_top_terms(*got) if got is not None else None
