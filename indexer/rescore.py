"""Second-stage ranking of retrieval candidates from their postings (no pyvi, no text).

Whoosh phrase queries over common syllables are slow; reading the positions of the
query's few terms for a few hundred candidate documents is cheap. From them we score
what makes a Vietnamese match good: the words typed with diacritics present exactly,
query syllables adjacent in the document (a multi-syllable word or phrase), the whole
phrase present, and matches in the title.
"""

from __future__ import annotations

from whoosh.reading import TermNotFound

from .querylang import ParsedQuery

__all__ = ["rescore", "WEIGHTS"]

WEIGHTS = {
    "bm25": 1.0,          # first-stage score, scaled to [0, 1] over the candidates
    "coverage": 2.0,      # share of distinct query syllables present
    "adjacency": 2.0,     # share of adjacent query syllable pairs adjacent in the text
    "phrase": 2.0,        # share of multi-syllable clauses present as a whole phrase
    "title": 1.0,         # share of query syllables in the title
    "title_phrase": 1.5,  # whole clause present in the title
    "exact": 3.0,         # share of syllables typed with diacritics present exactly
    "exact_adjacency": 2.0,  # adjacent pairs typed with diacritics adjacent exactly
}


def _positions(searcher, fieldname: str, term: str, docnums: list[int]) -> dict[int, frozenset]:
    out: dict[int, frozenset] = {}
    try:
        m = searcher.postings(fieldname, term)
    except (TermNotFound, KeyError):
        return out
    for d in docnums:
        if not m.is_active():
            break
        if m.id() < d:
            m.skip_to(d)
            if not m.is_active():
                break
        if m.id() == d:
            out[d] = frozenset(m.value_as("positions"))
    return out


def _pairs(parsed: ParsedQuery) -> list[list[tuple[str, str]]]:
    """Per positive clause, its syllables as (fold, exact) in order."""
    return [[(s.fold, s.exact) for s in p.syllables] for p in parsed.positive if p.kind != "prefix"]


def _chain(seq: list[str], pos: dict[str, frozenset]) -> bool:
    starts = pos.get(seq[0])
    if not starts:
        return False
    for p in starts:
        if all((p + i) in pos.get(t, ()) for i, t in enumerate(seq[1:], 1)):
            return True
    return False


def rescore(searcher, docs: list[tuple[int, float]], parsed: ParsedQuery) -> list[tuple[int, float]]:
    """Return ``docs`` re-ordered by the Vietnamese match score (stable on ties)."""
    clauses = _pairs(parsed)
    folds = sorted({f for c in clauses for f, _ in c})
    exacts = sorted({e for c in clauses for f, e in c if e != f})
    if not folds:
        return docs
    order = sorted(d for d, _ in docs)
    pos = {}
    for fieldname in ("title_f", "body_f"):
        for t in folds:
            pos[(fieldname, t)] = _positions(searcher, fieldname, t, order)
    for fieldname in ("title_x", "body_x"):
        for t in exacts:
            pos[(fieldname, t)] = _positions(searcher, fieldname, t, order)
    top = max((sc for _, sc in docs), default=0.0) or 1.0
    n_pairs = sum(max(0, len(c) - 1) for c in clauses)
    multi = [c for c in clauses if len(c) > 1]
    exact_pairs = [(a, b) for c in clauses for a, b in zip(c, c[1:]) if a[1] != a[0] or b[1] != b[0]]
    scored = []
    for rank, (d, bm25) in enumerate(docs):
        fields = {}
        for fieldname in ("title_f", "body_f", "title_x", "body_x"):
            terms = folds if fieldname.endswith("_f") else exacts
            fields[fieldname] = {t: pos[(fieldname, t)].get(d, frozenset()) for t in terms}
        tf, bf = fields["title_f"], fields["body_f"]
        present = [t for t in folds if tf[t] or bf[t]]
        coverage = len(present) / len(folds)
        title = sum(1 for t in folds if tf[t]) / len(folds)
        adj = 0
        for c in clauses:
            for (a, _), (b, _) in zip(c, c[1:]):
                if any((p + 1) in tf[b] for p in tf[a]) or any((p + 1) in bf[b] for p in bf[a]):
                    adj += 1
        adjacency = adj / n_pairs if n_pairs else coverage
        phrase = title_phrase = 0.0
        if multi:
            phrase = sum(1 for c in multi if _chain([f for f, _ in c], tf) or _chain([f for f, _ in c], bf)) / len(multi)
            title_phrase = sum(1 for c in multi if _chain([f for f, _ in c], tf)) / len(multi)
        elif clauses and len(folds) == 1:
            title_phrase = title
        score = (WEIGHTS["bm25"] * (bm25 / top) + WEIGHTS["coverage"] * coverage
                 + WEIGHTS["adjacency"] * adjacency + WEIGHTS["phrase"] * phrase
                 + WEIGHTS["title"] * title + WEIGHTS["title_phrase"] * title_phrase)
        if exacts:
            tx, bx = fields["title_x"], fields["body_x"]
            score += WEIGHTS["exact"] * sum(1 for t in exacts if tx[t] or bx[t]) / len(exacts)
            if exact_pairs:
                ok = 0
                for (af, ae), (bf_, be) in exact_pairs:
                    a_pos = (tx.get(ae) if ae != af else tf[af]), (bx.get(ae) if ae != af else bf[af])
                    b_pos = (tx.get(be) if be != bf_ else tf[bf_]), (bx.get(be) if be != bf_ else bf[bf_])
                    if any((p + 1) in (b_pos[0] or ()) for p in (a_pos[0] or ())) or \
                       any((p + 1) in (b_pos[1] or ()) for p in (a_pos[1] or ())):
                        ok += 1
                score += WEIGHTS["exact_adjacency"] * ok / len(exact_pairs)
        scored.append((score, -rank, d))
    scored.sort(reverse=True)
    return [(d, round(sc, 4)) for sc, _r, d in scored]
