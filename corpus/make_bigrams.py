"""Make ``indexer/data/bigrams.txt.gz``: the corpus' syllable pairs, for slug headlines.

A headline rebuilt from a URL slug ("xoa-so-tram-thu-phi") must spell each syllable; the
article's own text decides where it holds the same words side by side, and this table
decides where it does not: "xoa so" is *xóa sổ* in the corpus far more often than any
other spelling, although *số* is the commoner spelling of "so" alone.

Counted from the real corpus (``../shared/corpus``): the bodies of every record and the
titles of VNTC records (real headlines). The UNC (dantri) titles are not read: the
headline bench (``bench/headlines.py``) measures spelling against them. Text is cleaned as
the readers clean it (:func:`indexer.text.normalize.clean_text`, per distinct token), lower-cased, cut at
sentence punctuation; a token holding a digit counts as ``0``.

Each line is ``folded_a folded_b<TAB>form_a form_b:count ...`` for folded pairs seen at
least ``MIN_PAIR`` times, keeping only spellings that are at least ``MIN_SHARE`` of the
pair, and only pairs whose spelling the syllables' own commonest forms would not already
give (:data:`indexer.data` ``spellings.txt`` is that unigram prior). Lines starting ``#u``
carry exact syllable counts for the syllables the pairs use.

    python corpus/make_bigrams.py [/work/shared/corpus]
"""

from __future__ import annotations

import gzip
import html
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from indexer.text.normalize import clean_text, fold  # noqa: E402

OUT = HERE.parent / "indexer" / "data" / "bigrams.txt.gz"
MIN_PAIR = 3
MIN_SHARE = 0.03
_SENTENCE = re.compile(r"[.!?;:\n…\"“”()\[\]]")
_TOKEN = re.compile(r"[^\W_]+")


def syllables(text: str) -> list[list[str]]:
    """Lower-cased syllables of ``text`` per sentence; numbers as ``0``. Only entities and
    NFC here: the readers' tone placement is applied to each distinct token afterwards
    (:func:`normalised`), once instead of once per occurrence."""
    out = []
    for sentence in _SENTENCE.split(unicodedata.normalize("NFC", html.unescape(text)).lower()):
        toks = ["0" if any(c.isdigit() for c in t) else t for t in _TOKEN.findall(sentence)]
        if toks:
            out.append(toks)
    return out


def count(corpus: Path) -> tuple[Counter, Counter]:
    unigrams: Counter = Counter()
    pairs: Counter = Counter()
    for name in ("vntc.jsonl.gz", "unc-dantri.jsonl.gz"):
        with gzip.open(corpus / name, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                texts = [rec.get("body") or ""]
                if name.startswith("vntc"):
                    texts.append(rec.get("title") or "")
                for text in texts:
                    for toks in syllables(text):
                        unigrams.update(toks)
                        pairs.update(f"{a} {b}" for a, b in zip(toks, toks[1:]))
    return unigrams, pairs


def normalised(unigrams: Counter, pairs: Counter) -> tuple[Counter, Counter]:
    """The counts with every token spelled as :func:`clean_text` spells it."""
    form = {w: clean_text(w) or w for w in unigrams}
    uni: Counter = Counter()
    for w, n in unigrams.items():
        uni[form[w]] += n
    out: Counter = Counter()
    for pair, n in pairs.items():
        a, b = pair.split(" ")
        out[f"{form[a]} {form[b]}"] += n
    return uni, out


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent.parent / "shared" / "corpus"
    unigrams, pairs = normalised(*count(corpus))
    best_form: dict[str, tuple[int, str]] = {}
    for form, n in unigrams.items():
        key = fold(form)
        if n > best_form.get(key, (0, ""))[0]:
            best_form[key] = (n, form)
    by_fold: dict[str, Counter] = {}
    for pair, n in pairs.items():
        if n >= MIN_PAIR:
            by_fold.setdefault(fold(pair), Counter())[pair] += n
    lines, used = [], set()
    for key in sorted(by_fold):
        c = by_fold[key]
        total = sum(c.values())
        fa, fb = key.split(" ")
        default = f"{best_form[fa][1]} {best_form[fb][1]}"
        top = [(p, n) for p, n in c.most_common(4) if n >= MIN_SHARE * total]
        if len(top) == 1 and top[0][0] == default:
            continue  # the syllables' commonest spellings give it already
        lines.append(key + "\t" + " ".join(f"{p.replace(' ', '_')}:{n}" for p, n in top))
        for p, _n in top:
            used.update(p.split(" "))
    head = [f"#u\t{w}:{unigrams[w]}" for w in sorted(used)]
    text = "# folded pair, spellings_of_the_pair:count (corpus/make_bigrams.py)\n" + "\n".join(head + lines) + "\n"
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as fh:
        fh.write(text.encode("utf-8"))  # mtime 0: the same corpus gives the same bytes
    print(f"{len(lines)} pairs, {len(used)} syllables -> {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
