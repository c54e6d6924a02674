"""Shared helpers for the benchmarks: corpus subsets, timing, subprocess with rusage.

Benchmarks run from the repository root (``.venv/bin/python bench/ingest.py ...``) and
keep everything they write under ``--workdir`` (default ``/tmp/vnsearch-bench``), never
inside the repository.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("VNSEARCH_CORPUS", ROOT.parent / "shared" / "corpus"))
FULL_FILES = [CORPUS / "vntc.jsonl.gz", CORPUS / "unc-dantri.jsonl.gz"]
DEFAULT_WORKDIR = Path(os.environ.get("VNSEARCH_BENCH_DIR", "/tmp/vnsearch-bench"))
PY = sys.executable
SIZES = {"1k": 1_000, "10k": 10_000, "20k": 20_000, "full": None}

sys.path.insert(0, str(ROOT))


def corpus_inputs(size: str, workdir: Path) -> list[Path]:
    """Input files for a subset: the two corpus files, or a fixed random sample of them."""
    n = SIZES[size]
    if n is None:
        return FULL_FILES
    out = workdir / f"subset-{size}.jsonl"
    if not out.exists():
        lines: list[str] = []
        for f in FULL_FILES:
            with gzip.open(f, "rt", encoding="utf-8") as fh:
                lines.extend(fh)
        random.Random(6).shuffle(lines)
        workdir.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        tmp.write_text("".join(lines[:n]), encoding="utf-8")
        tmp.rename(out)
    return [out]


def iter_records(paths: list[Path]):
    for p in paths:
        opener = gzip.open if p.suffix == ".gz" else open
        with opener(p, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def text_megabytes(paths: list[Path]) -> float:
    return sum(len(((r.get("title") or "") + "\n" + (r.get("body") or "")).encode("utf-8"))
               for r in iter_records(paths)) / 1e6


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def pct(xs, p: float):
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))
    return s[k]


def du(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except OSError:
                pass
    return total


RUSAGE_WRAPPER = r"""
import json, resource, sys, runpy
sys.argv = sys.argv[1:]
code = 0
try:
    from indexer.cli import main
    main(standalone_mode=False)
except SystemExit as e:
    code = e.code or 0
s = resource.getrusage(resource.RUSAGE_SELF); c = resource.getrusage(resource.RUSAGE_CHILDREN)
print("RUSAGE " + json.dumps({"self_kb": s.ru_maxrss, "children_kb": c.ru_maxrss,
      "user": s.ru_utime + c.ru_utime, "sys": s.ru_stime + c.ru_stime}), file=sys.stderr)
sys.exit(code)
"""


def vnsearch(args: list[str], *, rusage: bool = False, check: bool = True):
    """Run ``vnsearch ARGS`` in a subprocess; returns (seconds, stdout, stderr, rusage dict)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [PY, "-c", RUSAGE_WRAPPER, "vnsearch", *args] if rusage else [PY, "-m", "indexer.cli", *args]
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    secs = time.perf_counter() - t
    ru = None
    for line in r.stderr.splitlines():
        if line.startswith("RUSAGE "):
            ru = json.loads(line[7:])
    if check and r.returncode != 0:
        raise RuntimeError(f"vnsearch {' '.join(args)} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return secs, r.stdout, r.stderr, ru


def summary_counts(text: str) -> dict:
    """Parse the ``indexed N, updated N, unchanged N, skipped N, failed N in S s`` line."""
    import re

    for line in text.splitlines():
        if line.startswith("indexed "):
            return {w: int(n) for w, n in re.findall(r"(indexed|updated|unchanged|skipped|failed|pruned) (\d+)", line)}
    return {}


def table(rows: list[list], header: list[str]) -> str:
    rows = [[str(c) for c in r] for r in rows]
    w = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    line = lambda cells: "| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(cells)) + " |"
    return "\n".join([line(header), "|" + "|".join("-" * (x + 2) for x in w) + "|"] + [line(r) for r in rows])


def save_result(workdir: Path, name: str, data: dict) -> Path:
    out = workdir / "results"
    out.mkdir(parents=True, exist_ok=True)
    p = out / f"{name}.json"
    p.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    return p
