"""Related articles: how often a related link shares what the article is about.

    .venv/bin/python bench/related.py --index data/index        # the bundled corpus (make run)
    .venv/bin/python bench/related.py --index WORKDIR/10k/index --articles 50

For ``--articles`` articles (a fixed random sample of the index, seed 19), the five
related links the article page shows (``SearchEngine.related``) and, in the same run,
plain more-like-this over the pyvi words (the top five other articles of
``more_like(..., "words", numterms=12)``, what the page showed before re-ranking). For
each, the share of links that

* share the article's category or one of its people, places or organisations
  (index-time entities), the measure issue 19 asks for;
* share a name that is not one of the archive's 20 most frequent (``Việt Nam``, ``Mỹ``,
  ``Hà Nội``... say little about what two articles have in common);
* share the category.

Also prints the client's example article's related titles (the US military command in
Japan, tests/data/core) when the index holds it.
"""

from __future__ import annotations

import argparse
import heapq
import random
from pathlib import Path

from common import ROOT, table

SEED_URL = "https://www.congluan.vn/my-ra-tuyen-bo-thanh-lap-bo-chi-huy-quan-su-moi-tai-nhat-ban-post305266.html"


def shares(engine, doc, ids: list[str], common: set[str]) -> tuple[int, int, int, int]:
    """(links, sharing category or a name, sharing an uncommon name, sharing the category)."""
    from indexer.search.entity_facets import names_of

    s = engine.searcher()
    mine = set(names_of(s.stored_fields(doc.docnum)))
    any_, rare, cat = 0, 0, 0
    for i in ids:
        other = engine.document(i)
        theirs = set(names_of(s.stored_fields(other.docnum)))
        same = bool(doc.category and other.category == doc.category)
        any_ += same or bool(mine & theirs)
        rare += bool((mine & theirs) - common)
        cat += same
    return len(ids), any_, rare, cat


def plain_more_like(engine, doc, limit: int = 5) -> list[str]:
    s = engine.searcher()
    found = s.more_like(doc.docnum, "words", top=limit + 1, numterms=12)
    return [h.fields()["key"] for h in found if h.fields()["key"] != doc.id][:limit]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, default=ROOT / "data" / "index")
    ap.add_argument("--articles", type=int, default=50)
    args = ap.parse_args()
    from indexer import SearchEngine, load_config

    cfg = load_config(str(ROOT / "config.toml")).with_overrides(**{"paths.index": str(args.index)})
    engine = SearchEngine(cfg)
    s = engine.searcher()
    reader = s.reader()
    common = {t.decode() if isinstance(t, bytes) else t for _df, t in heapq.nlargest(
        20, ((i.doc_frequency(), t) for t, i in reader.iter_field("entities")))}
    docnums = sorted(reader.all_doc_ids())
    sample = random.Random(19).sample(docnums, min(args.articles, len(docnums)))
    totals = {"vnsearch related": [0, 0, 0, 0], "plain more-like-this": [0, 0, 0, 0]}
    for d in sample:
        doc = engine.document(reader.stored_fields(d)["key"])
        for name, ids in (("vnsearch related", [h.id for h in engine.related(doc, limit=5)]),
                          ("plain more-like-this", plain_more_like(engine, doc))):
            for k, v in enumerate(shares(engine, doc, ids, common)):
                totals[name][k] += v
    rows = [[name, n, f"{a / max(1, n):.2f}", f"{r / max(1, n):.2f}", f"{c / max(1, n):.2f}"]
            for name, (n, a, r, c) in totals.items()]
    print(f"{len(sample)} articles of {args.index}; common names left out of the middle column: "
          + ", ".join(sorted(n.split(":", 1)[1] for n in common)))
    print(table(rows, ["links of", "links", "category or a name", "an uncommon name", "category"]))
    seed = engine.document(SEED_URL)
    if seed is not None:
        print("\nrelated to:", seed.title)
        for h in engine.related(seed, limit=5):
            print("  ", h.title)


if __name__ == "__main__":
    main()
