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


def access_decisions(posture: Posture, table: list[dict[str, str]], expected: str, *, opened: bool = False) -> Outcome:
    """Every row (principal, action, target) of a feature's table must get the ``expected`` decision;
    with ``opened`` the documented break-glass change is applied to the target's policy first."""
    fix = ("the break-glass statements must open restore and decrypt to the break-glass role alone" if opened
           else "restore the SSN DENY statements and exemptions of docs/break-glass-design.md")
    outcome = Outcome(fix=fix)
    for row in table:
        _decision_check(outcome, posture, row["principal"], row["action"], row["target"], expected, opened=opened)
    return outcome
