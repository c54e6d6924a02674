"""The per-file manifest: which input files an index generation already holds.

``vnsearch index FILES`` run again on unchanged files used to read, clean and hash every
article only to find it unchanged. The manifest, a JSON file kept in the generation
folder the live symlink points to, remembers for each input file read completely in a
run (no read failure) its resolved path, size and ``mtime_ns`` and what became of each
article it yielded: its key and content hash when the index holds it, or why it was
skipped. On a later run a file with the same size and ``mtime_ns`` is not opened at all
(:class:`FileInput` items are expanded by :mod:`indexer.build.builder`, which checks here first);
its articles count as unchanged (or skipped, as before) and as seen.

Safety: the manifest is only ever an optimisation.

* A file is skipped only when the index still holds every one of its articles with the
  recorded content hash (so an article replaced since, by another file or by
  ``vnsearch fetch``, makes the file be read again), when its ``mtime_ns`` is older
  than ``RACY_NS`` before the moment the recorded read began (a file written just
  before it was read could change again without its mtime moving), and when the code
  that turns files into articles is the same (``fingerprint``: the analysis version, the
  source of the readers, normalisation and the builder, and the data files they read:
  headline recovery's ``midsentence.txt``/``spellings.txt``/``bigrams.txt.gz``, site rules,
  outlet and category names).
* It is written (tmp file + ``os.replace``) after the commit that holds its articles; a
  crash in between leaves the previous manifest, whose entries are checked as above,
  so the next run is slower, never wrong.
* A missing, unreadable or foreign manifest is ignored; ``--rebuild`` writes a fresh one
  into the new generation before it is swapped in.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable

__all__ = ["FileInput", "FingerprintError", "MANIFEST_NAME", "RACY_NS", "compute_fingerprint", "fingerprint",
           "known_counts", "load", "save"]

MANIFEST_NAME = "vnsearch-files.json"
FORMAT = 1
# A file modified less than this before it was read is read again next time.
RACY_NS = 2_000_000_000

# Article outcomes recorded per file: in the index (key, hash), a duplicate of another
# article's text (key, hash), the same key twice in the run (key), empty.
IN_INDEX, DUPLICATE, TWICE, EMPTY = "i", "d", "t", "e"


@dataclass(frozen=True, slots=True)
class FileInput:
    """An input file handed to :func:`indexer.build.builder.index_articles` unread: the builder
    reads it (with :func:`indexer.ingest.readers.read_file`) unless the manifest shows it
    unchanged."""

    path: Path


_fingerprint: str | None = None
# Modules whose code decides an article's key and hash (besides every module of
# indexer.ingest.readers, found by walking the package). Named as modules, not files, so a
# move keeps them covered; one that cannot be found is an error.
_SOURCES = ("indexer.text.analysis", "indexer.build.builder", "indexer.ingest.documents",
            "indexer.ingest.extract", "indexer.ingest.headline", "indexer.text.normalize")
# Data files those modules read while turning a record into an article (headline recovery,
# site rules, outlet and category names), relative to the indexer package: a new
# midsentence.txt or spellings.txt changes shown titles, so it must re-read every file.
_DATA_FILES = ("data/midsentence.txt", "data/spellings.txt", "data/bigrams.txt.gz", "data/sites.json",
               "data/outlets.toml", "data/categories.toml")
_DATA_ROOT = Path(__file__).resolve().parents[1]


class FingerprintError(RuntimeError):
    """A module the manifest's fingerprint must cover cannot be read."""


def _covered_modules() -> list[str]:
    import pkgutil

    from indexer.ingest import readers

    names = list(_SOURCES) + [readers.__name__]
    names += sorted(f"{readers.__name__}.{m.name}" for m in pkgutil.iter_modules(readers.__path__))
    return names


def _module_source(name: str) -> bytes:
    import importlib

    try:
        module = importlib.import_module(name)
        return Path(module.__file__ or "").read_bytes()
    except (ImportError, OSError) as exc:
        raise FingerprintError(f"manifest fingerprint: cannot read module {name}: {exc}") from exc


def _data_source(name: str, root: Path) -> bytes:
    try:
        return (root / name).read_bytes()
    except OSError as exc:
        raise FingerprintError(f"manifest fingerprint: cannot read data file {root / name}: {exc}") from exc


def compute_fingerprint(data_root: Path = _DATA_ROOT) -> str:
    """Hash of the analysis version, the covered modules' source and the data files they
    read (``_DATA_FILES`` under ``data_root``)."""
    from indexer.text.analysis import ANALYSIS_VERSION

    h = hashlib.blake2b(f"analysis {ANALYSIS_VERSION}\n".encode(), digest_size=16)
    for name in _covered_modules():
        h.update(name.encode() + b"\0" + _module_source(name))
    for name in _DATA_FILES:
        h.update(name.encode() + b"\0" + _data_source(name, data_root))
    return h.hexdigest()


def fingerprint() -> str:
    """What the manifest's records depend on: the analysis version, the source of the
    modules that turn a file into keys and hashes and the data files they read (a change
    to any re-reads every file)."""
    global _fingerprint
    if _fingerprint is None:
        _fingerprint = compute_fingerprint()
    return _fingerprint


def load(folder: Path) -> dict[str, dict]:
    """The manifest's file entries in ``folder``, or {} when missing, unreadable or stale."""
    try:
        data = json.loads((Path(folder) / MANIFEST_NAME).read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("fingerprint") != fingerprint():
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def known_counts(folder: Path) -> Callable[[Path], int | None]:
    """For progress estimates: how many articles an input file gave when last read, if
    its size and mtime are unchanged since (else None: count it)."""
    files = load(folder)

    def count(path: Path) -> int | None:
        try:
            entry = files.get(str(Path(path).resolve()))
            if entry is None:
                return None
            st = os.stat(path)
            if entry["size"] == st.st_size and entry["mtime_ns"] == st.st_mtime_ns:
                return len(entry["articles"])
        except (OSError, RuntimeError, KeyError, TypeError):
            pass
        return None

    return count


def save(folder: Path, files: dict[str, dict]) -> None:
    """Write the manifest atomically (tmp + fsync + ``os.replace``); errors are ignored."""
    from indexer.text import analysis

    folder = Path(folder)
    target = folder / MANIFEST_NAME
    tmp = folder / f".{MANIFEST_NAME}.{os.getpid()}.tmp"
    data = {"format": FORMAT, "analysis_version": analysis.ANALYSIS_VERSION,
            "fingerprint": fingerprint(), "files": files}
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
