"""Adding a control takes a scenario, a function and a catalogue entry, nothing else: in a temporary copy
of the project, a throwaway control declared on its function (``@control``), tagged on its scenario and
entered in the catalogue is run by the audit, listed by ``retention controls`` with its declaration, and
fails when its condition does not hold (CONTRIBUTING.md, "Add a control")."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(".venv*", ".git", "reports", ".build", ".state", "tests", "__pycache__", "bench", "docs")

FUNCTION = '''\
"""A throwaway control of the test that adds one."""
from audit.controls import Outcome
from audit.controls.registry import control


@control("TMP-01", "every backup vault's name is at most {length:d} characters long", severity="low",
         fix="give the vault a shorter name")
def vault_names_short(posture, length):
    outcome = Outcome()
    for vault in posture.data["vaults"]:
        outcome.subject(vault["name"])
        outcome.check(len(vault["name"]) <= length, f"vault {vault['name']}: {len(vault['name'])} characters")
    return outcome
'''
SCENARIO = '''\
Feature: Throwaway

  Background:
    Given the posture of the environment

  @TMP-01
  Scenario: Vault names are short
    Then every backup vault's name is at most {length} characters long
'''
ENTRY = '''
  - id: TMP-01
    title: Vault names are short
    rationale: A throwaway control, added by a test to show what adding a control takes.
    mappings:
      nist: [CP-9]
'''


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("project") / "compact-retention"
    shutil.copytree(REPO, root, ignore=SKIP, symlinks=True)  # audit/features stays a link to features/
    (root / "audit" / "controls" / "throwaway.py").write_text(FUNCTION)
    with (root / "audit" / "catalogue" / "catalogue.yaml").open("a") as catalogue:
        catalogue.write(ENTRY)
    return root


def retention(root: Path, *argv: str) -> subprocess.CompletedProcess:
    """The copy's own code (not the installed one) runs: ``python -m`` from its folder, on its path."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-m", "audit.cli", *argv], cwd=root, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.parametrize("length, status", [(200, "passed"), (5, "failed")])
def test_a_scenario_a_function_and_an_entry_are_a_control_the_audit_runs(copy, length, status):
    (copy / "features" / "throwaway.feature").write_text(SCENARIO.format(length=length))
    out = copy / f"out-{length}"
    run = retention(copy, "audit", "--mode", "static", "--env", "example", "--report-dir", str(out))
    report = json.loads((out / "report.json").read_text())
    control = next(c for c in report["controls"] if c["id"] == "TMP-01")
    assert control["status"] == status, run.stdout + run.stderr
    assert control["frameworks"] == ["nist:CP-9"]  # from the catalogue entry, not from a tag
    assert control["subjects"]  # it looked at the vaults of the posture
    assert run.returncode == (0 if status == "passed" else 1), run.stderr
    if status == "failed":
        assert "Fix: give the vault a shorter name" in control["message"]  # the declared fix
    others = [c for c in report["controls"] if c["id"] != "TMP-01"]
    assert others and all(c["status"] == "passed" for c in others)  # the bundled ones are untouched


def test_the_new_control_is_listed_with_its_declaration_and_agrees_with_the_features(copy):
    (copy / "features" / "throwaway.feature").write_text(SCENARIO.format(length=200))
    listed = retention(copy, "controls", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    [entry] = [c for c in json.loads(listed.stdout)["controls"] if c["id"] == "TMP-01"]
    assert (entry["modes"], entry["needs_history"], entry["severity"], entry["fix"]) == (
        ["static", "live"], False, "low", "give the vault a shorter name")
    assert entry["steps"] == ["every backup vault's name is at most {length:d} characters long"]
    checked = retention(copy, "controls", "--check")
    assert checked.returncode == 0 and "catalogue and features agree" in checked.stdout, checked.stdout + checked.stderr
