"""The mutants of one Python source file: small, behaviour-changing edits a test suite should notice.

Each operator is one kind of mistake a developer makes (the issue that asked for this run lists them):

- ``compare``   a comparison flipped at its boundary (``<`` -> ``<=``), negated (``<`` -> ``>=``), or turned
  around (``==`` <-> ``!=``, ``in`` <-> ``not in``, ``is`` <-> ``is not``);
- ``boolop``    ``and`` <-> ``or``;
- ``not``       a ``not`` dropped;
- ``number``    a number shifted by one (``480`` -> ``481``), ``True`` <-> ``False``;
- ``return``    ``return <value>`` -> ``return None``;
- ``call``      a call made for its effect turned into ``pass``;
- ``raise``     a ``raise`` turned into ``pass`` (a refusal that no longer happens);
- ``loop``      ``continue`` <-> ``break``;
- ``anyall``    ``any(...)`` <-> ``all(...)``;
- ``arith``     ``+`` <-> ``-``, ``*`` <-> ``/``, ``//`` -> ``/``.

Strings are not mutated (so neither are docstrings): most are messages, whose every character no test
should pin. Type annotations and ``if TYPE_CHECKING:`` blocks are never mutated: they do not run.

A mutant is one edit of the source text (the node's own characters replaced), so the rest of the file keeps
its layout and its comments. Its ``key`` names it without line numbers (file, enclosing function, operator,
the edit, and an occurrence count), so a justification in ``equivalent.toml`` still finds its mutant after
the lines above it moved.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

COMPARE_SWAPS: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
}
ARITH_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
}


@dataclass(frozen=True)
class Mutant:
    """One edit of one file: replace source[start:end] (character offsets) with ``replacement``."""

    path: str          # relative to the project root, with forward slashes
    line: int          # 1-based line of the edit, for people
    end_line: int      # last line of the edited node (the lines whose tests must run)
    operator: str
    function: str      # enclosing qualified name, or "<module>"
    at_import: bool    # runs when the module is imported (module or class body, a default, a decorator)
    original: str      # the edited node's source text
    replacement: str
    start: int
    end: int
    key: str = ""

    def apply(self, source: str) -> str:
        return source[: self.start] + self.replacement + source[self.end:]

    def describe(self) -> str:
        return f"{self.path}:{self.line} [{self.operator}] {short(self.original)} -> {short(self.replacement)}"


def short(text: str, width: int = 70) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= width else one_line[: width - 3] + "..."


def mutants_of(path: Path, root: Path) -> list[Mutant]:
    """Every mutant of the file at ``path``, each compiling, each different from the original."""
    source = path.read_text(encoding="utf-8")
    relative = path.resolve().relative_to(root.resolve()).as_posix()
    found: list[Mutant] = []
    seen: dict[str, int] = {}
    for mutant in _Collector(source, relative).collect():
        mutated = mutant.apply(source)
        if mutated == source or not _compiles(mutated, relative):
            continue
        base = f"{mutant.path}::{mutant.function}::{mutant.operator}: {short(mutant.original, 200)} -> {short(mutant.replacement, 200)}"
        seen[base] = seen.get(base, 0) + 1
        found.append(Mutant(**{**mutant.__dict__, "key": f"{base} #{seen[base]}"}))
    return found


def _compiles(source: str, name: str) -> bool:
    try:
        compile(source, name, "exec")
    except (SyntaxError, ValueError):
        return False
    return True


class _Offsets:
    """Character offsets from the (line, UTF-8 byte column) positions the ast gives."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line: int, byte_col: int) -> int:
        text = self.lines[line - 1]
        return self.starts[line - 1] + len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
                self.offset(node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]


class _Collector(ast.NodeVisitor):
    def __init__(self, source: str, path: str) -> None:
        self.source = source
        self.path = path
        self.offsets = _Offsets(source)
        self.scope: list[str] = []
        self.in_function = 0
        self.found: list[Mutant] = []

    def collect(self) -> list[Mutant]:
        self.visit(ast.parse(self.source))
        return self.found

    # --- what is never mutated -----------------------------------------------------------------------------
    def _visit_scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        # decorators, defaults and bases run when the enclosing scope does, so they belong to it
        for decorator in node.decorator_list:
            self.visit(decorator)
        if not isinstance(node, ast.ClassDef):
            for default in [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]:
                self.visit(default)
        else:
            for base in node.bases:
                self.visit(base)
        is_function = not isinstance(node, ast.ClassDef)
        self.scope.append(node.name)
        self.in_function += is_function
        for statement in node.body:
            self.visit(statement)
        self.in_function -= is_function
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_scope

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
                (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
            for statement in node.orelse:
                self.visit(statement)
            return
        self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        return  # f-strings are messages

    # --- the operators ---------------------------------------------------------------------------------------
    def _add(self, node: ast.AST, operator: str, replacement: str) -> None:
        start, end = self.offsets.span(node)
        self.found.append(Mutant(
            path=self.path, line=node.lineno, end_line=node.end_lineno or node.lineno,  # type: ignore[attr-defined]
            operator=operator, function=".".join(self.scope) or "<module>", at_import=not self.in_function,
            original=self.source[start:end], replacement=replacement, start=start, end=end))

    def _with(self, node: ast.expr, **changes: object) -> str:
        copy = ast.parse(ast.unparse(node), mode="eval").body
        for name, value in changes.items():
            setattr(copy, name, value)
        return f"({ast.unparse(copy)})"

    def visit_Compare(self, node: ast.Compare) -> None:
        for index, op in enumerate(node.ops):
            for swap in COMPARE_SWAPS.get(type(op), ()):
                ops = [*node.ops]
                ops[index] = swap()
                self._add(node, "compare", self._with(node, ops=ops))
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self._add(node, "boolop", self._with(node, op=ast.Or() if isinstance(node.op, ast.And) else ast.And()))
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self._add(node, "not", f"({ast.unparse(node.operand)})")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        swap = ARITH_SWAPS.get(type(node.op))
        if swap is not None and not _is_string_format(node):
            self._add(node, "arith", self._with(node, op=swap()))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self._add(node, "number", repr(not value))
        elif isinstance(value, (int, float)) and not isinstance(value, complex):
            self._add(node, "number", repr(value + 1))

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            self._add(node, "return", "return None")
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, (ast.Call, ast.Await)):
            self._add(node, "call", "pass")
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        self._add(node, "raise", "pass")
        self.generic_visit(node)

    def visit_Continue(self, node: ast.Continue) -> None:
        self._add(node, "loop", "break")

    def visit_Break(self, node: ast.Break) -> None:
        self._add(node, "loop", "continue")

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in ("any", "all"):
            self._add(node.func, "anyall", "all" if node.func.id == "any" else "any")
        self.generic_visit(node)


def _is_string_format(node: ast.BinOp) -> bool:
    """``"..." + x`` or ``"%s" % x``: building a message, not a computation."""
    return isinstance(node.left, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(node.left, "value", ""), str)


def iter_sources(root: Path, patterns: list[str]) -> Iterator[Path]:
    """The files the glob patterns (relative to root) name, each once, sorted."""
    paths: set[Path] = set()
    for pattern in patterns:
        paths.update(p for p in root.glob(pattern) if p.is_file() and p.suffix == ".py")
    yield from sorted(paths)
