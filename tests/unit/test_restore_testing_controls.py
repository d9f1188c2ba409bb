"""RES-02..RES-05 on posture dicts: each control passes on the example environment's static snapshot and
fails, naming what is wrong, on each way it can be violated (the seeded template violations in
tests/audit/test_violations.py show the same through the whole audit)."""
from __future__ import annotations

import copy

import pytest

from audit.config import load_config
from audit.controls import restore_testing, restore_validation
from audit.snapshot import Posture
from audit.sources.static.build import build_snapshot

SSN_TABLE = "arn:aws:dynamodb:us-east-1:111111111111:table/compact-connect-example-ssn"
PROVIDER = "arn:aws:dynamodb:us-east-1:111111111111:table/compact-connect-example-provider"
SSN_VAULT = "arn:aws:backup:us-east-1:111111111111:backup-vault:CompactConnectBackupVault-SSN"


@pytest.fixture(scope="module")
def example() -> dict:
    return build_snapshot(load_config("example").data)


@pytest.fixture
def snapshot(example) -> dict:
    return copy.deepcopy(example)


def plan(snapshot: dict, category: str) -> dict:
    return next(p for p in snapshot["restore_testing_plans"] if p["name"].endswith(category))


def selection(snapshot: dict, category: str, kind: str = "tables") -> dict:
    return next(s for s in plan(snapshot, category)["selections"] if s["name"] == f"{category}_{kind}")


def message(outcome) -> str:
    assert not outcome.passed, outcome.evidence
    return outcome.message


CONTROLS = [restore_testing.every_resource_restore_tested, restore_testing.ssn_never_restore_tested,
            restore_testing.testing_role_confined, restore_testing.restored_data_under_customer_keys,
            restore_validation.validation_wired]


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.__name__)
def test_every_restore_testing_control_passes_on_the_example(example, control):
    outcome = control(Posture(example))
    assert outcome.passed, outcome.message
    assert outcome.subjects and all(line.startswith(("ok", "not counted")) for line in outcome.evidence)


@pytest.mark.parametrize("control", [restore_testing.every_resource_restore_tested, restore_testing.testing_role_confined,
                                     restore_testing.restored_data_under_customer_keys, restore_validation.validation_wired])
def test_without_restore_testing_every_control_fails(snapshot, control):
    snapshot["restore_testing_plans"] = []
    snapshot["functions"] = [f for f in snapshot["functions"] if "restore-validator" not in f["name"]]
    assert not control(Posture(snapshot)).passed


# RES-02 ------------------------------------------------------------------------------------------------
def test_a_resource_in_no_selection_fails(snapshot):
    table = selection(snapshot, "critical_data")
    table["resource_arns"].remove(PROVIDER)
    assert "compact-connect-example-provider: in no restore testing selection" in message(
        restore_testing.every_resource_restore_tested(Posture(snapshot)))


def test_a_selection_of_the_other_resource_type_does_not_cover(snapshot):
    table = selection(snapshot, "critical_data")
    table["resource_type"] = "S3"
    assert "in no restore testing selection" in message(restore_testing.every_resource_restore_tested(Posture(snapshot)))


@pytest.mark.parametrize("schedule, passes", [
    ("cron(0 7 */7 * ? *)", True),       # days 1, 8, 15, 22, 29: never more than 7 days apart
    ("cron(0 7 ? * SUN *)", True),       # weekly
    ("cron(0 7 1,15 * ? *)", False),     # twice a month: up to 17 days apart
    ("cron(0 7 */8 * ? *)", False),
    ("rate(14 days)", False),
    ("not a schedule", False),
])
def test_the_cadence_is_the_largest_gap_over_a_year(snapshot, schedule, passes):
    plan(snapshot, "critical_data")["schedule"] = schedule
    outcome = restore_testing.every_resource_restore_tested(Posture(snapshot))
    assert outcome.passed is passes
    if not passes:
        assert "compact-connect-example-provider: restore tested at least every 7 days from the general vault by 0 of 1" in outcome.message


@pytest.mark.parametrize("include, exclude", [
    (["arn:aws:backup:us-east-1:111111111111:backup-vault:SomeOtherVault"], []),
    (["*"], ["arn:aws:backup:us-east-1:111111111111:backup-vault:CompactConnect*"]),
])
def test_a_plan_that_does_not_admit_the_general_vault_does_not_cover(snapshot, include, exclude):
    plan(snapshot, "document_storage").update(include_vaults=include, exclude_vaults=exclude)
    assert "do not admit the general vault" in "\n".join(restore_testing.every_resource_restore_tested(Posture(snapshot)).evidence)
    assert not restore_testing.every_resource_restore_tested(Posture(snapshot)).passed


def test_star_with_tag_conditions_is_not_counted(snapshot):
    table = selection(snapshot, "critical_data")
    table["resource_arns"] = ["*"]
    table["conditions"] = {"StringEquals": [{"Key": "aws:ResourceTag/restore-test", "Value": "yes"}], "StringNotEquals": []}
    assert "0 of 1 selections" in message(restore_testing.every_resource_restore_tested(Posture(snapshot)))


def test_a_category_without_a_cadence_fails(snapshot):
    for item in snapshot["inventory"]["tables"]:
        if item["category"] == "critical_data":
            item["restore_test_every_days"] = None
    assert "configures no restore_test_every_days" in message(restore_testing.every_resource_restore_tested(Posture(snapshot)))


@pytest.mark.parametrize("include, exclude", [([SSN_VAULT], []), (["*"], []),
                                              (["arn:aws:backup:us-east-1:111111111111:backup-vault:*"], [])])
def test_a_plan_admitting_the_ssn_vault_fails(snapshot, include, exclude):
    plan(snapshot, "export_data").update(include_vaults=include, exclude_vaults=exclude)
    assert "the SSN vault is ADMITTED" in message(restore_testing.ssn_never_restore_tested(Posture(snapshot)))


def test_excluding_the_ssn_vault_keeps_a_star_include_safe(snapshot):
    plan(snapshot, "export_data").update(include_vaults=["*"], exclude_vaults=[SSN_VAULT])
    assert restore_testing.ssn_never_restore_tested(Posture(snapshot)).passed


@pytest.mark.parametrize("arns", [[SSN_TABLE], ["*"]])
def test_a_selection_naming_ssn_data_fails(snapshot, arns):
    selection(snapshot, "configuration_data")["resource_arns"] += arns
    assert "selects SSN data dynamodb table compact-connect-example-ssn" in message(
        restore_testing.ssn_never_restore_tested(Posture(snapshot)))


# RES-03 ------------------------------------------------------------------------------------------------
def the_testing_role(snapshot: dict) -> dict:
    return next(r for r in snapshot["roles"] if r["name"] == "CompactConnect-RestoreTestingRole")


def _drop_statement(role: dict, sid: str) -> None:
    for document in role["inline_policies"].values():
        document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != sid]


@pytest.mark.parametrize("sid, expected", [
    ("DenySSNRestore", "its own policies do not deny backup:StartRestoreJob on the SSN vault"),
    ("UseTheGeneralKeyOnly", "kms:Decrypt on the general key through AWS Backup: DENIED"),
    ("GrantTheGeneralKeyToTheRestoredResource", "kms:CreateGrant on the general key through AWS Backup: DENIED"),
    ("RestoreDynamoDBTestTables", "dynamodb:RestoreTableFromAwsBackup on"),
    ("RestoreS3TestObjects", "s3:PutObject on"),
])
def test_the_testing_role_is_evaluated_not_matched(snapshot, sid, expected):
    _drop_statement(the_testing_role(snapshot), sid)
    assert expected in message(restore_testing.testing_role_confined(Posture(snapshot)))


def test_an_ssn_deny_scoped_to_the_vault_alone_still_fails_on_the_key(snapshot):
    for document in the_testing_role(snapshot)["inline_policies"].values():
        for statement in document["Statement"]:
            if statement.get("Sid") == "DenySSNRestore":
                statement["Resource"] = [r for r in statement["Resource"] if ":backup-vault:" in str(r)]
    text = message(restore_testing.testing_role_confined(Posture(snapshot)))
    assert "its own policies do not deny kms:Decrypt on the SSN key" in text
    assert "do not deny backup:StartRestoreJob" not in text


def test_a_role_allowed_everything_with_its_deny_gone_fails(snapshot):
    role = the_testing_role(snapshot)
    _drop_statement(role, "DenySSNRestore")
    role["managed_policies"]["arn:aws:iam::aws:policy/AdministratorAccess"] = None  # modelled as allow-all
    assert "its own policies do not deny kms:CreateGrant on the SSN key" in message(
        restore_testing.testing_role_confined(Posture(snapshot)))


def test_a_general_vault_policy_denying_restores_fails(snapshot):
    vault = next(v for v in snapshot["vaults"] if v["name"] == "CompactConnectBackupVault" and v["account_id"] == "111111111111")
    vault["access_policy"]["Statement"].append({"Sid": "NoRestores", "Effect": "Deny", "Principal": "*",
                                                "Action": "backup:StartRestoreJob", "Resource": "*"})
    assert "backup:StartRestoreJob on a recovery point of the general vault: DENIED" in message(
        restore_testing.testing_role_confined(Posture(snapshot)))


def test_a_role_aws_backup_cannot_assume_fails(snapshot):
    the_testing_role(snapshot)["trust_policy"]["Statement"][0]["Principal"] = {"Service": "lambda.amazonaws.com"}
    assert "AWS Backup may assume it: DENIED" in message(restore_testing.testing_role_confined(Posture(snapshot)))


def test_a_selection_role_missing_from_the_posture_fails(snapshot):
    selection(snapshot, "critical_data")["iam_role_arn"] = "arn:aws:iam::111111111111:role/Someone"
    assert "role arn:aws:iam::111111111111:role/Someone" in message(restore_testing.testing_role_confined(Posture(snapshot)))


# RES-04 ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("category, kind, overrides, expected", [
    ("critical_data", "tables", {}, "encryptionType not overridden (AWS restores an AWS-owned key)"),
    ("critical_data", "tables", {"encryptionType": "Default"}, "encryptionType Default, must be KMS"),
    ("critical_data", "tables", {"encryptionType": "KMS"}, "no kmsMasterKeyArn"),
    ("document_storage", "buckets", {}, "EncryptionType not overridden (AWS restores SSE-S3)"),
    ("document_storage", "buckets", {"EncryptionType": "SSE-KMS", "KMSKey": "alias/aws/s3"},
     "KMSKey alias/aws/s3 is not a key of the static posture"),
    ("document_storage", "buckets", {"EncryptionType": "SSE-KMS",
                                     "KMSKey": "arn:aws:kms:us-east-1:999999999999:key/other"}, "is not a key of the static posture"),
])
def test_overrides_without_a_customer_managed_key_fail(snapshot, category, kind, overrides, expected):
    selection(snapshot, category, kind)["overrides"] = overrides
    assert expected in message(restore_testing.restored_data_under_customer_keys(Posture(snapshot)))


def test_restoring_under_the_ssn_key_fails(snapshot):
    ssn_key = next(v["encryption_key_arn"] for v in snapshot["vaults"] if v["name"] == "CompactConnectBackupVault-SSN"
                   and v["account_id"] == "111111111111")
    selection(snapshot, "critical_data")["overrides"]["kmsMasterKeyArn"] = ssn_key
    assert "(the SSN key: reserved for SSN data" in message(restore_testing.restored_data_under_customer_keys(Posture(snapshot)))


def test_lower_case_s3_override_names_are_read(snapshot):
    general = selection(snapshot, "document_storage", "buckets")["overrides"]["KMSKey"]
    selection(snapshot, "document_storage", "buckets")["overrides"] = {"encryptionType": "SSE-KMS", "kmsKey": general}
    assert restore_testing.restored_data_under_customer_keys(Posture(snapshot)).passed


# RES-05 ------------------------------------------------------------------------------------------------
def validation_rule(snapshot: dict) -> dict:
    return next(r for r in snapshot["event_rules"] if r["name"].endswith("restore-job-completed"))


def test_a_rule_that_misses_completed_restores_fails(snapshot):
    validation_rule(snapshot)["event_pattern"]["detail"]["status"] = ["FAILED"]
    assert "no enabled rule of the default bus sends it to the validation function" in message(
        restore_validation.validation_wired(Posture(snapshot)))


def test_a_disabled_rule_fails(snapshot):
    validation_rule(snapshot)["state"] = "DISABLED"
    assert "matches but is DISABLED" in message(restore_validation.validation_wired(Posture(snapshot)))


def test_a_rule_targeting_something_else_fails(snapshot):
    validation_rule(snapshot)["targets"][0]["arn"] = "arn:aws:lambda:us-east-1:111111111111:function:other"
    assert not restore_validation.validation_wired(Posture(snapshot)).passed


def test_a_target_without_dead_letter_queue_fails(snapshot):
    validation_rule(snapshot)["targets"][0]["dead_letter_arn"] = None
    assert "undeliverable events go to no dead-letter queue" in message(restore_validation.validation_wired(Posture(snapshot)))


@pytest.mark.parametrize("alarm_suffix, change, expected", [
    ("restore-jobs-failed", {"alarm_actions": []}, "alarm on failed restore jobs"),
    ("restore-validation-failed", {"actions_enabled": False}, "alarm on failed validations"),
    ("restore-validation-failed", {"threshold": 5.0}, "alarm on failed validations"),
    ("restore-validator-errors", {"alarm_actions": []}, "alarm on Errors of compact-retention-example-restore-validator"),
    ("restore-validator-dead-letters", {"alarm_actions": []}, "watched by none"),
    ("restore-validation-missing-critical_data", {"alarm_actions": []}, "no successful validation of critical_data: no alarm"),
    ("restore-validation-missing-critical_data", {"treat_missing_data": "notBreaching"}, "missing data notBreaching"),
    ("restore-validation-missing-export_data", {"comparison": "GreaterThanThreshold"}, "Sum GreaterThanThreshold"),
])
def test_alarms_that_would_stay_silent_fail(snapshot, alarm_suffix, change, expected):
    alarm = next(a for a in snapshot["alarms"] if a["name"].endswith(alarm_suffix))
    alarm.update(change)
    assert expected in message(restore_validation.validation_wired(Posture(snapshot)))


def test_a_missing_validation_function_fails(snapshot):
    snapshot["functions"] = [f for f in snapshot["functions"] if "restore-validator" not in f["name"]]
    assert "validation function compact-retention-example-restore-validator: not found" in message(
        restore_validation.validation_wired(Posture(snapshot)))


# live read errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("control", [restore_testing.every_resource_restore_tested, restore_testing.testing_role_confined,
                                     restore_testing.restored_data_under_customer_keys,
                                     restore_testing.ssn_never_restore_tested])
def test_a_refused_restore_testing_read_fails_naming_the_resource(snapshot, control):
    snapshot["mode"] = "live"
    snapshot["errors"] = [{"account_id": "111111111111", "region": "us-east-1", "api": "backup:GetRestoreTestingSelection",
                           "resource": "arn:aws:backup:us-east-1:111111111111:restore-testing-plan:p/selection/s",
                           "error": "AccessDeniedException", "missing_permission": "backup:GetRestoreTestingSelection"}]
    text = message(control(Posture(snapshot)))
    assert "backup:GetRestoreTestingSelection on arn:aws:backup:us-east-1:111111111111:restore-testing-plan:p/selection/s" in text


def test_an_ssn_vault_policy_opened_lets_restore_tests_reach_ssn_recovery_points(snapshot):
    """The role's own Deny names the SSN vault; a recovery point's ARN does not name its vault, so the SSN
    vault's restore DENY is what keeps restore tests away from SSN recovery points (tests/sandbox/test_tamper.py
    shows the same live)."""
    vault = next(v for v in snapshot["vaults"] if v["name"] == "CompactConnectBackupVault-SSN" and v["account_id"] == "111111111111")
    vault["access_policy"] = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "backup:*", "Resource": "*"}]}
    assert "backup:StartRestoreJob on a recovery point of the SSN vault, with the vault access policy: allowed" in message(
        restore_testing.testing_role_confined(Posture(snapshot)))
