"""Read an environment's configuration: ``defaults.json`` merged with ``<env>.json`` from one folder.

The design keeps shared backup policies in one context block and lets environments override them; the
merge is a plain deep merge of objects (lists and scalars of the environment file win). The result is
what ``validate`` checks and what every other part of the product reads: there is no second source.
"""
from __future__ import annotations

import json
import re
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
    """``config/`` of the project directory (``audit.project``)."""
    from audit.project import config_dir

    return config_dir()


def list_environments(config_dir: Path | None = None) -> list[str]:
    folder = Path(config_dir or default_config_dir())
    return sorted(p.stem for p in folder.glob("*.json") if p.name not in NON_ENVIRONMENT_FILES)


MAX_DEPTH = 16  # the schema nests 4 levels below the top; deeper data is never a configuration

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


def field_path(parts) -> str:
    """``["inventory", "s3_buckets", 2, "category"]`` -> ``inventory.s3_buckets[2].category``. A key that is
    not a plain name (a newline, a quote, control characters, 200 letters) is shown quoted and escaped,
    so a hostile key cannot forge or break a line of the message."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(str(part)):
            text += f".{part}" if text else str(part)
        else:
            shown = str(part) if len(str(part)) <= 64 else str(part)[:64] + "..."
            text += f"[{ascii(shown)}]"
    return text


def _too_deep(value: Any) -> list[Any] | None:
    """The path of the first value nested deeper than MAX_DEPTH, or None (iterative: no recursion limit)."""
    pending: list[tuple[Any, list[Any]]] = [(value, [])]
    while pending:
        node, path = pending.pop()
        if len(path) > MAX_DEPTH:
            return path
        if isinstance(node, dict):
            pending.extend((child, [*path, key]) for key, child in node.items())
        elif isinstance(node, list):
            pending.extend((child, [*path, index]) for index, child in enumerate(node))
    return None


def _read_json(path: Path) -> dict[str, Any]:
    """One configuration file as a JSON object; anything else (unreadable, not UTF-8, not JSON, numbers
    Python will not convert, nesting deeper than any configuration) is a ConfigError naming the file."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [("", f"cannot read: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), [("", f"not UTF-8 text: byte 0x{exc.object[exc.start]:02x} at offset {exc.start}")]) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}", [("", f"invalid JSON: {exc.msg}")]) from None
    except RecursionError:
        raise ConfigError(str(path), [("", f"nested more than {MAX_DEPTH} levels deep")]) from None
    except ValueError as exc:  # an integer of thousands of digits (Python's int conversion limit)
        raise ConfigError(str(path), [("", f"invalid JSON: {exc}")]) from None
    if not isinstance(value, dict):
        raise ConfigError(str(path), [("", "the file must hold a JSON object")])
    deep = _too_deep(value)
    if deep is not None:
        raise ConfigError(str(path), [(field_path(deep[:MAX_DEPTH]), f"nested more than {MAX_DEPTH} levels deep")])
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
        known = ", ".join(list_environments(folder))
        if not known:  # the wrong folder rather than the wrong name: say which option to fix
            raise ConfigError(str(env_file), [("--config-dir", f"no environment {environment!r} in {folder}: "
                                                               "the folder holds no environment file")])
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
