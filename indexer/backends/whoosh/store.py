"""Where an index lives on disk: generations, the atomic swap, and the writer lock.

The configured index path is a symlink to one *generation* folder
(``index.gen/g-<time>-<pid>``). A full rebuild writes a new generation beside the live
one and replaces the symlink with ``os.replace`` (atomic on POSIX), so a reader sees
either the old or the new index, never a half-written one. Incremental runs write into
the live generation with Whoosh's own atomic commits.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import socket
import sys
import time
import weakref
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from collections.abc import Iterator

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from indexer.backends.whoosh.schema import build_schema

__all__ = [
    "IndexLockedError",
    "IndexMissingError",
    "LockHolder",
    "LockInfo",
    "lock_path",
    "read_holder",
    "writer_lock",
    "resolve",
    "exists",
    "new_generation",
    "activate",
    "open_index",
    "create_in",
    "stored_documents",
]

INDEX_NAME = "MAIN"


class IndexMissingError(RuntimeError):
    """No usable index at a path (with a message saying how to build one)."""


class IndexWriteError(RuntimeError):
    """Writing the index failed (disk full, read-only, ...); the live index is unchanged."""


def write_error(live: Path, exc: OSError) -> IndexWriteError:
    """A clear message for an operating-system error met while writing the index."""
    where = f"the disk holding {exc.filename or live.parent}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return IndexWriteError(
            f"{where} is full ({exc.strerror}) while writing the index; nothing was lost: the live index "
            f"holds what it held (and what this run had committed) and is still served. Free some space "
            f"(a --rebuild needs room for a second copy of the index beside the live one) and run the "
            f"same command again")
    return IndexWriteError(
        f"writing the index at {live} failed ({exc.strerror or exc}: {exc.filename or ''}); nothing was lost: "
        f"the live index holds what it held (and what this run had committed) and is still served. "
        f"Fix the cause and run the same command again")


def discard_uncommitted(folder: Path) -> None:
    """Delete segment files no committed table of contents names (a failed run's), freeing their space.

    Only the writer-lock holder calls this; readers only ever open committed segments.
    """
    from whoosh.index import clean_files

    try:
        ix = whoosh_index.open_dir(str(folder), indexname=INDEX_NAME)
    except Exception:  # nothing committed to keep: leave the folder to its owner
        return
    try:
        with ix.reader() as reader:
            segments = [leaf.segment() for leaf, _offset in reader.leaf_readers()]
        clean_files(ix.storage, INDEX_NAME, ix.latest_generation(), segments)
    finally:
        ix.close()


class IndexLockedError(RuntimeError):
    """Another process holds the writer lock."""


def _gen_root(live: Path) -> Path:
    return live.with_name(live.name + ".gen")


def resolve(live: Path) -> Path:
    """The generation folder the live path points at (or the path itself if a folder)."""
    return live.resolve()


def exists(live: Path) -> bool:
    """True when ``live`` holds a Whoosh index."""
    target = resolve(live)
    return target.is_dir() and whoosh_index.exists_in(str(target), indexname=INDEX_NAME)


def index_exists(live: str | os.PathLike[str]) -> bool:
    """True when the live index path holds an index (the public API's name for :func:`exists`)."""
    return exists(Path(live))


def open_index(live: Path):
    """Open the live index for reading, or raise :class:`IndexMissingError`."""
    target = resolve(live)
    if not target.is_dir():
        raise IndexMissingError(
            f"no index at {live}: build one with `vnsearch index PATH --index {live}` "
            f"(or `make run`)")
    try:
        # No mmap: Whoosh's memory-mapped reading left a searching process with over
        # 1 GB of *anonymous* resident memory on the full corpus (2.1 GB RSS in all);
        # plain reads keep it at about 150 MB at the same query latency. Files a
        # half-opened damaged index leaves behind close quietly (_ReadStorage).
        storage = _ReadStorage(str(target), supports_mmap=False)
        ix = storage.open_index(indexname=INDEX_NAME)
        ix.reader().close()  # every segment the TOC names is there and readable
        return ix
    except whoosh_index.EmptyIndexError:
        raise IndexMissingError(f"{live} (generation {target.name}) is not a vnsearch index (no table of "
                                f"contents); {_repair_hint(live)}") from None
    except Exception as exc:  # corrupt TOC, unreadable segment, wrong pickle...
        raise IndexMissingError(f"the index at {live} (generation {target.name}) cannot be opened "
                                f"({type(exc).__name__}: {exc}); {_repair_hint(live)}") from None


def _repair_hint(live: Path) -> str:
    """What to do about a damaged live generation: fall back when a previous one exists."""
    root = _gen_root(live)
    current = resolve(live)
    previous = [g for g in root.iterdir() if g.is_dir() and g != current and not (g / "BUILDING").exists()] \
        if root.is_dir() else []
    rebuild = f"rebuild it with `vnsearch index PATH --rebuild --index {live}`"
    if not previous:
        return rebuild
    newest = max(previous, key=lambda g: g.stat().st_mtime)
    return (f"`vnsearch check --fall-back --index {live}` switches to the previous generation {newest.name} "
            f"(then `vnsearch index` adds what it lacks), or {rebuild}")


class _ReadStorage(FileStorage):
    """Whoosh's FileStorage whose files close quietly when dropped unclosed.

    With mmap, a reader that was garbage-collected without ``close()`` released its
    maps silently; plain files warn (ResourceWarning) and hold a descriptor until the
    garbage collector runs. Readers are closed explicitly where we own them; this
    is the safety net for the rest (a searcher dropped by Whoosh's ``refresh()``, the
    segments a half-opened damaged index had already opened).
    """

    def open_file(self, name, **kwargs):
        f = super().open_file(name, **kwargs)
        raw = getattr(f, "file", None)
        if raw is not None and hasattr(raw, "close"):
            weakref.finalize(f, raw.close)
        return f




def new_generation(live: Path, phrase_pairs: bool = False):
    """Create an empty index in a new generation folder; returns (folder, index)."""
    root = _gen_root(live)
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"g-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    folder.mkdir()
    (folder / "BUILDING").write_text(str(os.getpid()))
    ix = create_in(folder, phrase_pairs)
    _write_versions(folder)
    return folder, ix


def create_in(folder: Path, phrase_pairs: bool = False):
    """An empty index in an existing ``folder`` (a generation, or a worker's scratch
    folder whose segments are shipped to the coordinator)."""
    return whoosh_index.create_in(str(folder), build_schema(phrase_pairs), indexname=INDEX_NAME)


VERSIONS_NAME = "vnsearch-versions.json"


def stored_documents(live: Path) -> Iterator[tuple[dict, bool]]:
    """The stored fields of every live document of the index at ``live``, in index order,
    each with whether its title was indexed (a lead standing in for a headline is not)."""
    ix = open_index(live)
    try:
        with ix.reader() as reader:
            for docnum, fields in reader.iter_docs():
                yield dict(fields), (reader.doc_field_length(docnum, "title_f", 0) or 0) > 0
    finally:
        ix.close()


def current_versions() -> dict[str, int]:
    """The schema and analysis versions this code writes."""
    from indexer.backends.whoosh.schema import SCHEMA_VERSION
    from indexer.text.analysis import ANALYSIS_VERSION

    return {"schema": SCHEMA_VERSION, "analysis": ANALYSIS_VERSION}


def _write_versions(folder: Path) -> None:
    (folder / VERSIONS_NAME).write_text(json.dumps(current_versions()) + "\n", encoding="utf-8")


def stored_versions(live: Path) -> dict[str, int | None]:
    """The schema and analysis versions the live generation was built with (None where
    it does not say: generations built before versions were stored)."""
    try:
        data = json.loads((resolve(live) / VERSIONS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    return {name: data.get(name) if isinstance(data.get(name), int) else None for name in current_versions()}


def version_mismatch(live: Path) -> str | None:
    """A sentence telling the user to rebuild when the live generation was built with
    another schema or analysis version than this code's, else None."""
    have, want = stored_versions(live), current_versions()
    stale = [f"{name} version {have[name] if have[name] is not None else 'unknown'} (now {want[name]})"
             for name in want if have[name] != want[name]]
    if not stale:
        return None
    return ("this index was built with " + ", ".join(stale)
            + "; new articles are indexed the new way but old ones are not: run `vnsearch index PATH --rebuild`")


def activate(live: Path, folder: Path, keep: int = 1) -> None:
    """Point ``live`` at ``folder`` atomically, then drop all but ``keep`` previous generations.

    The previous generation is kept (``keep=1``, ``index.keep_generations``) so a
    request that opened it just before the swap can finish, and so ``vnsearch check
    --fall-back`` has a generation to return to if the live one is ever damaged.
    """
    (folder / "BUILDING").unlink(missing_ok=True)
    live.parent.mkdir(parents=True, exist_ok=True)
    previous = resolve(live) if live.is_symlink() else None
    if live.exists() and not live.is_symlink():
        # A plain folder from elsewhere: move it into the generations (not atomic, once).
        moved = _gen_root(live) / f"g-legacy-{os.getpid()}"
        os.rename(live, moved)
        previous = moved
    tmp = live.with_name(f".{live.name}.swap-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    os.symlink(os.path.relpath(folder, live.parent), tmp)
    os.replace(tmp, live)
    _fsync_dir(live.parent)
    _collect(live, previous, keep)


def _collect(live: Path, previous: Path | None, keep: int) -> None:
    """Remove generations beyond the ``keep`` newest previous ones (the one just replaced
    first), and builds whose process has died; never the live one or a running build."""
    root = _gen_root(live)
    if not root.is_dir():
        return
    current = resolve(live)
    finished = []
    for gen in root.iterdir():
        if gen == current or not gen.is_dir():
            continue
        marker = gen / "BUILDING"
        if marker.exists():
            if not _pid_alive(marker):
                shutil.rmtree(gen, ignore_errors=True)
            continue
        finished.append(gen)
    finished.sort(key=lambda g: (g != previous, -g.stat().st_mtime))
    for gen in finished[max(0, keep):]:
        shutil.rmtree(gen, ignore_errors=True)


def _pid_alive(marker: Path) -> bool:
    try:
        pid = int(marker.read_text().strip() or 0)
    except (OSError, ValueError):
        return False
    return pid > 0 and pid != os.getpid() and _pid_exists(pid)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Descriptors of writer locks this process holds: closed in every forked child
# (os.register_at_fork), so a worker that outlived its parent could never keep the lock.
_HELD_LOCKS: set[int] = set()


def _close_locks_in_child() -> None:
    for fd in list(_HELD_LOCKS):
        try:
            os.close(fd)  # drops the child's reference only; the parent keeps its lock
        except OSError:
            pass
    _HELD_LOCKS.clear()


os.register_at_fork(after_in_child=_close_locks_in_child)


@dataclass
class LockHolder:
    """Who holds (or last held) a writer lock, as recorded in the lock file."""

    pid: int = 0
    start: str = ""  # the process's start time in clock ticks (/proc/PID/stat), against pid reuse
    host: str = ""
    command: str = ""
    since: str = ""

    @classmethod
    def me(cls) -> LockHolder:
        return cls(pid=os.getpid(), start=_start_time(os.getpid()), host=socket.gethostname(),
                   command=" ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[:300],
                   since=time.strftime("%Y-%m-%d %H:%M:%S %Z"))

    @classmethod
    def parse(cls, text: str) -> LockHolder | None:
        text = text.strip()
        if not text:
            return None
        if text.isdigit():  # the record of older versions: a bare pid
            return cls(pid=int(text))
        try:
            data = json.loads(text)
            return cls(**{k: data[k] for k in ("pid", "start", "host", "command", "since") if k in data})
        except (ValueError, TypeError):
            return None

    def gone(self) -> bool:
        """True when this holder has certainly exited (same host, pid gone or reused)."""
        if self.host and self.host != socket.gethostname():
            return False  # another machine's process: cannot tell, assume alive
        if self.pid <= 0:
            return True
        if not _pid_exists(self.pid):
            return True
        return bool(self.start) and _start_time(self.pid) not in ("", self.start)

    def describe(self) -> str:
        parts = [f"pid {self.pid}"]
        if self.host and self.host != socket.gethostname():
            parts.append(f"on {self.host}")
        if self.command:
            parts.append(f"`{self.command}`")
        if self.since:
            parts.append(f"since {self.since}")
        return ", ".join(parts)


@dataclass
class LockInfo:
    """What :func:`writer_lock` found: ``took_over`` describes a stale record it replaced."""

    path: Path
    took_over: str | None = None


def _start_time(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else ""


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_path(live: Path) -> Path:
    """The writer lock file of the index at ``live``."""
    return live.with_name(f".{live.name}.lock")


def read_holder(live: Path) -> LockHolder | None:
    """The recorded holder of the writer lock (possibly stale), or None."""
    try:
        return LockHolder.parse(lock_path(live).read_text(errors="replace"))
    except OSError:
        return None


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno not in (errno.EAGAIN, errno.EACCES):
            raise
        return False


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _acquire(path: Path) -> tuple[int | None, LockHolder | None]:
    """One attempt: (our locked fd, None) or (None, the recorded holder)."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_flock(fd):
            break
        if _same_file(fd, path):
            return fd, None
        os.close(fd)  # locked a file a taker had just replaced: lock the new one
    holder = LockHolder.parse(os.pread(fd, 4096, 0).decode(errors="replace"))
    os.close(fd)
    return None, holder


def _take_over(path: Path, stale: LockHolder) -> str:
    """Replace a lock file whose recorded holder is gone but whose lock is still held.

    Whatever still holds the old file (a worker of a dead writer, from a version that
    let workers inherit the lock) cannot commit: only the recorded holder commits. The
    replacement happens under a second, short-lived lock so two takers cannot both win.
    Returns "replaced", "released" (free meanwhile: just retry) or "" (not stale after all).
    """
    guard = os.open(path.with_name(path.name + ".takeover"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(guard, fcntl.LOCK_EX)
        fd, holder = _acquire(path)
        if fd is not None:
            os.close(fd)
            return "released"
        if holder is None or holder.pid != stale.pid or not holder.gone():
            return ""
        os.unlink(path)
        return "replaced"
    finally:
        os.close(guard)


@contextmanager
def writer_lock(live: Path, wait: bool = False) -> Iterator[LockInfo]:
    """Only one writer per index: an ``flock`` on a file that records its holder.

    The kernel releases the lock when every descriptor of it is closed, so a writer's
    death frees it; forked children never keep a copy (see ``_close_locks_in_child``).
    A record whose holder has exited while the lock is still held is taken over, and
    reported in ``LockInfo.took_over``.
    """
    live.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(live)
    info = LockInfo(path=path)
    while True:
        fd, holder = _acquire(path)
        if fd is not None:
            break
        outcome = _take_over(path, holder) if holder is not None and holder.gone() else ""
        if outcome == "replaced" and holder is not None:
            info.took_over = (f"took over the writer lock of {holder.describe()}, which has exited "
                              f"(a process it started still held the lock)")
        if outcome:
            continue
        if not wait:
            who = holder.describe() if holder else "pid ?"
            raise IndexLockedError(
                f"another vnsearch process ({who}) is writing the index at {live}; "
                f"wait for it to finish, or pass --wait to queue behind it")
        time.sleep(0.5)
    _HELD_LOCKS.add(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(asdict(LockHolder.me()), ensure_ascii=False) + "\n").encode(), 0)
        yield info
    finally:
        _HELD_LOCKS.discard(fd)
        os.close(fd)
