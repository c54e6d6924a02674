"""Make ``indexer/data/midsentence.txt`` and ``indexer/data/spellings.txt`` from the corpus.

``spellings.txt``: for each syllable without diacritics, its spellings in the corpus'
bodies with their shares (at most three, each at least 5%). A headline rebuilt from a
URL slug takes a word's spelling from the article's own text; this table is the prior
for a word the text does not hold, or holds in no context that decides.

``midsentence.txt``: syllables written lower-case inside sentences.

A run-together VNTC title ("Samsung tung ra ĐTDĐ siêu mỏng Xu hướng sản xuất ...") has
no separator between headline and lead; the lead starts with a capital on a word that,
inside a sentence, is almost always lower-case ("xu", "cần", "trước"). Names ("Hà",
"Mỹ", "Samsung") are capitalised inside sentences too, so they are not listed. The list
comes from the article bodies of the real corpus (titles are not read):

    python corpus/make_midsentence.py [/work/shared/corpus]

Each line is ``syllable<TAB>share capitalised`` for syllables seen at least 40 times
inside sentences and capitalised in at most 15% of them; the reader decides the cut.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "indexer" / "data" / "midsentence.txt"
SPELLINGS = HERE.parent / "indexer" / "data" / "spellings.txt"
MIN_COUNT = 40
MAX_CAPITAL_SHARE = 0.15
_TOKEN = re.compile(r"[^\W\d_]+|[.!?:…\n\"“”(]")


def count(corpus: Path) -> tuple[Counter, Counter, Counter]:
    lower: Counter = Counter()
    capital: Counter = Counter()
    forms: Counter = Counter()
    for name in ("vntc.jsonl.gz", "unc-dantri.jsonl.gz"):
        with gzip.open(corpus / name, "rt", encoding="utf-8") as fh:
            for line in fh:
                body = unicodedata.normalize("NFC", json.loads(line)["body"] or "")
                start = True
                for tok in _TOKEN.findall(body):
                    if not tok[0].isalpha():
                        if tok in ".!?:…\n":
                            start = True
                        continue
                    forms[tok.lower()] += 1
                    if not start:
                        if tok.islower():
                            lower[tok] += 1
                        elif tok[0].isupper() and tok[1:].islower():
                            capital[tok.lower()] += 1
                    start = False
    return lower, capital, forms


def write_spellings(forms: Counter) -> None:
    sys.path.insert(0, str(HERE.parent))
    from indexer.text.normalize import fold

    by_fold: dict[str, Counter] = {}
    for form, n in forms.items():
        by_fold.setdefault(fold(form), Counter())[form] += n
    lines = []
    for key in sorted(by_fold):
        c = by_fold[key]
        total = sum(c.values())
        if total < 5:
            continue
        top = [(f, n / total) for f, n in c.most_common(3) if n / total >= 0.05]
        lines.append(key + "\t" + " ".join(f"{f}:{share:.2f}" for f, share in top))
    SPELLINGS.write_text("# folded syllable, spellings:share in the corpus' bodies (corpus/make_midsentence.py)\n"
                         + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} syllables -> {SPELLINGS}")


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent.parent / "shared" / "corpus"
    lower, capital, forms = count(corpus)
    write_spellings(forms)
    words = sorted(w for w, n in lower.items()
                   if n + capital[w] >= MIN_COUNT and capital[w] <= MAX_CAPITAL_SHARE * (n + capital[w]))
    OUT.write_text("# syllable, share capitalised inside sentences (corpus/make_midsentence.py)\n"
                   + "".join(f"{w}\t{capital[w] / (lower[w] + capital[w]):.3f}\n" for w in words),
                   encoding="utf-8")
    print(f"{len(words)} syllables -> {OUT}")


if __name__ == "__main__":
    main()
