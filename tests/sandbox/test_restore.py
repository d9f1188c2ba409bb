"""The sandbox's restores (sandbox/backup/models/restores.py, recovery_data.py, restore_access.py), through boto3 against
the sandbox server: the data comes back as of the backup, the refusals AWS makes are made, and the restore
APIs answer in botocore's shapes. (A model of AWS, not AWS: sandbox/README.md.)"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from tests.support.sandbox import (  # noqa: F401
    BACKUP_ACCOUNT,
    BACKUP_REGION,
    ENV_ACCOUNT,
    ENV_REGION,
    RESTORE_POLICIES,
    TRUST,
    backup_now,
    key_use_through_backup,
    make_role,
)

MiB = 1024 * 1024




def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]




@pytest.fixture(scope="module")
def world(sandbox):
    """Environment account: a vault under a customer-managed key, a restore role (also used for backups), a
    table with a sort key and a GSI under a KMS key, a versioned source bucket, S3 opted in. Backup account:
    a vault that accepts copies from the environment account, and its own restore role."""
    kms = sandbox.client("kms")
    vault_key = kms.create_key(Description="general vault")["KeyMetadata"]["Arn"]
    table_key = kms.create_key(Description="tables")["KeyMetadata"]["Arn"]
    backup = sandbox.client("backup")
    backup.create_backup_vault(BackupVaultName="General", EncryptionKeyArn=vault_key)
    backup.update_region_settings(ResourceTypeOptInPreference={"S3": True})
    role = make_role(sandbox, "RestoreRole")
    ddb = sandbox.client("dynamodb")
    ddb.create_table(
        TableName="licences", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "state")],
        GlobalSecondaryIndexes=[{"IndexName": "by-state", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "state", "KeyType": "HASH"}]}],
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": table_key})
    s3 = sandbox.client("s3")
    s3.create_bucket(Bucket="documents")
    s3.put_bucket_versioning(Bucket="documents", VersioningConfiguration={"Status": "Enabled"})

    dest_key = sandbox.client("kms", BACKUP_ACCOUNT, BACKUP_REGION).create_key()["KeyMetadata"]["Arn"]
    dest = sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION)
    dest.create_backup_vault(BackupVaultName="Copies", EncryptionKeyArn=dest_key)
    dest.put_backup_vault_access_policy(BackupVaultName="Copies", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ENV_ACCOUNT}:root"},
            "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]}))
    backup_role = make_role(sandbox, "RestoreRole", BACKUP_ACCOUNT, BACKUP_REGION)
    return {"vault_key": vault_key, "table_key": table_key, "role": role, "backup_role": backup_role,
            "table_arn": f"arn:aws:dynamodb:{ENV_REGION}:{ENV_ACCOUNT}:table/licences"}




def restore(sandbox, point: str, metadata: dict, role: str, account: str = ENV_ACCOUNT,
            region: str = ENV_REGION) -> dict:
    backup = sandbox.client("backup", account, region)
    job_id = backup.start_restore_job(RecoveryPointArn=point, Metadata=metadata, IamRoleArn=role)["RestoreJobId"]
    return backup.describe_restore_job(RestoreJobId=job_id)


def scan_all(ddb, table: str) -> list[dict]:
    items, kwargs = [], {"TableName": table}
    while True:
        page = ddb.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture(scope="module")
def table_point(sandbox, world):
    """A backup of 'licences' (three items), then a change of one item, a new one and a deletion after it."""
    ddb = sandbox.client("dynamodb")
    before = [
        {"pk": {"S": "p1"}, "sk": {"S": "licence#1"}, "state": {"S": "OH"}, "n": {"N": "1"},
         "blob": {"B": b"\x00\x01binary"}, "tags": {"SS": ["a", "b"]}, "nested": {"M": {"x": {"L": [{"BOOL": True}]}}}},
        {"pk": {"S": "p1"}, "sk": {"S": "licence#2"}, "state": {"S": "KY"}, "n": {"N": "2.5"}},
        {"pk": {"S": "p2"}, "sk": {"S": "licence#1"}, "state": {"S": "OH"}, "gone": {"NULL": True}},
    ]
    for item in before:
        ddb.put_item(TableName="licences", Item=item)
    job = backup_now(sandbox, "General", world["table_arn"], world["role"])
    expected = scan_all(ddb, "licences")
    ddb.update_item(TableName="licences", Key={"pk": {"S": "p1"}, "sk": {"S": "licence#1"}},
                    UpdateExpression="SET #s = :v", ExpressionAttributeNames={"#s": "state"},
                    ExpressionAttributeValues={":v": {"S": "CHANGED"}})
    ddb.put_item(TableName="licences", Item={"pk": {"S": "p3"}, "sk": {"S": "licence#9"}, "state": {"S": "NEW"}})
    ddb.delete_item(TableName="licences", Key={"pk": {"S": "p2"}, "sk": {"S": "licence#1"}})
    return {"arn": job["RecoveryPointArn"], "job": job, "expected": expected}


# ------------------------------------------------------------------------------------------- DynamoDB

def test_restored_table_holds_exactly_the_items_as_of_the_backup(sandbox, world, table_point):
    job = restore(sandbox, table_point["arn"], {"targetTableName": "licences-restored", "encryptionType": "KMS",
                                                "kmsMasterKeyArn": world["table_key"]}, world["role"])
    assert job["Status"] == "COMPLETED", job.get("StatusMessage")
    ddb = sandbox.client("dynamodb")
    restored = scan_all(ddb, "licences-restored")
    assert restored == table_point["expected"]  # not the change, the addition or the deletion made later
    assert len(scan_all(ddb, "licences")) == 3 and restored != scan_all(ddb, "licences")
    table = ddb.describe_table(TableName="licences-restored")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                  {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["by-state"]
    assert table["SSEDescription"]["KMSMasterKeyArn"] == world["table_key"]
    assert job["CreatedResourceArn"] == table["TableArn"]


def test_restore_honours_the_default_encryption_choice(sandbox, world, table_point):
    job = restore(sandbox, table_point["arn"], {"targetTableName": "licences-aws-owned", "encryptionType": "Default"},
                  world["role"])
    assert job["Status"] == "COMPLETED", job.get("StatusMessage")
    assert "SSEDescription" not in sandbox.client("dynamodb").describe_table(TableName="licences-aws-owned")["Table"]


def test_recovery_point_and_jobs_report_the_size(sandbox, world, table_point):
    backup = sandbox.client("backup")
    point = backup.describe_recovery_point(BackupVaultName="General", RecoveryPointArn=table_point["arn"])
    assert point["BackupSizeInBytes"] > 0
    assert table_point["job"]["BackupSizeInBytes"] == point["BackupSizeInBytes"]


def test_restore_into_an_existing_table_name_is_refused(sandbox, world, table_point):
    job = restore(sandbox, table_point["arn"], {"targetTableName": "licences"}, world["role"])
    assert job["Status"] == "FAILED"
    assert "already exists" in job["StatusMessage"]
    assert "CreatedResourceArn" not in job
    items = scan_all(sandbox.client("dynamodb"), "licences")
    assert {i["state"]["S"] for i in items} >= {"CHANGED", "NEW"}  # the live table is untouched


def test_restore_metadata_has_the_documented_keys(sandbox, world, table_point):
    answer = sandbox.client("backup").get_recovery_point_restore_metadata(
        BackupVaultName="General", RecoveryPointArn=table_point["arn"])
    assert answer["ResourceType"] == "DynamoDB"
    assert answer["RecoveryPointArn"] == table_point["arn"]
    assert answer["RestoreMetadata"] == {"targetTableName": "licences", "encryptionType": "KMS",
                                         "kmsMasterKeyArn": world["table_key"]}


def test_restore_refusals_of_bad_metadata(sandbox, world, table_point):
    backup = sandbox.client("backup")
    for metadata, code in (({}, "MissingParameterValueException"),
                           ({"targetTableName": "x", "encryptionType": "Custom"}, "InvalidParameterValueException"),
                           ({"targetTableName": "x", "encryptionType": "KMS"}, "MissingParameterValueException")):
        with pytest.raises(ClientError) as excinfo:
            backup.start_restore_job(RecoveryPointArn=table_point["arn"], Metadata=metadata, IamRoleArn=world["role"])
        assert error_code(excinfo) == code, metadata


def test_a_role_that_cannot_use_the_vault_key_fails_the_job(sandbox, world, table_point):
    weak = make_role(sandbox, "NoKeyUse", key_use=False)
    job = restore(sandbox, table_point["arn"], {"targetTableName": "licences-no-key"}, weak)
    assert job["Status"] == "FAILED"
    assert "kms:Decrypt" in job["StatusMessage"] and world["vault_key"] in job["StatusMessage"]
    assert "licences-no-key" not in sandbox.client("dynamodb").list_tables()["TableNames"]


# ------------------------------------------------------------------------------------------------ S3

def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put_multipart(s3, bucket: str, key: str, body: bytes) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="application/pdf",
                                        Metadata={"kind": "large"}, ChecksumAlgorithm="SHA256")
    parts, part_size = [], 5 * MiB
    for number, start in enumerate(range(0, len(body), part_size), 1):
        part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=number,
                              Body=body[start:start + part_size], ChecksumAlgorithm="SHA256")
        parts.append({"PartNumber": number, "ETag": part["ETag"], "ChecksumSHA256": part["ChecksumSHA256"]})
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"],
                                 MultipartUpload={"Parts": parts})


def object_view(s3, bucket: str, key: str) -> dict:
    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}
    return {"sha256": sha256(body), "size": len(body), "metadata": head.get("Metadata"),
            "content_type": head.get("ContentType"), "checksum": head.get("ChecksumSHA256"), "tags": tags}


@pytest.fixture(scope="module")
def bucket_point(sandbox, world):
    """'documents' with an empty, a small and a 9 MiB multipart object (metadata, tags, SHA-256 checksums) and
    a deleted one, backed up; then the small one is overwritten and a new one added."""
    s3 = sandbox.client("s3")
    s3.put_object(Bucket="documents", Key="empty.txt", Body=b"", ContentType="text/plain")
    s3.put_object(Bucket="documents", Key="dir/small.json", Body=b'{"licence": 1}', ContentType="application/json",
                  Metadata={"owner": "board", "case": "A-1"}, Tagging="class=general&keep=7y",
                  ChecksumAlgorithm="SHA256")
    put_multipart(s3, "documents", "dir/large.pdf", bytes(range(256)) * (9 * MiB // 256) + b"tail")
    s3.put_object_tagging(Bucket="documents", Key="dir/large.pdf",
                          Tagging={"TagSet": [{"Key": "size", "Value": "9MiB"}]})
    s3.put_object(Bucket="documents", Key="deleted.txt", Body=b"old")
    s3.delete_object(Bucket="documents", Key="deleted.txt")
    expected = {k: object_view(s3, "documents", k) for k in ("empty.txt", "dir/small.json", "dir/large.pdf")}
    job = backup_now(sandbox, "General", "arn:aws:s3:::documents", world["role"])
    s3.put_object(Bucket="documents", Key="dir/small.json", Body=b'{"licence": 2}')
    s3.put_object(Bucket="documents", Key="later.txt", Body=b"after the backup")
    return {"arn": job["RecoveryPointArn"], "expected": expected, "job": job}


def make_destination(s3, name: str, versioned: bool = True) -> None:
    s3.create_bucket(Bucket=name)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def test_s3_objects_come_back_byte_identical_with_metadata_tags_and_checksums(sandbox, world, bucket_point):
    s3 = sandbox.client("s3")
    make_destination(s3, "documents-restored")
    job = restore(sandbox, bucket_point["arn"], {"DestinationBucketName": "documents-restored",
                                                 "EncryptionType": "SSE-KMS", "KMSKey": world["vault_key"]},
                  world["role"])
    assert job["Status"] == "COMPLETED", job.get("StatusMessage")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="documents-restored")["Contents"])
    assert keys == ["dir/large.pdf", "dir/small.json", "empty.txt"]  # no deleted or later object
    for key, expected in bucket_point["expected"].items():
        assert object_view(s3, "documents-restored", key) == expected, key
    assert bucket_point["expected"]["dir/large.pdf"]["size"] > 8 * MiB
    assert bucket_point["expected"]["dir/small.json"]["checksum"]  # a stored checksum was compared
    head = s3.head_object(Bucket="documents-restored", Key="dir/small.json")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == world["vault_key"]
    assert bucket_point["job"]["BackupSizeInBytes"] == sum(e["size"] for e in bucket_point["expected"].values())


def test_s3_restore_never_overwrites_an_existing_object(sandbox, world, bucket_point):
    s3 = sandbox.client("s3")
    make_destination(s3, "documents-partial")
    s3.put_object(Bucket="documents-partial", Key="empty.txt", Body=b"already here")
    job = restore(sandbox, bucket_point["arn"], {"DestinationBucketName": "documents-partial"}, world["role"])
    assert job["Status"] == "COMPLETED", job.get("StatusMessage")
    assert s3.get_object(Bucket="documents-partial", Key="empty.txt")["Body"].read() == b"already here"
    versions = s3.list_object_versions(Bucket="documents-partial", Prefix="empty.txt")["Versions"]
    assert len(versions) == 1
    assert object_view(s3, "documents-partial", "dir/small.json") == bucket_point["expected"]["dir/small.json"]


def test_s3_restore_needs_a_versioned_existing_destination(sandbox, world, bucket_point):
    s3 = sandbox.client("s3")
    make_destination(s3, "documents-unversioned", versioned=False)
    job = restore(sandbox, bucket_point["arn"], {"DestinationBucketName": "documents-unversioned"}, world["role"])
    assert job["Status"] == "FAILED" and "versioning" in job["StatusMessage"]
    assert "Contents" not in s3.list_objects_v2(Bucket="documents-unversioned")
    job = restore(sandbox, bucket_point["arn"], {"DestinationBucketName": "no-such-bucket"}, world["role"])
    assert job["Status"] == "FAILED" and "does not exist" in job["StatusMessage"]


def test_s3_items_to_restore_limits_the_restore_to_five_prefixes(sandbox, world, bucket_point):
    s3 = sandbox.client("s3")
    make_destination(s3, "documents-subset")
    job = restore(sandbox, bucket_point["arn"], {"DestinationBucketName": "documents-subset",
                                                 "ItemsToRestore": json.dumps(["dir/small"])}, world["role"])
    assert job["Status"] == "COMPLETED", job.get("StatusMessage")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="documents-subset")["Contents"]] == ["dir/small.json"]
    with pytest.raises(ClientError) as excinfo:
        sandbox.client("backup").start_restore_job(
            RecoveryPointArn=bucket_point["arn"], IamRoleArn=world["role"],
            Metadata={"DestinationBucketName": "documents-subset", "ItemsToRestore": json.dumps(list("abcdef"))})
    assert error_code(excinfo) == "InvalidParameterValueException"


def test_s3_restore_metadata_has_the_documented_keys(sandbox, world, bucket_point):
    answer = sandbox.client("backup").get_recovery_point_restore_metadata(
        BackupVaultName="General", RecoveryPointArn=bucket_point["arn"])
    assert answer["ResourceType"] == "S3"
    assert answer["RestoreMetadata"]["DestinationBucketName"] == "documents"
    assert answer["RestoreMetadata"]["EncryptionType"] in ("SSE-S3", "SSE-KMS")


# ---------------------------------------------------------------------------------------- job records

def test_restore_jobs_are_listed_with_their_filters(sandbox, world, table_point, bucket_point):
    backup = sandbox.client("backup")
    job = restore(sandbox, table_point["arn"], {"targetTableName": "licences-listed"}, world["role"])
    assert job["CreationDate"] <= job["CompletionDate"]
    assert job["RecoveryPointArn"] == table_point["arn"] and job["SourceResourceArn"] == world["table_arn"]
    assert job["BackupSizeInBytes"] == table_point["job"]["BackupSizeInBytes"]
    assert job["IamRoleArn"] == world["role"] and job["ResourceType"] == "DynamoDB"

    def ids(**filters):
        return {j["RestoreJobId"] for j in backup.list_restore_jobs(**filters)["RestoreJobs"]}

    assert job["RestoreJobId"] in ids()
    assert job["RestoreJobId"] in ids(ByStatus="COMPLETED", ByResourceType="DynamoDB", ByAccountId=ENV_ACCOUNT)
    assert job["RestoreJobId"] not in ids(ByStatus="FAILED")
    assert job["RestoreJobId"] not in ids(ByResourceType="S3")
    assert job["RestoreJobId"] not in ids(ByCreatedAfter=datetime.now(timezone.utc) + timedelta(hours=1))
    assert job["RestoreJobId"] in ids(ByCompleteAfter=datetime.now(timezone.utc) - timedelta(hours=1))
    assert all(j["Status"] == "FAILED" for j in backup.list_restore_jobs(ByStatus="FAILED")["RestoreJobs"])

    by_table = backup.list_restore_jobs_by_protected_resource(ResourceArn=world["table_arn"])["RestoreJobs"]
    assert job["RestoreJobId"] in {j["RestoreJobId"] for j in by_table}
    assert {j["SourceResourceArn"] for j in by_table} == {world["table_arn"]}
    by_bucket = backup.list_restore_jobs_by_protected_resource(ResourceArn="arn:aws:s3:::documents")["RestoreJobs"]
    assert by_bucket and job["RestoreJobId"] not in {j["RestoreJobId"] for j in by_bucket}
    later = backup.list_restore_jobs_by_protected_resource(
        ResourceArn=world["table_arn"], ByRecoveryPointCreationDateAfter=datetime.now(timezone.utc))["RestoreJobs"]
    assert later == []
    with pytest.raises(ClientError) as excinfo:
        backup.describe_restore_job(RestoreJobId="NO-SUCH-JOB")
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_validation_result_is_accepted_once_per_job(sandbox, world, table_point):
    backup = sandbox.client("backup")
    job = restore(sandbox, table_point["arn"], {"targetTableName": "licences-validated"}, world["role"])
    job_id = job["RestoreJobId"]
    backup.put_restore_validation_result(RestoreJobId=job_id, ValidationStatus="VALIDATING")
    backup.put_restore_validation_result(RestoreJobId=job_id, ValidationStatus="SUCCESSFUL",
                                         ValidationStatusMessage="12 items, digest matches")
    described = backup.describe_restore_job(RestoreJobId=job_id)
    assert (described["ValidationStatus"], described["ValidationStatusMessage"]) == \
        ("SUCCESSFUL", "12 items, digest matches")
    with pytest.raises(ClientError) as excinfo:
        backup.put_restore_validation_result(RestoreJobId=job_id, ValidationStatus="FAILED")
    assert error_code(excinfo) == "InvalidRequestException"
    assert backup.describe_restore_job(RestoreJobId=job_id)["ValidationStatus"] == "SUCCESSFUL"
    failed = restore(sandbox, table_point["arn"], {"targetTableName": "licences"}, world["role"])
    with pytest.raises(ClientError) as excinfo:
        backup.put_restore_validation_result(RestoreJobId=failed["RestoreJobId"], ValidationStatus="SUCCESSFUL")
    assert error_code(excinfo) == "InvalidRequestException"
    with pytest.raises(ClientError) as excinfo:
        backup.put_restore_validation_result(RestoreJobId=job_id + "X", ValidationStatus="SUCCESSFUL")
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_restore_job_state_change_event_reaches_eventbridge(sandbox, world, table_point):
    events, sqs = sandbox.client("events"), sandbox.client("sqs")
    queue = sqs.create_queue(QueueName="restore-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="restore-completed", EventPattern=json.dumps({
        "source": ["aws.backup"], "detail-type": ["Restore Job State Change"], "detail": {"status": ["COMPLETED"]}}))
    events.put_targets(Rule="restore-completed", Targets=[{"Id": "q", "Arn": queue_arn}])
    job = restore(sandbox, table_point["arn"], {"targetTableName": "licences-evented"}, world["role"])
    restore(sandbox, table_point["arn"], {"targetTableName": "licences"}, world["role"])  # FAILED: not matched
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    bodies = [json.loads(m["Body"]) for m in messages]
    assert [b["detail"]["restoreJobId"] for b in bodies] == [job["RestoreJobId"]]
    assert bodies[0]["detail"]["createdResourceArn"] == job["CreatedResourceArn"]
    assert bodies[0]["resources"] == [job["CreatedResourceArn"]]


# ------------------------------------------------------------------------------------------- accounts

def test_restores_run_only_where_the_recovery_point_is(sandbox, world, table_point):
    backup = sandbox.client("backup")
    copy_id = backup.start_copy_job(
        RecoveryPointArn=table_point["arn"], SourceBackupVaultName="General", IamRoleArn=world["role"],
        DestinationBackupVaultArn=f"arn:aws:backup:{BACKUP_REGION}:{BACKUP_ACCOUNT}:backup-vault:Copies")["CopyJobId"]
    copy = backup.describe_copy_job(CopyJobId=copy_id)["CopyJob"]
    assert copy["State"] == "COMPLETED", copy.get("StatusMessage")
    assert copy["BackupSizeInBytes"] == table_point["job"]["BackupSizeInBytes"]
    copy_arn = copy["DestinationRecoveryPointArn"]
    # the environment account cannot restore the backup account's copy ...
    with pytest.raises(ClientError) as excinfo:
        backup.start_restore_job(RecoveryPointArn=copy_arn, Metadata={"targetTableName": "from-the-copy"},
                                 IamRoleArn=world["role"])
    assert error_code(excinfo) == "InvalidRequestException"
    assert "copy it back" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        backup.get_recovery_point_restore_metadata(BackupVaultName="Copies", RecoveryPointArn=copy_arn,
                                                   BackupVaultAccountId=BACKUP_ACCOUNT)
    assert error_code(excinfo) == "InvalidRequestException"
    # ... the backup account can, with its own role, into its own account, with the data of the backup
    job = restore(sandbox, copy_arn, {"targetTableName": "licences-from-copy"}, world["backup_role"],
                  BACKUP_ACCOUNT, BACKUP_REGION)
    assert job["Status"] == "COMPLETED", job.get("StatusMessage")
    assert job["CreatedResourceArn"].startswith(f"arn:aws:dynamodb:{BACKUP_REGION}:{BACKUP_ACCOUNT}:table/")
    ddb = sandbox.client("dynamodb", BACKUP_ACCOUNT, BACKUP_REGION)
    assert scan_all(ddb, "licences-from-copy") == table_point["expected"]
    assert "licences-from-copy" not in sandbox.client("dynamodb").list_tables()["TableNames"]
