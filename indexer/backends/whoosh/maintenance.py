"""Keeping an index healthy: verify it, fall back to the previous generation, snapshot, restore.

- :func:`check` reads every committed segment of a generation (every stored document,
  every term of every field and its postings) and reports what cannot be read.
- :func:`fall_back` points the live index at the newest previous generation that
  checks clean (the one a rebuild kept), atomically, under the writer lock.
- :func:`snapshot` copies the live generation's committed files into a folder that
  stands alone (no symlink), safe while a writer runs: the files the table of
  contents names are opened *before* copying, and committed Whoosh files are never
  modified, so a commit or a swap meanwhile cannot mix two states.
- :func:`restore` makes a snapshot the live index: copied into a new generation and
  swapped in atomically, the old live generation kept as the previous one.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from indexer.backends.whoosh import store

__all__ = ["CheckReport", "check", "fall_back", "previous_generations", "snapshot", "restore", "SnapshotError"]

SNAPSHOT_INFO = "vnsearch-snapshot.json"
_AUX_FILES = ("vnsearch-files.json", "vnsearch-versions.json")


class SnapshotError(RuntimeError):
    """A snapshot that cannot be taken or restored (with a message saying why)."""


@dataclass
class CheckReport:
    """What :func:`check` found in one generation."""

    generation: str
    documents: int = 0
    segments: int = 0
    terms: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def previous_generations(live: Path) -> list[Path]:
    """Finished generations other than the live one, newest first."""
    root = live.with_name(live.name + ".gen")
    if not root.is_dir():
        return []
    current = store.resolve(live)
    gens = [g for g in root.iterdir() if g.is_dir() and g != current and not (g / "BUILDING").exists()]
    return sorted(gens, key=lambda g: g.stat().st_mtime, reverse=True)


def check(folder: Path) -> CheckReport:
    """Read everything a generation's table of contents names; report what fails."""
    report = CheckReport(generation=folder.name)
    if not folder.is_dir():
        report.problems.append(f"{folder} does not exist")
        return report
    try:
        ix = store.open_index(folder)
    except store.IndexMissingError as exc:
        report.problems.append(str(exc).split("); ", 1)[0] + ")")  # without the repair hint
        return report
    try:
        with ix.reader() as reader:
            leaves = reader.leaf_readers()
            report.segments = len(leaves)
            for leaf, _offset in leaves:
                _check_segment(leaf, report)
    except Exception as exc:  # a damaged file shows as any exception of the reading code
        report.problems.append(f"reading the index failed: {type(exc).__name__}: {exc}")
    finally:
        ix.close()
    return report


def _check_segment(leaf, report: CheckReport) -> None:
    name = leaf.segment().segment_id() if hasattr(leaf, "segment") else "?"
    try:
        for docnum in leaf.all_doc_ids():
            if not isinstance(leaf.stored_fields(docnum), dict):
                raise ValueError(f"document {docnum} has no stored fields")
            report.documents += 1
        for fieldname in leaf.indexed_field_names():
            for term in leaf.lexicon(fieldname):
                ids = list(leaf.postings(fieldname, term).all_ids())
                if any(d >= leaf.doc_count_all() for d in ids[-1:]):
                    raise ValueError(f"postings of {fieldname}:{term!r} point past the segment")
                report.terms += 1
    except Exception as exc:
        report.problems.append(f"segment {name}: {type(exc).__name__}: {exc}")


def fall_back(live: Path) -> tuple[Path, CheckReport]:
    """Make the newest healthy previous generation live; returns it and its report.

    Raises :class:`store.IndexMissingError` when there is none. Articles indexed into
    the damaged generation after that one was built come back with the next
    ``vnsearch index`` run (it indexes whatever the index lacks).
    """
    with store.writer_lock(live):
        for gen in previous_generations(live):
            report = check(gen)
            if report.ok:
                store.activate(live, gen)
                return gen, report
    raise store.IndexMissingError(
        f"no healthy previous generation of {live} to fall back to; rebuild it with "
        f"`vnsearch index PATH --rebuild --index {live}`")


def _toc_files(folder: Path) -> tuple[int, list[str]]:
    """The latest table of contents of ``folder`` and every file it needs."""
    toc = TOC.read(FileStorage(str(folder)), store.INDEX_NAME)
    ids = {seg.segment_id() for seg in toc.segments}  # "MAIN_<random>", the files' stem
    names = [f"_{store.INDEX_NAME}_{toc.generation}.toc"]
    names += [name for name in os.listdir(folder) if name.split(".", 1)[0] in ids]
    names += [n for n in _AUX_FILES if (folder / n).exists()]
    return toc.generation, names


def snapshot(live: Path, dest: Path, attempts: int = 5) -> dict:
    """Copy the live generation's committed state into ``dest`` (a new or empty folder).

    Returns the snapshot's description (also written to ``dest/vnsearch-snapshot.json``).
    """
    if dest.exists() and any(dest.iterdir()):
        raise SnapshotError(f"{dest} is not empty: give a new folder for the snapshot")
    folder = store.resolve(live)
    if not store.exists(live):
        raise store.IndexMissingError(f"no index at {live} to snapshot")
    for _ in range(attempts):
        try:
            generation, names = _toc_files(folder)
            handles = {n: open(folder / n, "rb") for n in names}  # kept readable even if deleted now
        except FileNotFoundError:
            time.sleep(0.1)  # a commit replaced the TOC or merged segments meanwhile: again
            folder = store.resolve(live)
            continue
        try:
            tmp = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            for name, fh in handles.items():
                with open(tmp / name, "wb") as out:
                    shutil.copyfileobj(fh, out, 1 << 20)
                    out.flush()
                    os.fsync(out.fileno())
        finally:
            for fh in handles.values():
                fh.close()
        info = {"source": str(live), "generation": folder.name, "toc": generation,
                "files": sorted(names), "taken": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        report = check(tmp)
        if not report.ok:
            shutil.rmtree(tmp, ignore_errors=True)
            raise SnapshotError(f"the live generation {folder.name} is damaged, no snapshot taken: "
                                + "; ".join(report.problems[:3]))
        info["documents"] = report.documents
        (tmp / SNAPSHOT_INFO).write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
        if dest.exists():
            dest.rmdir()
        os.replace(tmp, dest)
        return info
    raise SnapshotError(f"the index at {live} kept changing during {attempts} attempts; try again")


def restore(src: Path, live: Path, wait: bool = False) -> tuple[Path, CheckReport]:
    """Make the snapshot (or any index folder) at ``src`` the live index, atomically."""
    report = check(src)
    if not report.ok:
        raise SnapshotError(f"{src} is not a healthy index, nothing restored: " + "; ".join(report.problems[:3]))
    with store.writer_lock(live, wait=wait):
        root = live.with_name(live.name + ".gen")
        root.mkdir(parents=True, exist_ok=True)
        gen = root / f"g-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-restored"
        tmp = root / f".restoring-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(src, tmp, ignore=shutil.ignore_patterns(SNAPSHOT_INFO))
        os.replace(tmp, gen)
        store.activate(live, gen)
    return gen, report
