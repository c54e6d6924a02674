"""Diacritics restored from the index's own text: a syllable bigram model.

A query typed without diacritics ("tam bao") could mean several things ("tâm bão", "tam
bảo"); the articles of the index say which is likely. At index time the headlines and the
leads of the articles are counted as syllable unigrams and bigrams (the exact, normalised
syllables the analysis produces: :func:`indexer.build._syllable_streams`' form); the model
is stored in the index generation (``restore.model``, a compressed pickle of plain dicts)
and updated with the articles each run adds. A query's folded syllables are then decoded
with Viterbi over each syllable's diacritic forms, scored by an interpolated absolute-
discount bigram model (Kneser-Ney's lower order replaced by unigram frequency). A syllable
the user typed with marks is evidence and stays as typed.
"""

from __future__ import annotations

import gzip
import itertools
import math
import os
import pickle
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from indexer.text.normalize import fold, has_diacritics, normalize, spell_iy

__all__ = ["MODEL_NAME", "RestoreModel", "cached_model", "load_model", "restore", "restore_syllables",
           "update_model"]

MODEL_NAME = "restore.model"
MODEL_FORMAT = 2  # 2: which version of each article was counted (1: only which articles)
LEAD_CHARS = 600  # of each body: the lead reads like a headline and costs little to count
MAX_FORMS = 6  # diacritic forms tried per folded syllable (the most frequent)
DISCOUNT = 0.75
# Up to this many distinct pairs the model keeps them all; beyond, pairs seen once are
# dropped when it is saved (measured: 0.7 points of syllable accuracy, a third the size).
KEEP_ALL_PAIRS = 200_000
_SYLLABLE = re.compile(r"[^\W_]+")
_SENTENCE = re.compile(r"[.!?;:\n]")


@dataclass
class RestoreModel:
    """Counts of exact syllables and adjacent pairs, and which articles were counted."""

    unigrams: Counter = field(default_factory=Counter)
    bigrams: Counter = field(default_factory=Counter)
    counted: dict[int, int] = field(default_factory=dict)  # hash of key -> hash of its version
    _forms: dict[str, list[str]] | None = None
    _left: dict[str, tuple[float, float]] = field(default_factory=dict)
    _logu: dict[str, float] = field(default_factory=dict)
    _pu: dict[str, float] = field(default_factory=dict)
    _floor: float = 0.0

    def add_text(self, text: str) -> None:
        """Count one normalised text (title or lead), sentence by sentence."""
        for sentence in _SENTENCE.split(spell_iy(text.lower())):
            syls = _SYLLABLE.findall(sentence)
            self.unigrams.update(syls)
            self.bigrams.update(itertools.pairwise(syls))
        self._forms = None

    def remove_text(self, text: str) -> None:
        """Take back the counts :meth:`add_text` made for ``text`` (a pair dropped when the
        model was saved, :data:`KEEP_ALL_PAIRS`, stays dropped)."""
        for sentence in _SENTENCE.split(spell_iy(text.lower())):
            syls = _SYLLABLE.findall(sentence)
            _subtract(self.unigrams, syls)
            _subtract(self.bigrams, itertools.pairwise(syls))
        self._forms = None

    def count_article(self, title: str, body: str) -> None:
        """Count what the model reads of one article: its headline and its lead."""
        self.add_text(title)
        self.add_text(body[:LEAD_CHARS])

    def uncount_article(self, title: str, body: str) -> None:
        self.remove_text(title)
        self.remove_text(body[:LEAD_CHARS])

    def _prepare(self) -> None:
        if self._forms is not None:
            return
        forms: dict[str, list[str]] = defaultdict(list)
        for syl, _n in self.unigrams.most_common():
            f = fold(syl)
            if len(forms[f]) < MAX_FORMS:
                forms[f].append(syl)
        followers: Counter = Counter()
        left: Counter = Counter()
        for (a, _b), n in self.bigrams.items():
            followers[a] += 1
            left[a] += n
        total = sum(self.unigrams.values()) or 1
        denom = total + 0.5 * (len(self.unigrams) + 1)
        self._floor = math.log(0.5 / denom)
        self._logu = {w: math.log((n + 0.5) / denom) for w, n in self.unigrams.items()}
        self._pu = {w: (n + 0.5) / denom for w, n in self.unigrams.items()}
        # per left syllable: (1 / its count as a left neighbour, back-off weight)
        self._left = {a: (1.0 / n, DISCOUNT * followers[a] / n) for a, n in left.items()}
        self._forms = dict(forms)

    def forms(self, folded: str) -> list[str]:
        """The diacritic forms of a folded syllable seen in the index, most frequent first."""
        self._prepare()
        assert self._forms is not None
        return self._forms.get(folded, [])

    def logp(self, prev: str | None, syl: str) -> float:
        """log P(syl | prev): interpolated absolute discounting over unigram frequency."""
        self._prepare()
        p_uni = self._pu.get(syl)
        if p_uni is None:
            return self._floor
        left = self._left.get(prev) if prev is not None else None
        if left is None:
            return self._logu[syl]
        inv, backoff = left
        c = self.bigrams.get((prev, syl), 0)
        return math.log(max(c - DISCOUNT, 0) * inv + backoff * p_uni)


def _subtract(counts: Counter, items: Iterable) -> None:
    for item in items:
        n = counts.get(item, 0) - 1
        if n > 0:
            counts[item] = n
        else:
            counts.pop(item, None)


def _key_hash(key: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def load_model(folder: Path | str) -> RestoreModel | None:
    """The model stored in an index generation, or None (an index built before it)."""
    path = Path(folder) / MODEL_NAME
    try:
        with gzip.open(path, "rb") as fh:
            data = pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") not in (1, MODEL_FORMAT):
        return None
    if data["format"] == 1:  # which articles, not which versions: the next update recounts
        counted = dict.fromkeys(data["keys"], 0)
    else:
        counted = dict(data["counted"])
    return RestoreModel(Counter(data["unigrams"]), Counter(data["bigrams"]), counted)


def save_model(folder: Path | str, model: RestoreModel) -> None:
    """Write the model atomically (a crash leaves the old one, never half a file)."""
    path = Path(folder) / MODEL_NAME
    tmp = path.with_suffix(".tmp")
    bigrams = model.bigrams
    if len(bigrams) > KEEP_ALL_PAIRS:  # pairs seen once are most of a big model and matter least
        bigrams = Counter({k: n for k, n in bigrams.items() if n > 1})
    data = {"format": MODEL_FORMAT, "unigrams": dict(model.unigrams), "bigrams": dict(bigrams),
            "counted": model.counted}
    with gzip.open(tmp, "wb", compresslevel=6) as fh:
        pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


Fetch = Callable[[], tuple[str, str]]


def update_model(folder: Path | str, articles: Iterable[tuple[str, str, Fetch]],
                 forgotten: Iterable[tuple[str, tuple[str, str]]] = ()) -> RestoreModel:
    """Bring the stored model in step with the index's live articles.

    ``articles``: ``(key, version, fetch)`` of every live article, ``version`` its content
    hash and ``fetch()`` its stored ``(title, body)`` (only called for what is counted).
    ``forgotten``: ``(key, (title, body))`` of the articles this run deleted or replaced,
    as they were before: their counts are taken back. Called by the builder after its
    commits. Should the model still hold an article that is no longer live, or an older
    version of one (the run that changed it was killed before saving the model), it is
    recounted from the live articles: counts never drift from what the index holds.
    """
    model = load_model(folder)
    path = Path(folder) / MODEL_NAME
    changed = model is None or not path.exists()
    model = model or RestoreModel()
    for key, (title, body) in forgotten:
        if model.counted.pop(_key_hash(key), None) is not None:
            model.uncount_article(title, body)
            changed = True
    live = [(_key_hash(key), _key_hash(version), fetch) for key, version, fetch in articles]
    held = {k: v for k, v, _f in live}
    if any(held.get(k) != v for k, v in model.counted.items()):
        model, changed = RestoreModel(), True  # out of step: recount what is live
    for k, v, fetch in live:
        if k not in model.counted:
            model.counted[k] = v
            model.count_article(*fetch())
            changed = True
    if changed:
        save_model(folder, model)
    return model


_cache_lock = threading.Lock()
_cache: dict[str, tuple[float, RestoreModel | None]] = {}


_reloading: set[str] = set()


def cached_model(folder: Path | str, stale_ok: bool = False) -> RestoreModel | None:
    """:func:`load_model`, once per file version per process, its look-up tables built.

    Every index commit rewrites the model file, and loading and preparing it takes a
    good part of a second. With ``stale_ok`` (searching), the version already loaded
    keeps answering while the new one loads in a background thread, so the first
    searches after a commit do not wait for it (they read diacritics with the counts of
    the commit before, which the model being a frequency estimate, hardly matters)."""
    path = Path(folder) / MODEL_NAME
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    key = str(path)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == mtime:
            return hit[1]
        if stale_ok and hit is not None and hit[1] is not None:
            if key not in _reloading:
                _reloading.add(key)
                threading.Thread(target=_reload, args=(folder, key, mtime), name="vnsearch-restore-model",
                                 daemon=True).start()
            return hit[1]
        model = _load_prepared(folder)
        _cache[key] = (mtime, model)
        return model


def _load_prepared(folder: Path | str) -> RestoreModel | None:
    model = load_model(folder)
    if model is not None:
        model.forms("")  # build the look-up tables now, not inside a search
    return model


def _reload(folder: Path | str, key: str, mtime: float) -> None:
    try:
        model = _load_prepared(folder)
        with _cache_lock:
            _cache[key] = (mtime, model)
    except Exception:  # the file went away or changed again: the next search tries anew
        pass
    finally:
        with _cache_lock:
            _reloading.discard(key)


def _apply_case(typed: str, exact: str) -> str:
    """``exact``'s letters with ``typed``'s case (folding keeps lengths on NFC text)."""
    if len(typed) != len(exact):
        return exact
    return "".join(e.upper() if t.isupper() else e for t, e in zip(typed, exact))


def decode(cands: list[list[str]], model: RestoreModel) -> list[str]:
    """The most likely chain of syllables, one from each candidate list (Viterbi)."""
    if not cands:
        return []
    scores = {c: model.logp(None, c) for c in cands[0]}
    back: list[dict[str, str]] = []
    for options in cands[1:]:
        new_scores: dict[str, float] = {}
        ptr: dict[str, str] = {}
        for c in options:
            arg = max(scores, key=lambda p: scores[p] + model.logp(p, c))
            new_scores[c], ptr[c] = scores[arg] + model.logp(arg, c), arg
        scores = new_scores
        back.append(ptr)
    path = [max(scores, key=lambda c: scores[c])]
    for ptr in reversed(back):
        path.append(ptr[path[-1]])
    path.reverse()
    return path


def restore_syllables(folds: list[str], typed: list[str | None], model: RestoreModel) -> list[str]:
    """Diacritic forms for folded syllables; ``typed[i]``, when given, is what the user
    typed with marks there: kept, and context for its neighbours."""
    cands = []
    for f, t in zip(folds, typed):
        cands.append([t] if t is not None else (model.forms(f) or [f]))
    return decode(cands, model)


def restore(text: str, model: RestoreModel) -> str:
    """``text`` with diacritics restored on the syllables typed without them.

    Syllables typed with marks stay as typed and are context for their neighbours; a
    syllable the index never holds stays as typed too. Case and punctuation are kept.
    """
    text = normalize(text)
    matches = list(_SYLLABLE.finditer(text))
    if not matches:
        return text
    lows = [spell_iy(m.group().lower()) for m in matches]
    typed = [low if has_diacritics(low) or low.isdigit() else None for low in lows]
    path = restore_syllables([fold(low) for low in lows], typed, model)
    out, pos = [], 0
    for m, t, exact in zip(matches, typed, path):
        chosen = m.group() if t is not None else _apply_case(m.group(), exact)
        out.append(text[pos:m.start()] + chosen)
        pos = m.end()
    return "".join(out) + text[pos:]
