"""The raw page store: fetched article pages kept gzip-compressed on disk.

Keeping the bytes as received (not the extracted text) means a better extractor or a
schema change can rebuild the index without fetching again, and the HTTP validators
kept next to them (ETag, Last-Modified) make the next fetch a cheap conditional
request. Layout under the ``raw`` folder::

    pages.sqlite            one row per URL: final URL, status, headers, validators, file;
                            table ``listings``: the validators of feeds and sitemaps
    ab/abcdef....html.gz    the body, named by the SHA-256 of the URL

Feeds and sitemaps are not stored (they are re-read, not re-extracted), but their
ETag / Last-Modified are, so the next run asks for them conditionally too; a sitemap
index also keeps the list of sitemaps it named, so that a 304 for the index still
lets the run visit (conditionally) each sitemap without re-parsing anything.

Writes go to a temporary file renamed into place, then the row is committed, so an
interrupted run never leaves a row pointing at half a file.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RawStore", "StoredPage", "StoredListing"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    final_url TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    fetched_at TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL
)
"""

_LISTINGS_SCHEMA = """
CREATE TABLE IF NOT EXISTS listings (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    fetched_at TEXT NOT NULL,
    children TEXT
)
"""


@dataclass(slots=True)
class StoredPage:
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    fetched_at: str
    path: Path

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def read(self) -> bytes:
        with gzip.open(self.path, "rb") as f:
            return f.read()


@dataclass(slots=True)
class StoredListing:
    """What the store remembers of a feed or sitemap: validators, and a sitemap index's sitemaps."""

    url: str
    validators: dict[str, str]  # conditional-request headers
    children: list[str] | None  # the sitemaps a sitemap index named; None for feeds and urlsets


def _conditional(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


class RawStore:
    """Raw pages and their validators under one folder (created on first use)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.folder / "pages.sqlite")
        self._db.execute(_SCHEMA)
        self._db.execute(_LISTINGS_SCHEMA)
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "RawStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _name(url: str) -> str:
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return f"{digest[:2]}/{digest}.html.gz"

    def validators(self, url: str) -> dict[str, str]:
        """Conditional-request headers for a stored URL (empty when not stored)."""
        row = self._db.execute("SELECT etag, last_modified, path FROM pages WHERE url = ?", (url,)).fetchone()
        if row is None or not (self.folder / row[2]).is_file():
            return {}
        return _conditional(row[0], row[1])

    # ------------------------------------------------------------------ feeds and sitemaps

    def listing(self, url: str) -> StoredListing | None:
        """The remembered validators of a feed or sitemap (None when it has none)."""
        row = self._db.execute("SELECT etag, last_modified, children FROM listings WHERE url = ?",
                               (url,)).fetchone()
        if row is None:
            return None
        validators = _conditional(row[0], row[1])
        if not validators:
            return None
        children = json.loads(row[2]) if row[2] else None
        return StoredListing(url, validators, children if isinstance(children, list) else None)

    def put_listing(self, url: str, headers: dict[str, str], fetched_at: str,
                    children: list[str] | None = None) -> bool:
        """Remember a feed's or sitemap's validators (lower-case ``headers``); False when it sent none."""
        etag, last_modified = headers.get("etag"), headers.get("last-modified")
        if not (etag or last_modified):
            self.forget_listing(url)
            return False
        self._db.execute("INSERT OR REPLACE INTO listings VALUES (?, ?, ?, ?, ?)",
                         (url, etag, last_modified, fetched_at,
                          json.dumps(children) if children is not None else None))
        self._db.commit()
        return True

    def forget_listing(self, url: str) -> None:
        """Drop a listing's validators: the next run reads it unconditionally."""
        self._db.execute("DELETE FROM listings WHERE url = ?", (url,))
        self._db.commit()

    def touch_listing(self, url: str, fetched_at: str) -> None:
        """Record that a feed or sitemap was confirmed unchanged (a 304)."""
        self._db.execute("UPDATE listings SET fetched_at = ? WHERE url = ?", (fetched_at, url))
        self._db.commit()

    def put(self, url: str, final_url: str, status: int, headers: dict[str, str], body: bytes,
            fetched_at: str) -> Path:
        name = self._name(url)
        target = self.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                gz.write(body)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._db.execute(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (url, final_url, status, json.dumps(headers, ensure_ascii=False), headers.get("etag"),
             headers.get("last-modified"), fetched_at, name, len(body)))
        self._db.commit()
        return target

    def touch(self, url: str, fetched_at: str) -> None:
        """Record that a stored page was confirmed unchanged (a 304)."""
        self._db.execute("UPDATE pages SET fetched_at = ? WHERE url = ?", (fetched_at, url))
        self._db.commit()

    def get(self, url: str) -> StoredPage | None:
        row = self._db.execute("SELECT url, final_url, status, headers, fetched_at, path FROM pages "
                               "WHERE url = ?", (url,)).fetchone()
        return self._page(row) if row else None

    def __iter__(self) -> Iterator[StoredPage]:
        rows = self._db.execute("SELECT url, final_url, status, headers, fetched_at, path FROM pages "
                                "ORDER BY url").fetchall()
        for row in rows:
            yield self._page(row)

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]

    def _page(self, row: tuple) -> StoredPage:
        return StoredPage(url=row[0], final_url=row[1], status=row[2], headers=json.loads(row[3]),
                          fetched_at=row[4], path=self.folder / row[5])
