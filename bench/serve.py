"""Serving: requests/s and latency of ``vnsearch serve`` (gunicorn) under wrk.

    .venv/bin/python bench/serve.py --size 10k
    .venv/bin/python bench/serve.py --size full --duration 20

Starts ``vnsearch serve --workers 2`` on 127.0.0.1 over the index ``bench/ingest.py`` left
in ``WORKDIR/SIZE/index``, waits until it answers, then runs ``wrk --latency`` (a
separate process, 2 threads) for ``--duration`` seconds at 8 and 32 connections
against ``/api/search`` and the HTML search page, rotating through 50 queries of
every kind (a Lua script); records requests/s, p50/p99 latency and non-2xx answers,
then the resident memory of each gunicorn worker, and stops the server.

Cold start: the first pass over the API queries (each query once, in order, one at a
time) is timed on the freshly started workers; then the same queries once more on the
warm workers, and once more right after a commit to the served index (one real corpus
article, re-keyed, indexed while the server runs: the workers switch to the new index
state and its background re-read of recent terms). Each pass changes ``per_page`` so the
result cache never answers. Printed as p50/p95 with the ratios to the warm pass. (The
served index keeps that one extra article; ``bench/ingest.py`` makes a fresh one.)
Writes ``WORKDIR/results/serve-SIZE.json``.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

from common import DEFAULT_WORKDIR, PY, ROOT, pct, save_result, table
from query import FILTERED, QUERIES

WRK = os.environ.get("WRK", "/usr/bin/wrk")


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _lua(paths: list[str], out: Path) -> Path:
    items = ",\n".join('  "' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    out.write_text(f"""local paths = {{
{items}
}}
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
""", encoding="utf-8")
    return out


def _ms(v: str, unit: str) -> float:
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, script: Path, conns: int, duration: int) -> dict:
    r = subprocess.run([WRK, "-t2", f"-c{conns}", f"-d{duration}s", "--latency", "--timeout", "10s",
                        "-s", str(script), url], capture_output=True, text=True)
    out = r.stdout
    res = {"raw": out}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["rps"] = float(m.group(1)) if m else 0.0
    for p in ("50", "75", "90", "99"):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s|m)\b", out)
        res[f"p{p}"] = _ms(*m.groups()) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"(\d+) requests in", out)
    res["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors:(.*)", out)
    res["socket_errors"] = m.group(1).strip() if m else ""
    return res


def worker_rss_mb(master: int) -> list[dict]:
    """Per gunicorn worker: RSS, PSS, private and anonymous memory (MB), from smaps_rollup.

    Segments are read with plain reads (no mmap), so RSS is mostly the worker's own heap
    (``anon``): Python, the searchers and the per-process caches of indexer.backends.whoosh.postings."""
    out = subprocess.run(["ps", "--ppid", str(master), "-o", "pid="], capture_output=True, text=True).stdout
    res = []
    for pid in out.split():
        mem = {}
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
                k, v = line.split(":")
                mem[k] = int(v.split()[0]) / 1024
        except OSError:
            continue
        res.append({"rss": round(mem.get("Rss", 0)), "pss": round(mem.get("Pss", 0)),
                    "private": round(mem.get("Private_Clean", 0) + mem.get("Private_Dirty", 0)),
                    "anon": round(mem.get("Anonymous", 0))})
    return res


def _timed(base: str, paths: list[str], suffix: str) -> list[float]:
    """Each path once, one at a time: latencies in ms (answers from the server, not the network)."""
    out = []
    for p in paths:
        t = time.perf_counter()
        urllib.request.urlopen(base + p + suffix, timeout=60).read()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _commit_one(index_path: Path, workdir: Path, env: dict) -> None:
    """Index one real article under a new id into the served index (one commit)."""
    import json

    from common import FULL_FILES, iter_records

    records = iter_records(FULL_FILES[-1:])
    rec = dict(next(records))
    records.close()
    rec["id"] = f"bench-commit-{time.time_ns()}"
    rec["body"] = (rec.get("body") or "") + f"\n{rec['id']}"  # new text: not a duplicate
    path = workdir / "commit-one.jsonl"
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    subprocess.run([PY, "-m", "indexer.cli", "index", str(path), "--index", str(index_path),
                    "--cache", str(index_path.parent / "cache"), "--quiet"],
                   cwd=ROOT, env=env, check=True, capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=["1k", "10k", "full"], default="10k")
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--connections", default="8,32")
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    ap.add_argument("--no-result-cache", action="store_true",
                    help="serve with search.result_cache = 0: every request really searches")
    ap.add_argument("--postings-cache-mb", type=int, default=None,
                    help="serve with this search.postings_cache_mb (default: config.toml's)")
    ap.add_argument("--preload-mb", type=int, default=None,
                    help="serve with this server.preload_mb (default: config.toml's)")
    args = ap.parse_args()
    index_path = args.workdir / args.size / "index"
    if not index_path.exists():
        raise SystemExit(f"no index at {index_path}: run bench/ingest.py --size {args.size} first")
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    log = open(args.workdir / f"serve-{args.size}.log", "w")
    config_args = []
    if args.no_result_cache or args.postings_cache_mb is not None or args.preload_mb is not None:
        conf = args.workdir / "serve-config.toml"
        text = (ROOT / "config.toml").read_text(encoding="utf-8")
        if args.no_result_cache:
            text = text.replace("result_cache = 512", "result_cache = 0")
        if args.preload_mb is not None:
            text = re.sub(r"(?m)^preload_mb = \d+", f"preload_mb = {args.preload_mb}", text)
        if args.postings_cache_mb is not None:
            text = re.sub(r"(?m)^postings_cache_mb = \d+", f"postings_cache_mb = {args.postings_cache_mb}", text)
        # relative paths in a config file are relative to its folder: point at the repository's
        text = text.replace('synonyms = "indexer/data/synonyms.txt"',
                            f'synonyms = "{ROOT / "indexer/data/synonyms.txt"}"')
        conf.write_text(text, encoding="utf-8")
        assert not args.no_result_cache or "result_cache = 0" in text
        config_args = ["--config", str(conf)]
    server = subprocess.Popen([PY, "-m", "indexer.cli", *config_args, "serve", "--index", str(index_path),
                               "--host", "127.0.0.1",
                               "--port", str(port), "--workers", str(args.workers),
                               "--per-client", "100000"],  # wrk's connections stand for many users
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/api/search?q=vi%E1%BB%87t", timeout=5).read()
                break
            except Exception:
                if server.poll() is not None or time.time() > deadline:
                    raise SystemExit(f"server did not start; see {log.name}")
                time.sleep(0.5)
        queries = [q for qs in QUERIES.values() for q in qs]
        api = [f"/api/search?q={urllib.parse.quote(q)}" for q in queries]
        api += [f"/api/search?q={urllib.parse.quote(q)}&from=2006" for q in FILTERED]
        html = [f"/?q={urllib.parse.quote(q)}" for q in queries]
        cold = _timed(base, api, "&per_page=10")  # fresh workers: the first queries they see
        for p in api + html:  # warm every worker's searchers and caches
            urllib.request.urlopen(base + p, timeout=30).read()
        warm = _timed(base, api, "&per_page=11")
        _commit_one(index_path, args.workdir, env)
        time.sleep(2.0)  # the workers notice a commit within half a second
        committed = _timed(base, api, "&per_page=12")
        start = {name: {"p50": pct(lat, 50), "p95": pct(lat, 95)}
                 for name, lat in (("fresh workers", cold), ("warm", warm), ("after a commit", committed))}
        for name in ("fresh workers", "after a commit"):
            start[name]["ratio_p50"] = round(start[name]["p50"] / start["warm"]["p50"], 2)
            start[name]["ratio_p95"] = round(start[name]["p95"] / start["warm"]["p95"], 2)
        print(table([[k, f"{v['p50']:.1f}", f"{v['p95']:.1f}", v.get("ratio_p50", 1.0), v.get("ratio_p95", 1.0)]
                     for k, v in start.items()],
                    [f"cold start, {args.size}, {len(api)} API queries one at a time", "p50 ms", "p95 ms",
                     "p50 / warm", "p95 / warm"]), flush=True)
        scripts = {"/api/search": _lua(api, args.workdir / "wrk-api.lua"),
                   "HTML page": _lua(html, args.workdir / "wrk-html.lua")}
        results = {}
        rows = []
        for name, script in scripts.items():
            for conns in [int(c) for c in args.connections.split(",")]:
                r = run_wrk(base, script, conns, args.duration)
                results[f"{name} c{conns}"] = r
                print(f"{name} c{conns}: {r['rps']:.0f} req/s, p50 {r['p50']} ms, p99 {r['p99']} ms, "
                      f"non-2xx {r['non2xx']}, errors {r['socket_errors'] or 0}", flush=True)
                rows.append([name, conns, f"{r['rps']:.0f}", r["p50"], r["p99"], r["non2xx"]])
        rss = worker_rss_mb(server.pid)
        cache_note = ", result cache off" if args.no_result_cache else ""
        print(table(rows, [f"serve, {args.size}, {args.workers} gunicorn workers, wrk {args.duration} s{cache_note}",
                           "connections", "requests/s", "p50 ms", "p99 ms", "non-2xx"]))
        print("worker memory MB:", "; ".join(f"RSS {x['rss']}, PSS {x['pss']}, private {x['private']}, "
                                             f"anonymous {x['anon']}" for x in rss))
        out = {"size": args.size, "workers": args.workers, "duration": args.duration,
               "worker_memory_mb": rss, "cold_start": start,
               "results": {k: {kk: vv for kk, vv in v.items() if kk != "raw"} for k, v in results.items()}}
        name = f"serve-{args.size}" + ("-no-result-cache" if args.no_result_cache else "")
        print("saved", save_result(args.workdir, name, out))
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


if __name__ == "__main__":
    main()
