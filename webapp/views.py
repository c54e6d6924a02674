"""HTML pages: search, article, statistics. They work without JavaScript."""

from __future__ import annotations

import calendar
import dataclasses
import re
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, current_app, render_template, request, url_for
from markupsafe import Markup

from indexer import BadRequest, IndexMissingError, SearchRequest, outlet_name

from .charts import bar_chart_svg
from .params import search_request

bp = Blueprint("views", __name__)
# How the page names each kind of entity (indexer.entities).
ENTITY_KINDS = {"per": "người", "loc": "nơi chốn", "org": "tổ chức"}


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
bp.add_app_template_filter(outlet_name, "outlet_name")

_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_back(back: str | None) -> str | None:
    """A "back to results" target: only this site's search page, ``/?…`` (or ``/``).

    Anything else (``//evil.example``, ``/\\evil``, ``https://…``, ``javascript:``,
    control characters) is refused, so the parameter cannot be an open redirect.
    """
    if not back or len(back) > 2000 or _CONTROL.search(back):
        return None
    if back != "/" and not back.startswith("/?"):
        return None
    try:
        parts = urlsplit(back)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or parts.path != "/":
        return None
    return back


@bp.app_template_filter("vnnumber")
def vn_number(value: float | None, decimals: int = 0) -> str:
    """Vietnamese number writing: ``1992`` → ``1.992``, ``77.63`` (1 decimal) → ``77,6``."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


@bp.app_template_filter("vnbytes")
def vn_bytes(n: int | None) -> str:
    """A size as Vietnamese readers write it: ``77,6 MB``, ``1,9 GB``."""
    if not n:
        return "0 MB"
    return f"{vn_number(n / 1e9, 1)} GB" if n >= 1e9 else f"{vn_number(n / 1e6, 1)} MB"


@bp.app_template_filter("vndate")
def vn_date(value: str | None) -> str:
    """``2021-04-22`` → ``22/04/2021``; ``2021-04`` → ``tháng 4/2021``; ``2021`` → ``năm 2021``."""
    if not value:
        return ""
    parts = value.split("-")
    if len(parts) == 3:
        return f"{parts[2]}/{parts[1]}/{parts[0]}"
    if len(parts) == 2 and parts[1].isdigit():
        return f"tháng {int(parts[1])}/{parts[0]}"
    return f"năm {value}" if value.isdigit() else value


def _month_range(month: str) -> tuple[str, str]:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{month}-01", f"{month}-{calendar.monthrange(year, mon)[1]:02d}"


def _year_range(year: str) -> tuple[str, str]:
    return f"{year}-01-01", f"{year}-12-31"


def _range_name(date_from: str | None, date_to: str | None) -> str | None:
    """"tháng 4/2021" or "năm 2021" when a from/to pair is exactly one month or year."""
    if not date_from or not date_to:
        return None
    if date_from[:4] == date_to[:4] and (date_from, date_to) == _year_range(date_from[:4]):
        return vn_date(date_from[:4])
    try:
        if date_from[:7] == date_to[:7] and (date_from, date_to) == _month_range(date_from[:7]):
            return vn_date(date_from[:7])
    except ValueError:
        return None
    return None


def time_facets(months: list[tuple[str, int]], req) -> list[dict]:
    """The date facets: years when the results span several years, then the months of
    the chosen year (or all months when there is one year).

    ``months`` are ``(YYYY-MM, count)`` pairs counted without the date filter, so other
    periods stay visible after choosing one. Each entry is ``{"label", "count", "href",
    "active"}``; choosing one sets ``from`` and ``to`` (choosing it again removes both).
    """
    months = [(m, c) for m, c in months if re.fullmatch(r"\d{4}-\d{2}", m or "")]
    years: dict[str, int] = {}
    for m, c in months:
        years[m[:4]] = years.get(m[:4], 0) + c

    def entry(value, count, start, end):
        active = (req.date_from, req.date_to) == (start, end)
        href = url_with(**{"from": None, "to": None}) if active else url_with(**{"from": start, "to": end})
        return {"label": vn_date(value), "count": count, "href": href, "active": active}

    sections = []
    if len(years) > 1:
        sections.append({"id": "year", "title": "Năm", "items": [
            entry(y, c, *_year_range(y)) for y, c in sorted(years.items(), reverse=True)]})
        year = (req.date_from or "")[:4]
        if year and year == (req.date_to or "")[:4]:
            months = [(m, c) for m, c in months if m.startswith(year)]
        else:
            months = []
    if months:
        sections.append({"id": "month", "title": "Tháng", "items": [
            entry(m, c, *_month_range(m)) for m, c in sorted(months, reverse=True)]})
    return sections


def _open_facets(engine, req, result) -> dict[str, list[tuple[str, int]]]:
    """Facet counts as if that facet's own filter were not applied ("disjunctive" facets),
    so choosing one outlet still shows the others, to add (OR) or switch to."""
    out = {}
    for name, cleared in (("outlet", {"outlet": []}), ("category", {"category": []}),
                          ("month", {"date_from": None, "date_to": None})):
        active = req.date_from or req.date_to if name == "month" else getattr(req, name)
        if not active:
            out[name] = result.facets.get(name, [])
            continue
        # Counting only: one hit, no re-scoring (sort by date), no debug output.
        other = dataclasses.replace(req, page=1, per_page=1, sort="newest", debug=False, **cleared)
        if not other.q.strip() and not (other.outlet or other.category or other.date_from or other.date_to):
            # Nothing left to search by: every article counts (the index's own figures).
            out[name] = sorted(engine.stats()[name].items(),
                               key=lambda vc: (-vc[1], vc[0]) if name != "month" else vc[0],
                               reverse=name == "month")
            continue
        try:
            out[name] = engine.search(other).facets.get(name, [])
        except BadRequest:
            out[name] = result.facets.get(name, [])
    for name in ("outlet", "category"):  # chosen values first, so they are never cut off
        chosen = set(getattr(req, name))
        out[name] = sorted(out[name], key=lambda vc: vc[0] not in chosen)
    return out


def filter_chips(req) -> list[dict]:
    """The active filters, each with the link that removes it (keeping everything else)."""
    chips = []
    for v in req.outlet:
        chips.append({"label": outlet_name(v), "kind": "trang báo", "href": without_value("outlet", v)})
    for v in req.category:
        chips.append({"label": v, "kind": "chuyên mục", "href": without_value("category", v)})
    for v in req.entity:
        kind, _, name = v.partition(":")
        chips.append({"label": name or v, "kind": ENTITY_KINDS.get(kind, "tên riêng"),
                      "href": without_value("entity", v)})
    named = _range_name(req.date_from, req.date_to)
    if named:
        chips.append({"label": named, "kind": "thời gian", "href": url_with(**{"from": None, "to": None})})
    else:
        # Each chip keeps the other date as searched (the engine may have swapped them).
        if req.date_from:
            chips.append({"label": "từ " + vn_date(req.date_from), "kind": "ngày bắt đầu",
                          "href": url_with(**{"from": None, "to": req.date_to})})
        if req.date_to:
            chips.append({"label": "đến " + vn_date(req.date_to), "kind": "ngày kết thúc",
                          "href": url_with(**{"from": req.date_from, "to": None})})
    return chips


def _without_words(q: str, words: list[str]) -> str | None:
    """The query with some words removed (for "try without …" links), or None."""
    from indexer import fold

    drop = {fold(w).lower() for w in words}
    kept = [t for t in q.split() if fold(t.strip('"-*')).lower() not in drop]
    rest = " ".join(kept).strip()
    return rest if rest and rest != q.strip() else None


def _valid_date(value: str | None) -> str:
    """A value an ``<input type=date>`` accepts (``2021-04-31`` is not one)."""
    import datetime as dt

    if not value:
        return ""
    try:
        dt.date.fromisoformat(value)
        return value
    except ValueError:
        try:
            return _month_range(value[:7])[1]
        except ValueError:
            return ""


_NEWEST: dict[int, tuple[float, str | None]] = {}
PRESETS = (("24 giờ", 1), ("Tuần", 6), ("Tháng", 29), ("Năm", 364))


def newest_date(engine) -> str | None:
    """The newest article's date (YYYY-MM-DD), re-read at most once a minute."""
    import time

    now = time.monotonic()
    hit = _NEWEST.get(id(engine))
    if hit is None or now - hit[0] > 60:
        dr = engine.stats().get("date_range")
        hit = (now, dr[1] if dr else None)
        _NEWEST[id(engine)] = hit
    return hit[1]


def time_presets(newest: str | None, req, today=None) -> dict | None:
    """"24 giờ, Tuần, Tháng, Năm" ranges ending today, or, when the archive's newest
    article is older than a week, ending on that article's day (an old archive's "last
    week" would be empty). ``{"anchor", "relative_to_newest", "items": [{label, href, active}]}``."""
    import datetime as dt

    if not newest:
        return None
    try:
        last = dt.date.fromisoformat(newest[:10])
    except ValueError:
        return None
    today = today or dt.date.today()
    anchor = today if (today - last).days <= 7 else last
    items = []
    for label, days in PRESETS:
        start, end = (anchor - dt.timedelta(days=days)).isoformat(), anchor.isoformat()
        active = (req.date_from, req.date_to) == (start, end)
        href = url_with(**{"from": None, "to": None}) if active else url_with(**{"from": start, "to": end})
        items.append({"label": label, "href": href, "active": active})
    return {"anchor": anchor.isoformat(), "relative_to_newest": anchor != today, "items": items}


@bp.app_template_filter("vnwhen")
def vn_when(value: str | None, today=None) -> str:
    """A recent date as a reader says it ("hôm nay", "hôm qua", "3 ngày trước"); older
    ones (and months or years alone) as :func:`vn_date`."""
    import datetime as dt

    if value and len(value) == 10:
        try:
            days = ((today or dt.date.today()) - dt.date.fromisoformat(value)).days
        except ValueError:
            days = -1
        if days == 0:
            return "hôm nay"
        if days == 1:
            return "hôm qua"
        if 1 < days <= 7:
            return f"{days} ngày trước"
    return vn_date(value)


def archive_summary(figures: dict) -> dict:
    """What the archive holds, for the home page: articles, outlets (by name, largest
    first), the period its dated articles cover and, honestly, how many carry no date."""
    months = {m: n for m, n in figures.get("month", {}).items() if re.fullmatch(r"\d{4}-\d{2}", m or "")}
    dated = sum(months.values())
    total = figures.get("documents", 0)
    span = (min(months), max(months)) if months else None
    return {"documents": total, "outlets": [outlet_name(o) for o in figures.get("outlet", {})],
            "from": span[0] if span else None, "to": span[1] if span else None,
            "undated": max(0, total - dated), "undated_pct": round(100 * (total - dated) / total) if total else 0}


def _unfiltered_total(engine, req) -> int:
    """How many articles the same words find without any filter (for "a zero under
    filters says so, and offers the unfiltered count")."""
    bare = dataclasses.replace(req, page=1, per_page=1, outlet=[], category=[], entity=[], date_from=None,
                               date_to=None,
                               facets=False, debug=False, sort="newest")
    if not bare.q.strip():
        return 0
    try:
        return engine.search(bare).total
    except BadRequest:
        return 0


_SORTS = "“liên quan nhất” (relevance) hoặc “mới nhất” (newest)"


def bad_parameter_help(exc: BadRequest, cfg) -> tuple[str, str, str]:
    """``(message, href, label)``: what is wrong with a parameter, in Vietnamese, and the
    nearest request that is valid (the same search with that parameter mended)."""
    param, raw = exc.param, request.args.get(exc.param if exc.param not in ("date_from", "date_to") else
                                             exc.param[5:], "")
    limits = cfg.search
    if param == "page":
        n = _leading_int(raw)
        fixed = min(max(n, 1), limits.max_page) if n is not None else None
        return (f"Số trang “{raw[:20]}” không dùng được: trang phải là số từ 1 đến {limits.max_page}.",
                url_with(page=fixed if fixed and fixed > 1 else None), f"Xem trang {fixed or 1}")
    if param == "per_page":
        n = _leading_int(raw)
        fixed = min(max(n, 1), limits.max_per_page) if n is not None else limits.per_page
        return (f"Số kết quả mỗi trang phải từ 1 đến {limits.max_per_page}.",
                url_with(per_page=fixed), f"Xem {fixed} kết quả mỗi trang")
    if param == "sort":
        return (f"Cách sắp xếp “{raw[:20]}” không có; chỉ có {_SORTS}.",
                url_with(sort=None), "Xem theo liên quan nhất")
    if param in ("from", "to"):
        name = "Ngày bắt đầu" if param == "from" else "Ngày kết thúc"
        text = (f"{name} “{raw[:40]}” không phải một ngày; hãy viết năm-tháng-ngày (2021-04-22), "
                "năm-tháng (2021-04) hoặc năm (2021).")
        return text, url_with(**{param: None}), "Tìm không giới hạn ngày này"
    if param in ("outlet", "category"):
        name = "trang báo" if param == "outlet" else "chuyên mục"
        return (f"Bộ lọc {name} quá dài hoặc lặp lại quá nhiều lần.", url_with(**{param: None}),
                f"Tìm không lọc theo {name}")
    return (f"Tham số “{param}” không dùng được.", url_with(**{param: None}), "Tìm lại không có tham số này")


def _leading_int(raw: str) -> int | None:
    digits = ""
    for ch in raw.strip():
        if not (ch.isascii() and ch.isdigit()):
            break
        digits += ch
    return int(digits[:9]) if digits else None


@bp.app_errorhandler(IndexMissingError)
def _no_index(exc):
    # The details (with the index's path on disk) go to the server log, not to visitors.
    current_app.logger.warning("search index unavailable: %s", exc)
    return render_template("error.html", status=503, title="Chỉ mục chưa sẵn sàng",
                           message="Chỉ mục tìm kiếm chưa sẵn sàng hoặc không đọc được. "
                                   "Người quản trị cần chạy `vnsearch index` "
                                   "(chi tiết trong nhật ký máy chủ)."), 503


@bp.app_errorhandler(404)
def _not_found(exc):
    if request.path.startswith("/api/"):
        return {"error": "not found", "status": 404}, 404
    return render_template("error.html", status=404, title="Không tìm thấy trang",
                           message="Trang này không tồn tại."), 404


@bp.app_errorhandler(405)
def _not_allowed(exc):
    # RFC 9110: a 405 names the methods that are allowed (the app only reads).
    allow = {"Allow": ", ".join(sorted(getattr(exc, "valid_methods", None) or ["GET", "HEAD", "OPTIONS"]))}
    if request.path.startswith("/api/"):
        return {"error": "method not allowed", "status": 405}, 405, allow
    return render_template("error.html", status=405, title="Không được phép",
                           message="Phương thức này không được hỗ trợ."), 405, allow


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
        has_filters = bool(req.outlet or req.category or req.date_from or req.date_to or req.entity)
        if req.q.strip() or has_filters:
            result = _engine().search(req)
    except BadRequest as exc:
        error = exc
        req = SearchRequest(q=request.args.get("q", "")[: cfg.search.max_query_chars])
    status = 400 if error else 200
    extra = {"shown_q": req.q}
    if error is not None:
        extra["error_text"], extra["error_fix"], extra["error_fix_label"] = bad_parameter_help(error, cfg)
    elif result is None:
        extra["archive"] = archive_summary(_engine().stats())
    if result is not None and result.total == 0 and result.suggestion and request.args.get("exact") != "1":
        # Nothing matches but there is a likely correction: show its results, say so, and
        # offer the query exactly as typed (exact=1), as the big engines do.
        try:
            corrected = _engine().search(dataclasses.replace(req, q=result.suggestion))
        except BadRequest:
            corrected = None
        if corrected is not None and corrected.total:
            extra["corrected_from"] = req.q
            extra["shown_q"] = result.suggestion
            corrected.suggestion = None
            result = corrected
    if result is not None:
        shown = dataclasses.replace(req, q=extra["shown_q"])
        facets = _open_facets(_engine(), shown, result)
        extra["facets"] = facets
        extra["time_sections"] = time_facets(facets.get("month", []), req)
        extra["chips"] = filter_chips(req)
        extra["last_page"] = min(result.pages, cfg.search.max_page)
        if result.total == 0 and extra["chips"]:
            extra["unfiltered"] = _unfiltered_total(_engine(), shown)
        if result.drop_suggestions:
            extra["drop_query"] = _without_words(req.q, result.drop_suggestions)
        extra["date_inputs"] = (_valid_date(req.date_from), _valid_date(req.date_to))
        extra["presets"] = time_presets(newest_date(_engine()), req)
    return render_template("search.html", req=req, result=result, error=error, **extra), status


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
    back = safe_back(request.args.get("back"))
    back_url = back or (url_for("views.search_page", q=q) if q.strip() else None)
    original = safe_link(doc.url)
    original_host = urlsplit(original).netloc.removeprefix("www.") if original else None
    return render_template("article.html", doc=doc, q=q, title_html=Markup(title_html),
                           paragraphs=paragraphs, related=related, back_url=back_url, back=back,
                           original=original, original_host=original_host)


@bp.get("/stats")
def stats_page():
    figures = _engine().stats()
    outlet_chart = Markup(bar_chart_svg([(outlet_name(o), n) for o, n in figures["outlet"].items()],
                                        title="Bài theo trang báo"))
    months = _month_series(figures["month"])
    month_chart = Markup(bar_chart_svg(months, title="Bài theo tháng", vertical=True)) if months else None
    years: dict[str, int] = {}
    for month, count in months:
        years[month[:4]] = years.get(month[:4], 0) + count
    year_chart = Markup(bar_chart_svg(sorted(years.items(), reverse=True), title="Bài theo năm")) \
        if len(years) > 1 else None
    category_chart = Markup(bar_chart_svg(list(figures["category"].items()), title="Bài theo chuyên mục"))
    return render_template("stats.html", figures=figures, outlet_chart=outlet_chart,
                           month_chart=month_chart, year_chart=year_chart, category_chart=category_chart)


def _month_series(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Month counts as a timeline: months without articles are there, as zero."""
    months = sorted(m for m in counts if re.fullmatch(r"\d{4}-\d{2}", m))
    if not months:
        return []
    y, m = int(months[0][:4]), int(months[0][5:])
    end = (int(months[-1][:4]), int(months[-1][5:]))
    series: list = []
    while (y, m) <= end and len(series) < 600:
        key = f"{y:04d}-{m:02d}"
        series.append((key, counts.get(key, 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return series
