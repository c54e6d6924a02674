"""robots.txt: fetched once per host per run, through the same polite client.

Follows RFC 9309's failure rules: a robots.txt that does not exist (any 4xx) allows
everything; one the server cannot serve (5xx) means "do not crawl this host" for the
rest of the run, because a site in trouble is exactly the one not to add load to; a
host that cannot be reached at all fails its URLs with the network error.
Note ``Crawl-delay`` must be a whole number for urllib.robotparser. Parsing is urllib.robotparser's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from indexer.fetch.client import FetchError, PoliteClient

__all__ = ["RobotsCache", "RobotsDisallowed", "HostRobots"]

MAX_ROBOTS_BYTES = 500_000  # RFC 9309 asks parsers to read at least 500 KiB


class RobotsDisallowed(Exception):
    """The URL is excluded by the site's robots.txt (or robots.txt was unavailable)."""


@dataclass
class HostRobots:
    """What one host's robots.txt said."""

    parser: RobotFileParser | None  # None: no rules (allow all) or unavailable
    allow_all: bool
    reason: str = ""
    sitemaps: list[str] = field(default_factory=list)
    crawl_delay: float | None = None
    unreachable: bool = False  # network failure: the URL fails (it is not "disallowed")


def _root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class RobotsCache:
    """Per-host robots.txt rules for one run."""

    def __init__(self, client: PoliteClient, user_agent: str) -> None:
        self.client = client
        self.user_agent = user_agent
        self._hosts: dict[str, HostRobots] = {}

    def for_url(self, url: str) -> HostRobots:
        root = _root(url).lower()
        if root not in self._hosts:
            self._hosts[root] = self._load(root)
        return self._hosts[root]

    def _load(self, root: str) -> HostRobots:
        robots_url = root + "/robots.txt"
        try:
            result = self.client.get(robots_url, max_bytes=MAX_ROBOTS_BYTES)
        except FetchError as exc:
            return HostRobots(None, False, f"robots.txt unreachable: {exc}", unreachable=True)
        if 400 <= result.status < 500:
            return HostRobots(None, True)
        if result.status != 200:
            return HostRobots(None, False, f"robots.txt unavailable (HTTP {result.status}), not crawling this host")
        text = result.content.decode("utf-8", errors="replace").lstrip("\ufeff")
        parser = RobotFileParser(robots_url)
        parser.parse(text.splitlines())
        delay = parser.crawl_delay(self.user_agent)
        hr = HostRobots(parser, False, sitemaps=list(parser.site_maps() or []),
                        crawl_delay=float(delay) if delay is not None else None)
        if hr.crawl_delay:
            self.client.set_host_delay(root, hr.crawl_delay)
        return hr

    def check(self, url: str) -> None:
        """Raise :class:`RobotsDisallowed` unless ``url`` may be fetched.

        When the host could not be reached at all, raise :class:`FetchError` instead:
        that is a failure to report, not a site's wish to respect.
        """
        if urlsplit(url).path == "/robots.txt":
            return
        hr = self.for_url(url)
        if hr.allow_all:
            return
        if hr.unreachable:
            raise FetchError(hr.reason)
        if hr.parser is None:
            raise RobotsDisallowed(hr.reason)
        if not hr.parser.can_fetch(self.user_agent, url):
            raise RobotsDisallowed("disallowed by robots.txt")

    def sitemaps(self, url: str) -> list[str]:
        """``Sitemap:`` lines of the host's robots.txt."""
        return list(self.for_url(url).sitemaps)
