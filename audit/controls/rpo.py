"""RPO: how old can the newest recovery point of a protected resource get, locally and in the backup
account. Worst case = largest gap between scheduled starts (evaluated over a year with an AWS-cron
library) + start window + completion window: a recovery point is dated at its job's start, and a job may
start as late as the end of its start window and finish as late as the end of its completion window."""
from __future__ import annotations

from typing import Any

from audit import schedule
from audit.controls import Outcome
from audit.controls.common import describe, parse_time, protected_with_rules, rule_label, taken_at
from audit.controls.registry import LIVE, control
from audit.snapshot import Posture

# AWS Backup's defaults when a rule leaves the windows out.
DEFAULT_START_WINDOW_MINUTES = 480
DEFAULT_COMPLETION_WINDOW_MINUTES = 10080


def worst_case_hours(rule: dict[str, Any]) -> tuple[float | None, str]:
    """Worst-case age in hours of the newest recovery point a rule leaves, and how it was computed."""
    try:
        analysis = schedule.analyse(rule["schedule"], timezone=rule.get("timezone"),
                                    default=schedule.BACKUP_RULE_DEFAULT_SCHEDULE)
    except schedule.ScheduleError as exc:
        return None, f"schedule is not valid: {exc}"
    gap = analysis.max_gap_hours  # None exactly when max_gap is
    if gap is None:
        return None, f"schedule {analysis.described} runs at most once a year"
    start = (rule.get("start_window_minutes") or DEFAULT_START_WINDOW_MINUTES) / 60
    completion = (rule.get("completion_window_minutes") or DEFAULT_COMPLETION_WINDOW_MINUTES) / 60
    total = gap + start + completion
    return total, (f"{analysis.described}: largest gap {gap:g} h + start window {start:g} h + "
                   f"completion window {completion:g} h = {total:g} h")


def _age_check(posture: Posture, rpo_hours: int, grace_hours: int, *, copies: bool) -> Outcome:
    outcome = Outcome()
    limit = rpo_hours + grace_hours
    backup_account = posture.account("backup")
    for resource, rules in protected_with_rules(posture):
        name = describe(resource)
        outcome.subject(name)
        if copies:
            rules = [(p, r) for p, r in rules if any(
                (c["destination_vault_arn"] or "").split(":")[4:5] == [backup_account] for c in r["copy_actions"])]
        if not rules:
            where = "copied to the backup account by no rule" if copies else "selected by no backup plan"
            outcome.check(False, f"{name}: {where}, so it has no recovery point at all")
            continue
        best = None
        for plan, rule in rules:
            hours, how = worst_case_hours(rule)
            outcome.evidence.append(f"{name}, {rule_label(plan, rule)}: {how}")
            if hours is not None and (best is None or hours < best):
                best = hours
        outcome.check(best is not None and best <= limit, origin=rules[0][0].get("origin"), evidence=(
                      f"{name}: newest {'copy' if copies else 'recovery point'} at most "
                      f"{'unknown' if best is None else f'{best:g}'} h old, limit {rpo_hours} h + {grace_hours} h grace = {limit} h"))
    return outcome


@control("RPO-01", "the newest recovery point of every protected resource is at most {rpo_hours:d} hours old plus "
         "{grace_hours:d} hours of grace",
         severity="high",
         fix="schedule a rule at least daily with windows that fit the grace")
def local_recovery_point_age(posture: Posture, rpo_hours: int, grace_hours: int) -> Outcome:
    return _age_check(posture, rpo_hours, grace_hours, copies=False)


@control("RPO-02", "the newest copy in the backup account of every protected resource is at most {rpo_hours:d} "
         "hours old plus {grace_hours:d} hours of grace",
         severity="high",
         fix="schedule a rule at least daily with windows that fit the grace, with a copy action to the backup "
             "account")
def cross_account_copy_age(posture: Posture, rpo_hours: int, grace_hours: int) -> Outcome:
    return _age_check(posture, rpo_hours, grace_hours, copies=True)


@control("RPO-03", "the newest completed recovery point of every protected resource in the environment account is "
         "at most {rpo_hours:d} hours old plus {grace_hours:d} hours of grace",
         severity="high", modes=LIVE, history=True, kind="source",
         fix="find why the backup or copy jobs stopped (job runner, role, vault or key policy) and run one")
@control("RPO-04", "the newest completed copy of every protected resource in the backup account is at most "
         "{rpo_hours:d} hours old plus {grace_hours:d} hours of grace",
         severity="high", modes=LIVE, history=True, kind="copy",
         fix="find why the backup or copy jobs stopped (job runner, role, vault or key policy) and run one")
def newest_recovery_point_age(posture: Posture, rpo_hours: int, grace_hours: int, *, kind: str) -> Outcome:
    """Live: the newest COMPLETED recovery point (``kind`` "source", in the environment account) or copy
    (``kind`` "copy", in the backup account) of every protected resource is younger than RPO + grace."""
    outcome = Outcome()
    limit = rpo_hours + grace_hours
    now = taken_at(posture)
    where = "environment account" if kind == "source" else "backup account"
    for resource in posture.protected():
        name = describe(resource)
        outcome.subject(name)
        points = [p for p in posture.data["recovery_points"] if p["resource_arn"] == resource["arn"]
                  and p["kind"] == kind and p.get("status") == "COMPLETED"]
        if not points:
            outcome.check(False, f"{name}: no completed {'recovery point' if kind == 'source' else 'copy'} in the {where}")
            continue
        newest = max(points, key=lambda p: parse_time(p["creation_date"]))
        age = (now - parse_time(newest["creation_date"])).total_seconds() / 3600
        outcome.check(age <= limit, f"{name}: newest {'recovery point' if kind == 'source' else 'copy'} in {newest['vault_arn']}: "
                      f"{newest['creation_date']}, {age:.0f} h old, limit {limit} h")
    return outcome
