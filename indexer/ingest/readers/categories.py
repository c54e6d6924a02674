"""Category names as a Vietnamese reader expects to see them.

VNTC labels its topics with ASCII folder names ("Chinh tri Xa hoi") and UNC with
English words ("society"); the search page shows categories to Vietnamese readers and
offers them as facets, so both are mapped to one Vietnamese vocabulary, one name a topic
("Vi tinh" and "tech" are both "Công nghệ"), by the data file
``indexer/data/categories.toml``. Unknown categories pass through (cleaned), so a user's
own labels still work.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path

from indexer.text.normalize import clean_text, fold

__all__ = ["CATEGORY_NAMES", "display_category", "relabelled", "relabel_note"]

_DATA = Path(__file__).resolve().parents[2] / "data" / "categories.toml"


def _load(path: Path = _DATA) -> dict[str, str]:
    """Every source's labels (folded keys) -> the one vocabulary, from the data file."""
    with path.open("rb") as fh:
        sections = tomllib.load(fh)
    names: dict[str, str] = {}
    for labels in sections.values():
        for label, name in labels.items():
            names[_key(label)] = name
    return names


def _key(label: str) -> str:
    return " ".join(fold(label).replace("-", " ").replace("–", " ").replace("_", " ").split())


# Keys are folded (lower-case, no diacritics, single spaces): lookup is robust to case
# and to a label that already carries diacritics ("Thể thao" -> "the thao").
CATEGORY_NAMES: dict[str, str] = _load()


def display_category(label: object) -> str | None:
    """Return the Vietnamese display name for a category label, or None when empty."""
    if label is None:
        return None
    text = clean_text(str(label)).replace("\n", " ").strip()
    if not text:
        return None
    return CATEGORY_NAMES.get(_key(text), text)


def relabelled(labels: Iterable[str]) -> dict[str, str]:
    """The labels of an index that the vocabulary now names otherwise (``{"Vi tính":
    "Công nghệ"}``): the index was built before the data file mapped them (or before a
    change to it), and keeps them until it is rebuilt."""
    out = {}
    for label in labels:
        now = display_category(label)
        if now and now != label:
            out[label] = now
    return out


def relabel_note(changed: dict[str, str]) -> str | None:
    """The operator's sentence for :func:`relabelled`'s answer, or None."""
    if not changed:
        return None
    shown = ", ".join(f"{old!r} → {new!r}" for old, new in list(changed.items())[:4])
    more = f" and {len(changed) - 4} more" if len(changed) > 4 else ""
    return (f"this index keeps category labels from before indexer/data/categories.toml mapped them "
            f"({shown}{more}); run `vnsearch index PATH --rebuild` to show one vocabulary")
