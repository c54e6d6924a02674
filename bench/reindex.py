"""Re-indexing: an unchanged corpus, and a forced ``--rebuild`` with a warm token cache.

    .venv/bin/python bench/reindex.py --size 10k --runs 3
    nice .venv/bin/python bench/reindex.py --size full --runs 1

Uses the index and token cache ``bench/ingest.py`` left in ``WORKDIR/SIZE/`` (builds
them first when missing, timing that first build). Each run times:

* ``vnsearch index INPUTS`` again (nothing changed: expect 0 indexed, all unchanged,
  and no pyvi call);
* ``vnsearch index INPUTS --rebuild`` (a new generation from the token cache: no pyvi),
  compared with the first build's time from ``results/ingest-SIZE.json`` (or the
  build made here).

An index without a per-file manifest (built before manifests existed) first gets one
unchanged run that reads every file and writes the manifest; it is timed and reported
apart (``unchanged_first_seconds``), since later runs skip unchanged files unread.

Prints medians and ratios (wall clock, and CPU seconds including the worker processes,
which other load on the machine distorts less); writes ``WORKDIR/results/reindex-SIZE.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import DEFAULT_WORKDIR, corpus_inputs, median, save_result, summary_counts, table, vnsearch

from indexer.build.manifest import MANIFEST_NAME


def run(inputs, work: Path, processes: int, *extra) -> tuple[float, dict, dict]:
    secs, out, _err, ru = vnsearch(["index", *map(str, inputs), "--index", str(work / "index"),
                                    "--cache", str(work / "cache"), "--processes", str(processes),
                                    "--quiet", *extra], rusage=True)
    return secs, summary_counts(out), ru


def _cpu(ru: dict | None) -> float:
    return ru["user"] + ru["sys"] if ru else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=["1k", "10k", "full"], default="10k")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = ap.parse_args()
    inputs = corpus_inputs(args.size, args.workdir)
    work = args.workdir / args.size
    first = first_cpu = None
    if not (work / "index").exists():
        secs, counts, ru = run(inputs, work, args.processes)
        first, first_cpu = secs, _cpu(ru)
        print(f"first build: {counts} in {secs:.1f} s (CPU {first_cpu:.1f} s)", flush=True)
    else:
        res = args.workdir / "results" / f"ingest-{args.size}.json"
        if res.exists():
            data = json.loads(res.read_text())
            first, first_cpu = data["seconds_median"], data.get("cpu_seconds_median")
    priming = None
    if not (work / "index").resolve().joinpath(MANIFEST_NAME).exists():
        secs, counts, ru = run(inputs, work, args.processes)
        priming = secs
        print(f"first unchanged run (reads every file, writes the manifest): {counts} in {secs:.1f} s "
              f"(CPU {_cpu(ru):.1f} s)", flush=True)
    unchanged, rebuilt, unchanged_cpu, rebuilt_cpu = [], [], [], []
    for i in range(args.runs):
        secs, counts, ru = run(inputs, work, args.processes)
        assert counts.get("indexed") == 0 and counts.get("updated") == 0, counts
        unchanged.append(secs)
        unchanged_cpu.append(_cpu(ru))
        print(f"run {i + 1}: unchanged {counts} in {secs:.1f} s (CPU {_cpu(ru):.1f} s)", flush=True)
        secs, counts, ru = run(inputs, work, args.processes, "--rebuild")
        rebuilt.append(secs)
        rebuilt_cpu.append(_cpu(ru))
        print(f"run {i + 1}: rebuild   {counts} in {secs:.1f} s (CPU {_cpu(ru):.1f} s)", flush=True)
    res = {
        "size": args.size, "processes": args.processes, "runs": args.runs,
        "unchanged_seconds": round(median(unchanged), 1),
        "unchanged_cpu_seconds": round(median(unchanged_cpu), 1),
        "unchanged_first_seconds": round(priming, 1) if priming is not None else None,
        "rebuild_warm_seconds": round(median(rebuilt), 1),
        "rebuild_warm_cpu_seconds": round(median(rebuilt_cpu), 1),
        "first_build_seconds": first,
        "first_build_cpu_seconds": round(first_cpu, 1) if first_cpu else None,
        "rebuild_speedup": round(first / median(rebuilt), 2) if first else None,
        "rebuild_cpu_speedup": round(first_cpu / median(rebuilt_cpu), 2) if first_cpu else None,
        "all_unchanged": [round(x, 1) for x in unchanged], "all_rebuild": [round(x, 1) for x in rebuilt],
    }
    print(table([
        ["unchanged re-index", f"{res['unchanged_seconds']} s", "target < 30 s (full corpus)"]] + ([
        ["  first one after an upgrade (writes the manifest)", f"{res['unchanged_first_seconds']} s", ""]]
         if priming is not None else []) + [
        ["--rebuild, warm token cache", f"{res['rebuild_warm_seconds']} s", f"CPU {res['rebuild_warm_cpu_seconds']} s"],
        ["first build / warm rebuild", res["rebuild_speedup"], f"first build {first} s; target >= 3"],
        ["same, in CPU seconds", res["rebuild_cpu_speedup"], f"first build CPU {res['first_build_cpu_seconds']} s"],
    ], [f"re-index, {args.size}, median of {args.runs}", "value", "note"]))
    print("saved", save_result(args.workdir, f"reindex-{args.size}", res))


if __name__ == "__main__":
    main()
