"""Restore: recovery is proven, not assumed (features/restore.feature).

RES-01: every inventory table has DynamoDB point-in-time recovery on, with exactly the window its
category configures (``backup_policies.<category>.point_in_time_recovery_days``). Point-in-time recovery
restores a table to any second of the window (up to about five minutes ago), so a bad write or deletion
between two daily backups can be undone; a shorter window than configured loses that reach, a longer one
keeps deleted data (SSNs included) restorable longer than the configuration promises. The same check
runs on the templates and on the accounts; a table whose setting cannot be read fails, naming it.
"""
from __future__ import annotations

from audit.controls import Outcome
from audit.controls.registry import control
from audit.snapshot import Posture, describe


@control("RES-01", "every inventory table has point-in-time recovery on with exactly the window its category "
         "configures",
         severity="high",
         fix="enable PointInTimeRecoverySpecification on the table with RecoveryPeriodInDays equal to its "
             "category's point_in_time_recovery_days (UpdateContinuousBackups on a live table)")
def point_in_time_recovery(posture: Posture) -> Outcome:
    outcome = Outcome()
    for item in posture.data["inventory"]["tables"]:
        name = describe(item)
        outcome.subject(name)
        configured = item.get("point_in_time_recovery_days")
        if configured is None:
            outcome.check(False, f"{name}: category {item.get('category')} configures no point-in-time recovery window")
            continue
        table = posture.table(item["arn"])
        if table is None:
            outcome.check(False, f"{name}: not found in the {posture.mode} posture")
            continue
        origin = table.get("origin")
        if table.get("pitr") is None:
            outcome.check(False, f"{name}: point-in-time recovery could not be read (dynamodb:DescribeContinuousBackups)",
                          origin=origin)
            continue
        if table["pitr"] is not True:
            outcome.check(False, f"{name}: point-in-time recovery OFF, configured {configured} days", origin=origin)
            continue
        actual = table.get("pitr_recovery_period_days")
        if actual is None:
            outcome.check(False, f"{name}: point-in-time recovery on, window unknown, configured {configured} days", origin=origin)
            continue
        comparison = "" if actual == configured else (" (SHORTER than configured)" if actual < configured else
                                                     " (LONGER than configured: deleted data stays restorable longer)")
        outcome.check(actual == configured, f"{name}: point-in-time recovery on, window {actual} days, configured "
                      f"{configured} days{comparison}", origin=origin)
    return outcome
