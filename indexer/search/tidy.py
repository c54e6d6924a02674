"""Requests a reader means, not errors: an over-long query is searched on its first part,
an inverted date range is searched the right way round, each with a notice saying so.

A user's query is never an error page (the developers' guide); these two are what users
actually send (a pasted paragraph, dates picked in the wrong boxes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

__all__ = ["cut_query", "tidy_request"]


def cut_query(q: str, max_chars: int) -> str:
    """``q``'s first ``max_chars`` characters, ending at a word boundary when one is near
    (a word cut in half would be searched as another word)."""
    if len(q) <= max_chars:
        return q
    head = q[:max_chars]
    if not q[max_chars].isspace():
        space = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
        if space >= max_chars // 2:
            head = head[:space]
    return head.rstrip()


def tidy_request(req: Any, max_chars: int, validate: Callable[[Any], Any]) -> tuple[Any, list[dict[str, Any]]]:
    """``(request to run, notices)`` for a :class:`SearchRequest`; ``validate`` is the
    engine's check (it raises :class:`BadRequest` for what cannot be tidied).

    Dates are swapped as given ("2021-05" .. "2021-04" becomes April to May, both whole
    months), then checked again. Notices have the shape of the engine's others (``code``,
    ``words``) plus their figures, and an English ``note`` for the command line and the
    API's ``notes``.
    """
    notices: list[dict[str, Any]] = []
    checked = validate(dataclasses.replace(req))
    if checked.date_from and checked.date_to and checked.date_from > checked.date_to:
        given = (req.date_from, req.date_to)
        # In place, as validate() normalises the dates in place: the caller's request
        # (the page's filter chips and date boxes) then shows the range searched.
        req.date_from, req.date_to = req.date_to, req.date_from
        validate(req)
        notices.append({"code": "dates_swapped", "words": [], "from": req.date_from, "to": req.date_to,
                        "note": f"'from' ({given[0]}) was after 'to' ({given[1]}); "
                                "searched between them the other way round"})
    else:
        validate(req)
    if len(req.q) > max_chars:
        kept = cut_query(req.q, max_chars)
        notices.append({"code": "query_cut", "words": [], "chars": len(req.q), "limit": max_chars, "kept": kept,
                        "note": f"the query is {len(req.q)} characters long; searched its first {len(kept)} "
                                f"(the limit is {max_chars})"})
        req = dataclasses.replace(req, q=kept)
    return req, notices
