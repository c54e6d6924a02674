"""Real headlines for records whose title line is a lead, or a headline run into its lead.

What the real collections give (``../shared/corpus/README.md``):

* VNTC nld.com.vn / thanhnien.vn lines put headline and lead on one line, sometimes with
  an outlet marker ("... (NLĐ)- Bộ trưởng ...", "(TN) -"), often with nothing: "Samsung
  tung ra ĐTDĐ siêu mỏng Xu hướng sản xuất ...". Thanhnien lines are mostly the lead alone.
* dantri (UNC, 2021 batch) keeps the lead as "title"; the URL slug is the headline.

:func:`split_title` splits where the evidence is clear: an outlet marker, a "?" or "!"
ending the headline, or a capitalised syllable that, inside a sentence, is almost always
lower-case (``indexer/data/midsentence.txt``, counted from the corpus' bodies) followed
by a lower-case one: that capital starts a sentence, so the headline ended before it.
:func:`restore_slug` spells a slug's syllables the way the article's own text spells the
same words in the same context, keeping the text's punctuation between them.
:func:`display_title` shortens what is left (a lead) to at most 25 words for display.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from indexer.text.normalize import fold

__all__ = [
    "MAX_DISPLAY_WORDS",
    "SlugRestoration",
    "TitleSplit",
    "display_title",
    "looks_like_lead",
    "midsentence_lower",
    "restore_slug",
    "split_title",
]

MAX_DISPLAY_WORDS = 25
# A capital on one of these syllables starts a sentence when at most this share of its
# occurrences inside sentences is capitalised.
MAX_CAPITAL_SHARE = 0.05
_MIN_HEAD_WORDS, _MAX_HEAD_WORDS, _MIN_LEAD_WORDS = 3, 30, 6
_MAX_CAPITAL_HEAD_WORDS = 20
# A capital inside a shorter line is more often a name in a long headline ("Hoạt động
# hưởng ứng Tuần lễ quốc gia ...") than a lead's first word: no capital split below this.
_MIN_CAPITAL_SPLIT_WORDS = 20
# Shorter lines are headlines as they are: clean VNTC/VnExpress headlines are ~9 words.
_MIN_SPLIT_WORDS = 14

# "(NLĐ)-", "(NLĐO)-", "(NLĐ) –", "(TN) -", "TTO -": outlet markers that start a lead.
_MARKER = re.compile(r"\s*\(\s*(?:NLĐO?|NLD|TN|TTO|VnExpress|Dân trí)\s*\)\s*[-–—:]\s*|\s*\(\s*NLĐO?\s*\)\s*"
                     r"|\s+TTO\s*[-–—]\s+")
_CAPTION = re.compile(r"\(?\s*Ảnh\s*:")
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def capital_shares() -> dict[str, float]:
    """Syllable -> share of its in-sentence occurrences that are capitalised (module doc)."""
    text = resources.files("indexer").joinpath("data/midsentence.txt").read_text("utf-8")
    shares = {}
    for line in text.splitlines():
        word, _, share = line.partition("\t")
        if share and not word.startswith("#"):
            shares[word] = float(share)
    return shares


@lru_cache(maxsize=1)
def midsentence_lower() -> frozenset[str]:
    """Syllables almost never capitalised inside a sentence (share at most 5%)."""
    return frozenset(w for w, share in capital_shares().items() if share <= MAX_CAPITAL_SHARE)


@dataclass(frozen=True, slots=True)
class TitleSplit:
    """A title line cut into headline and lead; ``how`` names the evidence."""

    headline: str
    lead: str
    how: str  # "marker", "question", "capital"


def _word_count(text: str) -> int:
    return len(text.split())


def _plausible(head: str, lead: str) -> bool:
    return (_MIN_HEAD_WORDS <= _word_count(head) <= _MAX_HEAD_WORDS and _word_count(lead) >= _MIN_LEAD_WORDS
            and not _CAPTION.search(head))


def _by_marker(title: str) -> TitleSplit | None:
    m = _MARKER.search(title)
    if m is None:
        return None
    head, lead = title[: m.start()].strip(), title[m.end():].strip()
    # "Headline Ảnh: caption (NLĐ)- lead": the caption is not the headline.
    cap = _CAPTION.search(head)
    if cap is not None:
        head = head[: cap.start()].strip()
    return TitleSplit(head, lead, "marker") if _plausible(head, lead) else None


# A headline never ends on a word that needs a complement ("... tại | Giải vô địch").
_NO_END = frozenset(["tại", "của", "với", "và", "cho", "ở", "về", "trong", "từ", "là", "các", "những", "một",
                     "đã", "sẽ", "được", "bị", "do", "theo", "như", "khi", "sau", "trước", "giữa", "hay",
                     "hoặc", "mà", "thì", "nhưng", "vì", "nên", "để", "bằng", "trên", "dưới", "qua", "đến",
                     "tới", "ra", "vào", "cùng", "rằng", "nhiều", "ông", "bà", "anh", "chị", "cô"])
_QUOTES = "\"“”'‘’(«"
# Lines that are not headline + lead: Q&A columns, lists of links.
_NOT_HEADLINE_START = re.compile(r"^(?:Hỏi\s*:|•|>>|&gt;)")
_SENTENCE_END = ("?", "!", "…", "...")


# Words a lead opens with (time, place, source): a "headline" starting with one of them
# and holding a comma is the lead's first clause ("Ngày 16/6, lãnh đạo Bệnh viện ...").
_LEAD_OPENERS = frozenset(["ngày", "sáng", "chiều", "tối", "trưa", "đêm", "hôm", "theo", "tại", "vào",
                           "trong", "sau", "từ", "đến", "khi", "tính", "hiện", "mới"])


def _capitalised(word: str) -> bool:
    word = word.lstrip(_QUOTES).rstrip(".,:;!?…\"”'’)")
    return bool(word) and word[0].isupper() and (len(word) == 1 or word[1:].islower()) and word.isalpha()


def _starts_sentence(words: list[str], i: int, shares: dict[str, float]) -> str | None:
    """Why ``words[i]`` starts the lead after the headline ``words[:i]``, or None.

    After "?", "!" or "…" any capital does. Otherwise the word must be one almost always
    lower-case inside sentences, the headline must not end on a word that needs a
    complement, and the capital must not sit inside a name: after a capitalised word
    (only the rarest-capitalised words, followed by a lower-case one, pass), or two words
    after one ("Liên đoàn | Bóng đá").
    """
    prev, word = words[i - 1], words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if not _capitalised(word):
        return None
    if prev.endswith(_SENTENCE_END):
        return "question"
    if prev[-1:] in ".,;:-–—>" or prev.lower().strip(_QUOTES) in _NO_END:
        return None
    bare = word.lstrip(_QUOTES).rstrip(".,:;!?…\"”'’)")
    share = shares.get(bare.lower())
    if share is None or share > MAX_CAPITAL_SHARE * 2 or len(bare) < 2:  # "châu | Á"
        return None
    next_small = nxt[:1].islower() or nxt[:1].isdigit()
    after_capital = _capitalised(prev) and not prev.endswith(("”", "\"", "'", ")"))
    if after_capital:
        return "capital" if share <= MAX_CAPITAL_SHARE and next_small else None
    if word[:1] in _QUOTES:
        return None  # a quoted name or title ('dự thảo "Nghị định ..."')
    for back in (2, 3):  # "Liên đoàn | Bóng đá", "Tổng công ty | Đầu tư"
        if i > back and _capitalised(words[i - back]) and not words[i - back - 1].endswith((":", "-", "–")):
            return None
    return "capital" if share <= 0.01 or next_small else None


def _is_lead_clause(head: str) -> bool:
    first = head.split(" ", 1)[0].lower().strip(_QUOTES)
    return "," in head and first in _LEAD_OPENERS


def _by_sentence_start(title: str, min_lead: int = _MIN_LEAD_WORDS) -> TitleSplit | None:
    shares = capital_shares()
    spans = list(re.finditer(r"\S+", title))
    words = [m.group() for m in spans]
    for i in range(_MIN_HEAD_WORDS, min(len(words) - min_lead, _MAX_HEAD_WORDS) + 1):
        how = _starts_sentence(words, i, shares)
        if how is None:
            continue
        head, lead = title[: spans[i].start()].strip(), title[spans[i].start():].strip()
        if _is_lead_clause(head):
            return None
        if how == "capital" and (_word_count(head) > _MAX_CAPITAL_HEAD_WORDS or head.count(",") > 1):
            continue  # a capital deep inside a long clause is more likely a name
        if head.count(",") <= 2 and _word_count(lead) >= min_lead and not _CAPTION.search(head):
            return TitleSplit(head, lead, how)
    return None


def split_title(title: str) -> TitleSplit | None:
    """Headline and lead of a run-together title line, or None when it is not clearly one.

    Lines shorter than 14 words are left alone (clean headlines are ~9 words), and only
    an outlet marker splits one shorter than 20; a line
    whose first sentence ends with a full stop is a lead, not a headline, and is not split.
    """
    title = " ".join(title.split())
    if _word_count(title) < _MIN_SPLIT_WORDS or _NOT_HEADLINE_START.match(title):
        return None
    split = _by_marker(title)
    if split is not None:
        # "Headline Caption of the photo (NLĐ)- lead": the caption is not the headline.
        inner = _by_sentence_start(split.headline, min_lead=3)
        return TitleSplit(inner.headline, inner.lead + " " + split.lead, "marker") if inner else split
    if _word_count(title) < _MIN_CAPITAL_SPLIT_WORDS:
        return None
    return _by_sentence_start(title)


def looks_like_lead(title: str) -> bool:
    """A title line that is a lead, not a headline: long, or a sentence ending in a full stop."""
    words = _word_count(title)
    return words > MAX_DISPLAY_WORDS or (words >= _MIN_SPLIT_WORDS and title.rstrip().endswith((".", "…")))


def display_title(text: str, max_words: int = MAX_DISPLAY_WORDS) -> str:
    """``text`` for a result line: its first sentence when that is short, else its first
    ``max_words`` words and "…"."""
    words = text.split()
    if len(words) <= max_words:
        return " ".join(words)
    for i, w in enumerate(words[:max_words]):
        if i >= 5 and w.endswith((".", "!", "?")) and i + 1 < len(words) and words[i + 1][:1].isupper():
            return " ".join(words[: i + 1])
    return " ".join(words[:max_words]).rstrip(",;:-–—(“\"'") + "…"


# ----------------------------------------------------------------- slug restoration

@lru_cache(maxsize=1)
def spelling_prior() -> dict[str, list[tuple[str, float]]]:
    """Folded syllable -> its commonest spellings in the corpus with their shares
    (``indexer/data/spellings.txt``, made by ``corpus/make_midsentence.py``)."""
    text = resources.files("indexer").joinpath("data/spellings.txt").read_text("utf-8")
    prior: dict[str, list[tuple[str, float]]] = {}
    for line in text.splitlines():
        key, _, rest = line.partition("\t")
        if rest and not key.startswith("#"):
            prior[key] = [(f, float(v)) for f, _, v in (item.rpartition(":") for item in rest.split())]
    return prior


def _prior_share(form: str, prior: dict[str, list[tuple[str, float]]]) -> float:
    low = form.lower()
    for f, share in prior.get(fold(low).lower(), ()):
        if f == low:
            return share
    return 0.01


@dataclass(frozen=True, slots=True)
class SlugRestoration:
    """A headline spelled from a slug, and how many slug syllables the text did not hold."""

    headline: str
    syllables: int
    missing: int  # slug words found nowhere in the text: spelled by the corpus prior, or as the slug has them
    guessed: int  # words the text holds only out of context: the prior chose among its spellings


# Separators of the text kept between two restored words that are neighbours there.
_KEEP_SEP = re.compile(r"^(?: ?[-–:,&/] ?|[.'’])$")


class _Text:
    """The text's word tokens, folded, with an index from folded form to positions."""

    def __init__(self, text: str):
        self.text = text
        self.spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        whole = fold(text).lower()  # one pass; per token only if folding changed a length
        if len(whole) == len(text):
            self.folded = [whole[s:e] for s, e in self.spans]
        else:
            self.folded = [fold(text[s:e]).lower() for s, e in self.spans]
        self.where: dict[str, list[int]] = {}
        for i, w in enumerate(self.folded):
            self.where.setdefault(w, []).append(i)

    def glued(self, slug_word: str) -> list[tuple[int, int]]:
        """Token runs (first, last) spelling ``slug_word`` glued ("gd"+"dt" = "gddt" for GD&ĐT)."""
        out = []
        for first, w in enumerate(self.folded):
            if not slug_word.startswith(w) or w == slug_word:
                continue
            joined, last = w, first
            while len(joined) < len(slug_word) and last + 1 < len(self.folded) and \
                    self.spans[last + 1][0] - self.spans[last][1] <= 1 and \
                    not self.text[self.spans[last][1]:self.spans[last + 1][0]].isspace():
                last += 1
                joined += self.folded[last]
            if joined == slug_word:
                out.append((first, last))
        return out

    def sentence_initial(self, i: int) -> bool:
        before = self.text[: self.spans[i][0]].rstrip(" \"“'‘(")
        return not before or before[-1] in ".!?:\n…"


def _context(t: _Text, slug: Sequence[str], i: int, first: int, last: int) -> int:
    """How many slug neighbours of word ``i`` are also the text's neighbours of tokens first..last."""
    n, j, p = 0, i - 1, first - 1
    while j >= 0 and p >= 0 and t.folded[p] == slug[j]:
        n, j, p = n + 1, j - 1, p - 1
    j, p = i + 1, last + 1
    while j < len(slug) and p < len(t.folded) and t.folded[p] == slug[j]:
        n, j, p = n + 1, j + 1, p + 1
    return n


def _spelling(t: _Text, first: int, last: int, lower: frozenset[str]) -> str:
    form = t.text[t.spans[first][0]:t.spans[last][1]]
    if first == last and t.sentence_initial(first) and form[:1].isupper() and form[1:].islower() \
            and form.lower() in lower:
        return form.lower()  # a capital that is only the sentence's
    return form


def restore_slug(slug: Sequence[str], text: str) -> SlugRestoration:
    """Spell the folded ``slug`` words as the article's ``text`` spells them.

    For each slug word, every place the text holds it is scored by how many of the
    slug's neighbouring words are the text's neighbours there; the best-scored place
    gives the spelling ("he thong" takes *hệ thống* from "hệ thống", not *hè* from
    elsewhere), and its capital unless that capital is only the sentence's. Two slug
    neighbours that are neighbours in the text keep the text's separator ("GD&ĐT:",
    "2021-2022"). Where no place has a slug neighbour beside it, the text's counts are
    weighed by the corpus' spelling prior (``spellings.txt``); a word the text does not
    hold at all takes the prior's commonest spelling (or stays as the slug has it).
    """
    t = _Text(text)
    lower = midsentence_lower()
    prior = spelling_prior()
    pieces: list[tuple[str, int | None, int | None]] = []  # (form, first token, last token)
    missing = guessed = 0
    for i, word in enumerate(slug):
        places = [(p, p) for p in t.where.get(word, ())] or t.glued(word)
        if not places:
            known = prior.get(word)
            pieces.append((known[0][0] if known else word, None, None))
            missing += 1
            continue
        scored: dict[str, list[float]] = {}
        best_place: dict[str, tuple[int, int]] = {}
        for first, last in places:
            form = _spelling(t, first, last, lower)
            key = form.lower()
            ctx = _context(t, slug, i, first, last)
            score = scored.setdefault(key, [0.0, 0.0])
            if ctx > score[0] or key not in best_place:
                best_place[key] = (first, last)
            score[0] = max(score[0], ctx)
            score[1] += 1
        if max(v[0] for v in scored.values()) > 0:
            key = max(scored, key=lambda k: (scored[k][0], scored[k][1]))
        else:  # no slug neighbour beside it anywhere: the text's counts weighed by the prior
            for form, _share in prior.get(word, ()):
                scored.setdefault(form, [0.0, 0.0])
            key = max(scored, key=lambda k: (scored[k][1] + 1) * _prior_share(k, prior))
            guessed += 1
            if key not in best_place:  # a spelling the text does not use: no place to copy
                pieces.append((key, None, None))
                continue
        first, last = best_place[key]
        pieces.append((_spelling(t, first, last, lower), first, last))
    out: list[str] = []
    for k, (form, start_tok, _end_tok) in enumerate(pieces):
        if k:
            prev_last = pieces[k - 1][2]
            sep = " "
            if prev_last is not None and start_tok is not None and start_tok == prev_last + 1:
                between = t.text[t.spans[prev_last][1]:t.spans[start_tok][0]]
                if _KEEP_SEP.match(between):
                    sep = between
            out.append(sep)
        out.append(form)
    headline = "".join(out)
    return SlugRestoration(headline[:1].upper() + headline[1:], len(slug), missing, guessed)
