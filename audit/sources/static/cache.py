"""A cache of static snapshots: the same configuration, templates and source code always give the same
snapshot, so a repeated static audit (CI runs one per environment, often on unchanged templates) reads
it instead of resolving every stack again.

An entry is found by the merged configuration and every template's path and bytes, and holds, beside the
snapshot, the SHA-256 of every module of the project that was loaded when it was built: the modules the
build actually imported (and those imported before it, which it may have called), not a list written here.
A list by hand once left the exporter's readers out, and a folder glob left out ``audit/break_glass.py``,
which the sources call: an edit of either was served a snapshot their old code built. An entry whose
recorded module has changed, moved or gone is a miss. Anything unreadable means a plain rebuild.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Mapping

from audit.cache_paths import cache_root

# The packages of this project whose code can decide a snapshot; third-party code is keyed by its version.
PROJECT_PACKAGES = ("audit", "exporter", "restore_validator")
# The libraries whose behaviour shapes a snapshot (cfn-lint's YAML decoder, the YAML parser).
LIBRARIES = ("cfn-lint", "PyYAML")


def _key(cfg: Mapping[str, Any], templates_dir: Path) -> str:
    digest = hashlib.sha256(json.dumps(cfg, sort_keys=True).encode())
    digest.update(str(Path(__file__).resolve().parents[2]).encode() + b"\0")  # which copy of the code builds it
    for path in sorted(templates_dir.glob("*.y*ml")) + sorted(templates_dir.glob("*.json")):
        digest.update(str(path.resolve()).encode() + b"\0" + path.read_bytes() + b"\0")
    for library in LIBRARIES:
        try:
            digest.update(f"{library}=={metadata.version(library)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library} absent\0".encode())
    return digest.hexdigest()


def module_file(name: str) -> Path | None:
    """The source file of a loaded module (None for a namespace package or a module with no file)."""
    module = sys.modules.get(name)
    file = getattr(module, "__file__", None)
    return Path(file) if file else None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def loaded_code() -> dict[str, list[str]]:
    """module name -> [its file, the SHA-256 of the file], for every loaded module of the project's packages."""
    code = {}
    for name in sorted(sys.modules):
        if name.split(".", 1)[0] in PROJECT_PACKAGES:
            path = module_file(name)
            if path is not None and path.is_file():
                code[name] = [str(path), _sha256(path)]
    return code


def _unchanged(code: Mapping[str, list[str]]) -> bool:
    """Every module the entry records is still where it was (the module being loaded from there now, when it
    is) with the bytes it had."""
    for name, (file, digest) in code.items():
        loaded = module_file(name)
        path = Path(file)
        if (loaded is not None and loaded != path) or not path.is_file() or _sha256(path) != digest:
            return False
    return bool(code)


def cached_snapshot(cfg: Mapping[str, Any], templates_dir: Path, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        path = cache_root() / "snapshots" / f"{_key(cfg, templates_dir)}.json"
        entry = json.loads(path.read_text(encoding="utf-8"))
        if _unchanged(entry["code"]):
            snapshot: dict[str, Any] = entry["snapshot"]
            return snapshot
    except (OSError, ValueError, KeyError, TypeError):
        pass
    snapshot = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp", encoding="utf-8") as handle:
            json.dump({"code": loaded_code(), "snapshot": snapshot}, handle)
        os.replace(handle.name, path)
    except (OSError, NameError):
        pass
    return snapshot
