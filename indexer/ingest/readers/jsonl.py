"""JSON and JSON Lines article collections (the shape of the shipped corpus).

Records follow /work/shared/corpus: ``id, title, body, category, date, url, source,
outlet`` (extras kept in ``Article.extra``). JSONL is streamed line by line, so a huge
collection costs no memory and one bad line costs one record, not the file; a plain
``.json`` file is one document (an object or a list) and is size-capped instead.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from indexer.ingest.documents import Article, ReadFailure
from indexer.ingest.headline import (
    display_title,
    looks_like_lead,
    restore_slug,
    split_title,
)
from indexer.ingest.readers.categories import display_category
from indexer.ingest.readers.meta import outlet_from_url, parse_date
from indexer.ingest.readers.titles import title_matches_slug, url_slug
from indexer.text.normalize import clean_text

__all__ = ["MAX_JSON_BYTES", "read_json_file", "read_jsonl_file", "record_to_article"]

MAX_JSON_BYTES = 50 * 1024 * 1024
# Longest JSONL line accepted (one article); longer lines are skipped with a failure.
MAX_LINE_BYTES = 50 * 1024 * 1024
# A file whose first lines are all invalid is not JSONL: stop after this many.
_GIVE_UP_AFTER = 10

_TITLE_KEYS = ("title", "headline")
_BODY_KEYS = ("body", "content", "text")
_DATE_KEYS = ("date", "published", "published_at", "datetime")
_KNOWN = {"id", "url", "outlet", "category", "author", "description", "source",
          *_TITLE_KEYS, *_BODY_KEYS, *_DATE_KEYS}
_GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)


def _first(rec: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if rec.get(key) not in (None, ""):
            return rec[key]
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # some exports keep paragraphs as a list
        value = "\n".join(str(v) for v in value if v is not None)
    return clean_text(str(value))


def _headline(title: str, body: str, url: str | None) -> tuple[str, str, str, str]:
    """``(headline, body, lead, kind)`` for a record (see :mod:`indexer.ingest.headline`).

    ``kind`` is "headline" (the record's own), "slug" (rebuilt from the URL, the record's
    title being the lead), "split" (a headline + lead line cut in two), "lead" (no
    headline anywhere: the lead shortened for display) or "first-line" (no title: the
    body's first line). Whatever leaves the title goes to the top of the body, so the
    body holds every word of the record.
    """
    lead, kind = "", "headline"
    if not title:
        first, _, rest = body.partition("\n")
        split = split_title(first)
        if split:
            title, lead, kind = split.headline, split.lead, "split"
        else:
            title, lead, kind = display_title(first), first, "first-line"
        body = rest
    else:
        slug = url_slug(url)
        split = None if slug else split_title(title)
        if slug and not title_matches_slug(title, slug):
            title, lead, kind = restore_slug(slug, title + "\n" + body).headline, title, "slug"
        elif split:
            title, lead, kind = split.headline, split.lead, "split"
        elif looks_like_lead(title):
            title, lead, kind = display_title(title), title, "lead"
    if lead:
        body = lead + ("\n" + body if body else "")
    elif not body:
        body = title  # single-line doc whose line is short: still searchable as body
    return title, body, lead, kind


def record_to_article(rec: Any, source: str, where: str) -> Article | ReadFailure:
    """Map one JSON record to an Article; ``where`` names it in a failure (path:line N).

    Titles that are headline + lead run together, or a lead instead of a headline
    (UNC 2021), are repaired with :mod:`indexer.ingest.headline` (see :func:`_headline`);
    ``extra["title_kind"]`` says which repair was made.
    """
    if not isinstance(rec, dict):
        return ReadFailure(where, f"expected a JSON object, found {type(rec).__name__}")
    title = _text(_first(rec, _TITLE_KEYS)).replace("\n", " ")
    body = _text(_first(rec, _BODY_KEYS))
    if not title and not body:
        return ReadFailure(where, "record has neither title nor body")
    url = _first(rec, ("url",))
    url = str(url).strip() if url is not None else None
    extra: dict[str, Any] = {k: v for k, v in rec.items() if k not in _KNOWN and v is not None}
    if rec.get("source") is not None:
        extra["dataset"] = rec["source"]
    raw_category = rec.get("category")
    category = display_category(raw_category)
    if raw_category is not None and category != raw_category:
        extra["category_raw"] = raw_category

    title, body, lead, kind = _headline(title, body, url)
    extra["title_kind"] = kind
    rec_id = rec.get("id")
    return Article(
        title=title,
        body=body,
        id=str(rec_id) if rec_id not in (None, "") else None,
        url=url or None,
        author=_text(rec.get("author")) or None,
        outlet=(_text(rec.get("outlet")) or None) or outlet_from_url(url),
        category=category,
        published=parse_date(_first(rec, _DATE_KEYS)),
        description=_text(rec.get("description")) or (lead if kind in ("split", "slug") else None),
        source=source,
        extra=extra,
    )


def _open(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def read_jsonl_file(path: Path, start: int = 0, stop: int | None = None) -> Iterator[Article | ReadFailure]:
    """Stream a ``.jsonl``/``.jsonl.gz`` file: one Article or ReadFailure per record line.

    ``start``/``stop`` (0-based line numbers, stop excluded) read one partition of the
    file, as a distributed build's workers do: earlier lines are skipped undecoded.
    """
    source = str(path)
    line_no = 0
    good = bad = seen = 0
    pending: list[ReadFailure] = []
    try:
        with _open(Path(path)) as fh:
            while True:
                if stop is not None and line_no >= stop:
                    break
                raw = fh.readline(MAX_LINE_BYTES + 1)
                if not raw:
                    break
                line_no += 1
                if line_no <= start:
                    while raw and not raw.endswith(b"\n"):  # a long line: skip all of it
                        raw = fh.readline(MAX_LINE_BYTES)
                    continue
                where = f"{source}:line {line_no}"
                if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    yield ReadFailure(where, "line longer than 50 MB, skipped")
                    bad += 1
                    while raw and not raw.endswith(b"\n"):  # skip the rest of it
                        raw = fh.readline(MAX_LINE_BYTES)
                    continue
                if not raw.strip():
                    continue
                seen += 1
                try:
                    text = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    failure = ReadFailure(where, f"not valid UTF-8 at byte {exc.start} of the line")
                else:
                    try:
                        rec = json.loads(text)
                    except json.JSONDecodeError as exc:
                        failure = ReadFailure(where, "invalid JSON: " + json_error(exc, with_line=False))
                    except RecursionError:  # [[[[… thousands deep: costs this line, not the file
                        failure = ReadFailure(where, "invalid JSON: nested too deeply")
                    else:
                        item = record_to_article(rec, source, where)
                        if isinstance(item, Article):
                            good += 1
                            yield from pending
                            pending.clear()
                        yield item
                        continue
                bad += 1
                if good:
                    yield failure
                    continue
                # Until one record parses, hold failures back: a file whose first lines
                # are all invalid gets one failure, not one per line.
                pending.append(failure)
                if bad >= _GIVE_UP_AFTER:
                    yield ReadFailure(source, f"not a JSON Lines file: the first {bad} lines are invalid; gave up")
                    return
    except _GZIP_ERRORS as exc:
        yield from pending
        yield ReadFailure(source, _gzip_reason(exc, line_no))
    except OSError as exc:
        yield from pending
        yield ReadFailure(source, f"cannot read file: {exc.strerror or exc}")
    else:
        yield from pending
        if seen == 0 and start == 0 and stop is None:
            yield ReadFailure(source, "empty file (no records)")


def json_error(exc: json.JSONDecodeError, with_line: bool) -> str:
    """The whole of a JSON error: json's messages ("Unterminated string starting at")
    expect their position after them, so it is put there rather than cut off."""
    at = f"line {exc.lineno}, column {exc.colno}" if with_line else f"column {exc.colno}"
    msg = exc.msg[0].lower() + exc.msg[1:]
    return f"{msg} {at}" if msg.endswith(" at") else f"{msg} at {at}"


def _gzip_reason(exc: BaseException, line_no: int) -> str:
    if isinstance(exc, gzip.BadGzipFile):
        return f"not a gzip file ({exc})"
    after = f" after line {line_no}" if line_no else ""
    if isinstance(exc, EOFError):
        return f"truncated gzip file: data ends early{after}"
    return f"corrupt gzip data{after} ({exc})"


def read_json_file(path: Path) -> Iterator[Article | ReadFailure]:
    """Read a ``.json``/``.json.gz`` file holding one article object or a list of them."""
    source = str(path)
    try:
        with _open(Path(path)) as fh:
            data = fh.read(MAX_JSON_BYTES + 1)
    except _GZIP_ERRORS as exc:
        yield ReadFailure(source, _gzip_reason(exc, 0))
        return
    except OSError as exc:
        yield ReadFailure(source, f"cannot read file: {exc.strerror or exc}")
        return
    if len(data) > MAX_JSON_BYTES:
        yield ReadFailure(source, "file too large (over 50 MB of JSON); use JSON Lines (.jsonl) for big collections")
        return
    if not data.strip():
        yield ReadFailure(source, "empty file")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield ReadFailure(source, f"not valid UTF-8 at byte {exc.start}")
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        yield ReadFailure(source, "invalid JSON: " + json_error(exc, with_line=True))
        return
    except RecursionError:
        yield ReadFailure(source, "invalid JSON: nested too deeply")
        return
    if isinstance(doc, dict) and isinstance(doc.get("articles"), list):
        doc = doc["articles"]
    if isinstance(doc, list):
        if not doc:
            yield ReadFailure(source, "empty JSON list (no records)")
        for n, rec in enumerate(doc, 1):
            yield record_to_article(rec, source, f"{source}:item {n}")
    else:
        yield record_to_article(doc, source, source)
