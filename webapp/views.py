"""HTML pages: search, article, statistics. They work without JavaScript."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, current_app, render_template, request, url_for
from markupsafe import Markup

from indexer import store
from indexer.search import BadRequest, SearchRequest

from .charts import bar_chart_svg
from .params import search_request

bp = Blueprint("views", __name__)


def _engine():
    return current_app.extensions["vnsearch"]


def _cfg():
    return current_app.extensions["vnsearch_config"]


def safe_link(url: str | None) -> str | None:
    """Only http(s) URLs become links to originals (never ``javascript:`` and the like)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


@bp.app_template_global()
def url_with(**changes) -> str:
    """The current page's URL with some parameters changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        elif isinstance(value, list):
            args[key] = value
        else:
            args[key] = [str(value)]
    if "page" not in changes and any(k != "page" for k in changes):
        args.pop("page", None)
    return request.path + ("?" + urlencode(args, doseq=True) if args else "")


@bp.app_template_global()
def without_value(name: str, value: str) -> str:
    """The current URL with one value of a repeatable filter removed."""
    values = [v for v in request.args.getlist(name) if v != value]
    return url_with(**{name: values or None})


@bp.app_template_global()
def with_value(name: str, value: str) -> str:
    values = request.args.getlist(name)
    if value not in values:
        values = values + [value]
    return url_with(**{name: values})


bp.add_app_template_global(safe_link, "safe_link")


@bp.app_errorhandler(store.IndexMissingError)
def _no_index(exc):
    return render_template("error.html", status=503, title="Chỉ mục chưa sẵn sàng",
                           message=str(exc)), 503


@bp.app_errorhandler(404)
def _not_found(exc):
    if request.path.startswith("/api/"):
        return {"error": "not found", "status": 404}, 404
    return render_template("error.html", status=404, title="Không tìm thấy trang",
                           message="Trang này không tồn tại."), 404


@bp.app_errorhandler(405)
def _not_allowed(exc):
    if request.path.startswith("/api/"):
        return {"error": "method not allowed", "status": 405}, 405
    return render_template("error.html", status=405, title="Không được phép",
                           message="Phương thức này không được hỗ trợ."), 405


@bp.app_errorhandler(500)
def _server_error(exc):
    if request.path.startswith("/api/"):
        return {"error": "internal error", "status": 500}, 500
    return render_template("error.html", status=500, title="Lỗi máy chủ",
                           message="Đã có lỗi; vui lòng thử lại."), 500


@bp.get("/")
def search_page():
    cfg = _cfg()
    error = None
    result = None
    try:
        req = search_request(request.args, cfg)
        has_filters = bool(req.outlet or req.category or req.date_from or req.date_to)
        if req.q.strip() or has_filters:
            result = _engine().search(req)
    except BadRequest as exc:
        error = exc
        req = SearchRequest(q=request.args.get("q", "")[: cfg.search.max_query_chars])
    status = 400 if error else 200
    return render_template("search.html", req=req, result=result, error=error), status


@bp.get("/article")
def article_page():
    doc_id = request.args.get("id", "")
    if not doc_id or len(doc_id) > 2000:
        abort(404)
    engine = _engine()
    doc = engine.document(doc_id)
    if doc is None:
        abort(404)
    q = request.args.get("q", "")[: _cfg().search.max_query_chars]
    title_html, body_html = engine.highlight_document(doc, q)
    paragraphs = [Markup(p) for p in body_html.split("\n") if p.strip()]
    related = engine.related(doc, limit=5)
    back = request.args.get("back", "")
    back_url = back if back.startswith("/?") or back == "/" else (url_for("views.search_page", q=q) if q else None)
    return render_template("article.html", doc=doc, q=q, title_html=Markup(title_html),
                           paragraphs=paragraphs, related=related, back_url=back_url,
                           original=safe_link(doc.url))


@bp.get("/stats")
def stats_page():
    figures = _engine().stats()
    outlet_chart = Markup(bar_chart_svg(list(figures["outlet"].items()), title="Bài theo trang báo"))
    months = list(figures["month"].items())
    month_chart = Markup(bar_chart_svg(months, title="Bài theo tháng", vertical=True)) if months else None
    category_chart = Markup(bar_chart_svg(list(figures["category"].items()), title="Bài theo chuyên mục"))
    return render_template("stats.html", figures=figures, outlet_chart=outlet_chart,
                           month_chart=month_chart, category_chart=category_chart)
