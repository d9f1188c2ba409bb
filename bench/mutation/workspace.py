"""A copy of the working tree to mutate, so the tree the developer edits is never touched.

The copy holds what ``git ls-files --cached --others --exclude-standard`` lists (the working tree as it is,
uncommitted edits included, build outputs and virtual environments left out), symlinks kept as symlinks.
Runs in it get their own cache folder (XDG_CACHE_HOME), write no bytecode (a mutant's .pyc must never serve
another mutant), and import the copy first (PYTHONPATH), whatever an editable install points at.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def tree_files(root: Path) -> list[str]:
    result = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"mutation: {root} is not a git working tree ({result.stderr.strip()})")
    return [name for name in result.stdout.split("\0") if name]


def copy_tree(root: Path, target: Path) -> Path:
    for name in tree_files(root):
        source = root / name
        destination = target / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree, not yet in git
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            destination.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, destination)
    return target


def run_env(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(copy) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        "XDG_CACHE_HOME": str(copy / ".mutation-cache"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    })
    env.pop("RETENTION_PROJECT_DIR", None)
    return env
