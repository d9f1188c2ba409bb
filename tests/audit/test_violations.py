"""The seeded-violation corpus (``tests/support/violations.py``): each edit of a template or of the
configuration makes the static audit exit 1 with exactly the expected controls failed (no more, no fewer),
while the untouched bundle passes; every control that runs statically has a seed."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from audit.cli import main
from audit.controls import registry
from tests.support.violations import BY_CONTROL, CONFIG, TEMPLATES, VIOLATIONS


def failed_controls(tmp_path: Path, seed) -> tuple[int, set[str]]:
    templates, config = tmp_path / "cloudformation", tmp_path / "config"
    shutil.copytree(TEMPLATES, templates)
    shutil.copytree(CONFIG, config)
    if seed:
        seed(templates, config)
    reports = tmp_path / "reports"
    code = main(["audit", "--mode", "static", "--env", "example", "--templates-dir", str(templates),
                 "--config-dir", str(config), "--report-dir", str(reports)])
    report = json.loads((reports / "report.json").read_text())
    return code, {c["id"] for c in report["controls"] if c["status"] == "failed"}


def test_the_bundle_passes(tmp_path):
    assert failed_controls(tmp_path, None) == (0, set())


@pytest.mark.parametrize("name", list(VIOLATIONS))
def test_seeded_violation_fails_exactly_the_expected_controls(tmp_path, name):
    seed, expected = VIOLATIONS[name]
    code, failed = failed_controls(tmp_path, seed)
    assert code == 1
    assert failed == expected


def test_every_control_is_caught_by_some_violation():
    static = {c.id for c in registry.controls().values() if c.runs_in("static")}  # as each one declares
    assert static and static <= set(BY_CONTROL), f"controls without a seeded violation: {sorted(static - set(BY_CONTROL))}"
    assert set(BY_CONTROL) <= set(registry.controls()), "a seed expects a control no function declares"
