"""Ingest throughput: end-to-end ``vnsearch index`` against the pyvi floor, same run.

    .venv/bin/python bench/ingest.py --size 10k --runs 3
    nice .venv/bin/python bench/ingest.py --size full --runs 1

For each run (alternating, so machine noise hits both alike):

* **floor**: pyvi only (``ViTokenizer.tokenize`` on title and body of every input
  article, model loaded before forking) in a pool of ``--processes`` processes;
  input articles per second;
* **ingest**: ``vnsearch index INPUTS --processes N`` into a fresh index with an empty
  token cache; indexed articles per second (duplicates are skipped, not counted);
  peak resident memory of the main process and of the largest worker (ru_maxrss);
  index size on disk per MB of article text (UTF-8 title + body).

With ``--dask``, each run also builds the same index with ``vnsearch index --dask`` on a
Dask cluster of ``--processes`` single-threaded workers started here on 127.0.0.1 (the
same cores), and reports its rate against the local build's, the coordinator's CPU per
article and the index size.

Prints medians and the ratio ingest/floor; writes ``WORKDIR/results/ingest-SIZE.json``.
The last run's index and token cache stay in ``WORKDIR/SIZE/`` for ``bench/reindex.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import resource
import shutil
import time
from pathlib import Path

from common import (DEFAULT_WORKDIR, corpus_inputs, du, iter_records, median, save_result, summary_counts,
                    table, text_megabytes, vnsearch)


def _tok(rec):
    from pyvi import ViTokenizer

    ViTokenizer.tokenize(rec[0])
    ViTokenizer.tokenize(rec[1])
    return 1


def floor(inputs: list[Path], processes: int) -> tuple[int, float, float]:
    """(articles, seconds, CPU seconds) for pyvi alone over the inputs."""
    from pyvi import ViTokenizer

    ViTokenizer.tokenize("khởi động mô hình")  # load the model before forking
    recs = ((r.get("title") or "", r.get("body") or "") for r in iter_records(inputs))
    c0 = _cpu()
    t = time.perf_counter()
    if processes == 1:
        n = sum(_tok(r) for r in recs)
    else:
        pool = multiprocessing.get_context("fork").Pool(processes)
        n = sum(pool.imap_unordered(_tok, recs, chunksize=8))
        pool.close()
        pool.join()
    return n, time.perf_counter() - t, _cpu() - c0


def _cpu() -> float:
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def ingest(inputs: list[Path], processes: int, work: Path, dask: str | None = None) -> dict:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    where = ["--dask", dask] if dask else ["--processes", str(processes)]
    secs, out, err, ru = vnsearch(["index", *map(str, inputs), "--index", str(work / "index"),
                                   "--cache", str(work / "cache"), *where, "--quiet"], rusage=True)
    counts = summary_counts(out)
    return {"seconds": secs, "counts": counts, "rate": counts.get("indexed", 0) / secs,
            "cpu": ru["user"] + ru["sys"],
            "main_rss_mb": ru["self_kb"] / 1024, "worker_rss_mb": ru["children_kb"] / 1024,
            "index_bytes": du(work / "index.gen")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=["1k", "10k", "20k", "full"], default="10k")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    ap.add_argument("--no-floor", action="store_true", help="skip the pyvi-only floor")
    ap.add_argument("--dask", action="store_true", help="also build on a local Dask cluster of --processes workers")
    args = ap.parse_args()
    inputs = corpus_inputs(args.size, args.workdir)
    mb = text_megabytes(inputs)
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(_dask_cluster(args.processes)) if args.dask else None
        _runs(args, inputs, mb, cluster)


@contextlib.contextmanager
def _dask_cluster(workers: int):
    """A scheduler (in this process) and ``workers`` worker processes, one thread each."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def _runs(args, inputs: list[Path], mb: float, dask: str | None) -> None:
    floors, runs, cpu_ratios, dask_runs = [], [], [], []
    for i in range(args.runs):
        if not args.no_floor:
            n, s, fcpu = floor(inputs, args.processes)
            floors.append(n / s)
            print(f"run {i + 1}: floor   {n} articles in {s:.1f} s = {n / s:.1f}/s, "
                  f"CPU {fcpu / n * 1000:.2f} ms/article", flush=True)
        r = ingest(inputs, args.processes, args.workdir / args.size)
        runs.append(r)
        if not args.no_floor:
            # CPU per article: robust to other load on the machine (wall time is not)
            cpu_ratios.append((fcpu / n) / (r["cpu"] / max(1, r["counts"].get("indexed", 0))))
        print(f"run {i + 1}: ingest  {r['counts']} in {r['seconds']:.1f} s = {r['rate']:.1f}/s; "
              f"CPU {r['cpu'] / max(1, r['counts'].get('indexed', 0)) * 1000:.2f} ms/article; "
              f"RSS main {r['main_rss_mb']:.0f} MB, worker {r['worker_rss_mb']:.0f} MB", flush=True)
        if dask:
            d = ingest(inputs, args.processes, args.workdir / f"{args.size}-dask", dask)
            dask_runs.append(d)
            print(f"run {i + 1}: dask    {d['counts']} in {d['seconds']:.1f} s = {d['rate']:.1f}/s "
                  f"({d['rate'] / r['rate']:.2f} x local); coordinator CPU "
                  f"{d['cpu'] / max(1, d['counts'].get('indexed', 0)) * 1000:.2f} ms/article", flush=True)
    rate = median([r["rate"] for r in runs])
    fl = median(floors) if floors else float("nan")
    ratios = [r["rate"] / f for r, f in zip(runs, floors)]
    last = runs[-1]
    res = {
        "size": args.size, "processes": args.processes, "runs": args.runs, "text_mb": round(mb, 2),
        "ingest_rate": round(rate, 1), "floor_rate": round(fl, 1),
        "ratio_median": round(median(ratios), 3) if ratios else None,
        "ratios": [round(x, 3) for x in ratios],
        "cpu_ratio_median": round(median(cpu_ratios), 3) if cpu_ratios else None,
        "seconds_median": round(median([r["seconds"] for r in runs]), 1),
        "cpu_seconds_median": round(median([r["cpu"] for r in runs]), 1),
        "indexed": last["counts"].get("indexed"),
        "main_rss_mb": round(max(r["main_rss_mb"] for r in runs)),
        "worker_rss_mb": round(max(r["worker_rss_mb"] for r in runs)),
        "peak_rss_total_mb": round(max(r["main_rss_mb"] + args.processes * r["worker_rss_mb"] for r in runs)),
        "index_mb": round(last["index_bytes"] / 1e6, 1),
        "index_mb_per_text_mb": round(last["index_bytes"] / 1e6 / mb, 2),
    }
    rows = []
    if dask_runs:
        res["dask_rate"] = round(median([d["rate"] for d in dask_runs]), 1)
        res["dask_ratio_median"] = round(median([d["rate"] / r["rate"] for d, r in zip(dask_runs, runs)]), 3)
        res["dask_coordinator_cpu_ms"] = round(median([d["cpu"] / max(1, d["counts"].get("indexed", 0)) * 1000
                                                      for d in dask_runs]), 2)
        res["dask_index_mb"] = round(dask_runs[-1]["index_bytes"] / 1e6, 1)
        rows = [["ingest on Dask (same cores)", f"{res['dask_rate']} articles/s",
                 f"{res['dask_ratio_median']} x local (same-run ratio)"],
                ["Dask coordinator CPU", f"{res['dask_coordinator_cpu_ms']} ms/article",
                 f"index {res['dask_index_mb']} MB"]]
    print(table([
        ["ingest (vnsearch index)", f"{res['ingest_rate']} articles/s", f"{res['seconds_median']} s"],
        ["pyvi floor, same processes", f"{res['floor_rate']} articles/s", ""],
        ["ingest / floor (same-run ratio, wall clock)", res["ratio_median"], "target >= 0.8"],
        ["floor CPU / ingest CPU per article", res["cpu_ratio_median"], "same, robust to other load"],
        ["peak RSS main + N x worker", f"{res['peak_rss_total_mb']} MB",
         f"main {res['main_rss_mb']} MB, worker {res['worker_rss_mb']} MB"],
        ["index size", f"{res['index_mb']} MB", f"{res['index_mb_per_text_mb']} MB per MB of text ({res['text_mb']} MB)"],
        *rows,
    ], [f"ingest, {args.size}, {args.processes} processes, median of {args.runs}", "value", "note"]))
    print("saved", save_result(args.workdir, f"ingest-{args.size}", res))


if __name__ == "__main__":
    main()
