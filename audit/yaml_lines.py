"""YAML read into plain Python values that remember their line numbers, for files people edit by hand
(the control catalogue, the waivers) whose every error message must name a line.

PyYAML (already a dependency) records a mark on every node; the loader below keeps the line of each
mapping and each of its keys, and refuses a key written twice (PyYAML would silently keep the last one,
so a second ``expires:`` could quietly extend a waiver). cfn-lint's decoder does the same for templates
but costs 0.4 s to import, and knows CloudFormation tags these files must not accept.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(Exception):
    """A file that is not valid YAML (or repeats a key); the message starts with ``file:line``."""


class LineDict(dict):
    """A mapping that knows its own line (``line``) and the line of each key (``key_lines``), 1-based."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence that knows its own line and the line of each item (``item_lines``), 1-based."""

    line: int = 0
    item_lines: list[int]


class _Loader(_Base):  # type: ignore[misc,valid-type]
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line, result.key_lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice (first on line {result.key_lines[key]})", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(item, deep=True) for item in node.value)
    result.line, result.item_lines = node.start_mark.line + 1, [item.start_mark.line + 1 for item in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load(text: str, source: str) -> Any:
    """Parse ``text``; ``source`` (a path) names the file in errors as ``source:line: problem``."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise YamlError(f"{source}{line}: not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlError(f"{source}: not valid YAML: {exc}") from None


def load_file(path: Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    return load(text, str(path))


def shown(path: Path) -> str:
    """How a file is named in messages: relative to the working folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def field_problems(item: LineDict, source: str, allowed: tuple[str, ...], required: tuple[str, ...],
                   prefix: str = "", hints: dict[str, str] | None = None) -> list[str]:
    """``source:line: problem`` for every unknown field of a mapping and every required one missing or empty."""
    problems = [f"{source}:{item.line_of(key)}: {prefix}unknown field {key!r} (fields: {', '.join(allowed)})"
                for key in item if key not in allowed]
    problems += [f"{source}:{item.line_of(key)}: {prefix}{key} is required" + (f" ({hints[key]})" if key in (hints or {}) else "")
                 for key in required if _blank(item.get(key))]
    return problems

