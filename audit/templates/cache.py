"""A cache of decoded templates, so an unchanged template is not decoded again (nor cfn-lint imported).

Decoding with cfn-lint's decoder costs about 0.4 s per process, almost all of it importing cfn-lint.
The static audit runs once per environment, often several times in one CI job, on the same templates, so
the decoded tree is kept as JSON keyed by the SHA-256 of the template's bytes, the cfn-lint version and the
sources of this package (the code that decodes and freezes a tree: audit/code_fingerprint.py).
Line numbers survive: nodes are rebuilt as dict/list/str subclasses with a ``start_mark.line`` like
cfn-lint's own. A cache that cannot be read or written is ignored (the template is decoded as usual).
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

CACHE_FORMAT = "1"


class _Mark:
    __slots__ = ("line",)

    def __init__(self, line: int):
        self.line = line


class DictNode(dict):
    start_mark: _Mark


class ListNode(list):
    start_mark: _Mark


class StrNode(str):
    start_mark: _Mark


def cache_dir() -> Path:
    from audit.cache_paths import template_cache_dir

    return template_cache_dir()


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """The decoder's code: this package's sources and cfn-lint's version."""
    from audit.code_fingerprint import files_digest, package_files

    return files_digest(package_files(Path(__file__).parent), ["cfn-lint"])


def _key(data: bytes) -> str:
    return hashlib.sha256(f"{CACHE_FORMAT}:{code_digest()}:".encode() + data).hexdigest()


def _line(node: Any) -> int | None:
    mark = getattr(node, "start_mark", None)
    return None if mark is None else mark.line


def _freeze(node: Any) -> Any:
    line = _line(node)
    if isinstance(node, dict):
        return {"d": [[_freeze(k), _freeze(v)] for k, v in node.items()], "l": line}
    if isinstance(node, list):
        return {"a": [_freeze(v) for v in node], "l": line}
    if isinstance(node, str):
        return {"s": str(node), "l": line} if line is not None else str(node)
    return node


def _marked(node: Any, line: int | None) -> Any:
    if line is not None:
        node.start_mark = _Mark(line)
    return node


def _thaw(value: Any) -> Any:
    if isinstance(value, dict):
        if "d" in value:
            return _marked(DictNode((_thaw(k), _thaw(v)) for k, v in value["d"]), value["l"])
        if "a" in value:
            return _marked(ListNode(_thaw(v) for v in value["a"]), value["l"])
        return _marked(StrNode(value["s"]), value["l"])
    return value


def read(path: Path) -> tuple[str, Any | None]:
    """(cache key, cached tree or None)."""
    key = _key(path.read_bytes())
    try:
        return key, _thaw(json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return key, None


def write(key: str, template: Any) -> None:
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".tmp", encoding="utf-8") as handle:
            json.dump(_freeze(template), handle, separators=(",", ":"))
        os.replace(handle.name, folder / f"{key}.json")
    except OSError:
        pass
