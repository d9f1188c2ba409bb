"""The pytest plugin that connects the features to a posture snapshot and records what each scenario
decided: the control id and framework tags, the steps as written, the outcomes of the controls."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from audit.controls import Outcome
from audit.snapshot import Posture

CONTROL_ID = re.compile(r"^[A-Z]+-\d+$")


@dataclass
class ScenarioRecord:
    control_id: str
    title: str
    feature: str
    feature_title: str
    description: str
    frameworks: list[str]
    steps: list[tuple[str, str, str]] = field(default_factory=list)  # keyword, text, status
    outcomes: list[Outcome] = field(default_factory=list)
    error: str = ""
    status: str = "skipped"


def step_text(step) -> str:
    """The step as written, with its data table (aligned as in the feature file) when it has one: the
    table is part of what the control requires."""
    table = step.datatable.raw() if getattr(step, "datatable", None) is not None else None
    if not table:
        return step.name
    widths = [max(len(str(row[i])) for row in table) for i in range(len(table[0]))]
    lines = ["| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths)) + " |" for row in table]
    return step.name + "\n" + "\n".join(lines)


class AuditPlugin:
    def __init__(self, posture: Posture):
        self._posture = posture
        self.records: dict[str, ScenarioRecord] = {}

    @pytest.fixture
    def posture(self) -> Posture:
        return self._posture

    @pytest.fixture
    def record(self, request) -> Callable[[Outcome], None]:
        def record_outcome(outcome: Outcome) -> None:
            entry = self.records.get(request.node.nodeid)
            if entry is not None:
                entry.outcomes.append(outcome)
            assert outcome.passed, outcome.message

        return record_outcome

    # pytest-bdd hooks ---------------------------------------------------------------------------------
    def pytest_bdd_before_scenario(self, request, feature, scenario) -> None:
        tags = sorted(set(scenario.tags) | set(feature.tags))
        ids = [t for t in tags if CONTROL_ID.match(t)]
        self.records[request.node.nodeid] = ScenarioRecord(
            control_id=ids[0] if ids else f"UNTAGGED:{scenario.name}", title=scenario.name,
            feature=Path(feature.filename).name, feature_title=feature.name,
            description=(scenario.description or "").strip(), frameworks=[t for t in tags if ":" in t],
            steps=[(step.keyword, step_text(step), "skipped") for step in scenario.steps],
        )

    def _mark_step(self, request, step, status: str) -> None:
        entry = self.records.get(request.node.nodeid)
        if entry is None:
            return
        for index, (keyword, text, current) in enumerate(entry.steps):
            if text == step_text(step) and current == "skipped":
                entry.steps[index] = (keyword, text, status)
                return

    def pytest_bdd_after_step(self, request, feature, scenario, step, step_func, step_func_args) -> None:
        self._mark_step(request, step, "passed")

    def pytest_bdd_step_error(self, request, feature, scenario, step, step_func, step_func_args, exception) -> None:
        self._mark_step(request, step, "failed")
        entry = self.records.get(request.node.nodeid)
        if entry is not None and not isinstance(exception, AssertionError):
            entry.error = f"{type(exception).__name__}: {exception}"

    def pytest_bdd_step_func_lookup_error(self, request, feature, scenario, step, exception) -> None:
        self._mark_step(request, step, "failed")
        entry = self.records.get(request.node.nodeid)
        if entry is not None:
            entry.error = f"no step definition matches: {step.keyword} {step.name}"

    def pytest_runtest_logreport(self, report) -> None:
        entry = self.records.get(report.nodeid)
        if entry is None:
            return
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            entry.status = {"passed": "passed", "failed": "failed"}.get(report.outcome, "skipped")
            if report.outcome == "failed" and not entry.outcomes and not entry.error:
                entry.error = str(report.longrepr).strip().splitlines()[-1] if report.longrepr else "failed"
