"""Break-glass: decisions of principals x actions on the SSN vaults and keys, before and after the
documented break-glass change (``audit.break_glass``), and whether a break-glass is open now (its record
in the resources' tags, or its statements in their policies)."""
from __future__ import annotations

from audit import break_glass
from audit.controls import Outcome
from audit.controls.access import decide, principal, side_of_target, target
from audit.controls.registry import LIVE, check, control, declare
from audit.snapshot import Posture


def _roles(posture: Posture) -> break_glass.Roles:
    env = posture.env
    return break_glass.roles(env["environment_account_id"], env["backup_account_id"], env["break_glass_role_name"])


def _decision_check(outcome: Outcome, posture: Posture, who_label: str, action: str, where_label: str,
                    expected: str, *, opened: bool) -> None:
    """Records, in ``outcome``, whether ``who`` is ``expected`` to do ``action`` on ``where``."""
    where = target(posture, where_label)
    subject = f"{where_label} ({where.arn or 'missing'})"
    outcome.subject(subject)
    if not where.found:
        outcome.check(False, f"{where_label}: not found in the {posture.mode} posture")
        return
    who = principal(posture, who_label, side_of_target(where_label))
    if opened:
        where.policy = break_glass.opened(where_label, where.policy, _roles(posture), posture.region(side_of_target(where_label)))
    decision = decide(who, action, where)
    actual = "allowed" if decision.allowed else ("explicitly denied" if decision.kind == "ExplicitDeny" else "denied")
    # "denied" accepts either kind of deny; "explicitly denied" demands a DENY statement, which no later
    # Allow can open.
    ok = actual == expected or (expected == "denied" and actual == "explicitly denied")
    outcome.check(ok, f"{who_label} ({who.arn}) {action} on {where_label}: {actual} ({decision.reason}), expected {expected}")


@check("each principal below is (?P<expected>allowed|denied|explicitly denied) the action on the target")
@check("after the documented break-glass statements are applied, each principal below is "
       "(?P<expected>allowed|denied|explicitly denied) the action on the target",
       opened=True)
def access_decisions(posture: Posture, table: list[dict[str, str]], expected: str, *, opened: bool = False) -> Outcome:
    """Every row (principal, action, target) of a feature's table must get the ``expected`` decision;
    with ``opened`` the documented break-glass change is applied to the target's policy first."""
    fix = ("the break-glass statements must open restore and decrypt to the break-glass role alone" if opened
           else "restore the SSN DENY statements and exemptions of docs/break-glass-design.md")
    outcome = Outcome(fix=fix)
    for row in table:
        _decision_check(outcome, posture, row["principal"], row["action"], row["target"], expected, opened=opened)
    return outcome


# BG-01, BG-02 and BG-03 are tables of access decisions: their scenarios use the reusable steps above
declare("BG-01", severity="critical", module=__name__,
        fix="restore the SSN DENY statements and exemptions of docs/break-glass-design.md")
declare("BG-02", severity="critical", module=__name__,
        fix="restore the SSN DENY statements and exemptions of docs/break-glass-design.md")
declare("BG-03", severity="critical", module=__name__,
        fix="restore the SSN DENY statements and exemptions of docs/break-glass-design.md; the break-glass "
            "statements must open restore and decrypt to the break-glass role alone")


@control("BG-04", "no break-glass is open on the SSN vaults and keys",
         severity="critical", modes=LIVE,
         fix="close it when the restore is done: scripts/break-glass.sh close --env ENV "
             "(docs/runbooks/break-glass.md); statements without a record: investigate in CloudTrail, then close")
def no_break_glass_open(posture: Posture) -> Outcome:
    """Every SSN vault and key is closed: no break-glass record in its tags and none of the break-glass
    statements in its policy. A record names the ticket and since when; statements without a record are a
    change outside the runbook and fail as well."""
    outcome = Outcome()
    role_of = _roles(posture)
    for label in break_glass.RESOURCES:
        where = target(posture, label)
        outcome.subject(f"{label} ({where.arn or 'missing'})")
        if not where.found:
            outcome.check(False, f"{label}: not found in the {posture.mode} posture")
            continue
        item = posture.key_by_arn(where.arn) if where.kind == "kms_key" else posture.vault_by_arn(where.arn)
        tags = (item or {}).get("break_glass_tags", {})
        origin = (item or {}).get("origin")
        if tags is None:
            outcome.check(False, f"{label} {where.arn}: its tags could not be read, so an open break-glass cannot be ruled out",
                          origin=origin)
            continue
        change = break_glass.change(label, role_of, posture.region(break_glass.SIDE[label]))
        state = break_glass.state(label, where.policy, tags, change)
        if state.status == break_glass.CLOSED:
            outcome.check(True, f"{label} {where.arn}: closed (no break-glass record, none of its statements)", origin=origin)
            continue
        detail = f"{label} {where.arn}: {state.describe()}"
        if state.record:
            detail += f", opened by {break_glass.anonymised(state.record.opened_by) or '(unknown)'}"
        outcome.check(False, detail, origin=origin)
    return outcome
