"""The drill tests' world: the example environment's provider table and provider-users bucket backed up into
the general vault of a sandbox and changed after the backup, the drill's credentials, and a drill run."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.cli import main
from tests.support.sandbox import ENV_ACCOUNT, ENV_REGION, access_key, backup_now, make_role, sandbox  # noqa: F401 (fixture)

TABLE = "compact-connect-example-provider"


BUCKET = f"compact-connect-example-provider-users-{ENV_ACCOUNT}"


VAULT = "CompactConnectBackupVault"


SECRET = "123-45-6789"


@pytest.fixture(scope="module")
def world(sandbox):  # noqa: F811
    """The general vault, the general backup role (restore policies), the provider table (KMS key, a GSI, items
    of every type) and the provider-users bucket (versioned, SSE-KMS, objects with metadata and tags, one
    empty), each backed up once; then an item changed, one added, an object changed and one added."""
    kms = sandbox.client("kms")
    vault_key, table_key, bucket_key = (kms.create_key(Description=d)["KeyMetadata"]["Arn"]
                                        for d in ("vault", "table", "bucket"))
    backup = sandbox.client("backup")
    backup.create_backup_vault(BackupVaultName=VAULT, EncryptionKeyArn=vault_key)
    backup.update_region_settings(ResourceTypeOptInPreference={"S3": True})
    role = make_role(sandbox, "AWSBackupServiceRole")
    ddb = sandbox.client("dynamodb")
    ddb.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "state")],
        GlobalSecondaryIndexes=[{"IndexName": "by-state", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "state", "KeyType": "HASH"}]}],
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": table_key})
    for n in range(120):
        ddb.put_item(TableName=TABLE, Item={
            "pk": {"S": f"p{n}"}, "sk": {"S": "licence#1"}, "state": {"S": "OH"}, "n": {"N": str(n / 4)},
            "ssn": {"S": SECRET}, "blob": {"B": bytes([n % 256, 0])}, "tags": {"SS": ["b", "a"]},
            "nested": {"M": {"x": {"L": [{"BOOL": True}, {"NULL": True}]}}}})
    s3 = sandbox.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": bucket_key}}]})
    for key, body in (("empty", b""), ("docs/a.pdf", b"%PDF" * 1000), ("docs/b.txt", b"hello")):
        s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="application/octet-stream",
                      Metadata={"owner": "licensing"}, Tagging="class=document")
    points = {arn: backup_now(sandbox, VAULT, arn, role)["RecoveryPointArn"]
              for arn in (f"arn:aws:dynamodb:{ENV_REGION}:{ENV_ACCOUNT}:table/{TABLE}", f"arn:aws:s3:::{BUCKET}")}
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "p0"}, "sk": {"S": "licence#1"}, "state": {"S": "CHANGED"}})
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "new"}, "sk": {"S": "licence#1"}, "state": {"S": "NEW"}})
    s3.put_object(Bucket=BUCKET, Key="docs/b.txt", Body=b"changed after the backup")
    s3.put_object(Bucket=BUCKET, Key="docs/new.txt", Body=b"added after the backup")
    return {"points": points, "table_key": table_key, "bucket_key": bucket_key}


@pytest.fixture
def aws_env(sandbox, monkeypatch, tmp_path):  # noqa: F811
    """The drill's credentials: the environment account's sandbox keys, no profile file."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key(ENV_ACCOUNT))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sandbox")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    return sandbox.url


def drill(url: str, out: Path, *args: str) -> tuple[int, dict | None]:
    code = main(["drill", "--env", "example", "--endpoint-url", url, "--report-dir", str(out), "--poll-seconds", "0",
                 *args])
    report = out / "drill.json"
    return code, json.loads(report.read_text()) if report.exists() else None
