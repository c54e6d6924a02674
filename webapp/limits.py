"""At most a few requests at a time per client, so one client's burst cannot take every thread.

A gunicorn worker answers with a fixed number of threads. Each search is bounded (see
``indexer/budget.py``), but a client firing many at once could still hold all of a
worker's threads while others wait. This WSGI middleware counts the requests each
client address has in progress in this worker and answers the one over the limit with
429 Too Many Requests and ``Retry-After: 1`` at once, leaving a thread free for
everyone else. Static files are never limited.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["PerClientLimit", "per_client_limit"]


def per_client_limit(setting: int, threads: int) -> int:
    """The limit for ``server.per_client`` (0: one thread fewer than a worker has, at least 1)."""
    return setting if setting > 0 else max(1, threads - 1)


class PerClientLimit:
    """WSGI middleware: at most ``limit`` requests in progress per ``REMOTE_ADDR``."""

    def __init__(self, app: Callable, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._lock = threading.Lock()
        self._active: dict[str, int] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if self.limit <= 0 or path.startswith("/static/"):
            return self.app(environ, start_response)
        client = environ.get("REMOTE_ADDR") or "?"
        with self._lock:
            if self._active.get(client, 0) >= self.limit:
                return _too_many(path, start_response)
            self._active[client] = self._active.get(client, 0) + 1
        try:
            # The response is produced in full before the slot is given back (Flask's
            # responses are lists of bytes; streaming ones would hold it while streamed).
            return list(self.app(environ, start_response))
        finally:
            with self._lock:
                left = self._active[client] - 1
                if left:
                    self._active[client] = left
                else:
                    del self._active[client]


def _too_many(path: str, start_response: Callable) -> list[bytes]:
    message = "too many requests at once from this address; retry in a second"
    if path.startswith("/api/"):
        body = json.dumps({"status": 429, "error": message}).encode()
        ctype = "application/json"
    else:
        body = ("<!doctype html><meta charset=utf-8><title>429</title>"
                "<p>Quá nhiều yêu cầu cùng lúc từ địa chỉ này; hãy thử lại sau một giây. "
                f"({message})</p>").encode()
        ctype = "text/html; charset=utf-8"
    start_response("429 Too Many Requests", [("Content-Type", ctype), ("Content-Length", str(len(body))),
                                             ("Retry-After", "1"), ("X-Content-Type-Options", "nosniff")])
    return [body]
