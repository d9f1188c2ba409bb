"""Show waivers in ``cucumber.json``, which pytest-bdd writes itself.

pytest-bdd marks every step of a skipped scenario as passed, so a scenario whose failures were waived
would read as an unqualified pass there. After the run, each step whose failures a waiver covered is
rewritten to status ``skipped`` with the waiver as its ``error_message`` (the Cucumber JSON format's
field for why a step did not pass). Nothing else in the file changes.
"""
from __future__ import annotations

import json
from pathlib import Path


def mark_waived(path: Path, waived: dict[tuple[str, int], dict[int, str]]) -> int:
    """``waived``: (feature file name, Scenario line) -> {step line: message}. Returns the number of steps
    rewritten; a missing or unreadable file is left alone (pytest-bdd reported that already)."""
    if not waived:
        return 0
    try:
        features = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    changed = 0
    for feature in features:
        name = Path(str(feature.get("uri", ""))).name
        for element in feature.get("elements", []):
            steps = waived.get((name, element.get("line")))
            if not steps:
                continue
            for step in element.get("steps", []):
                message = steps.get(step.get("line"))
                if message is not None:
                    step["result"] = {**step.get("result", {}), "status": "skipped", "error_message": message}
                    changed += 1
    if changed:
        Path(path).write_text(json.dumps(features), encoding="utf-8")  # as pytest-bdd writes it
    return changed
