"""What code computed a cached result, so no cache serves a result that other code computed (issue 15).

Two ways, one per kind of cache:

- ``files_digest(files, libraries)``: a SHA-256 over the bytes of named source files and the versions of named
  distributions, for a cache whose computing code is a known, closed set (the template decoder package and
  cfn-lint; the schedule module; the catalogue's reader and PyYAML). It goes into the cache key.
- ``write_recorded`` / ``read_recorded`` (``loaded_code()`` / ``unchanged(recorded)``): the file and SHA-256
  of every project module loaded when an entry was written, kept in the entry and checked on read, for a
  cache whose result may depend on whatever the computation imported (a static snapshot; a validated
  configuration). A list written by hand once left
  the exporter's readers out, and a folder glob left out the break-glass module: an edit of either was served
  a result their old code computed.

A leaf module (standard library only): the caches import it on their fast path.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

# The packages of this project whose code can decide a cached result; third-party code is keyed by version.
PROJECT_PACKAGES = ("audit", "exporter", "restore_validator")


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def library_versions(libraries: Iterable[str]) -> str:
    parts = []
    for library in libraries:
        try:
            parts.append(f"{library}=={metadata.version(library)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{library} absent")
    return ";".join(parts)


def files_digest(files: Iterable[Path], libraries: Iterable[str] = ()) -> str:
    """SHA-256 over each file's resolved path and bytes (in a stable order) and the libraries' versions."""
    digest = hashlib.sha256(library_versions(libraries).encode() + b"\0")
    for path in sorted(Path(f).resolve() for f in files):
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def package_files(package_dir: Path) -> list[Path]:
    """The Python sources of one package folder (not its subpackages)."""
    return sorted(package_dir.glob("*.py"))


def module_file(name: str) -> Path | None:
    """The source file of a loaded module (None for a namespace package or a module with no file)."""
    file = getattr(sys.modules.get(name), "__file__", None)
    return Path(file) if file else None


def loaded_code() -> dict[str, list[str]]:
    """module name -> [its file, the SHA-256 of the file], for every loaded module of the project's packages."""
    code = {}
    for name in sorted(sys.modules):
        if name.split(".", 1)[0] in PROJECT_PACKAGES:
            path = module_file(name)
            if path is not None and path.is_file():
                code[name] = [str(path), sha256_file(path)]
    return code


def unchanged(code: Mapping[str, list[str]]) -> bool:
    """Every module the entry records is still where it was (the module being loaded from there now, when it
    is) with the bytes it had. An entry that records nothing proves nothing: False."""
    for name, (file, digest) in code.items():
        loaded = module_file(name)
        path = Path(file)
        if (loaded is not None and loaded != path) or not path.is_file() or sha256_file(path) != digest:
            return False
    return bool(code)


def read_recorded(path: Path) -> dict[str, Any] | None:
    """The JSON entry at ``path`` when the project code it records is the code loaded now; None when it is
    missing, unreadable, damaged or written by other code."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        return entry if isinstance(entry, dict) and unchanged(entry["code"]) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_recorded(path: Path, payload: Mapping[str, Any]) -> None:
    """``payload`` and the project code loaded now (``loaded_code``), written whole or not at all (a temporary
    file renamed into place, so a concurrent reader never sees half an entry); a cache folder that cannot be
    written is skipped: the result is then simply computed again next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp", encoding="utf-8") as handle:
            json.dump({**payload, "code": loaded_code()}, handle)
        os.replace(handle.name, path)
    except OSError:
        pass
