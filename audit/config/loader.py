"""Read an environment's configuration: ``defaults.json`` merged with ``<env>.json`` from one folder.

The design keeps shared backup policies in one context block and lets environments override them; the
merge is a plain deep merge of objects (lists and scalars of the environment file win). The result is
what ``validate`` checks and what every other part of the product reads: there is no second source.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULTS_FILE = "defaults.json"
NON_ENVIRONMENT_FILES = {DEFAULTS_FILE}


class ConfigError(Exception):
    """Bad configuration. ``problems`` are ``(field, message)`` pairs; ``source`` names the file(s)."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} problem(s)"]
        lines += [f"  {field or '(top level)'}: {message}" for field, message in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class LoadedConfig:
    environment: str
    data: dict[str, Any]
    source: str  # for messages: "config/example.json (+ defaults.json)"
    files: tuple[Path, ...]


def default_config_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "config"


def list_environments(config_dir: Path | None = None) -> list[str]:
    folder = Path(config_dir or default_config_dir())
    return sorted(p.stem for p in folder.glob("*.json") if p.name not in NON_ENVIRONMENT_FILES)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [("", f"cannot read: {exc.strerror}")]) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}", [("", f"invalid JSON: {exc.msg}")]) from None
    if not isinstance(value, dict):
        raise ConfigError(str(path), [("", "the file must hold a JSON object")])
    return value


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_raw(environment: str, config_dir: Path | None = None) -> LoadedConfig:
    """Merge the files without validating them (``validate.load_config`` validates)."""
    folder = Path(config_dir or default_config_dir())
    if not folder.is_dir():
        raise ConfigError(str(folder), [("--config-dir", "no such folder")])
    env_file = folder / f"{environment}.json"
    if environment in {p.removesuffix(".json") for p in NON_ENVIRONMENT_FILES} or not env_file.is_file():
        known = ", ".join(list_environments(folder)) or "none"
        raise ConfigError(str(env_file), [("--env", f"no environment {environment!r} in {folder} (known: {known})")])
    files = [env_file]
    data = _read_json(env_file)
    defaults_file = folder / DEFAULTS_FILE
    source = str(env_file)
    if defaults_file.is_file():
        data = deep_merge(_read_json(defaults_file), data)
        files.insert(0, defaults_file)
        source = f"{env_file} (merged with {DEFAULTS_FILE})"
    return LoadedConfig(environment, data, source, tuple(files))
