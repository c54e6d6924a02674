"""Relevance benchmark: known-item search the way readers type, against two baselines.

    .venv/bin/python bench/relevance.py [--articles N] [--queries N] [--seed S]
    .venv/bin/python bench/relevance.py --viquad

Picks ``--articles`` articles (fixed seed) from the shared corpus (../shared/corpus,
relative to the repository), indexes them with vnsearch, with SQLite FTS5
(``unicode61 remove_diacritics 2``) and with Whoosh's ``StandardAnalyzer``, then asks
each engine for ``--queries`` picked articles typed in several ways:

* headline      the headline as written
* no-diacritics the headline without diacritics (đ→d too)
* tone-swap     the other tone placement (hoà↔hòa, thuỷ↔thủy; headlines that have one)
* nfd           the headline in Unicode NFD
* first-words   the first four syllables of the headline
* phrase        a "quoted phrase" of four consecutive words of the body
* typo          one letter changed in one syllable of the headline
* abbreviation  an abbreviation (TP.HCM, UBND, HLV...) in place of its full form or the
                reverse (headlines that have one; forms from indexer/data/synonyms.txt)

and reports success@1, success@10 and MRR@10 per variant. A copy with identical text
(whitespace-insensitive) counts as the same article. ``exact-form P@10``: two-syllable
queries typed with diacritics whose diacritic-free form has 2+ diacritic forms in the
collection ("tâm bão" / "tam bảo"): the share of the top results (up to 10, and at most
as many as articles hold the exact form) that contain the words exactly as typed.

Everything is built in a temporary folder; pyvi's output is cached in
$TMPDIR/vnsearch-relevance-cache so a second run is quick.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import re
import sqlite3
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.text.analysis import syllables  # noqa: E402
from indexer.config import load_config  # noqa: E402
from indexer.text.normalize import fold, normalize  # noqa: E402

# ../shared beside the checkout; VNSEARCH_SHARED for a checkout elsewhere (a worktree).
SHARED = Path(os.environ.get("VNSEARCH_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
VIQUAD = SHARED / "relevance" / "viquad2-dev"
FILES = (("vntc.jsonl.gz", 84132), ("unc-dantri.jsonl.gz", 2653))
VARIANTS = ("headline", "no-diacritics", "tone-swap", "nfd", "first-words", "phrase", "typo",
            "abbreviation")
ENGINES = ("vnsearch", "FTS5", "Whoosh-std")
_WS = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+")
TONES = "\u0300\u0301\u0303\u0309\u0323"


# -- data ---------------------------------------------------------------------------

def load_sample(n: int, seed: int):
    """``n`` articles picked uniformly (fixed seed) from the corpus files."""
    from indexer.ingest.documents import Article
    from indexer.ingest.readers.jsonl import record_to_article

    missing = [name for name, _ in FILES if not (CORPUS / name).exists()]
    if missing:
        sys.exit(f"relevance: the shared corpus is missing ({CORPUS}/{missing[0]}); "
                 "it is expected at ../shared/corpus relative to the repository")
    total = sum(c for _, c in FILES)
    rng = random.Random(seed)
    chosen = set(rng.sample(range(total), min(n, total)))
    out = []
    base = 0
    for name, count in FILES:
        wanted = sorted(i - base for i in chosen if base <= i < base + count)
        base += count
        if not wanted:
            continue
        want = set(wanted)
        with gzip.open(CORPUS / name, "rb") as fh:
            for i, line in enumerate(fh):
                if i in want:
                    rec = json.loads(line)
                    art = record_to_article(rec, name, f"{name}:{i + 1}")
                    if isinstance(art, Article):
                        raw = (rec.get("title") or "") + (rec.get("body") or "")
                        out.append((art, _WS.sub("", normalize(raw))))
                    if i >= wanted[-1]:
                        break
    return out


def groups_of(sample):
    """id -> group id (identical whitespace-insensitive text = one group)."""
    by_text: dict[str, int] = {}
    group = {}
    for art, key in sample:
        group[art.id] = by_text.setdefault(key, len(by_text))
    return group


# -- query variants ---------------------------------------------------------------

_OLD = re.compile(rf"(?<![qQ])([oOuU])([aAeEyY])([{TONES}])(?![^\W_]|[\u0300-\u036f])")
_NEW = re.compile(rf"(?<![qQ])([oOuU])([{TONES}])([aAeEyY])(?![^\W_]|[\u0300-\u036f])")


def tone_swap(text: str) -> str | None:
    nfd = unicodedata.normalize("NFD", text)
    swapped = _NEW.sub(r"\1\3\2", nfd)
    if swapped == nfd:
        swapped = _OLD.sub(r"\1\3\2", nfd)
    if swapped == nfd:
        return None
    # oa/oe/uy only: "uý"-like swaps of other pairs are left as they were.
    return unicodedata.normalize("NFC", swapped)


def first_words(text: str, n: int = 4) -> str | None:
    words = text.split()
    if len(words) <= n:
        return None
    return " ".join(words[:n])


def body_phrase(body: str, rng: random.Random, n: int = 4) -> str | None:
    tokens = body.split()
    runs = []
    for i in range(len(tokens) - n + 1):
        win = tokens[i:i + n]
        if all(_WORD.fullmatch(w) and not w.isdigit() for w in win):
            runs.append(" ".join(win))
    if not runs:
        return None
    return '"' + rng.choice(runs) + '"'


_LETTERS = "abcdeghiklmnopqrstuvxy"


def typo(text: str, rng: random.Random) -> str | None:
    words = text.split()
    cands = [i for i, w in enumerate(words) if _WORD.fullmatch(w) and len(w) >= 3 and not w.isdigit()]
    if not cands:
        return None
    i = rng.choice(cands)
    w = words[i]
    nfd = unicodedata.normalize("NFD", w)
    base_positions = [k for k, ch in enumerate(nfd) if ch.isalpha() and not unicodedata.combining(ch)]
    k = rng.choice(base_positions)
    old = nfd[k].lower()
    new = rng.choice([c for c in _LETTERS if c != old])
    if nfd[k].isupper():
        new = new.upper()
    rest = nfd[k + 1:]
    if new.lower() not in "aeiouy":  # a consonant carries no tone or vowel mark
        rest = rest.lstrip("".join(chr(c) for c in range(0x300, 0x370)))
    words[i] = unicodedata.normalize("NFC", nfd[:k] + new + rest)
    return " ".join(words)


def load_forms():
    """(folded syllables, text, group) of every form in the synonyms file."""
    from indexer.search.synonyms import load_synonyms

    syn = load_synonyms(ROOT / "indexer" / "data" / "synonyms.txt")
    return syn


def abbreviation(text: str, syn, rng: random.Random) -> str | None:
    """Swap one synonym form found in ``text`` for another form of its group."""
    sy = syllables(text)
    folds = [s.fold for s in sy]
    found = []
    for start in range(len(folds)):
        for form, gid in syn._by_first.get(folds[start], ()):
            n = len(form)
            if tuple(folds[start:start + n]) == form:
                found.append((start, n, form, gid))
                break
    if not found:
        return None
    start, n, form, gid = rng.choice(found)
    others = [t for f, t in syn.groups[gid] if f != form]
    repl = rng.choice(others)
    return text[:sy[start].start] + repl + text[sy[start + n - 1].end:]


def make_queries(sample, n_queries: int, seed: int):
    rng = random.Random(seed * 7919 + 1)
    syn = load_forms()
    pool = [a for a, _ in sample if 4 <= len(a.title.split()) <= 30]
    picked = rng.sample(pool, min(n_queries, len(pool)))
    queries = []  # (variant, text, article id)
    for art in picked:
        title = art.title.strip()
        add = lambda v, q: q and queries.append((v, q, art.id))  # noqa: E731
        add("headline", title)
        add("no-diacritics", fold(title) if fold(title) != title.lower() else None)
        add("tone-swap", tone_swap(title))
        add("nfd", unicodedata.normalize("NFD", title))
        add("first-words", first_words(title))
        add("phrase", body_phrase(art.body, rng))
        add("typo", typo(title, rng))
        add("abbreviation", abbreviation(title, syn, rng))
    return queries


def ambiguous_queries(sample, n: int, seed: int, words: set[str]):
    """Two-syllable words with diacritics whose folded form has another diacritic form.

    Only forms that pyvi segments as one word somewhere in the collection (the index's
    ``words`` field) are asked, as a reader would ("tâm bão", not "của ba").
    """
    rng = random.Random(seed * 31 + 7)
    docs_of: dict[str, set] = defaultdict(set)
    for idx, (art, _k) in enumerate(sample):
        sy = syllables(normalize(art.title + "\n" + art.body).lower())
        seen = set()
        for a, b in zip(sy, sy[1:]):
            if b.pos != a.pos + 1 or not a.exact.isalpha() or not b.exact.isalpha():
                continue
            key = a.exact + " " + b.exact
            if key not in seen:
                seen.add(key)
                docs_of[key].add(idx)
    by_fold: dict[str, list[str]] = defaultdict(list)
    for key, docs in docs_of.items():
        if len(docs) >= 2:
            by_fold[fold(key)].append(key)
    cands = []
    for f, forms in sorted(by_fold.items()):
        if len(forms) < 2:
            continue
        for form in forms:
            if fold(form) != form and form.replace(" ", "_") in words:
                cands.append(form)
    cands.sort()
    picked = rng.sample(cands, min(n, len(cands)))
    return [(q, docs_of[q]) for q in picked], len(by_fold)


# -- engines --------------------------------------------------------------------

class VnEngine:
    name = "vnsearch"

    def __init__(self, sample, work: Path):
        from indexer.build.builder import index_articles
        from indexer.search.engine import SearchEngine

        cfg = load_config(ROOT / "config.toml").with_overrides(**{
            "paths.index": str(work / "vn-index"),
            "paths.cache": str(Path(tempfile.gettempdir()) / "vnsearch-relevance-cache"),
            "paths.raw": str(work / "raw"),
            "index.processes": 1,
        })
        t = time.time()
        if (work / "vn-index").exists():  # --workdir: reuse the index of an earlier run
            from indexer.build.builder import BuildSummary
            summary = BuildSummary(index_path="reused " + str(work / "vn-index"))
        else:
            summary = index_articles(cfg, (a for a, _ in sample))
        self.build_seconds = time.time() - t
        self.summary = summary
        self.engine = SearchEngine(cfg)
        self.times: list[float] = []

    def search(self, q: str, k: int = 10) -> list[str]:
        from indexer.search.engine import SearchRequest

        t = time.perf_counter()
        r = self.engine.search(SearchRequest(q=q, per_page=k, facets=False))
        self.times.append(time.perf_counter() - t)
        return [h.id for h in r.hits]


def _fts_quote(tok: str) -> str:
    return '"' + tok.replace('"', '""') + '"'


class FtsEngine:
    name = "FTS5"

    def __init__(self, sample):
        self.db = sqlite3.connect(":memory:")
        self.db.execute('CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, title, body, '
                        'tokenize="unicode61 remove_diacritics 2")')
        self.db.executemany("INSERT INTO t VALUES (?,?,?)",
                            [(a.id, a.title, a.body) for a, _ in sample])
        self.db.commit()

    def search(self, q: str, k: int = 10) -> list[str]:
        parts = []
        for m in re.finditer(r'"([^"]*)"|(\S+)', q):
            if m.group(1) is not None:
                words = [w for w in re.split(r"[^\w\u0300-\u036f]+", m.group(1)) if w]
                if words:
                    parts.append(_fts_quote(" ".join(words)))
            else:
                for w in re.split(r"[^\w\u0300-\u036f]+", m.group(2)):
                    if w:
                        parts.append(_fts_quote(w))
        if not parts:
            return []
        try:
            rows = self.db.execute("SELECT id FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?",
                                   (" ".join(parts), k)).fetchall()
        except sqlite3.OperationalError:
            return []
        return [r[0] for r in rows]


class WhooshStdEngine:
    name = "Whoosh-std"

    def __init__(self, sample, work: Path):
        from whoosh import fields, index
        from whoosh.analysis import StandardAnalyzer
        from whoosh.qparser import AndGroup, MultifieldParser

        schema = fields.Schema(id=fields.ID(stored=True),
                               title=fields.TEXT(analyzer=StandardAnalyzer()),
                               body=fields.TEXT(analyzer=StandardAnalyzer()))
        d = work / "whoosh-std"
        if d.exists():
            ix = index.open_dir(str(d))
        else:
            d.mkdir()
            ix = index.create_in(str(d), schema)
            w = ix.writer(limitmb=128)
            for a, _ in sample:
                w.add_document(id=a.id, title=a.title, body=a.body)
            w.commit()
        self.searcher = ix.searcher()
        self.parser = MultifieldParser(["title", "body"], schema, group=AndGroup)

    def search(self, q: str, k: int = 10) -> list[str]:
        try:
            query = self.parser.parse(q)
            return [h["id"] for h in self.searcher.search(query, limit=k)]
        except Exception:
            return []


# -- evaluation -----------------------------------------------------------------

def evaluate(engine, queries, group):
    stats = defaultdict(lambda: [0, 0, 0.0, 0])  # s@1, s@10, rr, n
    for variant, q, target in queries:
        ids = engine.search(q)
        g = group[target]
        rank = next((i for i, x in enumerate(ids) if group.get(x) == g), None)
        st = stats[variant]
        st[3] += 1
        if rank is not None:
            st[0] += rank == 0
            st[1] += 1
            st[2] += 1.0 / (rank + 1)
    return {v: (s[0] / s[3], s[1] / s[3], s[2] / s[3], s[3]) for v, s in stats.items()}


def exact_precision(engine, amb, texts, show=False):
    vals = []
    for q, holders in amb:
        ids = engine.search(q)
        k = min(10, len(holders))
        top = ids[:k]
        if not top:
            vals.append(0.0)
            continue
        hit = sum(1 for x in top if f" {q} " in texts.get(x, ""))
        vals.append(hit / k)
        if show and hit < k:
            print(f"EXACT {hit}/{k}: {q}")
    return sum(vals) / len(vals) if vals else float("nan")


# -- as people really type it (issue 14): restoration, ambiguous plain queries, keystrokes --

def keystroke_queries(sample, n: int, seed: int):
    """Headlines of ``n`` picked articles typed as Telex and as VNI keystrokes."""
    from indexer.text.keystrokes import encode

    rng = random.Random(seed * 17 + 14)
    out = []
    for i in rng.sample(range(len(sample)), min(n, len(sample))):
        art = sample[i][0]
        title = normalize(art.title)
        if len(_WORD.findall(title)) < 2:
            continue
        for method in ("telex", "vni"):
            out.append((method, _WORD.sub(lambda m, how=method: encode(m.group(), how), title), art.id))
    return out


def restoration_accuracy(model, titles):
    """(syllable accuracy, whole-headline accuracy, n) of restoring folded headlines."""
    from indexer.text.normalize import spell_iy
    from indexer.text.restore import restore

    ok = n = whole = count = 0
    for title in titles:
        want = [spell_iy(w.lower()) for w in _WORD.findall(normalize(title))]
        if not want:
            continue
        got = [w.lower() for w in _WORD.findall(restore(fold(normalize(title)), model))]
        right = sum(a == b for a, b in zip(want, got))
        ok, n, whole, count = ok + right, n + len(want), whole + (right == len(want)), count + 1
    return (ok / n if n else float("nan")), (whole / count if count else float("nan")), count


def ambiguous_plain_queries(sample, texts, words, n: int, seed: int):
    """Two-syllable words of picked headlines whose folded form has 2+ diacritic forms
    in the collection (each in 2+ articles), typed without diacritics: (query, intended
    form, articles holding the intended form). The headline says which form was meant."""
    docs_of: dict[str, set] = defaultdict(set)
    for aid, text in texts.items():
        sy = text.split()
        for pair in set(zip(sy, sy[1:])):
            docs_of[" ".join(pair)].add(aid)
    forms_of: dict[str, int] = Counter(fold(k) for k, d in docs_of.items() if len(d) >= 2)
    rng = random.Random(seed * 13 + 14)
    out = []
    for i in rng.sample(range(len(sample)), len(sample)):
        sy = [x.exact for x in syllables(normalize(sample[i][0].title).lower())]
        for a, b in zip(sy, sy[1:]):
            form = f"{a} {b}"
            if fold(form) != form and forms_of.get(fold(form), 0) >= 2 and len(docs_of[form]) >= 2 \
                    and form.replace(" ", "_") in words:
                out.append((fold(form), form, docs_of[form]))
                break
        if len(out) >= n:
            break
    return out


def plain_exact_precision(engine, amb, texts):
    vals = []
    for q, intended, holders in amb:
        k = min(10, len(holders))
        top = engine.search(q)[:k]
        vals.append(sum(1 for x in top if f" {intended} " in texts.get(x, "")) / k if top else 0.0)
    return sum(vals) / len(vals) if vals else float("nan")


def run_typing_rows(engines, sample, group, texts, words, args) -> None:
    """The rows of issue 14: restoration accuracy, ambiguous plain queries, keystrokes."""
    vn = engines[0]
    model = vn.engine.restore_model()
    picked = random.Random(args.seed * 7 + 14).sample(range(len(sample)), min(args.queries * 4, len(sample)))
    indexed = restoration_accuracy(model, [sample[i][0].title for i in picked])
    ids = {a.id for a, _ in sample}
    titles = {normalize(a.title) for a, _ in sample}  # a copy under another id is not "other"
    others = [a.title for a, _ in load_sample(args.heldout_headlines, args.seed + 1)
              if a.id not in ids and normalize(a.title) not in titles]
    held = restoration_accuracy(model, others)
    amb = ambiguous_plain_queries(sample, texts, words, args.exact_queries, args.seed)
    keys = keystroke_queries(sample, args.queries, args.seed)
    print(f"\nAs people type it (seed {args.seed}, {len(sample)} articles)")
    print(f"diacritic restoration, headlines of indexed articles ({indexed[2]}): "
          f"syllables {fmt(indexed[0])}, whole headlines {fmt(indexed[1])}")
    print(f"diacritic restoration, headlines of articles not in the index ({held[2]}): "
          f"syllables {fmt(held[0])}, whole headlines {fmt(held[1])}")
    for e in engines:
        t_before = len(vn.times)
        res = evaluate(e, keys, group)
        key_times = sorted(vn.times[t_before:])
        t_before = len(vn.times)
        prec = plain_exact_precision(e, amb, texts)
        plain_times = sorted(vn.times[t_before:])
        row = " ".join(f"{m} s@10 {fmt(res[m][1])} MRR {fmt(res[m][2])} (n={res[m][3]})" for m in ("telex", "vni")
                       if m in res)
        print(f"{e.name:<10} exact-form P@10, ambiguous plain queries (n={len(amb)}): {fmt(prec)}; {row}")
        for what, ts in (("Telex/VNI", key_times), ("ambiguous plain", plain_times)):
            if ts:
                print(f"  vnsearch time on the {what} queries: median {1000 * ts[len(ts) // 2]:.1f} ms, "
                      f"p95 {1000 * ts[int(len(ts) * 0.95)]:.1f} ms, max {1000 * ts[-1]:.1f} ms")
    if args.show_failures:
        show_keystroke_misses(vn, keys, group, sample)


def show_keystroke_misses(vn, keys, group, sample) -> None:
    """Each Telex/VNI headline whose article is not in the first ten, with its reading."""
    from indexer.search.engine import SearchRequest

    titles = {a.id: a.title for a, _ in sample}
    for method, q, target in keys:
        r = vn.engine.search(SearchRequest(q=q, per_page=10, facets=False))
        if group[target] not in {group.get(h.id) for h in r.hits}:
            read = (r.reading or {}).get("text")
            print(f"MISS {method}: {q}\n  read:  {read}\n  title: {titles.get(target)}")


def fmt(x: float) -> str:
    return "  -  " if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def run_known_item(args) -> None:
    t0 = time.time()
    sample = load_sample(args.articles, args.seed)
    group = groups_of(sample)
    print(f"seed {args.seed}: {len(sample)} articles ({len(set(group.values()))} distinct texts) "
          f"from {CORPUS}", flush=True)
    queries = make_queries(sample, args.queries, args.seed)
    texts = {a.id: " " + " ".join(x.exact for x in syllables(normalize(a.title + "\n" + a.body).lower())) + " "
             for a, _ in sample}
    with tempfile.TemporaryDirectory(prefix="vnsearch-relevance-") as tmp:
        work = Path(tmp)
        if args.workdir:  # for tuning: keep (and reuse) the indexes
            work = Path(args.workdir) / f"{args.seed}-{args.articles}"
            work.mkdir(parents=True, exist_ok=True)
        vn = VnEngine(sample, work)
        print(f"vnsearch index: {vn.summary.line()}", flush=True)
        reader = vn.engine.searcher().reader()
        words = {t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon("words")}
        amb, n_amb = ambiguous_queries(sample, args.exact_queries, args.seed, words)
        engines = [vn, FtsEngine(sample), WhooshStdEngine(sample, work)]
        results = {}
        prec = {}
        for e in engines:
            t = time.time()
            results[e.name] = evaluate(e, queries, group)
            prec[e.name] = exact_precision(e, amb, texts)
            print(f"{e.name}: {len(queries) + len(amb)} queries in {time.time() - t:.1f} s", flush=True)
        print()
        print(f"Known-item search, seed {args.seed}: {len(sample)} articles, "
              f"{len(set(q[2] for q in queries))} picked articles, {len(queries)} queries")
        head = f"{'variant':<14}{'n':>5} | " + " | ".join(f"{m:^23}" for m in ("success@1", "success@10", "MRR@10"))
        print(head)
        print(f"{'':<14}{'':>5} | " + " | ".join("  vn    FTS5  W-std " for _ in range(3)))
        print("-" * len(head))
        for v in VARIANTS:
            if v not in results["vnsearch"]:
                continue
            n = results["vnsearch"][v][3]
            cells = []
            for m in range(3):
                cells.append(" ".join(fmt(results[e][v][m]) for e in ENGINES))
            print(f"{v:<14}{n:>5} | " + " | ".join(f"{c:^23}" for c in cells))
        print(f"{'exact-form P@10':<14}{len(amb):>5} | {' '.join(fmt(prec[e]) for e in ENGINES):^23}"
              f"   ({n_amb} ambiguous folded bigrams in the collection)")
        print()
        print("ratios vnsearch / baseline (MRR@10):")
        for v in VARIANTS:
            if v not in results["vnsearch"]:
                continue
            r = results["vnsearch"][v][2]
            parts = []
            for e in ENGINES[1:]:
                b = results[e][v][2]
                parts.append(f"{e} {r / b:.2f}x" if b else f"{e} inf")
            print(f"  {v:<14} " + ", ".join(parts))
        parts = [f"{e} {prec['vnsearch'] / prec[e]:.2f}x" if prec[e] else f"{e} inf" for e in ENGINES[1:]]
        print(f"  {'exact-form':<14} " + ", ".join(parts))
        ts = sorted(vn.times)
        if args.typing:
            run_typing_rows(engines, sample, group, texts, words, args)
        if ts:
            print(f"\nvnsearch query time: median {1000 * ts[len(ts) // 2]:.1f} ms, "
                  f"p95 {1000 * ts[int(len(ts) * 0.95)]:.1f} ms; total run {time.time() - t0:.0f} s")
        if args.show_failures:
            for v, q, target in queries:
                ids = vn.search(q)
                if group[target] not in {group.get(x) for x in ids}:
                    print(f"MISS {v}: {q}")
            exact_precision(vn, amb, texts, show=True)


def run_viquad(args) -> None:
    from indexer.ingest.documents import Article

    if not (VIQUAD / "docs.jsonl.gz").exists():
        sys.exit(f"relevance: {VIQUAD} is missing")
    docs = []
    with gzip.open(VIQUAD / "docs.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            docs.append((Article(title=rec["title"], body=rec["body"], id=rec["id"], source="viquad"), rec["id"]))
    queries = dict(line.rstrip("\n").split("\t", 1) for line in open(VIQUAD / "queries.tsv", encoding="utf-8"))
    qrels = {q: d for q, d, _ in (line.split("\t") for line in open(VIQUAD / "qrels.tsv", encoding="utf-8"))}
    group = {d: d for _, d in docs}
    items = [("question", queries[q], qrels[q]) for q in queries if q in qrels]
    with tempfile.TemporaryDirectory(prefix="vnsearch-viquad-") as tmp:
        vn = VnEngine(docs, Path(tmp))
        res = evaluate(vn, items, group)["question"]
    print(f"ViQuAD 2.0 dev sample: {len(items)} questions, {len(docs)} paragraphs")
    print(f"{'':<10} {'vnsearch':>9} {'FTS5 OR (README)':>17}")
    for i, (m, ref) in enumerate((("success@1", 0.8621), ("success@10", 0.9713), ("MRR@10", 0.9027))):
        print(f"{m:<10} {res[i]:>9.4f} {ref:>17.4f}")


def main(argv=None) -> None:
    from relevance_archive import add_arguments as add_archive_arguments, run_archive

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=2700)
    ap.add_argument("--queries", type=int, default=150, help="picked articles (each typed several ways)")
    ap.add_argument("--exact-queries", type=int, default=100)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--viquad", action="store_true", help="evaluate the ViQuAD 2.0 dev sample instead")
    ap.add_argument("--show-failures", action="store_true")
    ap.add_argument("--typing", action="store_true",
                    help="also the rows of restored diacritics, ambiguous plain queries, Telex/VNI")
    ap.add_argument("--heldout-headlines", type=int, default=1000,
                    help="articles outside the sample whose headlines test restoration (--typing)")
    ap.add_argument("--workdir", help="keep the indexes here and reuse them (tuning only)")
    add_archive_arguments(ap)
    args = ap.parse_args(argv)
    if args.archive:
        run_archive(args)
    elif args.viquad:
        run_viquad(args)
    else:
        run_known_item(args)


if __name__ == "__main__":
    main()
