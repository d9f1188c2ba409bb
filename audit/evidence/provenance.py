"""Provenance of an audit: which tool, which code, which configuration and which templates decided it.

An auditor re-performing a quarterly audit needs to know that the same inputs were used: the package
version and the git commit of the tool (and whether its working tree had uncommitted changes), the
SHA-256 of the merged configuration as canonical JSON (sorted keys, no insignificant whitespace, UTF-8,
so the hash does not depend on how the files were formatted or split between defaults.json and
<env>.json), and the SHA-256 of every template the static source read. Everything here is a value of
the inputs: two runs on the same inputs give the same provenance.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping

# The checkout the running code comes from, when it runs from one (a git work tree holding the audit
# package): its commit identifies the tool. An installed package is no checkout: no commit, never the commit
# of whatever repository the current folder or the virtual environment happens to sit in.
CODE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the audit package (a checkout's root)
PACKAGE = "compact-retention"
# What decides a result: a change under these paths of the tool's own tree makes the tree "dirty".
CODE_PATHS = ("audit", "steps", "features", "cloudformation", "config", "pyproject.toml", "requirements.txt")


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def canonical_sha256(value: Any) -> str:
    """SHA-256 of ``value`` as canonical JSON: the configuration hash of reports and evidence packs."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"


def _git(*args: str) -> str | None:
    if not (CODE_ROOT / ".git").exists():  # a directory in a clone, a file in a worktree
        return None
    try:
        done = subprocess.run(["git", "-C", str(CODE_ROOT), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def tool_identity() -> dict[str, Any]:
    """{"name", "version", "git_commit" (None outside a git checkout), "git_dirty" (None when unknown)}."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--", *CODE_PATHS) if commit else None
    return {"name": PACKAGE, "version": package_version(), "git_commit": commit,
            "git_dirty": None if status is None else bool(status)}


def template_hashes(files: Mapping[str, Path]) -> dict[str, str]:
    """{portable template path: SHA-256} of the templates a static snapshot was built from."""
    return {name: file_sha256(path) for name, path in sorted(files.items()) if path.is_file()}
