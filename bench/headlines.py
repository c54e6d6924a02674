"""Headline quality: what the result list shows as each article's title.

Reads the real collections (``../shared/corpus``) through the same record reader the
index uses (:func:`indexer.ingest.readers.jsonl.record_to_article`) and reports:

* dantri (UNC): share of articles whose URL has a headline slug that show that
  headline (shown title, folded, equals the slug's words);
* slug spelling: for UNC articles whose record keeps the real headline (the 2020
  batch), the headline is rebuilt from the slug and the body alone, and each syllable
  is compared with the real headline's (diacritics and letters, case ignored); also
  the share of slug syllables the text did not hold at all. The records are halved by a
  hash of their id (:func:`slug_part`): tuned on ``tune``, reported on both;
* splits of run-together VNTC titles: precision and recall against the labelled
  sample ``tests/data/headlines/vntc-titles-labelled.jsonl`` (tuned part and held-out
  part reported separately);
* clean headlines changed by mistake: vnexpress and tuoitre VNTC titles (real
  headlines) whose shown title differs from the record's;
* shown titles that read as leads (longer than 25 words or ending in a full stop), per outlet;
* shown titles longer than 25 words that are not the record's own title (a rebuilt or
  split headline: none should be; a record's own long headline is shown as it is).

    .venv/bin/python bench/headlines.py [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CORPUS, ROOT, iter_records, table

from indexer.ingest.headline import MAX_DISPLAY_WORDS, restore_slug
from indexer.ingest.readers.jsonl import record_to_article
from indexer.ingest.readers.titles import title_matches_slug, url_slug
from indexer.text.normalize import clean_text, fold

LABELLED = ROOT / "tests" / "data" / "headlines" / "vntc-titles-labelled.jsonl"


def reads_as_lead(title: str) -> bool:
    title = title.rstrip()
    return len(title.split()) > MAX_DISPLAY_WORDS or (title.endswith(".") and not title.endswith(".."))


def words_of(text: str) -> list[str]:
    return [w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split()]


def slug_part(record_id: str) -> str:
    """The UNC 2020 gold records are halved by a hash of their id: slug spelling was tuned
    on ``tune`` only."""
    return "held-out" if zlib.crc32(record_id.encode("utf-8")) % 2 else "tune"


def dantri(limit: int | None) -> dict:
    shown = with_slug = own = 0
    syl: dict[str, Counter] = {"tune": Counter(), "held-out": Counter()}
    for n, rec in enumerate(iter_records([CORPUS / "unc-dantri.jsonl.gz"])):
        if limit and n >= limit:
            break
        slug = url_slug(rec.get("url"))
        if not slug:
            continue
        with_slug += 1
        art = record_to_article(rec, "bench", "bench")
        if "".join(words_of(fold(art.title))) == "".join(slug):
            shown += 1
        elif art.extra.get("title_kind") == "headline":
            own += 1  # the record's own headline, close to the slug but not word for word
        title = clean_text(rec["title"] or "")
        if title_matches_slug(title, slug) and words_of(fold(title)) == slug:
            part = syl[slug_part(rec.get("id") or "")]
            restored = restore_slug(slug, clean_text(rec["body"] or ""))
            got, want = words_of(restored.headline), words_of(title)
            part["docs"] += 1
            part["syllables"] += len(want)
            part["missing"] += restored.missing
            part["guessed"] += restored.guessed
            part["wrong"] += sum(1 for a, b in zip(got, want) if a != b) + abs(len(got) - len(want))
    return {"with_slug": with_slug, "shown": shown, "own": own, "syl": syl}


def splits() -> dict:
    out = {}
    rows = [json.loads(line) for line in LABELLED.read_text("utf-8").splitlines() if line.strip()]
    for part in ("tune", "held-out"):
        made = right = gold = found = 0
        for r in (x for x in rows if x["part"] == part):
            art = record_to_article({"title": r["title"], "body": "", "outlet": r["outlet"]}, "bench", "bench")
            did_split = art.extra.get("title_kind") == "split"
            if did_split:
                made += 1
                right += art.title == r["headline"]
            if r["headline"]:
                gold += 1
                found += did_split and art.title == r["headline"]
        out[part] = {"titles": sum(1 for x in rows if x["part"] == part), "splits": made, "right": right,
                     "with_headline": gold, "found": found}
    return out


def clean_and_leads(limit: int | None) -> tuple[dict, Counter, Counter]:
    changed = Counter()
    clean = Counter()
    leads = Counter()
    docs = Counter()
    long = Counter()  # shown titles over 25 words whose record's own title is not that long
    for n, rec in enumerate(iter_records([CORPUS / "vntc.jsonl.gz", CORPUS / "unc-dantri.jsonl.gz"])):
        if limit and n >= limit:
            break
        art = record_to_article(rec, "bench", "bench")
        outlet = rec.get("outlet") or "?"
        docs[outlet] += 1
        leads[outlet] += reads_as_lead(art.title)
        if len(art.title.split()) > MAX_DISPLAY_WORDS and art.title != " ".join(clean_text(rec.get("title") or "").split()):
            long[outlet] += 1
        if outlet in ("vnexpress.net", "tuoitre.vn") and rec.get("title"):
            clean[outlet] += 1
            if art.title != " ".join(clean_text(rec["title"]).split()):
                changed[outlet, art.extra.get("title_kind")] += 1
    return {"clean": clean, "changed": changed, "long": long}, leads, docs


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, help="read only the first N records of each file")
    args = ap.parse_args()
    d = dantri(args.limit)
    s = splits()
    c, leads, docs = clean_and_leads(args.limit)
    rows = [
        ["dantri articles with a headline slug showing it", f"{d['shown']:,} / {d['with_slug']:,}",
         pct(d["shown"], d["with_slug"])],
        ["dantri slug records keeping their own headline instead", f"{d['own']:,} / {d['with_slug']:,}",
         pct(d["own"], d["with_slug"])],
    ]
    for part, v in d["syl"].items():
        n = v["syllables"]
        rows += [
            [f"slug syllables spelled as the real headline ({part}, {v['docs']:,} UNC 2020 records)",
             f"{n - v['wrong']:,} / {n:,}", pct(n - v["wrong"], n)],
            [f"slug syllables the text did not hold ({part})", f"{v['missing']:,} / {n:,}", pct(v["missing"], n)],
            [f"slug syllables the text held, not beside a neighbour ({part})", f"{v['guessed']:,} / {n:,}",
             pct(v["guessed"], n)],
        ]
    for part, v in s.items():
        rows.append([f"splits right, precision ({part}, {v['titles']} titles)", f"{v['right']} / {v['splits']}",
                     pct(v["right"], v["splits"])])
        rows.append([f"headlines recovered, recall ({part})", f"{v['found']} / {v['with_headline']}",
                     pct(v["found"], v["with_headline"])])
    for outlet in ("vnexpress.net", "tuoitre.vn"):
        split = c["changed"][outlet, "split"]
        rows.append([f"clean {outlet} headlines split by mistake", f"{split:,} / {c['clean'][outlet]:,}",
                     pct(split, c["clean"][outlet])])
        short = c["changed"][outlet, "lead"]
        rows.append([f"{outlet} titles over 25 words shortened (leads)", f"{short:,} / {c['clean'][outlet]:,}",
                     pct(short, c["clean"][outlet])])
    for outlet in sorted(docs):
        rows.append([f"shown titles reading as leads, {outlet}", f"{leads[outlet]:,} / {docs[outlet]:,}",
                     pct(leads[outlet], docs[outlet])])
    total_long = sum(c["long"].values())
    rows.append(["shown titles over 25 words, not the record's own title", f"{total_long:,} / {sum(docs.values()):,}",
                 pct(total_long, sum(docs.values()))])
    print(table(rows, ["measure", "count", "share"]))


if __name__ == "__main__":
    main()
