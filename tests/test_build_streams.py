"""The builder's fast token streams equal the analysis module's, token for token."""

import gzip
import json

from indexer.text.analysis import analyze
from indexer.build.builder import _segment
from indexer.text.normalize import normalize
from indexer.backends.whoosh.schema import field_tokens

from .conftest import CORE


def _expected(title, body):
    t = analyze(title, normalized=True)
    b = analyze(body, normalized=True)
    return {
        "title_f": field_tokens(t, "fold"), "title_x": field_tokens(t, "exact"),
        "body_f": field_tokens(b, "fold"), "body_x": field_tokens(b, "exact"),
        "words": field_tokens(t, "words") + field_tokens(b, "words"),
    }, (t.words, b.words)


def _as_pairs(tokens):
    return [(t, i) for i, t in enumerate(tokens)] if tokens and isinstance(tokens[0], str) else list(tokens)


def test_fast_streams_match_analysis():
    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        recs = [json.loads(line) for _, line in zip(range(60), fh)]
    recs.append({"title": "Hoà bình ĐƯỜNG-phố_x 12,5% İstanbul", "body": "Ð ô\u0301 a_b 3G ĐH"})
    for r in recs:
        title = normalize(r.get("title") or "").strip()
        body = normalize(r.get("body") or "").strip()
        want, spans = _expected(title, body)
        cold, new_spans = _segment((title, body, None))
        warm, none = _segment((title, body, spans))
        assert none is None and [list(x) for x in new_spans] == [list(x) for x in spans]
        for got in (cold, warm):
            assert {k: _as_pairs(v) for k, v in got.items()} == want
        # index.phrase_pairs: the pair streams too
        paired, _ = _segment((title, body, spans), True)
        want_pairs = dict(want, title_b=field_tokens(analyze(title, normalized=True), "bigrams"),
                          body_b=field_tokens(analyze(body, normalized=True), "bigrams"))
        assert {k: _as_pairs(v) for k, v in paired.items()} == want_pairs
