"""The normaliser's fast paths give exactly what the plain sequence of steps gives.

``normalize`` skips steps that cannot change a text (one search for any character the
character-level steps touch; NFC text without a possible old tone placement skips
NFD -> fix -> NFC). The reference below is the plain sequence; it must agree on every
real article of tests/data/core (as read, in NFD, entity-decoded), on random mixtures,
and the Unicode facts the tone-placement shortcut relies on are checked exhaustively.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from indexer.text import normalize as N

from .conftest import CORE


def reference(text: str) -> str:
    """``normalize`` without fast paths (every step, in order)."""
    if not text:
        return ""
    text = text.translate(N._COMPAT)
    text = N._SURROGATES.sub("\ufffd", text)
    text = text.translate(N._LOOKALIKES)
    text = N._INVISIBLE.sub("", text)
    text = N._NEWLINES.sub("\n", text)
    text = N._CONTROLS.sub(" ", text)
    text = N._SPACES.sub(" ", text)
    text = N._compose(text)
    return _EVERY_WORD.sub(lambda m: N.place_tone(m.group()), text)


# Every run of letters that starts a word (what the tone-placement candidates start at).
_EVERY_WORD = re.compile(r"(?<![^\W_])[^\W\d_]+")


def reference_clean(text: str) -> str:
    if not text:
        return ""
    if "&" in text:
        text = html.unescape(text)
    text = reference(text)
    return "\n".join(line for line in (x.strip() for x in text.split("\n")) if line)


def _core_texts():
    with gzip.open(CORE / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            for value in (rec.get("title"), rec.get("body")):
                if value:
                    yield value


def test_fast_paths_agree_on_real_articles():
    n = 0
    for text in _core_texts():
        for variant in (text, unicodedata.normalize("NFD", text), html.unescape(text),
                        text.replace("\n", "\r\n"), N.clean_text(text)):
            assert N.normalize(variant) == reference(variant)
            assert N.clean_text(variant) == reference_clean(variant)
            n += 1
    assert n > 1000


_VI_LOWER = ("aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữự"
             "vxyỳýỷỹỵ")
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_NASTY = ("\u00d0\u00f0\u0189\u0256\u00a0\u200b\u200d\ufeff\u00ad\u202e\r\n\t\x00\x0b\x1b\x7f\x85\u2028"
          "\u2029\ud800\udc00\ufffd&;_ ")
_PIECES = st.sampled_from(list(_VI_LOWER + _VI_LOWER.upper() + _TONES + _NASTY + "oauyeOAUYEqQ")
                          + ["  ", "\r\n", "&amp;", "&#7897;", "\u0302", "\u0306", "\u031b"])
_mixed = st.lists(st.one_of(_PIECES, st.characters()), max_size=60).map("".join)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_mixed, _mixed.map(lambda s: unicodedata.normalize("NFD", s)),
                 _mixed.map(lambda s: unicodedata.normalize("NFC", s))))
def test_fast_paths_agree_on_mixtures(text):
    assert N.normalize(text) == reference(text)
    assert N.clean_text(text) == reference_clean(text)


@pytest.mark.parametrize("text", ["hoà", "Hoà bình", "thuỷ", "uỷ ban", "khoẻ", "quý", "hoàng", "oà",
                                  "O\u0301A", "ho\u0061\u0300", "thuy\u0309", "Huệ", "hoạt", "toà.", "xoà1",
                                  "hòan", "gía", "lựơng", "qúa", "đaị", "tie\u0301\u0302ng", "２０２４",
                                  "ti\u034f\u0301ng", "Xêút", "1hòan", "hòan1"])
def test_tone_placement_cases(text):
    assert N.normalize(text) == reference(text)


def test_tone_candidates_cover_every_word_the_rule_changes():
    """Words where no toned vowel touches another vowel are left alone by the rule."""
    letters = list(_VI_LOWER + "đ")
    rng = __import__("random").Random(14)
    for _ in range(20000):
        word = "".join(rng.choice(letters) for _ in range(rng.randint(1, 6)))
        if N._TONE_CANDIDATE.fullmatch(word) is None:
            assert N.place_tone(word) == word, word


def _postings(folder):
    from whoosh import index as whoosh_index

    from indexer.backends.whoosh.store import INDEX_NAME

    out = {}
    ix = whoosh_index.open_dir(str(folder), indexname=INDEX_NAME)
    with ix.reader() as r:
        for fieldname, text in r.all_terms():
            ti = r.term_info(fieldname, text)
            m = r.postings(fieldname, text)
            items = []
            while m.is_active():
                items.append((m.id(), m.weight(), m.value()))
                m.next()
            out[fieldname, text] = (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(),
                                    ti.max_weight(), items)
        stored = [r.stored_fields(d) for d in r.all_doc_ids()]
    ix.close()
    return out, stored


def test_small_uncompressed_blocks_read_back_identically(tmp_path, monkeypatch):
    """Posting blocks left uncompressed decode to exactly what compressed ones do."""
    from indexer.backends.whoosh import writer as fastwriter
    from indexer.backends.whoosh import store
    from indexer.build.builder import _job, _Prepared, _SubWriter, _canonical, _hash_of, article_key
    from indexer.ingest.readers import read_file

    jobs = []
    for a in read_file(CORE / "articles.jsonl.gz"):
        a = _canonical(a)
        jobs.append(_job(_Prepared(article_key(a), _hash_of(a), a, replace=False, spans=None)))
        if len(jobs) == 40:
            break
    results = []
    for minimum in (0, fastwriter.COMPRESS_MIN_BYTES):  # 0: every block compressed, as Whoosh does
        monkeypatch.setattr(fastwriter, "COMPRESS_MIN_BYTES", minimum)
        folder, ix = store.new_generation(tmp_path / f"ix{minimum}" / "index")
        ix.close()
        sub = _SubWriter(str(folder), 1000)
        for job in jobs:
            sub.add(job)
        from indexer.backends.whoosh.writer import commit_with_segments

        ix = store.whoosh_index.open_dir(str(folder), indexname=store.INDEX_NAME)
        writer = ix.writer()
        commit_with_segments(writer, sub.finish())
        ix.close()
        results.append(_postings(folder))
    (all_compressed, stored_a), (mixed, stored_b) = results
    assert len(all_compressed) > 5000
    assert mixed == all_compressed and stored_a == stored_b


def _postings_dump(index_dir):
    """Every term of every field: its term info and its raw posting bytes."""
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(index_dir), indexname="MAIN")
    out = {}
    with ix.searcher() as s:
        for sub, _offset in s.reader().leaf_readers():
            terms = sub._terms
            for fieldname, text in sub.all_terms():
                ti = terms.term_info(fieldname, text)
                offset, length = ti.extent()
                length = length[0] if isinstance(length, tuple) else length  # whoosh: a 1-tuple
                out[(fieldname, text)] = (sorted(vars(ti).items()), terms._postfile.get(offset, length))
    ix.close()
    return out


def test_presence_fast_path_writes_the_same_bytes(tmp_path, monkeypatch):
    """Syllable pairs (presence-only) skip Whoosh's per-term writer: the term infos and
    posting blocks they write are byte for byte what the generic path writes."""
    from indexer.backends.whoosh import writer as fastwriter
    from indexer.backends.whoosh import store
    from indexer.build.builder import index_articles
    from indexer.ingest.readers import read_paths

    from .conftest import CORE, make_config

    import functools

    from whoosh.codec.whoosh3 import W3Codec

    # blocks of 16 postings: the test corpus is small, and several blocks a term are wanted
    monkeypatch.setattr(fastwriter, "W3Codec", functools.partial(W3Codec, blocklimit=16))
    monkeypatch.setattr(fastwriter, "_FLUSH_BYTES", 100)  # buffers written often
    dumps = []
    for fast in (True, False):
        monkeypatch.setattr(fastwriter, "FAST_PRESENCE", fast)
        cfg = make_config(tmp_path / str(fast)).with_overrides(
            **{"index.phrase_pairs": True, "index.processes": 1})
        assert index_articles(cfg, read_paths([CORE])).indexed > 200
        dumps.append(_postings_dump(store.resolve(cfg.path(cfg.paths.index))))
    fast, generic = dumps
    pairs = [k for k in fast if k[0] in ("title_b", "body_b")]
    assert len(pairs) > 10_000
    assert any(dict(fast[k][0])["_df"] > 2 * 16 + 1 for k in pairs), "some pair spans several blocks"
    assert any(len(generic[k][1]) >= 128 for k in pairs), "some blocks are compressed"
    assert fast == generic
