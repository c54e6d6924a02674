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

import gzip
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from indexer.text.normalize import fold, is_syllable

__all__ = [
    "MAX_DISPLAY_WORDS",
    "PairTable",
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
    how: str  # "marker", "question", "capital", "repeat"


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
# A pair of the headline's words found again, starting at most this many words after a
# capital, makes that capital start the lead.
_REPEAT_START = 2


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
    foreign = not is_syllable(_bare(word))  # a foreign name starts the caption or lead, not a name run
    if word[:1] not in _QUOTES and _repeats_head(words, i, 4 if foreign else _REPEAT_START):
        # The capital must start the repeated pair, or be on a word seen lower-case inside
        # sentences after a lower-case one (not "Bộ trưởng | Bình", "Nhật | Bản").
        exact = (_bare(word), _bare(nxt)) in _content_pairs(words[:i])
        if exact or ((_bare(word) in shares or foreign) and not any(c.isupper() for c in prev)):
            return "repeat"
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


def _bare(word: str) -> str:
    return word.strip(_QUOTES + ".,:;!?…\"”'’)-–—").lower()


def _content_pairs(words: Sequence[str]) -> set[tuple[str, str]]:
    """Adjacent word pairs of ``words`` (bare, lower-case) holding a word that is not a
    grammatical one: what a lead repeats of its headline ("tìm kiếm nạn nhân")."""
    bare = [_bare(w) for w in words]
    return {(a, b) for a, b in zip(bare, bare[1:])
            if a and b and not (a in _NO_END and b in _NO_END) and not (a.isdigit() and b.isdigit())}


def _repeats_head(words: list[str], i: int, reach: int = _REPEAT_START) -> bool:
    """Whether the words from ``i`` repeat a pair of the headline ``words[:i]`` within
    ``window`` words: a lead (or photo caption) restates its headline's subject ("...
    vụ lở đất tại Philippines | Công tác tìm kiếm nạn nhân ..."), a name inside one line
    of headline does not come back so soon."""
    head = _content_pairs(words[:i])
    # The repeated pair starts at most ``reach`` words in: further on, the capital before it
    # is more likely the headline's own last word ("công tử | Bạc Liêu Nhà công tử ...").
    return bool(head & _content_pairs(words[i:i + reach + 2]))


def _is_lead_clause(head: str) -> bool:
    first = head.split(" ", 1)[0].lower().strip(_QUOTES)
    return "," in head and first in _LEAD_OPENERS


def _name_again(words: list[str], head_end: int) -> int | None:
    """Where a photo caption starts inside ``words[:head_end]``: at a run of capitalised
    words holding a name the headline already gave ("Nistelrooy lập công cho “Quỷ đỏ” |
    Nistelrooy là người hùng …", "Ronaldo sẽ trở lại | Cristiano Ronaldo có …"), after a
    lower-case word or a closing quote and before a lower-case one; or None."""
    j = _MIN_HEAD_WORDS
    while j < head_end - 1:
        if not _capitalised(words[j]) or (_capitalised(words[j - 1]) and not words[j - 1].endswith(("”", '"'))):
            j += 1
            continue
        end = j
        while end < head_end and _capitalised(words[end]):
            end += 1
        # Foreign names only: a Vietnamese syllable recurs inside names ("Trường Quốc tế Anh Quốc").
        names = {_bare(w) for w in words[:j] if _capitalised(w) and len(_bare(w)) >= 3 and not is_syllable(_bare(w))}
        if end < head_end and words[end][:1].islower() and any(_bare(w) in names for w in words[j:end]):
            return j
        j = end + 1
    return None


def _cut_caption(split: TitleSplit) -> TitleSplit:
    """The split with a photo caption moved from the end of its headline to its lead."""
    words = split.headline.split()
    at = _name_again(words, len(words))
    if at is None:
        return split
    return TitleSplit(" ".join(words[:at]), " ".join(words[at:]) + " " + split.lead, split.how)


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
        if how in ("capital", "repeat") and (_word_count(head) > _MAX_CAPITAL_HEAD_WORDS or head.count(",") > 1):
            continue  # a capital deep inside a long clause is more likely a name
        if head.count(",") <= 2 and _word_count(lead) >= min_lead and not _CAPTION.search(head):
            return _cut_caption(TitleSplit(head, lead, how))
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
        if inner is None and _word_count(split.headline) > _MAX_CAPITAL_HEAD_WORDS:
            inner = _by_caption_start(split.headline)
        if inner is not None:
            split = TitleSplit(inner.headline, inner.lead.rstrip(" -–—") + " " + split.lead, "marker")
    elif _word_count(title) >= _MIN_CAPITAL_SPLIT_WORDS:
        split = _by_sentence_start(title)
    # A "headline" longer than a result line shows is a headline with its caption: unsure.
    return split if split is not None and _word_count(split.headline) <= MAX_DISPLAY_WORDS else None


# Words a photo caption opens with: who is in the picture ("Chủ tịch UBND TP Lê Thanh Hải
# (bìa trái) chúc Tết ...", "Công nhân đang sửa chữa ...", "GS Nguyễn Trọng Nhân (giữa) ...").
_CAPTION_OPENERS = frozenset(["chủ", "phó", "thủ", "bộ", "tổng", "giám", "giáo", "gs", "pgs", "ts", "bác",
                              "đại", "công", "các", "nhiều", "người", "ông", "bà", "anh", "chị", "em", "cô",
                              "học", "sinh", "hội", "lãnh", "đồng", "thượng", "trung", "tiến", "thạc",
                              "một", "hai", "ba", "những", "quang", "toàn", "khu", "lực", "cảnh", "bệnh"])


def _by_caption_start(head: str) -> TitleSplit | None:
    """A photo caption left between a long headline and its outlet marker: it starts at a
    capitalised caption opener after a lower-case word, at least four words in."""
    words = head.split()
    for i in range(4, len(words) - 2):
        word, prev = words[i], words[i - 1]
        if (_capitalised(word) or word.isupper()) and _bare(word) in _CAPTION_OPENERS \
                and prev[:1].islower() and prev.lower() not in _NO_END and prev[-1:] not in ",:;-–—(":
            return TitleSplit(" ".join(words[:i]), " ".join(words[i:]), "caption")
    return None


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
    missing: int  # slug words found nowhere in the text: spelled by the corpus' priors, or as the slug has them
    guessed: int  # words the text holds, but not beside a chosen neighbour: counts and the corpus decided


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
        self._lowered: list[str] | None = None
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

    def lowered(self) -> list[str]:
        """The tokens lower-cased (computed once)."""
        if self._lowered is None:
            self._lowered = [self.text[s:e].lower() for s, e in self.spans]
        return self._lowered

    def lower_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for w in self.lowered():
            counts[w] = counts.get(w, 0) + 1
        return counts

    def lower_pairs(self) -> set[tuple[str, str]]:
        """Adjacent lower-cased tokens with nothing but a space or joining mark between."""
        low = self.lowered()
        return {(low[k], low[k + 1]) for k in range(len(low) - 1)
                if _KEEP_SEP.fullmatch(self.text[self.spans[k][1]:self.spans[k + 1][0]]) or
                self.text[self.spans[k][1]:self.spans[k + 1][0]] == " "}

    def sentence_initial(self, i: int) -> bool:
        before = self.text[: self.spans[i][0]].rstrip(" \"“'‘(")
        return not before or before[-1] in ".!?:\n…"


def _spelling(t: _Text, first: int, last: int, lower: frozenset[str]) -> str:
    form = t.text[t.spans[first][0]:t.spans[last][1]]
    if first == last and t.sentence_initial(first) and form[:1].isupper() and form[1:].islower() \
            and form.lower() in lower:
        return form.lower()  # a capital that is only the sentence's
    return form


class PairTable:
    """Folded syllable pair -> {"form_a form_b": share of the pair}, for the pairs whose
    spelling the syllables' commonest forms would not give (``indexer/data/bigrams.txt.gz``,
    made by ``corpus/make_bigrams.py`` from the corpus' bodies and VNTC headlines). Lines are
    parsed when first asked for: a reader process pays for the pairs its slugs use."""

    def __init__(self, raw_lines: dict[str, str]):
        self._raw = raw_lines
        self._parsed: dict[str, dict[str, float]] = {}

    def get(self, key: str, default: dict[str, float] | None = None) -> dict[str, float] | None:
        shares = self._parsed.get(key)
        if shares is None:
            rest = self._raw.get(key)
            if rest is None:
                return default
            counts = [(f.replace("_", " "), int(n)) for f, _, n in (item.rpartition(":") for item in rest.split())]
            total = sum(n for _f, n in counts)
            shares = self._parsed[key] = {f: n / total for f, n in counts}
        return shares


@lru_cache(maxsize=1)
def pair_prior() -> PairTable:
    """The packaged pair table (read once per process)."""
    raw = resources.files("indexer").joinpath("data/bigrams.txt.gz").read_bytes()
    lines = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        key, _, rest = line.partition("\t")
        if rest and not key.startswith("#"):
            lines[key] = rest
    return PairTable(lines)


# Weights of the evidence a slug word's spelling is decided on (tuned on the UNC 2020
# records of the bench's tuning part): the text holding the two neighbours side by side,
# the text holding the spelling at all, and the corpus' pair shares against its syllable shares.
_TEXT_PAIR_WEIGHT = 6.0
_TEXT_FORM_WEIGHT = 1.0
_PAIR_SMOOTHING = 0.2


def _unigram_share(form: str, prior: dict[str, list[tuple[str, float]]]) -> float:
    return _prior_share(form, prior) if form.isalpha() else 1.0


def _association(a: str, b: str, fa: str, fb: str, pairs: PairTable,
                 prior: dict[str, list[tuple[str, float]]]) -> float:
    """log of how much likelier the corpus writes ``a b`` than its syllable shares say
    (0 for a pair the table does not hold: its spelling is the syllables' commonest)."""
    shares = pairs.get(f"{_number(fa)} {_number(fb)}")
    if shares is None:
        return 0.0
    ua, ub = _unigram_share(a, prior), _unigram_share(b, prior)
    share = shares.get(f"{_number(a)} {_number(b)}", 0.0)
    return math.log((share + _PAIR_SMOOTHING * ua * ub) / ((1 + _PAIR_SMOOTHING) * ua * ub))


def _number(word: str) -> str:
    """Numbers are one word to the pair table ("97 tỷ" counts as "0 tỷ")."""
    return "0" if any(c.isdigit() for c in word) else word


def _candidates(t: _Text, slug: Sequence[str], i: int, prior: dict[str, list[tuple[str, float]]],
                pairs: PairTable) -> dict[str, tuple[int, int] | None]:
    """Lower-case spellings of slug word ``i`` -> a place in the text spelling it (or None):
    every spelling the text uses, the corpus' commonest ones, and the spellings the
    corpus gives it beside its slug neighbours ("ngo ngang": *ngỡ*, rare alone)."""
    word = slug[i]
    out: dict[str, tuple[int, int] | None] = {}
    for first, last in [(p, p) for p in t.where.get(word, ())] or t.glued(word):
        out.setdefault(t.text[t.spans[first][0]:t.spans[last][1]].lower(), (first, last))
    for form, _share in prior.get(word, ()):
        out.setdefault(form, None)
    if word.isalpha():
        if i > 0:
            for pair in pairs.get(f"{_number(slug[i - 1])} {word}") or ():
                out.setdefault(pair.rpartition(" ")[2], None)
        if i + 1 < len(slug):
            for pair in pairs.get(f"{word} {_number(slug[i + 1])}") or ():
                out.setdefault(pair.partition(" ")[0], None)
    return out or {word: None}


def _decode(t: _Text, slug: Sequence[str], cands: list[dict[str, tuple[int, int] | None]]) -> list[str]:
    """The slug's most likely spelling, word by word (Viterbi over each word's candidates)."""
    prior, pairs = spelling_prior(), pair_prior()
    counts = t.lower_counts()
    text_pairs = t.lower_pairs()

    def own(form: str) -> float:
        return math.log(_unigram_share(form, prior)) + _TEXT_FORM_WEIGHT * math.log1p(counts.get(form, 0))

    best = [{f: (own(f), [f]) for f in cands[0]}]
    for i in range(1, len(slug)):
        layer: dict[str, tuple[float, list[str]]] = {}
        for b in cands[i]:
            score_b = own(b)
            options = []
            for a, (score_a, path) in best[-1].items():
                link = _association(a, b, slug[i - 1], slug[i], pairs, prior)
                if (a, b) in text_pairs:
                    link += _TEXT_PAIR_WEIGHT
                options.append((score_a + link, path))
            score, path = max(options, key=lambda o: o[0])
            layer[b] = (score + score_b, path + [b])
        best.append(layer)
    return max(best[-1].values(), key=lambda v: v[0])[1]


def _place_for(t: _Text, form: str, i: int, chosen: Sequence[str], place: tuple[int, int] | None,
               after: int | None) -> tuple[int, int] | None:
    """Where the text spells ``form`` (for its capitals and punctuation): right after the
    previous word's place ``after`` if it can, else beside the chosen neighbours, else
    anywhere it spells it; None where it does not."""
    if place is None:
        return None
    lowered = t.lowered()
    places = [(p, p) for p, w in enumerate(lowered) if w == form] or [place]
    def fit(pl: tuple[int, int]) -> tuple[bool, int, bool]:
        first, last = pl
        left = i > 0 and first > 0 and lowered[first - 1] == chosen[i - 1]
        right = i + 1 < len(chosen) and last + 1 < len(lowered) and lowered[last + 1] == chosen[i + 1]
        # a sentence's capital tells least
        return after is not None and first == after + 1, int(left) + int(right), not t.sentence_initial(first)
    return max(places, key=fit)


def restore_slug(slug: Sequence[str], text: str) -> SlugRestoration:
    """Spell the folded ``slug`` words as the article's ``text`` spells them.

    Each slug word's candidates are the spellings the text uses for it and the corpus'
    commonest ones; the slug's spelling is decoded as a whole (Viterbi), weighing for each
    word the text's use of the spelling and the corpus' share of it, and for each pair of
    neighbours whether the text writes them side by side ("he thong" takes *hệ thống* from
    "hệ thống", not *hè* from elsewhere) and how much more often the corpus writes that pair
    than its syllables alone would say (``bigrams.txt.gz``: "xoa so" is *xóa sổ*). A chosen
    spelling the text uses takes the text's capitals (unless only the sentence's) from a
    place beside the chosen neighbours, and two neighbours that are neighbours in the text
    keep the text's separator ("GD&ĐT:", "2021-2022").
    """
    t = _Text(text)
    lower = midsentence_lower()
    prior = spelling_prior()
    pairs = pair_prior()
    cands = [_candidates(t, slug, i, prior, pairs) for i in range(len(slug))]
    chosen = _decode(t, slug, cands) if slug else []
    held = [any(p is not None for p in c.values()) for c in cands]
    text_pairs = t.lower_pairs()
    beside = [(i > 0 and (chosen[i - 1], f) in text_pairs) or (i + 1 < len(chosen) and (f, chosen[i + 1]) in text_pairs)
              for i, f in enumerate(chosen)]
    missing = held.count(False)
    guessed = sum(1 for h, b in zip(held, beside) if h and not b)
    pieces: list[tuple[str, int | None, int | None]] = []  # (form, first token, last token)
    for i, form in enumerate(chosen):
        place = _place_for(t, form, i, chosen, cands[i][form], pieces[-1][2] if pieces else None)
        if place is None:
            pieces.append((form, None, None))
        else:
            pieces.append((_spelling(t, place[0], place[1], lower), place[0], place[1]))
    out: list[str] = []
    for k, (form, start_tok, _end_tok) in enumerate(pieces):
        if k:
            prev_last = pieces[k - 1][2]
            sep = " "
            if prev_last is not None and start_tok is not None and start_tok == prev_last + 1:
                between = t.text[t.spans[prev_last][1]:t.spans[start_tok][0]]
                if _KEEP_SEP.fullmatch(between):
                    sep = between
            out.append(sep)
        out.append(form)
    headline = "".join(out)
    return SlugRestoration(headline[:1].upper() + headline[1:], len(slug), missing, guessed)
