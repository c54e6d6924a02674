"""Running the web app under gunicorn (a production WSGI server), from Python.

Workers are forked after the app is loaded (``preload_app``), so the Flask app and
the engine's code are shared copy-on-write; each worker opens its own searchers.
"""

from __future__ import annotations

import errno
import os
import socket

from gunicorn.app.base import BaseApplication

from indexer.config import Config

__all__ = ["ServeError", "check_address", "gunicorn_options", "run_server"]


class ServeError(OSError):
    """The server cannot listen where asked; the message says what to do instead."""


def check_address(host: str, port: int) -> None:
    """Bind (and release) ``host:port`` the way gunicorn will, so a busy port is one
    clear error before anything claims to serve, instead of gunicorn's retry loop."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {host!r}: not a known address ({exc.strerror}); "
                         "use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (the network)") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(f"port {port} on {host} is already in use (another vnsearch serve?): stop it "
                                 f"or choose a free port, e.g. vnsearch serve --port {_other(port)} "
                                 f"(make run PORT={_other(port)})") from None
            if exc.errno == errno.EACCES:
                raise ServeError(f"no permission to listen on port {port}: ports below 1024 need root; "
                                 f"choose e.g. --port 8080") from None
            raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _other(port: int) -> int:
    return 8080 if port != 8080 else 8081


def gunicorn_options(cfg: Config) -> dict:
    workers = cfg.server.workers or (os.cpu_count() or 1)
    return {
        "bind": f"{cfg.server.host}:{cfg.server.port}",
        "workers": workers,
        "threads": cfg.server.threads,
        "worker_class": "gthread" if cfg.server.threads > 1 else "sync",
        "preload_app": True,
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "warning",
        "limit_request_line": 8190,
    }


class _App(BaseApplication):
    def __init__(self, app, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def run_server(cfg: Config) -> None:
    """Serve ``webapp.create_app(cfg)`` until interrupted (Ctrl+C).

    Raises :class:`ServeError` when the address cannot be listened on."""
    from webapp import create_app

    check_address(cfg.server.host, cfg.server.port)
    app = create_app(cfg)
    if cfg.server.preload_mb:
        # Before the fork: every worker inherits the warm caches (copy-on-write).
        app.extensions["vnsearch"].preload(cfg.server.preload_mb * 2**20)
    opts = gunicorn_options(cfg)
    print(f"vnsearch serving {cfg.path('index')} on http://{opts['bind']}/ "
          f"({opts['workers']} workers × {opts['threads']} threads); Ctrl+C stops it", flush=True)
    _App(app, opts).run()
