"""Turning query-string parameters into a SearchRequest, with errors naming the parameter."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from indexer import BadRequest, Config, SearchRequest

__all__ = ["search_request", "BadRequest", "FILTER_PARAMS"]

FILTER_PARAMS = ("outlet", "category", "from", "to", "sort", "entity")
MAX_PARAM_CHARS = 200


def _int(args: MultiDict, name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:  # not "²" or "①"
        raise BadRequest(name, f"must be a whole number, not {raw[:20]!r}")
    return int(raw)


def _values(args: MultiDict, name: str) -> list[str]:
    out = []
    for v in args.getlist(name):
        v = v.strip()
        if len(v) > MAX_PARAM_CHARS:
            raise BadRequest(name, f"is longer than {MAX_PARAM_CHARS} characters")
        if v:
            out.append(v)
    if len(out) > 20:
        raise BadRequest(name, "is given more than 20 times")
    return out


def search_request(args: MultiDict, cfg: Config, *, debug_allowed: bool = True) -> SearchRequest:
    """Read ``q, page, per_page, outlet, category, from, to, sort, debug, exact`` from ``args``."""
    q = args.get("q", "")
    if "\x00" in q:
        q = q.replace("\x00", " ")
    sort = (args.get("sort") or "relevance").strip()
    return SearchRequest(
        q=q,
        page=_int(args, "page", 1),
        per_page=_int(args, "per_page", cfg.search.per_page),
        outlet=_values(args, "outlet"),
        category=_values(args, "category"),
        entity=_values(args, "entity"),
        date_from=(args.get("from") or "").strip() or None,
        date_to=(args.get("to") or "").strip() or None,
        sort=sort,
        debug=debug_allowed and args.get("debug") in ("1", "true", "yes"),
        literal=args.get("exact") in ("1", "true", "yes"),
    )
