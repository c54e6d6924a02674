"""Building the index on a Dask cluster (``vnsearch index --dask SCHEDULER``).

The work a local build spreads over its processes — reading, normalising, hashing,
segmenting with pyvi and writing Whoosh segments — runs on Dask workers instead, so
a build is no longer bounded by one machine (nor by one reading process):

1. the input is cut into *partitions*: line ranges of each JSON Lines file (each
   worker opens the file itself, on storage all workers see, or fetches it when the
   input is an ``http(s)://`` URL) and groups of small files;
2. a worker reads its partition and keeps the articles in its memory; only their
   keys and content hashes travel to this process (the *coordinator*);
3. the coordinator decides, in input order and with the same rules as a local build
   (:class:`_Decider`), which articles are new, changed, unchanged or duplicates,
   sends the cached pyvi word spans it holds for them, and asks the worker holding
   the partition to segment and write those articles into a finished segment in its
   own scratch folder; the worker returns the segment's files;
4. the coordinator puts the files in the index folder and commits them with the same
   crash-safety as a local build: a ``--rebuild`` fills a new generation and swaps it
   in atomically (:mod:`indexer.store`), an incremental run commits every
   :data:`indexer.build.COMMIT_EVERY` articles under the writer lock.

A worker that dies mid-task costs a retry: Dask re-runs its tasks (re-reading the
partitions whose articles it held) on the workers left, and nothing reaches the index
until the coordinator commits segments it has in hand.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.backends.whoosh import store
from indexer.backends.whoosh.sink import WhooshSink
from indexer.backends.whoosh.writer import segment_files
from indexer.build.builder import (
    finishing_build,
    open_build_target,
    _article_job,
    COMMIT_EVERY,
    BuildSummary,
    ProgressFn,
    _canonical,
    _named,
    _where,
    _hash_of,
    _raw_hash,
    _skip,
    _SubWriter,
    article_key,
    prune_missing,
)
from indexer.build.tokencache import TokenCache
from indexer.config import Config
from indexer.ingest.documents import Article, ReadFailure

__all__ = ["DaskBuildError", "Partition", "index_on_dask", "plan_partitions"]

# How long to wait for the scheduler to answer before saying it cannot be reached.
CONNECT_TIMEOUT_S = 20
# Partitions read ahead of the coordinator's decisions, per worker thread.
READ_AHEAD_PER_THREAD = 2


class DaskBuildError(RuntimeError):
    """The cluster cannot be used (unreachable scheduler, no workers, a task failing)."""


@dataclass(frozen=True, slots=True)
class Partition:
    """One unit of reading: lines ``[start, stop)`` of a JSON Lines file or URL, or a
    group of whole files (``files``)."""

    source: str = ""
    start: int = 0
    stop: int | None = None
    files: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.files:
            return f"{len(self.files)} files from {self.files[0]}"
        if self.stop is None:
            return self.source
        return f"{self.source} lines {self.start + 1}-{self.stop}"


# -- on the workers ---------------------------------------------------------------


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def count_lines(path: str) -> int:
    """Lines in a (gzipped) JSON Lines file, a last line without newline included."""
    import gzip

    opener = gzip.open if path.lower().endswith(".gz") else open
    lines = 0
    last = b"\n"
    with opener(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def _fetch_to(url: str, folder: str) -> Path:
    """Download ``url`` into ``folder`` (a worker reading its input over HTTP)."""
    import httpx

    name = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or "input.jsonl"
    target = Path(folder) / name
    with httpx.stream("GET", url, follow_redirects=True, timeout=60) as response:
        response.raise_for_status()
        with open(target, "wb") as out:
            out.writelines(response.iter_bytes(1 << 20))
    return target


def _read_items(part: Partition, scratch: str) -> Iterable[Article | ReadFailure]:
    from indexer.ingest.readers import read_file
    from indexer.ingest.readers.jsonl import read_jsonl_file

    if part.files:
        for name in part.files:
            yield from read_file(name)
        return
    if _is_url(part.source):
        try:
            local = _fetch_to(part.source, scratch)
        except Exception as exc:  # noqa: BLE001 (network, HTTP status, disk: named in the failure)
            yield ReadFailure(part.source, f"cannot fetch: {exc}")
            return
        for item in read_file(local):  # the URL, not the scratch copy, names the articles
            if isinstance(item, ReadFailure):
                yield ReadFailure(item.source.replace(str(local), part.source), item.reason)
            else:
                item.source = part.source
                yield item
        return
    yield from read_jsonl_file(Path(part.source), part.start, part.stop)


def _scratch() -> str:
    """A fresh folder in the worker's own scratch space (removed with the worker)."""
    try:
        from distributed import get_worker

        base = get_worker().local_directory
    except (ImportError, ValueError):
        base = tempfile.gettempdir()
    path = os.path.join(base, f"vnsearch-{uuid.uuid4().hex}")
    os.makedirs(path)
    return path


def read_partition(part: Partition) -> list:
    """Read and canonicalise one partition: ``(article, key, hash, raw hash)`` per
    article (raw hash only when it differs), or a ReadFailure."""
    scratch = _scratch()
    out: list = []
    try:
        for item in _read_items(part, scratch):
            if isinstance(item, ReadFailure):
                out.append(item)
                continue
            try:
                key = article_key(item)
                raw = _raw_hash(item)
                article = _canonical(item)
                h = _hash_of(article)
            except Exception as exc:  # noqa: BLE001 (a reader produced something unusable)
                out.append(ReadFailure(str(getattr(item, "source", "?")), str(exc)))
                continue
            out.append((article, key, h, raw if raw != h else None))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out


def describe_partition(read: list) -> list:
    """What the coordinator needs of a read partition: no article text."""
    return [item if isinstance(item, ReadFailure)
            else (item[1], item[2], item[3], not (item[0].title or item[0].body), _where(item[0]))
            for item in read]


def write_partition(read: list, picks: list, phrase_pairs: bool) -> dict:
    """Segment and write the picked articles of a read partition into one finished
    segment; return its files' bytes, the segment and pyvi's new word spans."""
    scratch = _scratch()
    try:
        store.create_in(Path(scratch), phrase_pairs).close()
        sub = _SubWriter(scratch, len(picks) + 1)
        new_spans = []
        try:
            for index, spans in picks:
                article, key, h, _raw = read[index]
                new_spans.append(sub.add(_article_job(key, h, article, spans)))
            segments = sub.finish()
        except BaseException:
            sub.cancel()
            raise
        files = {name: data for segment in segments for name, data in segment_files(scratch, segment).items()}
        return {"segments": segments, "files": files, "spans": new_spans}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# -- on the coordinator -------------------------------------------------------------


def plan_partitions(client, inputs: Iterable[str | os.PathLike[str]], size: int) -> list[Partition]:
    """Cut the inputs into partitions of at most ``size`` articles, in input order, and
    small enough that every worker thread gets about two (a small input still spreads).

    JSON Lines files are counted by the workers (the coordinator need not read them);
    URLs are one partition each (their size is unknown until fetched).
    """
    from indexer.ingest.readers import iter_files, suffix_of

    urls = [str(s) for s in inputs if _is_url(str(s))]
    paths = [s for s in inputs if not _is_url(str(s))]
    files: list[tuple[str, Any]] = []  # (path, future line count) for JSONL, (path, None) else
    for path in iter_files(paths):
        jsonl = suffix_of(path) in (".jsonl", ".jsonl.gz") and path.is_file()
        files.append((str(path), client.submit(count_lines, str(path), pure=False) if jsonl else None))
    counts = [counted.result() if counted is not None else None for _path, counted in files]
    total = sum(n if n is not None else 1 for n in counts)
    size = max(1, min(size, -(-total // (2 * _threads(client)))))
    parts: list[Partition] = []
    group: list[str] = []
    for (name, _counted), lines in zip(files, counts):
        if lines is None:
            group.append(name)
            if len(group) >= size:
                parts.append(Partition(files=tuple(group)))
                group = []
            continue
        if group:
            parts.append(Partition(files=tuple(group)))
            group = []
        if lines == 0:
            parts.append(Partition(name))  # read once, so the reader reports it empty
        for start in range(0, lines, size):
            parts.append(Partition(name, start, min(start + size, lines)))
    if group:
        parts.append(Partition(files=tuple(group)))
    parts.extend(Partition(url) for url in urls)
    return parts


def _threads(client) -> int:
    """Worker threads in the cluster: tasks that can run at once."""
    return sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()) or 1


@dataclass
class _Decider:
    """The local builder's per-article rules (:class:`indexer.build._Planner`) applied
    to ``(key, hash, raw hash, empty, where)`` descriptions, in input order."""

    known_hash: dict[str, str]
    hash_key: dict[str, str]
    summary: BuildSummary
    notify: ProgressFn
    seen: set[str] = field(default_factory=set)
    run_hashes: dict[str, str] = field(default_factory=dict)

    def decide(self, item) -> bool | None:
        """None: nothing to index; False: a new article; True: it replaces one."""
        summary, notify = self.summary, self.notify
        if isinstance(item, ReadFailure):
            summary.failed += 1
            summary.failures.append(str(item))
            notify("failure", item)
            return None
        key, h, raw, empty, where = item
        old = self.known_hash.get(key)
        if old is not None and key not in self.seen and old == (raw or h):
            self.seen.add(key)
            summary.unchanged += 1
            notify("doc", "unchanged")
            return None
        if empty:
            _skip(summary, notify, "empty article", f"{where}: no title and no text")
            return None
        if key in self.seen:
            _skip(summary, notify, "same id twice in this run", f"{where}: id {key} already read in this run")
            return None
        self.seen.add(key)
        if old == h:
            summary.unchanged += 1
            notify("doc", "unchanged")
            return None
        owner = self.run_hashes.get(h) or self.hash_key.get(h)
        if owner is not None and owner != key:
            _skip(summary, notify, "duplicate text", f"{where}: same text as {_named(owner)}")
            return None
        self.run_hashes[h] = key
        return old is not None


class _Round:
    """Partitions whose segments will be committed together, in input order."""

    def __init__(self) -> None:
        self.pending: dict[int, tuple[Any, list]] = {}  # partition -> (future, picked meta)
        self.segments: dict[int, list] = {}
        self.articles = 0
        self.deletes: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.pending or self.segments or self.deletes)


class _Coordinator:
    """Drives one Dask build: decisions, write tasks, files into ``target``, commits."""

    def __init__(self, client, sink: WhooshSink, target: Path, cache: TokenCache,
                 decider: _Decider, summary: BuildSummary, notify: ProgressFn, round_size: int | None):
        self.client, self.sink, self.target = client, sink, target
        self.cache, self.decider, self.summary, self.notify = cache, decider, summary, notify
        self.round_size = round_size
        self.pairs = "body_b" in sink.schema

    def run(self, parts: list[Partition]) -> None:
        client = self.client
        ahead = max(2, READ_AHEAD_PER_THREAD * _threads(client))
        reads: deque = deque()
        nxt = 0
        current = _Round()
        for number in range(len(parts)):
            while nxt < len(parts) and len(reads) < ahead:
                read = client.submit(read_partition, parts[nxt], pure=False)
                reads.append((read, client.submit(describe_partition, read, pure=False)))
                nxt += 1
            read, described = reads.popleft()
            picks, meta = [], []
            for index, item in enumerate(_result(described, parts[number])):
                replace = self.decider.decide(item)
                if replace is None:
                    continue
                key, h = item[0], item[1]
                picks.append((index, self.cache.get(h)))
                meta.append((key, h, replace))
                if replace:
                    current.deletes.append(key)
            if picks:
                # Writing before reading more keeps the workers' memory bounded.
                future = client.submit(write_partition, read, picks, self.pairs, pure=False, priority=10)
                current.pending[number] = (future, meta)
                current.articles += len(picks)
            del read, described
            self._harvest(current, parts, block=False)
            if self.round_size is not None and current.articles >= self.round_size:
                self._commit(current, parts)
                current = _Round()
        if current or self.round_size is None:
            self._commit(current, parts)

    def _harvest(self, rnd: _Round, parts: list[Partition], block: bool) -> None:
        """Take in finished segments (all of them when ``block``)."""
        for number in sorted(rnd.pending):
            future, meta = rnd.pending[number]
            if not (block or future.done()):
                continue
            payload = _result(future, parts[number])
            del rnd.pending[number]
            for name, data in payload["files"].items():
                _write_durably(self.target / name, data)
            rnd.segments[number] = payload["segments"]
            for (_key, h, replace), new_spans in zip(meta, payload["spans"]):
                if replace:
                    self.summary.updated += 1
                    self.notify("doc", "updated")
                else:
                    self.summary.indexed += 1
                    self.notify("doc", "indexed")
                if new_spans is not None:
                    self.summary.segmented += 1
                    self.cache.put(h, *new_spans)

    def _commit(self, rnd: _Round, parts: list[Partition]) -> None:
        """Commit a round's deletions and segments in one table-of-contents write."""
        self._harvest(rnd, parts, block=True)
        self.cache.flush()
        for key in rnd.deletes:
            self.sink.delete(key)
        self.sink.commit([s for number in sorted(rnd.segments) for s in rnd.segments[number]])


def _result(future, part: Partition):
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker as exc:
        raise DaskBuildError(f"Dask workers kept dying while handling {part.describe()} ({exc}); "
                             f"nothing of this run was committed after the last commit") from None


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _connect(scheduler: str):
    try:
        from distributed import Client
    except ImportError:
        raise DaskBuildError("--dask needs the `distributed` package: pip install 'vnsearch[dask]'") from None
    try:
        client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise DaskBuildError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
    if not client.scheduler_info()["workers"]:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except (TimeoutError, OSError):
            client.close()
            raise DaskBuildError(f"the Dask scheduler at {scheduler} has no workers") from None
    return client


def index_on_dask(config: Config, inputs: Iterable[str | os.PathLike[str]], scheduler: str, *,
                  rebuild: bool = False, prune: bool = False, wait: bool = False,
                  progress: ProgressFn | None = None) -> BuildSummary:
    """Index ``inputs`` (paths the workers can read, or URLs) on the Dask cluster at
    ``scheduler``; same outcomes and commits as :func:`indexer.build.index_articles`.

    Raises :class:`DaskBuildError` when the cluster cannot do it,
    :class:`store.IndexLockedError` when another writer is running (unless ``wait``) and,
    like a local build, :class:`store.IndexWriteError` for a full disk or an unwritable
    index folder (the live index left as it was, this run's uncommitted files removed).
    """
    try:
        return _index_on_dask(config, inputs, scheduler, rebuild=rebuild, prune=prune, wait=wait,
                              progress=progress)
    except OSError as exc:
        raise store.write_error(config.path("index"), exc) from None


def _index_on_dask(config: Config, inputs: Iterable[str | os.PathLike[str]], scheduler: str, *,
                   rebuild: bool, prune: bool, wait: bool, progress: ProgressFn | None) -> BuildSummary:
    import time

    live = config.path("index")
    summary = BuildSummary(index_path=str(live))
    started = time.monotonic()
    notify = progress or (lambda event, info: None)
    inputs = list(inputs)
    client = _connect(scheduler)
    try:
        with store.writer_lock(live, wait=wait):
            folder, sink, (known_hash, hash_key, key_source) = open_build_target(config, live, rebuild, summary)
            target = folder if folder is not None else store.resolve(live)
            cache = TokenCache(config.path("cache"))
            decider = _Decider(known_hash, hash_key, summary, notify)
            coordinator = _Coordinator(client, sink, target, cache, decider, summary, notify,
                                       None if folder is not None else COMMIT_EVERY)
            with finishing_build(config, live, folder, target, sink, cache):
                parts = plan_partitions(client, inputs, config.index.dask_partition)
                notify("start", sum((p.stop - p.start) for p in parts if p.stop is not None)
                       + sum(len(p.files) for p in parts) or None)
                coordinator.run(parts)
                if prune and folder is None:
                    prune_missing(sink, key_source, decider.seen, summary, notify)
    finally:
        client.close()
    summary.seconds = time.monotonic() - started
    notify("end", summary)
    return summary
