"""AWS Backup restores in the sandbox: the APIs moto lacks, added to moto's Backup backend and responses
(as ``sandbox.backup_ext`` adds the backup and copy APIs).

* GetRecoveryPointRestoreMetadata: the keys ``StartRestoreJob`` takes, as of the backup (DynamoDB
  ``targetTableName``, ``encryptionType`` Default|KMS, ``kmsMasterKeyArn``; S3 ``DestinationBucketName``,
  ``EncryptionType``, ``KMSKey``).
* StartRestoreJob: writes the recovery point's data (``sandbox.recovery_data``) into a NEW resource, decided
  by ``sandbox.restore_access`` (the vault access policy, the vault key's policy and the role's policies,
  evaluated with the project's policy evaluator). The job finishes before the call returns, COMPLETED or
  FAILED with the reason; its CompletionDate is when the sandbox finished writing.
* DescribeRestoreJob, ListRestoreJobs (with its filters), ListRestoreJobsByProtectedResource.
* PutRestoreValidationResult: on a COMPLETED job, ``VALIDATING`` any number of times, then one final result
  (SUCCESSFUL, FAILED or TIMED_OUT); a second final result is refused.
* The ``Restore Job State Change`` event (``sandbox.restore_events``).

A restore runs only in the account and Region that hold the recovery point, as in AWS: a call naming a
recovery point of another account or Region is refused (InvalidRequestException); copy it back first.
Request and response shapes follow botocore's model (backup 2018-11-15); errors are the model's exceptions.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Callable

from moto.backup.exceptions import InvalidParameterValueException, InvalidRequestException, ResourceNotFoundException
from moto.backup.models import BackupBackend
from moto.backup.responses import BackupResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random

from sandbox import backup_ext, recovery_data, restore_access, restore_events
from sandbox.backup_ext import AccessDeniedException, MissingParameterValueException, _clean, _naive, _params

__all__ = ["install", "RestoreJob", "restore_metadata", "start_restore_job"]

FINAL_VALIDATION = {"SUCCESSFUL", "FAILED", "TIMED_OUT"}
VALIDATION_STATUSES = FINAL_VALIDATION | {"VALIDATING"}
MAX_ITEMS_TO_RESTORE = 5
_S3_ENCRYPTION = {"SSE-S3": "AES256", "SSE_S3": "AES256", "AES256": "AES256",
                  "SSE-KMS": "aws:kms", "SSE_KMS": "aws:kms", "AWS:KMS": "aws:kms"}


class RestoreJob:
    """One restore job. Attribute names follow backup_ext's jobs so its list filters apply."""

    def __init__(self, *, backend: BackupBackend, point: backup_ext.RecoveryPoint, iam_role_arn: str,
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
    def state(self) -> str:  # backup_ext._filter_jobs filters on `state`
        return self.status

    def finish(self, created_arn: str | None, failure: str | None) -> None:
        self.completion_date = utcnow()
        if failure:
            self.status, self.status_message = "FAILED", failure
        else:
            self.status, self.created_resource_arn = "COMPLETED", created_arn

    def to_dict(self) -> dict[str, Any]:
        return _clean({
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


def state(backend: BackupBackend) -> _RestoreState:
    """The restore jobs of a backend (emptied with it by moto's reset, like backup_ext.state)."""
    current = backend.__dict__.get("_sandbox_restores")
    if current is None:
        current = backend.__dict__["_sandbox_restores"] = _RestoreState()
    return current


# ---------------------------------------------------------------------------------------- the point

def _local_point(backend: BackupBackend, arn: str, vault_account: str | None = None) -> backup_ext.RecoveryPoint:
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
    point = backup_ext.state(backend).recovery_points.get(arn)
    if point is None:
        raise ResourceNotFoundException(msg=f"Recovery point {arn} not found")
    return point


def restore_metadata(point: backup_ext.RecoveryPoint) -> dict[str, str]:
    """What GetRecoveryPointRestoreMetadata answers: the resource as it was backed up."""
    data = point.data
    if isinstance(data, recovery_data.TableData):
        sse = data.sse
        meta = {"targetTableName": data.table_name, "encryptionType": "KMS" if sse else "Default"}
        if sse and sse.get("KMSMasterKeyArn"):
            meta["kmsMasterKeyArn"] = sse["KMSMasterKeyArn"]
        return meta
    if isinstance(data, recovery_data.BucketData):
        meta = {"DestinationBucketName": data.bucket_name,
                "EncryptionType": "SSE-KMS" if data.encryption == "aws:kms" else "SSE-S3"}
        if data.kms_key_id:
            meta["KMSKey"] = data.kms_key_id
        return meta
    return {}


def get_recovery_point_restore_metadata(self: BackupBackend, vault_name: str, arn: str,
                                        vault_account: str | None, caller_role: str | None) -> backup_ext.RecoveryPoint:
    point = _local_point(self, arn, vault_account)
    if point.vault_name != vault_name:
        raise ResourceNotFoundException(msg=f"Recovery point {arn} not found in backup vault {vault_name}")
    if caller_role:
        refusal = restore_access.vault_refusal(self, point, caller_role, "backup:GetRecoveryPointRestoreMetadata")
        if refusal:
            raise AccessDeniedException(refusal)
    return point


# ---------------------------------------------------------------------------------------- the restore

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


def _table_plan(backend: BackupBackend, data: recovery_data.TableData, metadata: dict[str, str]) -> _Plan:
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
            raise recovery_data.RestoreError(f"KMS key {key} does not exist in {account} {region}")
        return recovery_data.restore_table(data, account, region, target, sse)

    return _Plan(target, write)


def _bucket_plan(backend: BackupBackend, data: recovery_data.BucketData, metadata: dict[str, str]) -> _Plan:
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
            raise recovery_data.RestoreError(f"KMS key {key} does not exist in {account} {region}")
        recovery_data.restore_objects(data, account, region, target, encryption=encryption,
                                      kms_key_id=key if encryption == "aws:kms" else None, prefixes=prefixes)
        return f"arn:aws:s3:::{target}"

    return _Plan(target, write)


def _items_to_restore(raw: str | None) -> list[str] | None:
    if not raw:
        return None
    try:
        items = json.loads(raw)
    except ValueError:
        raise InvalidParameterValueException(msg="Metadata ItemsToRestore must be a JSON list of keys or prefixes.")
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise InvalidParameterValueException(msg="Metadata ItemsToRestore must be a JSON list of keys or prefixes.")
    if len(items) > MAX_ITEMS_TO_RESTORE:
        raise InvalidParameterValueException(
            msg=f"Metadata ItemsToRestore names {len(items)} items; at most {MAX_ITEMS_TO_RESTORE} are allowed.")
    return [re.sub(r"^s3://[^/]+/", "", i) for i in items] or None


def start_restore_job(self: BackupBackend, *, recovery_point_arn: str, metadata: dict[str, str] | None,
                      iam_role_arn: str | None, idempotency_token: str | None = None,
                      resource_type: str | None = None, caller_role: str | None = None,
                      created_by: dict[str, str] | None = None) -> RestoreJob:
    st = state(self)
    if idempotency_token and idempotency_token in st.idempotency:
        return st.jobs[st.idempotency[idempotency_token]]
    if not recovery_point_arn:
        raise MissingParameterValueException("RecoveryPointArn is required.")
    if metadata is None:
        raise MissingParameterValueException("Metadata is required.")
    if not iam_role_arn:
        raise MissingParameterValueException("IamRoleArn is required.")
    point = _local_point(self, recovery_point_arn)
    if resource_type and resource_type != point.resource_type:
        raise InvalidParameterValueException(
            msg=f"ResourceType {resource_type} does not match the recovery point's {point.resource_type}.")
    if point.status != "COMPLETED":
        raise InvalidRequestException(msg=f"Recovery point {point.arn} is {point.status}, not COMPLETED")
    for principal in dict.fromkeys(p for p in (caller_role, iam_role_arn) if p):
        refusal = restore_access.vault_refusal(self, point, principal)
        if refusal:
            raise AccessDeniedException(refusal)
    if isinstance(point.data, recovery_data.TableData):
        plan = _table_plan(self, point.data, metadata)
    elif isinstance(point.data, recovery_data.BucketData):
        plan = _bucket_plan(self, point.data, metadata)
    else:
        raise InvalidRequestException(msg=f"The sandbox cannot restore {point.resource_type} recovery points "
                                          "(it keeps data of DynamoDB tables and S3 buckets only)")
    job = RestoreJob(backend=self, point=point, iam_role_arn=iam_role_arn, created_by=created_by)
    st.jobs[job.job_id] = job
    if idempotency_token:
        st.idempotency[idempotency_token] = job.job_id
    failure = restore_access.job_refusal(self, point, iam_role_arn, plan.target)
    created = None
    if not failure:
        try:
            created = plan.write()
        except recovery_data.RestoreError as exc:
            failure = str(exc)
    job.finish(created, failure)
    restore_events.emit(job)
    return job


def describe_restore_job(self: BackupBackend, job_id: str) -> RestoreJob:
    job = state(self).jobs.get(job_id)
    if job is None:
        raise ResourceNotFoundException(msg=f"Restore job {job_id} not found")
    return job


def list_restore_jobs(self: BackupBackend, filters: dict[str, Any]) -> list[RestoreJob]:
    filters = dict(filters)
    if filters.get("ByStatus"):
        filters["ByState"] = filters.pop("ByStatus")
    jobs = backup_ext._filter_jobs(state(self).jobs.values(), filters, None)
    plan = filters.get("ByRestoreTestingPlanArn")
    if plan:
        jobs = [j for j in jobs if (j.created_by or {}).get("RestoreTestingPlanArn") == plan]
    if filters.get("ByParentJobId"):
        jobs = []  # the sandbox's restore jobs have no parent
    return jobs


def list_restore_jobs_by_protected_resource(self: BackupBackend, resource_arn: str,
                                            filters: dict[str, Any]) -> list[RestoreJob]:
    jobs = list_restore_jobs(self, {"ByResourceArn": resource_arn, "ByStatus": filters.get("ByStatus")})
    after = _naive(filters.get("ByRecoveryPointCreationDateAfter"))
    before = _naive(filters.get("ByRecoveryPointCreationDateBefore"))
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


BACKEND_METHODS = {
    "get_recovery_point_restore_metadata": get_recovery_point_restore_metadata,
    "start_restore_job": start_restore_job,
    "describe_restore_job": describe_restore_job,
    "list_restore_jobs": list_restore_jobs,
    "list_restore_jobs_by_protected_resource": list_restore_jobs_by_protected_resource,
    "put_restore_validation_result": put_restore_validation_result,
}


# ----------------------------------------------------------------------------------- response methods

def _caller_role(self: BackupResponse) -> str | None:
    """The role the request's credentials were issued for by STS AssumeRole, if any: the one caller the
    sandbox can name (its AKIA<account>SBOX keys and moto's default identity name no role)."""
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    match = re.search(r"Credential=([A-Z0-9]+)/", self.headers.get("Authorization", "") or "")
    if not match:
        return None
    backend = sts_backends[self.current_account][get_partition(self.region)]
    assumed = backend.get_assumed_role_from_access_key(match.group(1))
    return assumed.role_arn if assumed else None


def r_get_recovery_point_restore_metadata(self: BackupResponse) -> ActionResult:
    p = _params(self)
    point = self.backup_backend.get_recovery_point_restore_metadata(
        p["BackupVaultName"], p["RecoveryPointArn"], p.get("BackupVaultAccountId"), _caller_role(self))
    return ActionResult({"BackupVaultArn": point.vault_arn, "RecoveryPointArn": point.arn,
                         "RestoreMetadata": restore_metadata(point), "ResourceType": point.resource_type})


def r_start_restore_job(self: BackupResponse) -> ActionResult:
    p = _params(self)
    job = self.backup_backend.start_restore_job(
        recovery_point_arn=p.get("RecoveryPointArn"), metadata=p.get("Metadata"), iam_role_arn=p.get("IamRoleArn"),
        idempotency_token=p.get("IdempotencyToken"), resource_type=p.get("ResourceType"),
        caller_role=_caller_role(self))
    return ActionResult({"RestoreJobId": job.job_id})


def r_describe_restore_job(self: BackupResponse) -> ActionResult:
    return ActionResult(self.backup_backend.describe_restore_job(_params(self)["RestoreJobId"]).to_dict())


def _jobs_page(jobs: list[RestoreJob], p: dict[str, Any]) -> ActionResult:
    page, token = backup_ext._paginate([j.to_dict() for j in jobs], p.get("MaxResults"), p.get("NextToken"))
    return ActionResult(_clean({"RestoreJobs": page, "NextToken": token}))


def r_list_restore_jobs(self: BackupResponse) -> ActionResult:
    p = _params(self)
    return _jobs_page(self.backup_backend.list_restore_jobs(p), p)


def r_list_restore_jobs_by_protected_resource(self: BackupResponse) -> ActionResult:
    p = _params(self)
    return _jobs_page(self.backup_backend.list_restore_jobs_by_protected_resource(p["ResourceArn"], p), p)


def r_put_restore_validation_result(self: BackupResponse) -> EmptyResult:
    p = _params(self)
    self.backup_backend.put_restore_validation_result(p["RestoreJobId"], p.get("ValidationStatus"),
                                                      p.get("ValidationStatusMessage"))
    return EmptyResult()


RESPONSE_METHODS = {
    "get_recovery_point_restore_metadata": r_get_recovery_point_restore_metadata,
    "start_restore_job": r_start_restore_job,
    "describe_restore_job": r_describe_restore_job,
    "list_restore_jobs": r_list_restore_jobs,
    "list_restore_jobs_by_protected_resource": r_list_restore_jobs_by_protected_resource,
    "put_restore_validation_result": r_put_restore_validation_result,
}

# REST-JSON paths (botocore backup 2018-11-15); .../recovery-points/{arn}/restore-metadata is already
# routed by backup_ext's recovery-point path.
URL_PATHS = [
    r"{0}/restore-jobs$",
    r"{0}/restore-jobs/$",
    r"{0}/restore-jobs/(?P<restore_job_id>[^/]+)$",
    r"{0}/restore-jobs/(?P<restore_job_id>[^/]+)/validations$",
    r"{0}/resources/(?P<resource_arn>.+)/restore-jobs/$",
]

_installed = False


def install() -> None:
    """Install the restore APIs (idempotent; before moto builds its Backup app)."""
    global _installed
    if _installed:
        return
    backup_ext.install()
    backup_ext.register_api(BACKEND_METHODS, RESPONSE_METHODS, URL_PATHS)
    _installed = True


install()
