"""Backup account template (design phase 1), resolved with each bundled environment's parameters."""
from __future__ import annotations

from audit.arns import backup_vault_arn

STACK = "backup-vaults"


def vaults(env):
    names = env.cfg["vault_names"]
    return {kind: env.vault(STACK, names[kind]) for kind in ("general", "ssn")}


def test_both_vaults_have_their_own_customer_managed_key_with_rotation(env):
    found = vaults(env)
    keys = {kind: env.key_of(STACK, vault) for kind, vault in found.items()}
    assert keys["general"] is not keys["ssn"]
    for key in keys.values():
        assert key["Type"] == "AWS::KMS::Key"
        assert key["Properties"]["EnableKeyRotation"] is True


def test_vaults_and_keys_are_retained_on_deletion_and_replacement(env):
    for vault in vaults(env).values():
        for resource in (vault, env.key_of(STACK, vault)):
            assert resource["DeletionPolicy"] == "Retain"
            assert resource["UpdateReplacePolicy"] == "Retain"


def test_vaults_live_in_the_backup_account_and_region_the_config_names(env):
    outputs = env.stacks[STACK].template.outputs
    for kind in ("general", "ssn"):
        expected = backup_vault_arn(env.cfg["backup_region"], env.cfg["backup_account_id"], env.cfg["vault_names"][kind])
        assert outputs[{"general": "GeneralVaultArn", "ssn": "SSNVaultArn"}[kind]] == expected
    destinations = {p["cross_account_vault_arn"] for p in env.cfg["backup_policies"].values()}
    assert destinations == {outputs["GeneralVaultArn"], outputs["SSNVaultArn"]}


def test_compliance_lock_with_cooling_off_and_bounds_that_fit_every_category(env):
    policies = env.cfg["backup_policies"].values()
    for kind, vault in vaults(env).items():
        lock = vault["Properties"]["LockConfiguration"]
        assert lock["ChangeableForDays"] >= 3  # compliance mode
        held = [p["lifecycle"]["delete_after_days"] for p in policies if p["dedicated_vault"] == (kind == "ssn")]
        assert 1 <= lock["MinRetentionDays"] <= min(held)
        assert lock["MaxRetentionDays"] >= max(held)


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


def test_copies_accepted_from_the_environment_account_inside_the_organization(env):
    assert _copy(env, env.general_role(), "general").allowed
    assert _copy(env, env.ssn_role(), "ssn").allowed


def test_copies_refused_from_outside_the_organization_or_another_account(env):
    assert not _copy(env, env.general_role(), "general", **{"aws:PrincipalOrgID": "o-someoneelse1"}).allowed
    assert not _copy(env, env.outsider(), "general").allowed
    assert not _copy(env, env.outsider(), "ssn").allowed


def test_ssn_vault_accepts_copies_only_from_the_ssn_backup_role(env):
    decision = _copy(env, env.general_role(), "ssn")
    assert not decision.allowed
    assert decision.kind == "ExplicitDeny"


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


def test_keys_cannot_be_scheduled_for_deletion_or_disabled_by_anyone(env):
    for vault in vaults(env).values():
        key = env.key_of(STACK, vault)
        policy = key["Properties"]["KeyPolicy"]
        key_arn = f"arn:aws:kms:{env.cfg['backup_region']}:{env.cfg['backup_account_id']}:key/abc"
        for action in ("kms:ScheduleKeyDeletion", "kms:DisableKey"):
            decision = env.decide(env.administrator("backup"), action, key_arn, env.cfg["backup_account_id"], policy, "kms_key")
            assert decision.kind == "ExplicitDeny"
