"""The raw page store: fetched article pages kept gzip-compressed on disk.

Keeping the bytes as received (not the extracted text) means a better extractor or a
schema change can rebuild the index without fetching again, and the HTTP validators
kept next to them (ETag, Last-Modified) make the next fetch a cheap conditional
request. Layout under the ``raw`` folder::

    pages.sqlite            one row per URL: final URL, status, headers, validators, file,
                            the body's SHA-256 and the SHA-256 of the body the index holds;
                            table ``listings``: the validators of feeds and sitemaps
    ab/abcdef....html.gz    the body, named by the SHA-256 of the URL

Feeds and sitemaps are not stored (they are re-read, not re-extracted), but their
ETag / Last-Modified are, so the next run asks for them conditionally too; a sitemap
index also keeps the list of sitemaps it named, so that a 304 for the index still
lets the run visit (conditionally) each sitemap without re-parsing anything.

Writes go to a temporary file renamed into place, then the row is committed, so an
interrupted run never leaves a row pointing at half a file.

A stored page is *pending* until :meth:`RawStore.mark_indexed` records that the index
holds its current body (``indexed_sha256 = sha256``); ``vnsearch fetch`` calls it only
after the index commit that holds the page, and indexes the pending pages of earlier
runs (killed, or run with ``--no-index``) from the store, since the server answers 304
for them and will never send them again. Storing a changed body makes a page pending
again; re-storing the same bytes does not.
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

__all__ = ["RawStore", "StoredPage", "StoredListing", "body_sha256"]

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
    size INTEGER NOT NULL,
    sha256 TEXT,
    indexed_sha256 TEXT,
    hint TEXT
)
"""

# Columns added to ``pages`` after its first version: an older store gets them when opened,
# NULL everywhere, so all of its pages are pending once (the index skips the unchanged ones).
_PAGE_COLUMNS_ADDED = ("sha256 TEXT", "indexed_sha256 TEXT", "hint TEXT")

_PENDING = "status = 200 AND (indexed_sha256 IS NULL OR sha256 IS NULL OR indexed_sha256 != sha256)"

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
    hint: dict[str, str] | None = None  # what the feed/sitemap said of it: "published", "title"

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
        have = {row[1] for row in self._db.execute("PRAGMA table_info(pages)")}
        for column in _PAGE_COLUMNS_ADDED:
            if column.split()[0] not in have:
                self._db.execute(f"ALTER TABLE pages ADD COLUMN {column}")
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
            fetched_at: str, hint: dict[str, str] | None = None) -> Path:
        """Store a page (lower-case ``headers``); it is pending unless the index holds these very bytes.

        ``hint``: what a feed or sitemap said of the page (kept from an earlier listing when None).
        """
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
            "INSERT INTO pages (url, final_url, status, headers, etag, last_modified, fetched_at, path, size, "
            "sha256, hint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
            "final_url = excluded.final_url, status = excluded.status, headers = excluded.headers, "
            "etag = excluded.etag, last_modified = excluded.last_modified, fetched_at = excluded.fetched_at, "
            "path = excluded.path, size = excluded.size, sha256 = excluded.sha256, "
            "hint = COALESCE(excluded.hint, hint)",
            (url, final_url, status, json.dumps(headers, ensure_ascii=False), headers.get("etag"),
             headers.get("last-modified"), fetched_at, name, len(body), body_sha256(body),
             json.dumps(hint, ensure_ascii=False) if hint else None))
        self._db.commit()
        return target

    def touch(self, url: str, fetched_at: str) -> None:
        """Record that a stored page was confirmed unchanged (a 304)."""
        self._db.execute("UPDATE pages SET fetched_at = ? WHERE url = ?", (fetched_at, url))
        self._db.commit()

    # ------------------------------------------------------------------ indexed or pending

    def pending(self) -> list[StoredPage]:
        """The stored 200 pages whose current body the index does not hold (yet), by URL."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM pages WHERE {_PENDING} ORDER BY url").fetchall()
        return [self._page(row) for row in rows]

    def pending_count(self) -> int:
        return self._db.execute(f"SELECT COUNT(*) FROM pages WHERE {_PENDING}").fetchone()[0]

    def mark_indexed(self, done: dict[str, str]) -> None:
        """Record that the index holds, for each URL, the body with this SHA-256 (one transaction).

        Call it only after the index commit that holds them. A page stored again since with
        other bytes stays pending: its ``sha256`` no longer matches.
        """
        with self._db:
            self._db.executemany(
                "UPDATE pages SET indexed_sha256 = ?, sha256 = COALESCE(sha256, ?) WHERE url = ?",
                [(sha, sha, url) for url, sha in done.items()])

    # ------------------------------------------------------------------ reading

    def get(self, url: str) -> StoredPage | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM pages WHERE url = ?", (url,)).fetchone()
        return self._page(row) if row else None

    def __iter__(self) -> Iterator[StoredPage]:
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM pages ORDER BY url").fetchall()
        for row in rows:
            yield self._page(row)

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]

    def _page(self, row: tuple) -> StoredPage:
        hint = json.loads(row[6]) if row[6] else None
        return StoredPage(url=row[0], final_url=row[1], status=row[2], headers=json.loads(row[3]),
                          fetched_at=row[4], path=self.folder / row[5],
                          hint=hint if isinstance(hint, dict) else None)


_COLUMNS = "url, final_url, status, headers, fetched_at, path, hint"


def body_sha256(body: bytes) -> str:
    """The content hash the store keeps for a page body (and marks as indexed)."""
    return hashlib.sha256(body).hexdigest()
