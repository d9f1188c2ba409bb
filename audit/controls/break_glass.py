"""Break-glass: decisions of principals x actions on the SSN vaults and keys, before and after the
documented break-glass change (``audit.break_glass``)."""
from __future__ import annotations

from audit import break_glass
from audit.controls import Outcome
from audit.controls.access import decide, principal, side_of_target, target
from audit.snapshot import Posture


def _decision_check(outcome: Outcome, posture: Posture, who_label: str, action: str, where_label: str,
                    expected: str, *, opened: bool) -> Outcome:
    where = target(posture, where_label)
    subject = f"{where_label} ({where.arn or 'missing'})"
    outcome.subject(subject)
    if not where.found:
        outcome.check(False, f"{where_label}: not found in the {posture.mode} posture")
        return outcome
    who = principal(posture, who_label, side_of_target(where_label))
    if opened:
        role = principal(posture, "the break-glass role", side_of_target(where_label)).arn
        where.policy = (break_glass.open_key_policy if where.kind == "kms_key" else break_glass.open_vault_policy)(where.policy, role)
    decision = decide(who, action, where)
    actual = "allowed" if decision.allowed else ("explicitly denied" if decision.kind == "ExplicitDeny" else "denied")
    # "denied" accepts either kind of deny; "explicitly denied" demands a DENY statement, which no later
    # Allow can open.
    ok = actual == expected or (expected == "denied" and actual == "explicitly denied")
    outcome.check(ok, f"{who_label} ({who.arn}) {action} on {where_label}: {actual} ({decision.reason}), expected {expected}")
    return outcome


def access_decision(posture: Posture, who: str, action: str, where: str, expected: str) -> Outcome:
    outcome = Outcome(fix="restore the SSN DENY statements and exemptions of docs/break-glass-design.md")
    return _decision_check(outcome, posture, who, action, where, expected, opened=False)


def access_decision_after_break_glass(posture: Posture, who: str, action: str, where: str, expected: str) -> Outcome:
    outcome = Outcome(fix="the break-glass statements must open restore and decrypt to the break-glass role alone")
    return _decision_check(outcome, posture, who, action, where, expected, opened=True)
