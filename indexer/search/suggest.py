""""Did you mean": typo fixes and diacritics restored from the index's own vocabulary.

Edit distance is computed on folded syllables only when the folded syllable is absent
from the index, so a tone difference is never treated as a typo ("chó" is not "chò").
Diacritics are restored preferring pyvi words seen in the index ("bo truong" →
"bộ trưởng"), then the most frequent form of each syllable.
"""

from __future__ import annotations

import bisect
import threading

from indexer.backends.whoosh.segments import segment_key
from indexer.text.analysis import Syllable
from indexer.text.normalize import fold
from indexer.search.querylang import ParsedQuery
from indexer.text.restore import RestoreModel, restore_syllables

__all__ = ["Suggester"]

# Letters an edit of a typed syllable may insert or change: plain ones, so the marks typed stay.
_PLAIN_LETTERS = "abcdeghiklmnopqrstuvxyđ"
# A later state whose new segments hold at most this share of its documents (a commit's)
# gets the vocabulary grown by their terms, not built again from the whole dictionary
# (about 6 s of CPU on the full corpus, in every serving process, after every commit).
GROW_SHARE = 0.05


class _Vocabulary:
    """The maps of one index generation: plain data, shared by every thread's Suggester."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.syllables: dict[str, tuple[str, int]] | None = None
        self.words: dict[str, tuple[str, int]] | None = None
        self.word_keys: list[str] | None = None
        self.restore_model: RestoreModel | None = None  # indexer.text.restore, when the index has one
        self.folded: frozenset[str] | None = None  # every indexed folded syllable
        self.alphabet: str = ""
        self.near: dict[str, list[str]] = {}  # candidates() memo (one generation's vocabulary)
        self.typed_near: dict[str, list[str]] = {}  # edits_as_typed() memo, the same way
        self.segments: frozenset[tuple] = frozenset()  # the segments whose terms it counts
        self.counted = 0  # documents counted (a segment merged from counted ones counts again)


def _leaves(reader) -> list:
    return [sub for sub, _offset in reader.leaf_readers()] if hasattr(reader, "leaf_readers") else [reader]


def _add_forms(best: dict[str, tuple[str, int]], leaf, fieldnames: tuple[str, ...]) -> None:
    """Count one segment's terms into a best-form map (a form seen before gains its
    document frequency there; another form of the same folded key replaces it when it
    is more frequent in the segment alone: an approximation a commit's few articles
    cannot tip far)."""
    for fieldname in fieldnames:
        for term, df in _doc_frequencies(leaf, fieldname).items():
            key = fold(term)
            cur = best.get(key)
            if cur is None or cur[0] == term:
                best[key] = (term, df + (cur[1] if cur else 0))
            elif df > cur[1]:
                best[key] = (term, df)


def _lexicon(reader, fieldnames: tuple[str, ...]) -> set[str]:
    """Every term of ``fieldnames``, as text."""
    return {t.decode("utf-8") if isinstance(t, bytes) else t
            for fieldname in fieldnames for t in reader.lexicon(fieldname)}


def _doc_frequencies(reader, fieldname: str) -> dict[str, int]:
    """Every term of ``fieldname`` with its document frequency.

    Read segment by segment: a multi-segment reader's ``iter_field`` looks each term
    up in every segment (8x slower on a two-segment index).
    """
    out: dict[str, int] = {}
    for leaf in _leaves(reader):
        for term, info in leaf.iter_field(fieldname):
            term = term.decode("utf-8") if isinstance(term, bytes) else term
            out[term] = out.get(term, 0) + info.doc_frequency()
    return out


class Suggester:
    """Vocabulary maps built lazily from an index reader.

    Readers belong to one thread's searcher (and are closed when it refreshes), so a
    Suggester is bound to the calling thread's reader with :meth:`bound`; the maps,
    being plain data, are shared.
    """

    def __init__(self, reader, vocabulary: _Vocabulary | None = None):
        self.reader = reader
        self._vocab = vocabulary or _Vocabulary()

    def bound(self, reader) -> Suggester:
        """The same vocabulary, reading postings through ``reader``."""
        return self if reader is self.reader else Suggester(reader, self._vocab)

    def ready(self) -> bool:
        """True once the vocabulary maps exist (see :meth:`prepare`)."""
        v = self._vocab
        return v.syllables is not None and v.folded is not None

    def prepare(self) -> None:
        """Build the vocabulary maps now (a walk of the term dictionary)."""
        self._maps()
        self._folded_syllables()

    def grown(self, reader) -> Suggester | None:
        """A Suggester for ``reader``, a later state of the same index, whose vocabulary
        is this one's with the terms of the segments added since (a commit's) counted in;
        None when this vocabulary is not built yet or the index changed too much (then a
        new one is built). Segments merged away only leave their counts behind."""
        v = self._vocab
        if not self.ready() or v.words is None or v.word_keys is None or not v.segments:
            return None
        leaves = _leaves(reader)
        keys = [segment_key(sub) for sub in leaves]
        added = [sub for sub, key in zip(leaves, keys) if key not in v.segments]
        added_docs = sum(sub.doc_count_all() for sub in added)
        counted = v.counted + added_docs
        docs = reader.doc_count_all()
        if added_docs > GROW_SHARE * docs or counted > (1 + GROW_SHARE) * docs:  # much new, or counted twice
            return None
        new = _Vocabulary()
        new.syllables, new.words = dict(v.syllables or {}), dict(v.words)
        folded = set(v.folded or ())
        for sub in added:
            _add_forms(new.words, sub, ("words",))
            _add_forms(new.syllables, sub, ("title_x", "body_x"))
            folded |= _lexicon(sub, ("title_f", "body_f"))
        word_keys = list(v.word_keys)
        for key in new.words.keys() - v.words.keys():
            bisect.insort(word_keys, key)
        new.word_keys = word_keys
        new.folded = frozenset(folded)
        new.alphabet = v.alphabet
        new.restore_model = v.restore_model
        new.segments = frozenset(keys)
        new.counted = counted
        return Suggester(reader, new)

    def _best_forms(self, fieldnames: tuple[str, ...]) -> dict[str, tuple[str, int]]:
        best: dict[str, tuple[str, int]] = {}
        for fieldname in fieldnames:
            for term, df in _doc_frequencies(self.reader, fieldname).items():
                key = fold(term)
                cur = best.get(key)
                if cur is None or df > cur[1]:
                    best[key] = (term, df)
        return best

    def _maps(self):
        v = self._vocab
        with v.lock:
            if v.syllables is None:
                v.segments = frozenset(segment_key(sub) for sub in _leaves(self.reader))
                v.counted = self.reader.doc_count_all()
                words = self._best_forms(("words",))
                v.word_keys = sorted(words)
                v.words = words
                v.syllables = self._best_forms(("title_x", "body_x"))
        return v.syllables, v.words

    def complete_words(self, folded_prefix: str, limit: int = 3) -> list[str]:
        """Frequent indexed words (pyvi compounds) starting with ``folded_prefix``."""
        _syl, words = self._maps()
        key = folded_prefix.strip().replace(" ", "_")
        if len(key) < 2:
            return []
        keys = self._vocab.word_keys or []
        i = bisect.bisect_left(keys, key)
        found: list = []
        while i < len(keys) and keys[i].startswith(key) and len(found) < 2000:
            found.append(words[keys[i]])
            i += 1
        found.sort(key=lambda wd: -wd[1])
        return [w.replace("_", " ") for w, _df in found[:limit]]

    def doc_frequency(self, fold_syllable: str) -> int:
        return self.reader.doc_frequency("body_f", fold_syllable) + \
            self.reader.doc_frequency("title_f", fold_syllable)

    def candidates(self, folded: str) -> list[str]:
        """Indexed folded syllables one edit (or one swap of neighbours) away, by frequency.

        Empty when ``folded`` itself is in the index: a syllable that exists is never
        "corrected", and since both sides are folded a tone difference is never an
        edit ("chó" is not "chò").
        """
        if len(folded) < 2 or not folded.isalpha() or self.doc_frequency(folded):
            return []
        memo = self._vocab.near
        if folded in memo:
            return memo[folded]
        found = {cand: self.doc_frequency(cand) for cand in self._one_edit_away(folded)}
        out = sorted(found, key=lambda c: (-found[c], c))
        if len(memo) < 10_000:
            memo[folded] = out
        return out

    def _one_edit_away(self, folded: str) -> set[str]:
        """Indexed folded syllables one Damerau-Levenshtein edit from ``folded``.

        Generates the few hundred strings one deletion, swap of neighbours, replacement
        or insertion away and keeps those the index holds: microseconds, where walking
        the term dictionary (Whoosh's ``terms_within``) took half a second a field on
        2,000 articles and grows with the vocabulary.
        """
        vocab, alphabet = self._folded_syllables()
        n = len(folded)
        edits = {folded[:i] + folded[i + 1:] for i in range(n)}
        edits.update(folded[:i] + folded[i + 1] + folded[i] + folded[i + 2:] for i in range(n - 1))
        for i in range(n + 1):
            for c in alphabet:
                edits.add(folded[:i] + c + folded[i:])
                if i < n:
                    edits.add(folded[:i] + c + folded[i + 1:])
        edits.discard(folded)
        return {e for e in edits if e in vocab}

    def _folded_syllables(self) -> tuple[frozenset[str], str]:
        v = self._vocab
        with v.lock:
            if v.folded is None:
                terms = _lexicon(self.reader, ("title_f", "body_f"))
                chars: dict[str, int] = {}
                for term in terms:
                    for ch in term:
                        chars[ch] = chars.get(ch, 0) + 1
                # The letters syllables are made of (not every stray symbol of the corpus).
                v.alphabet = "".join(sorted((c for c in chars if c.isalpha()), key=lambda c: -chars[c])[:64])
                v.folded = frozenset(terms)
        return v.folded, v.alphabet

    def edits_as_typed(self, exact: str) -> list[str]:
        """Indexed syllables one edit from ``exact`` with its marks kept, most frequent first.

        An accent typed is evidence: "vàgn" is "vàng" (letters swapped, the grave kept),
        not "vẫn" or "vắng", though all fold one edit away. Edits (a plain letter dropped
        or changed, two letters swapped, a plain letter added: a letter with a mark typed
        is never dropped or changed, since the marks typed are what is kept) of the
        syllable as typed, looked up in the fields with diacritics. The typo fallback, the
        corrections of a typed syllable and "did you mean" all use it (memoised: one search
        may ask twice).
        """
        memo = self._vocab.typed_near
        if exact in memo:
            return memo[exact]
        reader = self.reader
        cands: set[str] = set()
        for i in range(len(exact) + 1):
            # Only a plain letter is dropped or changed: a letter with a mark typed stays.
            plain = i < len(exact) and exact[i] in _PLAIN_LETTERS
            for c in _PLAIN_LETTERS:
                cands.add(exact[:i] + c + exact[i:])
                if plain:
                    cands.add(exact[:i] + c + exact[i + 1:])
            if plain:
                cands.add(exact[:i] + exact[i + 1:])
            if i < len(exact) - 1:
                cands.add(exact[:i] + exact[i + 1] + exact[i] + exact[i + 2:])
        cands.discard(exact)
        known = self._vocab.folded  # once loaded, most edits fold to no indexed syllable
        if known is not None:
            cands = {c for c in cands if fold(c) in known}
        found: dict[str, int] = {}
        for c in cands:
            df = reader.doc_frequency("body_x", c) + reader.doc_frequency("title_x", c)
            if df:
                found[c] = df
        out = sorted(found, key=lambda k: (-found[k], k))
        if len(memo) < 10_000:
            memo[exact] = out
        return out

    def corrections_as_typed(self, syls: list[Syllable], limit: int) -> dict[str, list[str]]:
        """Syllables typed with marks that no article has as typed -> folded corrections.

        Such a syllable is a typo even when its folded form is common ("điện thại": no
        article has "thại", but "thai" is in every article about Thái Lan), so the fallback
        for unknown folded syllables never starts and the folded form matches unrelated
        articles. Its corrections keep the marks typed (:meth:`edits_as_typed`); those that
        make a word the index knows with a neighbour typed ("điện_thoại") are kept alone.
        Without such a word the evidence is weak (a name no article spells so, a tone
        misplaced: "Văn Thạnh" may mean "Văn Thành"), so the folded form stays one of
        the alternatives and the most frequent corrections join it.
        """
        out: dict[str, list[str]] = {}
        for i, syl in enumerate(syls):
            if syl.fold in out or len(syl.fold) < 2:
                continue
            words, typed = self.typed_fixes(syls, i)
            fixes = words or typed
            folds = [f for f in dict.fromkeys(fold(c) for c in fixes) if f != syl.fold][:limit]
            if folds and not words and self.doc_frequency(syl.fold):
                folds.append(syl.fold)
            if folds:
                out[syl.fold] = folds
        return out

    def typed_fixes(self, syls: list[Syllable], i: int) -> tuple[list[str], list[str]]:
        """Corrections of ``syls[i]`` (with the marks typed) when it was typed with marks
        and no article has it as typed: (those making a known word with a neighbour, all)."""
        syl, reader = syls[i], self.reader
        if syl.exact == syl.fold or reader.doc_frequency("body_x", syl.exact) \
                or reader.doc_frequency("title_x", syl.exact):
            return [], []
        typed = self.edits_as_typed(syl.exact)
        near = [syls[k].exact for k in (i - 1, i + 1) if 0 <= k < len(syls)]
        words = [c for c in typed
                 if any(reader.doc_frequency("words", w) for n in near for w in (f"{n}_{c}", f"{c}_{n}"))]
        return words, typed

    def fix_syllable(self, folded: str, before: str | None = None,
                     after: str | None = None, exact: str | None = None) -> str | None:
        """The best indexed correction of an unknown folded syllable, if any (folded).

        A candidate that makes a known word with its neighbour in the query ("nhat bna"
        -> "ban", for "nhật bản") beats a merely frequent one ("ba"). With ``exact``, the
        syllable as typed with marks, a correction keeping those marks beats both: see
        :meth:`fix_typed_syllable`.
        """
        fixed = self.fix_typed_syllable(folded, before, after, exact)
        return fold(fixed) if fixed else None

    def fix_typed_syllable(self, folded: str, before: str | None = None,
                           after: str | None = None, exact: str | None = None) -> str | None:
        """As :meth:`fix_syllable`, but a correction that keeps the marks typed in
        ``exact`` is returned with them ("vàgn" -> "vàng"); others come back folded."""
        cands = self.candidates(folded)
        if not cands:
            return None
        _syl, words = self._maps()

        def makes_word(cand: str) -> bool:
            return bool((before and f"{before}_{cand}" in words) or (after and f"{cand}_{after}" in words))

        if exact and exact != folded:
            typed = self.edits_as_typed(exact)
            if typed:
                return next((form for form in typed if makes_word(fold(form))), typed[0])
        return next((cand for cand in cands if makes_word(cand)), cands[0])

    def restore(self, folds: list[str]) -> list[str]:
        """Diacritic forms for a run of folded syllables, preferring known words."""
        syl_map, word_map = self._maps()
        out: list[str] = []
        i = 0
        while i < len(folds):
            for n in (3, 2):
                if i + n <= len(folds):
                    hit = word_map.get("_".join(folds[i:i + n]))
                    if hit:
                        out.extend(hit[0].split("_"))
                        i += n
                        break
            else:
                hit = syl_map.get(folds[i])
                out.append(hit[0] if hit else folds[i])
                i += 1
        return out

    def use_restore_model(self, model: RestoreModel | None) -> None:
        """Restore diacritics with the index's syllable model (indexer.text.restore)."""
        self._vocab.restore_model = model

    def restore_typed(self, folds: list[str], typed: list[str | None]) -> list[str]:
        """Diacritic forms for ``folds``; ``typed[i]`` is what the user typed with marks
        (evidence for the model). Without a model: :meth:`restore`."""
        model = self._vocab.restore_model
        if model is None:
            return self.restore(folds)
        return restore_syllables(folds, typed, model)

    def did_you_mean(self, parsed: ParsedQuery) -> str | None:
        """A corrected query, or None when there is nothing to correct."""
        changed = False
        pieces: list[str] = []
        for part in parsed.positive:
            if part.kind == "prefix":
                pieces.append(part.text + "*")
                continue
            syls = part.syllables
            fixed = []
            typed: list = []
            for k, s in enumerate(syls):
                repl = self.fix_typed_syllable(s.fold, syls[k - 1].fold if k else None,
                                               syls[k + 1].fold if k + 1 < len(syls) else None,
                                               s.exact)
                if repl is None:  # known folded, but no article has it as typed ("ghệ"):
                    # only a correction making a word (a rare real syllable is no typo by itself)
                    repl = next(iter(self.typed_fixes(syls, k)[0]), None)
                if repl:
                    changed = True
                    fixed.append(fold(repl))
                    # A correction that kept the typed marks is shown with them.
                    typed.append(repl if repl != fold(repl) else None)
                else:
                    fixed.append(s.fold)
                    typed.append(s.exact if s.exact != s.fold else None)
            restored = self.restore_typed(fixed, typed)
            # Keep what the user typed with diacritics; restore the rest.
            words = [t if t is not None else r for t, r in zip(typed, restored)]
            text = " ".join(words)
            pieces.append(f'"{text}"' if part.kind == "phrase" else text)
        if not changed:
            return None
        for part in parsed.negative:
            pieces.append("-" + (f'"{part.text}"' if part.kind == "phrase" else part.text))
        return " ".join(pieces)
