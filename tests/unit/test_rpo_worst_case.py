"""RPO: the worst-case age of the newest recovery point, as numbers.

Worst case = the largest gap between two scheduled starts + the start window + the completion window. When a
rule leaves a window out, AWS Backup's defaults apply: 480 minutes (8 hours) to start and 10,080 minutes
(7 days) to complete (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRule.html,
StartWindowMinutes / CompletionWindowMinutes; the defaults are also stated in the AWS Backup developer guide's
"Creating a backup plan": "Start within: 8 hours ... Complete within: 7 days").

When several rules cover a resource, the newest recovery point is the newest any of them leaves: the best
(smallest) worst case of the rules decides, whatever order the plans list them in.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from audit.controls import rpo
from audit.snapshot import Posture
from tests.support.schedules import fresh_schedule_cache  # noqa: F401 (a fixture)

BACKUP_RULE = "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRule.html"
ENV_ACCOUNT, BACKUP_ACCOUNT = "111111111111", "222222222222"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ENV_ACCOUNT}:table/orders"
TABLE = "dynamodb table orders"
BACKUP_VAULT = f"arn:aws:backup:us-west-2:{BACKUP_ACCOUNT}:backup-vault:Central"
LOCAL_VAULT = f"arn:aws:backup:us-east-1:{ENV_ACCOUNT}:backup-vault:Local"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


pytestmark = pytest.mark.usefixtures("fresh_schedule_cache")


def rule(name: str, expression: str | None, start: int | None = 60, completion: int | None = 120,
         copies: tuple[str | None, ...] = ()) -> dict:
    return {"name": name, "schedule": expression, "timezone": None, "start_window_minutes": start,
            "completion_window_minutes": completion, "copy_actions": [{"destination_vault_arn": v} for v in copies]}


def posture(*rules: dict, points: tuple[dict, ...] = (), selected: bool = True, others: tuple[str, ...] = ()) -> Posture:
    """One protected table, selected by one plan per rule (in the order given); ``others``: more tables,
    listed after it and selected by the same plans."""
    plans = [{"name": f"plan-{r['name']}", "origin": {"file": f"plan-{r['name']}.yaml", "line": i + 1},
              "selections": [{"resources": ([TABLE_ARN] if selected else []) + [arn(o) for o in others], "not_resources": []}],
              "rules": [r]}
             for i, r in enumerate(rules)]
    return Posture({"mode": "static", "taken_at": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "environment": {"environment_account_id": ENV_ACCOUNT, "backup_account_id": BACKUP_ACCOUNT,
                                    "primary_region": "us-east-1", "backup_region": "us-west-2"},
                    "inventory": {"tables": [{"kind": "dynamodb table", "name": n, "arn": arn(n)} for n in ("orders", *others)],
                                  "buckets": []},
                    "plans": plans, "recovery_points": list(points)})


def arn(table: str) -> str:
    return f"arn:aws:dynamodb:us-east-1:{ENV_ACCOUNT}:table/{table}"


DAILY = "cron(0 2 * * ? *)"   # 24 h gap
WEEKLY = "cron(0 2 ? * SUN *)"  # 168 h gap


# -- worst_case_hours: the number ------------------------------------------------------------------------
def test_default_windows_are_aws_backups_8_hours_and_7_days():
    """A rule without windows: 24 h gap + 480 min (8 h) + 10,080 min (168 h) = 200 h (BackupRule defaults)."""
    assert (rpo.DEFAULT_START_WINDOW_MINUTES, rpo.DEFAULT_COMPLETION_WINDOW_MINUTES) == (480, 10_080)
    hours, how = rpo.worst_case_hours(rule("r", DAILY, start=None, completion=None))
    assert hours == 200
    assert how == f"{DAILY}: largest gap 24 h + start window 8 h + completion window 168 h = 200 h"


def test_only_the_missing_window_is_defaulted():
    assert rpo.worst_case_hours(rule("r", DAILY, start=None, completion=120))[0] == 24 + 8 + 2
    assert rpo.worst_case_hours(rule("r", DAILY, start=60, completion=None))[0] == 24 + 1 + 168


def test_worst_case_is_gap_plus_start_window_plus_completion_window():
    hours, how = rpo.worst_case_hours(rule("r", WEEKLY, start=90, completion=30))
    assert hours == 168 + 1.5 + 0.5
    assert how.endswith("largest gap 168 h + start window 1.5 h + completion window 0.5 h = 170 h")


def test_a_rule_without_schedule_runs_at_aws_backups_default_time_daily():
    hours, how = rpo.worst_case_hours(rule("r", None, start=60, completion=60))
    assert hours == 26 and how.startswith("no schedule, so AWS Backup's default cron(0 5 ? * * *)")


def test_an_invalid_schedule_has_no_worst_case_and_says_why():
    hours, how = rpo.worst_case_hours(rule("r", "cron(0 2 * * * *)"))
    assert hours is None
    assert how.startswith("schedule is not valid: cron(0 2 * * * *)") and "day-of-month" in how


def test_a_schedule_that_runs_at_most_once_a_year_has_no_worst_case():
    """29 February comes once in four years: never two runs in the 400-day horizon."""
    hours, how = rpo.worst_case_hours(rule("r", "cron(0 12 29 2 ? *)"))
    assert hours is None and how == "schedule cron(0 12 29 2 ? *) runs at most once a year"


# -- RPO-01 / RPO-02: which rule decides, the limit ------------------------------------------------------
@pytest.mark.parametrize("order", ["daily first", "weekly first"])
def test_the_best_of_two_rules_covering_a_resource_decides(order):
    """Daily (24 + 1 + 2 = 27 h) and weekly (168 + 1 + 2 = 171 h): the newest point is at most 27 h old."""
    rules = [rule("daily", DAILY), rule("weekly", WEEKLY)]
    outcome = rpo.local_recovery_point_age(posture(*(rules if order == "daily first" else rules[::-1])), 24, 3)
    assert outcome.passed, outcome.message
    assert outcome.evidence[-1].startswith(f"ok: {TABLE}: newest recovery point at most 27 h old, limit 24 h + 3 h grace = 27 h")
    assert sum("plan plan-daily rule daily: " in e for e in outcome.evidence) == 1
    assert sum("plan plan-weekly rule weekly: " in e for e in outcome.evidence) == 1


@pytest.mark.parametrize("order", ["invalid first", "invalid last"])
def test_an_invalid_rule_does_not_hide_a_valid_one(order):
    rules = [rule("broken", "cron(bad)"), rule("daily", DAILY)]
    outcome = rpo.local_recovery_point_age(posture(*(rules if order == "invalid first" else rules[::-1])), 24, 3)
    assert outcome.passed, outcome.message
    assert "at most 27 h old" in outcome.evidence[-1]


def test_a_worst_case_exactly_at_the_limit_passes_and_one_hour_over_fails():
    assert rpo.local_recovery_point_age(posture(rule("daily", DAILY)), 24, 3).passed
    outcome = rpo.local_recovery_point_age(posture(rule("daily", DAILY)), 24, 2)
    assert not outcome.passed
    assert outcome.failures[0].startswith(f"{TABLE}: newest recovery point at most 27 h old, limit 24 h + 2 h grace = 26 h")
    assert outcome.findings[0].origin == {"file": "plan-daily.yaml", "line": 1}


def test_only_invalid_rules_leave_the_age_unknown_and_fail():
    outcome = rpo.local_recovery_point_age(posture(rule("broken", "cron(bad)")), 10_000, 0)
    assert not outcome.passed and "at most unknown h old" in outcome.failures[0]


def test_a_resource_no_plan_selects_fails():
    outcome = rpo.local_recovery_point_age(posture(rule("daily", DAILY), selected=False), 24, 3)
    assert outcome.subjects == [TABLE] and not outcome.passed
    assert outcome.failures[0].startswith(f"{TABLE}: selected by no backup plan, so it has no recovery point at all")


def test_a_resource_without_rules_does_not_stop_the_check_of_the_next():
    outcome = rpo.local_recovery_point_age(posture(rule("weekly", WEEKLY), selected=False, others=("invoices",)), 24, 3)
    assert outcome.subjects == [TABLE, "dynamodb table invoices"]
    assert [f.split(":")[0] for f in outcome.failures] == [TABLE, "dynamodb table invoices"]
    assert "newest recovery point at most 171 h old" in outcome.failures[1]


def test_copies_count_only_rules_that_copy_into_the_backup_account():
    """The daily rule copies to the environment's own account (or nowhere): only the weekly one reaches the
    backup account, so the copy is at most 171 h old."""
    rules = (rule("daily", DAILY, copies=(LOCAL_VAULT, None)), rule("weekly", WEEKLY, copies=(BACKUP_VAULT,)))
    assert rpo.cross_account_copy_age(posture(*rules), 171, 0).passed
    outcome = rpo.cross_account_copy_age(posture(*rules), 170, 0)
    assert not outcome.passed and "newest copy at most 171 h old" in outcome.failures[0]
    assert rpo.local_recovery_point_age(posture(*rules), 27, 0).passed  # locally the daily rule decides


def test_no_rule_copying_to_the_backup_account_fails_copies():
    outcome = rpo.cross_account_copy_age(posture(rule("daily", DAILY, copies=(LOCAL_VAULT,))), 1_000, 0)
    assert not outcome.passed
    assert outcome.failures[0].startswith(f"{TABLE}: copied to the backup account by no rule")


# -- RPO-03 / RPO-04: the newest completed point of the live account -------------------------------------
def point(kind: str, hours_ago: float, status: str = "COMPLETED", arn: str = TABLE_ARN) -> dict:
    return {"resource_arn": arn, "kind": kind, "status": status, "vault_arn": LOCAL_VAULT if kind == "source" else BACKUP_VAULT,
            "creation_date": (NOW - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_the_newest_completed_point_decides_its_age():
    points = (point("source", 40), point("source", 5), point("source", 1, status="PARTIAL"), point("copy", 2),
              point("source", 0.5, arn="arn:aws:dynamodb:us-east-1:111111111111:table/other"))
    outcome = rpo.newest_recovery_point_age(posture(rule("daily", DAILY), points=points), 4, 0, kind="source")
    assert not outcome.passed
    assert f"{TABLE}: newest recovery point in {LOCAL_VAULT}: " in outcome.failures[0]
    assert outcome.failures[0].endswith("5 h old, limit 4 h")
    assert rpo.newest_recovery_point_age(posture(rule("daily", DAILY), points=points), 4, 1, kind="source").passed


def test_a_copy_exactly_at_the_limit_passes():
    outcome = rpo.newest_recovery_point_age(posture(rule("daily", DAILY), points=(point("copy", 26),)), 24, 2, kind="copy")
    assert outcome.passed and outcome.evidence == [f"ok: {TABLE}: newest copy in {BACKUP_VAULT}: "
                                                   f"{(NOW - timedelta(hours=26)).strftime('%Y-%m-%dT%H:%M:%SZ')}, 26 h old, limit 26 h"]


def test_no_completed_copy_in_the_backup_account_fails():
    outcome = rpo.newest_recovery_point_age(posture(rule("daily", DAILY), points=(point("source", 1),)), 24, 2, kind="copy")
    assert outcome.failures == [f"{TABLE}: no completed copy in the backup account"]


def test_the_age_is_measured_to_the_second():
    """One second over RPO + grace fails: the age is in hours of 3,600 seconds, not rounded."""
    stamp = (NOW - timedelta(hours=26, seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    points = ({**point("copy", 0), "creation_date": stamp},)
    assert not rpo.newest_recovery_point_age(posture(rule("daily", DAILY), points=points), 24, 2, kind="copy").passed


def test_a_resource_without_a_point_does_not_stop_the_check_of_the_next():
    points = (point("source", 30, arn=arn("invoices")),)
    outcome = rpo.newest_recovery_point_age(posture(rule("daily", DAILY), points=points, others=("invoices",)), 24, 0,
                                            kind="source")
    assert outcome.subjects == [TABLE, "dynamodb table invoices"]
    assert outcome.failures[0] == f"{TABLE}: no completed recovery point in the environment account"
    assert outcome.failures[1].startswith("dynamodb table invoices: newest recovery point in") and "30 h old" in outcome.failures[1]


@pytest.mark.parametrize("control_id,markers", [("RPO-01", []), ("RPO-02", []), ("RPO-03", ["live", "needs-history"]),
                                                ("RPO-04", ["live", "needs-history"])])
def test_only_the_live_age_checks_need_a_day_of_history(control_id, markers):
    """RPO-03/04 read recovery points, which a fresh account does not have yet (they fail on it): they are
    declared live and needing history, so ``--tags "not needs-history"`` skips them; RPO-01/02 read the plans."""
    from audit.controls import registry

    fresh = posture(rule("daily", DAILY))
    if markers:
        kind = "source" if control_id == "RPO-03" else "copy"
        assert not rpo.newest_recovery_point_age(fresh, 24, 2, kind=kind).passed
    else:
        check = rpo.local_recovery_point_age if control_id == "RPO-01" else rpo.cross_account_copy_age
        assert check(fresh, 24, 3).subjects == [TABLE]
    assert registry.get(control_id).markers() == markers
