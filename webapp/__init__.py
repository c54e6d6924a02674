"""The Flask web layer: HTML pages and the JSON API over :mod:`indexer.search.engine`.

Thin by design: views parse the request, call the engine, render. The app never
writes to the index and exposes no admin action.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Mapping

from flask import Flask

from indexer import Config, load_config

__all__ = ["create_app"]


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """Application factory.

    ``config`` is a :class:`indexer.config.Config`, or a mapping of Flask settings for
    tests, where ``VNSEARCH`` may hold a Config and ``INDEX`` an index path, or None
    (read config.toml).
    """
    app = Flask(__name__)
    app.config.update(JSON_AS_ASCII=False, TEMPLATES_AUTO_RELOAD=False)
    if isinstance(config, Config):
        cfg = config
    else:
        settings = dict(config or {})
        cfg = settings.pop("VNSEARCH", None) or load_config(settings.pop("CONFIG_PATH", None))
        if settings.get("INDEX"):
            cfg = cfg.with_overrides(**{"paths.index": str(settings.pop("INDEX"))})
        app.config.update(settings)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # DefaultJSONProvider settings
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from indexer import SearchEngine

    app.extensions["vnsearch"] = SearchEngine(cfg)
    app.extensions["vnsearch_config"] = cfg

    from . import api, insights, security, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(insights.bp)
    security.init_app(app)
    from .limits import PerClientLimit, per_client_limit

    limit = per_client_limit(cfg.server.per_client, cfg.server.threads)
    app.wsgi_app = PerClientLimit(app.wsgi_app, limit)  # type: ignore[method-assign]
    return app
