"""Pyvi's word boundaries cached by content hash, so rebuilds skip segmentation.

Only the word spans are cached: syllables come back from a regular expression in
microseconds, pyvi takes milliseconds. Keys include the analysis version, so an
analysis change invalidates the cache without deleting it. Losing the cache only
costs time: it is never needed for correctness.
"""

from __future__ import annotations

import marshal
import sqlite3
from pathlib import Path

from indexer.text.analysis import ANALYSIS_VERSION

__all__ = ["TokenCache"]

Spans = list[tuple[int, int]]


class TokenCache:
    """A small sqlite key-value store: ``hash -> (title word spans, body word spans)``."""

    def __init__(self, folder: Path, readonly: bool = False):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "tokens.sqlite"
        uri = f"file:{self.path}?mode={'ro' if readonly else 'rwc'}"
        self.db = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
        if not readonly:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS words (key TEXT PRIMARY KEY, spans BLOB)")
            self.db.commit()
        self._pending: list[tuple[str, bytes]] = []

    @staticmethod
    def key(content_hash: str) -> str:
        return f"{ANALYSIS_VERSION}:{content_hash}"

    def get(self, content_hash: str) -> tuple[Spans, Spans] | None:
        try:
            row = self.db.execute("SELECT spans FROM words WHERE key = ?",
                                  (self.key(content_hash),)).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        try:
            title, body = marshal.loads(row[0])
        except (ValueError, EOFError, TypeError):
            return None
        return [tuple(x) for x in title], [tuple(x) for x in body]

    def put(self, content_hash: str, title: Spans, body: Spans) -> None:
        self._pending.append((self.key(content_hash), marshal.dumps((title, body))))
        if len(self._pending) >= 500:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        try:
            self.db.executemany("INSERT OR REPLACE INTO words VALUES (?, ?)", self._pending)
            self.db.commit()
        except sqlite3.Error:
            pass  # a cache: failing to write it only costs time later
        self._pending.clear()

    def close(self) -> None:
        self.flush()
        self.db.close()
