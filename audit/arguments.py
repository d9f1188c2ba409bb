"""Checks of a parsed ``retention`` command line that argparse cannot express, run before any command.

Found by fuzzing the command line (tests/unit/test_fuzz_cli.py); each ended in a traceback, or let a value
go further than it should:
- ``--env`` becomes the file name ``<config dir>/<env>.json``. A name of 300 letters made ``is_file()``
  raise ``OSError: File name too long``; ``../x`` reached outside the configuration folder. The name must
  be one the configuration could hold (its ``environment`` field must equal the file name, and the schema
  gives that field a pattern), or ``all``: anything else can name no environment and is refused as what
  it is, an argument that is wrong.
- Every path argument (``type=Path``: ``path_argument`` converts them all) is looked up once
  (``lstat``): a path no file system accepts (a name over 255 bytes, a path over 4096) is refused naming
  the option, where ``Path.is_file()``/``is_dir()`` raised. An empty one is refused too: ``Path("")`` is
  the current folder, so ``evidence verify "$PACK"`` with ``PACK`` unset checked the working folder and
  ``--report-dir "$OUT"`` wrote reports into it. A path that does not exist is left to the command,
  which says what it expected there.
- The folders a command reads (``--project-dir``, ``--config-dir``, ``--templates-dir``, ``--features-dir``) must be folders:
  every command says so the same way, where ``break-glass statements`` said "no such template" of a file
  in it and the audit "no .feature files".
- The folders and files a command writes (``--report-dir``, ``--evidence``, ``--sarif``, ``--out``) are
  created (or their folder is) before any work, so a path below a file, in ``/proc`` or with a name too
  long is refused in a second instead of as a traceback after the audit ran.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import re
from pathlib import Path
from typing import Sequence

from audit.terminal import printable

INPUT_FOLDERS = ("project_dir", "config_dir", "templates_dir", "features_dir")  # read from: must be folders
OUTPUT_FOLDERS = ("report_dir", "evidence")  # written into: created up front
OUTPUT_FILES = ("sarif", "out")  # written: their folder is created up front (with --env all, --sarif is a folder)


class BadArgument(Exception):
    """An argument that can never work: ``--option: problem: 'value'`` (the value shortened and escaped)."""


@functools.lru_cache(maxsize=1)
def _environment_pattern() -> str:
    schema = json.loads((Path(__file__).with_name("config") / "schema.json").read_text(encoding="utf-8"))
    return schema["properties"]["environment"]["pattern"]


def _option(dest: str, argv: Sequence[str]) -> str:
    """The option as it was written (``--config-dir``), from the parsed attribute's name (``config_dir``)."""
    for token in argv:
        if token.startswith("--") and token[2:].split("=", 1)[0].replace("-", "_") == dest:
            return token.split("=", 1)[0]
    return dest  # a positional argument: argparse names it by its attribute


def _shown(value: object) -> str:
    from audit.yaml_lines import brief

    return printable(brief(str(value)))


def _lookup_problem(path: Path) -> str | None:
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None  # absent: the command says what it expected there
    except ValueError:
        return "holds a NUL byte"
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _create(folder: Path) -> str | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except ValueError:
        return "holds a NUL byte"
    except OSError as exc:  # below a file, read-only, /proc, a name too long, a file of that name
        return f"cannot create it: {exc.strerror or exc}"
    return None


def path_argument(text: str) -> Path:
    """argparse's conversion of every ``type=Path`` argument of ``retention`` (registered by its parser)."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path (an unset variable?); write . for the current folder")
    problem = _lookup_problem(Path(text))
    if problem is not None:
        raise argparse.ArgumentTypeError(f"{problem}: {_shown(text)}")
    return Path(text)


def check(args: argparse.Namespace, argv: Sequence[str]) -> None:
    """Raise ``BadArgument`` for the first argument of ``args`` that can never work."""
    env = getattr(args, "env", None)
    if isinstance(env, str) and env != "all" and not re.fullmatch(_environment_pattern(), env):
        raise BadArgument(f"{_option('env', argv)}: not an environment name: {_shown(env)} (a lower-case name of "
                          f"up to 20 letters, digits and -, as config/<env>.json and its \"environment\" field)")
    for dest, value in sorted(vars(args).items()):
        if not isinstance(value, Path):
            continue
        problem = None
        if dest in INPUT_FOLDERS and not value.is_dir():
            problem = "not a folder" if value.exists() else "no such folder"
        elif dest in OUTPUT_FOLDERS:
            problem = _create(value)
        elif dest in OUTPUT_FILES and getattr(args, "env", None) != "all":
            problem = "is a folder, not a file" if value.is_dir() else _create(value.parent)
        if problem is not None:
            raise BadArgument(f"{_option(dest, argv)}: {problem}: {_shown(value)}")
