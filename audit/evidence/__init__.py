"""The evidence pack of an audit: one folder an auditor can keep, re-check and re-read years later.

``retention audit --evidence DIR`` writes ``DIR/<env>-<mode>-<UTC time>/``:

    pack.json                what this is: environment, mode, time, tool (version, git commit), config hash,
                             template hashes, --tags, the outcome of every part and the run's exit code
    config.json              the merged configuration the audit read (its canonical SHA-256 is config_sha256)
    features/*.feature       the feature files as run
    static/, live/           each audit's report.html, report.md, report.json, junit.xml, cucumber.json and
                             the snapshot.json its decisions were made on; static/ also report.sarif
    drift/drift.json, .txt   live packs: every difference between the static and the live snapshot
    MANIFEST.sha256          SHA-256 of every other file (``sha256sum -c MANIFEST.sha256`` works)

A live pack always holds the static audit and the drift too: drift needs the static snapshot, and the
quarterly question is "do the templates, the accounts and the promises agree". The pack is assembled in a
hidden staging folder and renamed into place when complete, so a folder named like a pack is never half
written. Only the known report files are copied, never whatever else sits in a report folder.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from audit.evidence.manifest import MANIFEST, Verification, verify, write_manifest
from audit.evidence.provenance import canonical_sha256, template_hashes, tool_identity

PACK_FORMAT = 1
METADATA = "pack.json"
REPORT_FILES = ("report.html", "report.md", "report.json", "junit.xml", "cucumber.json", "snapshot.json")


@dataclass
class Part:
    """One audit of the pack: its mode, the folder the audit wrote its reports to, and its summary."""
    mode: str
    report_dir: Path
    summary: dict[str, int]
    exit_code: int


def pack_name(environment: str, mode: str, created_at: datetime) -> str:
    return f"{environment}-{mode}-{created_at.strftime('%Y%m%dT%H%M%SZ')}"


def write_text_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def pack_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def free_folder(root: Path, name: str) -> Path:
    candidate, number = root / name, 1
    while candidate.exists() or (root / f".{candidate.name}.partial").exists():
        number += 1
        candidate = root / f"{name}-{number}"
    return candidate


def write_pack(root: Path, *, environment: str, mode: str, created_at: datetime, parts: list[Part],
               outcomes: Mapping[str, dict[str, Any]], features_dir: Path, config: Mapping[str, Any],
               templates: Mapping[str, Path], files: Mapping[str, str], tags: str | None, exit_code: int) -> Path:
    """Assemble the pack under ``root`` and return its folder. ``files`` are further files of the pack
    (relative path -> text: the SARIF, the drift report) and ``outcomes`` their results for pack.json
    (``{"drift": {"differences": 0, "exit_code": 0}}``); ``templates`` the template files the static
    snapshot was built from (portable path -> file)."""
    root.mkdir(parents=True, exist_ok=True)
    final = free_folder(root, pack_name(environment, mode, created_at))
    staging = root / f".{final.name}.partial"
    staging.mkdir()
    try:
        for part in parts:
            for name in REPORT_FILES:
                source = part.report_dir / name
                if not source.is_file():
                    raise FileNotFoundError(f"the {part.mode} audit wrote no {name} in {part.report_dir}")
                (staging / part.mode).mkdir(exist_ok=True)
                shutil.copyfile(source, staging / part.mode / name)
        for feature in sorted(Path(features_dir).glob("*.feature")):
            (staging / "features").mkdir(exist_ok=True)
            shutil.copyfile(feature, staging / "features" / feature.name)
        for relative, text in sorted(files.items()):
            write_text_file(staging / relative, text)
        write_text_file(staging / "config.json", pack_json(dict(config)))
        write_text_file(staging / METADATA, pack_json({
            "format": PACK_FORMAT,
            "kind": "compact-retention evidence pack",
            "environment": environment,
            "mode": mode,
            "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tool": tool_identity(),
            "config_sha256": canonical_sha256(dict(config)),
            "templates_sha256": template_hashes(templates),
            "tags": tags,
            "parts": {**{part.mode: {**part.summary, "exit_code": part.exit_code} for part in parts}, **outcomes},
            "exit_code": exit_code,
        }))
        write_manifest(staging)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def verify_pack(folder: Path) -> Verification:
    """Re-check a pack against its manifest (``NotAPack`` when the folder is not one)."""
    return verify(folder, marker=METADATA)


__all__ = ["MANIFEST", "METADATA", "Part", "pack_name", "verify_pack", "write_pack"]
