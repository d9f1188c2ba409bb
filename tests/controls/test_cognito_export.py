"""EXP-01..07 on snapshot fixtures: the healthy example passes; a pool without an enabled daily schedule
into the exporter, an export bucket, environment or queue left unencrypted, an exporter role that reaches
beyond its pools, prefix and key, an export bucket nobody backs up, an exporter whose failures nobody
hears, a missing, stale or partial export (live) and exports kept for ever each fail, naming the pool,
bucket, role, rule or alarm."""
from __future__ import annotations

from datetime import timedelta

from tests.controls.support import NOW, Case, edit_statement, emptied, family_tests, iso, named, rule_of, without_statement

PREFIX = "compact-retention-example-"
EXPORTER = PREFIX + "cognito-exporter"
EXPORT_BUCKET = "compact-connect-example-cognito-export-111111111111"
STAFF = "user pool compact-connect-example-staff-users (us-east-1_exStaffU1)"
PROVIDERS = "user pool compact-connect-example-provider-users (us-east-1_exProvdU1)"
ROLE_ARN = f"arn:aws:iam::111111111111:role/{EXPORTER}"


def exporter(snapshot: dict) -> dict:
    return named(snapshot["functions"], EXPORTER)


def exporter_policies(snapshot: dict) -> dict:
    return named(snapshot["roles"], EXPORTER)["inline_policies"]


def function(**fields):
    return lambda snapshot: exporter(snapshot).update(fields)


def unset_environment(name: str):
    return lambda snapshot: exporter(snapshot)["environment"].pop(name)


def schedule(pool: str, **fields):
    return lambda snapshot: named(snapshot["event_rules"], f"{PREFIX}cognito-export-{pool}").update(fields)


def schedule_target(pool: str, **fields):
    def mutate(snapshot: dict) -> None:
        for target in named(snapshot["event_rules"], f"{PREFIX}cognito-export-{pool}")["targets"]:
            target.update(fields)
    return mutate


def export_bucket(**fields):
    return lambda snapshot: named(snapshot["buckets"], EXPORT_BUCKET).update(fields)


def inventory_bucket(**fields):
    return lambda snapshot: named(snapshot["inventory"]["buckets"], EXPORT_BUCKET).update(fields)


def drop(section: str, name: str):
    def mutate(snapshot: dict) -> None:
        named(snapshot[section], name)
        snapshot[section] = [item for item in snapshot[section] if item["name"] != name]
    return mutate


def unselect_export_bucket(snapshot: dict) -> None:
    for plan in snapshot["plans"]:
        for selection in plan["selections"]:
            selection["resources"] = [r for r in selection["resources"] if EXPORT_BUCKET not in r]


def key(arn_part: str, **fields):
    return lambda snapshot: next(k for k in snapshot["keys"] if arn_part in k["arn"]).update(fields)


def alarm(name: str, **fields):
    return lambda snapshot: named(snapshot["alarms"], PREFIX + name).update(fields)


def export_of(index: int, **fields):
    return lambda snapshot: snapshot["exports"][index].update(fields)


def drop_export(index: int):
    return lambda snapshot: snapshot["exports"].pop(index)


def expiration(*rules: dict):
    return export_bucket(expiration_rules=list(rules))


ALL_POOLS = "arn:aws:cognito-idp:us-east-1:111111111111:userpool/*"

CASES = {
    "EXP-01": [
        Case("staff schedule disabled", schedule("staff-users", state="DISABLED"),
             f"{STAFF}: rule {PREFIX}cognito-export-staff-users is DISABLED"),
        Case("provider pool exported weekly", schedule("provider-users", schedule_expression="cron(0 2 ? * SUN *)"),
             f"{PROVIDERS}: rule {PREFIX}cognito-export-provider-users cron(0 2 ? * SUN *) runs {EXPORTER} with its id, largest gap 168 h"),
        Case("schedule names another pool", schedule_target("staff-users", input={"pool_id": "us-east-1_Other"}),
             f"{STAFF}: no schedule targets the exporter with this pool id"),
        Case("pool missing from the account",
             lambda s: s["user_pools"].pop(0), f"{STAFF}: no pool with this id in the account", mode="live"),
        Case("no exporter", emptied("functions"), "no exporter function (a function with EXPORT_BUCKET in its environment)"),
        Case("no pool in the inventory", emptied("inventory.user_pools"), "the inventory lists no user pool"),
    ],
    "EXP-02": [
        Case("exporter environment on the AWS-owned key", function(kms_key=None),
             f"function {EXPORTER}: environment encrypted with the AWS-owned key"),
        Case("export bucket not versioned", export_bucket(versioning="Suspended"), f"export bucket {EXPORT_BUCKET}: versioning Suspended"),
        Case("export key does not rotate", key("ExportKey", rotation_enabled=False), "{{ExportKey.Ref}} managed by CUSTOMER, rotation OFF"),
        Case("dead-letter queue unencrypted", lambda s: named(s["queues"], f"{EXPORTER}-dlq").update(kms_key=None),
             f"function {EXPORTER}: dead-letter queue {EXPORTER}-dlq encrypted with nothing"),
        Case("export bucket missing", drop("buckets", EXPORT_BUCKET),
             f"export bucket {EXPORT_BUCKET}: not found in the static posture (named by {EXPORTER})"),
        Case("no exporter", emptied("functions"), "no exporter function"),
    ],
    "EXP-03": [
        Case("role reads every pool", edit_statement(exporter_policies, "cognito-export", "ReadTheTwoUserPools", Resource=ALL_POOLS),
             "cognito-idp:ListUsers on another user pool: Allow (expected denied)"),
        Case("checkpoints cannot be removed", without_statement(exporter_policies, "cognito-export", "RemoveFinishedCheckpoints"),
             "s3:DeleteObject on s3://compact-connect-example-cognito-export-111111111111/cognito-export/.../checkpoint.json: "
             "ImplicitDeny (expected allowed)"),
        Case("role may write anywhere", edit_statement(exporter_policies, "cognito-export", "WriteAndResumeExports", Resource="*"),
             f"role {EXPORTER} policy cognito-export WriteAndResumeExports: actions ['s3:PutObject', 's3:GetObject'] on ['*']"),
        Case("managed policy attached",
             lambda s: named(s["roles"], EXPORTER).update(managed_policies={"ReadOnlyAccess": {"Statement": []}}),
             f"role {EXPORTER}: managed policies ['ReadOnlyAccess']"),
        Case("role missing", drop("roles", EXPORTER), f"{EXPORTER}: its role {ROLE_ARN} is not in the static posture"),
    ],
    "EXP-04": [
        Case("export bucket excluded", inventory_bucket(excluded=True, exclusion_reason="no"),
             f"export bucket {EXPORT_BUCKET}: excluded from the inventory"),
        Case("export bucket selected by no plan", unselect_export_bucket,
             f"export bucket {EXPORT_BUCKET} (category export_data): selected by no backup plan"),
        Case("exports not copied to the backup account", lambda s: rule_of(s, "export_data").update(copy_actions=[]),
             f"export bucket {EXPORT_BUCKET}: plan {PREFIX}export_data rule export_data-daily copies to nowhere"),
        Case("export bucket not in the inventory",
             lambda s: s["inventory"].update(buckets=[b for b in s["inventory"]["buckets"] if b["name"] != EXPORT_BUCKET]),
             f"export bucket {EXPORT_BUCKET}: not in the inventory"),
        Case("no exporter", emptied("functions"), "no exporter function"),
    ],
    "EXP-05": [
        Case("exporter without a dead-letter queue",
             function(dead_letter_arn=None), f"function {EXPORTER}: dead-letter queue none (not in the posture)"),
        Case("no errors alarm", drop("alarms", f"{EXPORTER}-errors"), f"function {EXPORTER}: Errors alarms notifying an alert topic: none"),
        Case("missing-export alarm not breaching on missing data",
             alarm("cognito-export-missing-staff-users", treat_missing_data="notBreaching"),
             f"{STAFF}: 'no complete export in 26 h' alarm notifying an alert topic: none"),
        Case("missing-export alarm window of 48 h", alarm("cognito-export-missing-provider-users", evaluation_periods=48),
             f"{PROVIDERS}: 'no complete export in 26 h' alarm notifying an alert topic: none"),
        Case("metrics namespace unset",
             unset_environment("METRICS_NAMESPACE"), "publishes export metrics to nothing (METRICS_NAMESPACE unset)"),
        Case("schedule without a dead-letter queue", schedule_target("staff-users", dead_letter_arn=None),
             f"{STAFF}: rule {PREFIX}cognito-export-staff-users: undeliverable events go to no dead-letter queue"),
        Case("no exporter", emptied("functions"), "no exporter function"),
    ],
    "EXP-06": [
        Case("no export of the provider pool", drop_export(1), f"{PROVIDERS}: no complete export (manifest.json) in the last days"),
        Case("export began 28 h ago", export_of(1, started_at=iso(NOW - timedelta(hours=28)), completed_at=iso(NOW - timedelta(hours=27))),
             f"{PROVIDERS}: newest complete export"),
        Case("an export object missing",
             export_of(0, objects_missing=["cognito-export/us-east-1_exStaffU1/2026-11-27/users-00001.jsonl.gz"]),
             f"{STAFF}: manifest lists 7 objects, 1 missing or resized"),
        Case("an empty manifest", export_of(0, objects=0), f"{STAFF}: manifest lists 0 objects, 0 missing"),
        Case("no pool in the inventory", emptied("inventory.user_pools"), "the inventory lists no user pool"),
    ],
    "EXP-07": [
        Case("exports kept 400 days", expiration({"id": "expire-exports", "prefix": "", "filtered": False, "days": 400}),
             f"export bucket {EXPORT_BUCKET}: rule expire-exports expires every current object under cognito-export/ "
             "(exports, manifests, checkpoints of unfinished runs) after 400 days (limit 365"),
        Case("only tagged exports expire", expiration({"id": "tagged", "prefix": "", "filtered": True, "days": 7}),
             "no enabled rule expires every current object under cognito-export/ (rules expiring current objects: "
             "tagged (whole bucket, filtered: 7 days))"),
        Case("one pool's exports expire", expiration({"id": "one", "prefix": "cognito-export/us-east-1_exStaffU1/", "filtered": False,
                                                      "days": 7}),
             "no enabled rule expires every current object under cognito-export/"),
        Case("nothing expires", expiration(), "(rules expiring current objects: none), so every daily export is kept forever"),
        Case("no exporter", emptied("functions"), "no exporter function"),
    ],
}

test_healthy_passes, test_each_violation_fails = family_tests(CASES)
