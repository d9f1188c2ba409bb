"""RPO-01..04 on snapshot fixtures: the healthy example passes; a slow schedule, a wide window, a missing
selection or copy action (static) and a stale, missing or unfinished recovery point (live) each fail, naming
the resource."""
from __future__ import annotations

from datetime import timedelta

from tests.controls.support import ABSENT, NOW, Case, emptied, family_tests, iso, rule_of

PROVIDER = "dynamodb table compact-connect-example-provider"
PROVIDER_ARN = "arn:aws:dynamodb:us-east-1:111111111111:table/compact-connect-example-provider"


def critical_rule(snapshot: dict) -> dict:
    return rule_of(snapshot, "critical_data")


def set_rule(**fields):
    return lambda snapshot: critical_rule(snapshot).update(fields)


def unselect_provider(snapshot: dict) -> None:
    for plan in snapshot["plans"]:
        for selection in plan["selections"]:
            selection["resources"] = [r for r in selection["resources"] if r != PROVIDER_ARN]


def copy_to_environment_account(snapshot: dict) -> None:
    for action in critical_rule(snapshot)["copy_actions"]:
        action["destination_vault_arn"] = "arn:aws:backup:us-east-1:111111111111:backup-vault:CompactConnectBackupVault"


def provider_points(kind: str, **fields):
    def mutate(snapshot: dict) -> None:
        for point in snapshot["recovery_points"]:
            if point["resource_arn"] == PROVIDER_ARN and point["kind"] == kind:
                point.update(fields)
    return mutate


def drop_provider_points(kind: str):
    def mutate(snapshot: dict) -> None:
        snapshot["recovery_points"] = [p for p in snapshot["recovery_points"]
                                       if not (p["resource_arn"] == PROVIDER_ARN and p["kind"] == kind)]
    return mutate


NO_PROTECTED = emptied("inventory.tables", "inventory.buckets")
TWO_DAYS_AGO = iso(NOW - timedelta(days=2))

CASES = {
    "RPO-01": [
        Case("weekly schedule", set_rule(schedule="cron(0 2 ? * SUN *)"), f"{PROVIDER}: newest recovery point at most"),
        Case("default 7-day completion window", set_rule(completion_window_minutes=None), f"{PROVIDER}: newest recovery point"),
        Case("invalid schedule", set_rule(schedule="cron(not a schedule)"), "at most unknown h old"),
        Case("resource selected by no plan", unselect_provider, f"{PROVIDER}: selected by no backup plan"),
        Case("no protected resource", NO_PROTECTED, ABSENT),
    ],
    "RPO-02": [
        Case("no copy action", set_rule(copy_actions=[]), f"{PROVIDER}: copied to the backup account by no rule"),
        Case("copy into the environment account", copy_to_environment_account, "copied to the backup account by no rule"),
        Case("weekly schedule", set_rule(schedule="cron(0 2 ? * SUN *)"), f"{PROVIDER}: newest copy at most"),
        Case("no protected resource", NO_PROTECTED, ABSENT),
    ],
    "RPO-03": [
        Case("stale recovery point", provider_points("source", creation_date=TWO_DAYS_AGO), f"{PROVIDER}: newest recovery point in"),
        Case("partial job", provider_points("source", status="PARTIAL"), f"{PROVIDER}: no completed recovery point"),
        Case("no recovery point", drop_provider_points("source"), f"{PROVIDER}: no completed recovery point in the environment account"),
        Case("no protected resource", NO_PROTECTED, ABSENT),
    ],
    "RPO-04": [
        Case("stale copy", provider_points("copy", creation_date=TWO_DAYS_AGO), f"{PROVIDER}: newest copy in"),
        Case("partial copy", provider_points("copy", status="PARTIAL"), f"{PROVIDER}: no completed copy"),
        Case("copy never arrived", drop_provider_points("copy"), f"{PROVIDER}: no completed copy in the backup account"),
        Case("no protected resource", NO_PROTECTED, ABSENT),
    ],
}

test_healthy_passes, test_each_violation_fails = family_tests(CASES)
