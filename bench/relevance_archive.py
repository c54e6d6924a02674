"""Relevance as readers meet it: an archive of news articles, questions, long queries, typos.

    .venv/bin/python bench/relevance.py --archive [--articles 20000] [--split held-out]

Everything here runs against one collection: the ViQuAD 2.0 dev paragraphs
(../shared/relevance/viquad2-dev, benchmark use only) among ``--articles`` news articles
of ../shared/corpus (``--articles 0``: the paragraphs alone), indexed by vnsearch, SQLite
FTS5 and Whoosh's standard analyser. The indexes are built once under ``--workdir`` and
reused (``nice -n 10`` it on a shared machine). Kinds of query:

* question         the ViQuAD questions, as asked (FTS5: an OR of their words, bm25)
* long             a 10-15 syllable sentence of an article's body, unquoted
* long-nodiac      the same without diacritics
* headline-drop    the headline with one word dropped
* headline-replace the headline with one word replaced by another of the collection
* typo-drop / typo-add / typo-change / typo-swap   one letter of one headline syllable
* typo-real        a headline syllable replaced by another real syllable one letter away
* precision        everyday news words of two or three syllables: the share of the first
                   ten results, newest first and by relevance, containing the words as
                   typed and adjacent (vnsearch; baselines by relevance only)
* marks            snippet marks on a form the query did not type (vnsearch; words typed
                   with diacritics only: one typed without them marks every form)
* ``--typing``     as people type it (issue 14), among the same documents: diacritics
                   restored on headlines (of indexed articles; of articles not in the
                   index), exact-form P@10 of two-syllable words typed with diacritics and
                   of ambiguous ones typed without, headlines typed as Telex / VNI keys

``--split`` picks the half of the questions (by ViQuAD article) and the query seed:
``tune`` (used while tuning) or ``held-out`` (reported, never tuned on).
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sqlite3
import time
import unicodedata
from pathlib import Path

from relevance import (
    CORPUS,
    VIQUAD,
    FtsEngine,
    VnEngine,
    WhooshStdEngine,
    ambiguous_queries,
    evaluate,
    exact_precision,
    fmt,
    groups_of,
    load_sample,
    run_typing_rows,
)

from indexer.text.analysis import syllables
from indexer.text.normalize import fold, normalize, spell_iy

ENGINE_NAMES = ("vnsearch", "FTS5", "Whoosh-std")
SPLIT_SEEDS = {"tune": 11, "held-out": 29}
DISTRACTOR_SEED = 7
_WORD = re.compile(r"[^\W_]+")
_SENT = re.compile(r"(?<=[.!?…])\s+")
LETTERS = "abcdeghiklmnopqrstuvxy"


# -- the collection -------------------------------------------------------------

def viquad_docs():
    from indexer.ingest.documents import Article

    if not (VIQUAD / "docs.jsonl.gz").exists():
        raise SystemExit(f"relevance: {VIQUAD} is missing")
    out = []
    with gzip.open(VIQUAD / "docs.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            art = Article(title=rec["title"], body=rec["body"], id=rec["id"], source="viquad")
            out.append((art, "viquad:" + rec["id"]))
    return out


def viquad_questions(split: str):
    """(question, paragraph id) of one half of the ViQuAD articles (by title)."""
    lines = (VIQUAD / "queries.tsv").read_text(encoding="utf-8").splitlines()
    queries = dict(line.split("\t", 1) for line in lines if line)
    lines = (VIQUAD / "qrels.tsv").read_text(encoding="utf-8").splitlines()
    qrels = {q: d for q, d, _ in (line.split("\t") for line in lines if line)}
    titles = {}
    with gzip.open(VIQUAD / "docs.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            titles[rec["id"]] = rec["title"]
    order = sorted(set(titles.values()))
    half = {t: ("tune" if i % 2 == 0 else "held-out") for i, t in enumerate(order)}
    return [("question", queries[q], d) for q, d in sorted(qrels.items())
            if q in queries and half[titles[d]] == split]


def collection(n_articles: int):
    docs = viquad_docs()
    if n_articles:
        docs += load_sample(n_articles, DISTRACTOR_SEED)
    return docs


class FtsOrEngine(FtsEngine):
    """FTS5 with an OR of the query's words (the README baseline for questions)."""

    name = "FTS5"

    def search(self, q: str, k: int = 10) -> list[str]:
        words = sorted({w for w in re.findall(r"\w+", q)})
        if not words:
            return []
        expr = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        try:
            rows = self.db.execute("SELECT id FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?",
                                   (expr, k)).fetchall()
        except sqlite3.OperationalError:
            return []
        return [r[0] for r in rows]


class WhooshOrEngine(WhooshStdEngine):
    """Whoosh's standard analyser with OR grouping for questions (AND finds nothing)."""

    def __init__(self, sample, work: Path):
        super().__init__(sample, work)
        from whoosh.qparser import MultifieldParser, OrGroup

        self.parser = MultifieldParser(["title", "body"], self.searcher.schema, group=OrGroup)


# -- query kinds ------------------------------------------------------------------

def _news(sample):
    return [a for a, _k in sample if a.source != "viquad"]


def long_queries(sample, rng: random.Random, n: int):
    """A 10-15 syllable sentence of an article's body, with and without diacritics."""
    out = []
    arts = _news(sample)
    rng.shuffle(arts)
    for art in arts:
        if len(out) >= 2 * n:
            break
        sents = [s.strip() for s in _SENT.split(art.body) if 10 <= len(_WORD.findall(s)) <= 15]
        sents = [s for s in sents if not any(c.isdigit() for c in s)]
        if not sents:
            continue
        s = rng.choice(sents).strip(' ."“”')
        out.append(("long", s, art.id))
        out.append(("long-nodiac", fold(s), art.id))
    return out


def headline_queries(sample, rng: random.Random, n: int):
    """A headline with a word dropped, or replaced by another word of the collection."""
    arts = [a for a in _news(sample) if 6 <= len(a.title.split()) <= 25]
    picked = rng.sample(arts, min(n, len(arts)))
    vocab = [w for a in arts[:2000] for w in a.title.split() if _WORD.fullmatch(w)]
    out = []
    for art in picked:
        words = art.title.split()
        i = rng.randrange(len(words))
        out.append(("headline-drop", " ".join(words[:i] + words[i + 1:]), art.id))
        j = rng.randrange(len(words))
        out.append(("headline-replace", " ".join(words[:j] + [rng.choice(vocab)] + words[j + 1:]),
                    art.id))
    return out


def _edit(word: str, kind: str, rng: random.Random) -> str | None:
    """One letter of ``word`` dropped, added, changed or swapped (marks kept on vowels)."""
    nfd = unicodedata.normalize("NFD", word)
    base = [k for k, ch in enumerate(nfd) if ch.isalpha() and not unicodedata.combining(ch)]
    if len(base) < 2:
        return None
    k = rng.choice(base)
    end = k + 1
    while end < len(nfd) and unicodedata.combining(nfd[end]):
        end += 1
    if kind == "drop":
        new = nfd[:k] + nfd[end:]
    elif kind == "add":
        new = nfd[:k] + rng.choice(LETTERS) + nfd[k:]
    elif kind == "change":
        c = rng.choice([x for x in LETTERS if x != nfd[k].lower()])
        new = nfd[:k] + c + nfd[end:]
    else:  # swap with the next base letter
        nxt = [b for b in base if b > k]
        if not nxt:
            return None
        n2 = nxt[0]
        e2 = n2 + 1
        while e2 < len(nfd) and unicodedata.combining(nfd[e2]):
            e2 += 1
        new = nfd[:k] + nfd[n2:e2] + nfd[end:n2] + nfd[k:end] + nfd[e2:]
    out = unicodedata.normalize("NFC", new)
    return out if out != word else None


def typo_queries(sample, rng: random.Random, n: int, known: set[str]):
    """Headlines with one typo of each kind; ``typo-real`` spells another indexed syllable."""
    arts = [a for a in _news(sample) if 5 <= len(a.title.split()) <= 25]
    picked = rng.sample(arts, min(n, len(arts)))
    out = []
    for art in picked:
        words = art.title.split()
        cands = [i for i, w in enumerate(words) if _WORD.fullmatch(w) and len(w) >= 3
                 and not w.isdigit()]
        if not cands:
            continue
        for kind in ("drop", "add", "change", "swap"):
            for _try in range(5):
                i = rng.choice(cands)
                new = _edit(words[i], kind, rng)
                if new:
                    out.append((f"typo-{kind}", " ".join(words[:i] + [new] + words[i + 1:]), art.id))
                    break
        for _try in range(20):  # a typo that spells another real syllable
            i = rng.choice(cands)
            new = _edit(words[i], rng.choice(("drop", "add", "change", "swap")), rng)
            if new and normalize(new).lower() in known and fold(new) != fold(words[i]):
                out.append(("typo-real", " ".join(words[:i] + [new] + words[i + 1:]), art.id))
                break
    return out


KINDS = ("question", "long", "long-nodiac", "headline-drop", "headline-replace",
         "typo-drop", "typo-add", "typo-change", "typo-swap", "typo-real")


# -- match precision and marks ------------------------------------------------------

def everyday_words(vn, rng: random.Random, n: int) -> list[str]:
    """Two- and three-syllable pyvi words found in 0.2%-3% of the articles (no digits)."""
    reader = vn.engine.searcher().reader()
    total = reader.doc_count()
    cands = []
    for t, info in reader.iter_field("words"):
        w = t.decode("utf-8") if isinstance(t, bytes) else t
        parts = w.split("_")
        if not 2 <= len(parts) <= 3 or not all(p.isalpha() for p in parts):
            continue
        df = info.doc_frequency()
        if 0.002 * total <= df <= 0.03 * total:
            cands.append(w.replace("_", " "))
    cands.sort()
    return rng.sample(cands, min(n, len(cands)))


def _texts(sample):
    return {a.id: " " + " ".join(x.exact for x in syllables(normalize(a.title + "\n" + a.body).lower()))
            + " " for a, _k in sample}


def match_precision(engine, words, texts, sort="relevance"):
    vals = []
    for q in words:
        ids = engine.search(q, sort=sort) if sort != "relevance" else engine.search(q)
        top = ids[:10]
        if not top:
            continue
        vals.append(sum(1 for x in top if f" {q} " in texts.get(x, "")) / len(top))
    return sum(vals) / len(vals) if vals else float("nan")


def marks_not_typed(vn, words) -> tuple[int, int]:
    """(marks on a form the query did not type, all marks) over the first ten snippets.

    Only words with diacritics count: a query typed without them ("anh trai") marks every
    form by design ("ảnh trái" too), since it may be any of them. The i/y spellings of one
    syllable are one form ("hiệp sỹ" marks "sĩ"), as the two tone placements are.
    """
    from indexer.search.engine import SearchRequest

    bad = allm = 0
    for q in words:
        if fold(q) == q:
            continue
        typed = {spell_iy(normalize(s).lower()) for s in q.split()}
        r = vn.engine.search(SearchRequest(q=q, per_page=10, facets=False))
        for h in r.hits:
            for html in (h.snippet, h.title_html):
                for m in re.findall(r"<mark>(.*?)</mark>", html):
                    for s in _WORD.findall(m):
                        allm += 1
                        bad += spell_iy(normalize(s).lower()) not in typed
    return bad, allm


# -- the run ------------------------------------------------------------------------

class _VnSorted(VnEngine):
    def search(self, q: str, k: int = 10, sort: str = "relevance") -> list[str]:
        from indexer.search.engine import SearchRequest

        t = time.perf_counter()
        r = self.engine.search(SearchRequest(q=q, per_page=k, facets=False, sort=sort))
        self.times.append(time.perf_counter() - t)
        return [h.id for h in r.hits]


def run_archive(args) -> None:
    t0 = time.time()
    sample = collection(args.articles)
    group = groups_of(sample)
    work = Path(args.workdir or "/tmp/vnsearch-archive") / f"archive-{args.articles}"
    work.mkdir(parents=True, exist_ok=True)
    print(f"collection: {len(sample)} documents (107 ViQuAD paragraphs + {args.articles} articles "
          f"of {CORPUS}, seed {DISTRACTOR_SEED}); indexes in {work}", flush=True)
    vn = _VnSorted(sample, work)
    print(f"vnsearch index: {vn.summary.line()} ({vn.build_seconds:.0f} s)", flush=True)
    if args.build_only:
        WhooshStdEngine(sample, work)
        return
    seed = SPLIT_SEEDS[args.split]
    rng = random.Random(seed)
    reader = vn.engine.searcher().reader()
    known = {t.decode("utf-8") if isinstance(t, bytes) else t for t, _ in reader.iter_field("body_x")}
    fts = FtsEngine(sample)
    wstd = WhooshStdEngine(sample, work)
    if args.typing_only:
        typing_rows(vn, fts, wstd, sample, group, seed, args)
        _print_times(vn, t0)
        return
    queries = viquad_questions(args.split)
    if args.articles:
        queries += long_queries(sample, rng, args.queries)
        queries += headline_queries(sample, rng, args.queries)
        queries += typo_queries(sample, rng, args.queries, known)
    fts_or = FtsOrEngine.__new__(FtsOrEngine)
    fts_or.db = fts.db
    wor = WhooshOrEngine.__new__(WhooshOrEngine)
    wor.searcher = wstd.searcher
    from whoosh.qparser import MultifieldParser, OrGroup
    wor.parser = MultifieldParser(["title", "body"], wstd.searcher.schema, group=OrGroup)
    results = {}
    for name, eng, eng_q in (("vnsearch", vn, vn), ("FTS5", fts, fts_or), ("Whoosh-std", wstd, wor)):
        t = time.time()
        res = evaluate(eng, [q for q in queries if q[0] != "question"], group)
        res.update(evaluate(eng_q, [q for q in queries if q[0] == "question"], group))
        results[name] = res
        print(f"{name}: {len(queries)} queries in {time.time() - t:.1f} s", flush=True)
    print()
    print(f"Archive relevance, split {args.split}: {len(sample)} documents")
    head = f"{'kind':<17}{'n':>5} | " + " | ".join(f"{m:^23}" for m in ("success@1", "success@10", "MRR@10"))
    print(head)
    print(f"{'':<17}{'':>5} | " + " | ".join("  vn    FTS5  W-std " for _ in range(3)))
    print("-" * len(head))
    for kind in KINDS:
        if kind not in results["vnsearch"]:
            continue
        n = results["vnsearch"][kind][3]
        cells = [" ".join(fmt(results[e].get(kind, (float("nan"),) * 4)[m]) for e in ENGINE_NAMES)
                 for m in range(3)]
        print(f"{kind:<17}{n:>5} | " + " | ".join(f"{c:^23}" for c in cells))
    if args.articles:
        words = everyday_words(vn, random.Random(seed + 1), args.words)
        texts = _texts(sample)
        p_new = match_precision(vn, words, texts, sort="newest")
        p_rel = match_precision(vn, words, texts)
        p_fts = match_precision(fts, words, texts)
        p_w = match_precision(wstd, words, texts)
        bad, allm = marks_not_typed(vn, words)
        print(f"\nmatch precision ({len(words)} everyday words, first ten results):"
              f" vnsearch newest first {fmt(p_new)}, by relevance {fmt(p_rel)};"
              f" FTS5 {fmt(p_fts)}, Whoosh-std {fmt(p_w)} (by relevance)")
        print(f"marks on a form not typed: {bad} of {allm}")
        if args.show_failures:
            print("words:", ", ".join(words))
    if args.typing and args.articles:
        typing_rows(vn, fts, wstd, sample, group, seed, args)
    _print_times(vn, t0)
    if args.dump:  # rankings, to compare two versions of the engine query by query
        with open(args.dump, "w", encoding="utf-8") as fh:
            for kind, q, target in queries:
                ids = vn.search(q)
                fh.write(json.dumps({"kind": kind, "q": q, "target": target, "top": ids},
                                    ensure_ascii=False) + "\n")
    if args.show_failures:
        for kind, q, target in queries:
            ids = vn.search(q)
            g = group[target]
            rank = next((i for i, x in enumerate(ids) if group.get(x) == g), None)
            if rank != 0:
                print(f"MISS {kind} rank={rank}: {q}")


def _print_times(vn, t0: float) -> None:
    ts = sorted(vn.times)
    if ts:
        print(f"\nvnsearch query time: median {1000 * ts[len(ts) // 2]:.1f} ms, "
              f"p95 {1000 * ts[int(len(ts) * 0.95)]:.1f} ms; total run {time.time() - t0:.0f} s")


def typing_rows(vn, fts, wstd, sample, group, seed: int, args) -> None:
    """Issue 14's rows at archive scale, queries drawn with the split's seed from the news
    articles (the ViQuAD paragraphs are left out): see :func:`relevance.run_typing_rows`."""
    import argparse

    news = [(a, k) for a, k in sample if a.source != "viquad"]
    texts = _texts(news)
    reader = vn.engine.searcher().reader()
    words = {t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon("words")}
    typed, n_amb = ambiguous_queries(news, args.exact_queries, seed, words)
    t_before = len(vn.times)
    prec = {e.name: exact_precision(e, typed, texts) for e in (vn, fts, wstd)}
    ts = sorted(vn.times[t_before:])
    print(f"\nexact-form P@10, typed with diacritics (n={len(typed)}, {n_amb} ambiguous folded pairs): "
          + ", ".join(f"{name} {fmt(v)}" for name, v in prec.items())
          + (f"; vnsearch median {1000 * ts[len(ts) // 2]:.1f} ms" if ts else ""))
    sub = argparse.Namespace(**{**vars(args), "seed": seed})
    run_typing_rows([vn, fts, wstd], news, group, texts, words, sub)


def add_arguments(ap) -> None:
    ap.add_argument("--archive", action="store_true",
                    help="questions, long queries, typos and match precision among news articles")
    ap.add_argument("--split", choices=tuple(SPLIT_SEEDS), default="held-out")
    ap.add_argument("--words", type=int, default=30, help="everyday words for match precision")
    ap.add_argument("--build-only", action="store_true", help="build the archive indexes and stop")
    ap.add_argument("--typing-only", action="store_true", help="only the --typing rows (issue 14)")
    ap.add_argument("--dump", help="write each query's top ten ids here (JSON lines)")
