"""Two evidence packs of the same inputs must differ only in time: this removes exactly the fields that
hold a time (a moment or a measured duration) so the rest can be compared byte for byte.

Time fields: ``generated_at`` (report.json), ``created_at`` (pack.json), ``taken_at`` (live snapshot),
``duration`` (cucumber.json, per step), ``timestamp`` and ``time`` (junit.xml, suite and test cases).
The same moments rendered into report.html and report.md ("Generated at ...") are replaced there too.
MANIFEST.sha256 lists the same paths but other digests (the files above changed), so only its paths are
compared. Nothing else is normalised: a difference anywhere else fails the comparison.
"""
from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

JSON_TIME_KEYS = {"generated_at", "created_at", "taken_at", "duration"}
JUNIT_TIME = re.compile(r'\b(timestamp|time)="[^"]*"')


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ("<time>" if k in JSON_TIME_KEYS else _strip(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _moments(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {v for k, v in value.items() if k in JSON_TIME_KEYS and isinstance(v, str)}
        return found.union(*(_moments(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_moments(v) for v in value))
    return set()


def normalised(path: Path, moments: set[str]) -> str:
    text = path.read_text(encoding="utf-8")
    if path.name == "MANIFEST.sha256":
        return "\n".join(line.split("  ", 1)[1] for line in text.splitlines())
    if path.suffix in (".json", ".sarif"):
        return json.dumps(_strip(json.loads(text)), indent=1, sort_keys=False)
    if path.suffix == ".xml":
        return JUNIT_TIME.sub(r'\1="<time>"', text)
    for moment in sorted(moments, key=len, reverse=True):
        text = text.replace(moment, "<time>")
    return text


def pack_contents(pack: Path) -> dict[str, str]:
    files = [p for p in sorted(pack.rglob("*")) if p.is_file()]
    moments = set().union(*(_moments(json.loads(p.read_text(encoding="utf-8"))) for p in files if p.suffix == ".json"))
    return {p.relative_to(pack).as_posix(): normalised(p, moments) for p in files}


def differences(first: Path, second: Path) -> list[str]:
    a, b = pack_contents(first), pack_contents(second)
    return sorted(set(a) ^ set(b)) + [name for name in sorted(set(a) & set(b)) if a[name] != b[name]]


def explain(first: Path, second: Path, limit: int = 40) -> str:
    """The differing lines of two packs (after normalisation), for an assertion message."""
    a, b = pack_contents(first), pack_contents(second)
    lines: list[str] = []
    for name in differences(first, second):
        lines.append(f"== {name}")
        lines += [line[:300] for line in difflib.unified_diff(a.get(name, "").splitlines(), b.get(name, "").splitlines(),
                                                              lineterm="", n=0)][2:12]
    return "\n".join(lines[:limit])
