"""Tamper tests: a clean deployment of the example environment in the sandbox passes every control live;
each tampering (done with the AWS APIs, as an intruder or a careless operator would) makes the live audit
exit 1 with the expected controls failed, and `retention drift` names the tampered resource. Each test
undoes its tampering, so the next starts from the clean deployment again.

The sandbox does not evaluate KMS or vault policies on API calls: some of these tamperings (turning off
rotation against a DENY of DisableKeyRotation, say) AWS itself would refuse. The point here is that the
audit catches them if they happen.
"""
from __future__ import annotations

import json

import pytest

from tests.support.deployments import RETENTION, Deployed, at_hours_ago  # noqa: F401
from tests.support.sandbox import BACKUP_ACCOUNT, BACKUP_REGION, ENV_ACCOUNT, REPO_ROOT

PREFIX = "compact-connect-example"






@pytest.fixture(scope="module")
def deployed(sandbox, tmp_path_factory):
    env = Deployed(sandbox, tmp_path_factory.mktemp("tamper"))
    for account, region in ((ENV_ACCOUNT, "us-east-1"), (BACKUP_ACCOUNT, BACKUP_REGION)):
        sandbox.aws("backup", "update-region-settings", "--resource-type-opt-in-preference", "S3=true,DynamoDB=true",
                    "--resource-type-management-preference", "DynamoDB=true", account=account, region=region)
    sandbox.aws("backup", "update-global-settings", "--global-settings", "isCrossAccountBackupEnabled=true")
    env.run(REPO_ROOT / "scripts" / "deploy.sh", "--env", "example", "--config-dir", env.config_dir,
            "--endpoint-url", sandbox.url, "--with-sample-app")
    env.run_exports()
    # last week's backups and this cadence's restore tests (validated), as scripts/demo.sh runs them: RES-06
    # (tests/sandbox/test_restore_controls.py) needs a recent restore test of every protected resource
    env.run_backups(hours_ago=7 * 24 + 1)
    env.run(RETENTION, "sandbox", "run-restore-tests", "--env", "example", "--config-dir", env.config_dir,
            "--endpoint-url", sandbox.url, "--latest-due")
    return env


def test_recovery_points_older_than_two_days_fail_the_rpo(deployed):
    deployed.run_backups(hours_ago=50)  # the job runner stopped two days ago
    assert deployed.audit() == (1, {"RPO-03", "RPO-04"})


def test_a_clean_deployment_passes_every_control_and_shows_no_drift(deployed):
    output = deployed.run_backups(hours_ago=3)
    assert "copy jobs 8 completed, 0 failed" in output
    assert deployed.audit() == (0, set())
    assert "no drift" in deployed.drift()


def _vault_policy(client, name):
    return client.get_backup_vault_access_policy(BackupVaultName=name)["Policy"]


def test_ssn_vault_policy_replaced_by_a_permissive_one(deployed, sandbox):
    backup = sandbox.client("backup")
    original = _vault_policy(backup, "CompactConnectBackupVault-SSN")
    permissive = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "backup:*", "Resource": "*"}]}
    backup.put_backup_vault_access_policy(BackupVaultName="CompactConnectBackupVault-SSN", Policy=json.dumps(permissive))
    try:
        # RES-03 too: the restore testing role's own Deny names the SSN vault, not its recovery points (their ARNs
        # do not name the vault), so with the vault's restore DENY gone a restore test could restore SSN data
        assert deployed.audit() == (1, {"BG-01", "BG-03", "BG-05", "ISO-03", "ISO-05", "RES-03"})
        assert "vault CompactConnectBackupVault-SSN (111111111111, us-east-1): access_policy" in deployed.drift()
    finally:
        backup.put_backup_vault_access_policy(BackupVaultName="CompactConnectBackupVault-SSN", Policy=original)


def _key_of_vault(sandbox, vault, account=ENV_ACCOUNT, region="us-east-1"):
    return sandbox.client("backup", account, region).describe_backup_vault(BackupVaultName=vault)["EncryptionKeyArn"]


def test_ssn_key_deny_removed(deployed, sandbox):
    kms = sandbox.client("kms")
    key = _key_of_vault(sandbox, "CompactConnectBackupVault-SSN")
    original = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    policy = json.loads(original)
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != "BreakGlassDenySSNKeyUse"]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(policy))
    try:
        assert deployed.audit() == (1, {"BG-01", "BG-05"})
        assert "vault CompactConnectBackupVault-SSN (111111111111, us-east-1): key.policy" in deployed.drift()
    finally:
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=original)


def _plan(sandbox, suffix):
    backup = sandbox.client("backup")
    plan_id = next(p["BackupPlanId"] for p in backup.list_backup_plans()["BackupPlansList"] if p["BackupPlanName"].endswith(suffix))
    return backup, plan_id, backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]


def _plan_input(plan):
    rules = [{k: v for k, v in r.items() if k not in ("RuleId",)} for r in plan["Rules"]]
    for rule in rules:
        rule["TargetBackupVaultName"] = rule.pop("TargetBackupVaultName")
    return {"BackupPlanName": plan["BackupPlanName"], "Rules": rules}


def test_a_copy_action_deleted(deployed, sandbox):
    backup, plan_id, plan = _plan(sandbox, "critical_data")
    original = _plan_input(plan)
    tampered = json.loads(json.dumps(original))
    tampered["Rules"][0].pop("CopyActions")
    backup.update_backup_plan(BackupPlanId=plan_id, BackupPlan=tampered)
    try:
        assert deployed.audit() == (1, {"ISO-01", "RPO-02"})
        assert "plan compact-retention-example-critical_data (111111111111, us-east-1): rule critical_data-daily" in deployed.drift()
    finally:
        backup.update_backup_plan(BackupPlanId=plan_id, BackupPlan=original)


def test_a_schedule_changed_to_weekly(deployed, sandbox):
    backup, plan_id, plan = _plan(sandbox, "ssn_data")
    original = _plan_input(plan)
    tampered = json.loads(json.dumps(original))
    tampered["Rules"][0]["ScheduleExpression"] = "cron(0 2 ? * SUN *)"
    backup.update_backup_plan(BackupPlanId=plan_id, BackupPlan=tampered)
    try:
        assert deployed.audit() == (1, {"RPO-01", "RPO-02"})
        assert "plan compact-retention-example-ssn_data" in deployed.drift()
    finally:
        backup.update_backup_plan(BackupPlanId=plan_id, BackupPlan=original)


def test_cross_account_vault_opened_to_another_account_refuses_copies(deployed, sandbox):
    backup = sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION)
    original = _vault_policy(backup, "CompactConnectBackupVault")
    policy = json.loads(original)
    for statement in policy["Statement"]:
        if statement["Effect"] == "Allow":
            statement["Principal"] = {"AWS": "arn:aws:iam::999999999999:root"}
    backup.put_backup_vault_access_policy(BackupVaultName="CompactConnectBackupVault", Policy=json.dumps(policy))
    try:
        output = deployed.run_backups(hours_ago=1)
        assert "copy jobs 1 completed, 7 failed" in output  # only the SSN copy still lands
        assert "the destination vault refuses backup:CopyIntoBackupVault" in output
        assert deployed.audit() == (1, {"ISO-02"})
        assert "vault CompactConnectBackupVault (222222222222, us-west-2): access_policy" in deployed.drift()
    finally:
        backup.put_backup_vault_access_policy(BackupVaultName="CompactConnectBackupVault", Policy=original)


def test_rotation_turned_off(deployed, sandbox):
    kms = sandbox.client("kms", BACKUP_ACCOUNT, BACKUP_REGION)
    key = _key_of_vault(sandbox, "CompactConnectBackupVault", BACKUP_ACCOUNT, BACKUP_REGION)
    kms.disable_key_rotation(KeyId=key)
    try:
        assert deployed.audit() == (1, {"ENC-01"})
        assert "vault CompactConnectBackupVault (222222222222, us-west-2): key.rotation_enabled" in deployed.drift()
    finally:
        kms.enable_key_rotation(KeyId=key)


def test_lock_removed_from_a_local_vault(deployed, sandbox):
    backup = sandbox.client("backup")
    vault = backup.describe_backup_vault(BackupVaultName="CompactConnectBackupVault")
    backup.delete_backup_vault_lock_configuration(BackupVaultName="CompactConnectBackupVault")
    try:
        assert deployed.audit() == (1, {"RET-06"})
        assert "vault CompactConnectBackupVault (111111111111, us-east-1): lock.mode" in deployed.drift()
    finally:
        backup.put_backup_vault_lock_configuration(BackupVaultName="CompactConnectBackupVault",
                                                   MinRetentionDays=vault["MinRetentionDays"],
                                                   MaxRetentionDays=vault["MaxRetentionDays"])


def test_protected_bucket_versioning_suspended(deployed, sandbox):
    s3 = sandbox.client("s3")
    bucket = f"{PREFIX}-provider-users-{ENV_ACCOUNT}"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    try:
        assert deployed.audit() == (1, {"COV-04"})
        assert f"bucket arn:aws:s3:::{bucket}: versioning" in deployed.drift()
    finally:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def test_smoke_script_backs_up_and_copies_one_table(deployed, sandbox):
    result = deployed.run(REPO_ROOT / "scripts" / "smoke.sh", "--env", "example", "--config-dir", deployed.config_dir,
                          "--endpoint-url", sandbox.url, "--timeout", "60", check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "backup job" in result.stderr and "copy job" in result.stderr and "smoke: passed" in result.stderr


def test_smoke_script_fails_when_the_copy_is_refused(deployed, sandbox):
    backup = sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION)
    original = _vault_policy(backup, "CompactConnectBackupVault")
    backup.delete_backup_vault_access_policy(BackupVaultName="CompactConnectBackupVault")
    try:
        result = deployed.run(REPO_ROOT / "scripts" / "smoke.sh", "--env", "example", "--config-dir", deployed.config_dir,
                              "--endpoint-url", sandbox.url, "--timeout", "60", check=False)
        assert result.returncode == 1
        assert "the copy job ended FAILED" in result.stderr
    finally:
        backup.put_backup_vault_access_policy(BackupVaultName="CompactConnectBackupVault", Policy=original)


# the Cognito export ----------------------------------------------------------------------------------
EXPORT_BUCKET = f"{PREFIX}-cognito-export-{ENV_ACCOUNT}"


def _export_objects(s3, prefix):
    return {o["Key"][len(prefix):]: o for page in s3.get_paginator("list_objects_v2").paginate(Bucket=EXPORT_BUCKET, Prefix=prefix)
            for o in page.get("Contents", [])}


def _jsonl(s3, key):
    import gzip

    return [json.loads(line) for line in gzip.decompress(s3.get_object(Bucket=EXPORT_BUCKET, Key=key)["Body"].read()).splitlines()]


def test_an_export_of_seeded_pools_is_complete(deployed, sandbox):
    """Every user, attribute, status, enabled flag, group and membership of a seeded pool is in the export
    the deployed schedule and function produce, and the manifest's counts and hashes match."""
    import csv
    import hashlib
    import io

    from sandbox.seed_users import seed_pool

    cognito, s3 = sandbox.client("cognito-idp"), sandbox.client("s3")
    pool_id = "us-east-1_exStaffU1"
    made = seed_pool(cognito, pool_id, 130)  # more than two ListUsers pages of 60
    output = deployed.run_exports("--day", "2026-01-01")
    assert f"pool {pool_id}, {made['users']} users" in output
    prefix = f"cognito-export/{pool_id}/2026-01-01/"
    objects = _export_objects(s3, prefix)
    manifest = json.loads(s3.get_object(Bucket=EXPORT_BUCKET, Key=prefix + "manifest.json")["Body"].read())
    # the manifest names every other object with its size and hash, and nothing else is there
    listed = {o["key"][len(prefix):]: o for o in manifest["objects"]}
    assert set(listed) == set(objects) - {"manifest.json"}
    for name, entry in listed.items():
        body = s3.get_object(Bucket=EXPORT_BUCKET, Key=prefix + name)["Body"].read()
        assert (len(body), hashlib.sha256(body).hexdigest()) == (entry["size"], entry["sha256"]), name
    # users: everyone Cognito lists, with every attribute, status and enabled flag
    listed_users = {u["Username"]: u for page in cognito.get_paginator("list_users").paginate(UserPoolId=pool_id) for u in page["Users"]}
    exported = {u["username"]: u for name in sorted(listed) if name.startswith("users-") for u in _jsonl(s3, prefix + name)}
    assert set(exported) == set(listed_users) and len(exported) == made["users"]
    for username, user in listed_users.items():
        got = exported[username]
        assert got["status"] == user["UserStatus"] and got["enabled"] == user["Enabled"], username
        assert {a["Name"]: a["Value"] for a in user["Attributes"] if a["Name"] != "sub"}.items() <= got["attributes"].items()
    counts = manifest["counts"]
    assert counts["users"] == made["users"] and counts["disabled"] == made["disabled"]
    assert counts["by_status"].get("UNCONFIRMED") == made["unconfirmed"]
    # groups and memberships: every group, every member, from ListUsersInGroup
    groups = [g["GroupName"] for g in cognito.list_groups(UserPoolId=pool_id)["Groups"]]
    members = {(g, u["Username"]) for g in groups for page in cognito.get_paginator("list_users_in_group").paginate(
        UserPoolId=pool_id, GroupName=g) for u in page["Users"]}
    exported_members = {(m["group"], m["username"]) for name in listed if name.startswith("memberships-")
                        for m in _jsonl(s3, prefix + name)}
    assert exported_members == members and counts["memberships"] == len(members) == made["memberships"]
    assert counts["groups"] == len(groups)
    # the import CSV has the pool's GetCSVHeader columns and one row per importable user
    header = cognito.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    rows = [row for name in sorted(listed) if name.startswith("import-")
            for row in csv.reader(io.StringIO(s3.get_object(Bucket=EXPORT_BUCKET, Key=prefix + name)["Body"].read().decode()))]
    assert rows[0] == header and len(rows) - 1 == counts["csv_rows"] == made["users"]


def test_a_missing_manifest_or_a_disabled_schedule_fails_the_export_controls(deployed, sandbox):
    s3, events = sandbox.client("s3"), sandbox.client("events")
    prefix = "cognito-export/us-east-1_exProvdU1/"
    manifests = {key: s3.get_object(Bucket=EXPORT_BUCKET, Key=prefix + key)["Body"].read()
                 for key in _export_objects(s3, prefix) if key.endswith("manifest.json")}
    assert manifests
    for key in manifests:  # every export of the pool loses its manifest: none is complete any more
        s3.delete_object(Bucket=EXPORT_BUCKET, Key=prefix + key)  # a delete marker: the version stays
    try:
        assert deployed.audit() == (1, {"EXP-06"})
    finally:
        for key, body in manifests.items():
            s3.put_object(Bucket=EXPORT_BUCKET, Key=prefix + key, Body=body)
    rule = "compact-retention-example-cognito-export-staff-users"
    events.disable_rule(Name=rule)
    try:
        assert deployed.audit() == (1, {"EXP-01"})
        assert f"rule arn:aws:events:us-east-1:{ENV_ACCOUNT}:rule/{rule}: state is \"DISABLED\" in the account" in deployed.drift()
    finally:
        events.enable_rule(Name=rule)
    assert deployed.audit() == (0, set())


def test_an_export_bucket_that_keeps_exports_forever_fails_the_export_retention(deployed, sandbox):
    """The lifecycle the export bucket had before EXP-07 (noncurrent versions only), put back with the S3 API:
    the live audit reads it as the account returns it and fails EXP-07 alone; drift names the bucket."""
    s3 = sandbox.client("s3")
    deployed_rules = s3.get_bucket_lifecycle_configuration(Bucket=EXPORT_BUCKET)["Rules"]
    assert any((r.get("Expiration") or {}).get("Days") for r in deployed_rules)
    s3.put_bucket_lifecycle_configuration(Bucket=EXPORT_BUCKET, LifecycleConfiguration={"Rules": [
        r for r in deployed_rules if not r.get("Expiration")]})
    try:
        assert deployed.audit() == (1, {"EXP-07"})
        assert f"arn:aws:s3:::{EXPORT_BUCKET}: expiration_rules" in deployed.drift()
    finally:
        s3.put_bucket_lifecycle_configuration(Bucket=EXPORT_BUCKET, LifecycleConfiguration={"Rules": deployed_rules})
    assert deployed.audit() == (0, set())
