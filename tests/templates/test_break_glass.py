"""SSN break-glass (design phase 2), evaluated as IAM/KMS would evaluate it, not matched as text.

For the local and the cross-account SSN vault and key: people (an administrator, the account root, the
general backup role, an outside account) are DENIED restore, restore metadata, decrypt and recovery-point
deletion; the SSN backup role can still back up and copy through AWS Backup; the break-glass role is
denied until the documented break-glass statements are applied.
"""
from __future__ import annotations

import copy

import pytest

from audit import break_glass
from audit.arns import backup_vault_arn

SIDES = {"local": ("backup-infrastructure", "environment"), "cross-account": ("backup-vaults", "backup")}
VAULT_ACTIONS = ["backup:StartRestoreJob", "backup:GetRecoveryPointRestoreMetadata", "backup:DeleteRecoveryPoint",
                 "backup:UpdateRecoveryPointLifecycle"]
KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant"]


def ssn_targets(env, where):
    stack, side = SIDES[where]
    vault = env.vault(stack, env.cfg["vault_names"]["ssn"])
    account, region = env.account(side), env.region(side)
    return {
        "side": side, "account": account, "region": region,
        "vault_arn": backup_vault_arn(region, account, env.cfg["vault_names"]["ssn"]),
        "vault_policy": vault["Properties"]["AccessPolicy"],
        "key_arn": f"arn:aws:kms:{region}:{account}:key/ssn",
        "key_policy": env.key_of(stack, vault)["Properties"]["KeyPolicy"],
    }


def people(env, side):
    return {
        "administrator": env.administrator(side),
        "account root": env.root(side),
        "general backup role": env.general_role(),
        "general backup role through AWS Backup": env.general_role(env.region(side)),
        "outside account": env.outsider(),
        "break-glass role": env.break_glass(side),
    }


@pytest.mark.parametrize("where", list(SIDES))
@pytest.mark.parametrize("action", VAULT_ACTIONS)
@pytest.mark.backs("BG-01")
def test_people_are_denied_restore_and_deletion_on_the_ssn_vault(env, where, action):
    target = ssn_targets(env, where)
    for name, principal in people(env, target["side"]).items():
        decision = env.decide(principal, action, target["vault_arn"], target["account"], target["vault_policy"])
        assert not decision.allowed, f"{name} may {action} on the {where} SSN vault: {decision.reason}"


@pytest.mark.parametrize("where", list(SIDES))
@pytest.mark.parametrize("action", KEY_ACTIONS)
@pytest.mark.backs("BG-01")
def test_people_are_denied_decrypt_and_data_keys_on_the_ssn_key(env, where, action):
    target = ssn_targets(env, where)
    for name, principal in people(env, target["side"]).items():
        decision = env.decide(principal, action, target["key_arn"], target["account"], target["key_policy"], "kms_key")
        assert not decision.allowed, f"{name} may {action} on the {where} SSN key: {decision.reason}"


@pytest.mark.parametrize("where", list(SIDES))
@pytest.mark.parametrize("action", ["kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt"])
@pytest.mark.backs("BG-02")
def test_ssn_backup_role_still_uses_the_key_through_aws_backup(env, where, action):
    target = ssn_targets(env, where)
    role = env.ssn_role(via_backup_region=target["region"])
    decision = env.decide(role, action, target["key_arn"], target["account"], target["key_policy"], "kms_key")
    assert decision.allowed, decision.reason


@pytest.mark.parametrize("where", list(SIDES))
@pytest.mark.backs("BG-01")
def test_ssn_backup_role_cannot_decrypt_directly(env, where):
    target = ssn_targets(env, where)
    decision = env.decide(env.ssn_role(), "kms:Decrypt", target["key_arn"], target["account"], target["key_policy"], "kms_key")
    assert not decision.allowed


@pytest.mark.backs("BG-02")
def test_aws_backup_can_still_copy_ssn_backups_to_the_backup_account(env):
    target = ssn_targets(env, "cross-account")
    decision = env.decide(env.ssn_role(), "backup:CopyIntoBackupVault", target["vault_arn"], target["account"],
                          target["vault_policy"], **{"backup:CopyTargets": [target["vault_arn"]]})
    assert decision.allowed, decision.reason


@pytest.mark.backs("BG-05")
def test_the_local_copy_out_is_left_to_the_ssn_backup_role(env):
    target = ssn_targets(env, "local")
    assert env.decide(env.ssn_role(), "backup:StartCopyJob", target["vault_arn"], target["account"],
                      target["vault_policy"]).kind != "ExplicitDeny"
    assert env.decide(env.administrator("environment"), "backup:StartCopyJob", target["vault_arn"], target["account"],
                      target["vault_policy"]).kind == "ExplicitDeny"


def apply_break_glass(env, target):
    """The documented temporary change (audit.break_glass, the code the runbook's script applies) on the
    vault and key policies of this side."""
    role_of = break_glass.config_roles(env.cfg)
    vault, key = (break_glass.LOCAL_VAULT, break_glass.LOCAL_KEY) if target["side"] == "environment" else (
        break_glass.CROSS_VAULT, break_glass.CROSS_KEY)
    return (break_glass.opened(vault, target["vault_policy"], role_of, target["region"]),
            break_glass.opened(key, target["key_policy"], role_of, target["region"]))


@pytest.mark.parametrize("where", list(SIDES))
@pytest.mark.backs("BG-03")
def test_break_glass_role_is_allowed_only_once_the_statements_are_applied(env, where):
    target = ssn_targets(env, where)
    role = env.break_glass(target["side"])
    vault_policy, key_policy = apply_break_glass(env, target)
    restore = env.decide(role, "backup:StartRestoreJob", target["vault_arn"], target["account"], vault_policy)
    decrypt = env.decide(role, "kms:Decrypt", target["key_arn"], target["account"], key_policy, "kms_key")
    assert restore.allowed and decrypt.allowed, (restore.reason, decrypt.reason)
    # ... and nobody else gains anything from them
    admin = env.administrator(target["side"])
    assert not env.decide(admin, "kms:Decrypt", target["key_arn"], target["account"], key_policy, "kms_key").allowed
    assert not env.decide(admin, "backup:StartRestoreJob", target["vault_arn"], target["account"], vault_policy).allowed


@pytest.mark.backs("BG-05")
def test_a_widened_exemption_would_be_caught(example):
    """Negative control for the tests above: exempting the whole account from the deny lets the admin in."""
    target = ssn_targets(example, "local")
    key_policy = copy.deepcopy(target["key_policy"])
    for statement in key_policy["Statement"]:
        if statement["Sid"] == "BreakGlassDenySSNKeyUse":
            statement["Condition"] = {"StringNotEquals": {"aws:PrincipalAccount": target["account"]}}
        if statement["Sid"] == "KeyAdministration":
            statement["Action"] = "kms:*"
    decision = example.decide(example.administrator("environment"), "kms:Decrypt", target["key_arn"], target["account"],
                              key_policy, "kms_key")
    assert decision.allowed
