"""config.toml -> a frozen dataclass; every setting has a default here.

The same defaults are written, commented, in the repository's ``config.toml``; a test
checks the two agree and that the README documents each setting.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["Config", "load_config", "ConfigError", "PROJECT_ROOT"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A configuration file or override that cannot be used (names the setting)."""


@dataclass(frozen=True)
class PathsConfig:
    index: str = "data/index"
    corpus: str = "corpus"
    cache: str = "data/cache"
    raw: str = "data/raw"


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 0
    threads: int = 4
    per_client: int = 0
    preload_mb: int = 64


@dataclass(frozen=True)
class SearchConfig:
    per_page: int = 10
    max_per_page: int = 50
    max_page: int = 100
    snippet_chars: int = 220
    max_query_chars: int = 500
    max_terms: int = 32
    rescore_window: int = 100
    time_limit: float = 3.0
    cpu_limit: float = 0.3
    synonyms: str = "indexer/data/synonyms.txt"
    result_cache: int = 512
    postings_cache_mb: int = 384
    common_terms: str = "indexer/data/common_terms.txt"
    enough_matches: int = 5
    export_max: int = 10_000
    kwic_max: int = 500
    feed_entries: int = 30


@dataclass(frozen=True)
class IndexConfig:
    processes: int = 0
    batch_size: int = 64
    writer_memory_mb: int = 256
    phrase_pairs: bool = True
    keep_generations: int = 1
    dask_partition: int = 5000


@dataclass(frozen=True)
class FetchConfig:
    user_agent: str = "vnsearch/0.1 (+https://github.com/vnsearch; personal news archive)"
    delay: float = 1.0
    timeout: float = 20.0
    max_bytes: int = 5_000_000
    retries: int = 3
    max_redirects: int = 5
    max_items: int = 500
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    paths: PathsConfig = field(default_factory=PathsConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    # Folder relative paths are resolved against: the config file's folder, else the
    # working folder (never the installed package's folder).
    base_dir: str = field(default_factory=lambda: str(Path.cwd()))

    def path(self, name: str) -> Path:
        """An absolute path for a ``[paths]`` setting or a path-valued setting.

        A relative data file shipped with the package (``indexer/data/...``) that is not
        under ``base_dir`` is taken from the installed package, so an installed tool run
        from any folder still finds its synonyms.
        """
        value = getattr(self.paths, name) if hasattr(self.paths, name) else name
        p = Path(value).expanduser()
        if p.is_absolute():
            return p
        here = Path(self.base_dir) / p
        if not hasattr(self.paths, name) and not here.exists() and (PROJECT_ROOT / p).exists():
            return PROJECT_ROOT / p
        return here

    def with_overrides(self, **dotted: Any) -> "Config":
        """Copy with settings replaced, e.g. ``with_overrides(**{"paths.index": "x"})``.

        ``None`` values are ignored, so click options can be passed straight through.
        """
        cfg = self
        for key, value in dotted.items():
            if value is None:
                continue
            section, _, name = key.partition(".")
            sect = getattr(cfg, section, None)
            if sect is None or not hasattr(sect, name):
                raise ConfigError(f"unknown setting {key!r}")
            cfg = replace(cfg, **{section: replace(sect, **{name: _coerce(key, getattr(sect, name), value)})})
        return cfg


_SECTIONS = {"paths": PathsConfig, "server": ServerConfig, "search": SearchConfig,
             "index": IndexConfig, "fetch": FetchConfig}


def _coerce(key: str, default: Any, value: Any) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"setting {key!r} must be true or false, not {value!r}")
        return value
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"setting {key!r} must be a list of strings")
        return tuple(value)
    if isinstance(default, (int, float)):
        try:
            value = type(default)(value)
        except (TypeError, ValueError):
            raise ConfigError(f"setting {key!r} must be a number, not {value!r}") from None
        if value < 0:
            raise ConfigError(f"setting {key!r} must not be negative")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"setting {key!r} must be a string, not {value!r}")
    return value


def default_config_path() -> Path | None:
    """``$VNSEARCH_CONFIG``, else ./config.toml, else the checkout's config.toml.

    An installed package has no config.toml beside it (only a source checkout has), so an
    installed tool without ./config.toml uses the defaults, relative to the working folder.
    """
    env = os.environ.get("VNSEARCH_CONFIG")
    if env:
        return Path(env)
    for candidate in (Path.cwd() / "config.toml", PROJECT_ROOT / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read a config file (or the default one); missing settings take their defaults."""
    p = Path(path) if path is not None else default_config_path()
    if p is None:
        return Config()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    cfg = Config(base_dir=str(p.resolve().parent))
    for section, values in data.items():
        if section not in _SECTIONS or not isinstance(values, dict):
            raise ConfigError(f"{p}: unknown section [{section}]")
        known = {f.name for f in fields(_SECTIONS[section])}
        for name, value in values.items():
            if name not in known:
                raise ConfigError(f"{p}: unknown setting {section}.{name}")
            try:
                cfg = cfg.with_overrides(**{f"{section}.{name}": value})
            except ConfigError as exc:
                raise ConfigError(f"{p}: {exc}") from None
    return cfg
