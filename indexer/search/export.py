"""Exports for research: a whole result set as CSV or JSON Lines, and a concordance.

The result set is ranked once (as the search page ranks it, up to ``search.export_max``
articles) and written one row at a time, so a web response or a terminal starts
receiving rows at once and memory stays flat. The concordance (KWIC, "key word in
context") finds occurrences with the highlighter's own matching, so it marks exactly
what the result page marks.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Any

from indexer.search.highlight import marked_matches, merged_spans

__all__ = ["EXPORT_FORMATS", "EXPORT_COLUMNS", "FORMATS", "Concordance", "export_rows", "kwic", "write_rows"]

EXPORT_COLUMNS = ("rank", "id", "title", "url", "outlet", "category", "date", "author", "score")
EXPORT_FORMATS = FORMATS = ("csv", "jsonl")
# Characters of context on each side of a concordance line.
KWIC_CONTEXT = 60


def _ranked(engine, req, limit: int):
    """The search, ranked ``limit`` deep (no facets: only the order is wanted)."""
    deep = dataclasses.replace(req, page=1, per_page=1, depth=max(1, limit), facets=False, debug=False)
    return engine.search(deep)


def export_rows(engine, req, limit: int) -> Iterator[dict[str, Any]]:
    """One dict per matching article (``EXPORT_COLUMNS``), best first, at most ``limit``.

    Raises :class:`indexer.search.BadRequest` before yielding anything when a
    parameter is unusable, so a caller can still answer with an error.
    """
    result = _ranked(engine, req, limit)
    return _rows(result)


def _rows(result) -> Iterator[dict[str, Any]]:
    s = result.searcher
    for rank, (docnum, score) in enumerate(result.ranked, start=1):
        f = s.stored_fields(docnum)
        yield {"rank": rank, "id": f.get("key"), "title": f.get("title") or "", "url": f.get("url"),
               "outlet": f.get("outlet"), "category": f.get("category"), "date": f.get("published"),
               "author": f.get("author"), "score": round(float(score), 4)}


def write_rows(rows: Iterator[dict[str, Any]], fmt: str) -> Iterator[str]:
    """Rows as text chunks: CSV (a header, then one line a row) or JSON Lines."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "jsonl":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False) + "\n"
        return
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
        if buf.tell() > 16_384:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


@dataclasses.dataclass
class Concordance:
    """KWIC lines: ``{"id", "title", "outlet", "date", "left", "match", "right"}``."""

    query: str
    total: int  # matching articles
    lines: list[dict[str, Any]]
    articles: int  # articles the lines come from
    truncated: bool  # more occurrences exist than were shown


def _context(text: str, start: int, end: int, width: int) -> tuple[str, str]:
    left = " ".join(text[max(0, start - width):start].split())
    right = " ".join(text[end:end + width].split())
    if start - width > 0:
        left = "…" + left[-(width - 1):]
    if end + width < len(text):
        right = right[:width - 1] + "…"
    return left, right


def kwic(engine, req, limit: int, *, width: int = KWIC_CONTEXT, articles: int = 500) -> Concordance:
    """The first ``limit`` occurrences of the query's words in its best ``articles`` results."""
    from indexer.search.engine import _marks, _marks_for  # the marks the result page's snippets use

    result = _ranked(engine, req, articles)
    parsed = engine.parse(req.q)
    marks = _marks(parsed)
    loose = _marks(parsed, any_form=True) if marks.exacts else None
    lines: list[dict[str, Any]] = []
    used = 0
    truncated = False
    s = result.searcher
    for docnum, _score in result.ranked:
        f = s.stored_fields(docnum)
        title, body = f.get("title") or "", f.get("body") or ""
        found = False
        doc_marks = _marks_for(title, body, marks, loose)
        for text in (title, body):
            for start, end in merged_spans(text, marked_matches(text, doc_marks)):
                if len(lines) >= limit:
                    truncated = True
                    break
                left, right = _context(text, start, end, width)
                lines.append({"id": f.get("key"), "title": title, "outlet": f.get("outlet"),
                              "date": f.get("published"), "left": left, "match": text[start:end],
                              "right": right})
                found = True
        used += found
        if truncated:
            break
    return Concordance(query=req.q, total=result.total, lines=lines, articles=used, truncated=truncated)
