"""Errors raised while loading or resolving a CloudFormation template.

Paths inside a template are tracked during resolution as a cheap linked chain
``(parent, segment, node)`` (``None`` is the root) so that nothing is formatted
unless an error is actually raised.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

# (parent, segment, node): segment is a key (str) or a list index (int)
Path = Optional[Tuple[Any, Any, Any]]


class TemplateError(Exception):
    """The template cannot be parsed or resolved.

    ``str(err)`` is ``"<source>:<line>: <path>: <message>"`` (parts that are
    unknown are left out). The parts are also available as attributes.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.path = path
        location = ""
        if source is not None:
            location = f"{source}:{line}: " if line is not None else f"{source}: "
        elif line is not None:
            location = f"line {line}: "
        where = f"{path}: " if path else ""
        super().__init__(f"{location}{where}{message}")


class ParameterError(TemplateError):
    """A parameter value is missing, unknown or violates a constraint.

    Subclass of :class:`TemplateError` so that ``except TemplateError`` covers
    every failure of :func:`resolve_template`.
    """

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        self.parameter = parameter
        super().__init__(message)


def extend(parent: Path, segment: Any, node: Any) -> Path:
    return (parent, segment, node)


def root_path(*segments: Any) -> Path:
    path: Path = None
    for segment in segments:
        path = (path, segment, None)
    return path


def format_path(path: Path) -> str:
    segments = []
    while path is not None:
        segments.append(path[1])
        path = path[0]
    out = []
    for segment in reversed(segments):
        if isinstance(segment, int):
            out.append(f"[{segment}]")
        else:
            out.append(f".{segment}" if out else str(segment))
    return "".join(out)


def mark_line(node: Any) -> int | None:
    """1-based line of a cfn-lint node (its marks are 0-based), or None."""
    mark = getattr(node, "start_mark", None)
    if mark is None:
        return None
    return mark.line + 1


def path_line(path: Path, node: Any = None) -> int | None:
    """Line of ``node`` or of the nearest enclosing node (or key) carrying marks."""
    line = mark_line(node)
    while line is None and path is not None:
        line = mark_line(path[2])
        if line is None:
            line = mark_line(path[1])
        path = path[0]
    return line


def error_at(message: str, path: Path, node: Any = None, source: str | None = None) -> TemplateError:
    return TemplateError(message, source=source, line=path_line(path, node), path=format_path(path))
