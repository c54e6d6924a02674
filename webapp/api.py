"""The JSON API: ``/api/search`` (a contract other tools use), articles, suggestions, stats."""

from __future__ import annotations

from pathlib import PurePath

from flask import Blueprint, current_app, jsonify, request

from indexer import BadRequest, IndexMissingError, result_to_api

from .params import search_request

bp = Blueprint("api", __name__, url_prefix="/api")


def _engine():
    return current_app.extensions["vnsearch"]


def _error(status: int, message: str, param: str | None = None):
    body = {"error": message, "status": status}
    if param:
        body["param"] = param
    return jsonify(body), status


@bp.errorhandler(BadRequest)
def _bad_request(exc: BadRequest):
    return _error(400, exc.message, exc.param)


@bp.errorhandler(IndexMissingError)
def _no_index(exc):
    # The details (with the index's path on disk) go to the server log, not to clients.
    current_app.logger.warning("search index unavailable: %s", exc)
    return _error(503, "the search index is not available (build it with `vnsearch index`; "
                       "details are in the server log)")


@bp.get("/search")
def search():
    """``{"query", "total", "page", "per_page", "took_ms", "results": [...], "facets", ...}``."""
    cfg = current_app.extensions["vnsearch_config"]
    req = search_request(request.args, cfg)
    result = _engine().search(req)
    return jsonify(result_to_api(result))


@bp.get("/article")
def article():
    doc_id = request.args.get("id", "")
    if not doc_id or len(doc_id) > 2000:
        raise BadRequest("id", "is required (a document id from search results)")
    doc = _engine().document(doc_id)
    if doc is None:
        return _error(404, f"no article with id {doc_id[:200]!r}", "id")
    return jsonify({"id": doc.id, "title": doc.title, "body": doc.body, "url": doc.url,
                    "outlet": doc.outlet, "category": doc.category, "date": doc.date,
                    "author": doc.author})


@bp.get("/stats")
def stats():
    """Index figures; ``index_path`` is the index folder's name, never a filesystem path."""
    figures = dict(_engine().stats())
    if figures.get("index_path"):
        # The absolute path (home folder, user name, deployment layout) is nobody's business.
        figures["index_path"] = PurePath(figures["index_path"]).name
    return jsonify(figures)


@bp.get("/suggest")
def suggest():
    """As-you-type completions: headlines and frequent words, with or without diacritics."""
    q = request.args.get("q", "")
    if len(q) > 200:
        raise BadRequest("q", "is longer than 200 characters")
    limit = request.args.get("limit", "8")
    if not (limit.isascii() and limit.isdigit()) or len(limit) > 3 or not 1 <= int(limit) <= 20:
        raise BadRequest("limit", "must be a whole number between 1 and 20")
    return jsonify({"query": q, "suggestions": _engine().complete(q, limit=int(limit))})
