"""The pytest plugin that connects the features to a posture snapshot and records what each scenario
decided: the control id and framework tags, the steps as written, the outcomes of the controls.

A scenario carries only its control id tag (``@RPO-01``). At collection, before ``-m`` selects, the plugin
gives it the markers its control implies: ``live`` or ``static`` and ``needs-history`` from the control's
declaration (``audit.controls.registry``), the framework tags (``nist:CP-9``) from its catalogue entry. So
``--tags nist:CP-9`` and the mode's exclusion select on what is declared once, and the features stay what
an auditor reads.

Waivers (``audit.waivers``) are applied as each outcome is recorded: a failure a waiver covers does not
fail its step, so the scenario's later steps still run; a scenario whose only failures were waived ends
as a pytest skip whose message carries the justification (junit.xml: ``<skipped message="WAIVED ...">``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from audit.catalogue import CONTROL_ID, Catalogue, load_catalogue
from audit.controls import Outcome, registry
from audit.findings import Finding
from audit.report.model import Waiver
from audit.snapshot import Posture
from audit.waivers import WaiverSet


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
    line: int = 0  # the Scenario line in its feature file
    waived: list[Finding] = field(default_factory=list)  # findings waivers covered
    waivers: list[Waiver] = field(default_factory=list)  # the waivers that covered them
    waived_steps: dict[int, list[Finding]] = field(default_factory=dict)  # step line -> the findings waived there
    current_step: int = 0


def waived_message(waivers: list[Waiver]) -> str:
    """The one line junit.xml and cucumber.json carry for a waived scenario or step."""
    return "WAIVED " + "; ".join(f"{w.control} {w.resource} until {w.expires} ({w.source}): {w.justification}"
                                 for w in waivers)


def step_text(step) -> str:
    """The step as written, with its data table (aligned as in the feature file) when it has one: the
    table is part of what the control requires."""
    table = step.datatable.raw() if getattr(step, "datatable", None) is not None else None
    if not table:
        return step.name
    widths = [max(len(str(row[i])) for row in table) for i in range(len(table[0]))]
    lines = ["| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths)) + " |" for row in table]
    return step.name + "\n" + "\n".join(lines)


def derived_tags(control_id: str, catalogue: Catalogue | None = None) -> list[str]:
    """The tags a scenario of ``control_id`` gets from what is declared: mode and history markers from its
    declaration, framework tags from its catalogue entry (sorted, as the reports list them)."""
    declared = registry.get(control_id)
    entry = (catalogue or load_catalogue()).get(control_id)
    return (declared.markers() if declared else []) + (sorted(entry.tags()) if entry else [])


def _control_id(tags: set[str]) -> str | None:
    ids = sorted(t for t in tags if CONTROL_ID.match(t))
    return ids[0] if ids else None


class AuditPlugin:
    def __init__(self, posture: Posture, waivers: WaiverSet | None = None):
        self._posture = posture
        self._waivers = waivers if waivers is not None else WaiverSet()
        self.records: dict[str, ScenarioRecord] = {}
        self._catalogue = load_catalogue()
        self.derived: dict[str, list[str]] = {}  # control id -> the tags derived for its scenarios

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items) -> None:
        """Before ``-m`` deselects: each scenario gets the markers of its control's declaration and entry."""
        for item in items:
            control_id = _control_id({mark.name for mark in item.iter_markers()})
            if control_id is None:
                continue
            tags = self.derived.setdefault(control_id, derived_tags(control_id, self._catalogue))
            for tag in tags:
                item.add_marker(tag)

    @pytest.fixture
    def posture(self) -> Posture:
        return self._posture

    @pytest.fixture
    def record(self, request) -> Callable[[Outcome], None]:
        def record_outcome(outcome: Outcome) -> None:
            entry = self.records.get(request.node.nodeid)
            if entry is not None:
                split = self._waivers.split(entry.control_id, outcome)
                outcome = split.kept
                entry.outcomes.append(outcome)
                if split.waived:
                    entry.waived += split.waived
                    entry.waivers += [w for w in split.waivers if w not in entry.waivers]
                    entry.waived_steps.setdefault(entry.current_step, []).extend(split.waived)
            assert outcome.passed, outcome.message

        return record_outcome

    # pytest-bdd hooks ---------------------------------------------------------------------------------
    def pytest_bdd_before_scenario(self, request, feature, scenario) -> None:
        control_id = _control_id(set(scenario.tags) | set(feature.tags))
        tags = sorted(set(scenario.tags) | set(feature.tags) | set(self.derived.get(control_id or "", [])))
        self.records[request.node.nodeid] = ScenarioRecord(
            control_id=control_id or f"UNTAGGED:{scenario.name}", title=scenario.name,
            feature=Path(feature.filename).name, feature_title=feature.name,
            description=(scenario.description or "").strip(), frameworks=[t for t in tags if ":" in t],
            steps=[(step.keyword, step_text(step), "skipped") for step in scenario.steps],
            line=scenario.line_number,
        )

    def _mark_step(self, request, step, status: str) -> None:
        entry = self.records.get(request.node.nodeid)
        if entry is None:
            return
        for index, (keyword, text, current) in enumerate(entry.steps):
            if text == step_text(step) and current == "skipped":
                entry.steps[index] = (keyword, text, status)
                return

    def pytest_bdd_before_step(self, request, feature, scenario, step, step_func) -> None:
        entry = self.records.get(request.node.nodeid)
        if entry is not None:
            entry.current_step = step.line_number

    def pytest_bdd_after_step(self, request, feature, scenario, step, step_func, step_func_args) -> None:
        entry = self.records.get(request.node.nodeid)
        waived = entry is not None and step.line_number in entry.waived_steps
        self._mark_step(request, step, "waived" if waived else "passed")

    @pytest.hookimpl(trylast=True)
    def pytest_bdd_after_scenario(self, request, feature, scenario) -> None:
        """A scenario whose only failures were waived is reported as skipped, with the waivers' message.
        Never when a step failed or did not run: a waiver must not turn a failure into a skip."""
        entry = self.records.get(request.node.nodeid)
        if entry is not None and entry.waived and not entry.error and all(
                status in ("passed", "waived") for _, _, status in entry.steps):
            pytest.skip(waived_message(entry.waivers))

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
            if report.outcome == "skipped" and entry.waived and report.when == "call":
                entry.status = "waived"
            if report.outcome == "failed" and not entry.outcomes and not entry.error:
                entry.error = str(report.longrepr).strip().splitlines()[-1] if report.longrepr else "failed"
