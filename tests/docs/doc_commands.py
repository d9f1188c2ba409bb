"""Find the ``retention …`` and ``scripts/….sh`` commands written in Markdown, and say which of them do not
exist: a subcommand the CLI does not have, a script that is not there or not executable, an option that the
command's own ``--help`` does not mention.

Commands are read from fenced code blocks (with ``\\`` continuations joined and ``# comments`` dropped) and
from inline code spans; a snippet is split at ``|``, ``&&``, ``||`` and ``;``. Placeholders (``ENV``,
``<env>``, ``[--keep]``) need no special handling: only the subcommand words (lower-case, before the first
option) and the ``--options`` are checked. Hand-written because no Markdown library answers "which shell
commands does this document show"; the parsing is a few regular expressions.
"""
from __future__ import annotations

import contextlib
import io
import re
import shlex
import subprocess
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^(\s*)```")
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
SEPARATORS = re.compile(r"\s*(?:\|\||&&|\||;)\s*")
RETENTION = re.compile(r"^(?:\./)?(?:\.venv/bin/)?retention$")
SCRIPT = re.compile(r"^(?:\./)?(scripts/[\w.-]+\.sh)$")
OPTION = re.compile(r"^(--[a-z][a-z0-9-]*)(?:=.*)?$")
WORD = re.compile(r"^[a-z][a-z-]*$")


def documents() -> list[Path]:
    """Every Markdown document of the repository (not the virtual environments or reports)."""
    found = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md")), *sorted(REPO.glob("*/README.md"))]
    return [p for p in found if p.is_file() and not any(part.startswith(".") for part in p.relative_to(REPO).parts)]


def snippets(text: str) -> list[tuple[int, str]]:
    """(line number, text) of every code line of fenced blocks and every inline code span."""
    found: list[tuple[int, str]] = []
    in_fence, pending, start = False, "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            in_fence, pending = not in_fence, ""
            continue
        if in_fence:
            code = re.sub(r"(^|\s)#.*$", "", line).rstrip()
            if not pending:
                start = number
            if code.endswith("\\"):
                pending += code[:-1] + " "
                continue
            found.append((start, pending + code))
            pending = ""
        else:
            found += [(number, span) for span in INLINE.findall(line)]
    return found


def commands(snippet: str) -> list[tuple[str, list[str], list[str]]]:
    """("retention" | script path, subcommand words, options) of every command in a snippet."""
    out = []
    for segment in SEPARATORS.split(snippet):
        try:
            tokens = shlex.split(segment)
        except ValueError:
            tokens = segment.split()
        while tokens and re.match(r"^\w+=", tokens[0]):  # VAR=value prefixes
            tokens = tokens[1:]
        if not tokens:
            continue
        options = [m.group(1) for t in tokens[1:] if (m := OPTION.match(t.strip("[]")))]
        if RETENTION.match(tokens[0]):
            words = []
            for token in tokens[1:]:
                if not WORD.match(token):
                    break
                words.append(token)
            out.append(("retention", words, options))
        elif (match := SCRIPT.match(tokens[0])) and "/lib/" not in tokens[0]:
            out.append((match.group(1), [], options))
    return out


@lru_cache(maxsize=None)
def retention_help(words: tuple[str, ...]) -> tuple[int, str]:
    """Exit code and help text of ``retention WORDS --help``, in this process."""
    from audit.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([*words, "--help"])
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
    return code or 0, out.getvalue() + err.getvalue()


@lru_cache(maxsize=None)
def script_help(path: str) -> tuple[int, str]:
    script = REPO / path
    if not script.is_file():
        return 127, f"{path}: no such script"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120, cwd=REPO)
    return result.returncode, result.stdout + result.stderr


def _subcommand(words: list[str]) -> tuple[tuple[str, ...], str | None]:
    """The longest prefix of ``words`` that is a subcommand path, and the help text of it."""
    for end in range(len(words), -1, -1):
        code, text = retention_help(tuple(words[:end]))
        if code == 0:
            return tuple(words[:end]), text
    return (), None


def problems(text: str, name: str = "<doc>") -> list[str]:
    """What is wrong with the commands of one Markdown text, each naming the document and line."""
    found = []
    for line, snippet in snippets(text):
        for command, words, options in commands(snippet):
            where = f"{name}:{line}: {snippet.strip()}"
            if command == "retention":
                path, help_text = _subcommand(words)
                if words and (help_text is None or not path):
                    found.append(f"{where}: 'retention {words[0]}' is not a subcommand")
                    continue
                # the subcommand words must all be taken (a word after a leaf is a positional argument only
                # for commands that take one, which no documented retention command does)
                if len(path) < len(words) and words[len(path)] not in (help_text or ""):
                    found.append(f"{where}: 'retention {' '.join(words[:len(path) + 1])}' is not a subcommand")
                    continue
            else:
                script = REPO / command
                if not script.is_file() or not script.stat().st_mode & 0o111:
                    found.append(f"{where}: {command} does not exist or is not executable")
                    continue
                if not options:
                    continue  # nothing to check in its help (and some scripts have none: test.sh runs pytest)
                code, help_text = script_help(command)
                if code != 0:
                    found.append(f"{where}: {command} --help exits {code}")
                    continue
            for option in options:
                if option not in ("--help",) and not re.search(rf"{re.escape(option)}(?![a-z0-9-])", help_text or ""):
                    found.append(f"{where}: {option} is not an option of {command} {' '.join(words)}".rstrip())
    return found
