"""ISO-01..06 on snapshot fixtures: the healthy example passes; a copy to the wrong vault, account or
nowhere, a vault policy allowing more than the copy or to anyone in any organization, a wildcard principal
without a condition, a backup key usable outside AWS Backup, SSN data in a general vault (or the reverse)
and (live) account settings off each fail, naming the rule, vault, key or setting."""
from __future__ import annotations

from functools import partial

from tests.controls.support import (
    ABSENT,
    Case,
    edit_statement,
    emptied,
    family_tests,
    key_of,
    named,
    rule_of,
    vault_of,
    with_statement,
    without_statement,
)

PROVIDER = "dynamodb table compact-connect-example-provider"
CRITICAL_RULE = "plan compact-retention-example-critical_data rule critical_data-daily"
SSN_RULE = "plan compact-retention-example-ssn_data rule ssn_data-daily"
BACKUP_GENERAL = "vault CompactConnectBackupVault (222222222222, us-west-2)"
BACKUP_SSN_ARN = "arn:aws:backup:us-west-2:222222222222:backup-vault:CompactConnectBackupVault-SSN"
ENV_ROOT = {"AWS": "arn:aws:iam::111111111111:root"}

backup_general = partial(vault_of, kind="general", side="backup")
backup_general_key = partial(key_of, kind="general", side="backup")
env_ssn_vault = partial(vault_of, kind="ssn", side="environment")


def documents_bucket(snapshot: dict) -> dict:
    return named(snapshot["buckets"], "compact-connect-example-provider-users-111111111111")


def copy_to(category: str, arn: str | None):
    def mutate(snapshot: dict) -> None:
        rule_of(snapshot, category)["copy_actions"][0]["destination_vault_arn"] = arn
    return mutate


def rule(category: str, **fields):
    return lambda snapshot: rule_of(snapshot, category).update(fields)


def drop_vault(kind: str, side: str):
    def mutate(snapshot: dict) -> None:
        gone = vault_of(snapshot, kind, side)
        snapshot["vaults"] = [v for v in snapshot["vaults"] if v is not gone]
    return mutate


def drop_key_of(kind: str, side: str):
    def mutate(snapshot: dict) -> None:
        gone = key_of(snapshot, kind, side)
        snapshot["keys"] = [k for k in snapshot["keys"] if k is not gone]
    return mutate


def no_policies(snapshot: dict) -> None:
    for section, field in (("vaults", "access_policy"), ("keys", "policy"), ("buckets", "policy")):
        for item in snapshot[section]:
            item[field] = None


def settings(*, cross_account=True, region: str | None = None, advanced=True, drop_region: bool = False):
    def mutate(snapshot: dict) -> None:
        snapshot["settings"]["cross_account_backup"] = cross_account
        regions = snapshot["settings"]["region_settings"]
        if drop_region:
            regions.pop(region)
        elif region:
            regions[region]["dynamodb_advanced"] = advanced
    return mutate


CASES = {
    "ISO-01": [
        Case("copy into the general vault of the environment account",
             copy_to("critical_data", "arn:aws:backup:us-east-1:111111111111:backup-vault:CompactConnectBackupVault"),
             f"{PROVIDER}, {CRITICAL_RULE}: copies to vault CompactConnectBackupVault in account 111111111111, region us-east-1"),
        Case("non-SSN data copied into the SSN vault", copy_to("critical_data", BACKUP_SSN_ARN),
             "copies to vault CompactConnectBackupVault-SSN in account 222222222222, region us-west-2; expected CompactConnectBackupVault"),
        Case("copy destination not an ARN", copy_to("critical_data", "CompactConnectBackupVault"), "is not an ARN"),
        Case("no copy action", rule("critical_data", copy_actions=[]), f"{PROVIDER}, {CRITICAL_RULE}: no copy action"),
        Case("destination vault missing", drop_vault("general", "backup"),
             "destination vault arn:aws:backup:us-west-2:222222222222:backup-vault:CompactConnectBackupVault does not exist"),
        Case("no protected resource", emptied("inventory.tables", "inventory.buckets"), ABSENT),
    ],
    "ISO-02": [
        Case("vault policy also allows restore", with_statement(backup_general, "access_policy", Sid="AlsoRestore", Effect="Allow",
                                                                Principal=ENV_ROOT, Action="backup:StartRestoreJob", Resource="*"),
             f"{BACKUP_GENERAL} statement AlsoRestore allows backup:StartRestoreJob, not only backup:CopyIntoBackupVault"),
        Case("copy allowed from any organization", edit_statement(backup_general, "access_policy", "AllowCopyFromEnvironmentAccount",
                                                                  Condition=None),
             f"the same role outside the organization backup:CopyIntoBackupVault on {BACKUP_GENERAL}: allowed"),
        Case("copy not allowed at all", without_statement(backup_general, "access_policy", "AllowCopyFromEnvironmentAccount"),
             f"the environment account's backup role backup:CopyIntoBackupVault on {BACKUP_GENERAL}: denied"),
        Case("cross-account SSN vault missing", drop_vault("ssn", "backup"),
             "cross-account ssn vault CompactConnectBackupVault-SSN not found"),
    ],
    "ISO-03": [
        Case("bucket readable by anyone", with_statement(documents_bucket, "policy", Sid="Public", Effect="Allow", Principal="*",
                                                         Action="s3:GetObject", Resource="*"),
             "bucket compact-connect-example-provider-users-111111111111 policy Public: Allow to principal * WITHOUT a condition"),
        Case("key usable by any AWS principal", with_statement(backup_general_key, "policy", Sid="AnyAws", Effect="Allow",
                                                               Principal={"AWS": ["*"]}, Action="kms:Decrypt", Resource="*"),
             "policy AnyAws: Allow to principal * WITHOUT a condition"),
        Case("vault open to anyone", with_statement(backup_general, "access_policy", Sid="Open", Effect="Allow", Principal="*",
                                                    Action="backup:CopyIntoBackupVault", Resource="*"),
             "vault CompactConnectBackupVault (222222222222) access policy Open: Allow to principal * WITHOUT a condition"),
        Case("no resource policy at all", no_policies, "no resource policy found to check"),
    ],
    "ISO-04": [
        Case("environment account may decrypt directly", with_statement(backup_general_key, "policy", Sid="Direct", Effect="Allow",
                                                                         Principal=ENV_ROOT, Action="kms:Decrypt", Resource="*"),
             "the general backup role directly kms:Decrypt on key of the cross-account general vault: allowed"),
        Case("environment account may not use the key", without_statement(backup_general_key, "policy",
                                                                             "EnvironmentAccountUseThroughAWSBackup"),
             "the general backup role through AWS Backup kms:GenerateDataKey on key of the cross-account general vault: denied"),
        Case("vault key not in the snapshot", drop_key_of("ssn", "backup"),
             "key of the cross-account ssn vault: arn:aws:kms:us-west-2:222222222222:key/{{SSNBackupKey.Ref}} is not a "
             "customer-managed key"),
        Case("cross-account SSN vault missing", drop_vault("ssn", "backup"), "cross-account ssn vault not found"),
    ],
    "ISO-05": [
        Case("SSN data into the general vault", rule("ssn_data", target_vault="CompactConnectBackupVault"),
             f"dynamodb table compact-connect-example-ssn, {SSN_RULE}: SSN data into CompactConnectBackupVault"),
        Case("critical data copied into the SSN vault", copy_to("critical_data", BACKUP_SSN_ARN),
             f"{PROVIDER}, {CRITICAL_RULE}: non-SSN data into CompactConnectBackupVault, copies to CompactConnectBackupVault-SSN"),
        Case("SSN vault accepts any backup", without_statement(env_ssn_vault, "access_policy", "DenyBackupsFromAnyoneButSSNBackupRole"),
             "backup:StartBackupJob on environment SSN vault: allowed"),
        Case("SSN vault missing", drop_vault("ssn", "environment"), "environment SSN vault CompactConnectBackupVault-SSN not found"),
    ],
    "ISO-06": [
        Case("cross-account backup off", settings(cross_account=False), "cross-account backup enabled: False"),
        Case("advanced features off in the backup region", settings(region="222222222222:us-west-2", advanced=False),
             "backup account 222222222222:us-west-2: DynamoDB advanced features False"),
        Case("environment region settings unread", settings(region="111111111111:us-east-1", drop_region=True),
             "environment account 111111111111:us-east-1: DynamoDB advanced features None"),
    ],
}

test_healthy_passes, test_each_violation_fails = family_tests(CASES)
