"""The AWS Backup APIs the sandbox adds to moto, through boto3 against the sandbox server, and the accounts
that access keys select. (What these show is that the sandbox answers like its model of AWS; not AWS.)"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from tests.support.sandbox import BACKUP_ACCOUNT, BACKUP_REGION, ENV_ACCOUNT, ENV_REGION

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
ROLE = f"arn:aws:iam::{ENV_ACCOUNT}:role/BackupRole"
TABLE = f"arn:aws:dynamodb:{ENV_REGION}:{ENV_ACCOUNT}:table/orders"
DEST_VAULT = f"arn:aws:backup:{BACKUP_REGION}:{BACKUP_ACCOUNT}:backup-vault:Dest"
COPY_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "AllowCopy", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ENV_ACCOUNT}:root"},
    "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]})


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def world(sandbox):
    """Environment account: a key, a locked vault (Locked, governance, 7-400 days), an unlocked vault, a role,
    a table and two buckets; backup account: a key and a vault 'Dest' that accepts copies."""
    kms = sandbox.client("kms")
    key = kms.create_key(Description="env")["KeyMetadata"]["Arn"]
    backup = sandbox.client("backup")
    backup.create_backup_vault(BackupVaultName="Locked", EncryptionKeyArn=key)
    backup.put_backup_vault_lock_configuration(BackupVaultName="Locked", MinRetentionDays=7, MaxRetentionDays=400)
    backup.create_backup_vault(BackupVaultName="Open", EncryptionKeyArn=key)
    sandbox.client("iam").create_role(RoleName="BackupRole", AssumeRolePolicyDocument=TRUST)
    sandbox.client("iam").create_role(RoleName="NotForBackup", AssumeRolePolicyDocument=TRUST.replace(
        "backup.amazonaws.com", "lambda.amazonaws.com"))
    sandbox.client("dynamodb").create_table(
        TableName="orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    s3 = sandbox.client("s3")
    for bucket in ("docs-versioned", "docs-unversioned"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket="docs-versioned", VersioningConfiguration={"Status": "Enabled"})
    dest_key = sandbox.client("kms", BACKUP_ACCOUNT, BACKUP_REGION).create_key()["KeyMetadata"]["Arn"]
    dest = sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION)
    dest.create_backup_vault(BackupVaultName="Dest", EncryptionKeyArn=dest_key)
    dest.put_backup_vault_access_policy(BackupVaultName="Dest", Policy=COPY_POLICY)
    dest.put_backup_vault_lock_configuration(BackupVaultName="Dest", MinRetentionDays=30, MaxRetentionDays=400,
                                             ChangeableForDays=3)
    dest.create_backup_vault(BackupVaultName="NoPolicy", EncryptionKeyArn=dest_key)
    return {"key": key, "dest_key": dest_key}


def backup_job(backup, **overrides):
    args = {"BackupVaultName": "Locked", "ResourceArn": TABLE, "IamRoleArn": ROLE,
            "Lifecycle": {"DeleteAfterDays": 35}}
    args.update(overrides)
    job_id = backup.start_backup_job(**args)["BackupJobId"]
    return backup.describe_backup_job(BackupJobId=job_id)


# ------------------------------------------------------------------------------------------- accounts

@pytest.mark.parametrize("account,region", [(ENV_ACCOUNT, ENV_REGION), (BACKUP_ACCOUNT, BACKUP_REGION)])
def test_access_key_selects_the_account_for_the_aws_cli(sandbox, account, region):
    identity = sandbox.aws_json("sts", "get-caller-identity", account=account, region=region)
    assert identity["Account"] == account
    assert identity["Arn"] == f"arn:aws:sts::{account}:user/moto"


def test_other_keys_keep_moto_default_account(sandbox):
    import boto3

    sts = boto3.client("sts", endpoint_url=sandbox.url, region_name="us-east-1",
                       aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x")
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_accounts_do_not_share_state(sandbox, world):
    names = {v["BackupVaultName"] for v in sandbox.client("backup").list_backup_vaults()["BackupVaultList"]}
    other = {v["BackupVaultName"] for v in
             sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION).list_backup_vaults()["BackupVaultList"]}
    assert names == {"Locked", "Open"}
    assert other == {"Dest", "NoPolicy"}
    assert sandbox.client("backup", BACKUP_ACCOUNT, ENV_REGION).list_backup_vaults()["BackupVaultList"] == []


# ----------------------------------------------------------------------------------------- selections

def test_backup_selections_round_trip(sandbox, world):
    backup = sandbox.client("backup")
    plan_id = backup.create_backup_plan(BackupPlan={"BackupPlanName": "sel-plan", "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": "Open", "Lifecycle": {"DeleteAfterDays": 35}}]})["BackupPlanId"]
    by_arn = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
        "SelectionName": "by-arn", "IamRoleArn": ROLE, "Resources": [TABLE]}, CreatorRequestId="req-1")
    by_tag = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
        "SelectionName": "by-tag", "IamRoleArn": ROLE,
        "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}]})
    assert by_arn["BackupPlanId"] == plan_id

    got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=by_arn["SelectionId"])
    assert got["BackupSelection"] == {"SelectionName": "by-arn", "IamRoleArn": ROLE, "Resources": [TABLE]}
    assert got["CreatorRequestId"] == "req-1"

    listed = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert {(s["SelectionName"], s["IamRoleArn"]) for s in listed} == {("by-arn", ROLE), ("by-tag", ROLE)}
    first = backup.list_backup_selections(BackupPlanId=plan_id, MaxResults=1)
    second = backup.list_backup_selections(BackupPlanId=plan_id, MaxResults=1, NextToken=first["NextToken"])
    assert len(first["BackupSelectionsList"]) == len(second["BackupSelectionsList"]) == 1
    assert "NextToken" not in second

    with pytest.raises(ClientError) as refused:  # AWS: selections go before their plan
        backup.delete_backup_plan(BackupPlanId=plan_id)
    assert error_code(refused) == "InvalidRequestException"
    for selection in (by_arn, by_tag):
        backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection["SelectionId"])
    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []
    with pytest.raises(ClientError) as gone:
        backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=by_arn["SelectionId"])
    assert error_code(gone) == "ResourceNotFoundException"
    backup.delete_backup_plan(BackupPlanId=plan_id)


def test_backup_selection_errors(sandbox, world):
    backup = sandbox.client("backup")
    with pytest.raises(ClientError) as missing:
        backup.create_backup_selection(BackupPlanId="no-such-plan", BackupSelection={
            "SelectionName": "x", "IamRoleArn": ROLE, "Resources": [TABLE]})
    assert error_code(missing) == "ResourceNotFoundException"
    plan_id = backup.create_backup_plan(BackupPlan={"BackupPlanName": "sel-errors", "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": "Open"}]})["BackupPlanId"]
    with pytest.raises(ClientError) as bad_name:
        backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
            "SelectionName": "no spaces allowed", "IamRoleArn": ROLE, "Resources": [TABLE]})
    assert error_code(bad_name) == "InvalidParameterValueException"


# ------------------------------------------------------------------------------------ plans (update)

def test_plan_lifecycle_validation_and_update(sandbox, world):
    backup = sandbox.client("backup")
    with pytest.raises(ClientError) as too_close:
        backup.create_backup_plan(BackupPlan={"BackupPlanName": "bad-lifecycle", "Rules": [{
            "RuleName": "daily", "TargetBackupVaultName": "Open",
            "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 100}}]})
    assert error_code(too_close) == "InvalidParameterValueException"

    created = backup.create_backup_plan(BackupPlan={"BackupPlanName": "updatable", "Rules": [{
        "RuleName": "daily", "TargetBackupVaultName": "Open", "Lifecycle": {"DeleteAfterDays": 35}}]})
    updated = backup.update_backup_plan(BackupPlanId=created["BackupPlanId"], BackupPlan={
        "BackupPlanName": "updatable", "Rules": [{
            "RuleName": "daily", "TargetBackupVaultName": "Open", "ScheduleExpression": "cron(0 6 * * ? *)",
            "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120}}]})
    assert updated["BackupPlanId"] == created["BackupPlanId"]
    assert updated["VersionId"] != created["VersionId"]
    rule = backup.get_backup_plan(BackupPlanId=created["BackupPlanId"])["BackupPlan"]["Rules"][0]
    assert rule["ScheduleExpression"] == "cron(0 6 * * ? *)"
    assert rule["Lifecycle"] == {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120}
    assert rule["StartWindowMinutes"] == 480  # AWS's default


# ---------------------------------------------------------------------- vault policies, notifications

def test_vault_access_policy_round_trip(sandbox, world):
    backup = sandbox.client("backup")
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyDelete", "Effect": "Deny", "Principal": "*", "Action": "backup:DeleteRecoveryPoint",
        "Resource": "*"}]})
    with pytest.raises(ClientError) as none_yet:
        backup.get_backup_vault_access_policy(BackupVaultName="Open")
    assert error_code(none_yet) == "ResourceNotFoundException"
    backup.put_backup_vault_access_policy(BackupVaultName="Open", Policy=policy)
    got = backup.get_backup_vault_access_policy(BackupVaultName="Open")
    assert json.loads(got["Policy"]) == json.loads(policy)
    assert got["BackupVaultArn"] == f"arn:aws:backup:{ENV_REGION}:{ENV_ACCOUNT}:backup-vault:Open"
    backup.delete_backup_vault_access_policy(BackupVaultName="Open")
    with pytest.raises(ClientError) as deleted:
        backup.get_backup_vault_access_policy(BackupVaultName="Open")
    assert error_code(deleted) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as no_vault:
        backup.put_backup_vault_access_policy(BackupVaultName="Missing", Policy=policy)
    assert error_code(no_vault) == "ResourceNotFoundException"


def test_vault_notifications_round_trip(sandbox, world):
    backup = sandbox.client("backup")
    topic = f"arn:aws:sns:{ENV_REGION}:{ENV_ACCOUNT}:backup-events"
    events = ["BACKUP_JOB_FAILED", "COPY_JOB_FAILED", "RECOVERY_POINT_MODIFIED"]
    backup.put_backup_vault_notifications(BackupVaultName="Open", SNSTopicArn=topic, BackupVaultEvents=events)
    got = backup.get_backup_vault_notifications(BackupVaultName="Open")
    assert (got["BackupVaultName"], got["SNSTopicArn"], got["BackupVaultEvents"]) == ("Open", topic, events)
    with pytest.raises(ClientError) as bad_event:
        backup.put_backup_vault_notifications(BackupVaultName="Open", SNSTopicArn=topic,
                                              BackupVaultEvents=["NOT_AN_EVENT"])
    assert error_code(bad_event) == "InvalidParameterValueException"
    backup.delete_backup_vault_notifications(BackupVaultName="Open")
    with pytest.raises(ClientError) as deleted:
        backup.get_backup_vault_notifications(BackupVaultName="Open")
    assert error_code(deleted) == "ResourceNotFoundException"


# ---------------------------------------------------------------------- backup jobs, recovery points

def test_backup_job_creates_a_recovery_point(sandbox, world):
    backup = sandbox.client("backup")
    before = datetime.now(timezone.utc) - timedelta(minutes=1)
    job = backup_job(backup, RecoveryPointTags={"category": "critical_data"})
    assert job["State"] == "COMPLETED"
    assert (job["ResourceType"], job["ResourceName"], job["AccountId"]) == ("DynamoDB", "orders", ENV_ACCOUNT)
    rp_arn = job["RecoveryPointArn"]
    assert rp_arn.startswith(f"arn:aws:backup:{ENV_REGION}:{ENV_ACCOUNT}:recovery-point:")

    listed = backup.list_backup_jobs(ByResourceArn=TABLE, ByState="COMPLETED", ByCreatedAfter=before)["BackupJobs"]
    assert job["BackupJobId"] in {j["BackupJobId"] for j in listed}
    assert backup.list_backup_jobs(ByState="ABORTED")["BackupJobs"] == []

    point = backup.describe_recovery_point(BackupVaultName="Locked", RecoveryPointArn=rp_arn)
    assert (point["Status"], point["ResourceArn"], point["IamRoleArn"]) == ("COMPLETED", TABLE, ROLE)
    assert point["EncryptionKeyArn"] == world["key"]
    assert point["Lifecycle"] == {"DeleteAfterDays": 35}
    assert point["CalculatedLifecycle"]["DeleteAt"] - point["CreationDate"] == timedelta(days=35)
    assert backup.list_tags(ResourceArn=rp_arn)["Tags"] == {"category": "critical_data"}

    in_vault = backup.list_recovery_points_by_backup_vault(BackupVaultName="Locked", ByResourceArn=TABLE)
    assert rp_arn in {p["RecoveryPointArn"] for p in in_vault["RecoveryPoints"]}
    by_resource = backup.list_recovery_points_by_resource(ResourceArn=TABLE)["RecoveryPoints"]
    assert {"RecoveryPointArn": rp_arn, "BackupVaultName": "Locked"}.items() <= next(
        p for p in by_resource if p["RecoveryPointArn"] == rp_arn).items()
    assert backup.describe_backup_vault(BackupVaultName="Locked")["NumberOfRecoveryPoints"] >= 1


def test_recovery_point_lifecycle_update_respects_the_lock(sandbox, world):
    backup = sandbox.client("backup")
    rp_arn = backup_job(backup)["RecoveryPointArn"]
    updated = backup.update_recovery_point_lifecycle(BackupVaultName="Locked", RecoveryPointArn=rp_arn,
                                                     Lifecycle={"DeleteAfterDays": 60})
    assert updated["Lifecycle"] == {"DeleteAfterDays": 60}
    with pytest.raises(ClientError) as too_short:  # below the lock's 7-day minimum
        backup.update_recovery_point_lifecycle(BackupVaultName="Locked", RecoveryPointArn=rp_arn,
                                               Lifecycle={"DeleteAfterDays": 3})
    assert error_code(too_short) == "InvalidRequestException"
    point = backup.describe_recovery_point(BackupVaultName="Locked", RecoveryPointArn=rp_arn)
    assert point["Lifecycle"] == {"DeleteAfterDays": 60}


def test_recovery_point_deletion_before_min_retention_is_refused(sandbox, world):
    backup = sandbox.client("backup")
    locked = backup_job(backup)["RecoveryPointArn"]
    with pytest.raises(ClientError) as refused:
        backup.delete_recovery_point(BackupVaultName="Locked", RecoveryPointArn=locked)
    assert error_code(refused) == "InvalidRequestException"
    assert "minimum retention of 7 days" in refused.value.response["Error"]["Message"]
    assert backup.describe_recovery_point(BackupVaultName="Locked", RecoveryPointArn=locked)["Status"] == "COMPLETED"

    unlocked = backup_job(backup, BackupVaultName="Open")["RecoveryPointArn"]
    backup.delete_recovery_point(BackupVaultName="Open", RecoveryPointArn=unlocked)
    with pytest.raises(ClientError) as gone:
        backup.describe_recovery_point(BackupVaultName="Open", RecoveryPointArn=unlocked)
    assert error_code(gone) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as not_empty:  # a vault with recovery points cannot be deleted
        backup.delete_backup_vault(BackupVaultName="Locked")
    assert error_code(not_empty) == "InvalidRequestException"


def test_backup_jobs_fail_like_aws(sandbox, world):
    backup = sandbox.client("backup")
    outside_lock = backup_job(backup, Lifecycle={"DeleteAfterDays": 3})
    assert outside_lock["State"] == "FAILED" and "minimum retention" in outside_lock["StatusMessage"]
    wrong_trust = backup_job(backup, IamRoleArn=f"arn:aws:iam::{ENV_ACCOUNT}:role/NotForBackup")
    assert wrong_trust["State"] == "FAILED" and "backup.amazonaws.com" in wrong_trust["StatusMessage"]
    no_table = backup_job(backup, ResourceArn=f"arn:aws:dynamodb:{ENV_REGION}:{ENV_ACCOUNT}:table/missing")
    assert no_table["State"] == "FAILED"

    versioned, unversioned = "arn:aws:s3:::docs-versioned", "arn:aws:s3:::docs-unversioned"
    assert backup.describe_region_settings()["ResourceTypeOptInPreference"]["S3"] is False
    not_opted_in = backup_job(backup, BackupVaultName="Open", ResourceArn=versioned)
    assert not_opted_in["State"] == "FAILED" and "opted in" in not_opted_in["StatusMessage"]
    backup.update_region_settings(ResourceTypeOptInPreference={"S3": True})
    no_versioning = backup_job(backup, BackupVaultName="Open", ResourceArn=unversioned)
    assert no_versioning["State"] == "FAILED" and "Versioning" in no_versioning["StatusMessage"]
    ok = backup_job(backup, BackupVaultName="Open", ResourceArn=versioned)
    assert ok["State"] == "COMPLETED" and ok["ResourceType"] == "S3"
    failed = backup.list_backup_jobs(ByState="FAILED")["BackupJobs"]
    assert {j["BackupJobId"] for j in failed} >= {outside_lock["BackupJobId"], no_versioning["BackupJobId"]}


# ------------------------------------------------------------------------------------------ copy jobs

def test_cross_account_copy_job(sandbox, world):
    backup = sandbox.client("backup")
    rp_arn = backup_job(backup, Lifecycle={"DeleteAfterDays": 90})["RecoveryPointArn"]
    copy_id = backup.start_copy_job(RecoveryPointArn=rp_arn, SourceBackupVaultName="Locked",
                                    DestinationBackupVaultArn=DEST_VAULT, IamRoleArn=ROLE)["CopyJobId"]
    copy = backup.describe_copy_job(CopyJobId=copy_id)["CopyJob"]
    assert copy["State"] == "COMPLETED", copy.get("StatusMessage")
    assert copy["SourceRecoveryPointArn"] == rp_arn
    assert copy["DestinationEncryptionKeyArn"] == world["dest_key"]
    dest_rp = copy["DestinationRecoveryPointArn"]
    assert dest_rp.startswith(f"arn:aws:backup:{BACKUP_REGION}:{BACKUP_ACCOUNT}:recovery-point:")

    dest = sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION)
    copied = dest.describe_recovery_point(BackupVaultName="Dest", RecoveryPointArn=dest_rp)
    assert copied["SourceBackupVaultArn"] == f"arn:aws:backup:{ENV_REGION}:{ENV_ACCOUNT}:backup-vault:Locked"
    assert (copied["ResourceArn"], copied["Lifecycle"]) == (TABLE, {"DeleteAfterDays": 90})
    listed = backup.list_copy_jobs(ByDestinationVaultArn=DEST_VAULT, ByState="COMPLETED")["CopyJobs"]
    assert copy_id in {j["CopyJobId"] for j in listed}

    with pytest.raises(ClientError) as locked_copy:  # the destination's compliance lock still applies
        dest.delete_recovery_point(BackupVaultName="Dest", RecoveryPointArn=dest_rp)
    assert error_code(locked_copy) == "InvalidRequestException"


def test_copy_jobs_fail_like_aws(sandbox, world):
    backup = sandbox.client("backup")
    rp_arn = backup_job(backup, Lifecycle={"DeleteAfterDays": 90})["RecoveryPointArn"]

    def copy_to(vault_arn: str, **extra):
        copy_id = backup.start_copy_job(RecoveryPointArn=rp_arn, SourceBackupVaultName="Locked",
                                        DestinationBackupVaultArn=vault_arn, IamRoleArn=ROLE, **extra)["CopyJobId"]
        return backup.describe_copy_job(CopyJobId=copy_id)["CopyJob"]

    no_policy = copy_to(DEST_VAULT.replace(":Dest", ":NoPolicy"))
    assert no_policy["State"] == "FAILED" and "access policy" in no_policy["StatusMessage"]
    missing = copy_to(DEST_VAULT.replace(":Dest", ":Missing"))
    assert missing["State"] == "FAILED" and "does not exist" in missing["StatusMessage"]
    short = copy_to(DEST_VAULT, Lifecycle={"DeleteAfterDays": 10})  # Dest's lock: at least 30 days
    assert short["State"] == "FAILED" and "minimum retention" in short["StatusMessage"]
    with pytest.raises(ClientError) as no_source:
        backup.start_copy_job(RecoveryPointArn=rp_arn, SourceBackupVaultName="Open",
                              DestinationBackupVaultArn=DEST_VAULT, IamRoleArn=ROLE)
    assert error_code(no_source) == "ResourceNotFoundException"


# ------------------------------------------------------------------------------------------- settings

def test_global_settings_are_per_account(sandbox, world):
    backup = sandbox.client("backup")
    assert backup.describe_global_settings()["GlobalSettings"]["isCrossAccountBackupEnabled"] == "false"
    backup.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})
    described = backup.describe_global_settings()
    assert described["GlobalSettings"]["isCrossAccountBackupEnabled"] == "true"
    assert "LastUpdateTime" in described
    other_region = sandbox.client("backup", ENV_ACCOUNT, BACKUP_REGION).describe_global_settings()
    assert other_region["GlobalSettings"]["isCrossAccountBackupEnabled"] == "true"
    other_account = sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION).describe_global_settings()
    assert other_account["GlobalSettings"]["isCrossAccountBackupEnabled"] == "false"
    with pytest.raises(ClientError) as unknown:
        backup.update_global_settings(GlobalSettings={"isSomethingElse": "true"})
    assert error_code(unknown) == "InvalidParameterValueException"


def test_region_settings_and_dynamodb_advanced_features(sandbox, world):
    region = sandbox.client("backup", ENV_ACCOUNT, "eu-west-1")  # its own Region settings
    settings = region.describe_region_settings()
    assert settings["ResourceTypeManagementPreference"] == {"DynamoDB": True, "EFS": True}
    assert settings["ResourceTypeOptInPreference"]["DynamoDB"] is True
    region.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False},
                                  ResourceTypeOptInPreference={"EBS": False})
    settings = region.describe_region_settings()
    assert settings["ResourceTypeManagementPreference"]["DynamoDB"] is False
    assert settings["ResourceTypeOptInPreference"]["EBS"] is False
    assert sandbox.client("backup").describe_region_settings()["ResourceTypeManagementPreference"]["DynamoDB"]
    with pytest.raises(ClientError) as unknown:
        region.update_region_settings(ResourceTypeManagementPreference={"S3": True})
    assert error_code(unknown) == "InvalidParameterValueException"

    backup = sandbox.client("backup")
    backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})
    try:
        job = backup_job(backup, BackupVaultName="Open")
        assert job["State"] == "COMPLETED"
        assert job["RecoveryPointArn"].startswith(f"{TABLE}/backup/")  # an on-demand DynamoDB backup
        copy_id = backup.start_copy_job(RecoveryPointArn=job["RecoveryPointArn"], SourceBackupVaultName="Open",
                                        DestinationBackupVaultArn=DEST_VAULT, IamRoleArn=ROLE,
                                        Lifecycle={"DeleteAfterDays": 90})["CopyJobId"]
        copy = backup.describe_copy_job(CopyJobId=copy_id)["CopyJob"]
        assert copy["State"] == "FAILED" and "advanced" in copy["StatusMessage"]
    finally:
        backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})


# --------------------------------------------------------------------------------------------- Cognito

def test_cognito_csv_header(sandbox):
    idp = sandbox.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="csv", Schema=[
        {"Name": "compact", "AttributeDataType": "String", "Mutable": True}])["UserPool"]["Id"]
    header = idp.get_csv_header(UserPoolId=pool)["CSVHeader"]
    assert header[0] == "name" and header[-2:] == ["cognito:mfa_enabled", "cognito:username"]
    assert "custom:compact" in header and "sub" not in header


# ----------------------------------------------------------------------------------- scripts/sandbox.sh

def test_sandbox_sh_status_and_a_second_start(sandbox):
    from tests.support.sandbox import free_port, sandbox_sh

    running = sandbox_sh("status", sandbox.port, sandbox.env)
    assert running.returncode == 0 and sandbox.url in running.stdout
    again = sandbox_sh("start", sandbox.port, sandbox.env)  # already running: same server, same URL
    assert again.returncode == 0 and again.stdout.strip() == sandbox.url
    assert sandbox.client("backup").list_backup_vaults()["BackupVaultList"]  # state kept
    idle = sandbox_sh("status", free_port(), sandbox.env)
    assert idle.returncode == 3 and "not running" in idle.stdout
    assert sandbox_sh("stop", free_port(), sandbox.env).returncode == 0  # nothing to stop is not an error
