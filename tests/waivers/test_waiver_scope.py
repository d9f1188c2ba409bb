"""What a waiver covers: only the failures that name its resource (and no other), of its own control,
while it is unexpired; never a passing check, never a control that found nothing to check."""
from __future__ import annotations

from audit.controls import Outcome
from audit.findings import named_subjects
from audit.report.model import Waiver
from audit.waivers import WaiverSet

A, A_HISTORY, B = "dynamodb table app-a", "dynamodb table app-a-history", "dynamodb table app-b"


def waiver(resource: str, control: str = "COV-01", state: str = "unused", line: int = 1) -> Waiver:
    return Waiver(control=control, resource=resource, justification="accepted", expires="2026-12-31",
                  source=f"waivers.yaml:{line}", state=state)


def outcome(*failures: str) -> Outcome:
    """An outcome of three subjects with these failed checks (each finding about the subjects it names)."""
    result = Outcome(subjects=[A, A_HISTORY, B], fix="select it")
    for failure in failures:
        result.check(False, failure)
    return result


def test_a_failure_names_whole_subjects_only():
    assert named_subjects(f"{A}: selected by 0 plans", [A, A_HISTORY, B]) == [A]
    assert named_subjects(f"{A_HISTORY}: selected by 0 plans", [A, A_HISTORY, B]) == [A_HISTORY]
    assert named_subjects(f"{A}.backup is not {B}", [A, B]) == [B]
    assert named_subjects(f"plan P selects {A} and {B} twice", [A, B]) == [A, B]
    assert named_subjects("no protected resource of category x", [A, B]) == []


def test_a_waiver_for_one_table_never_hides_a_failure_on_another():
    waivers = WaiverSet([waiver(A)])
    split = waivers.split("COV-01", outcome(f"{A}: selected by 0 plans", f"{A_HISTORY}: selected by 0 plans",
                                            f"{B}: selected by 0 plans", f"plan P selects {A} and {B}"))
    assert [f.text for f in split.waived] == [f"{A}: selected by 0 plans"] and split.waived[0].subjects == (A,)
    assert split.kept.failures == [f"{A_HISTORY}: selected by 0 plans", f"{B}: selected by 0 plans", f"plan P selects {A} and {B}"]
    assert split.kept.message == "; ".join(split.kept.failures) + ". Fix: select it"
    assert [w.state for w in waivers.report()] == ["applied"]


def test_a_failure_naming_two_resources_needs_both_waived():
    split = WaiverSet([waiver(A), waiver(B, line=2)]).split("COV-01", outcome(f"plan P selects {A} and {B}"))
    assert [f.text for f in split.waived] == [f"plan P selects {A} and {B}"] and split.kept.passed
    assert [w.source for w in split.waivers] == ["waivers.yaml:1", "waivers.yaml:2"]


def test_all_covers_every_failure_of_its_control_even_one_naming_no_subject():
    split = WaiverSet([waiver("all")]).split("COV-01", outcome(f"{B}: missing", "no protected resource of category x"))
    assert split.kept.passed and len(split.waived) == 2


def test_a_failure_naming_no_subject_is_not_covered_by_a_resource_waiver():
    split = WaiverSet([waiver(A)]).split("COV-01", outcome("no protected resource of category x"))
    assert split.waived == [] and split.kept.failures == ["no protected resource of category x"]


def test_waivers_of_another_control_or_expired_ones_cover_nothing():
    for waivers in (WaiverSet([waiver("all", control="COV-02")]), WaiverSet([waiver("all", state="expired")])):
        failing = outcome(f"{A}: missing")
        split = waivers.split("COV-01", failing)
        assert split.kept is failing and split.waived == []
        assert all(w.state != "applied" for w in waivers.report())


def test_a_passing_outcome_is_never_touched_and_leaves_the_waiver_unused():
    waivers = WaiverSet([waiver("all")])
    passing = Outcome(subjects=[A], evidence=["ok: fine"])
    assert waivers.split("COV-01", passing).kept is passing
    assert [w.state for w in waivers.report()] == ["unused"]


def test_a_control_that_found_nothing_to_check_is_never_waived():
    nothing = Outcome(fix="add the resource")
    split = WaiverSet([waiver("all")]).split("COV-01", nothing)
    assert split.kept is nothing and not split.kept.passed and split.waived == []
