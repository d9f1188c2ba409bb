"""YAML read into plain Python values that remember their line numbers, for files people edit by hand
(the control catalogue, the waivers) whose every error message must name a line.

PyYAML (already a dependency) records a mark on every node; the loader below keeps the line of each
mapping and each of its keys, and refuses a key written twice (PyYAML would silently keep the last one,
so a second ``expires:`` could quietly extend a waiver). cfn-lint's decoder does the same for templates
but costs 0.4 s to import, and knows CloudFormation tags these files must not accept.

Whatever the file holds, reading it either gives values or raises ``YamlError`` naming the line, never
another exception (issue 11: a bad waiver crashed the audit with a traceback):
- a key that is a list or a mapping is refused (PyYAML's own loader refuses it too; the line-keeping
  loader below must say so itself, or ``dict`` raises ``TypeError: unhashable``);
- a scalar that YAML reads as a date or an integer but that Python cannot hold (``2026-13-45``, an integer
  of 5000 digits) stays the text it is, so the reader of the field can say which field is wrong and why
  (``expires '2026-13-45' is not a date``) instead of the YAML layer failing without naming it;
- nesting deeper than ``MAX_DEPTH`` is refused before any node is built: libyaml's composer recurses in C
  and crashes the interpreter (segmentation fault) between 20 000 and 50 000 levels, Python's constructor
  raises ``RecursionError`` well before that; no hand-written file of this project nests past 10 levels.
"""
from __future__ import annotations

import reprlib
from pathlib import Path
from typing import Any

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 64
_BRIEF = reprlib.Repr()
_BRIEF.maxstring, _BRIEF.maxother, _BRIEF.maxlevel = 60, 60, 2


def brief(value: Any) -> str:
    """``repr`` of a value for a message, cut short: a value can be a megabyte of text, or a structure of
    aliases whose full ``repr`` would never finish; control characters come out escaped, as ``repr`` does."""
    return _BRIEF.repr(value)


class YamlError(Exception):
    """A file that is not valid YAML (or repeats a key); the message starts with ``file:line``."""


class _Refused(yaml.constructor.ConstructorError):
    """Valid YAML these files still cannot hold (a list as a key); the message leaves out "not valid YAML"."""


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
        try:
            hash(key)
        except TypeError:
            raise _Refused(
                None, None, f"a field name must be a text, not a {_KINDS.get(type(key), 'collection')}", key_node.start_mark) from None
        if key in result:
            from audit.personal_data import find as personal

            shown = "a key" if personal(key) else f"key {brief(key)}"  # never repeat an e-mail address
            raise yaml.constructor.ConstructorError(
                None, None, f"{shown} appears twice (first on line {result.key_lines[key]})", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(item, deep=True) for item in node.value)
    result.line, result.item_lines = node.start_mark.line + 1, [item.start_mark.line + 1 for item in node.value]
    return result


_KINDS: dict[type, str] = {LineList: "list", LineDict: "mapping", set: "set"}


def _or_text(construct):
    """A scalar constructor that keeps the text written when Python cannot hold, or print, the value it names."""

    def constructor(loader: _Loader, node: yaml.ScalarNode) -> Any:
        try:
            value = construct(loader, node)
            if isinstance(value, int):
                str(value)  # past sys.get_int_max_str_digits() (0x and 1:2:3 forms get there) no message could show it
            return value
        except (ValueError, OverflowError):
            return loader.construct_scalar(node)

    return constructor


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
for _tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int"):
    _Loader.add_constructor(_tag, _or_text(_Base.yaml_constructors[_tag]))


def _too_deep(text: str, source: str) -> None:
    """Refuse nesting past ``MAX_DEPTH`` from libyaml's events, which it produces without recursing."""
    depth = 0
    for event in yaml.parse(text, Loader=_Base):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                assert event.start_mark is not None  # libyaml marks every event
                raise YamlError(f"{source}:{event.start_mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load(text: str, source: str) -> Any:
    """Parse ``text``; ``source`` (a path) names the file in errors as ``source:line: problem``."""
    try:
        _too_deep(text, source)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        what = "" if isinstance(exc, _Refused) else "not valid YAML: "
        raise YamlError(f"{source}{line}: {what}{exc.problem or exc.context}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids (a control character): say where
        at = text.count("\n", 0, max(exc.position, 0)) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise YamlError(f"{source}:{at}: not valid YAML: character U+{code:04X} is not allowed "
                        f"(YAML admits no control character but tab and line breaks)") from None
    except yaml.YAMLError as exc:
        raise YamlError(f"{source}: not valid YAML: {exc}") from None
    except UnicodeEncodeError:  # text holding lone surrogates (never read from a file: decoding refuses them)
        raise YamlError(f"{source}: not valid YAML: the text is not valid Unicode") from None


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
    problems = [f"{source}:{item.line_of(key)}: {prefix}unknown field {brief(key)} (fields: {', '.join(allowed)})"
                for key in item if key not in allowed]
    problems += [f"{source}:{item.line_of(key)}: {prefix}{key} is required" + (f" ({(hints or {})[key]})" if key in (hints or {}) else "")
                 for key in required if _blank(item.get(key))]
    return problems

