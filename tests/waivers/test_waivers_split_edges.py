"""The edges of applying waivers (``WaiverSet.split``), as audit/waivers.py states them: "A control that
found nothing to check ("no subject found") is never covered: absence is never accepted. Passing checks
are never touched." Even a waiver with resource ``all`` covers neither; and an audit run without waivers
is told apart from one with waivers that covered nothing.
"""
from __future__ import annotations

from audit.controls import Outcome
from audit.report.model import Waiver
from audit.waivers import WaiverSet

TABLE = "dynamodb table app-a"


def waiver(resource: str = "all", control: str = "COV-01", line: int = 1) -> Waiver:
    return Waiver(control=control, resource=resource, justification="accepted", expires="2026-12-31",
                  source=f"waivers.yaml:{line}")


def test_a_control_that_found_nothing_and_said_so_is_not_covered_even_by_all():
    """No subject, one explicit failure (a finding about no subject, which ``all`` covers when there are
    subjects): the failure stays, the waiver stays unused."""
    nothing = Outcome(fix="deploy the backup plan")
    nothing.fail("no backup plan found in the account")
    waivers = WaiverSet([waiver("all")])
    split = waivers.split("COV-01", nothing)
    assert split.kept is nothing and split.waived == [] and split.waivers == []
    assert split.kept.failures == ["no backup plan found in the account"] and not split.kept.passed
    assert [w.state for w in waivers.report()] == ["unused"]


def test_the_same_failure_about_no_subject_is_covered_by_all_once_the_control_has_subjects():
    """The contrast of the test above: what differs is only that the control found something to check."""
    found = Outcome(subjects=[TABLE], fix="deploy the backup plan")
    found.fail("no backup plan found in the account")
    split = WaiverSet([waiver("all")]).split("COV-01", found)
    assert split.kept.passed and [f.text for f in split.waived] == ["no backup plan found in the account"]


def test_a_passing_outcome_with_a_waiver_for_its_subject_is_returned_unchanged():
    passing = Outcome(subjects=[TABLE], evidence=[f"ok: {TABLE} is selected"])
    waivers = WaiverSet([waiver(TABLE), waiver("all", line=2)])
    split = waivers.split("COV-01", passing)
    assert split.kept is passing and split.waived == [] and split.waivers == []
    assert [w.state for w in waivers.report()] == ["unused", "unused"]


def test_one_waiver_covering_several_failures_is_listed_once():
    failing = Outcome(subjects=[TABLE])
    failing.check(False, f"{TABLE}: selected by 0 plans")
    failing.check(False, f"{TABLE}: no copy rule")
    split = WaiverSet([waiver(TABLE)]).split("COV-01", failing)
    assert len(split.waived) == 2 and [w.source for w in split.waivers] == ["waivers.yaml:1"]
    assert split.kept.passed and split.kept.subjects == [TABLE] and split.kept.evidence == failing.evidence


def test_a_waiver_set_is_false_without_waivers_and_true_with_any():
    assert not WaiverSet() and not WaiverSet([]) and not WaiverSet(None)
    assert WaiverSet([waiver()])
    assert WaiverSet([Waiver(control="COV-01", resource="all", justification="x", expires="2020-01-01", state="expired")])
