"""Which site rules no longer fit their site: selectors that matched nothing.

Sites change their markup; the generic extractor then saves the article, and nothing
would tell anyone the rule in :file:`indexer/data/sites.json` is stale. The extractor
marks each page's missed rule fields (``Article.extra["rule_misses"]``); this module
counts them per rule, for the ``vnsearch fetch`` summary and ``--check-rules``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from indexer.ingest.documents import Article, ReadFailure

__all__ = ["RuleReport"]


@dataclass
class RuleReport:
    """Pages seen per site rule and, per rule field, on how many its selectors missed."""

    pages: Counter = field(default_factory=Counter)  # rule name -> pages extracted with it
    misses: Counter = field(default_factory=Counter)  # (rule name, field) -> pages it missed on

    def add(self, article: Article) -> None:
        rule = article.extra.get("site_rule")
        if not rule:
            return
        self.pages[rule] += 1
        for name in article.extra.get("rule_misses", ()):
            self.misses[rule, name] += 1

    def add_all(self, items: Iterable[Article | ReadFailure]) -> None:
        for item in items:
            if isinstance(item, Article):
                self.add(item)

    def lines(self) -> list[str]:
        """One line per rule field that missed, worst first ("body" misses mean the
        generic fallback chose the text)."""
        out = []
        for (rule, name), n in sorted(self.misses.items(), key=lambda kv: (-kv[1] / self.pages[kv[0][0]], kv[0])):
            note = " (generic fallback used for the text)" if name == "body" else ""
            out.append(f"site rule {rule}: {name} selectors matched nothing on {n} of {self.pages[rule]} "
                       f"pages{note}")
        return out
