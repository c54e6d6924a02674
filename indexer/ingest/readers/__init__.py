"""Readers: files on disk to :class:`~indexer.ingest.documents.Article` records.

One entry point for every format, so the CLI and the index builder never care what a
file is. Nothing here raises for bad input: a file (or one JSONL record) that cannot be
read becomes a :class:`~indexer.ingest.documents.ReadFailure` with a reason the user can act
on, and reading goes on with the next one.

Public API::

    SUPPORTED_SUFFIXES
    iter_files(paths) -> Iterator[Path]
    read_file(path) -> Iterator[Article | ReadFailure]
    read_paths(paths) -> Iterator[Article | ReadFailure]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from indexer.ingest.documents import Article, ReadFailure

from indexer.ingest.readers.jsonl import read_json_file, read_jsonl_file
from indexer.ingest.readers.txt import read_txt_file

__all__ = ["SUPPORTED_SUFFIXES", "MAX_FILE_BYTES", "iter_files", "read_file", "read_paths", "suffix_of"]

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".json", ".jsonl", ".jsonl.gz", ".json.gz")
# .txt/.html/.json are read whole; bigger than this is not one article.
MAX_FILE_BYTES = 50 * 1024 * 1024
# Files in a folder that are documentation, not articles.
_SKIP_NAMES = {"readme.md", "readme.txt", "readme", "license", "license.txt", "license.md", "licence", "copying"}

Reader = Callable[[Path], Iterable["Article | ReadFailure"]]


def suffix_of(path: Path) -> str | None:
    """The supported suffix ``path`` ends with (``.jsonl.gz`` before ``.gz``), or None."""
    name = path.name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            return suffix
    return None


def _skipped_in_folder(name: str) -> bool:
    return name.startswith(".") or name.lower() in _SKIP_NAMES


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Files to read, in a stable order.

    A folder is walked recursively in sorted order; hidden files and folders, README and
    LICENSE files and files of unsupported type are skipped silently inside folders.
    A path named directly is yielded as it is, even when missing or unsupported, so that
    :func:`read_file` reports it (a user who names a file wants to hear about it). Each
    file is yielded once.
    """
    seen: set[Path] = set()

    def once(p: Path) -> bool:
        try:
            key = p.resolve()
        except OSError:
            key = p.absolute()
        if key in seen:
            return False
        seen.add(key)
        return True

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    child = Path(root) / name
                    if _skipped_in_folder(name) or suffix_of(child) is None:
                        continue
                    if once(child):
                        yield child
        elif once(path):
            yield path


def _read_html(path: Path) -> Iterator[Article | ReadFailure]:
    try:
        from indexer.ingest.readers.html import read_html_file  # written separately; optional until it lands
    except ImportError:
        yield ReadFailure(str(path), "HTML files are not supported yet (the HTML reader is not installed)")
        return
    result = read_html_file(path)
    if isinstance(result, (Article, ReadFailure)):
        yield result
    elif result is not None:
        yield from result


_READERS: dict[str, Reader] = {
    ".txt": read_txt_file,
    ".html": _read_html,
    ".htm": _read_html,
    ".json": read_json_file,
    ".json.gz": read_json_file,
    ".jsonl": read_jsonl_file,
    ".jsonl.gz": read_jsonl_file,
}
_CAPPED = {".txt", ".html", ".htm", ".json"}


def read_file(path: str | os.PathLike[str]) -> Iterator[Article | ReadFailure]:
    """Read one file by its suffix; yield Articles, or ReadFailures saying why not.

    Every Article carries ``source = str(path)``. Unexpected errors inside a reader are
    caught and reported as a failure of that file, so one odd file never stops a build.
    """
    path = Path(path)
    source = str(path)
    if not path.exists():
        yield ReadFailure(source, "no such file or directory")
        return
    if path.is_dir():
        yield ReadFailure(source, "is a directory (use read_paths to walk it)")
        return
    suffix = suffix_of(path)
    if suffix is None:
        found = "".join(path.suffixes[-2:]).lower() or "(none)"
        yield ReadFailure(source, f"unsupported file type '{found}' (supported: {', '.join(SUPPORTED_SUFFIXES)})")
        return
    if suffix in _CAPPED:
        try:
            size = path.stat().st_size
        except OSError as exc:
            yield ReadFailure(source, f"cannot read file: {exc.strerror or exc}")
            return
        if size > MAX_FILE_BYTES:
            yield ReadFailure(source, f"file too large ({size / 1048576:.1f} MB > {MAX_FILE_BYTES // 1048576} MB)")
            return
    try:
        for item in _READERS[suffix](path):
            if isinstance(item, Article) and not item.source:
                item.source = source
            yield item
    except MemoryError:
        yield ReadFailure(source, "out of memory while reading this file")
    except Exception as exc:  # noqa: BLE001 - a reader bug must not stop the whole run
        yield ReadFailure(source, f"could not read ({type(exc).__name__}: {exc})")


def read_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Article | ReadFailure]:
    """Read every file under ``paths`` (see :func:`iter_files`), in order."""
    for path in iter_files(paths):
        yield from read_file(path)
