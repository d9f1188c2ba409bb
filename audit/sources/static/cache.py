"""A cache of static snapshots: the same configuration, templates and source code always give the same
snapshot, so a repeated static audit (CI runs one per environment, often on unchanged templates) reads
it instead of resolving every stack again.

An entry is found by the merged configuration and every template's path and bytes, and holds, beside the
snapshot, the SHA-256 of every module of the project that was loaded when it was built
(audit/code_fingerprint.py says why not a list). An entry whose recorded module has changed, moved or gone is
a miss. Anything unreadable means a plain rebuild.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable, Mapping

from audit.cache_paths import cache_root
from audit.code_fingerprint import library_versions, read_recorded, write_recorded

# The libraries whose behaviour shapes a snapshot (cfn-lint's YAML decoder, the YAML parser).
LIBRARIES = ("cfn-lint", "PyYAML")


def _key(cfg: Mapping[str, Any], templates_dir: Path) -> str:
    digest = hashlib.sha256(json.dumps(cfg, sort_keys=True).encode())
    digest.update(str(Path(__file__).resolve().parents[2]).encode() + b"\0")  # which copy of the code builds it
    for path in sorted(templates_dir.glob("*.y*ml")) + sorted(templates_dir.glob("*.json")):
        digest.update(str(path.resolve()).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(library_versions(LIBRARIES).encode())
    return digest.hexdigest()


def cached_snapshot(cfg: Mapping[str, Any], templates_dir: Path, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        path: Path | None = cache_root() / "snapshots" / f"{_key(cfg, templates_dir)}.json"
    except OSError:
        path = None  # a template that cannot be read: no key, so no cache (the build names the problem)
    entry = read_recorded(path) if path is not None else None
    if entry is not None and isinstance(entry.get("snapshot"), dict):
        cached: dict[str, Any] = entry["snapshot"]
        return cached
    snapshot = build()
    if path is not None:
        write_recorded(path, {"snapshot": snapshot})
    return snapshot
