"""Every declared control has fixtures here: a PASS case (it is a key of its family's ``CASES``, which
``family_tests`` runs on the healthy snapshot) and at least one FAIL case that is not an expected failure.
A control added without them fails this test, naming the control and the module its fixtures belong in; a
case for a control nobody declares fails too (a renamed or removed control)."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from audit.controls import registry

HERE = Path(__file__).resolve().parent
FAMILIES = {"RPO": "test_rpo", "RET": "test_retention", "COV": "test_coverage", "ISO": "test_isolation",
            "ENC": "test_encryption", "BG": "test_break_glass", "EVB": "test_eventbridge", "MON": "test_monitoring",
            "EXP": "test_cognito_export", "RES": "test_restore"}


def all_cases() -> dict[str, tuple[str, list]]:
    """control id -> (module, its FAIL cases), from every module of this folder that has ``CASES``."""
    found: dict[str, tuple[str, list]] = {}
    for info in pkgutil.iter_modules([str(HERE)]):
        module = importlib.import_module(f"{__package__}.{info.name}")
        for control_id, cases in getattr(module, "CASES", {}).items():
            assert control_id not in found, f"{control_id} has cases in {found[control_id][0]} and {info.name}"
            found[control_id] = (info.name, cases)
    return found


def test_every_declared_control_has_a_pass_and_a_fail_case():
    cases = all_cases()
    problems = []
    for control_id in sorted(registry.controls()):
        family = FAMILIES.get(control_id.split("-")[0], "a new test_<family>.py")
        if control_id not in cases:
            problems.append(f"{control_id}: no PASS or FAIL case: add it to CASES in tests/controls/{family}.py")
        elif not [case for case in cases[control_id][1] if not case.xfail]:  # an xfail case shows a bug, not a check
            problems.append(f"{control_id}: no FAIL case in tests/controls/{cases[control_id][0]}.py")
    assert not problems, "\n".join(problems)


def test_every_case_belongs_to_a_declared_control_of_its_family():
    declared = registry.controls()
    problems = [f"tests/controls/{module}.py: {control_id} is not a declared control" for control_id, (module, _) in
                all_cases().items() if control_id not in declared]
    problems += [f"tests/controls/{module}.py: {control_id} belongs in {FAMILIES.get(control_id.split('-')[0])}.py"
                 for control_id, (module, _) in all_cases().items() if FAMILIES.get(control_id.split("-")[0]) != module]
    assert not problems, "\n".join(problems)
