"""Related articles that share what the article is about: its category or the names in it.

More-like-this over pyvi words alone links a military story to "Microsoft, Fujitsu phát
triển máy chủ thế hệ mới" through common words ("phát triển", "thế hệ"). Candidates are
re-ranked here: one that shares a named entity (a run of capitalised syllables: "Nhật Bản",
"Lloyd Austin") or the category keeps its score with a bonus; one sharing neither must be
nearly as similar as the best to stay.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Candidate", "named_entities", "rerank"]

_WORD = re.compile(r"[^\W\d_]+")
# Text read for names: the title and the start of the body (where a news story names them).
NAME_CHARS = 3000
# A candidate sharing neither a name nor the category stays only this close to the best.
UNRELATED_FLOOR = 0.8


@dataclass(frozen=True)
class Candidate:
    score: float
    category: str | None
    title: str
    body: str


def named_entities(title: str, body: str) -> set[str]:
    """Runs of two or more capitalised syllables, lower-cased ("nhật bản", "lloyd austin")."""
    text = f"{title}. {body[:NAME_CHARS]}"
    names: set[str] = set()
    run: list[str] = []
    end = -1
    for m in _WORD.finditer(text):
        word = m.group(0)
        joined = run and text[end:m.start()] in (" ", "-")
        if word[0].isupper() and (joined or not run):
            run.append(word)
        else:
            if len(run) >= 2:
                names.add(" ".join(run).lower())
            run = [word] if word[0].isupper() else []
        end = m.end()
    if len(run) >= 2:
        names.add(" ".join(run).lower())
    return names


def rerank(doc_title: str, doc_body: str, doc_category: str | None,
           candidates: Sequence[Candidate]) -> list[int]:
    """Indexes of ``candidates`` to show, best first."""
    if not candidates:
        return []
    mine = named_entities(doc_title, doc_body)
    best = max(c.score for c in candidates) or 1.0
    ranked = []
    for i, c in enumerate(candidates):
        shared = len(mine & named_entities(c.title, c.body))
        same = bool(doc_category and c.category == doc_category)
        if not shared and not same and c.score < UNRELATED_FLOOR * best:
            continue
        ranked.append((c.score * (1 + 0.3 * same + 0.3 * min(shared, 3)), i))
    return [i for _s, i in sorted(ranked, reverse=True)]
