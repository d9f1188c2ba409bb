"""RET-01..07 on snapshot fixtures: the healthy example passes; a lifecycle that deletes too early or
never, cold storage where it is ignored or at the wrong day, a copy that drifts from its rule, a vault lock
that does not fit or is in the wrong mode, and (live) recovery points with the wrong retention each fail,
naming the rule, vault or resource."""
from __future__ import annotations

from datetime import timedelta

from tests.controls.support import ABSENT, NOW, Case, emptied, family_tests, iso, rule_of, vault_of

PROVIDER = "dynamodb table compact-connect-example-provider"
PROVIDER_ARN = "arn:aws:dynamodb:us-east-1:111111111111:table/compact-connect-example-provider"
CRITICAL_RULE = "plan compact-retention-example-critical_data rule critical_data-daily"


def lifecycle(category: str, *, copy: bool = False, **fields):
    """Change the lifecycle of ``category``'s rule (or of its copy action)."""
    def mutate(snapshot: dict) -> None:
        rule = rule_of(snapshot, category)
        (rule["copy_actions"][0]["lifecycle"] if copy else rule["lifecycle"]).update(fields)
    return mutate


def both_lifecycles(category: str, **fields):
    """Change the rule's lifecycle and its copy's alike (so only the value, not the drift, is wrong)."""
    def mutate(snapshot: dict) -> None:
        lifecycle(category, **fields)(snapshot)
        lifecycle(category, copy=True, **fields)(snapshot)
    return mutate


def unselect_provider(snapshot: dict) -> None:
    for plan in snapshot["plans"]:
        for selection in plan["selections"]:
            selection["resources"] = [r for r in selection["resources"] if r != PROVIDER_ARN]


def lock(kind: str, side: str, **fields):
    def mutate(snapshot: dict) -> None:
        vault = vault_of(snapshot, kind, side)
        if vault["lock"] is None or not fields:
            vault["lock"] = None
        else:
            vault["lock"].update(fields)
    return mutate


def drop_vault(kind: str, side: str):
    def mutate(snapshot: dict) -> None:
        gone = vault_of(snapshot, kind, side)
        snapshot["vaults"] = [v for v in snapshot["vaults"] if v is not gone]
    return mutate


def drop_all_copy_actions(snapshot: dict) -> None:
    for plan in snapshot["plans"]:
        for rule in plan["rules"]:
            rule["copy_actions"] = []


def provider_points(kind: str, **lifecycle_fields):
    def mutate(snapshot: dict) -> None:
        for point in snapshot["recovery_points"]:
            if point["resource_arn"] == PROVIDER_ARN and point["kind"] == kind:
                point["lifecycle"].update(lifecycle_fields)
    return mutate


def newer_partial_point_hides_a_shortened_one(snapshot: dict) -> None:
    """The newest COMPLETED recovery point of the provider table was shortened to 35 days by hand
    (UpdateRecoveryPointLifecycle); a later job left a PARTIAL point with the category's lifecycle."""
    completed = next(p for p in snapshot["recovery_points"] if p["resource_arn"] == PROVIDER_ARN and p["kind"] == "source")
    completed["lifecycle"]["delete_after_days"] = 35
    snapshot["recovery_points"].append({**completed, "status": "PARTIAL", "creation_date": iso(NOW - timedelta(hours=1)),
                                        "lifecycle": {"delete_after_days": 2555, "cold_storage_after_days": None}})


def drop_provider_copies(snapshot: dict) -> None:
    snapshot["recovery_points"] = [p for p in snapshot["recovery_points"]
                                   if not (p["resource_arn"] == PROVIDER_ARN and p["kind"] == "copy")]


NO_PROTECTED = emptied("inventory.tables", "inventory.buckets")
NO_PLAN = emptied("plans")

CASES = {
    "RET-01": [
        Case("rule deletes after 35 days", lifecycle("critical_data", delete_after_days=35),
             f"{PROVIDER}, {CRITICAL_RULE} rule: deleted after 35 days, critical_data promises 2555"),
        Case("copy kept for ever", lifecycle("critical_data", copy=True, delete_after_days=None),
             "copy 1 to arn:aws:backup:us-west-2:222222222222:backup-vault:CompactConnectBackupVault: deleted after never days"),
        Case("configuration kept 7 years", both_lifecycles("configuration_data", delete_after_days=2555),
             "configuration_data promises 1095"),
        Case("resource protected by no rule", unselect_provider, f"{PROVIDER}: protected by no rule"),
        Case("no protected resource", NO_PROTECTED, ABSENT),
    ],
    "RET-02": [
        Case("cold storage on a bucket", both_lifecycles("document_storage", cold_storage_after_days=30),
             "is ignored for s3 buckets"),
        Case("table moved to cold after 60 days", lifecycle("critical_data", cold_storage_after_days=60),
             f"{PROVIDER}, {CRITICAL_RULE} rule: cold storage after 60 days, expected 30"),
        Case("table never moved to cold", lifecycle("critical_data", copy=True, cold_storage_after_days=None),
             "cold storage none, expected 30"),
        Case("no protected resource", NO_PROTECTED, ABSENT),
    ],
    "RET-03": [
        Case("deleted 70 days after cold", lifecycle("critical_data", delete_after_days=100),
             f"{CRITICAL_RULE} rule: cold after 30 days, deleted after 100 days (needs >= 120)"),
        Case("copy deleted 10 days after cold", lifecycle("ssn_data", copy=True, delete_after_days=40),
             "deleted after 40 days (needs >= 120)"),
        Case("no rule at all", NO_PLAN, ABSENT),
    ],
    "RET-04": [
        Case("copy kept shorter", lifecycle("critical_data", copy=True, delete_after_days=365),
             f"{CRITICAL_RULE}: rule lifecycle"),
        Case("copy without cold storage", lifecycle("configuration_data", copy=True, cold_storage_after_days=None),
             "copy lifecycle {'delete_after_days': 1095, 'cold_storage_after_days': None}"),
        Case("no copy action at all", drop_all_copy_actions, ABSENT),
    ],
    "RET-05": [
        Case("backup lock shorter than the rule", lock("general", "backup", max_retention_days=2000),
             "vault CompactConnectBackupVault (222222222222) lock allows [365, 2000]"),
        Case("local lock longer than configuration's retention", lock("general", "environment", min_retention_days=2000),
             "retention 1095 days, vault CompactConnectBackupVault (111111111111) lock allows [2000, 2555]"),
        Case("target vault missing", drop_vault("ssn", "environment"),
             "vault CompactConnectBackupVault-SSN not found in the static posture"),
        Case("no rule at all", NO_PLAN, ABSENT),
    ],
    "RET-06": [
        Case("backup vault in governance mode", lock("general", "backup", mode="governance"),
             "vault CompactConnectBackupVault (222222222222): lock mode governance, expected compliance"),
        Case("environment vault unlocked", lock("ssn", "environment"),
             "vault CompactConnectBackupVault-SSN (111111111111): lock mode NONE, expected governance"),
        Case("cooling-off of one day", lock("ssn", "backup", changeable_for_days=1),
             "vault CompactConnectBackupVault-SSN (222222222222): changeable for 1 days after creation, at least 3"),
        Case("backup vault missing", drop_vault("general", "backup"),
             "vault CompactConnectBackupVault (222222222222): not found in the static posture"),
    ],
    "RET-07": [
        Case("recovery point kept 35 days", provider_points("source", delete_after_days=35),
             f"{PROVIDER}: newest source deleted after 35 days, critical_data promises 2555"),
        Case("copy kept for ever", provider_points("copy", delete_after_days=None),
             f"{PROVIDER}: newest copy deleted after None days"),
        Case("copy never arrived", drop_provider_copies, f"{PROVIDER}: no copy recovery point to check"),
        Case("a newer partial point hides a shortened completed one", newer_partial_point_hides_a_shortened_one,
             f"{PROVIDER}: newest completed source deleted after 35 days"),
        Case("no protected resource", NO_PROTECTED, ABSENT),
    ],
}

test_healthy_passes, test_each_violation_fails = family_tests(CASES)
