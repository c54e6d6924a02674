"""Building and updating the index: incremental, deduplicated, crash-safe.

Each article gets a *key* (its source id, else canonical URL, else file path) and a
*content hash* of its normalised text. A run compares both with what the index holds:
unchanged articles cost a hash and a column look-up (no pyvi); changed ones are
replaced; identical text under another key is skipped as a duplicate. Segmentation
runs in worker processes (pyvi loaded once each) while this process writes, and
pyvi's word boundaries are cached by content hash so a ``--rebuild`` after a schema
change skips pyvi. A rebuild writes a new generation and swaps it in atomically
(:mod:`indexer.store`); incremental runs commit every ``COMMIT_EVERY`` articles, so an
interrupted run keeps what it committed and the next run carries on.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .analysis import analyze, content_hash
from .config import Config
from .documents import Article, ReadFailure
from .normalize import normalize
from .schema import TokenStream, field_tokens
from . import store
from .tokencache import TokenCache

__all__ = ["BuildSummary", "index_articles", "article_key", "ProgressFn"]

COMMIT_EVERY = 10_000

# progress(event, info): event is "start" (info: total or None), "doc" (info: outcome),
# "failure" (info: ReadFailure), "pruned", "end" (info: BuildSummary).
ProgressFn = Callable[[str, object], None]


@dataclass
class BuildSummary:
    """What a run did; printed by the CLI and returned to library callers."""

    indexed: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    pruned: int = 0
    segmented: int = 0  # articles pyvi actually ran on (cache misses)
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    index_path: str = ""

    @property
    def seen(self) -> int:
        return self.indexed + self.updated + self.unchanged + self.skipped + self.failed

    def line(self) -> str:
        return (f"indexed {self.indexed}, updated {self.updated}, unchanged {self.unchanged}, "
                f"skipped {self.skipped}, failed {self.failed}"
                + (f", pruned {self.pruned}" if self.pruned else "")
                + f" in {self.seconds:.1f} s")


@dataclass(slots=True)
class _Prepared:
    key: str
    hash: str
    article: Article
    replace: bool
    spans: tuple | None  # cached word spans (title, body) or None: segment


def article_key(article: Article) -> str:
    """The identity of an article across runs: source id, else URL, else file path."""
    if article.id:
        return str(article.id)
    if article.url:
        return article.url.strip()
    if article.source:
        src = article.source
        return "file:" + (str(Path(src).resolve()) if "://" not in src else src)
    raise ValueError("article has neither id, url nor source")


def _canonical(article: Article) -> Article:
    article.title = normalize(article.title or "").strip()
    article.body = normalize(article.body or "").strip()
    return article


def _hash_of(article: Article) -> str:
    return content_hash(" ".join((article.title + "\n" + article.body).split()))


def _segment(job: tuple[str, str, str, tuple | None]) -> tuple[str, dict, tuple | None]:
    """Worker: tokens for one article (pyvi unless its spans were cached)."""
    key, title, body, spans = job
    if spans is not None:
        t = analyze(title, normalized=True, words=list(spans[0]))
        b = analyze(body, normalized=True, words=list(spans[1]))
        new_spans = None
    else:
        t = analyze(title, normalized=True)
        b = analyze(body, normalized=True)
        new_spans = (t.words, b.words)
    # Body positions start after the title's so one phrase cannot span the two.
    tokens = {
        "title_f": TokenStream(field_tokens(t, "fold")),
        "title_x": TokenStream(field_tokens(t, "exact")),
        "body_f": TokenStream(field_tokens(b, "fold")),
        "body_x": TokenStream(field_tokens(b, "exact")),
        "words": TokenStream(field_tokens(t, "words") + field_tokens(b, "words")),
    }
    return key, tokens, new_spans


def _stored_fields(key: str, h: str, a: Article) -> dict:
    doc = {
        "key": key,
        "hash": h,
        "source": a.source or "",
        "title": a.title,
        "body": a.body,
        "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    for name, value in (("url", a.url), ("author", a.author), ("description", a.description),
                        ("outlet", a.outlet), ("category", a.category)):
        if value:
            doc[name] = value.strip()
    if a.published:
        doc["published"] = a.published
        doc["month"] = a.published[:7]
    return doc


def _existing(ix) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """key -> hash, hash -> key and key -> source for the live documents (columns only)."""
    key_hash: dict[str, str] = {}
    hash_key: dict[str, str] = {}
    key_source: dict[str, str] = {}
    with ix.reader() as reader:
        if reader.doc_count() == 0:
            return key_hash, hash_key, key_source
        keys = reader.column_reader("key")
        hashes = reader.column_reader("hash")
        sources = reader.column_reader("source")
        for docnum in reader.all_doc_ids():
            k = keys[docnum]
            h = hashes[docnum]
            key_hash[k] = h
            hash_key.setdefault(h, k)
            key_source[k] = sources[docnum]
    return key_hash, hash_key, key_source


def _processes(config: Config) -> int:
    n = config.index.processes or (os.cpu_count() or 1)
    return max(1, n)


def index_articles(
    config: Config,
    items: Iterable[Article | ReadFailure],
    *,
    rebuild: bool = False,
    prune: bool = False,
    wait: bool = False,
    progress: ProgressFn | None = None,
    total: int | None = None,
) -> BuildSummary:
    """Index ``items`` into the configured index; see the module docstring.

    Read failures are counted and reported, never fatal. Raises
    :class:`store.IndexLockedError` when another writer is running (unless ``wait``).
    """
    live = config.path("index")
    summary = BuildSummary(index_path=str(live))
    started = time.monotonic()
    notify = progress or (lambda event, info: None)
    with store.writer_lock(live, wait=wait):
        folder = None
        if rebuild or not store.exists(live):
            folder, ix = store.new_generation(live)
            known_hash, hash_key, key_source = {}, {}, {}
        else:
            ix = store.open_index(live)
            known_hash, hash_key, key_source = _existing(ix)
        cache = TokenCache(config.path("cache"))
        notify("start", total)
        seen_keys: set[str] = set()
        writer = None
        pending_commit = 0
        try:
            plan = _plan(items, known_hash, hash_key, seen_keys, cache, summary, notify)
            for p, (key, tokens, new_spans) in _segmented(plan, config):
                if writer is None:
                    writer = ix.writer(limitmb=config.index.writer_memory_mb)
                doc = _stored_fields(key, p.hash, p.article)
                doc.update(tokens)
                if p.replace:
                    writer.update_document(**doc)
                    summary.updated += 1
                    notify("doc", "updated")
                else:
                    writer.add_document(**doc)
                    summary.indexed += 1
                    notify("doc", "indexed")
                if new_spans is not None:
                    summary.segmented += 1
                    cache.put(p.hash, *new_spans)
                pending_commit += 1
                if folder is None and pending_commit >= COMMIT_EVERY:
                    cache.flush()
                    writer.commit()
                    writer = None
                    pending_commit = 0
            if prune and folder is None:
                writer = writer or ix.writer(limitmb=config.index.writer_memory_mb)
                for key, src in key_source.items():
                    if key in seen_keys or not src or "://" in src:
                        continue
                    if not Path(src).exists():
                        writer.delete_by_term("key", key)
                        summary.pruned += 1
                        notify("pruned", key)
            if writer is not None:
                writer.commit()
                writer = None
            cache.flush()
            if folder is not None:
                store.activate(live, folder)
                folder = None
        finally:
            if writer is not None:
                writer.cancel()
            cache.close()
            ix.close()
            if folder is not None:  # a failed rebuild leaves the live index untouched
                shutil.rmtree(folder, ignore_errors=True)
    summary.seconds = time.monotonic() - started
    notify("end", summary)
    return summary


def _segmented(plan: Iterable[_Prepared], config: Config) -> Iterator[tuple[_Prepared, tuple]]:
    """Tokens for each planned article, segmented in worker processes.

    Batches are kept in flight two deep, so workers segment batch N+1 while this
    process writes batch N; all bookkeeping stays in this thread.
    """
    nproc = _processes(config)
    if nproc == 1:
        for p in plan:
            yield p, _segment((p.key, p.article.title, p.article.body, p.spans))
        return
    batch_size = max(1, config.index.batch_size) * nproc
    chunksize = max(1, config.index.batch_size // 4)
    pool = multiprocessing.get_context("fork").Pool(nproc)
    in_flight: deque = deque()
    try:
        batch: list[_Prepared] = []
        for p in plan:
            batch.append(p)
            if len(batch) >= batch_size:
                in_flight.append((batch, pool.map_async(_segment, [_job(b) for b in batch], chunksize)))
                batch = []
                while len(in_flight) > 2:
                    done, res = in_flight.popleft()
                    yield from zip(done, res.get())
        if batch:
            in_flight.append((batch, pool.map_async(_segment, [_job(b) for b in batch], chunksize)))
        while in_flight:
            done, res = in_flight.popleft()
            yield from zip(done, res.get())
    finally:
        pool.terminate()
        pool.join()


def _job(p: _Prepared) -> tuple:
    return (p.key, p.article.title, p.article.body, p.spans)


def _plan(items, known_hash, hash_key, seen_keys, cache, summary, notify) -> Iterator[_Prepared]:
    """Decide per article: unchanged, duplicate, empty, or to (re)index."""
    run_hashes: dict[str, str] = {}
    for item in items:
        if isinstance(item, ReadFailure):
            summary.failed += 1
            summary.failures.append(str(item))
            notify("failure", item)
            continue
        try:
            article = _canonical(item)
            key = article_key(article)
        except Exception as exc:  # a reader produced something unusable
            summary.failed += 1
            summary.failures.append(f"{getattr(item, 'source', '?')}: {exc}")
            notify("failure", ReadFailure(str(getattr(item, "source", "?")), str(exc)))
            continue
        if not (article.title or article.body):
            _skip(summary, notify, "empty article")
            continue
        if key in seen_keys:
            _skip(summary, notify, "same id twice in this run")
            continue
        seen_keys.add(key)
        h = _hash_of(article)
        old = known_hash.get(key)
        if old == h:
            summary.unchanged += 1
            notify("doc", "unchanged")
            continue
        owner = run_hashes.get(h) or hash_key.get(h)
        if owner is not None and owner != key:
            _skip(summary, notify, "duplicate text")
            continue
        run_hashes[h] = key
        yield _Prepared(key, h, article, replace=old is not None, spans=cache.get(h))


def _skip(summary: BuildSummary, notify: ProgressFn, reason: str) -> None:
    summary.skipped += 1
    summary.skipped_reasons[reason] = summary.skipped_reasons.get(reason, 0) + 1
    notify("doc", "skipped")
