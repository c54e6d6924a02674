"""What a result line shows under its title: snippet text and the lead.

A title that is the article's shortened lead (VNTC thanhnien lines, see
:mod:`indexer.ingest.headline`) starts the body too: a snippet read from the body's
start would repeat it word for word. And a headline recovered from a URL slug or split
off a run-together line leaves the lead (sapo) in ``description``: it is shown under the
title when the snippet does not already hold it.
"""

from __future__ import annotations

import re

__all__ = ["lead_to_show", "snippet_source"]

_TAGS = re.compile(r"<[^>]+>")
# A photo caption kept as the record's first line ("... (Ảnh: Reuters)."): not a lead.
_CAPTION = re.compile(r"\(\s*Ảnh\s*:[^)]*\)\s*\.?\s*$")
MAX_LEAD_WORDS = 45


def snippet_source(title: str, body: str) -> str:
    """``body`` without a leading copy of ``title`` (the title's words are shown already)."""
    head = title.rstrip("…").rstrip()
    if len(head) >= 20 and body.startswith(head):
        rest = body[len(head):].lstrip(" .,;:…")
        if len(rest) >= 40:
            return rest
    return body


def lead_to_show(lead: str | None, title: str, snippet_html: str) -> str | None:
    """The lead, unless it is the title itself, a photo caption, or already in the snippet."""
    if not lead or lead == title or _CAPTION.search(lead):
        return None
    text = _TAGS.sub("", snippet_html).replace("&amp;", "&")
    words = lead.split()
    if " ".join(words[:8]) in text:
        return None
    return " ".join(words) if len(words) <= MAX_LEAD_WORDS else " ".join(words[:MAX_LEAD_WORDS]) + "…"
