"""Completion of a partly typed query from the index's own words and phrases.

Candidates are pyvi's words (the ``words`` field) and adjacent syllable pairs (the
``title_b``/``body_b`` pair terms) that continue what was typed, by the prefix of the last
syllable, with or without marks ("giá v" and "gia v" both reach "giá vàng"). Each is shown
in the form the articles write it: its occurrences are read from a few articles that hold
it, in their own capitals ("Nhật Bản", "Hà Nội", but "giá vàng"), and marks the user typed
must match ("giá v" never offers "già vàng"). Candidates are ranked by how many articles
hold that form. Forms are cached per index generation.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indexer.text.normalize import fold

__all__ = ["FormCache", "Typed", "complete_phrases", "complete_query"]

# Articles read to learn how a candidate is written (enough to tell capitals from chance).
SAMPLE_DOCS = 6
# Pair terms and words looked at per request (the most frequent are kept).
MAX_EXPANSION = 400
# A pair (not one of pyvi's words) found in one article only must be used this often there.
MIN_USES = 3
# A syllable pair ending in a grammatical word is two words that meet ("giá về", "gia
# vào"), not a phrase: a syllable in more than this share of the articles is one (về, vào,
# và, của, cho...), so a pair ending with it is not offered (pyvi's words still are).
MAX_COMMON_SHARE = 0.3
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\"“”(\n]\s*)$")


@dataclass(frozen=True)
class Typed:
    """The typed syllables: folded, as typed (lower-case; ``None`` when typed without
    marks), and whether the last one is still being typed (a prefix)."""

    folds: tuple[str, ...]
    exacts: tuple[str | None, ...]
    partial: bool


class FormCache:
    """``(scope, folded phrase, typed marks) -> (form, articles, uses)``, for one index generation."""

    def __init__(self, limit: int = 20_000):
        self.limit = limit
        self.lock = threading.Lock()
        self.forms: dict[tuple, tuple[str | None, int, int]] = {}

    def get(self, key: tuple) -> tuple[str | None, int, int] | None:
        return self.forms.get(key)

    def put(self, key: tuple, value: tuple[str | None, int, int]) -> None:
        with self.lock:
            if len(self.forms) >= self.limit:
                self.forms.clear()
            self.forms[key] = value


def _decode(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _expand(reader, fieldname: str, prefix: str) -> Iterable[tuple[str, int]]:
    try:
        terms = reader.expand_prefix(fieldname, prefix)
        for i, term in enumerate(terms):
            if i >= MAX_EXPANSION:
                return
            text = _decode(term)
            yield text, reader.doc_frequency(fieldname, text)
    except (KeyError, ValueError):  # an index built without that field
        return


def _candidates(reader, typed: Typed, words: Sequence[tuple[str, int]]) -> dict[tuple[str, ...], tuple]:
    """Folded phrases continuing the typed tail -> (field, term, articles, tail length)."""
    folds, partial = typed.folds, typed.partial
    out: dict[tuple[str, ...], tuple] = {}

    def add(phrase: tuple[str, ...], field: str, term: str, df: int, tail: int) -> None:
        if not df:
            return
        is_word = field == "words" or (phrase in out and out[phrase][4])
        if phrase not in out or out[phrase][2] < df:
            out[phrase] = (field, term, df, tail, is_word)
        elif is_word:
            out[phrase] = out[phrase][:4] + (True,)

    # Pairs: the last typed syllable (complete) and the next one's prefix, or the
    # syllable typed last and any next one when the query ends with a space.
    if len(folds) >= 2 and partial:
        head, tail_len = f"{folds[-2]}_{folds[-1]}", 2
    elif not partial:
        head, tail_len = f"{folds[-1]}_", 1
    else:
        head, tail_len = "", 0
    if head:
        for field in ("title_b", "body_b"):
            for term, df in _expand(reader, field, head):
                a, _, b = term.partition("_")
                add((a, b), field, term, df, tail_len)
    # Words (pyvi compounds) that start with the last one, two or three typed syllables.
    for word, df in words:
        add(tuple(fold(word).split("_")), "words", word, df, 0)
    return out


def _starts_with(phrase: Sequence[str], tail: Sequence[str], partial: bool) -> bool:
    if len(phrase) < len(tail) + (0 if partial else 1):
        return False
    for k, t in enumerate(tail):
        last = k == len(tail) - 1
        if not (phrase[k].startswith(t) if last and partial else phrase[k] == t):
            return False
    return True


def _marks_fit(form: Sequence[str], exacts: Sequence[str | None], partial: bool) -> bool:
    for k, e in enumerate(exacts):
        if e is None:
            continue
        word = form[k].lower()
        last = k == len(exacts) - 1
        if not (word.startswith(e) if last and partial else word == e):
            return False
    return True


def _occurrences(text: str, phrase: Sequence[str]) -> Iterable[tuple[str, bool]]:
    """``(form, at a sentence start)`` for each place ``text`` holds the folded ``phrase``."""
    folded = fold(text)
    if len(folded) != len(text):  # not NFC: offsets would not line up
        return
    pattern = re.compile(r"(?<![^\W_])" + r"\s+".join(map(re.escape, phrase)) + r"(?![^\W_])")
    for m in pattern.finditer(folded):
        form = " ".join(text[m.start():m.end()].split())
        yield form, bool(_SENTENCE_END.search(text[max(0, m.start() - 3):m.start()]))


def written_form(reader, terms: Sequence[tuple[str, str]], phrase: Sequence[str], marks: Sequence[str | None],
                 partial: bool, df: int) -> tuple[str | None, int, int]:
    """How articles write ``phrase`` (with the typed ``marks``), in about how many articles,
    and how often in those read: from up to :data:`SAMPLE_DOCS` holding every ``(field, term)``."""
    if not df or not all(reader.doc_frequency(f, t) for f, t in terms):  # reading a missing term raises
        return None, 0, 0
    docs: set[int] | None = None
    for f, t in terms:
        ids = set(reader.postings(f, t).all_ids())
        docs = ids if docs is None else docs & ids
    docs_list = sorted(docs or ())[:SAMPLE_DOCS]
    inside: Counter[str] = Counter()
    initial: Counter[str] = Counter()
    fitting_docs = 0
    for docnum in docs_list:
        stored = reader.stored_fields(docnum)
        fits_here = False
        for text in (stored.get("title") or "", stored.get("body") or ""):
            for form, at_start in _occurrences(text, phrase):
                if _marks_fit(form.split(), marks, partial):
                    fits_here = True
                    (initial if at_start else inside)[form] += 1
        fitting_docs += fits_here
    if not fitting_docs:
        return None, 0, 0
    if inside:
        form = inside.most_common(1)[0][0]
    else:
        form = _sentence_case_removed(initial.most_common(1)[0][0])
    # Articles holding the term, times the share of those read that write it this way.
    return form, max(1, round(df * fitting_docs / len(docs_list))), sum(inside.values()) + sum(initial.values())


def _sentence_case_removed(form: str) -> str:
    """A form seen only at sentence starts: its first capital is the sentence's, unless
    the next word is capitalised too ("Nhật Bản" stays, "Giá vàng" becomes "giá vàng")."""
    words = form.split()
    if len(words) > 1 and words[1][:1].isupper():
        return form
    return form[:1].lower() + form[1:]


def complete_query(reader, suggester, syllables: Sequence, partial: bool, scope: tuple,
                   limit: int = 4) -> list[str]:
    """What the engine's ``complete`` offers before headlines, for the parsed syllables
    (objects with ``fold`` and ``exact``); ``suggester`` restores the context's marks."""
    folds = tuple(x.fold for x in syllables)
    exacts = tuple(x.exact if x.exact != x.fold else None for x in syllables)
    typed = Typed(folds, exacts, partial)
    if partial and len(folds[-1]) < 2 and len(folds) == 1:
        return []
    words: list[tuple[str, int]] = []
    for tail in (3, 2, 1):
        if tail <= len(folds) and (partial or tail < len(folds)):
            for word in suggester.complete_words(" ".join(folds[-tail:]), limit=12):
                term = word.replace(" ", "_")
                words.append((term, reader.doc_frequency("words", term)))
    restored = suggester.restore(list(folds))
    context = [e if e is not None else r for e, r in zip(exacts, restored)]
    return complete_phrases(reader, typed, context, words, DEFAULT_CACHE, scope, limit=limit)


DEFAULT_CACHE = FormCache()


@dataclass(frozen=True)
class _Plan:
    """One candidate made concrete: the run looked for (context syllables + phrase), the
    terms an article must hold for it, about how many do, and the typed syllables left
    before it."""

    whole: tuple[str, ...]
    terms: tuple[tuple[str, str], ...]
    df: int
    marks: tuple[str | None, ...]
    shown_before: int
    is_word: bool


def _plan(reader, typed: Typed, phrase: tuple[str, ...], cand: tuple) -> _Plan | None:
    field, term, df, tail, is_word = cand
    tail = tail or _word_tail(phrase, typed)
    if not tail or not _starts_with(phrase, typed.folds[-tail:], typed.partial):
        return None
    if any(ch.isdigit() for ch in "".join(phrase)):
        return None
    # With syllables typed before it, the whole run must occur in articles ("my ra
    # tuyen" offers "Mỹ ra tuyên bố", never "mỹ ra tuyển sinh"): it is looked for in
    # articles holding the pair that joins the context to the candidate too.
    n = len(typed.folds)
    lead = typed.folds[max(0, n - tail - 3): n - tail]
    terms: tuple[tuple[str, str], ...] = ((field, term),)
    if lead:
        join = ("body_b" if field != "title_b" else field, f"{lead[-1]}_{phrase[0]}")
        df = min(df, reader.doc_frequency(*join))
        terms = (join, *terms)
    if not df:
        return None
    return _Plan(tuple(lead) + phrase, terms, df, typed.exacts[n - tail - len(lead):], n - tail - len(lead),
                 is_word)


def complete_phrases(reader, typed: Typed, context: Sequence[str], words: Sequence[tuple[str, int]],
                     cache: FormCache, scope: tuple, limit: int = 4) -> list[str]:
    """Completions of ``typed``: ``context`` (the syllables before the completed tail, as
    they should be shown) then the phrase as articles write it, most frequent first."""
    plans = [p for phrase, cand in _candidates(reader, typed, words).items()
             if (p := _plan(reader, typed, phrase, cand)) is not None]
    ranked: list[tuple[int, str]] = []
    for plan in sorted(plans, key=lambda p: -p.df)[:12]:
        key = (scope, plan.whole, plan.marks, typed.partial)
        hit = cache.get(key)
        if hit is None:
            hit = written_form(reader, plan.terms, plan.whole, plan.marks, typed.partial, plan.df)
            cache.put(key, hit)
        form, articles, uses = hit
        if form is None:
            continue
        # A pair that is not one of pyvi's words is a phrase when articles repeat it: in
        # several articles, or several times in one ("giá vàng"), not once ("giá vài").
        if not plan.is_word and (_grammatical(reader, form.split()[-1]) or (articles < 2 and uses < MIN_USES)):
            continue
        ranked.append((articles, " ".join([*context[: plan.shown_before], form])))
    out: list[str] = []
    seen: set[str] = set()
    for _n, text in sorted(ranked, key=lambda nt: -nt[0]):
        if fold(text) not in seen:
            seen.add(fold(text))
            out.append(text)
    return out[:limit]


def _grammatical(reader, syllable: str) -> bool:
    n_docs = reader.doc_count()
    return bool(n_docs) and reader.doc_frequency("body_x", syllable.lower()) > MAX_COMMON_SHARE * n_docs


def _word_tail(phrase: Sequence[str], typed: Typed) -> int:
    """How many of the last typed syllables a word candidate continues (0: none)."""
    for tail in (3, 2, 1):
        if tail <= len(typed.folds) and _starts_with(phrase, typed.folds[-tail:], typed.partial):
            return tail
    return 0
