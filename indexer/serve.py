"""Running the web app under gunicorn (a production WSGI server), from Python.

Workers are forked after the app is loaded (``preload_app``), so the Flask app and
the engine's code are shared copy-on-write; each worker opens its own searchers.
"""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication

from indexer.config import Config

__all__ = ["run_server", "gunicorn_options"]


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
    """Serve ``webapp.create_app(cfg)`` until interrupted."""
    from webapp import create_app

    app = create_app(cfg)
    opts = gunicorn_options(cfg)
    print(f"vnsearch serving {cfg.path('index')} on http://{opts['bind']}/ "
          f"({opts['workers']} workers × {opts['threads']} threads)", flush=True)
    _App(app, opts).run()
