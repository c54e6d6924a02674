"""Stories across outlets: recall on the corpus' identical texts, precision on labelled pairs.

    .venv/bin/python bench/stories.py                          # recall on exact-duplicate groups
    .venv/bin/python bench/stories.py --size 20k --dump 80     # near-duplicate pairs to label
    .venv/bin/python bench/stories.py --size 20k               # precision from the labels

*Recall*: VNTC holds 3,402 groups of identical texts (whitespace-insensitive, see the
corpus README). The index keeps such a text once, so what matters is that copies that
do reach the index (another title line, a copy fetched again) fall into one story:
each group's members get signatures from their own title and body, and a group is
found when every member shares a band with the first and passes the similarity check.

*Precision*: pairs the index groups (sharing a band, estimated Jaccard ≥ the threshold,
texts not identical) are sampled with a fixed seed from the index ``bench/ingest.py``
left in ``WORKDIR/SIZE/index``; each pair was read and labelled ``1`` (one story: a
copy, a rewrite of the same report) or ``0`` in ``bench/data/story-labels.tsv``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from pathlib import Path

from common import CORPUS, DEFAULT_WORKDIR, ROOT, save_result

LABELS = ROOT / "bench" / "data" / "story-labels.tsv"


def _sig(title: str, body: str):
    from indexer import normalize
    from indexer.text.analysis import syllable_streams
    from indexer.text.minhash import signature

    return signature(syllable_streams(normalize(title))[1], syllable_streams(normalize(body))[1])


def recall() -> dict:
    from indexer.text.minhash import THRESHOLD, band_terms, similarity

    groups: dict[str, list[dict]] = {}
    with gzip.open(CORPUS / "vntc.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            key = " ".join(((r.get("title") or "") + "\n" + (r.get("body") or "")).split())
            groups.setdefault(key, []).append(r)
    dup = [g for g in groups.values() if len(g) > 1]
    found = short = 0
    for g in dup:
        sigs = [_sig(r.get("title") or "", r.get("body") or "") for r in g]
        if sigs[0] is None:
            short += 1  # too short to compare (kept once by the content hash anyway)
            continue
        bands = set(band_terms(sigs[0]))
        found += all(s is not None and bands & set(band_terms(s)) and similarity(sigs[0], s) >= THRESHOLD
                     for s in sigs[1:])
    comparable = len(dup) - short
    return {"groups": len(dup), "too_short": short, "found": found,
            "recall": round(found / comparable, 4) if comparable else None}


def pairs(index: Path, n: int, seed: int = 18) -> list[tuple[str, str, float]]:
    """Grouped pairs (key, key, estimated similarity), texts not identical, sampled."""
    from indexer.backends.whoosh import store
    from indexer.text.minhash import THRESHOLD, band_terms, decode, similarity

    ix = store.open_index(index)
    out = []
    with ix.searcher() as s:
        docs = list(s.reader().all_doc_ids())
        random.Random(seed).shuffle(docs)
        for d in docs:
            f = s.stored_fields(d)
            sig = decode(f.get("story_sig") or "")
            if sig is None:
                continue
            for term in band_terms(sig):
                for o in s.postings("story", term).all_ids() if s.reader().doc_frequency("story", term) else []:
                    if o <= d:
                        continue
                    g = s.stored_fields(o)
                    osig = decode(g.get("story_sig") or "")
                    if osig is not None and g.get("hash") != f.get("hash") and similarity(sig, osig) >= THRESHOLD:
                        out.append((f["key"], g["key"], similarity(sig, osig)))
            if len({(a, b) for a, b, _ in out}) >= n:
                break
    ix.close()
    seen, uniq = set(), []
    for a, b, sim in out:
        if (a, b) not in seen:
            seen.add((a, b))
            uniq.append((a, b, sim))
    return uniq[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=["1k", "10k", "20k", "full"])
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    ap.add_argument("--dump", type=int, help="print this many grouped pairs (both texts) to label")
    args = ap.parse_args()
    if not args.size:
        res = recall()
        print(f"identical-text groups: {res['groups']}, too short to compare: {res['too_short']}, "
              f"grouped: {res['found']}, recall {res['recall']}")
        print("saved", save_result(args.workdir, "stories-recall", res))
        return
    index = args.workdir / args.size / "index"
    if args.dump:
        from indexer import SearchEngine, load_config

        engine = SearchEngine(load_config(str(ROOT / "config.toml")).with_overrides(**{"paths.index": str(index)}))
        for a, b, sim in pairs(index, args.dump):
            da, db = engine.document(a), engine.document(b)
            print(f"## {a}\t{b}\t{sim:.2f}")
            for doc in (da, db):
                print(f"   [{doc.outlet}] {doc.title[:120]}\n   {' '.join(doc.body.split())[:300]}")
        return
    labels = {}
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            a, b, label = line.split("\t")[:3]
            labels[(a, b)] = int(label)
    sampled = pairs(index, len(labels))
    judged = [labels[(a, b)] for a, b, _ in sampled if (a, b) in labels]
    res = {"size": args.size, "pairs": len(sampled), "labelled": len(judged), "right": sum(judged),
           "precision": round(sum(judged) / len(judged), 4) if judged else None}
    print(f"grouped pairs sampled: {res['pairs']}, labelled {res['labelled']}, one story: {res['right']}, "
          f"precision {res['precision']}")
    print("saved", save_result(args.workdir, f"stories-{args.size}", res))


if __name__ == "__main__":
    main()
