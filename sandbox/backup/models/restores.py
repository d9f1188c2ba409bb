"""AWS Backup restores in the sandbox: the APIs moto lacks, added to moto's Backup backend and responses
(as ``sandbox.backup.models.jobs`` adds the backup and copy APIs).

* GetRecoveryPointRestoreMetadata: the keys ``StartRestoreJob`` takes, as of the backup (DynamoDB
  ``targetTableName``, ``encryptionType`` Default|KMS, ``kmsMasterKeyArn``; S3 ``DestinationBucketName``,
  ``EncryptionType``, ``KMSKey``).
* StartRestoreJob: writes the recovery point's data (``recovery_data``) into a NEW resource, decided
  by ``restore_access`` (the vault access policy, the vault key's policy and the role's policies,
  evaluated with the project's policy evaluator). The job finishes before the call returns, COMPLETED or
  FAILED with the reason; its CompletionDate is when the sandbox finished writing.
* DescribeRestoreJob, ListRestoreJobs (with its filters), ListRestoreJobsByProtectedResource.
* PutRestoreValidationResult: on a COMPLETED job, ``VALIDATING`` any number of times, then one final result
  (SUCCESSFUL, FAILED or TIMED_OUT); a second final result is refused.
* The ``Restore Job State Change`` event (``restore_events``).

A restore runs only in the account and Region that hold the recovery point, as in AWS: a call naming a
recovery point of another account or Region is refused (InvalidRequestException); copy it back first.
Request and response shapes follow botocore's model (backup 2018-11-15); errors are the model's exceptions.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from moto.backup.exceptions import InvalidParameterValueException, InvalidRequestException, ResourceNotFoundException
from moto.backup.models import BackupBackend
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random

from sandbox.backup.exceptions import AccessDeniedException, MissingParameterValueException
from sandbox.backup.models.jobs import filter_jobs
from sandbox.backup.models.recovery_data import BucketData, RestoreError, TableData, restore_objects, restore_table
from sandbox.backup.models.restore_access import job_refusal, vault_refusal
from sandbox.backup.models.restore_events import emit
from sandbox.backup.models.state import job_of, state
from sandbox.backup.shapes import clean, naive

if TYPE_CHECKING:
    from sandbox.backup.models.recovery_points import RecoveryPoint


FINAL_VALIDATION = {"SUCCESSFUL", "FAILED", "TIMED_OUT"}

VALIDATION_STATUSES = FINAL_VALIDATION | {"VALIDATING"}

MAX_ITEMS_TO_RESTORE = 5

_S3_ENCRYPTION = {"SSE-S3": "AES256", "SSE_S3": "AES256", "AES256": "AES256",
                  "SSE-KMS": "aws:kms", "SSE_KMS": "aws:kms", "AWS:KMS": "aws:kms"}


class RestoreJob:
    """One restore job. Attribute names follow the backup and copy jobs (``jobs.py``) so its list filters apply."""

    def __init__(self, *, backend: BackupBackend, point: RecoveryPoint, iam_role_arn: str,
                 created_by: dict[str, str] | None):
        self.job_id = str(mock_random.uuid4()).upper()
        self.account_id, self.region = backend.account_id, backend.region_name
        self.recovery_point_arn = point.arn
        self.recovery_point_creation_date = point.creation_date
        self.vault_arn = point.vault_arn
        self.resource_arn, self.resource_type = point.resource_arn, point.resource_type
        self.backup_size = point.backup_size
        self.iam_role_arn = iam_role_arn
        self.created_by = created_by
        self.creation_date = utcnow()
        self.completion_date: datetime | None = None
        self.status, self.status_message = "RUNNING", None
        self.created_resource_arn: str | None = None
        self.validation_status: str | None = None
        self.validation_message: str | None = None
        # a restore testing job's clean-up of the created resource (sandbox.restore_test_runner)
        self.deletion_status: str | None = None
        self.deletion_message: str | None = None

    @property
    def state(self) -> str:  # filter_jobs filters on `state`
        return self.status

    def finish(self, created_arn: str | None, failure: str | None) -> None:
        self.completion_date = utcnow()
        if failure:
            self.status, self.status_message = "FAILED", failure
        else:
            self.status, self.created_resource_arn = "COMPLETED", created_arn

    def to_dict(self) -> dict[str, Any]:
        return clean({
            "AccountId": self.account_id, "RestoreJobId": self.job_id, "RecoveryPointArn": self.recovery_point_arn,
            "SourceResourceArn": self.resource_arn, "BackupVaultArn": self.vault_arn,
            "CreationDate": self.creation_date, "CompletionDate": self.completion_date, "Status": self.status,
            "StatusMessage": self.status_message, "PercentDone": "100.00" if self.status == "COMPLETED" else "0.00",
            "BackupSizeInBytes": self.backup_size, "IamRoleArn": self.iam_role_arn,
            "CreatedResourceArn": self.created_resource_arn, "ResourceType": self.resource_type,
            "RecoveryPointCreationDate": self.recovery_point_creation_date, "CreatedBy": self.created_by,
            "ValidationStatus": self.validation_status, "ValidationStatusMessage": self.validation_message,
            "DeletionStatus": self.deletion_status, "DeletionStatusMessage": self.deletion_message, "IsParent": False,
        })


class _RestoreState:
    def __init__(self) -> None:
        self.jobs: dict[str, RestoreJob] = {}
        self.idempotency: dict[str, str] = {}


def restores_of(backend: BackupBackend) -> _RestoreState:
    """The restore jobs of a backend (emptied with it by moto's reset, like state)."""
    current = backend.__dict__.get("_sandbox_restores")
    if current is None:
        current = backend.__dict__["_sandbox_restores"] = _RestoreState()
    return current


def local_point(backend: BackupBackend, arn: str, vault_account: str | None = None) -> RecoveryPoint:
    """The recovery point, if this account and Region hold it; restores run nowhere else."""
    parts = (arn or "").split(":")
    if len(parts) < 6 or parts[0] != "arn":
        raise InvalidParameterValueException(msg=f"Invalid recovery point ARN {arn}")
    account, region = parts[4], parts[3]
    for holder in (account, vault_account):
        if holder and holder != backend.account_id:
            raise InvalidRequestException(
                msg=f"Recovery point {arn} is held by account {holder}, not {backend.account_id}: a restore runs "
                    "only in the account and Region that hold the recovery point (copy it back to this account "
                    "first)")
    if region != backend.region_name:
        raise InvalidRequestException(
            msg=f"Recovery point {arn} is in {region}, not {backend.region_name}: a restore runs only in the "
                "Region that holds the recovery point")
    point = state(backend).recovery_points.get(arn)
    if point is None:
        raise ResourceNotFoundException(msg=f"Recovery point {arn} not found")
    return point


def restore_metadata(point: RecoveryPoint) -> dict[str, str]:
    """What GetRecoveryPointRestoreMetadata answers: the resource as it was backed up."""
    data = point.data
    if isinstance(data, TableData):
        sse = data.sse
        meta = {"targetTableName": data.table_name, "encryptionType": "KMS" if sse else "Default"}
        if sse and sse.get("KMSMasterKeyArn"):
            meta["kmsMasterKeyArn"] = sse["KMSMasterKeyArn"]
        return meta
    if isinstance(data, BucketData):
        meta = {"DestinationBucketName": data.bucket_name,
                "EncryptionType": "SSE-KMS" if data.encryption == "aws:kms" else "SSE-S3"}
        if data.kms_key_id:
            meta["KMSKey"] = data.kms_key_id
        return meta
    return {}


def get_recovery_point_restore_metadata(self: BackupBackend, vault_name: str, arn: str,
                                        vault_account: str | None, caller_role: str | None) -> RecoveryPoint:
    point = local_point(self, arn, vault_account)
    if point.vault_name != vault_name:
        raise ResourceNotFoundException(msg=f"Recovery point {arn} not found in backup vault {vault_name}")
    if caller_role:
        refusal = vault_refusal(self, point, caller_role, "backup:GetRecoveryPointRestoreMetadata")
        if refusal:
            raise AccessDeniedException(refusal)
    return point


def _key_exists(account: str, region: str, key_id: str) -> bool:
    from moto.kms.models import kms_backends

    try:
        kms_backends[account][region].describe_key(key_id)
        return True
    except Exception:
        return False


class _Plan:
    """What one restore will write, from the request's metadata (checked before any job exists)."""

    def __init__(self, target: str, write: Callable[[], str]):
        self.target, self.write = target, write


def _table_plan(backend: BackupBackend, data: TableData, metadata: dict[str, str]) -> _Plan:
    target = metadata.get("targetTableName")
    if not target:
        raise MissingParameterValueException("Metadata targetTableName is required to restore a DynamoDB table.")
    kind = metadata.get("encryptionType", "Default")
    if kind not in ("Default", "KMS"):
        raise InvalidParameterValueException(msg=f"Metadata encryptionType must be Default or KMS, not {kind}.")
    key = metadata.get("kmsMasterKeyArn")
    if kind == "KMS" and not key:
        raise MissingParameterValueException("Metadata kmsMasterKeyArn is required with encryptionType KMS.")
    account, region = backend.account_id, backend.region_name
    sse = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key} if kind == "KMS" else None

    def write() -> str:
        if key and not _key_exists(account, region, key):
            raise RestoreError(f"KMS key {key} does not exist in {account} {region}")
        return restore_table(data, account, region, target, sse)

    return _Plan(target, write)


def _bucket_plan(backend: BackupBackend, data: BucketData, metadata: dict[str, str]) -> _Plan:
    target = metadata.get("DestinationBucketName")
    if not target:
        raise MissingParameterValueException("Metadata DestinationBucketName is required to restore S3 data.")
    if metadata.get("RestoreTime"):
        raise InvalidParameterValueException(
            msg="RestoreTime applies to continuous backups only; this recovery point is a snapshot.")
    kind = metadata.get("EncryptionType")
    encryption = None
    if kind and kind.lower() != "original":
        encryption = _S3_ENCRYPTION.get(kind.upper())
        if encryption is None:
            raise InvalidParameterValueException(msg=f"Metadata EncryptionType {kind} is not SSE-S3 or SSE-KMS.")
    key = metadata.get("KMSKey")
    if encryption == "aws:kms" and not key:
        raise MissingParameterValueException("Metadata KMSKey is required with EncryptionType SSE-KMS.")
    prefixes = _items_to_restore(metadata.get("ItemsToRestore"))
    account, region = backend.account_id, backend.region_name

    def write() -> str:
        if key and not _key_exists(account, region, key):
            raise RestoreError(f"KMS key {key} does not exist in {account} {region}")
        restore_objects(data, account, region, target, encryption=encryption,
                                      kms_key_id=key if encryption == "aws:kms" else None, prefixes=prefixes)
        return f"arn:aws:s3:::{target}"

    return _Plan(target, write)


def _items_to_restore(raw: str | None) -> list[str] | None:
    if not raw:
        return None
    try:
        items = json.loads(raw)
    except ValueError:
        raise InvalidParameterValueException(msg="Metadata ItemsToRestore must be a JSON list of keys or prefixes.") from None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise InvalidParameterValueException(msg="Metadata ItemsToRestore must be a JSON list of keys or prefixes.")
    if len(items) > MAX_ITEMS_TO_RESTORE:
        raise InvalidParameterValueException(
            msg=f"Metadata ItemsToRestore names {len(items)} items; at most {MAX_ITEMS_TO_RESTORE} are allowed.")
    return [re.sub(r"^s3://[^/]+/", "", i) for i in items] or None


def start_restore_job(self: BackupBackend, *, recovery_point_arn: str, metadata: dict[str, str] | None,  # noqa: C901 - the checks in the order AWS documents the errors
                      iam_role_arn: str | None, idempotency_token: str | None = None,
                      resource_type: str | None = None, caller_role: str | None = None,
                      created_by: dict[str, str] | None = None) -> RestoreJob:
    st = restores_of(self)
    if idempotency_token and idempotency_token in st.idempotency:
        return st.jobs[st.idempotency[idempotency_token]]
    if not recovery_point_arn:
        raise MissingParameterValueException("RecoveryPointArn is required.")
    if metadata is None:
        raise MissingParameterValueException("Metadata is required.")
    if not iam_role_arn:
        raise MissingParameterValueException("IamRoleArn is required.")
    point = local_point(self, recovery_point_arn)
    if resource_type and resource_type != point.resource_type:
        raise InvalidParameterValueException(
            msg=f"ResourceType {resource_type} does not match the recovery point's {point.resource_type}.")
    if point.status != "COMPLETED":
        raise InvalidRequestException(msg=f"Recovery point {point.arn} is {point.status}, not COMPLETED")
    for principal in dict.fromkeys(p for p in (caller_role, iam_role_arn) if p):
        refusal = vault_refusal(self, point, principal)
        if refusal:
            raise AccessDeniedException(refusal)
    if isinstance(point.data, TableData):
        plan = _table_plan(self, point.data, metadata)
    elif isinstance(point.data, BucketData):
        plan = _bucket_plan(self, point.data, metadata)
    else:
        raise InvalidRequestException(msg=f"The sandbox cannot restore {point.resource_type} recovery points "
                                          "(it keeps data of DynamoDB tables and S3 buckets only)")
    job = RestoreJob(backend=self, point=point, iam_role_arn=iam_role_arn, created_by=created_by)
    st.jobs[job.job_id] = job
    if idempotency_token:
        st.idempotency[idempotency_token] = job.job_id
    failure = job_refusal(self, point, iam_role_arn, plan.target)
    created = None
    if not failure:
        try:
            created = plan.write()
        except RestoreError as exc:
            failure = str(exc)
    job.finish(created, failure)
    emit(job)
    return job


def describe_restore_job(self: BackupBackend, job_id: str) -> RestoreJob:
    return job_of(restores_of(self).jobs, job_id, "Restore job")


def list_restore_jobs(self: BackupBackend, filters: dict[str, Any]) -> list[RestoreJob]:
    filters = dict(filters)
    if filters.get("ByStatus"):
        filters["ByState"] = filters.pop("ByStatus")
    jobs = filter_jobs(restores_of(self).jobs.values(), filters, None)
    plan = filters.get("ByRestoreTestingPlanArn")
    if plan:
        jobs = [j for j in jobs if (j.created_by or {}).get("RestoreTestingPlanArn") == plan]
    if filters.get("ByParentJobId"):
        jobs = []  # the sandbox's restore jobs have no parent
    return jobs


def list_restore_jobs_by_protected_resource(self: BackupBackend, resource_arn: str,
                                            filters: dict[str, Any]) -> list[RestoreJob]:
    jobs = list_restore_jobs(self, {"ByResourceArn": resource_arn, "ByStatus": filters.get("ByStatus")})
    after = naive(filters.get("ByRecoveryPointCreationDateAfter"))
    before = naive(filters.get("ByRecoveryPointCreationDateBefore"))
    if after:
        jobs = [j for j in jobs if j.recovery_point_creation_date > after]
    if before:
        jobs = [j for j in jobs if j.recovery_point_creation_date < before]
    return jobs


def put_restore_validation_result(self: BackupBackend, job_id: str, status: str | None, message: str | None) -> None:
    job = describe_restore_job(self, job_id)
    if not status:
        raise MissingParameterValueException("ValidationStatus is required.")
    if status not in VALIDATION_STATUSES:
        raise InvalidParameterValueException(
            msg=f"ValidationStatus must be one of {', '.join(sorted(VALIDATION_STATUSES))}, not {status}.")
    if job.status != "COMPLETED":
        raise InvalidRequestException(msg=f"Restore job {job_id} is {job.status}; only a COMPLETED job is validated")
    if job.validation_status in FINAL_VALIDATION:
        raise InvalidRequestException(
            msg=f"Restore job {job_id} already has the validation result {job.validation_status}")
    job.validation_status, job.validation_message = status, message
