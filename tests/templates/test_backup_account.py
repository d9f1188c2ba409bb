"""Backup account template (design phase 1), resolved with each bundled environment's parameters."""
from __future__ import annotations

import pytest

from audit.arns import backup_vault_arn

STACK = "backup-vaults"


def vaults(env):
    names = env.cfg["vault_names"]
    return {kind: env.vault(STACK, names[kind]) for kind in ("general", "ssn")}


@pytest.mark.backs("ENC-01")
def test_both_vaults_have_their_own_customer_managed_key_with_rotation(env):
    found = vaults(env)
    keys = {kind: env.key_of(STACK, vault) for kind, vault in found.items()}
    assert keys["general"] is not keys["ssn"]
    for key in keys.values():
        assert key["Type"] == "AWS::KMS::Key"
        assert key["Properties"]["EnableKeyRotation"] is True


@pytest.mark.backs("ISO-01")
def test_vaults_live_in_the_backup_account_and_region_the_config_names(env):
    outputs = env.stacks[STACK].template.outputs
    for kind in ("general", "ssn"):
        expected = backup_vault_arn(env.cfg["backup_region"], env.cfg["backup_account_id"], env.cfg["vault_names"][kind])
        assert outputs[{"general": "GeneralVaultArn", "ssn": "SSNVaultArn"}[kind]] == expected
    destinations = {p["cross_account_vault_arn"] for p in env.cfg["backup_policies"].values()}
    assert destinations == {outputs["GeneralVaultArn"], outputs["SSNVaultArn"]}


@pytest.mark.backs("RET-05", "RET-06")
def test_compliance_lock_with_cooling_off_and_bounds_that_fit_every_category(env):
    policies = env.cfg["backup_policies"].values()
    for kind, vault in vaults(env).items():
        lock = vault["Properties"]["LockConfiguration"]
        assert lock["ChangeableForDays"] >= 3  # compliance mode
        held = [p["lifecycle"]["delete_after_days"] for p in policies if p["dedicated_vault"] == (kind == "ssn")]
        assert 1 <= lock["MinRetentionDays"] <= min(held)
        assert lock["MaxRetentionDays"] >= max(held)


@pytest.mark.backs("ISO-02")
def test_vault_policies_allow_only_copy_into_vault_and_only_the_environment_account(env):
    env_root = f"arn:aws:iam::{env.cfg['environment_account_id']}:root"
    for vault in vaults(env).values():
        allows = [s for s in vault["Properties"]["AccessPolicy"]["Statement"] if s["Effect"] == "Allow"]
        assert allows, "a destination vault must accept copies"
        for statement in allows:
            assert statement["Action"] == "backup:CopyIntoBackupVault"
            assert statement["Principal"] == {"AWS": env_root}
            assert statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == env.cfg["organization_id"]


def _copy(env, principal, vault_kind, **context):
    vault = vaults(env)[vault_kind]
    arn = backup_vault_arn(env.cfg["backup_region"], env.cfg["backup_account_id"], env.cfg["vault_names"][vault_kind])
    return env.decide(principal, "backup:CopyIntoBackupVault", arn, env.cfg["backup_account_id"],
                      vault["Properties"]["AccessPolicy"], **context)


@pytest.mark.backs("ISO-05")
def test_ssn_vault_accepts_copies_only_from_the_ssn_backup_role(env):
    decision = _copy(env, env.general_role(), "ssn")
    assert not decision.allowed
    assert decision.kind == "ExplicitDeny"


@pytest.mark.backs("ISO-04")
def test_key_policies_let_the_environment_account_use_keys_only_through_aws_backup(env):
    env_account = env.cfg["environment_account_id"]
    for vault in vaults(env).values():
        for statement in env.key_of(STACK, vault)["Properties"]["KeyPolicy"]["Statement"]:
            principal = str(statement.get("Principal", ""))
            if statement["Effect"] != "Allow" or env_account not in principal:
                continue
            condition = statement["Condition"]
            via = condition.get("StringEquals", {}).get("kms:ViaService")
            grant = condition.get("Bool", {}).get("kms:GrantIsForAWSResource")
            assert via or grant == "true", statement["Sid"]
            if via:
                services = via if isinstance(via, list) else [via]
                assert all(s.endswith(f".{env.cfg['backup_region']}.amazonaws.com") for s in services)


@pytest.mark.template_fact(
    "a cross-account vault key that can be disabled or deleted destroys every copy it encrypts; no "
    "control asks it of the general key (BG-05 covers principals named in the SSN policies only)")
def test_keys_cannot_be_scheduled_for_deletion_or_disabled_by_anyone(env):
    for vault in vaults(env).values():
        key = env.key_of(STACK, vault)
        policy = key["Properties"]["KeyPolicy"]
        key_arn = f"arn:aws:kms:{env.cfg['backup_region']}:{env.cfg['backup_account_id']}:key/abc"
        for action in ("kms:ScheduleKeyDeletion", "kms:DisableKey"):
            decision = env.decide(env.administrator("backup"), action, key_arn, env.cfg["backup_account_id"], policy, "kms_key")
            assert decision.kind == "ExplicitDeny"


# ------------------------------------------------------------------------------------- the copy-back role
# `retention drill --from-backup-account` copies the backup account's copy back into the environment's general
# local vault (StartCopyJob runs in the backup account with this role as IamRoleArn; AWS Backup devguide
# https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html). Evaluated with the
# project's policy evaluator as IAM would (the evaluator is not AWS: it decides the statements written here).

def _copy_back_role(env) -> tuple[str, list[dict]]:
    props = env.stacks[STACK].template.resources["CopyBackRole"]["Properties"]
    assert props["RoleName"] == env.cfg["roles"]["copy_back_role_name"]
    return (f"arn:aws:iam::{env.cfg['backup_account_id']}:role/{props['RoleName']}",
            [p["PolicyDocument"] for p in props["Policies"]])


def _as_copy_back_role(env, action: str, resource: str, key_policy: dict | None = None, policies=None,
                       region: str | None = None, kind: str = "kms_key", **context):
    from audit.policy import Request, evaluate

    role, own = _copy_back_role(env)
    via = f"backup.{region or env.cfg['backup_region']}.amazonaws.com"
    request = Request(role, action, resource, {"kms:ViaService": via, "kms:CallerAccount": env.cfg["backup_account_id"],
                                               "aws:PrincipalAccount": env.cfg["backup_account_id"], **context})
    return evaluate(request, identity_policies=own if policies is None else policies, resource_policy=key_policy,
                    resource_policy_type=kind if key_policy is not None else "resource")


def _backup_key_policy(env, logical_id: str) -> dict:
    return env.stacks[STACK].template.resources[logical_id]["Properties"]["KeyPolicy"]


def _environment_key_policy(env, logical_id: str) -> dict:
    return env.stacks["backup-infrastructure"].template.resources[logical_id]["Properties"]["KeyPolicy"]


@pytest.mark.template_fact(
    "the copy-back role's trust policy: no control reads the copy-back role that retention drill "
    "--from-backup-account uses")
def test_only_aws_backup_of_the_backup_account_can_assume_the_copy_back_role_named_by_the_config(env):
    props = env.stacks[STACK].template.resources["CopyBackRole"]["Properties"]
    (statement,) = props["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "backup.amazonaws.com"} and statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": env.cfg["backup_account_id"]}}
    role, _ = _copy_back_role(env)
    assert env.stacks[STACK].template.outputs["CopyBackRoleArn"] == role


@pytest.mark.template_fact(
    "the copy-back role may bring general copies back and nothing else; no control reads this role")
def test_the_copy_back_role_copies_the_general_vault_into_the_environment_general_vault_only(env):
    cfg, outputs = env.cfg, env.stacks[STACK].template.outputs
    local_general = backup_vault_arn(cfg["primary_region"], cfg["environment_account_id"], cfg["vault_names"]["general"])
    vault_policy = env.vault("backup-infrastructure", cfg["vault_names"]["general"])["Properties"]["AccessPolicy"]
    decision = _as_copy_back_role(env, "backup:CopyIntoBackupVault", local_general, vault_policy, kind="resource")
    assert decision.allowed, decision.reason
    other = backup_vault_arn(cfg["primary_region"], cfg["environment_account_id"], "SomeOtherVault")
    assert not _as_copy_back_role(env, "backup:CopyIntoBackupVault", other, vault_policy, kind="resource").allowed
    general_key = _backup_key_policy(env, "GeneralBackupKey")
    for action, extra in (("kms:Decrypt", {}), ("kms:CreateGrant", {"kms:GrantIsForAWSResource": "true"})):
        decision = _as_copy_back_role(env, action, outputs["GeneralKeyArn"], general_key, **extra)
        assert decision.allowed, decision.reason
    # through AWS Backup only; a grant only for an AWS resource
    assert not _as_copy_back_role(env, "kms:Decrypt", outputs["GeneralKeyArn"], general_key,
                                  **{"kms:ViaService": "s3.us-east-1.amazonaws.com"}).allowed
    assert not _as_copy_back_role(env, "kms:CreateGrant", outputs["GeneralKeyArn"], general_key).allowed
    for action in ("backup:StartRestoreJob", "backup:DeleteRecoveryPoint", "iam:PassRole", "s3:GetObject"):
        assert not _as_copy_back_role(env, action, outputs["GeneralVaultArn"]).allowed


@pytest.mark.template_fact(
    "the copy-back role's own Deny keeps SSN copies in the backup account; no control reads this role")
def test_the_copy_back_role_is_explicitly_denied_the_ssn_vaults_and_key(env):
    cfg, outputs = env.cfg, env.stacks[STACK].template.outputs
    ssn_key = _backup_key_policy(env, "SSNBackupKey")
    for action in ("kms:Decrypt", "kms:CreateGrant", "kms:GenerateDataKey"):
        decision = _as_copy_back_role(env, action, outputs["SSNKeyArn"], ssn_key, **{"kms:GrantIsForAWSResource": "true"})
        assert decision.kind == "ExplicitDeny", decision.reason
        assert _as_copy_back_role(env, action, outputs["SSNKeyArn"]).kind == "ExplicitDeny"  # by its own policy alone
    local_ssn = backup_vault_arn(cfg["primary_region"], cfg["environment_account_id"], cfg["vault_names"]["ssn"])
    for vault in (outputs["SSNVaultArn"], local_ssn):
        for action in ("backup:CopyIntoBackupVault", "backup:StartCopyJob", "backup:StartRestoreJob"):
            assert _as_copy_back_role(env, action, vault).kind == "ExplicitDeny", (vault, action)


@pytest.mark.template_fact(
    "proves the copy-back role's own Deny statement is what refuses the SSN key (defence in depth no "
    "control checks)")
def test_without_its_deny_statement_the_copy_back_role_is_no_longer_denied_the_ssn_key(example):
    """The role's own Deny is what this test pins (the SSN key policy's BreakGlassDenySSNKeyUse refuses it too)."""
    _, policies = _copy_back_role(example)
    weakened = [{**p, "Statement": [s for s in p["Statement"] if s.get("Sid") != "DenySSNVaultAndKey"]} for p in policies]
    assert weakened != policies
    ssn_key = example.stacks[STACK].template.outputs["SSNKeyArn"]
    assert _as_copy_back_role(example, "kms:Decrypt", ssn_key).kind == "ExplicitDeny"
    assert _as_copy_back_role(example, "kms:Decrypt", ssn_key, policies=weakened).kind != "ExplicitDeny"


@pytest.mark.template_fact(
    "the environment general key admits the copy back through AWS Backup only; no control reads the "
    "copy-back grant")
def test_the_environment_general_key_lets_the_copy_back_role_encrypt_through_aws_backup_only(env):
    """BackupAccountCopyBackThroughAWSBackup of cloudformation/environment-backup.yaml: a cross-account KMS
    call needs the key policy AND the caller's policy (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html);
    the environment's SSN key names no backup-account principal, so the copy back never reaches it."""
    region = env.cfg["primary_region"]
    infra = env.stacks["backup-infrastructure"].template.outputs
    general = _environment_key_policy(env, "GeneralBackupKey")
    decision = _as_copy_back_role(env, "kms:GenerateDataKey", infra["GeneralKeyArn"], general, region=region)
    assert decision.allowed, decision.reason
    assert not _as_copy_back_role(env, "kms:GenerateDataKey", infra["GeneralKeyArn"], general, region=region,
                                  **{"kms:ViaService": f"dynamodb.{region}.amazonaws.com"}).allowed
    assert not _as_copy_back_role(env, "kms:GenerateDataKey", infra["GeneralKeyArn"], general, region=region,
                                  **{"kms:CallerAccount": "999999999999"}).allowed
    ssn = _environment_key_policy(env, "SSNBackupKey")
    assert not _as_copy_back_role(env, "kms:GenerateDataKey", infra["SSNKeyArn"], ssn, region=region).allowed
