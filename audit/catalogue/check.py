"""Features, catalogue and control declarations agree, so that each fact about a control is written once.

- every scenario carries exactly one control id tag, and nothing else that is declared elsewhere: framework
  tags belong to the catalogue (``audit/catalogue/catalogue.yaml``, the reviewed source of mappings), ``@live``,
  ``@static`` and ``@needs-history`` to the control's declaration (``audit.controls.registry``); the audit
  derives those markers at collection time;
- every scenario's id has a catalogue entry and a declaration, and every entry and declaration a scenario;
- every step of a scenario is a phrase some control or reusable check declares, and a control's own steps
  appear in its scenario.

The feature side is read with pytest-bdd's own parser (gherkin-official underneath), so the scenarios and
steps compared are exactly those the audit runs. Each problem names the file and line and says what the
author has to add, move or remove.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from audit.catalogue import CONTROL_ID, Catalogue
from audit.catalogue.frameworks import split_tag
from audit.yaml_lines import shown as _display

# tags the control's declaration implies: written in a feature they would say it twice
DECLARED_MARKERS = ("live", "static", "needs-history")


@dataclass(frozen=True)
class ScenarioControl:
    control_id: str
    title: str  # the scenario name
    where: str  # "features/rpo.feature:17" (the Scenario line)
    extra_tags: frozenset[str]  # tags declared elsewhere (framework mappings, mode and history markers)
    steps: tuple[tuple[str, int], ...]  # (step text, line) of its steps and its background's


def _steps(scenario) -> tuple[tuple[str, int], ...]:
    """Its steps, its background's included (pytest-bdd's ``steps`` holds both)."""
    return tuple((step.name, step.line_number) for step in scenario.steps)


def read_scenarios(features_dir: Path) -> tuple[list[ScenarioControl], list[str]]:
    """Every scenario of ``features_dir/*.feature`` with exactly one control id tag, and the problems of
    the others (no id, several ids, a file that is not Gherkin)."""
    from pytest_bdd.parser import FeatureParser

    scenarios: list[ScenarioControl] = []
    problems: list[str] = []
    for path in sorted(Path(features_dir).glob("*.feature")):
        shown = _display(path)
        try:
            feature = FeatureParser(str(path.parent), path.name).parse()
        except Exception as exc:  # gherkin's parser errors have no common base class worth naming
            problems.append(f"{shown}: not valid Gherkin: {exc}")
            continue
        for scenario in feature.scenarios.values():
            tags = set(scenario.tags) | set(feature.tags)
            ids = sorted(tag for tag in tags if CONTROL_ID.match(tag))
            where = f"{shown}:{scenario.line_number}"
            if len(ids) != 1:
                problems.append(f"{where}: scenario {scenario.name!r} has "
                                f"{'no control id tag' if not ids else 'several control id tags: ' + ', '.join(ids)}; "
                                "tag it with exactly one id such as @RPO-01")
                continue
            extra = frozenset(tag for tag in tags if split_tag(tag) or tag in DECLARED_MARKERS)
            scenarios.append(ScenarioControl(ids[0], scenario.name, where, extra, _steps(scenario)))
    return scenarios, problems


def _tag_problems(scenario: ScenarioControl, catalogue_file: str) -> list[str]:
    problems = []
    mappings = sorted(tag for tag in scenario.extra_tags if split_tag(tag))
    markers = sorted(tag for tag in scenario.extra_tags if tag in DECLARED_MARKERS)
    if mappings:
        problems.append(f"{scenario.where}: {scenario.control_id}: remove {' '.join('@' + t for t in mappings)}: "
                        f"framework mappings are written once, in {catalogue_file}, and the audit tags the scenario "
                        "from there")
    if markers:
        problems.append(f"{scenario.where}: {scenario.control_id}: remove {' '.join('@' + t for t in markers)}: where a "
                        "control runs and whether it needs history are declared on its function "
                        "(@control(..., modes=..., history=...) in audit/controls/)")
    return problems


def _step_problems(scenario: ScenarioControl, declared, checks: Sequence) -> list[str]:
    problems = []
    for text, line in scenario.steps:
        if text == "the posture of the environment":
            continue
        if not any(check.matches(text) for check in checks):
            problems.append(f"{scenario.where.rsplit(':', 1)[0]}:{line}: {scenario.control_id}: no control declares the "
                            f"step {text!r}: declare it with @control or @check in audit/controls/")
    control = declared.get(scenario.control_id)
    for own in control.checks if control is not None else ():
        if not any(own.matches(text) for text, _ in scenario.steps):
            problems.append(f"{scenario.where}: {scenario.control_id}: the scenario does not use the step its control "
                            f"declares ({own.where}): {own.phrase!r}")
    return problems


def check(catalogue: Catalogue, features_dir: Path, declared: Mapping | None = None,
          checks: Sequence | None = None) -> list[str]:
    """Every disagreement between the catalogue, the feature files and the declared controls (``declared``:
    id -> ``registry.Control``, ``checks``: the bound step phrases; default: the registry's); [] when they
    agree."""
    if declared is None or checks is None:
        from audit.controls import registry

        declared = registry.controls() if declared is None else declared
        checks = registry.checks() if checks is None else checks
    if not list(Path(features_dir).glob("*.feature")):
        return [f"{_display(Path(features_dir))}: no .feature files"]
    scenarios, problems = read_scenarios(features_dir)
    catalogue_file = _display(catalogue.source)
    seen: dict[str, ScenarioControl] = {}
    for scenario in scenarios:
        problems += _tag_problems(scenario, catalogue_file)
        if scenario.control_id in seen:
            problems.append(f"{scenario.where}: {scenario.control_id} is already the id of the scenario at "
                            f"{seen[scenario.control_id].where}; give each scenario its own control id")
            continue
        seen[scenario.control_id] = scenario
        if catalogue.get(scenario.control_id) is None:
            problems.append(f"{scenario.where}: control {scenario.control_id} ({scenario.title!r}) is not in the "
                            f"catalogue: add an entry to {catalogue_file} with id, title, rationale and mappings")
        if scenario.control_id not in declared:
            problems.append(f"{scenario.where}: control {scenario.control_id} is not declared: decorate the function "
                            f"that decides it with @control(\"{scenario.control_id}\", <its step>, severity=..., fix=...) "
                            "in audit/controls/")
        problems += _step_problems(scenario, declared, checks)
    for entry in catalogue.entries:
        if entry.id not in seen:
            problems.append(f"{catalogue_file}:{entry.line}: control {entry.id} has no scenario in "
                            f"{_display(Path(features_dir))}: tag its scenario @{entry.id}, or remove the entry")
    for control_id, control in sorted(declared.items()):
        if control_id not in seen:
            problems.append(f"{control.module}: control {control_id} is declared but has no scenario in "
                            f"{_display(Path(features_dir))}: tag its scenario @{control_id}, or remove the declaration")
    return problems
