"""The areas the project's mutation run measures: the code beneath the controls, and the fast tests that pin it.

An area is a set of source files and the tests that exercise them in this process (unit, conformance and
per-control tests). Slow tests (a sandbox server, a deployment, a subprocess per case) are left out: a
mutation run re-runs the tests once per mutant, and what they exercise in another process is not seen by the
per-test coverage that picks which tests a mutant needs (docs/testing.md).

Globs, so a new test file named after its area joins without an edit here.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    name: str
    sources: tuple[str, ...]
    tests: tuple[str, ...]
    target: float = 90.0


AREAS: dict[str, Area] = {area.name: area for area in (
    Area("policy",
         sources=("audit/policy/conditions.py", "audit/policy/evaluator.py", "audit/policy/grammar.py",
                  "audit/policy/matching.py"),
         tests=("tests/unit/test_policy_*.py", "tests/conformance/test_policy_*.py",
                "tests/unit/test_break_glass_change.py")),
    Area("schedule",
         sources=("audit/schedule.py", "audit/controls/rpo.py"),
         tests=("tests/unit/test_schedule*.py", "tests/unit/test_rpo*.py", "tests/conformance/test_schedule_*.py",
                "tests/controls/test_rpo.py")),
    Area("events",
         sources=("audit/events.py",),
         tests=("tests/monitoring/test_events*.py", "tests/conformance/test_event_*.py",
                "tests/monitoring/test_controls.py")),
    Area("break_glass",
         sources=("audit/break_glass/*.py", "audit/controls/break_glass.py"),
         tests=("tests/unit/test_break_glass_*.py", "tests/templates/test_break_glass.py",
                "tests/controls/test_break_glass.py")),
    Area("waivers",
         sources=("audit/waivers.py",),
         tests=("tests/waivers/test_*.py", "tests/unit/test_findings.py")),
    # the restore comparison and the drill's decisions (which pool, which plan): the same discipline for the
    # modules of the restore issues; the drill's AWS calls are exercised by the sandbox tests, not here
    Area("drill",
         sources=("audit/drill/compare.py", "audit/drill/plan.py", "audit/drill/pools.py"),
         tests=("tests/drill/test_compare*.py", "tests/drill/test_plan*.py", "tests/drill/test_pools*.py")),
)}
