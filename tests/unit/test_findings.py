"""Findings are data: each failed check is a record of the subjects it is about, its message and where it
comes from, which waivers, the reports and SARIF read without parsing the text."""
from __future__ import annotations

from audit.controls import Outcome
from audit.findings import Finding
from audit.report.model import ControlResult, StepResult, Waiver
from audit.waivers import WaiverSet

A, B = "dynamodb table app-a", "dynamodb table app-b"
ORIGIN = {"file": "cloudformation/environment-account.yaml", "line": 12, "logical_id": "Plan"}


def test_a_check_records_its_subject_message_and_origin():
    outcome = Outcome(subjects=[A, B])
    outcome.check(False, "no rule copies it", subject=A, origin=ORIGIN)  # the message names no subject
    outcome.check(False, f"{B}: selected by 0 plans")  # no subject given: the ones its message names
    outcome.check(True, f"{A}: versioned")
    first, second = outcome.findings
    assert (first.subjects, first.message, first.origin) == ((A,), "no rule copies it", ORIGIN)
    assert first.text == "no rule copies it [cloudformation/environment-account.yaml:12 (Plan)]"
    assert second.subjects == (B,) and second.origin == {}
    assert outcome.failures == [first.text, second.text] and not outcome.passed


def test_a_waiver_covers_a_finding_by_its_subject_not_by_its_text():
    outcome = Outcome(subjects=[A, B], fix="copy it")
    outcome.check(False, "no rule copies it", subject=A)
    outcome.check(False, "no rule copies it either", subject=B)
    waivers = WaiverSet([Waiver(control="ISO-01", resource=A, justification="accepted", expires="2026-12-31",
                                source="waivers.yaml:1", state="unused")])
    split = waivers.split("ISO-01", outcome)
    assert [f.subjects for f in split.waived] == [(A,)]
    assert [f.subjects for f in split.kept.findings] == [(B,)]


def test_findings_travel_through_report_json_and_old_reports_still_read():
    finding = Finding(message="no rule copies it", subjects=(A,), origin=ORIGIN)
    result = ControlResult(id="ISO-01", title="t", feature="f.feature", feature_title="", status="failed",
                           subjects=[A], evidence=[], message="m", frameworks=[], steps=[StepResult("Then", "x", "failed")],
                           findings=[finding])
    data = result.to_json()
    assert data["findings"] == [{"text": finding.text, "message": "no rule copies it", "subjects": [A], "origin": ORIGIN}]
    assert ControlResult.from_json(data) == result
    old = Finding.from_json({"text": "a failure", "origin": {}})  # a report.json of before
    assert (old.message, old.subjects, old.waived) == ("a failure", (), False)
