"""Show waivers and the derived tags in ``cucumber.json``, which pytest-bdd writes itself.

pytest-bdd marks every step of a skipped scenario as passed, so a scenario whose failures were waived
would read as an unqualified pass there. After the run, each step whose failures a waiver covered is
rewritten to status ``skipped`` with the waiver as its ``error_message`` (the Cucumber JSON format's
field for why a step did not pass). The tags a scenario's control implies (mode, history, framework
mappings: ``steps.plugin.derived_tags``) are added to it, since the feature file carries only the control
id. Nothing else in the file changes.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable


def _rewrite(path: Path, edit: Callable[[str, dict[str, Any]], int]) -> int:
    """Apply ``edit(feature file name, scenario element)`` to every scenario of the file; it returns how many
    things it changed. The file is rewritten (as pytest-bdd writes it) only when something changed; a
    missing or unreadable file is left alone (pytest-bdd reported that already)."""
    try:
        features = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    changed = sum(edit(Path(str(feature.get("uri", ""))).name, element)
                  for feature in features for element in feature.get("elements", []))
    if changed:
        Path(path).write_text(json.dumps(features), encoding="utf-8")
    return changed


def mark_waived(path: Path, waived: dict[tuple[str, int], dict[int, str]]) -> int:
    """``waived``: (feature file name, Scenario line) -> {step line: message}. Returns the number of steps
    rewritten."""

    def edit(name: str, element: dict[str, Any]) -> int:
        steps = waived.get((name, int(element.get("line") or 0))) or {}
        changed = 0
        for step in element.get("steps", []) if steps else []:
            message = steps.get(int(step.get("line") or 0))
            if message is not None:
                step["result"] = {**step.get("result", {}), "status": "skipped", "error_message": message}
                changed += 1
        return changed

    return _rewrite(path, edit) if waived else 0


def add_tags(path: Path, tags: dict[tuple[str, int], list[str]]) -> int:
    """``tags``: (feature file name, Scenario line) -> tags without "@" to add to that scenario. Returns the
    scenarios changed."""

    def edit(name: str, element: dict[str, Any]) -> int:
        have = {tag.get("name") for tag in element.get("tags", [])}
        added = [{"name": tag, "line": element.get("line", 0) - 1}
                 for tag in tags.get((name, int(element.get("line") or 0)), []) if tag not in have]
        element["tags"] = element.get("tags", []) + added
        return 1 if added else 0

    return _rewrite(path, edit) if tags else 0
