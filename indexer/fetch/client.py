"""A polite HTTP client for fetching news pages: one request at a time per host.

News sites are shared infrastructure and ban crawlers that hammer them, so every
request here waits out the configured per-host delay (raised by a robots.txt
``Crawl-delay``), identifies itself with the configured User-Agent, backs off
exponentially on 429/5xx and network errors (honouring ``Retry-After``, capped), and
gives up cleanly with a reason instead of hanging: redirects are followed by hand so
loops and over-long chains are reported, and bodies are read in a stream so an
oversized or endless response is cut off at ``max_bytes`` without being buffered.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from indexer.config import FetchConfig

__all__ = ["FetchError", "HttpResult", "PoliteClient", "retry_after_seconds", "MAX_RETRY_WAIT"]

# Longest wait accepted from Retry-After or back-off: a server asking for an hour is
# treated as "not now" (we wait this long, retry once more, then report the failure).
MAX_RETRY_WAIT = 60.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """A URL that could not be fetched; ``str(e)`` is a reason a user can act on."""


@dataclass(slots=True)
class HttpResult:
    """A complete response (the body already read, within the size cap)."""

    url: str  # what was asked for
    final_url: str  # after redirects
    status: int
    headers: dict[str, str]
    content: bytes
    redirects: list[str] = field(default_factory=list)
    fetched_at: str = ""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    now_ts = time.time() if now is None else now
    return max(0.0, when.timestamp() - now_ts)


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class PoliteClient:
    """Sequential GETs with per-host delay, retries, redirect and size limits.

    ``allow`` is called for every URL before it is requested (redirect targets
    included), so robots.txt rules apply to where a redirect leads, too; it raises
    to refuse. ``sleep`` and ``clock`` are injectable for tests.
    """

    def __init__(self, config: FetchConfig, *, client: httpx.Client | None = None,
                 allow: Callable[[str], None] | None = None, backoff: float | None = None,
                 max_retry_wait: float = MAX_RETRY_WAIT, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._own_client = client is None
        self.client = client or httpx.Client(
            headers={"User-Agent": config.user_agent, "Accept-Language": "vi,en;q=0.5"},
            timeout=httpx.Timeout(config.timeout), follow_redirects=False)
        self.allow = allow
        self.backoff = backoff if backoff is not None else max(min(config.delay, 2.0), 0.1)
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._clock = clock
        self._last: dict[str, float] = {}
        self._host_delay: dict[str, float] = {}

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> "PoliteClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_host_delay(self, url: str, seconds: float) -> None:
        """Raise the delay for one host (robots.txt Crawl-delay), capped at 30 s."""
        self._host_delay[_host_key(url)] = min(max(seconds, 0.0), 30.0)

    def _wait_turn(self, url: str) -> None:
        key = _host_key(url)
        delay = max(self.config.delay, self._host_delay.get(key, 0.0))
        last = self._last.get(key)
        if last is not None:
            wait = last + delay - self._clock()
            if wait > 0:
                self._sleep(wait)

    def _done(self, url: str) -> None:
        self._last[_host_key(url)] = self._clock()

    def get(self, url: str, *, headers: dict[str, str] | None = None,
            max_bytes: int | None = None) -> HttpResult:
        """GET ``url`` following redirects by hand; raises :class:`FetchError`.

        Returns the final response whatever its status (callers decide what a 404 or
        a 304 means); ``headers`` (e.g. conditional ones) go with the first request only.
        """
        chain = [url]
        current = url
        extra = dict(headers or {})
        for _hop in range(self.config.max_redirects + 1):
            if self.allow is not None:
                self.allow(current)
            result = self._get_once(current, extra, max_bytes)
            if result.status not in REDIRECT_STATUSES:
                result.url = url
                result.redirects = chain[1:]
                return result
            location = result.headers.get("location")
            if not location:
                raise FetchError(f"HTTP {result.status} redirect without a Location header")
            nxt = urljoin(current, location.strip())
            if urlsplit(nxt).scheme not in ("http", "https"):
                raise FetchError(f"redirect to an unsupported URL: {nxt}")
            if nxt in chain:
                raise FetchError("redirect loop: " + " -> ".join(chain + [nxt]))
            chain.append(nxt)
            current = nxt
            extra = {}
        raise FetchError(f"too many redirects (more than {self.config.max_redirects}): "
                         + " -> ".join(chain))

    def _get_once(self, url: str, headers: dict[str, str], max_bytes: int | None) -> HttpResult:
        limit = self.config.max_bytes if max_bytes is None else max_bytes
        attempts = self.config.retries + 1
        last_problem = ""
        for attempt in range(attempts):
            self._wait_turn(url)
            retry_wait: float | None = None
            try:
                result = self._stream(url, headers, limit)
            except FetchError:
                self._done(url)
                raise
            except httpx.DecodingError as exc:  # e.g. "Content-Encoding: gzip" on a plain body
                self._done(url)
                raise FetchError(f"undecodable response body: {exc}") from None
            except httpx.TimeoutException:
                last_problem = f"timed out after {self.config.timeout:g} s"
            except httpx.TransportError as exc:
                last_problem = f"network error: {exc.__class__.__name__}: {exc}".rstrip(": ")
            else:
                self._done(url)
                if result.status not in RETRY_STATUSES or attempt == attempts - 1:
                    return result
                last_problem = f"HTTP {result.status}"
                retry_wait = retry_after_seconds(result.headers.get("retry-after"))
            self._done(url)
            if attempt == attempts - 1:
                break
            wait = retry_wait if retry_wait is not None else self.backoff * (2 ** attempt)
            self._sleep(min(wait, self.max_retry_wait))
        raise FetchError(f"{last_problem} (gave up after {attempts} attempts)")

    def _stream(self, url: str, headers: dict[str, str], limit: int) -> HttpResult:
        started = self._clock()
        fetched_at = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        with self.client.stream("GET", url, headers=headers) as response:
            hdrs = {k.lower(): v for k, v in response.headers.items()}
            declared = hdrs.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchError(f"response too large ({int(declared)} bytes, limit {limit})")
            chunks: list[bytes] = []
            size = 0
            if response.status_code not in REDIRECT_STATUSES and response.status_code != 304:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(f"response too large (more than {limit} bytes)")
                    if self._clock() - started > self.config.timeout * 3:
                        raise FetchError(f"download too slow (over {self.config.timeout * 3:g} s)")
                    chunks.append(chunk)
            return HttpResult(url=url, final_url=str(response.url), status=response.status_code,
                              headers=hdrs, content=b"".join(chunks), fetched_at=fetched_at)
