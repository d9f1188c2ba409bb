"""The control catalogue: it loads strictly (every problem named by line), it agrees with the bundled
feature files, and the check that keeps it in agreement fails, with a message saying what to add, on
every kind of disagreement (made in temporary feature folders and catalogues)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from audit.catalogue import CATALOGUE_FILE, CatalogueError, load_catalogue
from audit.catalogue_check import check
from audit.catalogue_frameworks import BACKUP_AUDIT_MANAGER_CONTROLS, NIST_CONTROLS

REPO = Path(__file__).resolve().parents[2]

# A small consistent pair (catalogue, feature) to break one way at a time. Its ids are not the bundled
# ones: the check is about any catalogue and any features.
CATALOGUE = """\
controls:
  - id: ABC-01
    title: First
    rationale: why the first
    mappings:
      nist: [CP-9, CP-6(1)]
      backup-audit-manager: [BACKUP_LAST_RECOVERY_POINT_CREATED]
  - id: ABC-02
    title: Second
    rationale: why the second
    mappings:
      nist: [AC-6]
"""
FEATURE = """\
@sample
Feature: Sample

  @ABC-01 @nist:CP-9 @nist:CP-6(1) @backup-audit-manager:BACKUP_LAST_RECOVERY_POINT_CREATED
  Scenario: First scenario
    Then something holds

  @ABC-02 @nist:AC-6
  Scenario: Second scenario
    Then something else holds
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def pair(tmp_path):
    """(catalogue path, features folder) that agree."""
    return write(tmp_path, "catalogue.yaml", CATALOGUE), write(tmp_path / "features", "sample.feature", FEATURE).parent


def problems_of(catalogue: Path, features: Path) -> list[str]:
    return check(load_catalogue(catalogue), features)


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
          @XYZ-07 @nist:SC-28
          Scenario: A new control
            Then it holds
        """)
    [problem] = problems_of(catalogue, features)
    assert problem.startswith(f"{features / 'more.feature'}:3: control XYZ-07")
    assert "is not in the catalogue: add an entry" in problem and "@nist:SC-28" in problem


def test_a_catalogue_entry_without_scenario_names_its_line(pair):
    catalogue, features = pair
    (features / "sample.feature").write_text(FEATURE.replace("@ABC-02 @nist:AC-6", "@nist:AC-6 @ABC-03"))
    found = problems_of(catalogue, features)
    assert any(p.startswith(f"{catalogue}:8: control ABC-02 has no scenario") for p in found), found
    assert any("control ABC-03" in p and "not in the catalogue" in p for p in found), found


def test_framework_tags_differing_from_the_catalogue_fail_with_what_to_add_and_remove(pair):
    catalogue, features = pair
    (features / "sample.feature").write_text(FEATURE.replace("@nist:CP-6(1) ", "@nist:CP-9(8) "))
    [problem] = problems_of(catalogue, features)
    assert problem.startswith(f"{features / 'sample.feature'}:5: ABC-01: framework tags differ from the catalogue")
    assert "add @nist:CP-6(1)" in problem and "remove @nist:CP-9(8)" in problem


def test_scenarios_without_or_with_two_control_ids_and_duplicate_ids_fail(pair):
    catalogue, features = pair
    write(features, "bad.feature", """\
        Feature: Bad
          @nist:CP-9
          Scenario: No id
            Then it holds

          @ABC-01 @ABC-02
          Scenario: Two ids
            Then it holds

          @ABC-01 @nist:CP-9 @nist:CP-6(1) @backup-audit-manager:BACKUP_LAST_RECOVERY_POINT_CREATED
          Scenario: Same id again
            Then it holds
        """)
    found = "\n".join(problems_of(catalogue, features))
    assert "bad.feature:3: scenario 'No id' has no control id tag" in found
    assert "bad.feature:7: scenario 'Two ids' has several control id tags: ABC-01, ABC-02" in found
    assert "ABC-01 is already the id of the scenario at" in found


def test_tags_naming_unknown_framework_controls_fail(pair):
    catalogue, features = pair
    (features / "sample.feature").write_text(FEATURE.replace("@nist:AC-6", "@nist:AC-6 @nist:XX-99 @iso:A.8.13"))
    found = "\n".join(problems_of(catalogue, features))
    assert "tag @nist:XX-99: NIST SP 800-53 rev. 5 has no control 'XX-99'" in found
    assert "tag @iso:A.8.13 names an unknown framework 'iso'" in found


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
