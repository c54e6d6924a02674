"""The ``vnsearch`` command: thin click wrappers over the library's functions.

Each command parses options, applies them over ``config.toml`` and calls one function
of :mod:`indexer` (build, search, fetch) or :mod:`webapp`; formatting output is all it
adds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from indexer.config import Config, ConfigError, load_config

__all__ = ["main"]


_PATH_OPTIONS = ("paths.index", "paths.cache", "paths.raw", "paths.corpus")


def _config(ctx: click.Context, **overrides) -> Config:
    """config.toml with the command line's options over it.

    Paths typed on the command line are relative to the working folder (as a user
    expects), not to the config file's folder, so they are made absolute here.
    """
    cfg: Config = ctx.obj
    for key in _PATH_OPTIONS:
        if overrides.get(key) is not None:
            overrides[key] = str(Path(overrides[key]).expanduser().absolute())
    try:
        return cfg.with_overrides(**overrides)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


index_option = click.option("--index", "index_dir", type=click.Path(file_okay=False),
                            help="Index folder (default: [paths] index in config.toml).")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="VNSEARCH_CONFIG",
              help="Configuration file (default: ./config.toml, else the project's).")
@click.version_option(package_name="vnsearch")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """vnsearch: search Vietnamese news articles on your own machine."""
    try:
        ctx.obj = load_config(config_path)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@index_option
@click.option("--rebuild", is_flag=True, help="Build a fresh index and swap it in atomically.")
@click.option("--prune", is_flag=True, help="Remove articles whose source files are gone.")
@click.option("--if-stale", is_flag=True, help="Do nothing when the index is newer than every input.")
@click.option("--processes", type=click.IntRange(min=0), help="Segmenting processes (0 = CPU cores).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), help="Token cache folder.")
@click.option("--raw", "from_raw", is_flag=True,
              help="Also index the pages stored by `vnsearch fetch` (no network needed).")
@click.option("--wait", is_flag=True, help="Wait for another writer instead of exiting.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--dask", "dask_scheduler", metavar="SCHEDULER",
              help="Read, segment and write on this Dask cluster (e.g. tcp://host:8786); "
                   "PATHS must be readable by its workers, or http(s) URLs.")
@click.pass_context
def index(ctx, paths, index_dir, rebuild, prune, if_stale, processes, cache_dir, from_raw, wait, quiet,
          dask_scheduler):
    """Index article files or folders (.txt, .html, .json, .jsonl, .jsonl.gz).

    With no PATHS (and no --raw), indexes the corpus folder from config.toml.
    Re-running indexes new articles, updates changed ones and skips unchanged ones.
    """
    from indexer.backends.whoosh import store
    from indexer.build.builder import FileInput, index_articles
    from indexer.build.progress import BuildProgress
    from indexer.ingest.readers import iter_files
    from indexer.ingest.sources import estimate_total, newest_mtime

    cfg = _config(ctx, **{"paths.index": index_dir, "index.processes": processes, "paths.cache": cache_dir})
    inputs = [Path(p) for p in paths] or ([] if from_raw else [cfg.path("corpus")])
    live = cfg.path("index")
    if if_stale and store.exists(live):
        built = store.resolve(live).stat().st_mtime
        toc = [p.stat().st_mtime for p in store.resolve(live).glob("*.toc")]
        if max(toc + [built]) >= newest_mtime(inputs):
            click.echo(f"index at {live} is up to date with {', '.join(map(str, inputs))}", err=True)
            return
    progress = BuildProgress(enabled=not quiet)
    if dask_scheduler:
        _index_on_dask(cfg, list(paths) or inputs, dask_scheduler, rebuild, prune, from_raw, wait, progress)
        return
    total = None
    if not (from_raw or quiet):
        known = None
        if not rebuild and store.exists(live):
            from indexer.build.manifest import known_counts

            known = known_counts(store.resolve(live))  # unchanged files: no need to count
        total = estimate_total(inputs, known=known)
    try:
        # Files go to the builder unread: it skips those its manifest shows unchanged.
        items = (FileInput(path) for path in iter_files(inputs))
        handled: dict[str, str] = {}
        if from_raw:
            import itertools

            from indexer.fetch.run import iter_stored_articles

            items = itertools.chain(items, iter_stored_articles(cfg, handled=handled))
        summary = index_articles(cfg, items, rebuild=rebuild, prune=prune, wait=wait,
                                 progress=progress, total=total)
        if handled:
            from indexer.fetch.run import mark_indexed

            mark_indexed(cfg, handled)  # only now: the index run that holds them returned
    except (store.IndexLockedError, store.IndexMissingError, store.IndexWriteError) as exc:
        raise click.ClickException(str(exc)) from None
    _report_build(summary, live)


def _index_on_dask(cfg, inputs, scheduler, rebuild, prune, from_raw, wait, progress) -> None:
    from indexer.backends.whoosh import store
    from indexer.build.distributed import DaskBuildError, index_on_dask

    if from_raw:
        # The raw store (fetched pages) lives on this machine only: the workers cannot read it.
        raise click.UsageError("--dask cannot be combined with --raw: the fetched pages are stored on this "
                               "machine, where the Dask workers cannot read them; run `vnsearch index --raw` "
                               "without --dask")
    try:
        summary = index_on_dask(cfg, inputs, scheduler, rebuild=rebuild, prune=prune, wait=wait,
                                progress=progress)
    except (DaskBuildError, store.IndexLockedError, store.IndexMissingError, store.IndexWriteError) as exc:
        raise click.ClickException(str(exc)) from None
    _report_build(summary, cfg.path("index"))


def _report_build(summary, live) -> None:
    """The summary lines of `vnsearch index` (exit status 1 when nothing could be read)."""
    click.echo(f"{summary.line()} -> {live}")
    for note in summary.notes:
        click.echo(f"note: {note}", err=True)
    if summary.skipped_reasons:  # each one was named above the progress bar
        click.echo("skipped: " + ", ".join(f"{n} {r}" for r, n in summary.skipped_reasons.items())
                   + " (each named above)")
    if summary.failed:  # each failure was printed, with its whole reason, as it happened
        click.echo(f"failed: {summary.failed} (each named above); exit status 1", err=True)
        sys.exit(1)


def _export(engine, req, fmt: str, limit: int, skip: int) -> None:
    """Stream result rows to stdout; the count goes to stderr (stdout stays clean data)."""
    from itertools import islice

    from indexer.backends.whoosh import store
    from indexer.search.engine import BadRequest
    from indexer.search.export import export_rows, write_rows

    try:
        rows = islice(export_rows(engine, req, limit), skip, None)
    except store.IndexMissingError as exc:
        raise click.ClickException(str(exc)) from None
    except BadRequest as exc:
        raise click.BadParameter(exc.message, param_hint=f"'{exc.param}'") from None
    written = 0

    def counted():
        nonlocal written
        for row in rows:
            written += 1
            yield row

    out = sys.stdout
    for chunk in write_rows(counted(), fmt):
        out.write(chunk)
    out.flush()
    click.echo(f"exported {written} results ({fmt})", err=True)


@main.command()
@click.argument("query")
@index_option
@click.option("--limit", type=click.IntRange(min=1), help="Results to show (default: [search] per_page).")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--outlet", multiple=True, help="Only this outlet (repeatable).")
@click.option("--category", multiple=True, help="Only this category (repeatable).")
@click.option("--from", "date_from", help="Published on or after (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--to", "date_to", help="Published on or before.")
@click.option("--sort", type=click.Choice(["relevance", "newest"]), default="relevance", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit (JSON lines).")
@click.option("--explain", is_flag=True, help="Show how the query was understood.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]),
              help="Write result rows (rank, id, title, url, outlet, category, date, author, score).")
@click.option("--all", "all_results", is_flag=True,
              help="With --format: every matching article (up to [search] export_max), not one page.")
@click.pass_context
def search(ctx, query, index_dir, limit, page, outlet, category, date_from, date_to, sort, as_json, explain,
           fmt, all_results):
    """Search the index and print the hits."""
    from indexer.backends.whoosh import store
    from indexer.search.highlight import ELLIPSIS  # noqa: F401  (documented snippet marker)
    from indexer.search.engine import BadRequest, SearchEngine, SearchRequest

    cfg = _config(ctx, **{"paths.index": index_dir})
    per_page = limit or cfg.search.per_page
    if per_page > cfg.search.max_per_page:
        cfg = cfg.with_overrides(**{"search.max_per_page": per_page})
    engine = SearchEngine(cfg)
    req = SearchRequest(q=query, page=page, per_page=per_page, outlet=list(outlet), category=list(category),
                        date_from=date_from, date_to=date_to, sort=sort, facets=False, debug=explain)
    if all_results and not fmt:
        raise click.UsageError("--all needs --format csv or --format jsonl")
    if fmt:
        _export(engine, req, fmt, cfg.search.export_max if all_results else page * per_page,
                skip=0 if all_results else (page - 1) * per_page)
        return
    try:
        result = engine.search(req)
    except store.IndexMissingError as exc:
        raise click.ClickException(str(exc)) from None
    except BadRequest as exc:
        raise click.BadParameter(exc.message, param_hint=f"'{exc.param}'") from None
    if as_json:
        for hit in result.hits:
            click.echo(json.dumps(hit.to_api(), ensure_ascii=False))
        if explain:
            click.echo(json.dumps({"explain": result.explain}, ensure_ascii=False), err=True)
        return
    if explain and result.explain:
        click.echo(json.dumps(result.explain, ensure_ascii=False, indent=2))
    click.echo(f"{result.total} results in {result.took_ms:.1f} ms{_relaxed_note(result)}")
    for n, hit in enumerate(result.hits, start=(page - 1) * per_page + 1):
        meta = " · ".join(x for x in (hit.outlet, hit.date, hit.category) if x)
        click.echo(f"\n{n}. {hit.title}  [{hit.score}]")
        if meta:
            click.echo(f"   {meta}")
        where = hit.url or (hit.id[len("file:"):] if hit.id.startswith("file:") else None)
        if where:  # a dataset's internal id means nothing to a reader: no line then
            click.echo(f"   {where}")
        click.echo("   " + _terminal_snippet(hit.snippet))
    if result.suggestion:
        click.echo(f"\nDid you mean: {result.suggestion}")
    if result.total == 0 and result.drop_suggestions:
        click.echo("No article contains: " + ", ".join(result.drop_suggestions) + " (try without them)")
    for line in result.notes:
        click.echo(f"note: {line}", err=True)


def _relaxed_note(result) -> str:
    """Why the hits lack some words, naming them."""
    if not result.relaxed:
        return ""
    if result.drop_suggestions:
        return f" (no article contains: {', '.join(result.drop_suggestions)}; showing articles with the other words)"
    return " (no article has all the words together; showing those with most of them)"


def _terminal_snippet(html_snippet: str) -> str:
    """Snippet HTML as terminal text: marks in bold when writing to a terminal."""
    from html import unescape

    bold = sys.stdout.isatty()
    text = html_snippet.replace("<mark>", "\033[1m" if bold else "[").replace("</mark>", "\033[0m" if bold else "]")
    return unescape(text)


@main.command()
@index_option
@click.option("--host", help="Address to listen on (default: [server] host).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: [server] port).")
@click.option("--workers", type=click.IntRange(min=0), help="gunicorn worker processes (0 = CPU cores).")
@click.option("--threads", type=click.IntRange(min=1), help="Threads per worker.")
@click.option("--per-client", type=click.IntRange(min=0),
              help="Requests one client address may have in progress per worker (0 = threads - 1).")
@click.option("--preload-mb", type=click.IntRange(min=0),
              help="MB of the most frequent terms' data read before forking workers (default: [server] preload_mb).")
@click.pass_context
def serve(ctx, index_dir, host, port, workers, threads, per_client, preload_mb):
    """Serve the web app and the JSON API with gunicorn."""
    from indexer.backends.whoosh import store
    from indexer.serve import ServeError, check_address, run_server

    cfg = _config(ctx, **{"paths.index": index_dir, "server.host": host, "server.port": port,
                          "server.workers": workers, "server.threads": threads,
                          "server.per_client": per_client, "server.preload_mb": preload_mb})
    live = cfg.path("index")
    try:
        check_address(cfg.server.host, cfg.server.port)  # before anything says "serving"
    except ServeError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        store.open_index(live).close()
    except store.IndexMissingError as exc:
        click.echo(f"warning: {exc}\nServing anyway: pages answer 503 until the index exists.", err=True)
    try:
        run_server(cfg)
    except ServeError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def stats(ctx, index_dir, as_json):
    """Documents, outlets, categories, date range and index size."""
    from indexer.backends.whoosh import store
    from indexer.ingest.readers.categories import relabel_note
    from indexer.search.engine import SearchEngine

    cfg = _config(ctx, **{"paths.index": index_dir})
    try:
        figures = SearchEngine(cfg).stats()
    except store.IndexMissingError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    click.echo(f"index:      {figures['index_path']}")
    click.echo(f"documents:  {figures['documents']}")
    click.echo(f"size:       {figures['index_bytes'] / 1e6:.1f} MB")
    dr = figures["date_range"]
    click.echo(f"dates:      {dr[0]} .. {dr[1]}" if dr else "dates:      (none)")
    for name, label in (("outlet", "outlets"), ("category", "categories")):
        click.echo(f"{label}:")
        for value, count in figures[name].items():
            click.echo(f"  {count:7d}  {value}")
    note = relabel_note(figures.get("relabelled_categories") or {})
    if note:
        click.echo(f"note: {note}")


@main.command()
@click.argument("urls", nargs=-1)
@index_option
@click.option("--no-index", is_flag=True, help="Only fetch and store pages; index them later.")
@click.option("--delay", type=float, help="Seconds between requests to one host.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--check-rules", is_flag=True,
              help="No network: re-read the stored pages and report site rules whose selectors matched nothing.")
@click.pass_context
def fetch(ctx, urls, index_dir, no_index, delay, quiet, check_rules):
    """Fetch article pages, RSS/Atom feeds or sitemaps (default: [fetch] sources) and index them."""
    from indexer.fetch.run import check_rules as run_check
    from indexer.fetch.run import run_fetch

    cfg = _config(ctx, **{"paths.index": index_dir, "fetch.delay": delay})
    if check_rules:
        sys.exit(run_check(cfg, echo=click.echo))
    targets = list(urls) or list(cfg.fetch.sources)
    if not targets:
        raise click.UsageError("no URL given and [fetch] sources in config.toml is empty")
    from indexer.backends.whoosh import store

    try:
        code = run_fetch(cfg, targets, index=not no_index, quiet=quiet, echo=click.echo)
    except (store.IndexLockedError, store.IndexWriteError) as exc:  # pages fetched so far stay stored
        raise click.ClickException(str(exc)) from None
    sys.exit(code)


@main.command()
@index_option
@click.option("--fall-back", "fall_back", is_flag=True,
              help="If the live generation is damaged, switch to the newest healthy previous one.")
@click.pass_context
def check(ctx, index_dir, fall_back):
    """Verify the live index: read every document, term and posting list.

    Exits 0 when it is healthy, 1 when it is damaged (naming the generation and what
    to do).
    """
    from indexer.backends.whoosh import maintenance, store

    cfg = _config(ctx, **{"paths.index": index_dir})
    live = cfg.path("index")
    if not store.resolve(live).exists():
        raise click.ClickException(f"no index at {live}: build one with `vnsearch index PATH --index {live}`")
    report = maintenance.check(store.resolve(live))
    click.echo(f"generation {report.generation}: {report.documents} documents, {report.segments} segments, "
               f"{report.terms} terms read")
    previous = maintenance.previous_generations(live)
    click.echo("previous generations: " + (", ".join(g.name for g in previous) or "none"))
    if report.ok:
        click.echo("ok")
        return
    for problem in report.problems[:20]:
        click.echo(f"damaged: {problem}", err=True)
    if not fall_back:
        hint = (f"`vnsearch check --fall-back` switches to {previous[0].name}, or " if previous else "")
        raise click.ClickException(f"the live generation {report.generation} of {live} is damaged; {hint}"
                                   f"rebuild it with `vnsearch index PATH --rebuild --index {live}`")
    try:
        gen, good = maintenance.fall_back(live)
    except (store.IndexMissingError, store.IndexLockedError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"live index now {gen.name} ({good.documents} documents); run `vnsearch index` to add "
               f"what was indexed after it was built")


@main.command()
@click.argument("dest", type=click.Path(file_okay=False))
@index_option
@click.pass_context
def snapshot(ctx, dest, index_dir):
    """Copy the live index into DEST, a folder that stands alone (safe while indexing runs)."""
    from indexer.backends.whoosh import maintenance, store

    cfg = _config(ctx, **{"paths.index": index_dir})
    try:
        info = maintenance.snapshot(cfg.path("index"), Path(dest))
    except (maintenance.SnapshotError, store.IndexMissingError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"snapshot of generation {info['generation']} ({info['documents']} documents, "
               f"{len(info['files'])} files) -> {dest}")


@main.command()
@click.argument("src", type=click.Path(file_okay=False, exists=True))
@index_option
@click.option("--wait", is_flag=True, help="Wait for a running writer instead of exiting.")
@click.pass_context
def restore(ctx, src, index_dir, wait):
    """Make the snapshot in SRC the live index (checked first; swapped in atomically)."""
    from indexer.backends.whoosh import maintenance, store

    cfg = _config(ctx, **{"paths.index": index_dir})
    try:
        gen, report = maintenance.restore(Path(src), cfg.path("index"), wait=wait)
    except (maintenance.SnapshotError, store.IndexLockedError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {report.documents} documents from {src} -> {cfg.path('index')} ({gen.name}); "
               f"the replaced generation is kept as the previous one")


@main.command()
@click.argument("folder", type=click.Path(file_okay=False))
@index_option
@click.option("--format", "fmt", type=click.Choice(["opensearch"]), default="opensearch", show_default=True,
              help="What to export for (OpenSearch and Elasticsearch read the same files).")
@click.option("--name", "index_name", default="vnsearch", show_default=True, help="Index name in the bulk actions.")
@click.option("--docs-per-file", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Documents per bulk NDJSON file.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def export(ctx, folder, index_dir, fmt, index_name, docs_per_file, quiet):
    """Write the index as an OpenSearch/Elasticsearch mapping and bulk NDJSON files in FOLDER."""
    from indexer.backends.whoosh import store
    from indexer.build.export import ExportError, export_opensearch
    from indexer.build.progress import BuildProgress

    cfg = _config(ctx, **{"paths.index": index_dir})
    try:
        summary = export_opensearch(cfg, Path(folder), index_name=index_name, docs_per_file=docs_per_file,
                                    progress=BuildProgress(enabled=not quiet, label="exporting"))
    except ExportError as exc:
        raise click.BadParameter(str(exc), param_hint="'FOLDER'") from None
    except store.IndexMissingError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(summary.line())


if __name__ == "__main__":  # pragma: no cover
    main()
