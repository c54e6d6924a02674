"""Searching: the engine (``engine``), the query language, synonyms, re-scoring, highlighting
and suggestions. Reads the index only through :mod:`indexer.backends`."""
