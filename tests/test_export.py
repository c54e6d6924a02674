"""`vnsearch export --format opensearch`: the mapping and bulk NDJSON a cluster would load.

No OpenSearch or Elasticsearch cluster runs here, so these tests check the output's
structure and that the exported fields hold exactly the terms the index holds."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from indexer.backends.opensearch.mapping import ANALYSED_FIELDS, PAIR_FIELDS, PRESENCE_FIELDS
from indexer.backends.whoosh import store
from indexer.build.export import ExportError, export_opensearch

from .conftest import SEED_TITLE, SEED_URL, vnsearch_cmd


@pytest.fixture(scope="module")
def exported(core_index, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "os"
    summary = export_opensearch(core_index, out, index_name="tin", docs_per_file=100)
    return out, summary


def _bulk(out: Path) -> list[tuple[dict, dict]]:
    pairs = []
    for path in sorted(out.glob("bulk-*.ndjson")):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) % 2 == 0 and lines
        pairs.extend((json.loads(a), json.loads(d)) for a, d in zip(lines[::2], lines[1::2]))
    return pairs


def _index_terms(cfg) -> dict[tuple[str, str], int]:
    ix = store.open_index(cfg.path("index"))
    try:
        with ix.reader() as reader:
            fields = set(ANALYSED_FIELDS + PAIR_FIELDS + PRESENCE_FIELDS)
            return {(f, t.decode("utf-8") if isinstance(t, bytes) else t): reader.doc_frequency(f, t)
                    for f, t in reader.all_terms() if f in fields}
    finally:
        ix.close()


def test_mapping_declares_pre_analysed_fields_bm25_and_synonyms(exported):
    out, _ = exported
    body = json.loads((out / "mapping.json").read_text(encoding="utf-8"))
    settings, mappings = body["settings"], body["mappings"]
    assert settings["index"]["similarity"]["vn_bm25"] == {"type": "BM25", "k1": 1.2, "b": 0.75}
    analyzers = settings["analysis"]["analyzer"]
    assert analyzers["vn_tokens"] == {"type": "custom", "tokenizer": "whitespace"}
    assert analyzers["vn_tokens_synonyms"]["filter"] == ["vn_synonyms"]
    rules = settings["analysis"]["filter"]["vn_synonyms"]["synonyms"]
    assert "ubnd, uy ban nhan dan" in rules and all(r == r.lower() for r in rules)
    props = mappings["properties"]
    assert mappings["dynamic"] == "strict"
    for name in ANALYSED_FIELDS + PAIR_FIELDS:
        assert props[name]["type"] == "text" and props[name]["analyzer"] == "vn_tokens", name
        assert props[name]["similarity"] == "vn_bm25"
    assert props["title_f"]["search_analyzer"] == props["body_f"]["search_analyzer"] == "vn_tokens_synonyms"
    assert "search_analyzer" not in props["body_x"]  # synonyms are folded forms
    assert props["body_b"]["index_options"] == "docs" and props["body_b"]["norms"] is False
    assert props["key"] == {"type": "keyword"} and props["body"]["index"] is False
    assert props["entities"] == props["story"] == {"type": "keyword"}
    assert props["story_sig"] == {"type": "binary"} and props["title_indexed"] == {"type": "boolean"}
    assert props["entity_names"]["index"] is False
    meta = mappings["_meta"]["vnsearch"]
    assert meta["documents"] > 200 and meta["phrase_pairs"] is True
    template = json.loads((out / "search-template.json").read_text(encoding="utf-8"))
    assert template["script"]["source"]["rescore"]["window_size"] == 100


def test_bulk_files_hold_every_article_with_the_index_terms(exported, core_index):
    out, summary = exported
    pairs = _bulk(out)
    props = json.loads((out / "mapping.json").read_text(encoding="utf-8"))["mappings"]["properties"]
    assert len(pairs) == summary.documents > 200
    assert summary.files == len(list(out.glob("bulk-*.ndjson"))) == -(-summary.documents // 100)
    ids = [a["index"]["_id"] for a, _ in pairs]
    assert len(set(ids)) == len(ids) and all(a["index"]["_index"] == "tin" for a, _ in pairs)
    docs = {a["index"]["_id"]: d for a, d in pairs}
    assert all(set(d) <= set(props) for d in docs.values())  # a strict mapping accepts them
    assert all(docs[k]["key"] == k for k in docs)
    # Whitespace-tokenised, each field has exactly the terms, in exactly the documents,
    # that the Whoosh index has.
    exported_terms: Counter = Counter()
    for doc in docs.values():
        for name in ANALYSED_FIELDS + PAIR_FIELDS:
            exported_terms.update((name, t) for t in set(doc.get(name, "").split()))
        for name in PRESENCE_FIELDS:  # keyword arrays, one term each (entity names hold spaces)
            assert isinstance(doc.get(name, []), list)
            exported_terms.update((name, t) for t in set(doc.get(name, [])))
    assert dict(exported_terms) == _index_terms(core_index)
    assert not summary.left_out, "every stored field has a mapping"
    assert {name for name, _ in exported_terms} >= set(PRESENCE_FIELDS)
    # Titles that are a lead standing in for a headline are shown, not searched.
    assert all(d["title_indexed"] is bool(d.get("title_f")) for d in docs.values())
    seed = next(d for d in docs.values() if d.get("url") == SEED_URL)
    assert seed["title"] == SEED_TITLE
    assert seed["title_f"].startswith("my ra tuyen bo thanh lap bo chi huy quan su")
    assert "chỉ_huy" in seed["words"].split() and "bo_chi" in seed["title_b"].split()


def test_export_refuses_a_folder_with_files_and_keeps_them(core_index, tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportError, match="not an empty folder"):
        export_opensearch(core_index, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_cli_export(core_index, tmp_path):
    out = tmp_path / "os"
    run = subprocess.run(vnsearch_cmd("export", "--format", "opensearch", str(out), "--index",
                                      str(core_index.path("index")), "-q"),
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("exported ") and (out / "mapping.json").is_file()
    again = subprocess.run(vnsearch_cmd("export", str(out), "--index", str(core_index.path("index"))),
                           capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 2 and str(out) in again.stderr
    missing = subprocess.run(vnsearch_cmd("export", str(tmp_path / "x"), "--index", str(tmp_path / "none")),
                             capture_output=True, text=True, timeout=300, check=False)
    assert missing.returncode == 1 and "no index" in missing.stderr
