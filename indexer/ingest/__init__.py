"""Ingest: from files and records to :class:`~indexer.ingest.documents.Article` objects.

``readers/`` reads .txt, .html, .json and .jsonl files; ``extract`` turns a news page's HTML
into an article; ``sources`` walks the inputs of a run.
"""
