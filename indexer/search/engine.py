"""Searching: a query string in; ranked results with facets and snippets out.

Two stages, as Elasticsearch's rescore: a cheap first stage over the folded
(diacritic-free) syllable fields finds every matching document as a bitset (all terms
required, falling back to most of them when that finds nothing) and ranks candidates by
BM25F from each term's champion list (:mod:`indexer.backends.whoosh.postings`); then the top
``rescore_window`` candidates are re-scored from their postings: exact-diacritic
matches, phrase adjacency, proximity, and title matches. Totals and facet counts come
from the bitset. Snippets come from the stored normalised text (no pyvi).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from indexer.search import query as vq

from indexer.backends.whoosh import internals, store
from indexer.backends.whoosh.reader import SearcherPool, facet_columns, search_weighted_terms
from indexer.backends.whoosh.segments import limit_cache
from indexer.backends.whoosh.translate import to_whoosh
from indexer.config import Config
from indexer.backends.whoosh.postings import DocSets, SharedState, bits_from_ids, docsets_for
from indexer.search.display import lead_to_show, snippet_source
from indexer.search.periods import undated_summary
from indexer.search.highlight import Marks, highlight_all, marked_matches, snippet
from indexer.search.querylang import ParsedQuery, QueryPart, QueryTooLongError, parse_query, query_words
from indexer.ingest.readers.categories import relabelled
from indexer.ingest.readers.titles import looks_like_headline
from indexer.search.complete import complete_query
from indexer.search.reading import IndexLexicon, reading_of
from indexer.text.restore import cached_model
from indexer.search.related import Candidate, name_weights, named_entities, rare_names, rerank
from indexer.search.suggest import Suggester
from indexer.search.tidy import tidy_request
from indexer.search.synonyms import Synonyms, load_synonyms
from indexer.search.matching import (
    Reading,
    Stage,
    adjacent_pairs,
    at_least,
    best_match_scoring,
    load_common_terms,
    most_pairs,
    most_words,
    read_query,
    stages,
)
from indexer.text.normalize import fold
from indexer.search.budget import Budget
from indexer.search.entity_facets import FIELD as ENTITY_FIELD, entity_facets, entity_filter_bits, entity_top, names_of
from indexer.search.stories import group_stories
from indexer.search.timeline import timeline_of

__all__ = [
    "FACET_FIELDS",
    "BadRequest",
    "Document",
    "Hit",
    "SearchEngine",
    "SearchRequest",
    "SearchResult",
]

log = logging.getLogger(__name__)

FACET_FIELDS = ("outlet", "category", "month")
MAX_PREFIX_EXPANSION = 64
# Most index syllables one edit away tried for a query syllable no article contains.
MAX_FUZZY_EXPANSION = 10
# Each unknown syllable costs a walk of the term dictionary (fuzzy fallback, "did you
# mean"), outside the collector's time limit: a query of 32 made-up words must not
# cost 32 walks twice over. Longer queries get no fuzzy help beyond this many.
MAX_FUZZY_SYLLABLES = 8
# A long query's matches holding most of its adjacent syllable pairs, re-scored whatever
# their BM25 (SearchEngine._in_order_first), from this many pairs on.
SENTENCE_CANDIDATES = 50
MIN_SENTENCE_PAIRS, MAX_SENTENCE_PAIRS = 4, 6
MAX_PAIR_SHARE = 0.05
# Corrections kept for a syllable typed with marks that no article has as typed (they
# join its match from the first stage, so fewer than the fallback's).
MAX_TYPED_CORRECTIONS = 3
# Seconds of a search's wall-clock allowance never spent waiting for the vocabulary to
# load (the stages after it still need time).
VOCABULARY_RESERVE = 0.5
# Terms re-read in the background after the index changed (the previous state's most
# recently used ones), so the first searches after a commit find them cached.
WARM_TERMS = 256
# Fields whose most frequent terms SearchEngine.preload reads (what every query uses).
PRELOAD_FIELDS = ("body_f", "title_f", "body_x", "title_x", "words", "body_b", "title_b")


# What the page and the API say when a stage had to widen the match.
NOTICE_NOTES = {
    "other_forms": "few articles have the words with the diacritics typed; "
                   "also showing other forms of them",
    "words_apart": "few articles have the words together; also showing articles with them apart",
    "missing_one": "few articles have every word; also showing articles missing one of them",
}


@dataclass
class _Retrieved:
    """One retrieval stage's outcome: the top hits, and every match as a bitset."""

    hits: list[tuple[int, float]]
    total: int
    bits: int
    partial: bool
    widened: bool = False  # the stage used added articles the strictest stage did not have
    first: int = 0  # the articles of the strictest stage that found any: they rank first


class _Unfiltered:
    """The stages' matches without the request's filters, read only when a filtered stage
    finds fewer than ``search.enough_matches``.

    Whether a query's words are read strictly is decided by the archive, not by the
    filters: the facet counts of the unfiltered page (and the other facets of a filtered
    one) come from that reading, so a filtered search keeps it and its total is exactly
    the count the facet showed, however small.
    """

    def __init__(self, engine: SearchEngine, ds: DocSets, ladder: list[Stage], neg: int | None,
                 deadline: float) -> None:
        self.engine, self.ds, self.ladder, self.neg, self.deadline = engine, ds, ladder, neg, deadline
        self.bits = 0
        self.done = 0  # stages read so far

    def enough_through(self, k: int, enough: int) -> bool:
        """Whether stages ``0..k`` match at least ``enough`` articles of the whole archive."""
        while self.done <= k:
            found, _ok = self.engine._stage_bits(self.ds, self.ladder[self.done], None, self.neg, self.deadline)
            self.bits |= found
            self.done += 1
        return self.bits.bit_count() >= enough


@dataclass(frozen=True)
class _Filter:
    """The request's outlet / category / date filters, as one bitset per searcher."""

    outlet: tuple[str, ...]
    category: tuple[str, ...]
    date_from: str | None
    date_to: str | None
    entity: tuple[str, ...] = ()

    def bits(self, ds: DocSets) -> int:
        out = ds.live
        if self.outlet:
            out &= _any_value(ds, "outlet", self.outlet)
        if self.category:
            out &= _any_value(ds, "category", self.category)
        if self.date_from or self.date_to:
            out &= ds.date_range(self.date_from, self.date_to)
        if self.entity:
            out &= entity_filter_bits(ds.searcher, ds, self.entity)
        return out

    def query(self) -> vq.Query:
        """The same filter as a Whoosh query (for ``explain``)."""
        clauses: list[vq.Query] = []
        if self.outlet:
            clauses.append(vq.Or([vq.Term("outlet", v) for v in self.outlet]))
        if self.category:
            clauses.append(vq.Or([vq.Term("category", v) for v in self.category]))
        if self.date_from or self.date_to:
            clauses.append(vq.TermRange("published", self.date_from, self.date_to))
        if self.entity:
            clauses.append(vq.And([vq.Term("entities", v) for v in self.entity]))
        return clauses[0] if len(clauses) == 1 else vq.And(clauses)


def _any_value(ds: DocSets, name: str, values: tuple[str, ...]) -> int:
    out = 0
    for v in values:
        out |= ds.field_value(name, v)
    return out


class BadRequest(ValueError):
    """A search parameter that cannot be honoured; the message names the parameter."""

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass
class SearchRequest:
    q: str = ""
    page: int = 1
    per_page: int = 10
    outlet: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"  # or "newest"
    facets: bool = True
    debug: bool = False
    literal: bool = False  # "exact=1": the query as typed, never read as keystrokes/diacritics
    prefer: str | None = None  # the same words with diacritics: ranks those forms first, matches as q
    # People, places, organisations (``kind:Name`` terms, all required).
    entity: list[str] = field(default_factory=list)
    # Rank this many results beyond the page (exports): ``SearchResult.ranked``.
    depth: int = 0


@dataclass
class Hit:
    id: str
    title: str
    url: str | None
    outlet: str | None
    category: str | None
    date: str | None
    score: float
    snippet: str
    title_html: str = ""
    author: str | None = None
    lead: str | None = None  # the sapo, when the title is a headline and the snippet lacks it
    entities: list[str] = field(default_factory=list)
    # Other matching articles telling the same story (shown under this one).
    same_story: list[dict[str, Any]] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in
                ("id", "title", "url", "outlet", "category", "date", "score", "snippet", "lead",
                 "entities", "same_story")}


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    undated: int = 0  # matching articles without a date (not in the month facet)
    relaxed: bool = False  # not every term matched: "showing articles with most words"
    partial: bool = False  # the time limit cut the search short
    suggestion: str | None = None
    drop_suggestions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The same events as ``notes``, for a page to word in its own language:
    # {"code": "dropped_terms" | "other_forms" | "words_apart" | "fuzzy" | "no_words",
    #  "words": [...]}.
    notices: list[dict[str, Any]] = field(default_factory=list)
    explain: dict[str, Any] | None = None
    # How the query was read when not as typed (indexer.search.reading): {"kind", "text", "literal"}
    reading: dict[str, Any] | None = None
    # (docnum, score) of the first ``SearchRequest.depth`` results, ranked; with
    # ``searcher``, the one they were found with (exports read their stored fields).
    ranked: list[tuple[int, float]] = field(default_factory=list, repr=False)
    searcher: Any = field(default=None, repr=False)
    # Matching articles per period (:mod:`indexer.search.timeline`), with the facets.
    timeline: dict[str, Any] | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1


@dataclass
class Document:
    id: str
    title: str
    body: str
    url: str | None
    outlet: str | None
    category: str | None
    date: str | None
    author: str | None
    description: str | None
    source: str | None
    docnum: int




class _ResultCache:
    """A small thread-safe LRU of finished :class:`SearchResult` objects."""

    def __init__(self, size: int):
        from collections import OrderedDict

        self.size = size
        self.items: OrderedDict[tuple, SearchResult] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        if self.size <= 0:
            return
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def _copy_result(cached: SearchResult, started: float) -> SearchResult:
    import copy

    result = copy.deepcopy(cached)
    result.took_ms = _ms(started)
    return result


class SearchEngine:
    """Search over one index path; thread-safe (one Whoosh searcher per thread).

    The index is re-opened when its generation changes (a rebuild's atomic swap or an
    incremental commit), checked at most every ``refresh_seconds``.
    """

    def __init__(self, config: Config, index_path: Path | None = None, refresh_seconds: float = 0.5):
        self.config = config
        self.live = Path(index_path) if index_path else config.path("index")
        self.refresh_seconds = refresh_seconds
        self._pool = SearcherPool(self.live, refresh_seconds)
        self._local = threading.local()  # this thread's search: when it started
        self._suggesters: dict[tuple, Suggester] = {}
        self._lock = threading.Lock()
        # Recent results (per process, shared by its threads), keyed by the request and
        # the index generation/counts, so a commit or a rebuild's swap invalidates them.
        self._results = _ResultCache(config.search.result_cache)
        limit_cache(config.search.postings_cache_mb)  # process-wide, as the cache is
        self._states: dict[tuple, SharedState] = {}
        self._stats: tuple[tuple, dict[str, Any]] | None = None  # (index state, figures)
        self._warming: threading.Thread | None = None
        self._vocab_thread: threading.Thread | None = None

    # -- index access -----------------------------------------------------------

    def searcher(self):
        """This thread's searcher, refreshed when the index changed."""
        s = self._searcher()
        slot = internals.searcher_slot(s)
        if slot.get("shared") is None:
            slot["shared"] = self._shared_state(s)
        return s

    def _state_key(self, s) -> tuple:
        """The index state ``s`` reads: its generation, commit and counts."""
        reader = s.reader()
        return (self._pool.generation(), reader.generation(), reader.doc_count_all(), reader.doc_count())

    def _shared_state(self, s) -> SharedState:
        """The caches for this searcher's index state, shared with the other threads."""
        key = self._state_key(s)
        hot: list[tuple[str, str]] = []
        with self._lock:
            state = self._states.get(key)
            if state is None:
                for old in self._states.values():  # the state this one replaces
                    with old.lock:
                        hot = list(old.terms)[-WARM_TERMS:]
                self._states.clear()  # an older index state: its caches are done with
                state = self._states[key] = SharedState()
        if hot:
            self._warm(hot)
        return state

    def _warm(self, terms: list[tuple[str, str]]) -> None:
        """Re-read, in the background, the terms the previous index state used last.

        Every commit (a ``vnsearch fetch`` from cron, say) starts the caches afresh;
        without this the next searches would each pay for reading their terms again.
        """
        def run() -> None:
            try:
                s = self.searcher()
                ds = self.docsets(s)
                for fieldname, text in reversed(terms):  # most recently used first
                    ds.data(fieldname, text)
            except Exception:  # the index changed again or went away: nothing to warm
                pass
            finally:
                self.close()

        thread = threading.Thread(target=run, name="vnsearch-warm", daemon=True)
        self._warming = thread
        thread.start()

    def preload(self, budget_bytes: int) -> int:
        """Fill this process's caches for the live index before serving: facet columns,
        dates, entity counts and the most frequent terms' bitsets and champions (about
        ``budget_bytes`` of postings). Called before gunicorn forks its workers, which
        then start with them (copy-on-write). Returns the number of terms read; an index
        that cannot be read yet preloads nothing (pages answer 503 until it exists)."""
        try:
            s = self.searcher()
        except store.IndexMissingError:
            return 0
        try:
            ds = self.docsets(s)
            for name in FACET_FIELDS:
                ds.value_bits(name)
            ds.date_range(None, None)
            entity_top(s, ds)
            self.restore_model()  # loaded and prepared once, not by each worker's first search
            return ds.preload(budget_bytes, PRELOAD_FIELDS)
        except Exception as exc:  # only a head start: the workers read what they need themselves
            log.warning("preloading the index at %s failed (%s: %s); serving without", self.live,
                        type(exc).__name__, exc)
            return 0
        finally:
            self.close()  # a forked worker must not share this searcher's open files

    def _searcher(self):
        return self._pool.searcher()

    def close(self) -> None:
        """Close this thread's searcher (others close when their thread ends)."""
        self._pool.close()

    def check(self) -> None:
        """Raise :class:`store.IndexMissingError` when the index cannot be searched."""
        self.searcher()

    def suggester(self) -> Suggester:
        s = self.searcher()
        gen = (self._pool.generation(), s.reader().doc_count_all(), s.reader().doc_count())
        with self._lock:
            sug = self._suggesters.get(gen)
            if sug is None:
                # A commit's state grows the previous vocabulary (same generation folder).
                grown = next((old.grown(s.reader()) for key, old in self._suggesters.items() if key[0] == gen[0]),
                             None)
                self._suggesters.clear()
                sug = grown if grown is not None else Suggester(s.reader())
                sug.use_restore_model(self.restore_model())
                self._suggesters[gen] = sug
        return sug.bound(s.reader())

    def vocabulary_ready(self, wait: float) -> bool:
        """True when the typo/"did you mean" vocabulary of the live index is built.

        Building it walks the whole term dictionary (seconds on a large index, once per
        index state), so it happens in a background thread; a request waits for it at
        most ``wait`` seconds and otherwise goes on without typo help.
        """
        if self.suggester().ready():
            return True
        with self._lock:
            thread = self._vocab_thread
            if thread is None or not thread.is_alive():
                thread = self._vocab_thread = threading.Thread(
                    target=self._build_vocabulary, name="vnsearch-vocabulary", daemon=True)
                thread.start()
        thread.join(max(0.0, wait))
        return self.suggester().ready()

    def _build_vocabulary(self) -> None:
        try:
            self.suggester().prepare()
        except Exception:  # an index swapped or damaged meanwhile: the next request retries
            pass
        finally:
            self.close()  # this thread's searcher

    # -- searching --------------------------------------------------------------

    def validate(self, req: SearchRequest) -> SearchRequest:
        cfg = self.config.search
        if not isinstance(req.page, int) or req.page < 1:
            raise BadRequest("page", "must be a whole number of at least 1")
        if req.page > cfg.max_page:
            raise BadRequest("page", f"must be at most {cfg.max_page}")
        if not isinstance(req.per_page, int) or not 1 <= req.per_page <= cfg.max_per_page:
            raise BadRequest("per_page", f"must be between 1 and {cfg.max_per_page}")
        if req.sort not in ("relevance", "newest"):
            raise BadRequest("sort", "must be 'relevance' or 'newest'")
        for name in ("date_from", "date_to"):
            value = getattr(req, name)
            if value:
                setattr(req, name, _check_date(name.replace("date_", ""), value))
        return req

    def parse(self, q: str) -> ParsedQuery:
        cfg = self.config.search
        try:
            return parse_query(q, max_chars=cfg.max_query_chars, max_terms=cfg.max_terms)
        except QueryTooLongError as exc:
            raise BadRequest("q", str(exc)) from None

    def search(self, req: SearchRequest) -> SearchResult:
        """Run a search; raises :class:`BadRequest` for unusable parameters only.

        An over-long query or an inverted date range is tidied first, with a notice
        (:mod:`indexer.search.tidy`); the cached result itself is never changed."""
        req, tidied = tidy_request(req, self.config.search.max_query_chars, self.validate)
        result = self._search_tidy(req)
        if not tidied:
            return result
        return dataclasses.replace(result, notices=[{k: v for k, v in n.items() if k != "note"} for n in tidied]
                                   + result.notices, notes=[n["note"] for n in tidied] + result.notes)

    def _search_tidy(self, req: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        self._local.started = time.monotonic()  # this thread's search, for the time limit
        # One allowance for every stage of this search (see indexer/budget.py).
        budget = self._local.budget = Budget(self.config.search.time_limit, self.config.search.cpu_limit)
        req = self.validate(req)
        reread = None if req.literal else self._reread(req)
        if reread is not None:
            return reread
        parsed = self.parse(req.q)
        s = self.searcher()
        cache_key = self._result_key(req, s)
        cached = self._results.get(cache_key)
        if cached is not None:
            return _copy_result(cached, started)
        result = SearchResult(query=req.q, total=0, page=req.page, per_page=req.per_page,
                              took_ms=0.0, hits=[], notes=list(parsed.notes))
        if parsed.dropped:
            result.notices.append({"code": "dropped_terms", "words": list(parsed.dropped[:10])})
        filt = self._filter(req)
        if parsed.is_empty:
            if req.q.strip() and not parsed.negative:
                result.notes.append("the query has no searchable words")
                result.notices.append({"code": "no_words", "words": []})
            if not parsed.negative and filt is None:  # "%%%", "*", "- -": nothing to look for
                result.took_ms = _ms(started)
                return result
        self.expand(parsed)
        wanted = max(req.page * req.per_page, req.depth)
        window = max(self._rescore_window(parsed), wanted) if req.sort == "relevance" else wanted
        # A syllable typed with marks that no article has as typed is a typo even when its
        # folded form is common: it matches its corrections from the start.
        typed = self.typed_corrections(parsed) if budget.allows("typo fallback") else {}
        reading = self.read(parsed, s, typed)
        trace: dict[str, Any] = {"reading": reading.to_dict(), "stages": [], "fuzzy": typed}
        score_q = self._retrieval_query(parsed, s, require_all=True, fuzzy=typed)
        res, stage = self._run_stages(s, stages(reading), reading, score_q, filt, window, req, trace)
        fuzzy: dict[str, list[str]] = dict(typed)
        if typed:
            typos = sorted({x.exact for x in parsed.positive_syllables if x.fold in typed})
            result.notices.append({"code": "fuzzy", "words": typos})
            result.notes.append("no article has " + ", ".join(typos) + " as typed; also matching words one letter away")
        if res.total == 0 and parsed.positive_syllables and budget.allows("typo fallback"):
            # A syllable no article contains (a typo) may also be any indexed syllable
            # one letter away; tone marks never count (folded terms).
            fuzzy = {**self.fuzzy_neighbours(parsed, s), **typed}
            trace["fuzzy"] = fuzzy
            if fuzzy:
                fr = self.read(parsed, s, fuzzy)
                ladder = [replace(st, name=st.name + ", unknown words one letter away", notice="fuzzy")
                          for st in stages(fr)]
                fq = self._retrieval_query(parsed, s, require_all=True, fuzzy=fuzzy)
                res2, st2 = self._run_stages(s, ladder, fr, fq, filt, window, req, trace)
                if res2.total:
                    res, stage, reading = res2, st2, fr
                    result.notes.append("no article has " + ", ".join(sorted(fuzzy))
                                        + "; showing articles with a word one letter away")
        if res.total == 0 and len(reading.clauses) > 1 and budget.allows("most words"):
            fq = self._retrieval_query(parsed, s, require_all=True, fuzzy=fuzzy)
            res2, st2 = self._run_stages(s, [most_words(reading)], reading, fq, filt, window, req, trace)
            if res2.total:
                res, stage = res2, st2
        trace["stage"] = stage.name
        trace["reading"]["match_forms"] = _match_forms(reading, stage, self.config.search.enough_matches)
        result.relaxed = stage.relaxed
        if stage.notice and (res.widened or stage.notice == "fuzzy"):
            words = sorted(fuzzy) if stage.notice == "fuzzy" else []
            result.notices.append({"code": stage.notice, "words": words})
            if stage.notice in NOTICE_NOTES:
                result.notes.append(NOTICE_NOTES[stage.notice])
        used = stage.query or score_q
        result.partial = res.partial
        result.total = res.total
        if req.facets:
            result.facets = _facets(s, res.bits)
            result.undated = (res.bits or 0).bit_count() - sum(c for _m, c in result.facets.get("month", []))
            result.timeline = timeline_of(self.docsets(s), res.bits, result.facets.get("month", []),
                                          _facet_columns(s)["published"])
        # Out of time: keep the first stage's order rather than re-scoring.
        ranked_as = self._preferred(parsed, req)
        ranked = res.hits if res.partial or not budget.allows("re-scoring") else \
            self._rank(s, res.hits, ranked_as, req, fuzzy, reading, first=res.first)
        # Each story once: copies and rewrites of a shown result go under it (indexer.search.stories).
        stories = group_stories(s, self.docsets(s), ranked, res.bits, (req.page - 1) * req.per_page,
                                req.per_page)
        if req.depth:
            result.ranked, result.searcher = ranked[:req.depth], s
        marks = _marks(ranked_as, fuzzy)
        loose = _marks(ranked_as, fuzzy, any_form=True) if marks.exacts else None
        length = self.config.search.snippet_chars
        page_entities: list[str] = []
        for story in stories:
            stored, score = story.stored, story.score
            title = stored.get("title") or ""
            body = snippet_source(title, stored.get("body") or "")
            hm = _marks_for(title, body, marks, loose)
            shown = snippet(body or title, set(), length=length, marks=hm)
            result.hits.append(Hit(
                id=stored.get("key") or "",
                title=title,
                url=stored.get("url"),
                outlet=stored.get("outlet"),
                category=stored.get("category"),
                date=stored.get("published"),
                score=round(float(score), 4),
                snippet=shown,
                title_html=highlight_all(title, set(), marks=hm),
                author=stored.get("author"),
                lead=lead_to_show(stored.get("description"), title, shown),
                entities=names_of(stored),
                same_story=[_copy_of(f) for _d, f in story.copies],
            ))
            page_entities.extend(result.hits[-1].entities)
        if req.facets:
            result.facets.update(entity_facets(s, self.docsets(s), res.bits, page_entities))
        if not parsed.is_empty and (result.total < 3 or result.relaxed or fuzzy) \
                and budget.allows("did you mean"):
            self._few_hits_help(parsed, result, s)
        if budget.skipped:  # cut short: say so, and do not cache it as the full answer
            result.partial = True
            result.notes.append("out of time: skipped " + ", ".join(budget.skipped))
        if req.debug:
            result.explain = self.explain(parsed, used, req, filt, trace=trace)
        result.took_ms = _ms(started)
        if not result.partial and not req.depth:
            self._results.put(cache_key, result)
        return result

    def _reread(self, req: SearchRequest) -> SearchResult | None:
        """The results for the query as the user meant it (keystrokes typed with the input
        method off), when it reads that way; see :mod:`indexer.search.reading`."""
        meant = reading_of(req.q, IndexLexicon(self.searcher().reader().doc_frequency), self.restore_model())
        if meant is None:
            return None
        if meant.kind == "diacritics":  # a boost, never a filter: matched as typed
            inner = self.search(dataclasses.replace(req, literal=True, prefer=meant.text))
        else:
            inner = self.search(dataclasses.replace(req, q=meant.text, literal=True))
        return dataclasses.replace(inner, query=req.q, reading=meant.to_api(req.q),
                                   notices=[*inner.notices, meant.notice()])

    def _preferred(self, parsed: ParsedQuery, req: SearchRequest) -> ParsedQuery:
        """What the ranking and the marks take the query to be: ``req.prefer`` (the same
        syllables with restored diacritics) when given, else the query as parsed."""
        if not req.prefer:
            return parsed
        preferred = self.parse(req.prefer)
        if [s.fold for s in preferred.positive_syllables] != [s.fold for s in parsed.positive_syllables]:
            return parsed
        self.expand(preferred)
        return preferred

    def restore_model(self):
        """The live generation's diacritic-restoration model (None for an older index);
        after a commit, the one loaded before until the new one is ready."""
        return cached_model(store.resolve(self.live), stale_ok=True)

    def _result_key(self, req: SearchRequest, s) -> tuple:
        """A search's identity: the request and the index state it ran against."""
        reader = s.reader()
        return (self._pool.generation(), reader.doc_count_all(), reader.doc_count(), req.q, req.page,
                req.per_page, tuple(req.outlet), tuple(req.category), req.date_from, req.date_to,
                req.sort, req.facets, req.debug, req.prefer, req.depth, tuple(req.entity))

    def read(self, parsed: ParsedQuery, s, fuzzy: dict[str, list[str]] | None = None) -> Reading:
        """How ``parsed`` is matched here (:mod:`indexer.matching`), from the index's stats."""
        ds = self.docsets(s)
        reader = s.reader()
        n_docs = max(1, reader.doc_count())
        pairs = "body_b" in s.schema and "title_b" in s.schema

        def share(syl, as_typed: bool = False) -> float:
            # From the term dictionary: reading a frequent syllable's postings (what
            # ds.data does) only to learn that it is frequent cost most of a question's time.
            fields, text = (("body_x", "title_x"), syl.exact) if as_typed else (("body_f", "title_f"), syl.fold)
            return max(reader.doc_frequency(fields[0], text), reader.doc_frequency(fields[1], text)) / n_docs

        def is_word(run) -> bool:
            if any(x.exact != x.fold for x in run):  # with diacritics: pyvi's words of the index
                return reader.doc_frequency("words", "_".join(x.exact for x in run)) > 0
            if len(run) != 2 or not pairs:
                return False
            # Without: the two syllables stand together in a good share of the
            # articles that have the rarer one ("tham nhung", not "nhung tham").
            a, b = run[0].fold, run[1].fold
            together = (ds.term("body_b", f"{a}_{b}") | ds.term("title_b", f"{a}_{b}")).bit_count()
            return together >= 3 and together >= 0.2 * min(share(run[0]), share(run[1])) * n_docs

        common = load_common_terms(self.config.path(self.config.search.common_terms))
        return read_query(parsed, lambda part: self._part_query(part, s), common, is_word, share,
                          fuzzy)

    def match_query(self, q: str) -> vq.Query | None:
        """The Whoosh query of what ``q`` matched (the union of the stages it ran).

        For checks against Whoosh itself; None when a best-match stage (counted from
        bitsets, no Whoosh query of its own) was used.
        """
        parsed = self.parse(q)
        s = self.searcher()
        self.expand(parsed)
        explained = self.search(SearchRequest(q=q, per_page=1, facets=False, debug=True)).explain
        used = (explained or {}).get("stage")
        ladder = stages(self.read(parsed, s))
        names = [st.name for st in ladder]
        if used not in names:
            return None
        queries = [st.as_query() for st in ladder[:names.index(used) + 1]]
        wanted = [q for q in queries if q is not None]
        if len(wanted) != len(queries):
            return None
        reading = self.read(parsed, s)
        out = vq.Or(wanted) if len(wanted) > 1 else wanted[0]
        return vq.AndNot(out, reading.negative) if reading.negative is not None else out

    def _run_stages(self, s, ladder: list[Stage], reading: Reading, score_q: vq.Query,
                    filt: _Filter | None, limit: int, req: SearchRequest,
                    trace: dict[str, Any]) -> tuple[_Retrieved, Stage]:
        """Run ``ladder`` until a stage finds ``search.enough_matches`` articles.

        Each stage widens the match of the ones before it (their articles stay), and
        its trace says why it ran and what it found. The articles of the strictest
        stage that found any rank first (``prefer``), so widening never pushes the
        words as typed down; long queries are left to the scores instead.
        """
        ds = self.docsets(s)
        budget = getattr(self._local, "budget", None)
        deadline = budget.wall_deadline() if budget is not None else time.monotonic() + self.config.search.time_limit
        within = filt.bits(ds) if filt is not None else None
        neg = None
        if reading.negative is not None:
            ev = ds.evaluate(reading.negative, deadline=deadline)
            neg = ev.bits
        enough = self.config.search.enough_matches
        bits = first = 0
        exact = True
        chosen = ladder[0]
        unfiltered = _Unfiltered(self, ds, ladder, neg, deadline) if within is not None else None
        for k, stage in enumerate(ladder):
            found, ok = self._stage_bits(ds, stage, within, neg, deadline)
            exact = exact and ok
            grown = found | bits
            trace["stages"].append({"stage": stage.name, "why": stage.why, "matched": found.bit_count(),
                                    "query": stage.describe()[:400]})
            if grown != bits:
                if not first:
                    first = found
                bits, chosen = grown, stage
            if bits.bit_count() >= enough:
                break
            if unfiltered is not None and unfiltered.enough_through(k, enough):
                break  # the archive reads the query this way: a filter narrows it, never widens it
            if bits and budget is not None and not budget.allows("wider matching"):
                break
        if not bits:
            return _Retrieved([], 0, 0, not exact), chosen
        partial = not exact
        if req.sort == "newest":
            hits = [(d, 0.0) for d in ds.newest(bits, limit)]
        elif reading.question:
            pool = self._ranking_pool(ds, chosen, bits, within, neg, deadline)
            trace["ranked_from"] = (f"{pool.bit_count()} articles with any of the words that are "
                                    f"not frequent, and the best of the {bits.bit_count()} matches")
            hits = self._question_candidates(ds, reading, bits, pool, limit)
            if not reading.marked and "body_b" in s.schema:
                # A sentence holding "nào" or "gì" typed without diacritics; typed with
                # them, its words as typed already keep it among the matches' best.
                hits = self._in_order_first(ds, reading, best_match_scoring(reading), bits, hits, trace)
        else:
            hits = ds.top(score_q, bits, limit, prefer=0 if reading.long else first)
            if reading.long and "body_b" in s.schema:
                hits = self._in_order_first(ds, reading, score_q, bits, hits, trace)
        partial = partial or time.monotonic() > deadline
        return _Retrieved(hits, bits.bit_count(), bits, partial, widened=chosen is not ladder[0],
                          first=0 if reading.long else first), chosen

    @staticmethod
    def _in_order_first(ds: DocSets, reading: Reading, score_q: vq.Query, bits: int,
                        hits: list[tuple[int, float]], trace: dict[str, Any]) -> list[tuple[int, float]]:
        """A long query's candidates, led by the matches holding most of its syllables in
        the order typed (its adjacent pairs in the body, ``body_b``).

        A sentence copied from an article is mostly frequent words: typed without
        diacritics, "bo quoc phong cung chua dua ra binh luan nao" has one word that is
        not frequent ("luan", in 2,698 of 20,000 articles), so BM25 over it ranks the
        article anywhere. Its pairs ("binh_luan", "luan_nao", "dua_ra"...) are rarer
        together, and the article has them all. They lead the list, most pairs first
        (moved up if BM25 had them too), so that the re-scoring, whose adjacency features
        then see them, always gets them.
        """
        # Reading a pair's postings costs milliseconds cold whatever its length (a look-up
        # in every segment), so only the rarest few of the body's pairs are read; those in
        # more than a few articles ("la_gi", "dua_ra") tell little anyway. Their document
        # counts come from the term dictionary.
        most = MAX_PAIR_SHARE * max(1, ds.size)
        counted = [(ds.reader.doc_frequency("body_b", p), p) for p in adjacent_pairs(reading)]
        pairs = [p for df, p in sorted(counted) if 0 < df <= most][:MAX_SENTENCE_PAIRS]
        if len(pairs) < MIN_SENTENCE_PAIRS:
            return hits
        pair_bits = [ds.term("body_b", p) for p in pairs]
        lead: list[tuple[int, float]] = []
        for level in most_pairs(pair_bits, bits, SENTENCE_CANDIDATES):  # most pairs first
            lead += ds.top(score_q, level, SENTENCE_CANDIDATES - len(lead))
            if len(lead) >= SENTENCE_CANDIDATES:
                break
        if not lead:
            return hits
        trace["in_order"] = (f"{len(lead)} matches holding the most of the query's {len(pairs)} "
                             "syllable pairs re-scored first")
        led = {d for d, _ in lead}
        return lead + [h for h in hits if h[0] not in led]

    @staticmethod
    def _question_candidates(ds: DocSets, reading: Reading, bits: int, pool: int,
                             limit: int) -> list[tuple[int, float]]:
        """A question's candidates: the best of ``pool`` and the best of its "3<75%"
        matches (``bits``), both by BM25 over its words that are not frequent.

        The second list keeps a sentence copied from an article that happens to hold a
        question word ("chưa đưa ra bình luận nào"): its words are mostly frequent ones,
        so among every article with any of them it ranks low. All the candidates are
        re-scored (``2 * limit`` at most). (Scoring every word for the second list,
        frequent ones included, measured the same on the tune split and read the
        costliest postings.)
        """
        words = best_match_scoring(reading)
        first = ds.top(words, pool, limit)
        matched = ds.top(words, bits, limit)
        seen = {d for d, _ in first}
        extra = [d for d, _ in matched if d not in seen]
        if extra:
            extra_bits = bits_from_ids(extra, ds.size)
            first += ds.top(words, extra_bits, len(extra))
        first.sort(key=lambda ds_: -ds_[1])
        return first

    @staticmethod
    def _ranking_pool(ds: DocSets, stage: Stage, bits: int, within: int | None, neg: int | None,
                      deadline: float) -> int:
        """The articles a question's best match ranks: those of ``stage`` and any with
        one of its words that are not frequent.

        A question shares only some of its words with the article it asks about
        ("Cấp chính quyền nhỏ hơn bộ lạc được gọi là gì?"): three words in four miss it
        among 20,000 news articles about as often as they find it, while BM25 and the
        re-scoring over every article with any of the words put it first (tuned on
        bench/relevance.py --archive --split tune). The count, facets and newest-first
        order keep the stage's matches.
        """
        if stage.best_of is None or stage.need <= 1:
            return bits
        found, _ok = SearchEngine._stage_bits(ds, replace(stage, need=1), within, neg, deadline)
        return bits | found

    @staticmethod
    def _stage_bits(ds: DocSets, stage: Stage, within: int | None, neg: int | None,
                    deadline: float) -> tuple[int, bool]:
        """The documents ``stage`` matches (and whether phrases were all checked in time)."""
        if stage.best_of is not None:
            sets = []
            ok = True
            for q in stage.best_of:
                ev = ds.evaluate(q, deadline=deadline, within=within)
                sets.append(ev.bits)
                ok = ok and ev.exact
            live = ds.live if within is None else ds.live & within
            out = at_least(sets, stage.need, live)
        else:
            ev = ds.evaluate(stage.query or vq.Every(), deadline=deadline, within=within)
            out, ok = ev.bits, ev.exact
        if neg:
            out &= ~neg
        return out, ok

    def docsets(self, s) -> DocSets:
        return docsets_for(s, _facet_columns(s))

    def _filter(self, req: SearchRequest) -> _Filter | None:
        if not (req.outlet or req.category or req.date_from or req.date_to or req.entity):
            return None
        return _Filter(tuple(req.outlet), tuple(req.category), req.date_from, req.date_to, tuple(req.entity))

    def _part_query(self, part: QueryPart, s) -> vq.Query | None:
        folds = [syl.fold for syl in part.syllables]
        if part.kind == "phrase" and len(folds) > 1:
            return vq.Or([vq.Phrase("title_f", folds), vq.Phrase("body_f", folds)])
        if part.kind == "prefix":
            stem = folds[0]
            terms = []
            for fieldname in ("title_f", "body_f"):
                for i, t in enumerate(s.reader().expand_prefix(fieldname, stem)):
                    if i >= MAX_PREFIX_EXPANSION:
                        break
                    terms.append(vq.Term(fieldname, t.decode("utf-8") if isinstance(t, bytes) else t))
            return vq.Or(terms) if terms else vq.NullQuery
        return None

    def synonyms(self) -> Synonyms:
        return load_synonyms(self.config.path(self.config.search.synonyms))

    def expand(self, parsed: ParsedQuery) -> None:
        """Attach synonym/abbreviation alternatives to the plain-word clauses."""
        syn = self.synonyms()
        for part in parsed.positive:
            part.expansions = syn.expand(part.syllables) if part.kind == "terms" and len(syn) else []

    def typed_corrections(self, parsed: ParsedQuery) -> dict[str, list[str]]:
        """Folded syllables typed with marks that no article has as typed -> corrections
        keeping those marks (:meth:`Suggester.corrections_as_typed`)."""
        syls = parsed.positive_syllables[:MAX_FUZZY_SYLLABLES * 4]
        if not any(x.exact != x.fold for x in syls):
            return {}
        return self.suggester().corrections_as_typed(syls, MAX_TYPED_CORRECTIONS)

    def fuzzy_neighbours(self, parsed: ParsedQuery, s) -> dict[str, list[str]]:
        """Folded syllables no article contains -> indexed syllables one edit away."""
        sug = self.suggester()
        out: dict[str, list[str]] = {}
        tried = 0
        for syl in parsed.positive_syllables:
            f = syl.fold
            if f in out or len(f) < 3 or sug.doc_frequency(f):
                continue  # known syllables cost one look-up, not a dictionary walk
            tried += 1
            budget = getattr(self._local, "budget", None)
            if tried > MAX_FUZZY_SYLLABLES or (budget is not None and not budget.allows("typo fallback")):
                break
            if not self.vocabulary_ready(budget.deadline - time.monotonic() - VOCABULARY_RESERVE if budget else 1.0):
                if budget is not None:
                    budget.skipped.append("typo fallback (vocabulary still loading)")
                break
            cands = sug.candidates(f)  # empty unless no article has ``f``
            if syl.exact != f:
                # An accent typed is evidence: "vàgn" is "vàng" (letters swapped, the
                # grave kept), not "vẫn" or "vắng", though all fold one edit away.
                kept = sug.edits_as_typed(syl.exact)
                if kept:
                    cands = list(dict.fromkeys(fold(form) for form in kept))
            if cands:
                out[f] = cands[:MAX_FUZZY_EXPANSION]
        return out

    def _retrieval_query(self, parsed: ParsedQuery, s, require_all: bool,
                         fuzzy: dict[str, list[str]] | None = None,
                         all_but_one: bool = False) -> vq.Query:
        clauses: list[vq.Query] = []
        for part in parsed.positive:
            special = self._part_query(part, s)
            if special is not None:
                clauses.append(special)
                continue
            # A synonym span is one clause: the words typed, or any alternative.
            spans = {e.start: e for e in part.expansions}
            syls = part.syllables
            i = 0
            while i < len(syls):
                exp = spans.get(i)
                if exp is None:
                    clauses.append(_syllable_clause(syls[i].fold, fuzzy))
                    i += 1
                    continue
                alts = [syls[i:i + exp.length]] + [list(a) for a in exp.alternatives]
                clauses.append(vq.Or([_all_of(a, fuzzy) for a in alts]))
                i += exp.length
        if not clauses:
            positive: vq.Query = vq.Every()
        elif require_all:
            positive = vq.And(clauses) if len(clauses) > 1 else clauses[0]
        else:
            # "Most of the words": at least half of them (documents with more rank first).
            if all_but_one and len(clauses) > 2:
                # Whoosh's Or(minmatch=) is not implemented: spell "all but one" out.
                positive = vq.Or([vq.And(clauses[:i] + clauses[i + 1:]) for i in range(len(clauses))])
            else:
                positive = vq.Or(clauses, minmatch=max(1, len(clauses) // 2)) if len(clauses) > 1 else clauses[0]
        negatives = []
        for part in parsed.negative:
            special = self._part_query(part, s)
            if special is not None:
                negatives.append(special)
            else:
                for syl in part.syllables:
                    negatives.append(vq.Or([vq.Term("title_f", syl.fold), vq.Term("body_f", syl.fold)]))
        # Syllables typed with diacritics: documents holding them exactly score higher
        # already at retrieval, so they reach the re-scoring window on common words.
        exacts = sorted({x.exact for x in parsed.positive_syllables if x.exact != x.fold})
        if exacts:  # typed with diacritics: the plain syllables are meant plain ("chủ quan")
            exacts = sorted({x.exact for x in parsed.positive_syllables})
        if exacts and clauses:
            positive = vq.AndMaybe(positive, vq.Or([vq.Term(f, e) for e in exacts
                                                    for f in ("title_x", "body_x")]))
        if negatives:
            return vq.AndNot(positive, vq.Or(negatives))
        return positive

    def _rescore_window(self, parsed: ParsedQuery) -> int:
        """Candidates re-scored: more for a short query typed with diacritics.

        "công đoàn" matches every article with "công" and "đoàn" anywhere; those with the
        two words together, exactly as typed, may rank beyond the usual window by BM25.
        Two-syllable queries are cheap to re-score, so they get four times as many
        candidates (three-syllable ones did too, at twice the cost and no gain in
        bench/relevance.py).
        """
        window = self.config.search.rescore_window
        syls = parsed.positive_syllables
        if len(syls) <= 2 and any(x.exact != x.fold for x in syls):
            return 4 * window
        return window

    def _rank(self, s, docs: list[tuple[int, float]], parsed: ParsedQuery, req: SearchRequest,
              fuzzy: dict[str, list[str]] | None = None,
              reading: Reading | None = None, first: int = 0) -> list[tuple[int, float]]:
        """Re-score the candidates (relevance sort) or keep the collector's order."""
        if req.sort != "relevance" or not parsed.positive_syllables or not docs:
            return docs
        from indexer.search.rescore import QUESTION_WEIGHTS, WEIGHTS, rescore

        window = self._rescore_window(parsed)
        if reading is not None and reading.question:
            window *= 2  # two candidate lists (_question_candidates)
        ds = self.docsets(s)
        common = {fold(c.text) for c in reading.clauses if c.common} if reading is not None else set()
        head = rescore(s, docs[:window], parsed, fuzzy, positions=ds.positions, common=common,
                       doc_frequency=lambda fieldname, text: ds.data(fieldname, text).df,
                       members=ds.members,
                       weights=QUESTION_WEIGHTS if reading is not None and reading.question else WEIGHTS)
        if first:
            # The strictest stage's articles (words as typed, together) stay ahead of
            # those a wider stage added: re-scoring orders each tier, not across them.
            fdata = first.to_bytes(ds.nbytes, "little")
            head.sort(key=lambda h: not fdata[h[0] >> 3] >> (h[0] & 7) & 1)
        return head + docs[window:]

    def complete(self, q: str, limit: int = 8) -> list[str]:
        """Completions for a partly typed query: frequent words, then matching headlines.

        Diacritics are optional ("nhat b" → "nhật bản") but respected when typed ("Nhật"
        never completes to "nhất"). Headlines must contain the typed syllables adjacent
        in the title (the last one as a prefix); those that start with them come first.
        """
        import re

        from indexer.text.normalize import fold as _fold, normalize as _normalize

        q = (q or "")[:200]
        try:
            parsed = parse_query(q, max_chars=200, max_terms=8)
        except QueryTooLongError:
            return []
        syls = parsed.positive_syllables
        if not syls:
            return []
        s = self.searcher()
        partial = not q.endswith(" ")
        folds = [x.fold for x in syls]
        exacts = [x.exact if x.exact != x.fold else None for x in syls]

        def position(text: str) -> int | None:
            """Where the typed syllables occur adjacently in ``text`` (None: nowhere)."""
            cand = re.findall(r"[^\W_]+", _normalize(text).lower())
            cfold = [_fold(w) for w in cand]
            n = len(folds)
            for i in range(len(cand) - n + 1):
                for j in range(n):
                    c, cf = cand[i + j], cfold[i + j]
                    if j == n - 1 and partial:
                        if not cf.startswith(folds[j]) or (exacts[j] and not c.startswith(exacts[j])):
                            break
                    elif cf != folds[j] or (exacts[j] and c != exacts[j]):
                        break
                else:
                    return i
            return None

        # Words and phrases as the articles write them (indexer.search.complete), then headlines.
        out: list[str] = complete_query(s.reader(), self.suggester(), syls, partial,
                                        (str(self.live), getattr(self._local, "generation", None)))
        seen = {_fold(x) for x in out}
        clauses: list[vq.Query] = [vq.Term("title_f", f) for f in folds[:-1]]
        last = folds[-1]
        if not partial or len(last) < 2:
            clauses.append(vq.Term("title_f", last))
        else:
            expanded = []
            for i, t in enumerate(s.reader().expand_prefix("title_f", last)):
                if i >= MAX_PREFIX_EXPANSION:
                    break
                expanded.append(vq.Term("title_f", t.decode("utf-8") if isinstance(t, bytes) else t))
            if not expanded:
                return out[:limit]
            clauses.append(vq.Or(expanded))
        query = vq.And(clauses) if len(clauses) > 1 else clauses[0]
        ranked = []
        for rank, hit in enumerate(s.search(to_whoosh(query), limit=max(limit * 6, 30), terms=False)):
            title = " ".join((hit.get("title") or "").split())
            if not title:
                continue
            if not looks_like_headline(title) or len(title) > 120:
                continue  # a lead sentence standing in for a missing headline
            pos = position(title)
            if pos is None:
                continue  # the typed syllables are not adjacent, or differ in diacritics
            ranked.append((0 if pos == 0 else 1, rank, title))
        ranked.sort()
        for _tier, _rank, title in ranked:
            if len(title) > 100:
                title = title[:100].rsplit(" ", 1)[0] + "…"
            key = _fold(title)
            if key not in seen:
                seen.add(key)
                out.append(title)
            if len(out) >= limit:
                break
        return out[:limit]

    # -- help when nothing matches --------------------------------------------

    def _few_hits_help(self, parsed: ParsedQuery, result: SearchResult, s) -> None:
        """Name the words no article contains, and offer a corrected query."""
        reader = s.reader()
        missing = []
        for syl in parsed.positive_syllables:
            if reader.doc_frequency("title_f", syl.fold) + reader.doc_frequency("body_f", syl.fold) == 0:
                missing.append(syl.exact)
        if missing:
            result.drop_suggestions = missing
        elif result.total == 0:
            result.drop_suggestions = [p.text for p in parsed.positive if p.kind == "phrase"] or \
                [syl.exact for syl in parsed.positive_syllables]
        budget = getattr(self._local, "budget", None)
        if len(parsed.positive_syllables) <= 2 * MAX_FUZZY_SYLLABLES and \
                self.vocabulary_ready(budget.deadline - time.monotonic() - VOCABULARY_RESERVE if budget else 1.0):
            result.suggestion = self.suggester().did_you_mean(parsed)

    # -- explain ----------------------------------------------------------------

    def explain(self, parsed: ParsedQuery, used: vq.Query | None = None,
                req: SearchRequest | None = None, filt=None,
                trace: dict[str, Any] | None = None) -> dict[str, Any]:
        """How a query was understood: normalised form, tokens per field, Whoosh query."""
        s = self.searcher()
        words = query_words(parsed)
        if not any(p.expansions for p in parsed.positive):
            self.expand(parsed)
        if used is None:
            used = self._retrieval_query(parsed, s, require_all=True)
        trace = trace or {}
        return {
            "synonyms": [e.to_dict() for p in parsed.positive for e in p.expansions],
            "stage": trace.get("stage", "all words"),
            # How the query was read (frequent words, how many must match, whether the
            # forms as typed define the match) and each stage tried, with its reason.
            "reading": trace.get("reading", {}),
            "stages": trace.get("stages", []),
            "ranked_from": trace.get("ranked_from"),
            "in_order": trace.get("in_order"),
            "fuzzy": trace.get("fuzzy", {}),
            "raw": parsed.raw,
            "normalized": parsed.normalized,
            "parts": [{"kind": p.kind, "negated": p.negated, "text": p.text,
                       "exact": [x.exact for x in p.syllables],
                       "fold": [x.fold for x in p.syllables]} for p in parsed.parts],
            "tokens": {
                "title_f/body_f": [x.fold for x in parsed.positive_syllables],
                "title_x/body_x": [x.exact for x in parsed.positive_syllables],
                "words": words,
            },
            "dropped": parsed.dropped,
            "whoosh_query": str(used),
            "filter": str(filt.query()) if filt is not None else None,
            "rescore": "exact diacritics, phrase adjacency, proximity and title over the top "
                       f"{self.config.search.rescore_window} candidates",
        }

    # -- documents --------------------------------------------------------------

    def document(self, doc_id: str) -> Document | None:
        s = self.searcher()
        if not doc_id or (not doc_id.isascii() and any("\ud800" <= c <= "\udfff" for c in doc_id)):
            return None  # a lone surrogate is never an id (and Whoosh cannot encode it)
        docnum = s.document_number(key=doc_id)
        if docnum is None:
            return None
        f = s.stored_fields(docnum)
        return Document(
            id=f.get("key"), title=f.get("title") or "", body=f.get("body") or "",
            url=f.get("url"), outlet=f.get("outlet"), category=f.get("category"),
            date=f.get("published"), author=f.get("author"), description=f.get("description"),
            source=f.get("source"), docnum=docnum)

    def highlight_document(self, doc: Document, q: str) -> tuple[str, str]:
        """(title HTML, body HTML) with the query's words marked; plain-escaped without one."""
        try:
            parsed = self.parse(q or "")
        except BadRequest:
            parsed = parse_query("")
        self.expand(parsed)
        marks = _marks(parsed)
        loose = _marks(parsed, any_form=True) if marks.exacts else None
        hm = _marks_for(doc.title, doc.body, marks, loose)
        return highlight_all(doc.title, set(), marks=hm), highlight_all(doc.body, set(), marks=hm)

    def related(self, doc: Document, limit: int = 5) -> list[Hit]:
        """Articles sharing this one's telling words (more-like-this over its pyvi words,
        names left out) or its rarer names, re-ranked by both and the category
        (:mod:`indexer.search.related`)."""
        s = self.searcher()
        names_in = self._names_reader(s)
        reader = s.reader()
        mine = names_in(reader.stored_fields(doc.docnum), doc.title or "", doc.body or "")
        has_entities = ENTITY_FIELD in s.schema

        def df(name: str) -> int:
            return reader.doc_frequency(ENTITY_FIELD, name) if has_entities else 1

        weights = name_weights(mine, df, reader.doc_count())
        rare = rare_names(df, mine, reader.doc_count())
        try:
            found = _more_like_topic(s, doc.docnum, mine, top=max(20, 4 * limit))
        except Exception:
            return []
        if has_entities:
            found += _sharing_rare_names(s, doc.docnum, weights, {d for d, _s in found})
        fields = [reader.stored_fields(d) for d, _s in found]
        order = rerank(weights, rare, doc.category,
                       [Candidate(score, f.get("category"), frozenset(names_in(f, f.get("title") or "",
                                                                               f.get("body") or "")))
                        for (_d, score), f in zip(found, fields)])
        hits: list[Hit] = []
        titles = {" ".join(doc.title.lower().split())}
        for i in order:
            f, score = fields[i], found[i][1]
            title_key = " ".join((f.get("title") or "").lower().split())
            if f.get("key") == doc.id or title_key in titles:
                continue  # each headline once
            titles.add(title_key)
            hits.append(Hit(id=f.get("key"), title=f.get("title") or "", url=f.get("url"),
                            outlet=f.get("outlet"), category=f.get("category"),
                            date=f.get("published"), score=round(score, 4),
                            snippet=snippet(f.get("body") or "", set(), length=160)))
            if len(hits) == limit:
                break
        return hits

    @staticmethod
    def _names_reader(s):
        """How an article's names are read for related articles: its index-time entity
        terms, or (an index built before them) its runs of capitalised syllables."""
        if ENTITY_FIELD in s.schema:
            return lambda stored, _title, _body: names_of(stored)
        return lambda _stored, title, body: named_entities(title, body)

    # -- statistics -------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """The archive's figures (outlets, categories, months, dates, size), read once per
        index state: the home page and the stats page show them on every visit, and
        counting them walks every outlet, category and month posting list. Callers must
        not change the dict (it is shared); a commit or a rebuild's swap reads them anew."""
        s = self.searcher()
        key = self._state_key(s)
        with self._lock:
            cached = self._stats
        if cached is not None and cached[0] == key:
            return cached[1]
        figures = self._read_stats(s)
        with self._lock:
            self._stats = (key, figures)
        return figures

    def _read_stats(self, s) -> dict[str, Any]:
        reader = s.reader()
        out: dict[str, Any] = {"documents": reader.doc_count()}
        for name in ("outlet", "category", "month"):
            counts: dict[str, int] = {}
            for term, _info in reader.iter_field(name):
                term = term.decode("utf-8") if isinstance(term, bytes) else term
                n = sum(1 for _ in s.postings(name, term).all_ids())
                if n:
                    counts[term] = n
            out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) \
                if name != "month" else dict(sorted(counts.items()))
        # Labels indexed before categories.toml mapped them stay until a rebuild: say so.
        out["relabelled_categories"] = relabelled(out["category"])
        dates = [t.decode() if isinstance(t, bytes) else t for t, _ in reader.iter_field("published")]
        out["date_range"] = [dates[0], dates[-1]] if dates else None
        by_source = _undated_by_source(s, reader)
        out["undated"] = sum(by_source.values())
        out["undated_collections"] = undated_summary(by_source)
        target = store.resolve(self.live)
        out["index_path"] = str(self.live)
        out["index_bytes"] = sum(p.stat().st_size for p in target.iterdir() if p.is_file())
        return out


def _more_like_topic(s, docnum: int, names, top: int, numterms: int = 12) -> list:
    """More-like-this over the article's most telling pyvi words other than its names.

    The names ("nhật_bản", "lloyd_austin") are weighed apart, by their rarity
    (:func:`indexer.search.related.rerank`); among the words they would link a military
    story to any article naming Japan. What is left says what the article is about.
    """
    own = {n.split(":", 1)[-1].lower().replace(" ", "_") for n in names}
    terms = [(w, weight) for w, weight in s.key_terms([docnum], "words", numterms=numterms + len(own))
             if w not in own][:numterms]
    return search_weighted_terms(s, "words", terms, top, docnum) if terms else []


# Names looked up for related articles: the article's rarest ones named elsewhere, and
# at most this many articles each (a name in more articles than that says little).
RARE_NAMES, PER_NAME = 3, 12


def _sharing_rare_names(s, docnum: int, weights: dict[str, float], seen: set[int]) -> list[tuple[int, float]]:
    """Articles naming one of the article's rarest names that the words did not find
    (scored 0 on words: they stay on the names they share)."""
    reader = s.reader()
    out: list[tuple[int, float]] = []
    for name, _w in sorted(weights.items(), key=lambda nw: -nw[1]):
        if not 2 <= reader.doc_frequency(ENTITY_FIELD, name) <= PER_NAME:
            continue
        for d in s.postings(ENTITY_FIELD, name).all_ids():
            if d != docnum and d not in seen and not reader.is_deleted(d):
                seen.add(d)
                out.append((d, 0.0))
        if len(out) >= RARE_NAMES * PER_NAME:
            break
    return out


def _match_forms(reading: Reading, stage: Stage, enough: int) -> str:
    """Which forms of the words defined the match set, and why (for ``--explain``)."""
    if not reading.marked:
        return "every diacritic form (typed without diacritics)"
    if "as typed" in stage.name:
        return "the forms as typed (either tone placement)"
    return f"every diacritic form: fewer than {enough} articles had the forms as typed"


def _copy_of(stored: dict[str, Any]) -> dict[str, Any]:
    """A copy of a story as its result lists it."""
    return {"id": stored.get("key"), "title": stored.get("title") or "", "url": stored.get("url"),
            "outlet": stored.get("outlet"), "date": stored.get("published")}


def _undated_by_source(s, reader) -> dict[str, int]:
    """Per indexed source (file), how many of its articles have no date."""
    dated: set[int] = set()
    for term, _info in reader.iter_field("month"):
        dated.update(s.postings("month", term).all_ids())
    out = {}
    for term, _info in reader.iter_field("source"):
        term = term.decode("utf-8") if isinstance(term, bytes) else term
        n = sum(1 for d in s.postings("source", term).all_ids() if d not in dated)
        if n:
            out[term] = n
    return out


def _syllable_clause(fold: str, fuzzy: dict[str, list[str]] | None) -> vq.Query:
    """One query syllable in either folded field (or, if unknown, a word one edit away)."""
    terms = [fold] + list((fuzzy or {}).get(fold, ()))
    return vq.Or([vq.Term(f, t) for t in terms for f in ("title_f", "body_f")])


def _all_of(syls, fuzzy: dict[str, list[str]] | None) -> vq.Query:
    clauses = [_syllable_clause(x.fold, fuzzy) for x in syls]
    return clauses[0] if len(clauses) == 1 else vq.And(clauses)


def _marks(parsed: ParsedQuery, fuzzy: dict[str, list[str]] | None = None,
           any_form: bool = False) -> Marks:
    """What the query marks: the forms typed, synonyms and corrections as matched.

    Typed with diacritics, a syllable marks only its form as typed (``any_form``: every
    form, for an article that matched through other forms); typed without, every form.
    A quoted phrase and a synonym form of several syllables mark only as a whole.
    """
    marked = any(x.exact != x.fold for x in parsed.positive_syllables) and not any_form
    folds: set[str] = set()
    exacts: set[str] = set()
    phrases: list[tuple[str, ...]] = []
    for part in parsed.positive:
        if part.kind == "prefix":
            continue
        if part.kind == "phrase" and len(part.syllables) > 1:
            phrases.append(tuple(x.fold for x in part.syllables))
            continue
        spans = {e.start: e for e in part.expansions}
        syls = part.syllables
        i = 0
        while i < len(syls):
            exp = spans.get(i)
            if exp is not None:
                for form in [syls[i:i + exp.length]] + [list(a) for a in exp.alternatives]:
                    if len(form) == 1:
                        folds.add(form[0].fold)
                    else:
                        phrases.append(tuple(x.fold for x in form))
                i += exp.length
                continue
            x = syls[i]
            (exacts.add(x.exact) if marked else folds.add(x.fold))
            folds.update((fuzzy or {}).get(x.fold, ()))
            i += 1
    prefixes = tuple(x.fold for p in parsed.positive if p.kind == "prefix" for x in p.syllables)
    return Marks(frozenset(folds), frozenset(exacts), tuple(phrases), prefixes)


def _marks_for(title: str, body: str, marks: Marks, loose: Marks | None) -> Marks:
    """``marks``, or ``loose`` (every form) for an article without the forms typed."""
    if loose is None or marked_matches(title, marks) or marked_matches(body, marks):
        return marks
    return loose


def _facet_columns(s) -> dict[str, tuple[list, list[int]]]:
    """Per searcher, each facet field as (distinct values, value number per docnum)."""
    return facet_columns(s, FACET_FIELDS + ("published",), internals.searcher_slot(s).get("shared"))


def _facets(s, bits: int) -> dict[str, list[tuple[str, int]]]:
    """Facet counts of the matching documents: one bitset AND + popcount per value."""
    ds = docsets_for(s, _facet_columns(s))
    out: dict[str, list[tuple[str, int]]] = {}
    for name in FACET_FIELDS:
        values, _ids = _facet_columns(s)[name]
        if not bits:
            out[name] = []
            continue
        counts = [(v, (bits & vb).bit_count()) for v, vb in zip(values, ds.value_bits(name))]
        out[name] = _facet_counts_sorted(name, [(v, c) for v, c in counts if c])
    return out


def _facet_counts_sorted(name: str, items) -> list[tuple[str, int]]:
    items = [(k, v) for k, v in items if k not in (None, "", b"")]
    if name == "month":
        return sorted(items, reverse=True)
    return sorted(items, key=lambda kv: (-kv[1], kv[0]))


def _check_date(param: str, value: str) -> str:
    import datetime as dt

    value = value.strip()
    for fmt, pad in (("%Y-%m-%d", ""), ("%Y-%m", "-01"), ("%Y", "-01-01")):
        try:
            dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        if param == "to" and pad:
            return value + {"-01": "-31", "-01-01": "-12-31"}[pad]
        return value + pad
    raise BadRequest(param, f"must be a date as YYYY-MM-DD, YYYY-MM or YYYY, not {value[:40]!r}")


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def result_to_api(result: SearchResult) -> dict[str, Any]:
    """The ``/api/search`` JSON shape (also used by ``vnsearch search --json``)."""
    out: dict[str, Any] = {
        "query": result.query,
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "took_ms": result.took_ms,
        "results": [h.to_api() for h in result.hits],
        "facets": {k: [{"value": v, "count": c} for v, c in items] for k, items in result.facets.items()},
        "undated": result.undated,
        "relaxed": result.relaxed,
        "partial": result.partial,
        "suggestion": result.suggestion,
        "notes": result.notes,
        "notices": result.notices,
    }
    if result.timeline is not None:
        out["timeline"] = result.timeline
    if result.drop_suggestions:
        out["drop_suggestions"] = result.drop_suggestions
    if result.reading is not None:
        out["reading"] = result.reading
    if result.explain is not None:
        out["explain"] = result.explain
    return out
