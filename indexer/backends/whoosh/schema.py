"""The Whoosh schema, built from :mod:`indexer.text.analysis`.

Token fields receive pre-computed tokens (:class:`TokenStream`) so pyvi runs once per
text, in the segmenting processes, never inside Whoosh. Given a plain string (e.g. by
Whoosh's own query parser in ``--explain``), the analyser falls back to the same
analysis module, without pyvi for the syllable fields.

Fields, and why each exists:

* ``title_f`` / ``body_f``: syllables without diacritics: recall for every way of typing;
* ``title_x`` / ``body_x``: syllables with diacritics: precision ("đường" before "dương");
* ``words``: pyvi's multi-syllable words (with a term vector for more-like-this);
* ``key`` (unique), ``hash`` (duplicate detection), ``source`` (pruning);
* ``outlet``, ``category``, ``published``, ``month``: sortable columns for filters/facets;
* stored ``title``, ``body``, ``url``, ``author``, ``description``: display and snippets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from whoosh import fields, formats
from whoosh.analysis import Analyzer, Token

from indexer.text.analysis import Analysis, analyze
from indexer.backends.whoosh.positions import CompactPositions

__all__ = ["TokenStream", "build_schema", "SCHEMA_VERSION", "field_tokens", "bigrams"]

# 2: optional title_b / body_b (folded syllable pairs, no positions) for phrase queries.
# 3: title_b / body_b hold presence only (no frequencies, no lengths): they are filters;
#    positions are stored compactly (indexer.backends.whoosh.positions). Older indexes still read.
# 4: ``entities`` (people, places, organisations: presence-only ``kind:Name`` terms) and
#    stored ``entity_names`` (indexer.text.entities); ``story`` MinHash band terms and stored
#    ``story_sig`` (indexer.text.minhash) for grouping copies of one story.
#    Older indexes still read (no entity facets); `vnsearch index` says to --rebuild.
SCHEMA_VERSION = 4


def bigrams(folds: Sequence[str]) -> list[str]:
    """Adjacent folded syllables as one token ("ha nội" -> "ha_noi"): a two-syllable
    phrase is one term, a longer one narrows to the articles with all its pairs."""
    return list(map("_".join, zip(folds, folds[1:])))


class TokenStream(str):
    """Pre-computed ``(text, position)`` pairs for one field of one document.

    A ``str`` subclass (empty as a string) only because Whoosh's fields accept strings
    and hand them to the analyser, which recognises this type and emits ``items``.
    """

    items: Sequence[tuple[str, int]]

    def __new__(cls, items: Sequence[tuple[str, int]]):
        obj = super().__new__(cls, "")
        obj.items = items
        return obj

    def __reduce__(self):
        return (TokenStream, (self.items,))


def field_tokens(analysis: Analysis, stream: str) -> list[tuple[str, int]]:
    """The ``(token, position)`` pairs of one stream ("exact", "fold", "bigrams" or "words")."""
    if stream == "bigrams":
        folds = [s.fold for s in analysis.syllables]
        return [(t, i) for i, t in enumerate(bigrams(folds))]
    if stream == "exact":
        return [(s.exact, s.pos) for s in analysis.syllables]
    if stream == "fold":
        return [(s.fold, s.pos) for s in analysis.syllables]
    if stream == "words":
        return [(w, pos) for w, pos, _s, _e in analysis.word_tokens()]
    raise ValueError(f"unknown token stream {stream!r}")


class VietnameseAnalyzer(Analyzer):
    """Whoosh analyser emitting one of the analysis module's token streams."""

    def __init__(self, stream: str):
        self.stream = stream

    def __call__(self, value, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True,
                 start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs) -> Iterable[Token]:
        if isinstance(value, TokenStream):
            items = value.items
        else:
            analysis = analyze(str(value), segment=self.stream == "words")
            items = field_tokens(analysis, self.stream)
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, pos in items:
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = text
            if positions:
                t.pos = start_pos + pos
            yield t


def _text_field(stream: str, *, field_boost: float = 1.0, vector: bool = False) -> fields.TEXT:
    phrase = stream not in ("words", "bigrams")
    field = fields.TEXT(
        analyzer=VietnameseAnalyzer(stream),
        phrase=phrase,
        field_boost=field_boost,
        vector=formats.Frequency() if vector else None,
    )
    if phrase:  # positions, compactly (indexer.backends.whoosh.positions)
        field.format = CompactPositions(field_boost=field_boost)
    return field


def _pair_field() -> fields.TEXT:
    """A syllable-pair field: which documents hold a pair, nothing else.

    Pairs only narrow phrase queries (never scored, never highlighted), so their
    postings carry no frequency, weight or position and the field no length column:
    that keeps ``index.phrase_pairs`` a small fraction of the index.
    """
    field = fields.TEXT(analyzer=VietnameseAnalyzer("bigrams"), phrase=False)
    field.format = formats.Existence()
    field.scorable = False
    return field


def _presence_field() -> fields.KEYWORD:
    """Terms that only say which documents hold them (entity facets and filters)."""
    field = fields.KEYWORD(commas=True, lowercase=False, scorable=False)
    field.format = formats.Existence()
    field.scorable = False
    return field


def build_schema(phrase_pairs: bool = False) -> fields.Schema:
    """A fresh schema instance (Whoosh pickles it into the index's table of contents).

    ``phrase_pairs`` adds ``title_b``/``body_b`` (``index.phrase_pairs``).
    """
    schema = fields.Schema(
        key=fields.ID(stored=True, unique=True, sortable=True),
        hash=fields.ID(stored=True, sortable=True),
        source=fields.ID(stored=True, sortable=True),
        title_f=_text_field("fold", field_boost=2.0),
        title_x=_text_field("exact", field_boost=2.0),
        body_f=_text_field("fold"),
        body_x=_text_field("exact"),
        words=_text_field("words", vector=True),
        outlet=fields.ID(stored=True, sortable=True),
        category=fields.ID(stored=True, sortable=True),
        published=fields.ID(stored=True, sortable=True),
        month=fields.ID(stored=False, sortable=True),
        title=fields.STORED(),
        body=fields.STORED(),
        url=fields.STORED(),
        author=fields.STORED(),
        description=fields.STORED(),
        indexed_at=fields.STORED(),
        entities=_presence_field(),
        entity_names=fields.STORED(),
        story=_presence_field(),
        story_sig=fields.STORED(),
    )
    if phrase_pairs:
        # Filters for phrase queries only (never scored): see indexer.backends.whoosh.postings.
        schema.add("title_b", _pair_field())
        schema.add("body_b", _pair_field())
    return schema
