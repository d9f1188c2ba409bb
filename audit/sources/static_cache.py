"""A cache of static snapshots: the same configuration, templates and source code always give the same
snapshot, so a repeated static audit (CI runs one per environment, often on unchanged templates) reads
it instead of resolving every stack again. The key covers the merged configuration, every template's
path and bytes, and the code that builds the snapshot; anything unreadable means a plain rebuild.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping

from audit.cache_paths import cache_root

AUDIT_DIR = Path(__file__).resolve().parents[1]
# The code that builds a static snapshot: every module of audit/sources (a reader added there is covered
# without being listed; listing them by name once left the exporter's readers out) and these.
CODE = ("deployment.py", "snapshot.py", "arns.py", "resource_types.py")


def _key(cfg: Mapping[str, Any], templates_dir: Path) -> str:
    digest = hashlib.sha256(json.dumps(cfg, sort_keys=True).encode())
    for path in sorted(templates_dir.glob("*.y*ml")) + sorted(templates_dir.glob("*.json")):
        digest.update(str(path.resolve()).encode() + b"\0" + path.read_bytes() + b"\0")
    for name in CODE:
        digest.update((AUDIT_DIR / name).read_bytes())
    for path in sorted((AUDIT_DIR / "sources").glob("*.py")) + sorted((AUDIT_DIR / "templates").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cached_snapshot(cfg: Mapping[str, Any], templates_dir: Path, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        path = cache_root() / "snapshots" / f"{_key(cfg, templates_dir)}.json"
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    snapshot = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp", encoding="utf-8") as handle:
            json.dump(snapshot, handle)
        os.replace(handle.name, path)
    except (OSError, NameError):
        pass
    return snapshot
