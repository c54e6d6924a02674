"""``vnsearch export --format opensearch DIR``: the index as files an OpenSearch or
Elasticsearch cluster loads (``PUT`` the mapping, then ``POST _bulk`` each file).

The analysed fields are rebuilt from each stored article exactly as the builder built
them (pyvi's word boundaries come from the token cache, so an export of a built index
runs no pyvi), and written pre-analysed: see :mod:`indexer.backends.opensearch.mapping`.
The folder is written beside ``DIR`` and renamed into place at the end, so an
interrupted export leaves no half-written ``DIR``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from indexer.backends.opensearch.mapping import bulk_document, index_body, search_template
from indexer.backends.whoosh import store
from indexer.build.builder import ProgressFn, _segment
from indexer.build.tokencache import TokenCache
from indexer.config import Config
from indexer.text.minhash import band_terms, decode

__all__ = ["ExportError", "ExportSummary", "export_opensearch", "presence_terms", "synonym_rules"]

MAPPING_NAME = "mapping.json"
TEMPLATE_NAME = "search-template.json"


class ExportError(ValueError):
    """The export cannot be written where asked (names the folder and why)."""


@dataclass
class ExportSummary:
    documents: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    folder: str = ""
    left_out: set = field(default_factory=set)  # stored fields with no mapping (not exported)

    def line(self) -> str:
        return (f"exported {self.documents} documents in {self.files} bulk files "
                f"({self.bytes / 1e6:.1f} MB) in {self.seconds:.1f} s -> {self.folder}"
                + (f"; not exported (no mapping yet): {', '.join(sorted(self.left_out))}" if self.left_out else ""))


def synonym_rules(config: Config) -> list[str]:
    """The synonyms file as Solr-format rules over folded syllables (what the folded
    fields hold): ``"ubnd, uy ban nhan dan"``."""
    from indexer.search.synonyms import load_synonyms

    groups = load_synonyms(config.path(config.search.synonyms)).groups
    return [", ".join(" ".join(folds) for folds, _text in entries) for entries in groups]


def presence_terms(stored: dict) -> dict[str, list[str]]:
    """The article's presence-only terms as the builder indexed them: its entity terms
    (stored one a line in ``entity_names``) and the band terms of its story signature."""
    out: dict[str, list[str]] = {}
    names = stored.get("entity_names")
    if names:
        out["entities"] = names.split("\n")
    sig = decode(stored["story_sig"]) if stored.get("story_sig") else None
    if sig is not None:
        out["story"] = band_terms(sig)
    return out


def _prepare(out: Path) -> Path:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} exists and is not an empty folder: export into a new or empty folder")
    if not out.parent.is_dir():
        raise ExportError(f"cannot write {out}: its parent folder {out.parent} does not exist")
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    return tmp


def export_opensearch(config: Config, out: Path, *, index_name: str = "vnsearch", docs_per_file: int = 5000,
                      progress: ProgressFn | None = None) -> ExportSummary:
    """Write ``mapping.json``, ``search-template.json`` and ``bulk-NNNNN.ndjson`` files
    for the configured index into ``out`` (new or empty). Raises :class:`ExportError`
    for a bad folder, :class:`store.IndexMissingError` when there is no index."""
    started = time.monotonic()
    notify = progress or (lambda event, info: None)
    live = config.path("index")
    ix = store.open_index(live)  # a clear error before anything is written
    try:
        pairs = "body_b" in ix.schema
        total = ix.doc_count()
    finally:
        ix.close()
    out = Path(out)
    tmp = _prepare(out)
    summary = ExportSummary(folder=str(out))
    cache = TokenCache(config.path("cache"))
    try:
        meta = {"documents": total, "phrase_pairs": pairs, "rescore_window": config.search.rescore_window,
                **store.current_versions(), "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
        body = index_body(synonym_rules(config), pairs, meta)
        (tmp / MAPPING_NAME).write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        template = search_template(config.search.rescore_window)
        (tmp / TEMPLATE_NAME).write_text(json.dumps(template, ensure_ascii=False, indent=2) + "\n",
                                         encoding="utf-8")
        notify("start", total)
        _write_bulk(tmp, live, cache, pairs, index_name, max(1, docs_per_file), summary, notify)
        if out.exists():
            out.rmdir()  # empty (checked above); os.replace onto a folder needs it gone
        os.replace(tmp, out)
    finally:
        cache.close()
        shutil.rmtree(tmp, ignore_errors=True)
    summary.seconds = time.monotonic() - started
    notify("end", summary)
    return summary


def _write_bulk(folder: Path, live: Path, cache: TokenCache, pairs: bool, index_name: str, per_file: int,
                summary: ExportSummary, notify: ProgressFn) -> None:
    fh = None
    known = set(json.loads((folder / MAPPING_NAME).read_text(encoding="utf-8"))["mappings"]["properties"])
    try:
        for stored, title_indexed in store.stored_documents(live):
            if summary.documents % per_file == 0:
                if fh is not None:
                    fh.close()
                summary.files += 1
                fh = open(folder / f"bulk-{summary.files:05d}.ndjson", "w", encoding="utf-8")
            spans = cache.get(stored["hash"])
            title = stored.get("title", "") if title_indexed else ""
            streams, new_spans = _segment((title, stored.get("body", ""), spans), pairs)
            if new_spans is not None:
                cache.put(stored["hash"], *new_spans)
            action = {"index": {"_index": index_name, "_id": stored["key"]}}
            doc = bulk_document(stored, streams, presence_terms(stored), title_indexed)
            for name in [n for n in doc if n not in known]:  # stored fields the mapping does not know yet
                del doc[name]
                summary.left_out.add(name)
            line = (json.dumps(action, ensure_ascii=False) + "\n" + json.dumps(doc, ensure_ascii=False) + "\n")
            fh.write(line)  # type: ignore[union-attr]
            summary.bytes += len(line.encode("utf-8"))
            summary.documents += 1
            notify("doc", "exported")
    finally:
        if fh is not None:
            fh.close()
        cache.flush()
