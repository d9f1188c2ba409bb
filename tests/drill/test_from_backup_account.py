"""``retention drill --from-backup-account`` against the sandbox: the backup account's newest copy is copied
back into the environment account's local vault (StartCopyJob in the backup account, with a role there),
then drilled (audit/drill/copy_back.py).

The world: the example environment's provider table and provider-users bucket backed up into the local
general vault and copied to the backup account's general vault; then the sources are changed AND backed up
again locally. The local vault's newest point therefore holds the changed data and only the copy holds the
original: a drill that passes with the original counts restored the copy, and the later change does not
appear. The vaults carry the access policies the templates give them (read from the static snapshot), so
the copy back is allowed by ``AllowCopyBackFromBackupAccount`` of cloudformation/environment-backup.yaml and
refused without it.

The sandbox is not AWS (sandbox/README.md): its copy job is instant and does not evaluate the vault policy
itself (the drill does, before it starts anything); on AWS the copy takes minutes and AWS decides. AWS
documents the route: "copy the backup from its destination account to its source account, and then start
the restore" (https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.cli import main
from audit.config import load_config
from audit.sources.static.build import build_snapshot
from tests.support.sandbox import BACKUP_ACCOUNT, BACKUP_REGION, ENV_ACCOUNT, ENV_REGION, example_accounts, make_role, sandbox  # noqa: F401 (fixture)

TABLE = "compact-connect-example-provider"
BUCKET = f"compact-connect-example-provider-users-{ENV_ACCOUNT}"
VAULT = "CompactConnectBackupVault"
TABLE_ARN = f"arn:aws:dynamodb:{ENV_REGION}:{ENV_ACCOUNT}:table/{TABLE}"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
COPY_VAULT_ARN = f"arn:aws:backup:{BACKUP_REGION}:{BACKUP_ACCOUNT}:backup-vault:{VAULT}"
ITEMS, OBJECTS = 60, 3


def template_policies() -> dict[str, dict]:
    """The general vaults' access policies as the templates resolve them for the example (account -> policy)."""
    snapshot = build_snapshot(load_config("example", None, for_audit=True).data, templates_dir=None)
    return {v["account_id"]: v["access_policy"] for v in snapshot["vaults"] if v["name"] == VAULT}


def backup(sandbox, resource_arn: str, role: str) -> str:  # noqa: F811
    client = sandbox.client("backup")
    job_id = client.start_backup_job(BackupVaultName=VAULT, ResourceArn=resource_arn, IamRoleArn=role,
                                     Lifecycle={"DeleteAfterDays": 400})["BackupJobId"]
    job = client.describe_backup_job(BackupJobId=job_id)
    assert job["State"] == "COMPLETED", job.get("StatusMessage")
    return job["RecoveryPointArn"]


@pytest.fixture(scope="module")
def world(sandbox, tmp_path_factory):  # noqa: F811
    out = tmp_path_factory.mktemp("accounts")
    _, setup = example_accounts(sandbox, out)
    policies = template_policies()
    env_kms, bkp_kms = sandbox.client("kms"), sandbox.client("kms", BACKUP_ACCOUNT, BACKUP_REGION)
    env_backup, bkp_backup = sandbox.client("backup"), sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION)
    env_backup.create_backup_vault(BackupVaultName=VAULT, EncryptionKeyArn=env_kms.create_key()["KeyMetadata"]["Arn"])
    env_backup.put_backup_vault_access_policy(BackupVaultName=VAULT, Policy=json.dumps(policies[ENV_ACCOUNT]))
    bkp_backup.create_backup_vault(BackupVaultName=VAULT, EncryptionKeyArn=bkp_kms.create_key()["KeyMetadata"]["Arn"])
    bkp_backup.put_backup_vault_access_policy(BackupVaultName=VAULT, Policy=json.dumps(policies[BACKUP_ACCOUNT]))
    for client in (env_backup, bkp_backup):  # cross-account DynamoDB copies need the advanced features
        client.update_region_settings(ResourceTypeOptInPreference={"S3": True, "DynamoDB": True},
                                      ResourceTypeManagementPreference={"DynamoDB": True})
    role = make_role(sandbox, "AWSBackupServiceRole")
    copy_role = make_role(sandbox, "DrillCopyBackRole", BACKUP_ACCOUNT, BACKUP_REGION)

    ddb, s3 = sandbox.client("dynamodb"), sandbox.client("s3")
    key = env_kms.create_key()["KeyMetadata"]["Arn"]
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key})
    for n in range(ITEMS):
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": f"p{n}"}, "n": {"N": str(n)}, "b": {"B": bytes([n])}})
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    for name, body in (("empty", b""), ("docs/a.pdf", b"%PDF" * 500), ("docs/b.txt", b"original")):
        s3.put_object(Bucket=BUCKET, Key=name, Body=body, Metadata={"owner": "licensing"}, Tagging="class=document")

    copies = {}
    for arn in (TABLE_ARN, BUCKET_ARN):
        point = backup(sandbox, arn, role)
        copy_id = env_backup.start_copy_job(RecoveryPointArn=point, SourceBackupVaultName=VAULT, IamRoleArn=role,
                                            DestinationBackupVaultArn=COPY_VAULT_ARN)["CopyJobId"]
        copy = env_backup.describe_copy_job(CopyJobId=copy_id)["CopyJob"]
        assert copy["State"] == "COMPLETED", copy.get("StatusMessage")
        copies[arn] = copy["DestinationRecoveryPointArn"]
    # after the copy: the sources change and a newer LOCAL backup holds the change
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "p0"}, "n": {"N": "-1"}})
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "added-later"}})
    s3.put_object(Bucket=BUCKET, Key="docs/b.txt", Body=b"changed after the copy")
    s3.put_object(Bucket=BUCKET, Key="docs/later.txt", Body=b"added after the copy")
    newer_local = {arn: backup(sandbox, arn, role) for arn in (TABLE_ARN, BUCKET_ARN)}
    env_backup.put_backup_vault_lock_configuration(BackupVaultName=VAULT, MinRetentionDays=365, MaxRetentionDays=2555)
    return {"config_dir": setup["config_dir"], "aws_config": setup["aws_config_file"], "copies": copies,
            "newer_local": newer_local, "copy_role": copy_role, "policies": policies}


@pytest.fixture
def profiles(world, monkeypatch, tmp_path):
    """The sandbox profiles of the example (one per account), as the live audit reaches them."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", world["aws_config"])
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    return world


def drill(sandbox, world, out: Path, *args: str) -> tuple[int, dict | None]:  # noqa: F811
    code = main(["drill", "--env", "example", "--config-dir", world["config_dir"], "--endpoint-url", sandbox.url,
                 "--report-dir", str(out), "--poll-seconds", "0", *args])
    report = out / "drill.json"
    return code, json.loads(report.read_text()) if report.exists() else None


def checks(result: dict) -> dict[str, dict]:
    return {c["name"]: c for c in result["checks"]}


def test_the_copy_is_copied_back_and_restores_the_data_as_of_the_backup(sandbox, profiles, tmp_path, capsys):  # noqa: F811
    code, report = drill(sandbox, profiles, tmp_path, "--resource", "provider", "provider-users",
                         "--from-backup-account", "--copy-role", profiles["copy_role"])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    results = {r["id"]: r for r in report["results"]}
    for rid, arn in (("provider", TABLE_ARN), ("provider-users", BUCKET_ARN)):
        r = results[rid]
        assert r["status"] == "passed", r["checks"]
        assert r["source"] == profiles["copies"][arn] and f":{BACKUP_ACCOUNT}:" in r["source"]
        assert r["source_resource"] == arn and r["account"] == ENV_ACCOUNT
        assert f":{ENV_ACCOUNT}:recovery-point:" in r["recovery_point_arn"]
        assert r["recovery_point_arn"] not in (profiles["copies"][arn], profiles["newer_local"][arn])
        copy = r["copy_back"]
        assert copy["from_account"] == BACKUP_ACCOUNT and copy["from_vault"] == COPY_VAULT_ARN
        assert copy["copy_job_id"] and isinstance(copy["copy_seconds"], float) and copy["copy_seconds"] >= 0
        assert checks(r)["copy back"]["status"] == "passed"
        assert checks(r)["restore time with copy back"]["status"] == "passed"
        assert r["reference"].startswith("exact") and r["cleanup"].startswith("deleted")
    # the data as of the original backup: not the later change the newer local backup holds
    assert f"restored {ITEMS}, recovery point {ITEMS}" in checks(results["provider"])["item count"]["detail"]
    assert f"restored {OBJECTS}, recovery point {OBJECTS}" in checks(results["provider-users"])["object count"]["detail"]
    assert "copy job" in out.err  # progress
    # the copied-back points sit in the local vault, with the shortest retention the vault lock allows
    copied = sandbox.client("backup").describe_recovery_point(BackupVaultName=VAULT,
                                                              RecoveryPointArn=results["provider"]["recovery_point_arn"])
    assert copied["Lifecycle"]["DeleteAfterDays"] == 365
    html = (tmp_path / "drill.html").read_text()
    assert "copied back from account" in html and BACKUP_ACCOUNT in html


def test_the_restored_table_holds_the_items_of_the_copy(sandbox, profiles, tmp_path):  # noqa: F811
    code, report = drill(sandbox, profiles, tmp_path, "--resource", "provider", "--from-backup-account",
                         "--copy-role", profiles["copy_role"], "--keep")
    assert code == 0
    scratch = report["results"][0]["restored_as"]
    ddb = sandbox.client("dynamodb")
    items = ddb.scan(TableName=scratch)["Items"]
    assert len(items) == ITEMS
    assert {"pk": {"S": "p0"}, "n": {"N": "0"}, "b": {"B": b"\x00"}} in items
    assert not any(i["pk"]["S"] == "added-later" for i in items)
    ddb.delete_table(TableName=scratch)


def test_a_local_vault_without_the_copy_back_statement_is_refused_before_anything_starts(sandbox, profiles, tmp_path,  # noqa: F811
                                                                                          capsys):
    backup = sandbox.client("backup")
    policy = profiles["policies"][ENV_ACCOUNT]
    without = {**policy, "Statement": [s for s in policy["Statement"] if s.get("Sid") != "AllowCopyBackFromBackupAccount"]}
    assert without != policy
    jobs_before = len(sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION).list_copy_jobs()["CopyJobs"])
    backup.put_backup_vault_access_policy(BackupVaultName=VAULT, Policy=json.dumps(without))
    try:
        code, report = drill(sandbox, profiles, tmp_path, "--resource", "provider", "--from-backup-account",
                             "--copy-role", profiles["copy_role"])
    finally:
        backup.put_backup_vault_access_policy(BackupVaultName=VAULT, Policy=json.dumps(policy))
    err = capsys.readouterr().err
    assert code == 2 and report is None
    assert "refuses backup:CopyIntoBackupVault" in err and "AllowCopyBackFromBackupAccount" in err
    assert len(sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION).list_copy_jobs()["CopyJobs"]) == jobs_before


def test_a_failed_copy_back_fails_that_resource(sandbox, profiles, tmp_path):  # noqa: F811
    missing_role = f"arn:aws:iam::{BACKUP_ACCOUNT}:role/NoSuchRole"
    code, report = drill(sandbox, profiles, tmp_path, "--resource", "provider", "--from-backup-account",
                         "--copy-role", missing_role)
    assert code == 1
    result = report["results"][0]
    assert result["status"] == "failed" and result["restore_seconds"] is None
    assert checks(result)["copy back"]["status"] == "failed" and "NoSuchRole" in checks(result)["copy back"]["detail"]


@pytest.mark.parametrize("args, expected", [
    (["--resource", "provider", "--from-backup-account", "--copy-role", f"arn:aws:iam::{ENV_ACCOUNT}:role/X"],
     f"backup account {BACKUP_ACCOUNT}"),
    (["--resource", "provider", "--from-backup-account", "--copy-role", "not-an-arn"], "--copy-role not-an-arn"),
    (["--resource", "provider", "--copy-role", f"arn:aws:iam::{BACKUP_ACCOUNT}:role/X"], "--from-backup-account only"),
    (["--resource", "ssn", "--from-backup-account", "--copy-role", f"arn:aws:iam::{BACKUP_ACCOUNT}:role/X"],
     "docs/runbooks/break-glass.md"),
    (["--resource", "pool:staff-users", "--from-backup-account", "--copy-role", f"arn:aws:iam::{BACKUP_ACCOUNT}:role/X"],
     "only tables and buckets"),
])
def test_bad_input_exits_2_naming_it(sandbox, profiles, tmp_path, capsys, args, expected):  # noqa: F811
    code, report = drill(sandbox, profiles, tmp_path, *args)
    assert code == 2 and report is None
    assert expected in capsys.readouterr().err


# ------------------------------------------------------------------------------------- the default copy role

def test_copy_role_defaults_to_the_configured_role_of_the_backup_account():
    """--copy-role's default: CopyBackRole of cloudformation/backup-account.yaml, named by
    roles.copy_back_role_name, in the backup account (StartCopyJob runs there)."""
    from audit.drill.cli import copy_role_arn

    cfg = load_config("example").data
    assert copy_role_arn(cfg) == f"arn:aws:iam::{cfg['backup_account_id']}:role/{cfg['roles']['copy_back_role_name']}"
    other = {**cfg, "backup_account_id": "123456789012", "roles": {**cfg["roles"], "copy_back_role_name": "C"}}
    assert copy_role_arn(other) == "arn:aws:iam::123456789012:role/C"


def test_without_copy_role_the_configured_role_copies_back_and_the_drill_passes(sandbox, profiles, tmp_path,  # noqa: F811
                                                                                capsys):
    """The backup account holds a role with the configured name (as the template deploys it); the drill runs
    without --copy-role and the copy job names that role. The sandbox's copy job only needs the role to exist
    (sandbox/README.md); on AWS, AWS Backup assumes it and the key and vault policies decide."""
    from audit.drill.cli import copy_role_arn

    cfg = load_config("example", profiles["config_dir"]).data
    expected = copy_role_arn(cfg)
    assert expected.split(":")[4] == BACKUP_ACCOUNT
    make_role(sandbox, cfg["roles"]["copy_back_role_name"], BACKUP_ACCOUNT, BACKUP_REGION)
    remote = sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION)
    before = {j["CopyJobId"] for j in remote.list_copy_jobs()["CopyJobs"]}
    code, report = drill(sandbox, profiles, tmp_path, "--resource", "provider", "--from-backup-account")
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert report["results"][0]["status"] == "passed"
    (job,) = [j for j in remote.list_copy_jobs()["CopyJobs"] if j["CopyJobId"] not in before]
    assert job["IamRoleArn"] == expected

