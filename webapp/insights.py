"""Following a story: alerts (Atom), exports (CSV / JSON Lines), concordance, trends.

Views only read parameters, call :mod:`indexer.feed`, :mod:`indexer.export` and
:mod:`indexer.timeline`, and format; every route takes the search page's filters.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request, stream_with_context, url_for
from markupsafe import Markup

from indexer import EXPORT_FORMATS as FORMATS
from indexer import BadRequest, SearchRequest, atom_feed, export_rows, fold, kwic, trends, write_rows

from .charts import lines_svg
from .params import search_request
from .views import safe_link

bp = Blueprint("insights", __name__)

MAX_TREND_QUERIES = 6
_MIME = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def _engine():
    return current_app.extensions["vnsearch"]


def _cfg():
    return current_app.extensions["vnsearch_config"]


def _error(exc: BadRequest):
    return jsonify({"error": exc.message, "param": exc.param, "status": 400}), 400


def _slug(q: str) -> str:
    """An ASCII file name part for a query ("bão số 3" -> "bao-so-3")."""
    return re.sub(r"[^a-z0-9]+", "-", fold(q).lower()).strip("-")[:60] or "vnsearch"


def _filter_args() -> dict[str, list[str]]:
    """The request's search parameters, without paging (for links between the views)."""
    return {k: v for k, v in request.args.to_dict(flat=False).items() if k not in ("page", "per_page", "format")}


@bp.app_template_global()
def insight_url(endpoint: str, **extra) -> str:
    """``endpoint``'s URL with the current search's query and filters (for the result page)."""
    args = _filter_args()
    args.update({k: [str(v)] for k, v in extra.items()})
    return url_for(endpoint) + ("?" + urlencode(args, doseq=True) if args else "")


@bp.get("/feed.atom")
def feed():
    """The newest articles matching the query and filters, as Atom (for feed readers)."""
    cfg = _cfg()
    try:
        req = search_request(request.args, cfg, debug_allowed=False)
        entries = min(cfg.search.feed_entries, cfg.search.max_per_page)
        req = dataclasses.replace(req, page=1, per_page=entries, sort="newest", facets=False)
        result = _engine().search(req)
    except BadRequest as exc:
        return _error(exc)
    args = _filter_args()
    args.pop("sort", None)
    query = "?" + urlencode(args, doseq=True) if args else ""
    described = " · ".join([req.q.strip()] + req.outlet + req.category) or "mọi bài"
    body = atom_feed(
        result, title=f"vnsearch: {described}",
        self_url=url_for("insights.feed", _external=True) + query,
        page_url=url_for("views.search_page", _external=True) + query,
        article_url=lambda doc_id: url_for("views.article_page", id=doc_id, _external=True),
        original=safe_link)
    return Response(body, mimetype="application/atom+xml")


@bp.get("/api/export")
def export():
    """The whole result set (up to ``search.export_max``), streamed as CSV or JSON Lines."""
    cfg = _cfg()
    fmt = (request.args.get("format") or "csv").strip()
    if fmt not in FORMATS:
        return _error(BadRequest("format", f"must be one of {', '.join(FORMATS)}"))
    try:
        req = search_request(request.args, cfg, debug_allowed=False)
        rows = export_rows(_engine(), dataclasses.replace(req, page=1, per_page=1), cfg.search.export_max)
    except BadRequest as exc:
        return _error(exc)
    headers = {"Content-Disposition": f'attachment; filename="vnsearch-{_slug(req.q)}.{fmt}"'}
    return Response(stream_with_context(write_rows(rows, fmt)), mimetype=_MIME[fmt], headers=headers)


@bp.get("/kwic")
def concordance():
    """Each occurrence of the query's words with its left and right context, aligned."""
    cfg = _cfg()
    error = None
    conc = None
    try:
        req = search_request(request.args, cfg, debug_allowed=False)
        if req.q.strip():
            conc = kwic(_engine(), req, cfg.search.kwic_max)
    except BadRequest as exc:
        error = exc
        req = SearchRequest(q=request.args.get("q", "")[: cfg.search.max_query_chars])
    return render_template("kwic.html", req=req, conc=conc, error=error), 400 if error else 200


def _trend_data() -> tuple[list[str], dict]:
    cfg = _cfg()
    queries = [q.strip() for q in request.args.getlist("q") if q.strip()]
    if len(queries) > MAX_TREND_QUERIES:
        raise BadRequest("q", f"is given more than {MAX_TREND_QUERIES} times")
    engine = _engine()
    series = {}
    for q in dict.fromkeys(queries):
        # Month counts only: one hit, newest first (no re-scoring), the month facet.
        req = dataclasses.replace(search_request(request.args, cfg, debug_allowed=False),
                                  q=q, page=1, per_page=1, sort="newest")
        series[q] = engine.search(req).facets.get("month", [])
    archive = engine.stats()["month"] if series else {}
    return queries, trends(series, archive)


@bp.get("/api/trends")
def trends_api():
    """``{"months", "series": [{"query", "counts", "shares", "total"}]}``."""
    try:
        _queries, data = _trend_data()
    except BadRequest as exc:
        return _error(exc)
    return jsonify(data)


@bp.get("/trends")
def trends_page():
    """Several queries' months on one chart, each as a share of the archive's articles."""
    error = None
    data: dict = {"months": [], "series": []}
    queries: list[str] = []
    try:
        queries, data = _trend_data()
    except BadRequest as exc:
        error = exc
    chart = lines_svg(data["months"], [(s["query"], s["shares"]) for s in data["series"]],
                      title="Tỉ lệ bài khớp trên tổng số bài mỗi tháng")
    return render_template("trends.html", queries=queries, data=data, chart=Markup(chart),
                           error=error), 400 if error else 200


def _period_label(period: str) -> str:
    """"2021-04" -> "tháng 4/2021", "2021-W14" -> "tuần 14/2021", days and years as the page says them."""
    from .views import vn_date

    if "-W" in period:
        year, week = period.split("-W")
        return f"tuần {int(week)}/{year}"
    return vn_date(period)


@bp.app_template_global()
def timeline_chart(result) -> Markup:
    """The result's timeline as an SVG whose bars filter the search to their period."""
    from .charts import timeline_svg
    from .views import url_with

    timeline = getattr(result, "timeline", None)
    if not timeline or len(timeline.get("buckets") or []) < 2:
        return Markup("")
    return Markup(timeline_svg(timeline, lambda b: url_with(**{"from": b["from"], "to": b["to"]}),
                               title="Số bài khớp theo thời gian", label=_period_label))
