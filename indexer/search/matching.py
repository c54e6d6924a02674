"""What a query matches: the reading of a query, and the named stages that widen it.

Mature engines decide the match set from the query and the index rather than from fixed
gates; this module does that for Vietnamese:

* **As typed.** A query typed with diacritics means those forms (either tone placement:
  both are normalised to one). Its syllables as typed define the match set whenever
  they find at least ``search.enough_matches`` articles; the diacritic-free forms widen
  it only when they do not, and the page says so (notice ``other_forms``).
* **Words together.** The syllables of a word the query forms ("giá vàng": pyvi's word
  ``giá_vàng`` in the index; or, in a short query, simply adjacent syllables) must be
  adjacent in the article: newest-first order, counts and facets see only those
  articles, unless too few have them (then the words may stand apart).
* **Best match for long and question-like queries.** "Kinh tế xung quanh kinh đô ánh
  sáng mạnh về gì?" is not a conjunction: like Elasticsearch's ``minimum_should_match``
  "3<75%" with its ``common`` terms, up to three words are all required, beyond that
  three in four, and common words (``indexer/data/common_terms.txt``: gì, nào, là,
  của...) are never required; every word still adds to the score by its rarity.

Each stage has a name, the reason it ran, and its notice; the search engine runs them
in order until one finds enough (:func:`stages`), and ``--explain`` shows the trace.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from indexer.search import query as vq

from indexer.search.querylang import ParsedQuery, QueryPart
from indexer.text.analysis import Syllable, syllables
from indexer.text.normalize import fold, normalize

__all__ = [
    "Clause",
    "CommonTerms",
    "Reading",
    "Stage",
    "at_least",
    "best_match_scoring",
    "load_common_terms",
    "read_query",
    "required_count",
    "stages",
]

# Syllable clauses from which a short query typed with diacritics may match all but one
# of its words as typed when no article has them all (a typo spelling a real syllable).
SOFT_MATCH_CLAUSES = 4
# Syllable clauses from which a query counts as long (scored best-match, not all-of).
LONG_QUERY_CLAUSES = 6
# A syllable in more than this share of the articles is common in a long query even
# when the word list does not name it (Elasticsearch's cutoff_frequency).
COMMON_SHARE = 0.3


# -- the common-terms list --------------------------------------------------------

@dataclass(frozen=True)
class CommonTerms:
    """Common words and question words, as syllable tuples (with and without diacritics)."""

    common: frozenset = frozenset()
    common_fold: frozenset = frozenset()
    question: frozenset = frozenset()
    question_fold: frozenset = frozenset()
    longest: int = 1

    def find(self, syls: list[Syllable], marked: bool) -> tuple[set[int], bool]:
        """(indexes of the common syllables of ``syls``, whether a question word occurs).

        A query typed with diacritics matches the list as typed ("có" is common, "cờ"
        is not); one typed without them matches it diacritic-free.
        """
        keys = [s.exact if marked else s.fold for s in syls]
        common = self.common if marked else self.common_fold
        question = self.question if marked else self.question_fold
        out: set[int] = set()
        asked = False
        i = 0
        while i < len(keys):
            for n in range(min(self.longest, len(keys) - i), 0, -1):
                seq = tuple(keys[i:i + n])
                if seq in common or seq in question:
                    out.update(range(i, i + n))
                    asked = asked or seq in question
                    i += n
                    break
            else:
                i += 1
        return out, asked


def parse_common_terms(text: str) -> CommonTerms:
    common: set[tuple[str, ...]] = set()
    question: set[tuple[str, ...]] = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        is_question = line.endswith("?")
        words = tuple(s.exact for s in syllables(normalize(line.rstrip("?")).lower()))
        if words:
            (question if is_question else common).add(words)
    longest = max((len(w) for w in common | question), default=1)
    return CommonTerms(frozenset(common), frozenset(tuple(map(fold, w)) for w in common),
                       frozenset(question), frozenset(tuple(map(fold, w)) for w in question),
                       longest)


_cache: dict[tuple[str, float], CommonTerms] = {}
_lock = threading.Lock()


def load_common_terms(path: str | Path | None) -> CommonTerms:
    """The list at ``path`` (cached by modification time); empty when absent."""
    if not path:
        return CommonTerms()
    p = Path(path)
    try:
        key = (str(p), p.stat().st_mtime)
    except OSError:
        return CommonTerms()
    with _lock:
        terms = _cache.get(key)
        if terms is None:
            try:
                terms = parse_common_terms(p.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                terms = CommonTerms()
            _cache.clear()
            _cache[key] = terms
    return terms


# -- reading a query ----------------------------------------------------------------

@dataclass
class Clause:
    """One unit of matching: a syllable, a synonym span, a phrase or a prefix."""

    text: str
    fold: vq.Query            # the diacritic-free reading
    exact: vq.Query | None    # the reading as typed (None: the same as ``fold``)
    common: bool = False

    def query(self, as_typed: bool) -> vq.Query:
        return self.exact if as_typed and self.exact is not None else self.fold


@dataclass
class Reading:
    """How one query is matched: its clauses, its words, and which kind of query it is."""

    clauses: list[Clause]
    groups: list[list[str]] = field(default_factory=list)  # folded syllables kept together
    negative: vq.Query | None = None
    marked: bool = False      # typed with diacritics
    long: bool = False        # best match over all words, not all of them
    question: bool = False
    why: str = ""
    fuzzy: dict[str, list[str]] = field(default_factory=dict)  # corrections of unknown syllables
    all_known: bool = False   # every syllable (folded) is in some article: a typo spells a real one
    runs: list[list[str]] = field(default_factory=list)  # folded syllables typed in a row (plain words)

    @property
    def required(self) -> list[Clause]:
        """The clauses a best-match query counts ("3<75%" applies to these)."""
        out = [c for c in self.clauses if not c.common]
        return out or list(self.clauses)

    def to_dict(self) -> dict:
        n = len(self.required)
        return {
            "kind": "question" if self.question else "long" if self.long else "short",
            "why": self.why,
            "typed_with_diacritics": self.marked,
            "frequent": [c.text for c in self.clauses if c.common],
            "must_match": f"{required_count(n)} of {n}" if self.long else f"all {len(self.clauses)}",
            "words_together": [" ".join(g) for g in self.groups],
        }


def required_count(n: int) -> int:
    """Elasticsearch's ``minimum_should_match: "3<75%"``: all of up to 3, else 75% (down)."""
    return n if n <= 3 else max(3, (3 * n) // 4)


def _either(fieldnames: tuple[str, str], text: str) -> vq.Query:
    return vq.Or([vq.Term(f, text) for f in fieldnames])


FOLD = ("title_f", "body_f")
EXACT = ("title_x", "body_x")


def _syllable_clause(s: Syllable, marked: bool, fuzzy: dict[str, list[str]]) -> Clause:
    alts = [s.fold] + list(fuzzy.get(s.fold, ()))
    fold_q = vq.Or([vq.Term(f, t) for t in alts for f in FOLD])
    exact_q = None
    if marked:
        # A correction one letter away has no diacritics typed: any form of it.
        exact_q = vq.Or([vq.Term(f, s.exact) for f in EXACT]
                        + [vq.Term(f, t) for t in alts[1:] for f in FOLD])
    return Clause(s.exact, fold_q, exact_q)


def _all(clauses: list[vq.Query]) -> vq.Query:
    return clauses[0] if len(clauses) == 1 else vq.And(clauses)


def _form(folds: list[str]) -> vq.Query:
    """A synonym form: its syllables adjacent, in the title or the body."""
    if len(folds) == 1:
        return _either(FOLD, folds[0])
    return vq.Or([vq.Phrase(f, folds) for f in FOLD])


def _part_clauses(part: QueryPart, marked: bool, fuzzy: dict[str, list[str]],
                  special: vq.Query | None) -> list[Clause]:
    if special is not None:  # a phrase or a prefix
        exact = None
        if part.kind == "phrase" and marked:
            exact = vq.And([special] + [_either(EXACT, s.exact) for s in part.syllables])
        return [Clause(part.text, special, exact)]
    spans = {e.start: e for e in part.expansions}
    syls = part.syllables
    out = []
    i = 0
    while i < len(syls):
        exp = spans.get(i)
        if exp is None:
            out.append(_syllable_clause(syls[i], marked, fuzzy))
            i += 1
            continue
        # A synonym span is one clause: the words typed, or any alternative, each as a
        # whole ("ủy ban nhân dân" together, not four syllables anywhere).
        own = syls[i:i + exp.length]
        alts = [_form([s.fold for s in alt]) for alt in exp.alternatives]
        fold_q = vq.Or([_form([s.fold for s in own])] + alts)
        exact_q = None
        if marked:
            exact_q = vq.Or([_all([_form([s.fold for s in own])]
                                  + [_either(EXACT, s.exact) for s in own])] + alts)
        out.append(Clause(" ".join(s.exact for s in own), fold_q, exact_q))
        i += exp.length
    return out


def read_query(parsed: ParsedQuery, special: Callable[[QueryPart], vq.Query | None],
               common_terms: CommonTerms, is_word: Callable[[list[Syllable]], bool],
               share: Callable[[Syllable, bool], float], fuzzy: dict[str, list[str]] | None = None) -> Reading:
    """The :class:`Reading` of ``parsed``.

    ``special(part)`` gives a phrase or prefix part's query (None for plain words);
    ``is_word(syllables)`` says whether adjacent syllables form a word the index knows;
    ``share(syllable, as_typed)`` is the share of the articles holding a syllable (as
    typed, or diacritic-free).
    """
    fuzzy = fuzzy or {}
    syls = parsed.positive_syllables
    marked = any(s.exact != s.fold for s in syls)
    clauses: list[Clause] = []
    groups: list[list[str]] = []
    asked = False
    n_plain = sum(len(p.syllables) for p in parsed.positive if p.kind == "terms")
    for part in parsed.positive:
        sp = special(part)
        cs = _part_clauses(part, marked, fuzzy, sp)
        if sp is None:
            common, q = common_terms.find(part.syllables, marked)
            asked = asked or q
            if len(cs) == len(part.syllables):  # no synonym span: clause i is syllable i
                for i in common:
                    cs[i].common = True  # (kept only if the query turns out long)
            for run in _outside_spans(part):
                groups.extend(_groups(run, is_word, short=n_plain <= 3))
        clauses.extend(cs)
    question = asked or parsed.normalized.rstrip().endswith("?")
    long = len(clauses) >= LONG_QUERY_CLAUSES or (question and len(clauses) >= 3)
    if not long:
        for c in clauses:
            c.common = False
    else:
        for c, s in zip(clauses, syls):
            if not c.common and len(syls) == len(clauses) and share(s, marked) > COMMON_SHARE:
                c.common = True
        groups = []  # words apart still match; adjacency only scores (re-scoring)
    why = ("a question word or question mark" if question and long else
           f"{len(clauses)} words (long from {LONG_QUERY_CLAUSES})" if long else
           f"{len(clauses)} word(s)")
    negatives = []
    for part in parsed.negative:
        sp = special(part)
        if sp is not None:
            negatives.append(sp)
        else:
            negatives.extend(_either(FOLD, s.fold) for s in part.syllables)
    neg = vq.Or(negatives) if negatives else None
    all_known = marked and not long and all(share(s, False) > 0 for s in syls)
    runs = [[x.fold for x in p.syllables] for p in parsed.positive if p.kind == "terms"]
    return Reading(clauses, groups, neg, marked, long, question, why, fuzzy, all_known, runs)


def _outside_spans(part: QueryPart) -> list[list[Syllable]]:
    """The runs of ``part``'s syllables outside synonym spans (those match as a whole)."""
    inside = {i for e in part.expansions for i in range(e.start, e.start + e.length)}
    runs: list[list[Syllable]] = [[]]
    for i, s in enumerate(part.syllables):
        if i in inside:
            runs.append([])
        else:
            runs[-1].append(s)
    return [r for r in runs if r]


def _groups(syls: list[Syllable], is_word: Callable[[list[Syllable]], bool],
            short: bool) -> list[list[str]]:
    """Runs of adjacent query syllables that must stay together in an article.

    In a query of up to three syllables every adjacent pair does ("tham nhung"); in a
    longer one, the runs that form an indexed word ("giá vàng thế giới": giá_vàng and
    thế_giới, not "vàng thế"), longest first.
    """
    if len(syls) < 2:
        return []
    if short:
        return [[s.fold for s in syls]] if len({s.fold for s in syls}) > 1 else []
    out = []
    i = 0
    while i < len(syls) - 1:
        for n in (3, 2):
            run = syls[i:i + n]
            if len(run) == n and is_word(run):
                out.append([s.fold for s in run])
                i += n
                break
        else:
            i += 1
    return out


def together(groups: list[list[str]], fuzzy: dict[str, list[str]] | None = None) -> list[vq.Query]:
    """One phrase query (title or body) per group: its syllables adjacent.

    A syllable with corrections (``fuzzy``) may be any of them in the phrase.
    """
    import itertools

    out: list[vq.Query] = []
    for g in groups:
        options = [[f] + list((fuzzy or {}).get(f, ())) for f in g]
        combos = list(itertools.islice(itertools.product(*options), 12))
        out.append(vq.Or([vq.Phrase(f, list(c)) for c in combos for f in FOLD]))
    return out


# -- stages ---------------------------------------------------------------------------

@dataclass
class Stage:
    """One way of matching the query, tried in order until one finds enough."""

    name: str
    why: str
    query: vq.Query | None = None        # evaluated as a whole (all of its clauses)
    best_of: list[vq.Query] | None = None  # or: at least ``need`` of these
    need: int = 0
    optional: list[vq.Query] = field(default_factory=list)  # common clauses (never required)
    notice: str | None = None              # the page's notice when this stage's matches show
    relaxed: bool = False

    def as_query(self) -> vq.Query | None:
        """The stage as one query tree: ``query``, or for all-but-one of ``best_of`` the OR
        of each leave-one-out AND; None for a looser best match (counted from bitsets)."""
        if self.query is not None or self.best_of is None:
            return self.query
        n = len(self.best_of)
        if self.need >= n:
            return _all(list(self.best_of))
        if self.need == n - 1:
            return vq.Or([_all(self.best_of[:i] + self.best_of[i + 1:]) for i in range(n)])
        return None

    def describe(self) -> str:
        if self.best_of is not None:
            return f"at least {self.need} of {len(self.best_of)}: " + " | ".join(map(str, self.best_of))
        return str(self.query)


def stages(r: Reading) -> list[Stage]:
    """The stages of ``r``, strictest first (each later one matches more)."""
    out: list[Stage] = []
    if not r.clauses:  # only exclusions or filters
        return [Stage("everything", "no words to look for", query=vq.Every())]
    if r.long:
        req = r.required
        need = required_count(len(req))
        rule = f"{need} of {len(req)} words ('3<75%'), frequent words optional"
        if r.marked:
            out.append(Stage("best match as typed", f"{r.why}: {rule}, as typed",
                             best_of=[c.query(True) for c in req], need=need))
        out.append(Stage("best match", f"{r.why}: {rule}" + (", any diacritics" if r.marked else ""),
                         best_of=[c.fold for c in req], need=need,
                         notice="other_forms" if r.marked else None))
        return out
    adj = together(r.groups, r.fuzzy)
    if r.marked:
        exact = [c.query(True) for c in r.clauses]
        if adj:
            out.append(Stage("as typed, words together", "typed with diacritics; "
                             + "words " + ", ".join(" ".join(g) for g in r.groups) + " adjacent",
                             query=_all(exact + adj)))
        out.append(Stage("as typed", "typed with diacritics" + ("; the words apart" if adj else ""),
                         query=_all(exact), notice="words_apart" if adj else None))
    folded = [c.fold for c in r.clauses]
    if adj:
        out.append(Stage("words together", "any diacritics; words adjacent" if r.marked
                         else "typed without diacritics; words adjacent",
                         query=_all(folded + adj), notice="other_forms" if r.marked else None))
    if r.marked and r.all_known and not r.fuzzy and len(r.clauses) >= SOFT_MATCH_CLAUSES:
        # A typo that spells another real syllable ("Het" for "Hen", "tưởng" for
        # "trưởng") leaves few articles with every word; before the folded words scattered
        # anywhere (which then match unrelated articles), take every word as typed but one.
        out.append(Stage("as typed but one word", "typed with diacritics; few articles have every "
                         "word as typed or together, and one word may be a typo that spells another",
                         best_of=[c.query(True) for c in r.clauses], need=len(r.clauses) - 1,
                         notice="missing_one"))
    out.append(Stage("all words", ("any diacritics" if r.marked else "typed without diacritics")
                     + ("; the words apart" if adj else ""), query=_all(folded),
                     notice="other_forms" if r.marked else ("words_apart" if adj else None)))
    return out


def best_match_scoring(r: Reading) -> vq.Query:
    """What a question's first stage scores: its words that are not frequent.

    BM25 over every syllable as typed and diacritic-free. Frequent words ("là", "của",
    "gì") add almost nothing to BM25 and are the costliest postings to read, so they
    are left to the re-scoring, which weighs them by their rarity.
    """
    return vq.Or([q for c in r.required for q in (c.fold, c.exact) if q is not None])


def most_words(r: Reading) -> Stage:
    """The last resort: at least half of the words (articles with more rank first)."""
    cs = [c.fold for c in r.clauses]
    return Stage("most words", "no article has all of them", best_of=cs,
                 need=max(1, len(cs) // 2), relaxed=True)


def adjacent_pairs(r: Reading) -> list[str]:
    """The pair terms (``a_b``) of the syllables typed next to each other, once each."""
    return list(dict.fromkeys(f"{a}_{b}" for run in r.runs for a, b in zip(run, run[1:])))


def most_pairs(pair_bits: list[int], within: int, want: int) -> list[int]:
    """The documents of ``within`` holding the most of ``pair_bits`` (at least half of
    them, and two), by how many they hold: the documents at the best count, then those
    at the next, until ``want`` are had."""
    n = len(pair_bits)
    have = _counts(pair_bits, n, within)
    levels: list[int] = []
    taken = 0
    for j in range(n, max(2, (n + 1) // 2) - 1, -1):
        level = have[j] & ~taken
        if level:
            levels.append(level)
            taken |= level
            if taken.bit_count() >= want:
                break
    return levels


def _counts(bitsets: list[int], upto: int, live: int) -> list[int]:
    """``have[j]``: the documents of ``live`` in at least j of ``bitsets`` (j <= ``upto``).

    Each set moves its documents up one count: O(sets x upto) big-integer operations,
    all in C.
    """
    have = [live] + [0] * upto
    for b in bitsets:
        for j in range(upto, 0, -1):
            have[j] |= have[j - 1] & b
    return have


def at_least(bitsets: list[int], need: int, live: int) -> int:
    """The documents in at least ``need`` of ``bitsets`` (big-integer bit arithmetic)."""
    need = max(1, min(need, len(bitsets)))
    return _counts(bitsets, need, live)[need] & live
