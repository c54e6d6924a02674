"""Regenerate tests/data/core/articles.jsonl.gz: a small real subset for engine tests.

Run from the repository root with ../shared beside it. Takes, with a fixed seed,
160 articles of shared/corpus/sample-500 (which includes decomposed-text and
single-line documents) plus the first articles of vntc/unc-dantri carrying the
traps the tests search for (old/new tone placement, "Bộ trưởng Quốc phòng",
"đường"/"dương", HTML entities, an exact duplicate). Records are unchanged.
"""

import gzip
import json
import random
import unicodedata
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
OUT = Path(__file__).with_name("articles.jsonl.gz")
KEEP = ("id", "title", "body", "category", "date", "url", "source", "outlet")

NEEDLES = {
    "hoà": 3, "hòa bình": 3, "thuỷ": 3, "thủy": 2, "uỷ ban": 3, "ủy ban": 3,
    "Bộ trưởng Quốc phòng": 4, "đường": 2, "Dương": 3, "&quot;": 2, "Nhật Bản": 3, "chỉ huy": 3,
    "khoẻ": 2, "TP.HCM": 2, "UBND": 2, "HLV": 2,
}


def main() -> None:
    sample = [json.loads(l) for l in gzip.open(SHARED / "sample-500.jsonl.gz", "rt", encoding="utf-8")]
    rng = random.Random(20261124)
    picked = {r["id"]: r for r in rng.sample(sample, 160)}
    for r in sample:  # every decomposed document of the sample
        text = r["title"] + r["body"]
        if unicodedata.normalize("NFC", text) != text:
            picked[r["id"]] = r
    wanted = dict(NEEDLES)
    texts = {}
    duplicates = 4
    for name in ("vntc.jsonl.gz", "unc-dantri.jsonl.gz"):
        with gzip.open(SHARED / name, "rt", encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i > 40000 or not any(wanted.values()):
                    break
                r = json.loads(line)
                text = r["title"] + "\n" + r["body"]
                key = " ".join(text.split())
                if key in texts and duplicates and r["id"] not in picked:
                    duplicates -= 1
                    picked[r["id"]] = r  # an exact duplicate under another id
                    picked[texts[key]["id"]] = texts[key]
                    continue
                texts[key] = r
                for needle, n in wanted.items():
                    if n and needle in text and len(text) < 6000:
                        picked[r["id"]] = r
                        wanted[needle] -= 1
                        break
    with gzip.open(OUT, "wt", encoding="utf-8") as out:
        for r in picked.values():
            out.write(json.dumps({k: r.get(k) for k in KEEP}, ensure_ascii=False) + "\n")
    print(f"{len(picked)} articles -> {OUT}")


if __name__ == "__main__":
    main()
