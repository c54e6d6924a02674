"""Related articles: those sharing the words and the names an article is about.

More-like-this over pyvi words alone links a military story to "Microsoft, Fujitsu phát
triển máy chủ thế hệ mới" through common words ("phát triển", "thế hệ") and a country both
name ("Nhật Bản"). Candidates are re-ranked here by the words and by the people, places
and organisations they share with the article (the index-time entities of
:mod:`indexer.text.entities`), each name weighted by its rarity in the archive: one that
shares only common names and not the category must be nearly as similar as the best to
stay. Indexes built before entities use runs of capitalised syllables instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Candidate", "name_weights", "named_entities", "rare_names", "rerank"]

_WORD = re.compile(r"[^\W\d_]+")
# Text read for names: the title and the start of the body (where a news story names them).
NAME_CHARS = 3000
# A candidate sharing neither a name nor the category stays only this close to the best.
UNRELATED_FLOOR = 0.8


# Below this share of the best similarity, a candidate stays only on the names it shares.
WEAK_WORDS = 0.4
# A name is rare (sharing it is enough) in at most this share of the articles, or this many.
RARE_SHARE, RARE_MIN = 0.005, 12
# How much the shared names count beside the words' similarity.
NAME_WEIGHT = 1.5


@dataclass(frozen=True)
class Candidate:
    score: float  # more-like-this similarity of the words
    category: str | None
    names: frozenset[str]  # its people, places and organisations


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


def name_weights(names: Iterable[str], doc_frequency, n_docs: int) -> dict[str, float]:
    """Each name's weight: how rare it is in the archive (``log(N / df)``), so sharing
    "Yoko Kamikawa" says much more than sharing "Mỹ" or "Nhật Bản"."""
    return {n: math.log(max(n_docs, 2) / max(1, doc_frequency(n))) for n in names}


def rerank(doc_names: Mapping[str, float], rare: Collection[str], doc_category: str | None,
           candidates: Sequence[Candidate]) -> list[int]:
    """Indexes of ``candidates`` to show, best first.

    A candidate's value is its more-like-this similarity (as a share of the best one's)
    plus the share of the article's name weight it names too, with a bonus for the same
    category. One that names none of the article's ``rare`` names (few articles name
    them: "Yoko Kamikawa", not "Nhật Bản") stays only with the same category and some of
    the words, or with words nearly as similar as the best's.
    """
    if not candidates:
        return []
    total = sum(doc_names.values()) or 1.0
    best = max(c.score for c in candidates) or 1.0
    ranked = []
    for i, c in enumerate(candidates):
        shared = sum(w for name, w in doc_names.items() if name in c.names) / total
        same = bool(doc_category and c.category == doc_category)
        words = c.score / best
        if not any(name in c.names for name in rare) and \
                (words < WEAK_WORDS or not same and words < UNRELATED_FLOOR):
            continue  # common names and a few common words are noise, in any category
        ranked.append((words * (1 + 0.3 * same) + NAME_WEIGHT * shared, i))
    return [i for _s, i in sorted(ranked, reverse=True)]


def rare_names(doc_frequency, names: Iterable[str], n_docs: int) -> set[str]:
    """The names few articles share (at most ``RARE_SHARE`` of the archive, or
    ``RARE_MIN`` articles): sharing one says two articles are about the same thing."""
    limit = max(RARE_MIN, RARE_SHARE * n_docs)
    return {n for n in names if doc_frequency(n) <= limit}
