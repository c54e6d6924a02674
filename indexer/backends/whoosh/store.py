"""Where an index lives on disk: generations, the atomic swap, and the writer lock.

The configured index path is a symlink to one *generation* folder
(``index.gen/g-<time>-<pid>``). A full rebuild writes a new generation beside the live
one and replaces the symlink with ``os.replace`` (atomic on POSIX), so a reader sees
either the old or the new index, never a half-written one. Incremental runs write into
the live generation with Whoosh's own atomic commits.
"""

from __future__ import annotations

import errno
import json
import fcntl
import os
import shutil
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from indexer.backends.whoosh.schema import build_schema

__all__ = [
    "IndexLockedError",
    "IndexMissingError",
    "writer_lock",
    "resolve",
    "exists",
    "new_generation",
    "activate",
    "open_index",
]

INDEX_NAME = "MAIN"


class IndexMissingError(RuntimeError):
    """No usable index at a path (with a message saying how to build one)."""


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
        raise IndexMissingError(f"{live} is not a vnsearch index (no table of contents); "
                                f"rebuild it with `vnsearch index PATH --rebuild`") from None
    except Exception as exc:  # corrupt TOC, unreadable segment, wrong pickle...
        raise IndexMissingError(f"the index at {live} cannot be opened ({type(exc).__name__}: "
                                f"{exc}); rebuild it with `vnsearch index PATH --rebuild`") from None


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
    ix = whoosh_index.create_in(str(folder), build_schema(phrase_pairs), indexname=INDEX_NAME)
    _write_versions(folder)
    return folder, ix


VERSIONS_NAME = "vnsearch-versions.json"


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
    """Point ``live`` at ``folder`` atomically, then drop generations older than ``keep``.

    The previous generation is kept (``keep=1``) so a request that opened it just
    before the swap can finish.
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
    _collect(live, keep_also=previous if keep else None)


def _collect(live: Path, keep_also: Path | None) -> None:
    """Remove generations that are neither live, the one kept, nor being built."""
    root = _gen_root(live)
    if not root.is_dir():
        return
    current = resolve(live)
    for gen in root.iterdir():
        if gen == current or (keep_also is not None and gen == keep_also):
            continue
        marker = gen / "BUILDING"
        if marker.exists() and _pid_alive(marker):
            continue
        shutil.rmtree(gen, ignore_errors=True)


def _pid_alive(marker: Path) -> bool:
    try:
        pid = int(marker.read_text().strip() or 0)
    except (OSError, ValueError):
        return False
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def writer_lock(live: Path, wait: bool = False) -> Iterator[None]:
    """Only one writer per index: hold an ``flock`` (released by the kernel on any death)."""
    live.parent.mkdir(parents=True, exist_ok=True)
    lock_path = live.with_name(f".{live.name}.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            try:
                holder = os.pread(fd, 32, 0).decode().strip()
            except OSError:
                holder = "?"
            raise IndexLockedError(
                f"another vnsearch process (pid {holder or '?'}) is writing the index at {live}; "
                f"wait for it to finish, or pass --wait to queue behind it") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
