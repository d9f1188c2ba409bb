"""The AWS Backup side of a drill: the newest recovery point, the scratch resource, the restore job and its
wait (progress on stderr), and the clean-up.

Why the scratch resource is prepared here: a restore always creates a new resource and never overwrites, a
DynamoDB restore names its new table (``targetTableName``), and an S3 restore needs an existing versioned
bucket. The drill keeps the data under the source's customer-managed key (DynamoDB ``encryptionType`` KMS
with the table's key; S3 a bucket with SSE-KMS under the bucket's key, and ``EncryptionType`` SSE-KMS), so
restored copies of the data are never less protected than the data. The clean-up deletes only a resource
whose name carries this drill's stamp AND whose ``compact-retention:drill`` tag holds it.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from audit.drill.plan import BUCKET, TABLE, TAG_KEY, Target

Progress = Callable[[str], None]


class NoRecoveryPoint(Exception):
    """No COMPLETED recovery point of the resource in its vault: a precondition (exit 2)."""


class RestoreFailed(Exception):
    """The restore job failed or never finished; the message says why."""


@dataclass
class Job:
    job_id: str
    status: str
    message: str | None
    seconds: float
    created_arn: str | None


def newest_point(backup: Any, target: Target) -> dict[str, Any]:
    """The newest COMPLETED recovery point of the resource in its local vault."""
    points = [p for page in backup.get_paginator("list_recovery_points_by_resource").paginate(ResourceArn=target.arn)
              for p in page.get("RecoveryPoints") or []]
    ours = [p for p in points if p.get("BackupVaultName") == target.vault and p.get("Status") == "COMPLETED"]
    if not ours:
        raise NoRecoveryPoint(f"{target.id}: no COMPLETED recovery point of {target.arn} in vault {target.vault} "
                              f"({len(points)} in other vaults or states)")
    return max(ours, key=lambda p: p["CreationDate"])


def restore_metadata(backup: Any, target: Target, point_arn: str) -> dict[str, str]:
    return backup.get_recovery_point_restore_metadata(BackupVaultName=target.vault,
                                                      RecoveryPointArn=point_arn)["RestoreMetadata"]


def prepare(clients: Callable[[str], Any], target: Target, scratch: str, drill_id: str,
            metadata: dict[str, str], region: str) -> dict[str, str]:
    """The restore metadata for the scratch resource (and, for S3, the scratch bucket, created)."""
    if target.kind == TABLE:
        key = metadata.get("kmsMasterKeyArn")
        return {"targetTableName": scratch, **({"encryptionType": "KMS", "kmsMasterKeyArn": key} if key
                                               else {"encryptionType": "Default"})}
    s3 = clients("s3")
    create: dict[str, Any] = {"Bucket": scratch}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**create)
    s3.put_bucket_tagging(Bucket=scratch, Tagging={"TagSet": [{"Key": TAG_KEY, "Value": drill_id}]})
    s3.put_bucket_versioning(Bucket=scratch, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket=scratch, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    key = metadata.get("KMSKey")
    if key:
        s3.put_bucket_encryption(Bucket=scratch, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
            "BucketKeyEnabled": True}]})
        return {"DestinationBucketName": scratch, "EncryptionType": "SSE-KMS", "KMSKey": key}
    return {"DestinationBucketName": scratch, "EncryptionType": "SSE-S3"}


def idempotency_token(drill_id: str, what: str) -> str:
    """A token for one Start*Job call: botocore's retries of that call reuse it (one job, not two), while a
    second drill started in the same second (the same stamp) gets its own, never the first drill's job
    (AWS returns the job of a token it has seen, whose resource the first drill may have deleted)."""
    return f"drill-{drill_id}-{what}-{secrets.token_hex(4)}"


def start(backup: Any, target: Target, point_arn: str, metadata: dict[str, str], role_arn: str, drill_id: str) -> str:
    return backup.start_restore_job(RecoveryPointArn=point_arn, Metadata=metadata, IamRoleArn=role_arn,
                                    ResourceType=target.resource_type,
                                    IdempotencyToken=idempotency_token(drill_id, target.id))["RestoreJobId"]


def wait(backup: Any, job_id: str, label: str, progress: Progress, *, poll_seconds: float, timeout_seconds: float,
         clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> Job:
    """Poll DescribeRestoreJob until it ends, one progress line per poll; the restore time is AWS's own
    (CreationDate to CompletionDate), the wall clock when AWS gives none."""
    started = clock()
    while True:
        job = backup.describe_restore_job(RestoreJobId=job_id)
        status = job.get("Status")
        if status in ("COMPLETED", "FAILED", "ABORTED"):
            break
        elapsed = clock() - started
        progress(f"{label}: restore job {job_id} {status} {job.get('PercentDone') or '?'}% ({elapsed:.0f} s)")
        if elapsed > timeout_seconds:
            raise RestoreFailed(f"restore job {job_id} still {status} after {elapsed:.0f} s (the RTO); left running")
        sleep(poll_seconds)
    created, completed = job.get("CreationDate"), job.get("CompletionDate")
    seconds = ((completed - created).total_seconds() if isinstance(created, datetime) and isinstance(completed, datetime)
               else clock() - started)
    progress(f"{label}: restore job {job_id} {status} in {seconds:.1f} s")
    return Job(job_id, status, job.get("StatusMessage"), seconds, job.get("CreatedResourceArn"))


def tag_table(dynamodb: Any, arn: str, drill_id: str) -> None:
    """A restore cannot tag the table it creates: the drill tags it, so the clean-up can recognise it."""
    dynamodb.tag_resource(ResourceArn=arn, Tags=[{"Key": TAG_KEY, "Value": drill_id}])


def wait_table(dynamodb: Any, name: str) -> dict[str, Any]:
    # the job has COMPLETED, so the table exists or is about to: ten minutes at most, never an hour's hang
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 5, "MaxAttempts": 120})
    return dynamodb.describe_table(TableName=name)["Table"]


def delete_scratch(clients: Callable[[str], Any], target: Target, scratch: str, drill_id: str) -> str:
    """Delete the scratch resource if, and only if, its name and its tag say this drill made it."""
    if not scratch.endswith(f"-drill-{drill_id}") or scratch == target.name:
        return f"kept {scratch}: not a name this drill made"
    if target.kind == TABLE:
        dynamodb = clients("dynamodb")
        arn = dynamodb.describe_table(TableName=scratch)["Table"]["TableArn"]
        tags = {t["Key"]: t["Value"] for t in dynamodb.list_tags_of_resource(ResourceArn=arn).get("Tags") or []}
        if tags.get(TAG_KEY) != drill_id:
            return f"kept {scratch}: its {TAG_KEY} tag is not {drill_id}"
        dynamodb.delete_table(TableName=scratch)
        return f"deleted table {scratch}"
    s3 = clients("s3")
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=scratch).get("TagSet") or []}
    if tags.get(TAG_KEY) != drill_id:
        return f"kept {scratch}: its {TAG_KEY} tag is not {drill_id}"
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=scratch):
        doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                  for v in [*(page.get("Versions") or []), *(page.get("DeleteMarkers") or [])]]
        for start_at in range(0, len(doomed), 1000):
            s3.delete_objects(Bucket=scratch, Delete={"Objects": doomed[start_at:start_at + 1000], "Quiet": True})
    s3.delete_bucket(Bucket=scratch)
    return f"deleted bucket {scratch}"


__all__ = ["BUCKET", "TABLE", "Job", "NoRecoveryPoint", "RestoreFailed", "newest_point", "restore_metadata", "prepare",
           "start", "wait", "tag_table", "wait_table", "delete_scratch"]
