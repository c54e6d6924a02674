"""Precision of the people / places / organisations facets, on names labelled by reading.

    .venv/bin/python bench/entities.py --size 20k --dump     # write the names to label
    .venv/bin/python bench/entities.py --size 20k            # precision from the labels
    .venv/bin/python bench/entities.py --size 20k --held-out # on the ten held-out queries

For each of 20 common queries (``--held-out``: ten others, kept apart while the rules were
written), the top 20 entities of its result set (the three facets
pooled, by count, as the page shows them) are taken from the index ``bench/ingest.py``
left in ``WORKDIR/SIZE/index`` (built with entities: schema 4). Each distinct
``kind:Name`` was labelled by reading it in its articles' context: ``1`` when it is the
name of a person, place or organisation of that kind, ``0`` otherwise (a common word, a
wrong kind, a cut-off name). Labels live in ``bench/data/entity-labels.tsv``; a name
without a label is reported, never counted as right.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import DEFAULT_WORKDIR, ROOT, save_result, table

QUERIES = ["bóng đá", "giá vàng", "học sinh", "ngân hàng", "bệnh viện", "tai nạn giao thông", "công an",
           "chứng khoán", "du lịch", "thời tiết", "bầu cử", "xuất khẩu", "ô nhiễm", "máy tính", "điện thoại",
           "world cup", "đại học", "tham nhũng", "lũ lụt", "dầu khí"]
# Ten more, never looked at while the extraction rules were written (the 20 above were:
# their errors led to the organisations list and the street and cut-name rules).
HELD_OUT = ["xăng dầu", "nhà đất", "giáo dục", "bão", "ma túy", "cầu thủ", "thủ tướng", "nông dân", "internet",
            "hàng không"]
LABELS = ROOT / "bench" / "data" / "entity-labels.tsv"
TOP = 20


def top_entities(engine, q: str) -> list[tuple[str, int]]:
    from indexer import SearchRequest
    from indexer.search import entity_facets

    result = engine.search(SearchRequest(q=q, per_page=10))
    pooled = [tc for name in entity_facets.ENTITY_FACETS.values() for tc in result.facets.get(name, [])]
    return sorted(pooled, key=lambda tc: (-tc[1], tc[0]))[:TOP]


def load_labels() -> dict[str, int]:
    out = {}
    if LABELS.exists():
        for line in LABELS.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                term, label = line.rsplit("\t", 1)
                out[term] = int(label)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=["1k", "10k", "20k", "full"], default="20k")
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    ap.add_argument("--dump", action="store_true", help="print the distinct names to label")
    ap.add_argument("--held-out", action="store_true", help="the ten held-out queries instead of the twenty")
    args = ap.parse_args()
    from indexer import SearchEngine, load_config

    cfg = load_config(str(ROOT / "config.toml")).with_overrides(
        **{"paths.index": str(args.workdir / args.size / "index")})
    engine = SearchEngine(cfg)
    queries = HELD_OUT if args.held_out else QUERIES
    per_query = {q: top_entities(engine, q) for q in queries}
    names = sorted({t for tops in per_query.values() for t, _c in tops})
    if args.dump:
        for t in names:
            print(t)
        return
    labels = load_labels()
    rows, right, shown, missing = [], 0, 0, []
    for q, tops in per_query.items():
        ok = sum(labels.get(t, 0) for t, _c in tops)
        missing += [t for t, _c in tops if t not in labels]
        rows.append([q, len(tops), ok, f"{ok / len(tops):.2f}" if tops else "-"])
        right += ok
        shown += len(tops)
    distinct_ok = sum(labels.get(t, 0) for t in names)
    print(table(rows, ["query", "names shown", "right", "precision"]))
    print(f"\nall shown names: {right}/{shown} = {right / max(1, shown):.3f}; "
          f"distinct names: {distinct_ok}/{len(names)} = {distinct_ok / max(1, len(names)):.3f}")
    if missing:
        print(f"{len(set(missing))} names without a label (counted as wrong): {sorted(set(missing))[:10]}")
    print("saved", save_result(args.workdir, f"entities-{args.size}{'-held-out' if args.held_out else ''}", {
        "size": args.size, "queries": len(queries), "shown": shown, "right": right,
        "precision": round(right / max(1, shown), 3), "distinct": len(names), "distinct_right": distinct_ok,
        "unlabelled": len(set(missing))}))


if __name__ == "__main__":
    main()
