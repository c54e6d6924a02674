"""config.toml: defaults agree with the code, every setting is documented in the README."""

import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from indexer.config import Config, ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def _settings(cfg: Config):
    for section in ("paths", "server", "search", "index", "fetch"):
        for f in fields(getattr(cfg, section)):
            yield section, f.name, getattr(getattr(cfg, section), f.name)


def test_config_file_matches_code_defaults():
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    for section, name, default in _settings(Config()):
        assert name in data[section], f"{section}.{name} missing from config.toml"
        value = data[section][name]
        assert (tuple(value) if isinstance(value, list) else value) == default, f"{section}.{name}"


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for section, name, _ in _settings(Config()):
        assert f"`{section}.{name}`" in readme, f"{section}.{name} is not in the README"


def test_every_setting_is_commented_in_config_toml():
    lines = (ROOT / "config.toml").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#") and not line.startswith("["):
            assert lines[i - 1].lstrip().startswith("#"), f"no comment above: {line}"


def test_overrides_and_errors(tmp_path):
    cfg = load_config(ROOT / "config.toml").with_overrides(**{"search.per_page": "20", "paths.index": None})
    assert cfg.search.per_page == 20
    with pytest.raises(ConfigError):
        cfg.with_overrides(**{"search.nope": 1})
    bad = tmp_path / "bad.toml"
    bad.write_text("[nope]\nx = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown section"):
        load_config(bad)
    rel = tmp_path / "rel.toml"
    rel.write_text('[paths]\nindex = "ix"\n', encoding="utf-8")
    assert load_config(rel).path("index") == tmp_path / "ix"
