"""Second-stage ranking of retrieval candidates from their postings (no pyvi, no text).

Whoosh phrase queries over common syllables are slow; reading the positions of the
query's few terms for a few hundred candidate documents is cheap. From them we score
what makes a Vietnamese match good: the words typed with diacritics present exactly,
query syllables adjacent in the document (a multi-syllable word or phrase), the whole
phrase present, and matches in the title.

A query may have *variants*: a synonym or abbreviation in place of the words typed
("UBND" for "ủy ban nhân dân"), or a one-letter correction of a syllable that no
article contains. Each document is scored by its best variant, so an article that
writes "TP.HCM" and one that writes "thành phố Hồ Chí Minh" compete on equal terms.
"""

from __future__ import annotations

import itertools
import math


from collections.abc import Callable

from indexer.search.querylang import ParsedQuery

__all__ = ["QUESTION_WEIGHTS", "MAX_VARIANTS", "WEIGHTS", "rescore", "variants"]

WEIGHTS = {
    "bm25": 1.0,          # first-stage score, scaled to [0, 1] over the candidates
    "coverage": 2.0,      # share of distinct query syllables present
    "adjacency": 2.0,     # share of adjacent query syllable pairs adjacent in the text
    "phrase": 2.0,        # share of multi-syllable clauses present as a whole phrase
    "title": 1.0,         # share of query syllables in the title
    "title_phrase": 1.5,  # whole clause present in the title
    "title_adjacency": 1.5,  # share of adjacent query pairs adjacent in the title
    # The same features computed again with every syllable typed with diacritics
    # matched exactly ("đường" is not "dương"), times this weight: the exact view
    # outweighs the diacritic-free one, so a document with the words as typed comes
    # first even when another has the diacritic-free form in its title.
    "exact_view": 3.0,
    # A long query's frequent words (indexer/data/common_terms.txt) count this share of
    # their rarity: they say little about which article is meant.
    "common": 0.25,
}
# Questions (indexer.search.matching): their words are scattered over the article they
# ask about, so the first stage's BM25 (term frequency, length normalisation) counts
# more than for other queries; the title says little (a question names its subject, not
# a headline). Tuned on bench/relevance.py --archive --split tune.
QUESTION_WEIGHTS = dict(WEIGHTS, bm25=4.0, coverage=1.0, title=0.0, title_phrase=0.0, title_adjacency=0.0)
# Most variants (synonym alternatives x corrections) scored per query.
MAX_VARIANTS = 24
# Most corrections of one unknown syllable tried in the re-scoring.
MAX_FUZZY_VARIANTS = 6

Clause = list[tuple[str, str | None]]
_NONE: frozenset = frozenset()  # (fold, exact as typed or None) per syllable


def variants(parsed: ParsedQuery, fuzzy: dict[str, list[str]] | None = None,
             limit: int = MAX_VARIANTS) -> list[list[Clause]]:
    """The query's clauses, then the same with synonyms/corrections in place (capped)."""
    fuzzy = fuzzy or {}
    slots: list[list[list[Clause]]] = []  # per clause: per slot: options (each a Clause)
    for part in parsed.positive:
        if part.kind == "prefix":
            continue
        syls = part.syllables
        spans = {e.start: e for e in getattr(part, "expansions", ()) or ()}
        clause_slots: list[list[Clause]] = []
        i = 0
        while i < len(syls):
            exp = spans.get(i)
            if exp is not None and part.kind == "terms":
                own: Clause = [(s.fold, s.exact) for s in syls[i:i + exp.length]]
                # An alternative has no "typed" diacritics: None = any form.
                opts: list[Clause] = [own] + [[(s.fold, None) for s in alt] for alt in exp.alternatives]
                clause_slots.append(opts)
                i += exp.length
                continue
            s = syls[i]
            opts = [[(s.fold, s.exact)]]
            for n in (fuzzy.get(s.fold) or ())[:MAX_FUZZY_VARIANTS]:
                opts.append([(n, None)])
            clause_slots.append(opts)
            i += 1
        slots.append(clause_slots)
    flat = [opts for cs in slots for opts in cs]
    out: list[list[Clause]] = []
    for combo in itertools.islice(itertools.product(*flat), limit):
        it = iter(combo)
        clauses = []
        for cs in slots:
            clause: Clause = []
            for _ in cs:
                clause.extend(next(it))
            clauses.append(clause)
        out.append(clauses)
    return out


def _chain(seq: list, pos: dict) -> bool:
    """Whether the syllables of ``seq`` occur one after another (positions in ``pos``).

    Set operations run in C: the starts still possible are intersected with each next
    syllable's positions shifted back by its offset.
    """
    starts = pos.get(seq[0])
    if not starts:
        return False
    for i, t in enumerate(seq[1:], 1):
        nxt = pos.get(t)
        if not nxt:
            return False
        starts = starts.intersection(map((-i).__add__, nxt))
        if not starts:
            return False
    return True


def _adjacent(a: frozenset | None, b: frozenset | None) -> bool:
    """Whether some position of ``a`` is followed by one of ``b``."""
    if not a or not b:
        return False
    if len(a) <= len(b):
        return not b.isdisjoint(map((1).__add__, a))
    return not a.isdisjoint(map((-1).__add__, b))


def _features(seqs: list[list], t: dict, b: dict, keys: list, w: dict, wt: dict) -> float:
    """Weighted coverage, adjacency, phrase and title features of one view of a query.

    Syllables count by their rarity (``w``: IDF), so "là", "của" and "gì" matter less
    than the words that name the article.
    """
    n = 0.0
    covered = in_title = 0.0
    for k in keys:
        wk = w[k]
        n += wk
        if t[k]:
            covered += wk
            in_title += wk
        elif b[k]:
            covered += wk
    n = n or 1.0
    coverage, title = covered / n, in_title / n
    adj = t_adj = total = 0.0
    has_pairs = False
    for seq in seqs:
        for x, y in zip(seq, seq[1:]):
            has_pairs = True
            pw = w[x] + w[y]
            total += pw
            if _adjacent(t[x], t[y]):
                t_adj += pw
                adj += pw
            elif _adjacent(b[x], b[y]):
                adj += pw
    if has_pairs:
        adjacency, title_adjacency = adj / total, t_adj / total
    else:
        adjacency, title_adjacency = coverage, title
    multi = 0
    in_t = anywhere = 0
    for seq in seqs:
        if len(seq) > 1:
            multi += 1
            if _chain(seq, t):
                in_t += 1
                anywhere += 1
            elif _chain(seq, b):
                anywhere += 1
    if multi:
        title_phrase, phrase = in_t / multi, anywhere / multi
    else:
        phrase, title_phrase = 0.0, title if len(keys) == 1 else 0.0
    return (wt["coverage"] * coverage + wt["adjacency"] * adjacency
            + wt["phrase"] * phrase + wt["title"] * title
            + wt["title_phrase"] * title_phrase + wt["title_adjacency"] * title_adjacency)


class _Variant:
    """Precomputed shape of one variant of the query."""

    def __init__(self, clauses: list[Clause]):
        self.clauses = clauses
        self.folds = sorted({f for c in clauses for f, _ in c})
        # A query typed with diacritics means its plain syllables too: in "chủ quan",
        # "quan" is not "quản". A query typed without any is matched diacritic-free.
        marked = any(e is not None and e != f for c in clauses for f, e in c)
        self.exacts = sorted({e for c in clauses for f, e in c
                              if e is not None and (e != f or marked)})
        # Keys of the two views: ("f", fold) or, in the exact view, ("x", exact).
        self.fold_seqs = [[("f", f) for f, _ in c] for c in clauses]
        self.exact_seqs = [[("x", e) if e is not None and (e != f or marked) else ("f", f)
                            for f, e in c] for c in clauses]
        self.fold_keys = sorted({k for seq in self.fold_seqs for k in seq})
        self.key_fold = {k: f for c, seq in zip(clauses, self.exact_seqs) for (f, _e), k in zip(c, seq)}
        self.key_fold.update({k: k[1] for k in self.fold_keys})
        self.exact_keys = sorted({k for seq in self.exact_seqs for k in seq})
        self._bound: tuple | None = None

    def weights(self, idf: dict[str, float]) -> dict:
        return {k: idf.get(f, 1.0) for k, f in self.key_fold.items()}

    def score(self, d: int, bm25: float, pos: dict, w: dict, wt: dict = WEIGHTS) -> float:
        if not self.folds:
            return 0.0
        bound = self._bound
        if bound is None or bound[0] is not pos:
            # The position maps this variant reads, looked up once per re-scoring.
            fk = [(("f", f), pos[("title_f", f)], pos[("body_f", f)]) for f in self.folds]
            xk = [(("x", e), pos[("title_x", e)], pos[("body_x", e)]) for e in self.exacts]
            bound = self._bound = (pos, fk + xk)
        t: dict = {}
        b: dict = {}
        for k, tm, bm in bound[1]:
            t[k] = tm.get(d, _NONE)
            b[k] = bm.get(d, _NONE)
        score = wt["bm25"] * bm25 + _features(self.fold_seqs, t, b, self.fold_keys, w, wt)
        score += wt["exact_view"] * _features(self.exact_seqs, t, b, self.exact_keys, w, wt)
        return score


_AT_0: frozenset = frozenset((0,))
_AT_1: frozenset = frozenset((1,))
_AT_3: frozenset = frozenset((3,))


def _stand_ins(vs: list[_Variant], order: list[int], members, schema) -> dict:
    """Positions the features cannot tell from the real ones, made from bitsets.

    * Every clause one syllable: the features only ask whether a syllable is in the
      title or the body, so any position will do ({0}) and none is read.
    * One variant of one clause of two different syllables x y, and the index holds
      syllable pairs: the folded view also asks whether x is followed by y, which the
      pair term x_y answers; x stands at 0, and y at 1 where the pair occurs, else at 3.
      (The view with diacritics, if the query has them, still reads its positions.)
    Otherwise (synonyms, corrections, longer clauses) nothing is replaced.
    """
    def present(fieldname: str, text: str) -> dict:
        data = members(fieldname, text)
        return {d: _AT_0 for d in order if data[d >> 3] >> (d & 7) & 1}

    out: dict = {}
    if all(len(seq) == 1 for v in vs for seq in v.fold_seqs):
        for v in vs:
            for t in v.folds:
                for fieldname in ("title_f", "body_f"):
                    out[(fieldname, t)] = present(fieldname, t)
            for t in v.exacts:
                for fieldname in ("title_x", "body_x"):
                    out[(fieldname, t)] = present(fieldname, t)
        return out
    if len(vs) != 1 or len(vs[0].fold_seqs) != 1 or "body_b" not in schema or "title_b" not in schema:
        return out
    seq = vs[0].fold_seqs[0]
    if len(seq) != 2 or seq[0] == seq[1]:
        return out
    (_f, x), (_f2, y) = seq
    for fieldname, pairs in (("title_f", "title_b"), ("body_f", "body_b")):
        xs = present(fieldname, x)
        ys = present(fieldname, y)
        pair = members(pairs, f"{x}_{y}")
        out[(fieldname, x)] = xs
        out[(fieldname, y)] = {d: _AT_1 if pair[d >> 3] >> (d & 7) & 1 else _AT_3 for d in ys}
    return out


def rescore(searcher, docs: list[tuple[int, float]], parsed: ParsedQuery,
            fuzzy: dict[str, list[str]] | None = None, *,
            positions: Callable[[str, str, list[int]], dict[int, frozenset]],
            doc_frequency=None, members=None,
            common: set[str] | frozenset = frozenset(),
            weights: dict[str, float] = WEIGHTS) -> list[tuple[int, float]]:
    """Return ``docs`` re-ordered by the Vietnamese match score (stable on ties).

    ``positions(fieldname, term, sorted_docnums)`` reads term positions (the backend's
    postings reader) and ``doc_frequency(fieldname, term)`` counts a term's
    articles (default: the reader's); the search engine passes its cached versions,
    and ``members(fieldname, term)``: the term's documents as a little-endian bitset
    (bytes), from which :func:`_stand_ins` spares most position reads. ``common``: the
    folded syllables of a long query's frequent words, weighted down; ``weights``: the
    features' weights (:data:`QUESTION_WEIGHTS` for a question).
    """
    vs = [_Variant(c) for c in variants(parsed, fuzzy)]
    vs = [v for v in vs if v.folds]
    if not vs:
        return docs
    order = sorted(d for d, _ in docs)
    pos: dict = _stand_ins(vs, order, members, searcher.schema) if members is not None else {}
    for v in vs:
        for t in v.folds:
            for fieldname in ("title_f", "body_f"):
                if (fieldname, t) not in pos:
                    pos[(fieldname, t)] = positions(fieldname, t, order)
        for t in v.exacts:
            for fieldname in ("title_x", "body_x"):
                if (fieldname, t) not in pos:
                    pos[(fieldname, t)] = positions(fieldname, t, order)
    reader = searcher.reader()
    n_docs = max(1, reader.doc_count())
    if doc_frequency is None:
        doc_frequency = reader.doc_frequency
    idf = {}
    for v in vs:
        for f in v.folds:
            if f not in idf:
                df = max(doc_frequency("body_f", f), doc_frequency("title_f", f))
                idf[f] = math.log(1.0 + n_docs / (df + 1.0))
                if f in common:  # a frequent word of a long query ("gì", "của")
                    idf[f] *= weights["common"]
    ws = [v.weights(idf) for v in vs]
    top = max((sc for _, sc in docs), default=0.0) or 1.0
    scored = []
    for rank, (d, bm25) in enumerate(docs):
        b = bm25 / top
        best = max(v.score(d, b, pos, w, weights) for v, w in zip(vs, ws))
        scored.append((best, -rank, d))
    scored.sort(reverse=True)
    return [(d, round(sc, 4)) for sc, _r, d in scored]
