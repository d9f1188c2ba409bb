"""The restore validation function (restore_validator/) against moto's DynamoDB and S3, with a recording
AWS Backup client (moto 5.2.5 has no restore API outside the sandbox's extension).

What AWS documents and these tests pin: the validation rule receives "Restore Job State Change" COMPLETED
events and the function reports PutRestoreValidationResult once per job
(https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html). moto is not AWS:
these tests show the function's decisions, not AWS's behaviour.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from restore_validator import handler
from restore_validator.s3_check import _export_manifests

REGION, ACCOUNT = "us-east-1", "123456789012"
PLAN = f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:compact_retention_example_critical_data-abc"
POINT = f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:1111"


class FakeBackup:
    """DescribeRestoreJob, ListTags and PutRestoreValidationResult, recorded."""

    def __init__(self, job: dict[str, Any], tags: dict[str, str] | None = None):
        self.job, self.tags, self.results = job, tags if tags is not None else {"compact-retention:category": "critical_data"}, []

    def describe_restore_job(self, RestoreJobId: str) -> dict[str, Any]:  # noqa: N803
        return dict(self.job, RestoreJobId=RestoreJobId)

    def list_tags(self, ResourceArn: str) -> dict[str, Any]:  # noqa: N803
        return {"Tags": self.tags}

    def put_restore_validation_result(self, **kwargs: Any) -> None:
        self.results.append(kwargs)
        self.job["ValidationStatus"] = kwargs["ValidationStatus"]


class FakeCloudWatch:
    def __init__(self) -> None:
        self.data: list[dict[str, Any]] = []

    def put_metric_data(self, Namespace: str, MetricData: list[dict[str, Any]]) -> None:  # noqa: N803
        self.data.append({"Namespace": Namespace, **MetricData[0]})


def _event(job_id: str = "job-1", status: str = "COMPLETED", **detail: Any) -> dict[str, Any]:
    return {"source": "aws.backup", "detail-type": "Restore Job State Change",
            "detail": {"restoreJobId": job_id, "status": status, **detail}}


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        kms = boto3.client("kms", region_name=REGION)
        key = kms.create_key()["KeyMetadata"]["Arn"]
        monkeypatch.setenv("GENERAL_KEY_ARN", key)
        monkeypatch.setenv("COGNITO_EXPORT_BUCKET", "source-exports")
        yield {"dynamodb": boto3.client("dynamodb", region_name=REGION), "s3": boto3.client("s3", region_name=REGION),
               "key": key}


def _table(dynamodb: Any, name: str, key: str | None, *, index: bool = True, items: int = 3) -> str:
    spec: dict[str, Any] = dict(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    if index:
        spec["AttributeDefinitions"].append({"AttributeName": "g", "AttributeType": "S"})
        spec["GlobalSecondaryIndexes"] = [{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                           "Projection": {"ProjectionType": "ALL"}}]
    if key:
        spec["SSESpecification"] = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key}
    arn = dynamodb.create_table(**spec)["TableDescription"]["TableArn"]
    for i in range(items):
        dynamodb.put_item(TableName=name, Item={"pk": {"S": f"p{i}"}, "g": {"S": "x"}})
    return arn


def _run(job: dict[str, Any], event: dict[str, Any], aws: dict[str, Any], tags: dict[str, str] | None = None):
    backup, cloudwatch = FakeBackup(job, tags), FakeCloudWatch()
    result = handler.lambda_handler(event, None, backup=backup, dynamodb=aws["dynamodb"], s3=aws["s3"], cloudwatch=cloudwatch)
    return result, backup, cloudwatch


def _table_job(aws: dict[str, Any], restored_key: str | None, *, restored_index: bool = True) -> tuple[dict, dict]:
    source = _table(aws["dynamodb"], "provider", aws["key"])
    restored = _table(aws["dynamodb"], "awsbackup-restore-test-1", restored_key, index=restored_index)
    job = {"ResourceType": "DynamoDB", "RecoveryPointArn": POINT, "CreatedResourceArn": restored,
           "CreatedBy": {"RestoreTestingPlanArn": PLAN}, "Status": "COMPLETED"}
    return job, _event(sourceResourceArn=source, createdResourceArn=restored)


def test_a_faithful_table_restore_is_reported_successful_once_with_its_category_metric(aws):
    job, event = _table_job(aws, aws["key"])
    result, backup, cloudwatch = _run(job, event, aws)
    assert result["status"] == "SUCCESSFUL", result["message"]
    assert [r["ValidationStatus"] for r in backup.results] == ["SUCCESSFUL"]
    assert cloudwatch.data == [{"Namespace": "CompactRetention/RestoreValidation", "MetricName": "ValidationSucceeded",
                                "Dimensions": [{"Name": "Category", "Value": "critical_data"}], "Value": 1, "Unit": "Count"}]
    # EventBridge delivers at least once: a second delivery reports nothing more
    again, backup2, _ = _run(job, event, aws)
    assert again["status"] == "SKIPPED" and backup2.results == []


def test_a_table_restored_under_an_aws_owned_key_is_reported_failed(aws):
    job, event = _table_job(aws, None)
    result, backup, cloudwatch = _run(job, event, aws)
    assert result["status"] == "FAILED"
    assert backup.results[0]["ValidationStatus"] == "FAILED"
    assert "encryption: FAILED" in backup.results[0]["ValidationStatusMessage"]
    assert cloudwatch.data[0]["MetricName"] == "ValidationFailed"


def test_a_table_restored_without_its_index_is_reported_failed(aws):
    job, event = _table_job(aws, aws["key"], restored_index=False)
    result, backup, _ = _run(job, event, aws)
    assert result["status"] == "FAILED"
    assert "global_indexes: FAILED (missing by-g" in backup.results[0]["ValidationStatusMessage"]


def test_a_table_that_is_gone_is_reported_failed_not_retried(aws):
    job, event = _table_job(aws, aws["key"])
    aws["dynamodb"].delete_table(TableName="awsbackup-restore-test-1")
    result, backup, _ = _run(job, event, aws)
    assert result["status"] == "FAILED"
    assert "not readable: ResourceNotFoundException" in backup.results[0]["ValidationStatusMessage"]


def test_jobs_no_restore_testing_plan_started_and_other_states_are_skipped(aws):
    job, event = _table_job(aws, aws["key"])
    job["CreatedBy"] = {}
    result, backup, cloudwatch = _run(job, event, aws)
    assert result["status"] == "SKIPPED" and backup.results == [] and cloudwatch.data == []
    result, backup, _ = _run(dict(job, CreatedBy={"RestoreTestingPlanArn": PLAN}), _event(status="FAILED"), aws)
    assert result["status"] == "SKIPPED" and backup.results == []


def test_a_missing_category_tag_is_published_as_unknown(aws):
    job, event = _table_job(aws, aws["key"])
    _, _, cloudwatch = _run(job, event, aws, tags={})
    assert cloudwatch.data[0]["Dimensions"] == [{"Name": "Category", "Value": "unknown"}]


def _bucket(s3: Any, name: str, key: str, objects: dict[str, bytes]) -> str:
    s3.create_bucket(Bucket=name)
    for object_key, body in objects.items():
        s3.put_object(Bucket=name, Key=object_key, Body=body, ServerSideEncryption="aws:kms", SSEKMSKeyId=key,
                      ChecksumAlgorithm="SHA256")
    return f"arn:aws:s3:::{name}"


def _bucket_job(restored: str, source: str, size: int = 10) -> tuple[dict, dict]:
    job = {"ResourceType": "S3", "RecoveryPointArn": POINT, "CreatedResourceArn": restored, "BackupSizeInBytes": size,
           "CreatedBy": {"RestoreTestingPlanArn": PLAN}, "Status": "COMPLETED"}
    return job, _event(sourceResourceArn=source, createdResourceArn=restored)


def test_a_bucket_restore_with_verified_checksums_is_successful(aws):
    restored = _bucket(aws["s3"], "awsbackup-restore-test-b", aws["key"], {"a.pdf": b"%PDF-1", "empty": b""})
    result, backup, _ = _run(*_bucket_job(restored, "arn:aws:s3:::documents"), aws)
    assert result["status"] == "SUCCESSFUL", result["message"]
    assert "2 verified, 0 differ" in backup.results[0]["ValidationStatusMessage"]


def test_an_empty_restored_bucket_of_a_non_empty_backup_is_reported_failed(aws):
    aws["s3"].create_bucket(Bucket="awsbackup-restore-test-e")
    result, backup, _ = _run(*_bucket_job("arn:aws:s3:::awsbackup-restore-test-e", "arn:aws:s3:::documents"), aws)
    assert result["status"] == "FAILED"
    assert "object_count: FAILED" in backup.results[0]["ValidationStatusMessage"]


def test_objects_not_under_the_general_key_fail_the_bucket(aws):
    aws["s3"].create_bucket(Bucket="awsbackup-restore-test-k")
    aws["s3"].put_object(Bucket="awsbackup-restore-test-k", Key="a", Body=b"x", ChecksumAlgorithm="SHA256")
    result, backup, _ = _run(*_bucket_job("arn:aws:s3:::awsbackup-restore-test-k", "arn:aws:s3:::documents"), aws)
    assert result["status"] == "FAILED"
    assert "encryption: FAILED (0 of 1" in backup.results[0]["ValidationStatusMessage"]


def _export(pool: str, day: str, users: list[str], *, corrupt: bool = False) -> dict[str, bytes]:
    """A minimal export in the exporter's layout: import CSV, users, memberships, groups, manifest last."""
    from exporter import manifest

    base = f"cognito-export/{pool}/{day}/"
    header = ["cognito:username", "email"]
    csv_body = ("cognito:username,email\n" + "".join(f"{u},{u}@example.org\n" for u in users)).encode()
    files = {
        base + "groups.json": json.dumps([{"GroupName": "staff"}]).encode(),
        base + "import-0001.csv": csv_body,
        base + "users-0001.jsonl.gz": gzip.compress("\n".join(json.dumps({"username": u, "enabled": True}) for u in users).encode()),
        base + "memberships-0001.jsonl.gz": gzip.compress(json.dumps({"group": "staff", "username": users[0]}).encode()),
    }
    objects = {k: {"key": k, "size": len(v), "sha256": hashlib.sha256(v).hexdigest()} for k, v in files.items()}
    if corrupt:
        files[base + "import-0001.csv"] = csv_body + b"intruder,x@example.org\n"
    body = manifest.build(pool_id=pool, day=day, run=1, csv_header=header,
                          counts={"csv_rows": len(users), "federated": 0, "memberships": 1}, objects=objects)
    files[base + "manifest.json"] = json.dumps(body).encode()
    return files


def test_the_restored_export_bucket_passes_the_exporters_own_manifest_check(aws):
    restored = _bucket(aws["s3"], "awsbackup-restore-test-x", aws["key"], _export("us-east-1_pool", "2026-12-01", ["u1", "u2"]))
    result, backup, _ = _run(*_bucket_job(restored, "arn:aws:s3:::source-exports"), aws)
    assert result["status"] == "SUCCESSFUL", result["message"]
    assert "export_manifest: ok (1 pool export(s)" in backup.results[0]["ValidationStatusMessage"]


def test_a_restored_export_that_differs_from_its_manifest_is_reported_failed_without_names(aws):
    restored = _bucket(aws["s3"], "awsbackup-restore-test-y", aws["key"],
                       _export("us-east-1_pool", "2026-12-01", ["alice", "bob"], corrupt=True))
    result, backup, _ = _run(*_bucket_job(restored, "arn:aws:s3:::source-exports"), aws)
    message = backup.results[0]["ValidationStatusMessage"]
    assert result["status"] == "FAILED" and "export_manifest: FAILED" in message
    assert "alice" not in message and "intruder" not in message and "example.org" not in message


def test_an_export_bucket_without_a_manifest_is_reported_failed(aws):
    restored = _bucket(aws["s3"], "awsbackup-restore-test-z", aws["key"], {"cognito-export/p/2026-12-01/users-0001.jsonl.gz": b"x"})
    result, backup, _ = _run(*_bucket_job(restored, "arn:aws:s3:::source-exports"), aws)
    assert result["status"] == "FAILED"
    assert "no export manifest" in backup.results[0]["ValidationStatusMessage"]


def test_the_newest_manifest_of_each_pool_is_checked():
    keys = ["e/p1/2026-12-01/manifest.json", "e/p1/2026-12-02/manifest.json", "e/p1/2026-12-02/run-002/manifest.json",
            "e/p2/2026-12-01/manifest.json", "e/p2/2026-12-01/import-0001.csv"]
    assert _export_manifests(keys) == ["e/p1/2026-12-02/run-002/manifest.json", "e/p2/2026-12-01/manifest.json"]


def test_the_build_ships_the_validator_with_the_exporters_manifest_check(tmp_path):
    from restore_validator.build import build

    build(tmp_path / "code")
    assert (tmp_path / "code" / "restore_validator" / "handler.py").is_file()
    assert (tmp_path / "code" / "exporter" / "restore_check.py").is_file()


@pytest.mark.parametrize("restored_items, status", [(3, "SUCCESSFUL"), (2, "FAILED")])
def test_the_item_count_of_a_dynamodb_backup_is_compared_when_dynamodb_reports_it(aws, restored_items, status):
    source = _table(aws["dynamodb"], "provider", aws["key"])
    backup_arn = aws["dynamodb"].create_backup(TableName="provider", BackupName="before-the-test")["BackupDetails"]["BackupArn"]
    reported = aws["dynamodb"].describe_backup(BackupArn=backup_arn)["BackupDescription"]["SourceTableDetails"].get("ItemCount")
    if reported is None:
        pytest.skip("moto reports no ItemCount for this backup")
    restored = _table(aws["dynamodb"], "awsbackup-restore-test-c", aws["key"], items=restored_items)
    job = {"ResourceType": "DynamoDB", "RecoveryPointArn": backup_arn, "CreatedResourceArn": restored,
           "CreatedBy": {"RestoreTestingPlanArn": PLAN}, "Status": "COMPLETED"}
    result, backup, _ = _run(job, _event(sourceResourceArn=source, createdResourceArn=restored), aws)
    assert result["status"] == status
    assert f"item_count: {'ok' if status == 'SUCCESSFUL' else 'FAILED'} ({restored_items} items, the backup holds 3)" \
        in backup.results[0]["ValidationStatusMessage"]
