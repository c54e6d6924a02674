"""Saved HTML article pages (``.html``/``.htm``): one article per file.

The work is :func:`indexer.ingest.extract.extract_article`; this reader only adds the file
handling: a size cap (a 50 MB "page" is a dump or a mistake, and parsing it would
stall a whole indexing run) and a :class:`ReadFailure` with the extractor's reason
instead of an exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from indexer.ingest.documents import Article, ReadFailure
from indexer.ingest.extract import ExtractError, extract_article

__all__ = ["read_html_file", "MAX_HTML_BYTES"]

MAX_HTML_BYTES = 50 * 1024 * 1024


def read_html_file(path: Path) -> Iterator[Article | ReadFailure]:
    """Yield the article of one saved page, or one ReadFailure saying why not."""
    source = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_HTML_BYTES:
            yield ReadFailure(source, f"file too large for an HTML page ({size / 1e6:.0f} MB, limit "
                                      f"{MAX_HTML_BYTES // (1024 * 1024)} MB)")
            return
        data = Path(path).read_bytes()
    except OSError as exc:
        yield ReadFailure(source, f"cannot read file: {exc.strerror or exc}")
        return
    try:
        article = extract_article(data)
    except ExtractError as exc:
        yield ReadFailure(source, str(exc))
        return
    article.source = source
    yield article
