"""Loading templates with cfn-lint's decoder, and finding source lines."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Sequence

from audit.templates.cache import read as read_cached, write as write_cached
from audit.templates.errors import TemplateError, mark_line

SECTIONS = ("Resources", "Outputs", "Parameters", "Conditions", "Mappings", "Metadata", "Rules")
# CloudFormation's largest template body (1 MB, uploaded through S3; 51,200 bytes inline):
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
# A larger file is no template AWS would accept, and decoding one takes minutes: it is refused unread.
MAX_TEMPLATE_BYTES = 1_000_000
_SEGMENT_RE = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def load_template(path: str | Path) -> dict:
    """Decode a YAML or JSON template (short-form tags included).

    Returns cfn-lint's node tree: dict/list/str subclasses carrying
    ``start_mark``/``end_mark`` (0-based lines). Only decodes; no rules run.
    Parse errors raise ``TemplateError("<path>:<line>: <message>")``; all of
    cfn-lint's matches are kept as ``err.matches`` (``(line, message)`` pairs).
    """
    filename = str(path)
    check_size(filename)
    try:
        key, cached = read_cached(Path(filename))
    except OSError as exc:
        raise TemplateError(f"cannot read: {exc.strerror}", source=filename, line=None) from None
    if cached is not None:
        return cached
    from cfnlint.decode import decode  # imported only on a cache miss: it costs about 0.4 s

    template, matches = decode(filename)
    if matches:
        first = matches[0]
        error = TemplateError(first.message, source=filename, line=first.linenumber)
        # an extra attribute of this one error (the docstring above names it)
        error.matches = [(m.linenumber, m.message) for m in matches]  # type: ignore[attr-defined]
        raise error
    if not isinstance(template, dict):
        raise TemplateError("a template must be a mapping", source=filename, line=1)
    write_cached(key, template)
    return template


def check_size(path: str | Path) -> int:
    """The size of a template file in bytes; TemplateError naming it when it is over MAX_TEMPLATE_BYTES
    (read from the file system, before a byte of it is read)."""
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        raise TemplateError(f"cannot read: {exc.strerror}", source=str(path), line=None) from None
    if size > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"{size:,} bytes, over CloudFormation's template size limit of {MAX_TEMPLATE_BYTES:,} bytes "
                            "(not decoded)", source=str(path), line=None)
    return size


def parse_path(path: str | Sequence[Any]) -> list[Any]:
    """``"A.B[2].C"`` -> ``["A", "B", 2, "C"]`` (sequences are returned as lists)."""
    if not isinstance(path, str):
        return list(path)
    return [int(index) if index else key for index, key in _SEGMENT_RE.findall(path)]


def _child(node: Any, segments: list[Any], at: int) -> tuple[Any, Any, int]:
    """(key-or-index, child, segments consumed) or (None, None, 0)."""
    segment = segments[at]
    if isinstance(node, list):
        if isinstance(segment, int) and 0 <= segment < len(node):
            return segment, node[segment], 1
        return None, None, 0
    if not isinstance(node, dict) or isinstance(segment, int):
        return None, None, 0
    # keys may themselves contain dots ("aws:PrincipalTag/team.name")
    for end in range(len(segments), at, -1):
        parts = segments[at:end]
        if any(isinstance(p, int) for p in parts):
            continue
        wanted = ".".join(parts)
        for key in node:
            if str(key) == wanted:
                return key, node[key], end - at
    return None, None, 0


def find_line(template: Any, path: str | Sequence[Any]) -> int | None:
    """1-based line of the deepest node of ``path`` that exists in the raw template.

    Dict entries report the line of their key. The path follows the raw
    template, so inside intrinsics (``Fn::If`` branches, ...) it may stop at
    the enclosing node; the returned line is then that node's.
    """
    segments = parse_path(path)
    node, line, at = template, mark_line(template), 0
    while at < len(segments):
        key, child, used = _child(node, segments, at)
        if not used:
            break
        found = (mark_line(key) if not isinstance(key, int) else None) or mark_line(child)
        line = found or line
        node, at = child, at + used
    return line
