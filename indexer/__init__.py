"""vnsearch's engine: the public API.

Everything a program (the CLI, the web app, a script) needs is importable from here::

    from indexer import SearchEngine, SearchRequest, load_config, index_articles

Names are loaded on first use (PEP 562), so ``import indexer`` stays cheap: reading the
configuration does not import Whoosh or pyvi. What each name is and where it lives is in
``_PUBLIC`` below; docs/ARCHITECTURE.md explains how the parts fit together.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> module that defines it
_PUBLIC: dict[str, str] = {
    # configuration
    "Config": "indexer.config",
    "ConfigError": "indexer.config",
    "load_config": "indexer.config",
    # text analysis
    "normalize": "indexer.text.normalize",
    "fold": "indexer.text.normalize",
    # reading and indexing
    "Article": "indexer.ingest.documents",
    "ReadFailure": "indexer.ingest.documents",
    "read_paths": "indexer.ingest.readers",
    "iter_files": "indexer.ingest.readers",
    "index_articles": "indexer.build.builder",
    "BuildSummary": "indexer.build.builder",
    "FileInput": "indexer.build.manifest",
    "outlet_name": "indexer.ingest.outlets",
    # fetching
    "fetch": "indexer.fetch.run",
    "fetch_and_index": "indexer.fetch.run",
    "run_fetch": "indexer.fetch.run",
    "FetchSummary": "indexer.fetch.run",
    # searching
    "SearchEngine": "indexer.search.engine",
    "SearchRequest": "indexer.search.engine",
    "SearchResult": "indexer.search.engine",
    "Hit": "indexer.search.engine",
    "Document": "indexer.search.engine",
    "result_to_api": "indexer.search.engine",
    # following a story: exports, concordance, alerts, trends
    "export_rows": "indexer.search.export",
    "write_rows": "indexer.search.export",
    "kwic": "indexer.search.export",
    "EXPORT_FORMATS": "indexer.search.export",
    "atom_feed": "indexer.search.feed",
    "trends": "indexer.search.timeline",
    # the index on disk
    "index_exists": "indexer.backends.whoosh.store",
    # errors a caller may want to catch
    "BadRequest": "indexer.search.engine",
    "IndexMissingError": "indexer.backends.whoosh.store",
    "IndexLockedError": "indexer.backends.whoosh.store",
    "IndexWriteError": "indexer.backends.whoosh.store",
    "ExtractError": "indexer.ingest.extract",
    "FetchError": "indexer.fetch.client",
}

__all__ = [
    "EXPORT_FORMATS",
    "Article",
    "BadRequest",
    "BuildSummary",
    "Config",
    "ConfigError",
    "Document",
    "ExtractError",
    "FetchError",
    "FetchSummary",
    "FileInput",
    "Hit",
    "IndexLockedError",
    "IndexWriteError",
    "IndexMissingError",
    "ReadFailure",
    "SearchEngine",
    "SearchRequest",
    "SearchResult",
    "atom_feed",
    "export_rows",
    "fetch",
    "fetch_and_index",
    "fold",
    "index_articles",
    "index_exists",
    "iter_files",
    "kwic",
    "load_config",
    "normalize",
    "outlet_name",
    "read_paths",
    "result_to_api",
    "run_fetch",
    "trends",
    "write_rows",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'indexer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from indexer.backends.whoosh.store import IndexLockedError, IndexMissingError, IndexWriteError, index_exists
    from indexer.build.builder import BuildSummary, index_articles
    from indexer.build.manifest import FileInput
    from indexer.config import Config, ConfigError, load_config
    from indexer.fetch.client import FetchError
    from indexer.fetch.run import FetchSummary, fetch, fetch_and_index, run_fetch
    from indexer.ingest.documents import Article, ReadFailure
    from indexer.ingest.extract import ExtractError
    from indexer.ingest.readers import iter_files, read_paths
    from indexer.search.engine import (BadRequest, Document, Hit, SearchEngine, SearchRequest, SearchResult,
                                       result_to_api)
    from indexer.search.export import EXPORT_FORMATS, export_rows, kwic, write_rows
    from indexer.search.feed import atom_feed
    from indexer.search.timeline import trends
    from indexer.text.normalize import fold, normalize
