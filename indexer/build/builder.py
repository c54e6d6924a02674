"""Building and updating the index: incremental, deduplicated, crash-safe.

Each article gets a *key* (its source id, else canonical URL, else file path) and a
*content hash* of its normalised text. A run compares both with what the index holds:
unchanged articles cost a hash and a column look-up (no pyvi); changed ones are
replaced; identical text under another key is skipped as a duplicate. Segmentation
runs in worker processes (pyvi loaded once each) while this process writes, and
pyvi's word boundaries are cached by content hash so a ``--rebuild`` after a schema
change skips pyvi. A rebuild writes a new generation and swaps it in atomically
(:mod:`indexer.backends.whoosh.store`); incremental runs commit every ``COMMIT_EVERY`` articles, so an
interrupted run keeps what it committed and the next run carries on.

Items may also be :class:`~indexer.build.manifest.FileInput` (a file, unread): the builder
reads it itself, unless the generation's per-file manifest (:mod:`indexer.build.manifest`)
shows it unchanged since it was last read in full, in which case it is not opened.
"""

from __future__ import annotations

import functools
import contextlib
import multiprocessing
import os
import queue as queue_mod
import shutil
import stat as stat_mod
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator

from indexer.text.analysis import content_hash, syllable_streams, word_spans, word_tokens
from indexer.config import Config
from indexer.ingest.documents import Article, ReadFailure
from indexer.text.normalize import normalize
from indexer.backends.whoosh import store
from indexer.backends.whoosh.schema import bigrams
from indexer.build.tokencache import TokenCache
from indexer.text.restore import update_model as update_restore_model
from indexer.build.workerproc import ParentWatch, child_guard
from indexer.ingest.readers.categories import relabel_note, relabelled
from indexer.text.entities import entity_terms
from indexer.text.minhash import band_terms, encode, signature

from indexer.backends.whoosh.sink import WhooshSink
from indexer.backends.whoosh.writer import FastSegmentWriter, abandon_segment, finish_segment, open_segment_writer
from indexer.build import manifest as manifest_mod
from indexer.build.manifest import FileInput

__all__ = ["BuildSummary", "FileInput", "index_articles", "article_key", "ProgressFn"]

COMMIT_EVERY = 10_000

# progress(event, info): event is "start" (info: total or None), "doc" (info: outcome),
# "failure" (info: ReadFailure), "skip" (info: "<source>: <reason>", e.g. a duplicate naming
# the article it repeats), "pruned", "end" (info: BuildSummary).
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
    skips: list[str] = field(default_factory=list)  # "<source>: <reason>" for each skipped article
    index_path: str = ""
    notes: list[str] = field(default_factory=list)  # for the operator, e.g. "rebuild to ..."

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


def _raw_hash(article: Article) -> str:
    return content_hash(" ".join(((article.title or "") + "\n" + (article.body or "")).split()))


def _hash_of(article: Article) -> str:
    return content_hash(" ".join((article.title + "\n" + article.body).split()))


def _segment(job: tuple, pairs: bool = False) -> tuple[dict, tuple | None]:
    """Token streams for one article (pyvi unless its spans were cached).

    The same streams as :func:`indexer.text.analysis.analyze` + ``field_tokens`` (a test
    checks they are identical), built without per-syllable objects: syllable fields
    are plain token lists (position = index), ``words`` is ``(word, position)`` pairs.
    """
    title, body, spans = job
    if spans is not None:
        tw, bw = spans
        new_spans = None
    else:
        tw, bw = word_spans(title), word_spans(body)
        new_spans = (tw, bw)
    tx, tf = syllable_streams(title)
    bx, bf = syllable_streams(body)
    streams = {
        "title_f": tf,
        "title_x": tx,
        "body_f": bf,
        "body_x": bx,
        "words": word_tokens(tx, tw) + word_tokens(bx, bw),
    }
    if pairs:  # index.phrase_pairs: the index's schema has title_b / body_b
        streams["title_b"] = bigrams(tf)
        streams["body_b"] = bigrams(bf)
    return streams, new_spans


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


def _processes(config: Config) -> int:
    n = config.index.processes or (os.cpu_count() or 1)
    return max(1, n)


def _settings_notes(config: Config, schema, live: Path) -> list[str]:
    """Notes for the operator when an existing index was built other than this run would
    build it (syllable pairs, schema or analysis version): a rebuild applies them."""
    notes = []
    if config.index.phrase_pairs != ("body_b" in schema):
        notes.append(
            "index.phrase_pairs is " + ("on" if config.index.phrase_pairs else "off")
            + " but this index was built " + ("without" if config.index.phrase_pairs else "with")
            + " syllable pairs; it takes effect with `vnsearch index --rebuild`")
    stale = store.version_mismatch(live)
    if stale:
        notes.append(stale)
    relabel = _category_note(live)
    if relabel:
        notes.append(relabel)
    return notes


def _category_note(live: Path) -> str | None:
    """A rebuild note when the live index keeps category labels the vocabulary now maps
    to other names (built before ``categories.toml`` said so)."""
    if not store.exists(live):
        return None
    try:
        ix = store.open_index(live)
    except store.IndexMissingError:
        return None
    with ix.reader() as reader:
        if "category" not in reader.schema:
            return None
        labels = [t.decode("utf-8") if isinstance(t, bytes) else t for t, _i in reader.iter_field("category")]
    return relabel_note(relabelled(labels))


def index_articles(config: Config, items: Iterable[Article | ReadFailure], **options) -> BuildSummary:
    """Index ``items`` into the configured index (options: see :func:`_index_articles`).

    An operating-system error while writing (a full disk, a read-only folder) becomes
    :class:`store.IndexWriteError` with a message saying what to do; the live index
    is never left half-written (a rebuild's new generation is removed, an incremental
    run's uncommitted segment files are deleted).
    """
    try:
        return _index_articles(config, items, **options)
    except OSError as exc:
        raise store.write_error(config.path("index"), exc) from None


def _index_articles(
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
    with store.writer_lock(live, wait=wait) as lock:
        if lock.took_over:
            summary.notes.append(lock.took_over)
        folder, sink, (known_hash, hash_key, key_source) = open_build_target(config, live, rebuild, summary)
        target = folder if folder is not None else store.resolve(live)
        # A rebuild starts a fresh manifest in its new generation.
        old_files = {} if folder is not None else manifest_mod.load(target)
        cache = TokenCache(config.path("cache"))
        notify("start", total)
        seen_keys: set[str] = set()
        with finishing_build(config, live, folder, target, sink, cache):
            planner = _Planner(known_hash, hash_key, seen_keys, cache, summary, notify, old_files)
            plan = planner.plan(items)
            # A rebuild commits once (the generation swap is its atomic step); an
            # incremental run commits every COMMIT_EVERY articles.
            round_size = None if folder is not None else COMMIT_EVERY
            while True:
                first = next(plan, None)
                if first is None:
                    break
                segments = _index_round(_chain(first, plan), round_size, target, config,
                                        sink, cache, summary, notify)
                cache.flush()
                sink.commit(segments)
            if prune and folder is None:
                prune_missing(sink, key_source, seen_keys, summary, notify)
            cache.flush()
            # After the commits that hold the files' articles (before the swap, for a
            # rebuild): a crash before this costs the next run time, never correctness.
            planner.save_manifest(target)
    summary.seconds = time.monotonic() - started
    notify("end", summary)
    return summary


def prune_missing(sink: WhooshSink, key_source: dict[str, str], seen_keys: set[str],
                  summary: BuildSummary, notify: ProgressFn) -> None:
    """Delete (and commit) the articles whose source file is gone, other than those this
    run read (``--prune``); URLs are never pruned (they may only be unreachable)."""
    for key, src in key_source.items():
        if key in seen_keys or not src or "://" in src:
            continue
        if not Path(src).exists():
            sink.delete(key)
            summary.pruned += 1
            notify("pruned", key)
    sink.commit()


@contextlib.contextmanager
def finishing_build(config: Config, live: Path, folder: Path | None, target: Path,
                    sink: WhooshSink, cache: TokenCache) -> Iterator[None]:
    """The end every run shares, local or on Dask, around the body that commits: on success
    the restore model follows the index and a new generation is swapped in; on a write
    error what was never committed is freed; always the sink and cache are closed, and a
    failed rebuild's folder removed, so the live index is untouched."""
    try:
        yield
        sink.each_text(functools.partial(update_restore_model, target,  # indexer.text.restore
                                         forgotten=sink.deleted_texts()))
        if folder is not None:
            store.activate(live, folder, keep=config.index.keep_generations)
            folder = None
    except OSError:
        if folder is None:  # free what this run wrote and never committed
            with contextlib.suppress(OSError):
                sink.cancel()
            store.discard_uncommitted(target)
        raise
    finally:
        try:
            sink.close()  # may fail too, on a full disk
        finally:
            cache.close()
            if folder is not None:  # a failed rebuild leaves the live index untouched
                shutil.rmtree(folder, ignore_errors=True)


def open_build_target(config: Config, live: Path, rebuild: bool, summary: BuildSummary,
                      ) -> tuple[Path | None, WhooshSink, tuple[dict[str, str], dict[str, str], dict[str, str]]]:
    """Where a run writes, under the writer lock: a new generation (a rebuild, or no index
    yet: its folder is returned, to swap in at the end) or the live index (folder None),
    with the live documents' key -> hash, hash -> key and key -> source, and the notes on
    settings the index was built without."""
    if rebuild or not store.exists(live):
        folder, ix = store.new_generation(live, config.index.phrase_pairs)
        return folder, WhooshSink(ix, config.index.writer_memory_mb), ({}, {}, {})
    sink = WhooshSink(store.open_index(live), config.index.writer_memory_mb)
    summary.notes.extend(_settings_notes(config, sink.schema, live))
    return None, sink, sink.existing()


def _chain(first, rest):
    yield first
    yield from rest


# Articles per segment written by one worker. Each worker keeps its segment's postings
# in memory (about 40 MB per 1,000 articles) and flushes it while the other workers go
# on segmenting, so writing overlaps segmentation; fewer, larger segments search faster.
SEGMENT_DOCS = 8_000


def _index_round(plan: Iterator[_Prepared], limit: int | None, folder: Path, config: Config,
                 sink: WhooshSink, cache: TokenCache, summary: BuildSummary, notify: ProgressFn) -> list:
    """Index up to ``limit`` planned articles into new segments; return the segments.

    Replaced articles are deleted through ``sink`` (the locked main writer), so the
    deletions and their new versions become visible in the same commit. Segmenting
    *and* segment writing happen in worker processes (one Whoosh sub-writer each);
    this process reads, plans and keeps the books.
    """
    nproc = _processes(config)
    batch_size = max(1, config.index.batch_size)
    count = 0

    def jobs() -> Iterator[tuple[_Prepared, tuple]]:
        nonlocal count
        for p in plan:
            if p.replace:
                sink.delete(p.key)
            yield p, _job(p)
            count += 1
            if limit is not None and count >= limit:
                return

    def done(p: _Prepared, new_spans) -> None:
        if p.replace:
            summary.updated += 1
            notify("doc", "updated")
        else:
            summary.indexed += 1
            notify("doc", "indexed")
        if new_spans is not None:
            summary.segmented += 1
            cache.put(p.hash, *new_spans)

    if nproc == 1:
        sub = _SubWriter(str(folder), SEGMENT_DOCS)
        for p, job in jobs():
            done(p, sub.add(job))
        return sub.finish()
    return _run_workers(jobs(), nproc, batch_size, str(folder), done)


# Titles that are a shortened lead, not a headline: shown, but not indexed as a title,
# so their words get no title boost (the lead is at the top of the body anyway).
NOT_HEADLINE_KINDS = frozenset({"lead", "first-line"})


def _job(p: _Prepared) -> tuple:
    return _article_job(p.key, p.hash, p.article, p.spans)


def _article_job(key: str, h: str, article: Article, spans: tuple | None) -> tuple:
    """What a worker segments and writes for one article (a local process or a Dask
    worker): stored fields, the title to index (none when it is a lead standing in for
    a headline), the body and the cached word spans."""
    title = "" if article.extra.get("title_kind") in NOT_HEADLINE_KINDS else article.title
    return (_stored_fields(key, h, article), title, article.body, spans)


class _SubWriter:
    """Segment and write articles into segments of at most ``segment_docs`` articles."""

    def __init__(self, folder: str, segment_docs: int):
        self.folder = folder
        self.segment_docs = segment_docs
        self.pairs: bool | None = None  # does the index hold syllable pairs? (known once opened)
        self.entities = False  # ... and entity terms (schema 4)?
        self.stories = False  # ... and story bands?
        self.writer: FastSegmentWriter | None = None
        self.segments: list = []

    def add(self, job: tuple):
        stored, title, body, spans = job
        if self.writer is None:
            self.writer = open_segment_writer(self.folder)
            self.pairs = "body_b" in self.writer.schema
            self.entities = "entities" in self.writer.schema
            self.stories = "story" in self.writer.schema
        streams, new_spans = _segment((title, body, spans), bool(self.pairs))
        if self.entities:  # from pyvi's words just computed (or cached): no second pyvi run
            names = entity_terms(title, body, spans if spans is not None else new_spans)
            streams["entities"] = names
            stored["entity_names"] = "\n".join(names)
        if self.stories:  # near-duplicate detection: MinHash over the folded syllables
            sig = signature(streams["title_f"], streams["body_f"])
            if sig is not None:
                streams["story"] = band_terms(sig)
                stored["story_sig"] = encode(sig)
        self.writer.add_analyzed(stored, streams)
        if self.writer.docnum >= self.segment_docs:
            self.segments.append(self._close())
        return new_spans

    def _close(self):
        w, self.writer = self.writer, None
        return finish_segment(w)

    def finish(self) -> list:
        if self.writer is not None:
            self.segments.append(self._close())
        out, self.segments = self.segments, []
        return out

    def cancel(self) -> None:
        if self.writer is not None:
            try:
                abandon_segment(self.writer)
            except Exception:  # cleanup of a failed worker: nothing more to do with it
                pass
            self.writer = None


def _worker_main(folder: str, segment_docs: int, jobq, resq, watch: ParentWatch) -> None:
    """A worker process: batches in, (batch number, new spans) and segments out."""
    child_guard(watch)  # ends with the parent, however the parent ends
    sub = None
    try:
        sub = _SubWriter(folder, segment_docs)
        while True:
            msg = jobq.get()
            if msg is None:
                break
            number, batch = msg
            before = len(sub.segments)
            spans = [sub.add(job) for job in batch]
            resq.put(("batch", number, spans))
            if len(sub.segments) > before:
                resq.put(("segments", None, sub.finish()))
        resq.put(("segments", None, sub.finish()))
        resq.put(("exit", None, None))
    except BaseException as exc:
        if sub is not None:
            sub.cancel()
        if isinstance(exc, OSError):  # disk full, read-only...: the parent reports it plainly
            resq.put(("oserror", None, (exc.errno, exc.strerror, exc.filename)))
        else:
            resq.put(("error", None, traceback.format_exc()))


def _run_workers(jobs: Iterator[tuple[_Prepared, tuple]], nproc: int, batch_size: int,
                 folder: str, done: Callable) -> list:
    """Feed batches to ``nproc`` writer processes from one shared queue (any idle
    worker takes the next batch, so one flushing its segment does not stall the
    others); return their segments once all have finished."""
    ctx = multiprocessing.get_context("fork")
    watch = ParentWatch()
    jobq = ctx.Queue(maxsize=2 * nproc)
    resq = ctx.Queue()
    procs: list = []
    pending: dict[int, list[_Prepared]] = {}
    segments: list = []
    exited = 0

    def handle(block: bool) -> bool:
        nonlocal exited
        try:
            kind, number, payload = resq.get(timeout=1.0) if block else resq.get_nowait()
        except queue_mod.Empty:
            if any(p.exitcode not in (None, 0) for p in procs):
                raise RuntimeError("an indexing worker process died") from None
            return False
        if kind == "batch":
            for p, new_spans in zip(pending.pop(number), payload):
                done(p, new_spans)
        elif kind == "segments":
            segments.extend(payload)
        elif kind == "exit":
            exited += 1
        elif kind == "oserror":
            raise OSError(*payload)
        else:
            raise RuntimeError(f"an indexing worker failed:\n{payload}")
        return True

    def put(msg) -> None:
        while True:
            while handle(block=False):
                pass
            try:
                jobq.put(msg, timeout=0.2)
                return
            except queue_mod.Full:
                handle(block=True)

    try:
        number = 0
        batch: list[tuple[_Prepared, tuple]] = []
        for item in jobs:
            batch.append(item)
            if len(batch) >= batch_size:
                if not procs:
                    _start(procs, ctx, nproc, folder, jobq, resq, watch, batch)
                pending[number] = [p for p, _ in batch]
                put((number, [j for _, j in batch]))
                number += 1
                batch = []
        if batch:
            if not procs:
                _start(procs, ctx, nproc, folder, jobq, resq, watch, batch)
            pending[number] = [p for p, _ in batch]
            put((number, [j for _, j in batch]))
        for _ in procs:
            put(None)
        while exited < len(procs):
            handle(block=True)
        for p in procs:
            p.join()
        return segments
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join()
                # batches still queued for it would keep this process from exiting
                jobq.cancel_join_thread()
        jobq.close()
        resq.close()
        watch.close()


def _start(procs: list, ctx, nproc: int, folder: str, jobq, resq, watch: ParentWatch, first_batch) -> None:
    if any(job[3] is None for _, job in first_batch):
        from indexer.text.analysis import _model

        _model()  # load pyvi once, before forking: the workers share it copy-on-write
    for _ in range(nproc):
        proc = ctx.Process(target=_worker_main, args=(folder, SEGMENT_DOCS, jobq, resq, watch),
                           daemon=True)
        proc.start()
        procs.append(proc)


class _Record:
    """What became of each article of one file being read (for the manifest)."""

    __slots__ = ("ok", "articles")

    def __init__(self) -> None:
        self.ok = True
        self.articles: list[list] = []


class _Planner:
    """Decide per article: unchanged, duplicate, empty, or to (re)index.

    Plain articles and read failures are taken as they come; a :class:`FileInput` is
    skipped unread when the manifest shows it unchanged (its articles then count as
    they did when it was read), else read here and recorded for the next manifest.
    """

    def __init__(self, known_hash, hash_key, seen_keys, cache, summary, notify, old_files):
        self.known_hash = known_hash
        self.hash_key = hash_key
        self.seen_keys = seen_keys
        self.cache = cache
        self.summary = summary
        self.notify = notify
        self.old_files: dict[str, dict] = old_files
        self.files: dict[str, dict] = dict(old_files)
        self.touched: set[str] = set()
        self.run_hashes: dict[str, str] = {}

    def plan(self, items) -> Iterator[_Prepared]:
        for item in items:
            if isinstance(item, FileInput):
                yield from self._file(item.path)
                continue
            p = self._article(item, None)
            if p is not None:
                yield p

    # -- one article -------------------------------------------------------------

    def _article(self, item, rec: _Record | None) -> _Prepared | None:
        summary, notify, seen_keys = self.summary, self.notify, self.seen_keys
        if isinstance(item, ReadFailure):
            summary.failed += 1
            summary.failures.append(str(item))
            notify("failure", item)
            if rec is not None:
                rec.ok = False
            return None
        try:
            key = article_key(item)
            old = self.known_hash.get(key)
            raw = None
            if old is not None and key not in seen_keys:
                raw = _raw_hash(item)
                if old == raw:
                    # Readers already normalise; when the text as read hashes to what the
                    # index holds, it is unchanged: skip normalising it again.
                    seen_keys.add(key)
                    summary.unchanged += 1
                    notify("doc", "unchanged")
                    if rec is not None:
                        rec.articles.append([manifest_mod.IN_INDEX, key, old])
                    return None
            title, body = item.title or "", item.body or ""
            article = _canonical(item)
        except Exception as exc:  # a reader produced something unusable
            summary.failed += 1
            summary.failures.append(f"{getattr(item, 'source', '?')}: {exc}")
            notify("failure", ReadFailure(str(getattr(item, "source", "?")), str(exc)))
            if rec is not None:
                rec.ok = False
            return None
        if not (article.title or article.body):
            _skip(summary, notify, "empty article", f"{_where(item)}: no title and no text")
            if rec is not None:
                rec.articles.append([manifest_mod.EMPTY, None, None])
            return None
        if key in seen_keys:
            _skip(summary, notify, "same id twice in this run", f"{_where(item)}: id {key} already read in this run")
            if rec is not None:
                rec.articles.append([manifest_mod.TWICE, key, None])
            return None
        seen_keys.add(key)
        # The text as read is usually canonical already: then its hash is the one computed.
        h = raw if raw is not None and article.title == title and article.body == body else _hash_of(article)
        if old == h:
            summary.unchanged += 1
            notify("doc", "unchanged")
            if rec is not None:
                rec.articles.append([manifest_mod.IN_INDEX, key, h])
            return None
        owner = self.run_hashes.get(h) or self.hash_key.get(h)
        if owner is not None and owner != key:
            _skip(summary, notify, "duplicate text", f"{_where(item)}: same text as {_named(owner)}")
            if rec is not None:
                rec.articles.append([manifest_mod.DUPLICATE, key, h])
            return None
        self.run_hashes[h] = key
        if rec is not None:
            rec.articles.append([manifest_mod.IN_INDEX, key, h])
        return _Prepared(key, h, article, replace=old is not None, spans=self.cache.get(h))

    # -- one file ------------------------------------------------------------------

    def _file(self, path) -> Iterator[_Prepared]:
        from indexer.ingest.readers import read_file

        path = Path(path)
        looked_ns = time.time_ns()
        st: os.stat_result | None
        name: str | None
        try:
            st = os.stat(path)
            name = str(path.resolve())
        except (OSError, RuntimeError):
            st = name = None
        if st is not None and not stat_mod.S_ISREG(st.st_mode):
            st = None
        if st is not None and name is not None and name not in self.touched:
            entry = self.old_files.get(name)
            if entry is not None and self._replay(entry, st, name):
                self.touched.add(name)
                return
        rec = _Record()
        for item in read_file(path):
            p = self._article(item, rec)
            if p is not None:
                yield p
        if name is None:
            return
        self.touched.add(name)
        self.files.pop(name, None)
        if not rec.ok or st is None:
            return  # a file with a read failure is read again next time
        try:
            after = os.stat(path)
        except OSError:
            return
        if (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
            return  # changed while it was being read
        self.files[name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "read_ns": looked_ns,
                            "articles": rec.articles}

    def _replay(self, entry: dict, st, name: str = "?") -> bool:
        """Count an unchanged file's articles as they were counted when it was read;
        False (nothing counted) when the entry does not apply, so the file is read."""
        try:
            if entry["size"] != st.st_size or entry["mtime_ns"] != st.st_mtime_ns:
                return False
            if st.st_mtime_ns >= entry["read_ns"] - manifest_mod.RACY_NS:
                return False  # written just before it was read: its mtime proves nothing
            articles = entry["articles"]
            seen, known, local = self.seen_keys, self.known_hash, set()
            for outcome, key, h in articles:
                if outcome == manifest_mod.IN_INDEX or outcome == manifest_mod.DUPLICATE:
                    if not isinstance(key, str) or key in seen or key in local:
                        return False
                    if outcome == manifest_mod.IN_INDEX:
                        if known.get(key) != h:
                            return False  # replaced or removed since: read the file
                    else:
                        owner = self.run_hashes.get(h) or self.hash_key.get(h)
                        if known.get(key) == h or owner is None or owner == key:
                            return False
                    local.add(key)
                elif outcome == manifest_mod.TWICE:
                    if key not in seen and key not in local:
                        return False
                elif outcome != manifest_mod.EMPTY:
                    return False
        except (KeyError, TypeError, ValueError):
            return False  # a damaged entry
        summary, notify = self.summary, self.notify
        for outcome, key, _h in articles:
            if outcome == manifest_mod.IN_INDEX:
                seen.add(key)
                summary.unchanged += 1
                notify("doc", "unchanged")
            elif outcome == manifest_mod.DUPLICATE:
                seen.add(key)
                owner = self.run_hashes.get(_h) or self.hash_key.get(_h) or "?"
                _skip(summary, notify, "duplicate text", f"{name}: same text as {_named(owner)}")
            elif outcome == manifest_mod.TWICE:
                _skip(summary, notify, "same id twice in this run", f"{name}: id {key} already read in this run")
            else:
                _skip(summary, notify, "empty article", f"{name}: no title and no text")
        return True

    def save_manifest(self, folder: Path) -> None:
        """Write the manifest (when it changed): this run's files, and earlier runs'
        files that still exist (their entries are checked against the index on use)."""
        files = {name: entry for name, entry in self.files.items()
                 if name in self.touched or os.path.exists(name)}
        if files != self.old_files or not (Path(folder) / manifest_mod.MANIFEST_NAME).exists() and files:
            manifest_mod.save(folder, files)


def _where(article: Article) -> str:
    """The article as an operator finds it: its file (and id, for a record in a collection)."""
    where = str(article.source or article.url or article.id or "?")
    return f"{where} (id {article.id})" if article.id and article.source else where


def _named(key: str) -> str:
    """An article key as a user recognises it: a file path without the ``file:`` tag."""
    return key[len("file:"):] if key.startswith("file:") else key


def _skip(summary: BuildSummary, notify: ProgressFn, reason: str, detail: str | None = None) -> None:
    summary.skipped += 1
    summary.skipped_reasons[reason] = summary.skipped_reasons.get(reason, 0) + 1
    if detail is not None:
        summary.skips.append(detail)
        notify("skip", detail)
    notify("doc", "skipped")
