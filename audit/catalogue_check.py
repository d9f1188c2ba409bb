"""Catalogue and features agree: every scenario's control id has a catalogue entry, every entry has a
scenario, and each scenario's framework tags equal its entry's mappings (the catalogue is the source of
truth, see ``audit.catalogue``).

The feature side is read with pytest-bdd's own parser (gherkin-official underneath), so the tags compared
are exactly the tags the audit run sees: a scenario's tags together with its feature's. Each problem
names the file and line and says what the author has to add or change.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audit.catalogue import CONTROL_ID, Catalogue
from audit.catalogue_frameworks import FRAMEWORK_CONTROLS, FRAMEWORK_TITLES, split_tag
from audit.yaml_lines import shown as _display


@dataclass(frozen=True)
class ScenarioControl:
    control_id: str
    title: str  # the scenario name
    where: str  # "features/rpo.feature:17" (the Scenario line)
    framework_tags: frozenset[str]  # "nist:CP-9", "backup-audit-manager:NAME", ...


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
            scenarios.append(ScenarioControl(ids[0], scenario.name, where,
                                             frozenset(tag for tag in tags if split_tag(tag))))
    return scenarios, problems


def _tag_problems(scenario: ScenarioControl) -> list[str]:
    problems = []
    for tag in sorted(scenario.framework_tags):
        framework, control = split_tag(tag)
        if framework not in FRAMEWORK_CONTROLS:
            problems.append(f"{scenario.where}: {scenario.control_id}: tag @{tag} names an unknown framework "
                            f"{framework!r} (known: {', '.join(FRAMEWORK_TITLES)})")
        elif control not in FRAMEWORK_CONTROLS[framework]:
            problems.append(f"{scenario.where}: {scenario.control_id}: tag @{tag}: {FRAMEWORK_TITLES[framework]} has no "
                            f"control {control!r} (the known ones are in audit/catalogue_frameworks.py)")
    return problems


def check(catalogue: Catalogue, features_dir: Path) -> list[str]:
    """Every disagreement between the catalogue and the feature files; [] when they agree."""
    if not list(Path(features_dir).glob("*.feature")):
        return [f"{_display(Path(features_dir))}: no .feature files"]
    scenarios, problems = read_scenarios(features_dir)
    catalogue_file = _display(catalogue.source)
    seen: dict[str, ScenarioControl] = {}
    for scenario in scenarios:
        problems += _tag_problems(scenario)
        if scenario.control_id in seen:
            problems.append(f"{scenario.where}: {scenario.control_id} is already the id of the scenario at "
                            f"{seen[scenario.control_id].where}; give each scenario its own control id")
            continue
        seen[scenario.control_id] = scenario
        entry = catalogue.get(scenario.control_id)
        tags = " ".join(f"@{t}" for t in sorted(scenario.framework_tags)) or "none"
        if entry is None:
            problems.append(f"{scenario.where}: control {scenario.control_id} ({scenario.title!r}) is not in the "
                            f"catalogue: add an entry to {catalogue_file} with id, title, rationale and mappings "
                            f"equal to its framework tags ({tags})")
            continue
        missing = sorted(entry.tags() - scenario.framework_tags)
        extra = sorted(scenario.framework_tags - entry.tags())
        if missing or extra:
            problems.append(f"{scenario.where}: {scenario.control_id}: framework tags differ from the catalogue "
                            f"({catalogue_file}:{entry.line}), which is the source of truth: "
                            + "; ".join(part for part in (
                                f"add {' '.join('@' + t for t in missing)}" if missing else "",
                                f"remove {' '.join('@' + t for t in extra)}" if extra else "") if part))
    for entry in catalogue.entries:
        if entry.id not in seen:
            problems.append(f"{catalogue_file}:{entry.line}: control {entry.id} has no scenario in "
                            f"{_display(Path(features_dir))}: tag its scenario @{entry.id}, or remove the entry")
    return problems
