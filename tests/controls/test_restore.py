"""RES-01..07 on snapshot fixtures: the healthy example passes; point-in-time recovery off, unread or with
another window, a resource no restore test covers often enough (or SSN data a test may reach), a testing
role that is not trusted, cannot restore or is not denied the SSN data, restored data left under AWS's
keys or the SSN key, restore validation not wired or not alarmed, and (live) a failed, unvalidated, stale
or slow restore test and a leftover test resource each fail, naming the table, selection, role or job."""
from __future__ import annotations

from datetime import timedelta

from tests.controls.support import ABSENT, NOW, Case, emptied, family_tests, iso, named, restore_job, without_statement

PREFIX = "compact-retention-example-"
PROVIDER = "dynamodb table compact-connect-example-provider"
PROVIDER_ARN = "arn:aws:dynamodb:us-east-1:111111111111:table/compact-connect-example-provider"
SSN_TABLE_ARN = "arn:aws:dynamodb:us-east-1:111111111111:table/compact-connect-example-ssn"
CRITICAL_PLAN = "compact_retention_example_critical_data"
CRITICAL_SELECTION = f"restore testing plan {CRITICAL_PLAN} selection critical_data_tables"
TESTING_ROLE = "CompactConnect-RestoreTestingRole"
ROLE_LABEL = f"role arn:aws:iam::111111111111:role/{TESTING_ROLE} of {CRITICAL_SELECTION}"
SSN_KEY = "arn:aws:kms:us-east-1:111111111111:key/{{SSNBackupKey.Ref}}"
VALIDATOR = PREFIX + "restore-validator"


def table(name: str = "compact-connect-example-provider", **fields):
    return lambda snapshot: named(snapshot["tables"], name).update(fields)


def inventory_table(**fields):
    return lambda snapshot: named(snapshot["inventory"]["tables"], "compact-connect-example-provider").update(fields)


def drop(section: str, name: str):
    def mutate(snapshot: dict) -> None:
        named(snapshot[section], name)
        snapshot[section] = [item for item in snapshot[section] if item["name"] != name]
    return mutate


def restore_plan(name: str = CRITICAL_PLAN, **fields):
    return lambda snapshot: named(snapshot["restore_testing_plans"], name).update(fields)


def critical_selection(snapshot: dict) -> dict:
    return named(snapshot["restore_testing_plans"], CRITICAL_PLAN)["selections"][0]


def selection(**fields):
    return lambda snapshot: critical_selection(snapshot).update(fields)


def role_of_the_tests(snapshot: dict) -> dict:
    return named(snapshot["roles"], TESTING_ROLE)


def policies_of_the_tests(snapshot: dict) -> dict:
    return role_of_the_tests(snapshot)["inline_policies"]


def alarm(name: str, **fields):
    return lambda snapshot: named(snapshot["alarms"], PREFIX + name).update(fields)


def event_rule(name: str, **fields):
    return lambda snapshot: named(snapshot["event_rules"], PREFIX + name).update(fields)


def provider_jobs(*jobs: dict):
    """The provider table's restore tests are exactly ``jobs`` (keywords of ``restore_job``)."""
    def mutate(snapshot: dict) -> None:
        item = named(snapshot["inventory"]["tables"], "compact-connect-example-provider")
        snapshot["restore_jobs"] = [j for j in snapshot["restore_jobs"] if j["resource_arn"] != PROVIDER_ARN]
        snapshot["restore_jobs"] += [restore_job(item, **job) for job in jobs]
    return mutate


def leftover(name: str, *, hours_ago: float | None, tags: dict, reason: str) -> dict:
    return {"kind": "dynamodb table", "name": name, "arn": f"arn:aws:dynamodb:us-east-1:111111111111:table/{name}",
            "created": iso(NOW - timedelta(hours=hours_ago)) if hours_ago is not None else None, "tags": tags, "reason": reason,
            "origin": {"account_id": "111111111111", "region": "us-east-1", "api": "dynamodb:DescribeTable"}}


def leftovers(*resources: dict):
    return lambda snapshot: snapshot.update(restore_test_resources=list(resources))


def refused(api: str):
    def mutate(snapshot: dict) -> None:
        snapshot["errors"] = [{"account_id": "111111111111", "region": "us-east-1", "api": api, "resource": "*",
                               "error": "AccessDeniedException", "missing_permission": api}]
    return mutate


TAGGED = {"awsbackup-restore-test": "p"}

CASES = {
    "RES-01": [
        Case("point-in-time recovery off", table(pitr=False), f"{PROVIDER}: point-in-time recovery OFF, configured 35 days"),
        Case("window shorter than configured", table(pitr_recovery_period_days=30),
             f"{PROVIDER}: point-in-time recovery on, window 30 days, configured 35 days (SHORTER than configured)"),
        Case("window longer than configured", table(pitr_recovery_period_days=36), "(LONGER than configured"),
        Case("setting unread", table(pitr=None), f"{PROVIDER}: point-in-time recovery could not be read"),
        Case("category configures no window", inventory_table(point_in_time_recovery_days=None),
             f"{PROVIDER}: category critical_data configures no point-in-time recovery window"),
        Case("table missing", drop("tables", "compact-connect-example-provider"), f"{PROVIDER}: not found in the static posture"),
        Case("no table in the inventory", emptied("inventory.tables"), ABSENT),
    ],
    "RES-02": [
        Case("provider table in no selection", selection(resource_arns=[]),
             f"{PROVIDER}: in no restore testing selection of the static posture"),
        Case("tested monthly", restore_plan(schedule="cron(0 7 1 * ? *)"),
             f"{PROVIDER}: restore tested at least every 7 days from the general vault by 0 of 1 selections naming it"),
        Case("general vault not admitted", restore_plan(include_vaults=[]), f"{PROVIDER}: restore tested at least every 7 days"),
        Case("SSN vault admitted", restore_plan(exclude_vaults=[], include_vaults=["*"]),
             f"restore testing plan {CRITICAL_PLAN}: the SSN vault is ADMITTED"),
        Case("SSN table selected", lambda s: critical_selection(s)["resource_arns"].append(SSN_TABLE_ARN),
             f"{CRITICAL_SELECTION} selects SSN data dynamodb table compact-connect-example-ssn (by ARN)"),
        Case("category configures no cadence", inventory_table(restore_test_every_days=None),
             f"{PROVIDER}: category critical_data configures no restore_test_every_days"),
        Case("no protected resource", emptied("inventory.tables", "inventory.buckets"), ABSENT),
    ],
    "RES-03": [
        Case("role not denied the SSN vault", without_statement(policies_of_the_tests, "keep-away-from-ssn-data", "DenySSNRestore"),
             f"{ROLE_LABEL}: its own policies do not deny backup:StartRestoreJob on the SSN vault"),
        Case("AWS Backup may not assume the role", lambda s: role_of_the_tests(s).update(trust_policy=None),
             f"{ROLE_LABEL}: AWS Backup may assume it:"),
        Case("role may not use the general key", without_statement(policies_of_the_tests, "restore-tests", "UseTheGeneralKeyOnly"),
             f"{ROLE_LABEL}: kms:Decrypt on the general key through AWS Backup"),
        Case("role may not create the restored table",
             without_statement(policies_of_the_tests, "restore-tests", "RestoreDynamoDBTestTables"),
             f"{ROLE_LABEL}: dynamodb:RestoreTableFromAwsBackup on arn:aws:dynamodb:us-east-1:111111111111:table/"
             "awsbackup-restore-test-probe: DENIED"),
        Case("role missing", drop("roles", TESTING_ROLE), f"{ROLE_LABEL}: not found in the static posture"),
        Case("no restore testing selection", emptied("restore_testing_plans"),
             "no restore testing selection in the static posture, so no testing role to check"),
    ],
    "RES-04": [
        Case("no encryption override", selection(overrides={}),
             f"{CRITICAL_SELECTION}: encryptionType not overridden (AWS restores an AWS-owned key), must be KMS"),
        Case("restored under the SSN key", selection(overrides={"encryptionType": "KMS", "kmsMasterKeyArn": SSN_KEY}),
             "(the SSN key: reserved for SSN data, denied to restore tests)"),
        Case("key of another account", selection(overrides={"encryptionType": "KMS",
                                                             "kmsMasterKeyArn": "arn:aws:kms:us-east-1:999999999999:key/k"}),
             f"{CRITICAL_SELECTION}: kmsMasterKeyArn arn:aws:kms:us-east-1:999999999999:key/k is not a key of the static posture"),
        Case("no key named", selection(overrides={"encryptionType": "KMS"}), f"{CRITICAL_SELECTION}: no kmsMasterKeyArn"),
        Case("unknown resource type",
             selection(resource_type="RDS"), f"{CRITICAL_SELECTION}: resource type RDS has no known encryption override"),
        Case("no restore testing selection", emptied("restore_testing_plans"), "no restore testing selection in the static posture"),
    ],
    "RES-05": [
        Case("validation function missing",
             drop("functions", VALIDATOR), f"validation function {VALIDATOR}: not found in the static posture"),
        Case("trigger rule disabled", event_rule("restore-job-completed", state="DISABLED"),
             "Restore Job State Change COMPLETED: no enabled rule of the default bus sends it to the validation function "
             f"(rule {PREFIX}restore-job-completed matches but is DISABLED)"),
        Case("no alarm on failed restore jobs", drop("alarms", PREFIX + "restore-jobs-failed"),
             "alarm on failed restore jobs (AWS/Backup NumberOfRestoreJobsFailed, Sum, on the first one) notifying an alert topic: none"),
        Case("absence alarm not breaching", alarm("restore-validation-missing-document_storage", treat_missing_data="notBreaching"),
             f"alarm {PREFIX}restore-validation-missing-document_storage: Sum LessThanThreshold 1, missing data notBreaching"),
        Case("dead letters unwatched", drop("alarms", PREFIX + "restore-validator-dead-letters"),
             f"dead-letter queue {VALIDATOR}-dlq watched by none"),
    ],
    "RES-06": [
        Case("no restore test at all", provider_jobs(), f"{PROVIDER}: no finished restore test job"),
        Case("restore test failed", provider_jobs(dict(hours_ago=30, status="FAILED", validation=None)), "status FAILED"),
        Case("validation failed", provider_jobs(dict(hours_ago=60), dict(hours_ago=30, validation="FAILED")), "validation FAILED"),
        Case("never validated", provider_jobs(dict(hours_ago=30, validation=None)), "validation NONE (never validated)"),
        Case("stale: 9 days", provider_jobs(dict(hours_ago=9 * 24)), "216.0 h old, limit 7 days + 1 day of grace = 192.0 h"),
        Case("slower than the RTO", provider_jobs(dict(hours_ago=30, took_minutes=5 * 60)), "restore took 5.0 h, RTO 4 h"),
        Case("restore job listing refused", refused("backup:ListRestoreJobs"), "backup:ListRestoreJobs on *"),
        Case("no protected resource", emptied("inventory.tables", "inventory.buckets"), ABSENT),
    ],
    "RES-07": [
        Case("restore-test table kept 40 h", leftovers(leftover("awsbackup-restore-test-abc", hours_ago=40, tags=TAGGED, reason="tagged")),
             "dynamodb table awsbackup-restore-test-abc (tagged): LEFTOVER"),
        Case("drill scratch table of 30 h", leftovers(leftover("compact-connect-example-provider-drill-20261125t020000z", hours_ago=None,
                                                               tags={}, reason="named")),
             "dynamodb table compact-connect-example-provider-drill-20261125t020000z (named): LEFTOVER, drill 20261125t020000z"),
        Case("creation time unknown", leftovers(leftover("awsbackup-restore-test-x", hours_ago=None, tags=TAGGED, reason="tagged")),
             "dynamodb table awsbackup-restore-test-x (tagged): creation time unknown"),
        Case("table listing refused", refused("dynamodb:ListTables"), "dynamodb:ListTables on * in 111111111111 us-east-1 failed"),
    ],
}

test_healthy_passes, test_each_violation_fails = family_tests(CASES)
