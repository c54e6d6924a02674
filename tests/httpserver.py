"""A real HTTP server on 127.0.0.1 for fetch tests (no network beyond loopback).

Usage in a test module (fixtures cannot come from conftest here)::

    from tests.httpserver import LocalServer, Reply, static, sequence

    @pytest.fixture
    def server():
        with LocalServer() as srv:
            yield srv

    server.route("/a.html", static(b"<html>...", "text/html; charset=utf-8"))
    server.url("/a.html")

A route is a callable ``(Request) -> Reply``; helpers below build the common ones
(static bodies, ETag/304 handling, sequences such as 429-then-200, redirects, slow
and oversized bodies). Every request is recorded with its path, headers and arrival
time (and the status it was answered with), so tests can check the User-Agent,
conditional headers and 304s, delays between two requests and that a disallowed path
was never asked for.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["LocalServer", "Request", "Reply", "static", "file_route", "etag_page", "conditional", "sequence",
           "redirect", "slow", "oversize", "not_found", "gzipped", "DATA"]

DATA = Path(__file__).parent / "data"


@dataclass(slots=True)
class Request:
    path: str
    headers: dict[str, str]  # lower-case names
    time: float  # time.monotonic() on arrival
    status: int = 0  # the status it was answered with (0 until answered)


@dataclass(slots=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the body is sent (after the headers)
    content_length: bool = True  # False: no Content-Length, body ends at connection close


Route = Callable[[Request], Reply]


def static(body: bytes | str, content_type: str = "text/html; charset=utf-8", **headers: str) -> Route:
    data = body.encode("utf-8") if isinstance(body, str) else body
    hdrs = {"Content-Type": content_type, **{k.replace("_", "-"): v for k, v in headers.items()}}
    return lambda req: Reply(200, data, dict(hdrs))


def file_route(path: Path, content_type: str) -> Route:
    return static(Path(path).read_bytes(), content_type)


def gzipped(body: bytes, content_type: str = "application/x-gzip") -> Route:
    return static(gzip.compress(body), content_type)


def not_found(req: Request) -> Reply:
    return Reply(404, b"not found", {"Content-Type": "text/plain"})


def etag_page(body: bytes, etag: str, content_type: str = "text/html; charset=utf-8",
              last_modified: str = "Wed, 26 Jul 2017 12:41:14 GMT") -> Route:
    """200 with an ETag and Last-Modified; 304 when If-None-Match matches."""
    def route(req: Request) -> Reply:
        if req.headers.get("if-none-match") == etag:
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, body, {"Content-Type": content_type, "ETag": etag, "Last-Modified": last_modified})
    return route


def conditional(body: bytes, content_type: str, *, etag: str | None = None,
                last_modified: str | None = None) -> Route:
    """200 with whichever validators are given; 304 when the request's matching one agrees.

    A listing with only ``Last-Modified`` (no ETag) is common for feeds and sitemaps.
    """
    def route(req: Request) -> Reply:
        if etag is not None and req.headers.get("if-none-match") == etag:
            return Reply(304, b"", {"ETag": etag})
        if etag is None and last_modified is not None and req.headers.get("if-modified-since") == last_modified:
            return Reply(304, b"", {"Last-Modified": last_modified})
        headers = {"Content-Type": content_type}
        if etag is not None:
            headers["ETag"] = etag
        if last_modified is not None:
            headers["Last-Modified"] = last_modified
        return Reply(200, body, headers)
    return route


def sequence(*replies: Reply) -> Route:
    """Reply with each in turn; the last one repeats."""
    state = {"i": 0}
    lock = threading.Lock()

    def route(req: Request) -> Reply:
        with lock:
            i = min(state["i"], len(replies) - 1)
            state["i"] += 1
        r = replies[i]
        return Reply(r.status, r.body, dict(r.headers), r.delay, r.content_length)
    return route


def redirect(to: str, status: int = 302) -> Route:
    return lambda req: Reply(status, b"", {"Location": to})


def slow(body: bytes, delay: float, content_type: str = "text/html; charset=utf-8") -> Route:
    return lambda req: Reply(200, body, {"Content-Type": content_type}, delay=delay)


def oversize(size: int, *, content_length: bool = True) -> Route:
    body = b"<html><body><p>" + b"x" * size + b"</p></body></html>"
    return lambda req: Reply(200, body, {"Content-Type": "text/html"}, content_length=content_length)


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        owner = self.server.owner
        req = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
        owner.record(req)
        route = owner.routes.get(self.path.split("#", 1)[0]) or owner.routes.get(self.path.split("?", 1)[0])
        reply = route(req) if route else not_found(req)
        req.status = reply.status
        try:
            self.send_response(reply.status)
            for k, v in reply.headers.items():
                self.send_header(k, v)
            if reply.content_length:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if reply.delay:
                self.wfile.flush()
                time.sleep(reply.delay)
            for i in range(0, len(reply.body), 65536):
                self.wfile.write(reply.body[i:i + 65536])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (size cap, timeout): expected in tests

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "LocalServer"

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        pass  # a client hanging up mid-body is normal here; nothing to report


class LocalServer:
    """A threaded HTTP server on an ephemeral 127.0.0.1 port with a route table."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, handler: Route) -> None:
        self.routes[path] = handler

    def record(self, req: Request) -> None:
        with self._lock:
            self.requests.append(req)

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    def start(self) -> "LocalServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
