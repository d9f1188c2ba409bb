"""The control catalogue: it loads strictly (every problem named by line), it agrees with the bundled
feature files and the controls declared in audit/controls, and the check that keeps the three in agreement
fails, with a message saying what to add or remove, on every kind of disagreement (made in temporary
feature folders, catalogues and declarations)."""
from __future__ import annotations

from pathlib import Path

import pytest

from audit.catalogue import CATALOGUE_FILE, CatalogueError, load_catalogue
from audit.catalogue.check import check
from audit.catalogue.frameworks import BACKUP_AUDIT_MANAGER_CONTROLS, NIST_CONTROLS
from audit.controls.registry import Check, Control
from tests.support.catalogue import CATALOGUE, write

REPO = Path(__file__).resolve().parents[2]

# A small consistent pair (catalogue, feature) to break one way at a time. Its ids are not the bundled
# ones: the check is about any catalogue and any features.
FEATURE = """\
@sample
Feature: Sample

  @ABC-01
  Scenario: First scenario
    Then something holds

  @ABC-02
  Scenario: Second scenario
    Then something else holds
"""


def _declared(control_id: str, phrase: str) -> Control:
    own = Check(phrase=phrase, function=lambda posture: None, table=None, column=None, fixed=(), fix="do it",
                control_id=control_id)
    return Control(id=control_id, modes=("static", "live"), needs_history=False, severity="high", fix="do it",
                   checks=(own,), module="tests.sample_controls")


# the declarations the sample pair agrees with (the check takes any registry's, not only the bundled one)
DECLARED = {"ABC-01": _declared("ABC-01", "something holds"), "ABC-02": _declared("ABC-02", "something else holds")}
CHECKS = [check for control in DECLARED.values() for check in control.checks]


@pytest.fixture
def pair(tmp_path):
    """(catalogue path, features folder) that agree."""
    return write(tmp_path, "catalogue.yaml", CATALOGUE), write(tmp_path / "features", "sample.feature", FEATURE).parent


def problems_of(catalogue: Path, features: Path, declared: dict | None = None) -> list[str]:
    declared = DECLARED if declared is None else declared
    return check(load_catalogue(catalogue), features, declared, [c for d in declared.values() for c in d.checks])


# --------------------------------------------------------------------------- the bundle


def test_the_bundled_catalogue_agrees_with_the_bundled_features():
    problems = check(load_catalogue(), REPO / "features")
    assert problems == [], "catalogue and features disagree:\n" + "\n".join(problems)


def test_break_glass_controls_are_never_waivable():
    catalogue = load_catalogue()
    glass = [entry for entry in catalogue.entries if entry.id.startswith("BG-")]
    assert glass and all(not entry.waivable and catalogue.why_not_waivable(entry.id) for entry in glass)
    assert catalogue.why_not_waivable("BG-99")  # by prefix, even without an entry


def test_every_mapping_names_a_real_framework_control():
    for entry in load_catalogue().entries:
        assert set(entry.mappings.get("nist", ())) <= set(NIST_CONTROLS), entry.id
        assert set(entry.mappings.get("backup-audit-manager", ())) <= set(BACKUP_AUDIT_MANAGER_CONTROLS), entry.id


# --------------------------------------------------------------------------- the check fails on each disagreement


def test_a_consistent_pair_has_no_problem(pair):
    assert problems_of(*pair) == []


def test_a_feature_control_missing_from_the_catalogue_says_what_to_add(pair):
    catalogue, features = pair
    write(features, "more.feature", """\
        Feature: More
          @XYZ-07
          Scenario: A new control
            Then it holds
        """)
    declared = {**DECLARED, "XYZ-07": _declared("XYZ-07", "it holds")}
    [problem] = problems_of(catalogue, features, declared)
    assert problem.startswith(f"{features / 'more.feature'}:3: control XYZ-07")
    assert "is not in the catalogue: add an entry" in problem


def test_a_catalogue_entry_without_scenario_names_its_line(pair):
    catalogue, features = pair
    (features / "sample.feature").write_text(FEATURE.replace("@ABC-02", "@ABC-03"))
    found = problems_of(catalogue, features)
    assert any(p.startswith(f"{catalogue}:8: control ABC-02 has no scenario") for p in found), found
    assert any("control ABC-03" in p and "not in the catalogue" in p for p in found), found
    assert any("control ABC-03 is not declared: decorate the function" in p for p in found), found
    assert any("control ABC-02 is declared but has no scenario" in p for p in found), found


@pytest.mark.parametrize("tags, expected", [
    ("@nist:CP-9 @nist:CP-6(1)", "ABC-01: remove @nist:CP-6(1) @nist:CP-9: framework mappings are written once"),
    ("@live @needs-history", "ABC-01: remove @live @needs-history: where a control runs"),
    ("@static", "ABC-01: remove @static: where a control runs"),
])
def test_tags_declared_elsewhere_fail_with_what_to_remove(pair, tags, expected):
    """The catalogue owns the mappings and the declaration owns the modes: a feature repeating them (even
    rightly) is a second place to keep in step, and fails."""
    catalogue, features = pair
    (features / "sample.feature").write_text(FEATURE.replace("@ABC-01", f"@ABC-01 {tags}"))
    [problem] = problems_of(catalogue, features)
    assert problem.startswith(f"{features / 'sample.feature'}:5: {expected}")


def test_a_step_no_control_declares_and_a_control_whose_step_is_missing_fail(pair):
    catalogue, features = pair
    (features / "sample.feature").write_text(FEATURE.replace("Then something else holds", "Then nothing holds"))
    found = "\n".join(problems_of(catalogue, features))
    assert "sample.feature:10: ABC-02: no control declares the step 'nothing holds'" in found
    assert "sample.feature:9: ABC-02: the scenario does not use the step its control declares" in found


def test_scenarios_without_or_with_two_control_ids_and_duplicate_ids_fail(pair):
    catalogue, features = pair
    write(features, "bad.feature", """\
        Feature: Bad
          @sample
          Scenario: No id
            Then something holds

          @ABC-01 @ABC-02
          Scenario: Two ids
            Then something holds

          @ABC-01
          Scenario: Same id again
            Then something holds
        """)
    found = "\n".join(problems_of(catalogue, features))
    assert "bad.feature:3: scenario 'No id' has no control id tag" in found
    assert "bad.feature:7: scenario 'Two ids' has several control id tags: ABC-01, ABC-02" in found
    assert "ABC-01 is already the id of the scenario at" in found


def test_a_feature_folder_without_features_is_a_problem(tmp_path, pair):
    assert problems_of(pair[0], tmp_path / "empty") == [f"{tmp_path / 'empty'}: no .feature files"]


# --------------------------------------------------------------------------- the catalogue loads strictly


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace("CP-6(1)", "CP-6(9)"), "catalogue.yaml:6: ABC-01: nist has no control 'CP-6(9)'"),
    (lambda t: t.replace("BACKUP_LAST_RECOVERY_POINT_CREATED", "BACKUP_LAST_RECOVERY_POINT"),
     "catalogue.yaml:7: ABC-01: backup-audit-manager has no control 'BACKUP_LAST_RECOVERY_POINT'"),
    (lambda t: t.replace("      nist: [AC-6]", "      cis: [AC-6]"), "catalogue.yaml:12: ABC-02: unknown framework 'cis'"),
    (lambda t: t.replace("    rationale: why the second\n", ""), "catalogue.yaml:8: ABC-02: rationale is required"),
    (lambda t: t.replace("id: ABC-02", "id: ABC-01"), "catalogue.yaml:8: ABC-01 is already in the catalogue (line 2)"),
    (lambda t: t.replace("id: ABC-02", "id: BG-02"), "catalogue.yaml:8: BG-02: BG-02 is a break-glass control: set waivable: false"),
    (lambda t: t.replace("    title: Second\n", "    title: Second\n    waivable: false\n"),
     "catalogue.yaml:10: ABC-02: a control that is not waivable needs not_waivable_because"),
    (lambda t: t.replace("    title: First\n", "    title: First\n    title: Again\n"),
     "catalogue.yaml:4: not valid YAML: key 'title' appears twice"),
    (lambda t: t.replace("    title: First\n", "    titel: First\n"), "catalogue.yaml:3: ABC-01: unknown field 'titel'"),
])
def test_catalogue_problems_are_named_by_line(tmp_path, edit, expected):
    path = write(tmp_path, "catalogue.yaml", edit(CATALOGUE))
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert any(problem.startswith(f"{tmp_path}/{expected}") for problem in caught.value.problems), caught.value.problems


def test_the_bundled_catalogue_file_is_the_default():
    assert load_catalogue().source == CATALOGUE_FILE and len(load_catalogue().entries) >= 28
