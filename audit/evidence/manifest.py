"""``MANIFEST.sha256`` of an evidence pack: write it, and re-check a pack against it.

The format is the one ``sha256sum`` writes and ``sha256sum -c`` reads (``<64 hex>  <path>``, one line per
file, paths relative to the pack, forward slashes), so an auditor can check a pack without this tool.
Lines are sorted by path so the manifest of the same files is the same bytes. The manifest covers every
file of the pack but itself. Hand-written instead of calling ``sha256sum``: the tool must verify on
machines without coreutils, and must also report files that are in the pack but not in the manifest,
which ``sha256sum -c`` ignores.

The writer only ever writes regular files and folders, so any other kind of entry (a symbolic link, a
device, a pipe) is a change to the pack, reported like any other change (exit 1), the manifest included:
a ``MANIFEST.sha256`` that is a symbolic link is never read (it could point at a manifest of another pack,
or at a file outside the pack rewritten to match), and links are never followed into or out of the pack.
What is not a pack at all (exit 2) is a folder with no entry named ``MANIFEST.sha256`` or ``pack.json``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from audit.evidence.provenance import file_sha256

MANIFEST = "MANIFEST.sha256"
_LINE = re.compile(r"^(?P<digest>[0-9a-f]{64}) [ *](?P<path>.+)$")


class NotAPack(Exception):
    """The folder is not an evidence pack (exit 2)."""


@dataclass
class Verification:
    checked: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)  # "line N: why"

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.extra or self.malformed)

    def problems(self) -> list[str]:
        return ([f"changed: {p}" for p in self.changed] + [f"missing: {p}" for p in self.missing]
                + [f"not in the manifest: {p}" for p in self.extra] + [f"{MANIFEST} {m}" for m in self.malformed])


def pack_files(folder: Path) -> list[str]:
    """Every entry of the pack but the manifest, as sorted relative POSIX paths. Anything that is not a
    regular file (a symbolic link, a device) is listed too, so verification reports it."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(root, d)))]:
            relative = Path(root, name).relative_to(folder).as_posix()
            if relative != MANIFEST:
                found.append(relative)
    return sorted(found)


def write_manifest(folder: Path) -> Path:
    lines = [f"{file_sha256(folder / name)}  {name}\n" for name in pack_files(folder)]
    path = folder / MANIFEST
    path.write_text("".join(lines), encoding="utf-8", newline="\n")
    return path


def _not_regular(path: Path) -> str | None:
    """What ``path`` is when it is not the regular file the writer wrote (None when it is one)."""
    if path.is_symlink():
        return "a symbolic link"
    if path.is_dir():
        return "a folder"
    return None if path.is_file() else "not a regular file"


def _safe(name: str) -> bool:
    pure = PurePosixPath(name)
    return not pure.is_absolute() and ".." not in pure.parts and "\\" not in name


def verify(folder: Path, *, marker: str) -> Verification:
    """Re-check every file of the pack against its manifest. ``marker`` is a file every pack has besides
    the manifest (its metadata); a folder without both is not a pack."""
    if not folder.is_dir():
        raise NotAPack(f"{folder}: no such folder")
    manifest = folder / MANIFEST
    if not (os.path.lexists(manifest) and os.path.lexists(folder / marker)):
        raise NotAPack(f"{folder}: not an evidence pack (it needs {MANIFEST} and {marker})")
    result = Verification()
    kind = _not_regular(manifest)
    if kind is not None:  # nothing in it can be trusted, so nothing is checked against it
        result.changed.append(f"{MANIFEST} (now {kind}, not the file the audit wrote; not read)")
        return result
    listed: dict[str, str] = {}
    for number, line in enumerate(manifest.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        match = _LINE.match(line)
        if not match:
            result.malformed.append(f"line {number}: not '<sha256>  <path>'")
        elif not _safe(match["path"]):
            result.malformed.append(f"line {number}: path outside the pack: {match['path']}")
        elif match["path"] in listed:
            result.malformed.append(f"line {number}: {match['path']} listed twice")
        else:
            listed[match["path"]] = match["digest"]
    present = set(pack_files(folder))
    for name, digest in sorted(listed.items()):
        path = folder / name
        if name not in present:
            result.missing.append(name)
            continue
        kind = _not_regular(path)
        if kind is not None:
            result.changed.append(f"{name} (now {kind}, no longer a regular file)")
            continue
        result.checked += 1
        if file_sha256(path) != digest:
            result.changed.append(name)
    result.extra = sorted(present - set(listed))
    return result
