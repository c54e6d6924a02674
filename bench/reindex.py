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

Prints medians and ratios; writes ``WORKDIR/results/reindex-SIZE.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import DEFAULT_WORKDIR, corpus_inputs, median, save_result, summary_counts, table, vnsearch


def run(inputs, work: Path, processes: int, *extra) -> tuple[float, dict, dict]:
    secs, out, _err, ru = vnsearch(["index", *map(str, inputs), "--index", str(work / "index"),
                                    "--cache", str(work / "cache"), "--processes", str(processes),
                                    "--quiet", *extra], rusage=True)
    return secs, summary_counts(out), ru


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=["1k", "10k", "full"], default="10k")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = ap.parse_args()
    inputs = corpus_inputs(args.size, args.workdir)
    work = args.workdir / args.size
    first = None
    if not (work / "index").exists():
        secs, counts, _ = run(inputs, work, args.processes)
        first = secs
        print(f"first build: {counts} in {secs:.1f} s", flush=True)
    else:
        res = args.workdir / "results" / f"ingest-{args.size}.json"
        if res.exists():
            first = json.loads(res.read_text())["seconds_median"]
    unchanged, rebuilt = [], []
    for i in range(args.runs):
        secs, counts, _ = run(inputs, work, args.processes)
        assert counts.get("indexed") == 0 and counts.get("updated") == 0, counts
        unchanged.append(secs)
        print(f"run {i + 1}: unchanged {counts} in {secs:.1f} s", flush=True)
        secs, counts, ru = run(inputs, work, args.processes, "--rebuild")
        rebuilt.append(secs)
        print(f"run {i + 1}: rebuild   {counts} in {secs:.1f} s (CPU {ru['user'] + ru['sys']:.1f} s)", flush=True)
    res = {
        "size": args.size, "processes": args.processes, "runs": args.runs,
        "unchanged_seconds": round(median(unchanged), 1),
        "rebuild_warm_seconds": round(median(rebuilt), 1),
        "first_build_seconds": first,
        "rebuild_speedup": round(first / median(rebuilt), 2) if first else None,
        "all_unchanged": [round(x, 1) for x in unchanged], "all_rebuild": [round(x, 1) for x in rebuilt],
    }
    print(table([
        ["unchanged re-index", f"{res['unchanged_seconds']} s", "target < 30 s (full corpus)"],
        ["--rebuild, warm token cache", f"{res['rebuild_warm_seconds']} s", ""],
        ["first build / warm rebuild", res["rebuild_speedup"], f"first build {first} s; target >= 3"],
    ], [f"re-index, {args.size}, median of {args.runs}", "value", "note"]))
    print("saved", save_result(args.workdir, f"reindex-{args.size}", res))


if __name__ == "__main__":
    main()
