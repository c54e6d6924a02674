"""Counting and dating input files, for progress ETAs and `--if-stale`."""

from __future__ import annotations

import gzip
from pathlib import Path
from collections.abc import Callable, Iterable

from indexer.ingest.readers import iter_files

__all__ = ["estimate_total", "newest_mtime"]


def estimate_total(paths: Iterable[str | Path], limit_bytes: int = 2_000_000_000,
                   known: Callable[[Path], int | None] | None = None) -> int | None:
    """Roughly how many articles ``paths`` hold (JSON lines counted); None if unknown.

    ``known(path)``, when given, may answer for a file without reading it (the index
    manifest's count for a file unchanged since it was last read).
    """
    total = 0
    scanned = 0
    for path in iter_files(paths):
        if known is not None:
            n = known(path)
            if n is not None:
                total += n
                continue
        name = path.name.lower()
        try:
            if name.endswith((".jsonl.gz", ".json.gz")):
                with gzip.open(path, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        total += chunk.count(b"\n")
                        scanned += len(chunk)
                        if scanned > limit_bytes:
                            return None
            elif name.endswith(".jsonl"):
                with open(path, "rb") as fh:
                    total += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
            else:
                total += 1
        except OSError:
            total += 1
    return total or None


def newest_mtime(paths: Iterable[str | Path]) -> float:
    """Latest modification time among the input files and folders (0 if none)."""
    newest = 0.0
    for p in paths:
        p = Path(p)
        if p.exists():
            newest = max(newest, p.stat().st_mtime)
    for path in iter_files(paths):
        try:
            newest = max(newest, path.stat().st_mtime)
        except OSError:
            continue
    return newest
