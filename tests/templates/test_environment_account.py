"""Environment account template (design phase 2): local vaults, keys, and the two backup roles."""
from __future__ import annotations

import pytest

from audit.arns import dynamodb_table_arn

STACK = "backup-infrastructure"
S3_POLICIES = {"arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
               "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore"}
GENERAL_POLICIES = {"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
                    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"}


def local_vaults(env):
    names = env.cfg["vault_names"]
    return {kind: env.vault(STACK, names[kind]) for kind in ("general", "ssn")}


def tables(env, category=None):
    return [dynamodb_table_arn(env.cfg["primary_region"], env.cfg["environment_account_id"], t["table_name"])
            for t in env.cfg["inventory"]["dynamodb_tables"] if category in (None, t["category"])]


@pytest.mark.backs("ENC-01", "ENC-03")
def test_local_vaults_use_their_own_rotating_keys_and_are_retained(env):
    found = local_vaults(env)
    keys = [env.key_of(STACK, v) for v in found.values()]
    assert keys[0] is not keys[1]
    for resource in [*found.values(), *keys]:
        assert resource["DeletionPolicy"] == "Retain" and resource["UpdateReplacePolicy"] == "Retain"
    assert all(k["Properties"]["EnableKeyRotation"] is True for k in keys)


@pytest.mark.backs("RET-06")
def test_local_vaults_have_governance_mode_locks(env):
    for vault in local_vaults(env).values():
        lock = vault["Properties"]["LockConfiguration"]
        assert "ChangeableForDays" not in lock  # governance mode
        assert lock["MinRetentionDays"] >= 1


@pytest.mark.template_fact(
    "the evaluator models managed policies as allow-all, so a wrong managed policy ARN (a failed "
    "deployment or S3 backups refused) is caught only here")
def test_general_role_has_the_managed_policies_at_their_real_arns(env):
    role = env.resource(STACK, "GeneralBackupRole")["Properties"]
    assert role["RoleName"] == env.cfg["roles"]["general_backup_role_name"]
    assert set(role["ManagedPolicyArns"]) == S3_POLICIES | GENERAL_POLICIES


@pytest.mark.template_fact(
    "least privilege of the SSN backup role: dynamodb, backup and kms only, no wildcard; no control "
    "reads its actions")
def test_ssn_role_is_minimal(env):
    role = env.resource(STACK, "SSNBackupRole")["Properties"]
    assert role["RoleName"] == env.cfg["backup_policies"]["ssn_data"]["specialized_role"]
    assert "ManagedPolicyArns" not in role
    allowed = {a for doc in env.role_policies(STACK, "SSNBackupRole") for s in doc["Statement"] if s["Effect"] == "Allow"
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {a.split(":")[0] for a in allowed} == {"dynamodb", "backup", "kms"}
    assert not any("*" in a.split(":")[1] and not a.startswith("kms:") for a in allowed)


@pytest.mark.template_fact("the SSN backup role reaches only the SSN tables; no control reads the role's table scope")
def test_ssn_role_backs_up_only_the_ssn_tables(env):
    ssn_role = env.ssn_role()
    account = env.cfg["environment_account_id"]
    for arn in tables(env, "ssn_data"):
        assert env.decide(ssn_role, "dynamodb:StartAwsBackupJob", arn, account, None).allowed
    for arn in tables(env, "critical_data"):
        assert not env.decide(ssn_role, "dynamodb:StartAwsBackupJob", arn, account, None).allowed


@pytest.mark.template_fact(
    "the SSN backup role cannot read SSN items itself; no control asks the role's data-plane deny")
def test_ssn_role_is_explicitly_denied_data_plane_and_batch_reads(env):
    ssn_role = env.ssn_role()
    for arn in tables(env, "ssn_data"):
        for action in ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Scan", "dynamodb:Query",
                       "dynamodb:ExportTableToPointInTime", "dynamodb:RestoreTableFromBackup"):
            decision = env.decide(ssn_role, action, arn, env.cfg["environment_account_id"], None)
            assert decision.kind == "ExplicitDeny", action


@pytest.mark.backs("ISO-05")
def test_ssn_role_copies_only_into_the_ssn_destination_vault(env):
    ssn_role = env.ssn_role()
    ssn_destination = env.cfg["backup_policies"]["ssn_data"]["cross_account_vault_arn"]
    general_destination = env.cfg["backup_policies"]["critical_data"]["cross_account_vault_arn"]
    backup_account = env.cfg["backup_account_id"]
    assert env.decide(ssn_role, "backup:CopyIntoBackupVault", ssn_destination, backup_account,
                      env.destination_policy("ssn"), **{"backup:CopyTargets": [ssn_destination]}).allowed
    refused = env.decide(ssn_role, "backup:CopyIntoBackupVault", general_destination, backup_account,
                         env.destination_policy("general"), **{"backup:CopyTargets": [general_destination]})
    assert refused.kind == "ExplicitDeny"
    refused = env.decide(ssn_role, "backup:StartCopyJob", "arn:aws:backup:us-east-1:1:recovery-point:x",
                         env.cfg["environment_account_id"], None, **{"backup:CopyTargets": [general_destination]})
    assert refused.kind == "ExplicitDeny"


@pytest.mark.backs("ISO-05")
def test_general_role_is_kept_away_from_ssn_tables_and_vaults(env):
    general = env.general_role()
    account = env.cfg["environment_account_id"]
    for arn in tables(env, "ssn_data"):
        assert env.decide(general, "dynamodb:StartAwsBackupJob", arn, account, None).kind == "ExplicitDeny"
    ssn_destination = env.cfg["backup_policies"]["ssn_data"]["cross_account_vault_arn"]
    assert env.decide(general, "backup:CopyIntoBackupVault", ssn_destination, env.cfg["backup_account_id"],
                      env.destination_policy("ssn"), **{"backup:CopyTargets": [ssn_destination]}).kind == "ExplicitDeny"
    for arn in tables(env, "critical_data"):
        assert env.decide(general, "dynamodb:StartAwsBackupJob", arn, account, None).allowed


@pytest.mark.template_fact(
    "the general role's own Deny refuses copies to any other account even when that vault allows "
    "everything; no control reads the role's copy targets")
def test_general_role_copies_only_into_the_general_destination(env):
    general = env.general_role()
    destination = env.cfg["backup_policies"]["critical_data"]["cross_account_vault_arn"]
    other = destination.replace(env.cfg["backup_account_id"], "999999999999")
    assert env.decide(general, "backup:CopyIntoBackupVault", destination, env.cfg["backup_account_id"],
                      env.destination_policy("general"), **{"backup:CopyTargets": [destination]}).allowed
    permissive = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "backup:*", "Resource": "*"}]}
    assert env.decide(general, "backup:CopyIntoBackupVault", other, "999999999999", permissive,
                      **{"backup:CopyTargets": [other]}).kind == "ExplicitDeny"


@pytest.mark.backs("ISO-05")
def test_only_the_ssn_role_puts_recovery_points_into_the_local_ssn_vault(env):
    vault = local_vaults(env)["ssn"]
    arn = env.stacks[STACK].template.outputs["SSNVaultArn"]
    account = env.cfg["environment_account_id"]
    policy = vault["Properties"]["AccessPolicy"]
    assert env.decide(env.general_role(), "backup:StartBackupJob", arn, account, policy).kind == "ExplicitDeny"
    assert env.decide(env.administrator("environment"), "backup:StartBackupJob", arn, account, policy).kind == "ExplicitDeny"
    assert env.decide(env.ssn_role(), "backup:StartBackupJob", arn, account, policy).kind != "ExplicitDeny"
