"""The article record every reader produces and every later stage consumes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Article", "ReadFailure"]


@dataclass(slots=True)
class Article:
    """One news article, as plain data (no Whoosh, no Flask).

    ``title`` and ``body`` are cleaned text (see :func:`indexer.text.normalize.clean_text`),
    ``body`` holds one paragraph a line. ``published`` is ``YYYY-MM-DD`` when known.
    ``id`` is the source's own id when it has one (a JSON record's ``id``); the builder
    derives a key from the canonical URL or the source path otherwise.
    """

    title: str
    body: str
    id: str | None = None
    url: str | None = None
    author: str | None = None
    outlet: str | None = None
    category: str | None = None
    published: str | None = None
    description: str | None = None
    source: str | None = None  # file path, dataset name or fetched URL it came from
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class ReadFailure:
    """A file (or record) that could not be read, with a reason a user can act on."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"
