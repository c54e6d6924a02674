"""Query latency: vnsearch (with and without the ten snippets) against SQLite FTS5, same run.

    .venv/bin/python bench/query.py --size 10k
    .venv/bin/python bench/query.py --size full --rounds 5

Uses the index ``bench/ingest.py`` left in ``WORKDIR/SIZE/index``. Builds (once) an FTS5
table over the *same tokens*: each article's folded syllables (title, body), with
outlet, category and date as extra columns for the filtered queries.

Query kinds: 1, 2 and 3 syllables typed with diacritics, quoted phrases, diacritic-free
queries and filtered queries (category / outlet / date range); ``question``: ten real
questions of ../shared/relevance/viquad2-dev (read at run time, benchmark use only;
FTS5 gets an OR of their words) and ``long``: ten 10-15 syllable sentences of indexed
articles, unquoted (picked at run time, fixed seed). Each query is run
``--rounds`` times after a warm-up; latencies are pooled per kind, and p50/p95 are
printed for:

* ``first run``: each query's first run on a freshly opened searcher (the warm-up
  round), while the per-term bitsets, champion lists and decoded posting blocks of
  :mod:`indexer.backends.whoosh.postings` are still being filled (queries share syllables, so later
  ones find some of theirs already read);
* ``vnsearch``: ``SearchEngine.search`` as the API calls it (facets, rescoring, ten
  snippets and highlighted titles), with its result cache turned off so every round
  really searches (the per-term caches stay on: they are what a serving process has);
* ``no snippets``: the same with snippet and title highlighting replaced by no-ops;
* ``story tools``: what the timeline and the people / places / organisations facets
  add to a search, measured in pairs: each query is run with them and without them (as
  the search page was before them) one right after the other, the order alternating
  from one query and round to the next (the second run of a pair finds the first's
  posting blocks decoded; alternating cancels that), and the median of the paired
  differences is printed beside the medians of each side. A difference of two separate
  passes is at the mercy of a loaded machine; a pair's two runs share its moment. The
  time the two take inside each ``vnsearch`` search is also printed (p50 / p95 per kind);
* ``FTS5``: ``SELECT ... snippet(...) ... WHERE fts MATCH ? ORDER BY bm25 LIMIT 10``
  (top ten with snippets; FTS5 does no facets and no re-ranking).

Then the worst case (``--hostile-rounds``): queries built to be expensive, each timed
in wall-clock and in the CPU time of the searching thread (``time.thread_time``), max
and p50 per kind, the first run with the typo vocabulary not yet loaded:

* ``made up``: syllables no article holds next to a real one ("qwxz bão");
* ``Telex``: real headlines of the index typed as Telex keystrokes ("Myx ra tuyeen boos");
* ``32 syllables``: the first 32 syllables of a real article, and 32 made-up ones;
* ``wildcard``: one- and two-letter prefixes ("t*", "ng* th*").

Writes ``WORKDIR/results/query-SIZE.json``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import time
from pathlib import Path

from common import DEFAULT_WORKDIR, ROOT, median, pct, save_result, table

QUERIES = {
    "1 word": ["điện", "thuế", "vàng", "bệnh", "xe", "trường", "lũ", "giá", "mạng", "phim"],
    "2 words": ["bóng đá", "chứng khoán", "giá vàng", "học sinh", "bầu cử", "du lịch", "máy tính",
                "ngân hàng", "thời tiết", "ô nhiễm"],
    "3 words": ["giá xăng dầu", "bộ y tế", "công an tỉnh", "học sinh giỏi", "giải vô địch",
                "sân vận động", "phần mềm mới", "thị trường nhà", "cầu thủ trẻ", "bệnh viện nhi"],
    "phrase": ['"bóng đá"', '"thị trường chứng khoán"', '"tai nạn giao thông"', '"Hà Nội"',
               '"ô nhiễm môi trường"', '"giá vàng"', '"World Cup"', '"công nghệ thông tin"',
               '"Bộ Giáo dục"', '"xuất khẩu gạo"'],
    "no diacritics": ["bong da", "gia vang", "tai nan giao thong", "chung khoan", "hoc sinh",
                      "benh vien", "thi truong", "cong an", "dien thoai", "ha noi"],
}
FILTERED = ["bóng đá", "giá vàng", "học sinh", "ngân hàng", "máy tính"]


_TELEX_TONES = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_TELEX_MARKS = {"\u0302": lambda b: b + b, "\u0306": lambda b: b + "w", "\u031b": lambda b: b + "w"}


def telex(text: str) -> str:
    """``text`` as typed in Telex without an input method: "Mỹ ra" -> "Myx ra"."""
    import unicodedata

    out = []
    for word in text.split():
        letters, tone = [], ""
        for ch in unicodedata.normalize("NFD", word.replace("đ", "dd").replace("Đ", "Dd")):
            if ch in _TELEX_TONES:
                tone = _TELEX_TONES[ch]
            elif ch in _TELEX_MARKS and letters:
                letters[-1] = _TELEX_MARKS[ch](letters[-1])
            else:
                letters.append(ch)
        typed = "".join(letters)
        core = typed.rstrip(",.;:!?\"')")
        out.append(core + tone + typed[len(core):])
    return " ".join(out)


def hostile_queries(engine) -> dict[str, list[str]]:
    """Expensive queries of each kind, built from the index's own articles."""
    import random

    s = engine.searcher()
    reader = s.reader()
    docs = list(reader.all_doc_ids())
    rng = random.Random(16)
    picked = [s.stored_fields(d) for d in rng.sample(docs, min(10, len(docs)))]
    made_up = ["qwxz bão", "xqzv wkjq", "bão qwxz lũ zzkq", "thành phố xkcd vwxq", "zzzz", "kqwx fjpv gbzt"]
    titles = [telex(f.get("title") or "") for f in picked if f.get("title")][:8]
    bodies = [" ".join((f.get("body") or "").split()[:32]) for f in picked[:4]]
    nonsense = " ".join(rng.choice("bcdfghklmnpqrstvxz") + rng.choice("aeiouy") + rng.choice("qwxz")
                        for _ in range(32))
    return {
        "made up": made_up,
        "Telex": titles,
        "32 syllables": bodies + [nonsense],
        "wildcard": ["t*", "a*", "ng* th*", "b* c* d*", "*", "tr* h* n*"],
    }


def run_hostile(engine, rounds: int) -> dict:
    """Worst-case latency and CPU per hostile kind (first run cold, then ``rounds``)."""
    from indexer.search.engine import SearchRequest

    out: dict[str, dict] = {}
    rows = []
    for kind, qs in hostile_queries(engine).items():
        first, wall, cpu, partial = [], [], [], 0
        for r in range(rounds + 1):
            for q in qs:
                t, c = time.perf_counter(), time.thread_time()
                res = engine.search(SearchRequest(q=q))
                dw, dc = (time.perf_counter() - t) * 1000, (time.thread_time() - c) * 1000
                (first if r == 0 else wall).append(dw)
                if r:
                    cpu.append(dc)
                partial += bool(res.partial)
        r = {"first_max": round(max(first), 1), "wall_p50": round(median(wall), 1), "wall_max": round(max(wall), 1),
             "cpu_p50": round(median(cpu), 1), "cpu_max": round(max(cpu), 1), "partial": partial,
             "queries": len(qs)}
        out[kind] = r
        rows.append([kind, r["first_max"], f"{r['wall_p50']} / {r['wall_max']}", f"{r['cpu_p50']} / {r['cpu_max']}",
                     f"{partial} of {len(qs) * (rounds + 1)}"])
    print(table(rows, ["hostile kind", "first run max ms", "wall ms p50 / max", "thread CPU ms p50 / max",
                       "marked partial"]))
    return out


def build_fts(index_path: Path, db_path: Path) -> None:
    from indexer.text.analysis import syllables
    from indexer.backends.whoosh import store

    tmp = db_path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, outlet UNINDEXED, category UNINDEXED, "
               "published UNINDEXED, tokenize='unicode61')")
    ix = store.open_index(index_path)
    rows = []
    with ix.reader() as r:
        for docnum, f in r.iter_docs():
            fold = lambda t: " ".join(s.fold for s in syllables(t or ""))
            rows.append((fold(f.get("title")), fold(f.get("body")), f.get("outlet"), f.get("category"),
                         f.get("published")))
            if len(rows) >= 2000:
                db.executemany("INSERT INTO fts VALUES (?,?,?,?,?)", rows)
                rows = []
    db.executemany("INSERT INTO fts VALUES (?,?,?,?,?)", rows)
    db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    db.commit()
    db.close()
    tmp.rename(db_path)


def fts_query(q: str, any_word: bool = False) -> str:
    import re

    from indexer.text.normalize import fold

    q = fold(q)
    if q.startswith('"'):
        return '"' + " ".join(q.strip('"').split()) + '"'
    words = re.findall(r"\w+", q)
    return " OR ".join(words) if any_word else " AND ".join(words)


def runtime_queries(engine, n: int = 10, seed: int = 5) -> dict[str, list[str]]:
    """The ``question`` and ``long`` kinds, read at run time (never stored in the repository)."""
    import random
    import re

    from relevance import VIQUAD

    out: dict[str, list[str]] = {}
    qfile = VIQUAD / "queries.tsv"
    if qfile.exists():
        lines = [ln.split("\t", 1)[1] for ln in qfile.read_text(encoding="utf-8").splitlines() if "\t" in ln]
        out["question"] = random.Random(seed).sample(lines, min(n, len(lines)))
    s = engine.searcher()
    rng = random.Random(seed)
    total = s.reader().doc_count_all()
    longs: list[str] = []
    for _ in range(50 * n):
        if len(longs) >= n:
            break
        d = rng.randrange(total)
        if not s.reader().is_deleted(d):
            body = s.stored_fields(d).get("body") or ""
            sents = [x.strip(' ."“”') for x in re.split(r"(?<=[.!?…])\s+", body)
                     if 10 <= len(re.findall(r"[^\W_]+", x)) <= 15 and not any(c.isdigit() for c in x)]
            if sents:
                longs.append(rng.choice(sents))
    out["long"] = longs
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=["1k", "10k", "20k", "full"], default="10k")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    ap.add_argument("--index", type=Path, help="an index elsewhere (default WORKDIR/SIZE/index)")
    ap.add_argument("--hostile-rounds", type=int, default=3, help="Rounds of the worst-case queries (0: none).")
    ap.add_argument("--only-hostile", action="store_true", help="Only the worst-case queries.")
    args = ap.parse_args()
    work = args.workdir / args.size
    index_path = args.index or work / "index"
    work.mkdir(parents=True, exist_ok=True)
    if not index_path.exists():
        raise SystemExit(f"no index at {index_path}: run bench/ingest.py --size {args.size} first")
    db_path = (args.index.parent / f"fts5-{args.index.name}.sqlite") if args.index else work / "fts5.sqlite"
    if not db_path.exists() and not args.only_hostile:
        t = time.perf_counter()
        build_fts(index_path, db_path)
        print(f"built FTS5 table in {time.perf_counter() - t:.1f} s", flush=True)

    import indexer.search.engine as search_mod
    from indexer.config import load_config
    from indexer.search.engine import SearchEngine, SearchRequest

    # $VNSEARCH_CONFIG, as for the CLI, to measure other settings (postings_cache_mb, say)
    cfg = load_config(os.environ.get("VNSEARCH_CONFIG") or str(ROOT / "config.toml")).with_overrides(
        **{"paths.index": str(index_path)})
    print(f"search.postings_cache_mb = {cfg.search.postings_cache_mb}", flush=True)
    engine = SearchEngine(cfg)
    engine._results = search_mod._ResultCache(0)  # measure searching, not the result cache
    stats = engine.stats()
    top_cat = next(iter(stats["category"]))
    top_outlet = next(iter(stats["outlet"]))
    dates = stats.get("date_range") or ["2000-01-01", "2030-12-31"]
    filt_reqs = []
    for i, q in enumerate(FILTERED):
        kind = i % 3
        if kind == 0:
            filt_reqs.append((q, {"category": [top_cat]}, "category = ?", (top_cat,)))
        elif kind == 1:
            filt_reqs.append((q, {"outlet": [top_outlet]}, "outlet = ?", (top_outlet,)))
        else:
            filt_reqs.append((q, {"date_from": dates[0][:4]}, "published >= ?", (dates[0][:4],)))

    if args.only_hostile:
        res = {"size": args.size, "docs": stats["documents"], "hostile": run_hostile(engine, args.hostile_rounds)}
        print("saved", save_result(args.workdir, f"query-hostile-{args.size}", res))
        return
    db = sqlite3.connect(db_path)
    jobs = []  # (kind, query, request kwargs, fts where, fts params)
    queries = dict(QUERIES, **runtime_queries(engine))
    for kind, qs in queries.items():
        jobs += [(kind, q, {}, "", ()) for q in qs]
    jobs += [("filtered", q, kw, w, p) for q, kw, w, p in filt_reqs]

    orig = (search_mod.snippet, search_mod.highlight_all)
    asked = set(queries.get("question", ()))
    story = (search_mod.timeline_of, search_mod.entity_facets)
    inside: dict[str, list[float]] = {}  # (kind) -> ms the two took inside each "vnsearch" search

    def timed(fn, into: list[float]):
        def run(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                into.append((time.perf_counter() - t0) * 1000)
        return run

    def run_vn(q, kw, snippets: bool, story_tools: bool = True, kind: str = "") -> float:
        if not snippets:
            search_mod.snippet = lambda text, *a, **k: ""
            search_mod.highlight_all = lambda text, *a, **k: ""
        spent: list[float] = []
        if not story_tools:  # the search page as it was before the timeline and entity facets
            search_mod.timeline_of = lambda *a, **k: None
            search_mod.entity_facets = lambda *a, **k: {}
        elif snippets and kind:  # the cost of the two, timed inside the same searches
            search_mod.timeline_of, search_mod.entity_facets = timed(story[0], spent), timed(story[1], spent)
        t = time.perf_counter()
        res = engine.search(SearchRequest(q=q, **kw))
        dt = (time.perf_counter() - t) * 1000
        if kind and spent:
            inside.setdefault(kind, []).append(sum(spent))
            inside.setdefault("all", []).append(sum(spent))
        search_mod.snippet, search_mod.highlight_all = orig
        search_mod.timeline_of, search_mod.entity_facets = story
        return dt, res.total

    def run_fts(q, where, params) -> float:
        sql = ("SELECT rowid, title, snippet(fts, 1, '<mark>', '</mark>', '…', 40) FROM fts "
               "WHERE fts MATCH ?" + (" AND " + where if where else "") + " ORDER BY bm25(fts) LIMIT 10")
        t = time.perf_counter()
        rows = db.execute(sql, (fts_query(q, any_word=q in asked), *params)).fetchall()
        return (time.perf_counter() - t) * 1000, len(rows)

    lat = {}  # (engine, kind) -> [ms]
    for kind, q, kw, w, p in jobs:  # warm-up: open searchers, fill the per-term caches
        dt, _n = run_vn(q, kw, True)
        lat.setdefault(("first run", kind), []).append(dt)
        lat.setdefault(("first run", "all"), []).append(dt)
        run_fts(q, w, p)
    totals = {}
    paired: dict[str, list[float]] = {}  # kind -> (with - without) of each pair, ms

    def add(eng: str, kind: str, dt: float) -> None:
        lat.setdefault((eng, kind), []).append(dt)
        lat.setdefault((eng, "all"), []).append(dt)

    # One engine through all the queries, then the next: a query run right after the
    # same query would find its posting blocks decoded already (indexer.backends.whoosh.postings' LRU).
    # The story tools' pass runs each query twice in a row (with and without, alternating).
    for r in range(args.rounds):
        engines = (("vnsearch", "story pairs", "no snippets", "FTS5") if r % 2 == 0
                   else ("story pairs", "no snippets", "vnsearch", "FTS5"))
        for eng in engines:
            for j, (kind, q, kw, w, p) in enumerate(jobs):
                if eng == "FTS5":
                    add(eng, kind, run_fts(q, w, p)[0])
                elif eng == "story pairs":
                    with_first = (j + r) % 2 == 0
                    got = {}
                    for on in ((True, False) if with_first else (False, True)):
                        got[on] = run_vn(q, kw, True, story_tools=on)[0]
                    add("with story tools", kind, got[True])
                    add("no story tools", kind, got[False])
                    for key in (kind, "all"):
                        paired.setdefault(key, []).append(got[True] - got[False])
                else:
                    dt, n = run_vn(q, kw, eng != "no snippets", kind=kind if eng == "vnsearch" else "")
                    totals[q + str(kw)] = n
                    add(eng, kind, dt)
    kinds = list(queries) + ["filtered", "all"]
    rows = []
    res = {"size": args.size, "rounds": args.rounds, "docs": stats["documents"],
           "segments": _segments(index_path), "kinds": {}}
    for kind in kinds:
        v, n, f = lat[("vnsearch", kind)], lat[("no snippets", kind)], lat[("FTS5", kind)]
        c = lat[("first run", kind)]
        r = {"first_p50": median(c), "first_p95": pct(c, 95),
             "vnsearch_p50": median(v), "vnsearch_p95": pct(v, 95), "nosnip_p50": median(n),
             "nosnip_p95": pct(n, 95), "fts5_p50": median(f), "fts5_p95": pct(f, 95)}
        r = {k: round(x, 2) for k, x in r.items()}
        r["ratio_p50"] = round(r["vnsearch_p50"] / r["fts5_p50"], 2) if r["fts5_p50"] else None
        r["ratio_p95"] = round(r["vnsearch_p95"] / r["fts5_p95"], 2) if r["fts5_p95"] else None
        res["kinds"][kind] = r
        rows.append([kind, f"{r['first_p50']} / {r['first_p95']}", f"{r['vnsearch_p50']} / {r['vnsearch_p95']}", f"{r['nosnip_p50']} / {r['nosnip_p95']}",
                     f"{r['fts5_p50']} / {r['fts5_p95']}", f"{r['ratio_p50']} / {r['ratio_p95']}"])
    print(table(rows, [f"{args.size} ({stats['documents']} docs), ms p50 / p95", "first run (caches filling)",
                       "vnsearch (10 snippets)",
                       "no snippets", "FTS5 + snippet()", "vnsearch / FTS5"]))
    story_rows = []
    for kind in kinds:
        v, w = lat[("with story tools", kind)], lat[("no story tools", kind)]
        diffs = paired[kind]
        row = res["kinds"][kind]
        row["withstory_p50"] = round(median(v), 2)
        row["nostory_p50"] = round(median(w), 2)
        row["story_paired_diff_p50"] = round(median(diffs), 3)
        row["story_pairs"] = len(diffs)
        spent = inside.get(kind, [0.0])
        row["story_inside_p50"] = round(median(spent), 3)
        row["story_inside_p95"] = round(pct(spent, 95), 3)
        story_rows.append([kind, round(median(v), 2), round(median(w), 2), f"{median(diffs):.2f} ({len(diffs)})",
                           f"{median(spent):.2f} / {pct(spent, 95):.2f}"])
    print(table(story_rows, ["ms p50, same run, in pairs", "with timeline + entity facets", "without",
                             "median paired difference (pairs)", "the two inside each search, p50 / p95"]))
    res["median_hits"] = median(list(totals.values()))
    if args.hostile_rounds:
        res["hostile"] = run_hostile(engine, args.hostile_rounds)
    print("saved", save_result(args.workdir, f"query-{args.size}", res))


def _segments(index_path: Path) -> int:
    from indexer.backends.whoosh import store

    ix = store.open_index(index_path)
    try:
        return len(ix._segments())
    finally:
        ix.close()


if __name__ == "__main__":
    main()
