"""vnsearch's own files inside a Whoosh segment (key tables, term lists).

Written among a segment's files before Whoosh assembles them into its compound file,
they travel with the segment wherever it goes (a Dask worker's result, a snapshot) and
are deleted with it; Whoosh never opens them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["read_extra", "write_extra"]


def write_extra(segment: Any, storage: Any, ext: str, data: bytes) -> None:
    """Write ``data`` as ``segment``'s file ending in ``ext`` (e.g. ``.top_terms``)."""
    f = storage.create_file(segment.make_filename(ext))
    try:
        f.write(data)
    finally:
        f.close()


def read_extra(sub: Any, ext: str) -> tuple[bytes, str] | None:
    """The segment reader ``sub``'s file ending in ``ext`` and a name for errors
    ("segment MAIN_x's MAIN_x.top_terms"), or None if the segment has none."""
    segment = sub.segment()
    name = segment.make_filename(ext)
    storage = sub.storage()
    if not storage.file_exists(name):
        return None
    f = storage.open_file(name)
    try:
        data = f.read()
    finally:
        f.close()
    return bytes(data), f"segment {segment.segment_id()}'s {name}"
