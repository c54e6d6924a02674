"""Build the default collection's real-data subsets from /work/shared/corpus.

Reproducible (fixed seed, sorted inputs): running it again writes identical files.
The subset is stratified so every VNTC topic and outlet is present, and it deliberately
keeps the corpus' traps (mixed decomposed marks, old tone placement, HTML entities,
exact duplicates, single-line NLD docs) plus articles the search tests look for, so
searching the shipped collection exercises the same problems as the full corpus.

    python corpus/make_subset.py            # reads ../shared/corpus relative to the repo
    python corpus/make_subset.py --src DIR  # or any folder holding the same files
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SRC = HERE.parent.parent / "shared" / "corpus"
SEED = 20240728
FIELDS = ("id", "title", "body", "category", "date", "url", "source", "outlet")

# VNTC: per topic, how many of each outlet (vnexpress dominates the source 72%).
PER_TOPIC = {"vnexpress.net": 85, "nld.com.vn": 25, "tuoitre.vn": 25, "thanhnien.vn": 25}
UNC_PER_CATEGORY = 35
TRAPS = {"mixed": 12, "entity": 12, "single_line": 8, "duplicate_groups": 5}
# Words the search tests need real matches for: (regex, minimum docs).
MUST_HAVE = [
    (r"Bộ trưởng Quốc phòng", 8),
    (r"\bhoà\b", 8), (r"\bhòa\b", 8),
    (r"\bthuỷ\b", 6), (r"\bthủy\b", 6),
    (r"\b[uU]ỷ ban\b", 6), (r"\b[uU]̉y ban\b|\b[ủỦ]y ban\b", 6),
    (r"\bđường\b", 8), (r"\bdương\b", 8),
]
_OLD = re.compile(r"(?<![qQ])(?:o[àáảãạ]|o[èéẻẽẹ]|u[ỳýỷỹỵ])(?!\w)", re.IGNORECASE)


def load(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def text_of(doc: dict) -> str:
    return (doc.get("title") or "") + "\n" + (doc.get("body") or "")


def is_mixed(doc: dict) -> bool:
    t = text_of(doc)
    return any(unicodedata.combining(ch) for ch in t)


def key(doc: dict) -> str:
    return " ".join(text_of(doc).split())


def pick_vntc(docs: list[dict], rng: random.Random) -> list[dict]:
    chosen: dict[str, dict] = {}

    def take(group: list[dict], n: int) -> None:
        pool = [d for d in group if d["id"] not in chosen]
        for d in rng.sample(pool, min(n, len(pool))):
            chosen[d["id"]] = d

    cells: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for d in docs:
        cells[d["category"], d["outlet"]].append(d)
    for (topic, outlet) in sorted(cells):
        take(cells[topic, outlet], PER_TOPIC.get(outlet, 0))
    # traps
    take([d for d in docs if is_mixed(d)], TRAPS["mixed"])
    take([d for d in docs if "&" in text_of(d) and re.search(r"&(?:#\d+|[a-z]+);", text_of(d))], TRAPS["entity"])
    take([d for d in docs if d["outlet"] == "nld.com.vn" and not d["body"].strip()], TRAPS["single_line"])
    groups: dict[str, list[dict]] = defaultdict(list)
    for d in docs:
        groups[key(d)].append(d)
    dups = sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0]["id"])
    for g in rng.sample(dups, TRAPS["duplicate_groups"]):
        for d in g:
            chosen[d["id"]] = d
    # search-test coverage
    for pattern, minimum in MUST_HAVE:
        rx = re.compile(pattern)
        have = sum(1 for d in chosen.values() if rx.search(unicodedata.normalize("NFC", text_of(d))))
        if have < minimum:
            take([d for d in docs if rx.search(unicodedata.normalize("NFC", text_of(d)))], minimum - have)
    return sorted(chosen.values(), key=lambda d: d["id"])


def pick_unc(docs: list[dict], rng: random.Random) -> list[dict]:
    by_cat: dict[str, list[dict]] = defaultdict(list)
    for d in docs:
        by_cat[d["category"]].append(d)
    out = []
    for cat in sorted(by_cat):
        out += rng.sample(by_cat[cat], min(UNC_PER_CATEGORY, len(by_cat[cat])))
    return sorted(out, key=lambda d: d["id"])


def write(path: Path, docs: list[dict]) -> None:
    """gzip JSONL with a fixed mtime so the bytes are reproducible."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        for d in docs:
            gz.write((json.dumps({k: d.get(k) for k in FIELDS}, ensure_ascii=False) + "\n").encode("utf-8"))
    path.write_bytes(buf.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC)
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    vntc = pick_vntc(load(args.src / "vntc.jsonl.gz"), random.Random(SEED))
    unc = pick_unc(load(args.src / "unc-dantri.jsonl.gz"), random.Random(SEED + 1))
    write(args.out / "vntc-subset.jsonl.gz", vntc)
    write(args.out / "dantri-subset.jsonl.gz", unc)
    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for d in vntc + unc:
        stats["category"][d["category"]] += 1
        stats["outlet"][d["outlet"]] += 1
    print(f"VNTC {len(vntc)}, UNC {len(unc)}")
    print(f"mixed marks {sum(map(is_mixed, vntc))}, single-line {sum(not d['body'].strip() for d in vntc)}, "
          f"old tone {sum(bool(_OLD.search(text_of(d))) for d in vntc)}, "
          f"entities {sum(bool(re.search(r'&(?:#[0-9]+|[a-z]+);', text_of(d))) for d in vntc)}, "
          f"duplicate copies {len(vntc) - len({key(d) for d in vntc})}")
    for field, counts in stats.items():
        print(field + ":", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
