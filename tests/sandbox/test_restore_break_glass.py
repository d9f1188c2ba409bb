"""SSN restores in the sandbox follow the break-glass: the SSN vault and key carry the policies of the
templates (the static snapshot of config/example.json, whose accounts are the sandbox's), every restore is
refused while the break-glass is closed, and opening it (the statements of audit.break_glass, as
`retention break-glass open` applies them) lets the break-glass role restore and nobody else."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from audit import break_glass as bg
from audit.break_glass import ops
from audit.config import load_config
from tests.support.sandbox import BACKUP_ACCOUNT, ENV_ACCOUNT, ENV_REGION

from .test_restore import TRUST, error_code, make_role, restore

SSN_VAULT = "CompactConnectBackupVault-SSN"
TABLE = "ssn-table"


@pytest.fixture(scope="module")
def ssn(sandbox):
    """The SSN vault and key with the deployed policies, a backup of an SSN table, and three roles."""
    cfg = load_config("example").data
    assert (cfg["environment_account_id"], cfg["backup_account_id"]) == (ENV_ACCOUNT, BACKUP_ACCOUNT)
    deployed = ops.static_policies_of(cfg, None)
    vault_policy, key_policy = deployed(bg.LOCAL_VAULT), deployed(bg.LOCAL_KEY)
    key = sandbox.client("kms").create_key(Description="ssn", Policy=json.dumps(key_policy))["KeyMetadata"]["Arn"]
    backup = sandbox.client("backup")
    backup.create_backup_vault(BackupVaultName=SSN_VAULT, EncryptionKeyArn=key)
    backup.put_backup_vault_access_policy(BackupVaultName=SSN_VAULT, Policy=json.dumps(vault_policy))
    ssn_backup_role = sandbox.client("iam").create_role(
        RoleName="CompactConnect-SSNBackupRole", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    break_glass_role = make_role(sandbox, cfg["roles"]["break_glass_role_name"], key_use=False)
    general_role = make_role(sandbox, "GeneralRestoreRole")
    ddb = sandbox.client("dynamodb")
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "provider#1"}, "ssn": {"S": "000-00-0000"}})
    job_id = backup.start_backup_job(BackupVaultName=SSN_VAULT, IamRoleArn=ssn_backup_role, Lifecycle={
        "DeleteAfterDays": 35}, ResourceArn=f"arn:aws:dynamodb:{ENV_REGION}:{ENV_ACCOUNT}:table/{TABLE}")["BackupJobId"]
    point = backup.describe_backup_job(BackupJobId=job_id)["RecoveryPointArn"]
    roles = bg.config_roles(cfg)
    return {"cfg": cfg, "key": key, "point": point, "vault_policy": vault_policy, "key_policy": key_policy,
            "break_glass": break_glass_role, "general": general_role, "roles": roles}


def set_policies(sandbox, ssn, vault_policy, key_policy) -> None:
    sandbox.client("backup").put_backup_vault_access_policy(BackupVaultName=SSN_VAULT, Policy=json.dumps(vault_policy))
    sandbox.client("kms").put_key_policy(KeyId=ssn["key"], PolicyName="default", Policy=json.dumps(key_policy))


def open_break_glass(sandbox, ssn) -> None:
    roles = ssn["roles"]
    set_policies(sandbox, ssn, bg.open_policy(ssn["vault_policy"], bg.change(bg.LOCAL_VAULT, roles, ENV_REGION)),
                 bg.open_policy(ssn["key_policy"], bg.change(bg.LOCAL_KEY, roles, ENV_REGION)))


def session_client(sandbox, role_arn: str):
    """A Backup client with credentials of an STS session of the role (the caller the sandbox can name)."""
    import boto3

    creds = sandbox.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="operator")["Credentials"]
    return boto3.client("backup", endpoint_url=sandbox.url, region_name=ENV_REGION,
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def refused(sandbox, ssn, role: str, target: str) -> str:
    with pytest.raises(ClientError) as excinfo:
        sandbox.client("backup").start_restore_job(RecoveryPointArn=ssn["point"], IamRoleArn=role,
                                                   Metadata={"targetTableName": target})
    assert error_code(excinfo) == "AccessDeniedException"
    assert target not in sandbox.client("dynamodb").list_tables()["TableNames"]
    return excinfo.value.response["Error"]["Message"]


def test_ssn_vault_refuses_every_restore_while_the_break_glass_is_closed(sandbox, ssn):
    for role in (ssn["break_glass"], ssn["general"]):
        assert bg.RESTORE_DENY_SID in refused(sandbox, ssn, role, "ssn-restore-closed")
    with pytest.raises(ClientError) as excinfo:
        session_client(sandbox, ssn["break_glass"]).get_recovery_point_restore_metadata(
            BackupVaultName=SSN_VAULT, RecoveryPointArn=ssn["point"])
    assert error_code(excinfo) == "AccessDeniedException"


def test_open_break_glass_allows_the_break_glass_role_only_and_close_refuses_again(sandbox, ssn):
    open_break_glass(sandbox, ssn)
    try:
        assert bg.RESTORE_DENY_SID in refused(sandbox, ssn, ssn["general"], "ssn-restore-general")
        operator = session_client(sandbox, ssn["break_glass"])
        metadata = operator.get_recovery_point_restore_metadata(BackupVaultName=SSN_VAULT,
                                                                RecoveryPointArn=ssn["point"])["RestoreMetadata"]
        assert metadata["targetTableName"] == TABLE
        with pytest.raises(ClientError) as excinfo:
            session_client(sandbox, ssn["general"]).get_recovery_point_restore_metadata(
                BackupVaultName=SSN_VAULT, RecoveryPointArn=ssn["point"])
        assert error_code(excinfo) == "AccessDeniedException"
        job = restore(sandbox, ssn["point"], {"targetTableName": "ssn-restore-INC-1"}, ssn["break_glass"])
        assert job["Status"] == "COMPLETED", job.get("StatusMessage")
        items = sandbox.client("dynamodb").scan(TableName="ssn-restore-INC-1")["Items"]
        assert items == [{"pk": {"S": "provider#1"}, "ssn": {"S": "000-00-0000"}}]
    finally:
        set_policies(sandbox, ssn, ssn["vault_policy"], ssn["key_policy"])
    refused(sandbox, ssn, ssn["break_glass"], "ssn-restore-after-close")


def test_open_vault_alone_is_not_enough_without_the_key_change(sandbox, ssn):
    roles = ssn["roles"]
    set_policies(sandbox, ssn, bg.open_policy(ssn["vault_policy"], bg.change(bg.LOCAL_VAULT, roles, ENV_REGION)),
                 ssn["key_policy"])
    try:
        job = restore(sandbox, ssn["point"], {"targetTableName": "ssn-restore-key-closed"}, ssn["break_glass"])
        assert job["Status"] == "FAILED"
        assert "kms:Decrypt" in job["StatusMessage"] and ssn["key"] in job["StatusMessage"]
    finally:
        set_policies(sandbox, ssn, ssn["vault_policy"], ssn["key_policy"])
