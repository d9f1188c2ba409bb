"""Template origins that name the same file on every machine.

The static source records where each fact comes from as the absolute path of the template it read
(``/home/ci/checkout/cloudformation/backup-account.yaml``). Reports, SARIF and evidence packs must not
depend on where the templates happened to sit, or on the folder the audit was started from: two audits of
the same templates would otherwise differ, and a code-scanning tool could not map the path to its
repository. Every template path in a snapshot is therefore rewritten relative to the parent of the
templates folder (``cloudformation/backup-account.yaml``); for the bundled layout that is the repository
root, which is what SARIF consumers expect.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any


def portable_path(path: str, templates_dir: Path) -> str:
    """``path`` relative to the parent of ``templates_dir`` (forward slashes); unchanged when outside it."""
    base = templates_dir.resolve().parent
    try:
        return Path(path).resolve().relative_to(base).as_posix()
    except ValueError:
        return path


def portable_origins(snapshot: dict[str, Any], templates_dir: Path) -> dict[str, Any]:
    """A copy of a static snapshot whose template paths (``origin.file`` of every fact, ``template`` of
    every stack) are portable. The input is not changed: cached snapshots are shared."""
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            copy = {key: walk(item) for key, item in value.items()}
            origin = copy.get("origin")
            if isinstance(origin, dict) and isinstance(origin.get("file"), str):
                copy["origin"] = {**origin, "file": portable_path(origin["file"], templates_dir)}
            return copy
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    copy = walk(snapshot)
    for stack in copy.get("stacks") or []:
        if isinstance(stack.get("template"), str):
            stack["template"] = portable_path(stack["template"], templates_dir)
    return copy


def template_files(snapshot: dict[str, Any], templates_dir: Path) -> dict[str, Path]:
    """{portable path: file} of every template the stacks of a portable static snapshot were built from."""
    base = templates_dir.resolve().parent
    return {stack["template"]: base / stack["template"] for stack in snapshot.get("stacks") or []
            if isinstance(stack.get("template"), str)}
