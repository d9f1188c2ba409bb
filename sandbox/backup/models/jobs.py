"""Backup and copy jobs: they finish the moment they start (COMPLETED with a recovery point, or FAILED with
the reason AWS would give), capturing the resource's data (``recovery_data``) and carrying it on copies.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any, Iterable

from moto.backup.exceptions import InvalidParameterValueException, ResourceNotFoundException
from moto.backup.models import BackupBackend, Vault
from moto.core.utils import unix_time, utcnow
from moto.moto_api._internal import mock_random
from moto.utilities.utils import get_partition

from sandbox.backup.exceptions import MissingParameterValueException
from sandbox.backup.models.plans import normalize_lifecycle
from sandbox.backup.models.recovery_data import capture, size_of
from sandbox.backup.models.recovery_points import (
    COLD_STORAGE_TYPES,
    RecoveryPoint,
    add_recovery_point,
    resource_type_of,
)
from sandbox.backup.models.state import backend_for, job_of, state
from sandbox.backup.models.vaults import VAULT_ARN, get_vault, lock_problem
from sandbox.backup.shapes import clean, naive


class _Job:
    """What a backup job and a copy job share: an id, the resource, the role, the recovery point lifecycle,
    and the states CREATED, then COMPLETED or FAILED (the sandbox finishes a job as it starts it)."""

    def __init__(self, *, account_id: str, resource_arn: str, resource_type: str, resource_name: str,
                 iam_role_arn: str, lifecycle: dict[str, Any] | None):
        self.job_id = str(mock_random.uuid4()).upper()
        self.account_id = account_id
        self.resource_arn = resource_arn
        self.resource_type = resource_type
        self.resource_name = resource_name
        self.iam_role_arn = iam_role_arn
        self.lifecycle = lifecycle
        self.creation_date = utcnow()
        self.state = "CREATED"
        self.status_message: str | None = None
        self.completion_date: datetime | None = None
        self.backup_size = 0

    def _finish(self, failure: str | None) -> bool:
        """Ends the job, FAILED with the failure as its status message, else COMPLETED (True)."""
        self.completion_date = utcnow()
        if failure:
            self.state, self.status_message = "FAILED", failure
            return False
        self.state = "COMPLETED"
        return True

    def _message_category(self) -> str | None:
        return "SUCCESS" if self.state == "COMPLETED" else ("FAILED" if self.state == "FAILED" else None)


class BackupJob(_Job):
    def __init__(self, *, account_id: str, vault: Vault, resource_arn: str, resource_type: str,
                 resource_name: str, iam_role_arn: str, lifecycle: dict[str, Any] | None,
                 start_window: int | None, complete_window: int | None, backup_options: dict[str, str] | None):
        super().__init__(account_id=account_id, resource_arn=resource_arn, resource_type=resource_type,
                         resource_name=resource_name, iam_role_arn=iam_role_arn, lifecycle=lifecycle)
        self.vault_name = vault.backup_vault_name
        self.vault_arn = vault.backup_vault_arn
        self.vault_lock_state = "LOCKED" if vault.locked else None
        self.encryption_key_arn = vault.encryption_key_arn
        self.start_by = self.creation_date + timedelta(minutes=start_window or 480)
        self.expected_completion = self.creation_date + timedelta(minutes=complete_window or 10080)
        self.backup_options = backup_options
        self.recovery_point_arn: str | None = None

    def finish(self, recovery_point_arn: str | None, failure: str | None) -> None:
        if self._finish(failure):
            self.recovery_point_arn = recovery_point_arn

    def to_dict(self) -> dict[str, Any]:
        return clean({
            "AccountId": self.account_id, "BackupJobId": self.job_id, "BackupVaultName": self.vault_name,
            "BackupVaultArn": self.vault_arn, "VaultType": "BACKUP_VAULT", "VaultLockState": self.vault_lock_state,
            "RecoveryPointArn": self.recovery_point_arn, "RecoveryPointLifecycle": self.lifecycle,
            "EncryptionKeyArn": self.encryption_key_arn, "IsEncrypted": True, "ResourceArn": self.resource_arn,
            "CreationDate": self.creation_date, "CompletionDate": self.completion_date, "State": self.state,
            "StatusMessage": self.status_message, "PercentDone": "100.0" if self.state == "COMPLETED" else "0.0",
            "BackupSizeInBytes": self.backup_size, "IamRoleArn": self.iam_role_arn,
            "ExpectedCompletionDate": self.expected_completion,
            "StartBy": self.start_by, "ResourceType": self.resource_type, "BytesTransferred": 0,
            "BackupOptions": self.backup_options, "BackupType": "Backup" if self.backup_options else None,
            "IsParent": False, "ResourceName": self.resource_name, "InitiationDate": self.creation_date,
            "MessageCategory": self._message_category(),
        })


class CopyJob(_Job):
    def __init__(self, *, account_id: str, source_vault: Vault, source_rp: RecoveryPoint, destination_vault_arn: str,
                 iam_role_arn: str, lifecycle: dict[str, Any] | None):
        super().__init__(account_id=account_id, resource_arn=source_rp.resource_arn,
                         resource_type=source_rp.resource_type, resource_name=source_rp.resource_name,
                         iam_role_arn=iam_role_arn, lifecycle=lifecycle)
        self.source_vault_arn = source_vault.backup_vault_arn
        self.source_rp_arn = source_rp.arn
        self.destination_vault_arn = destination_vault_arn
        self.destination_rp_arn: str | None = None
        self.destination_key_arn: str | None = None
        self.destination_lock_state: str | None = None

    def finish(self, destination_rp: RecoveryPoint | None, failure: str | None) -> None:
        if self._finish(failure):
            assert destination_rp is not None
            self.destination_rp_arn = destination_rp.arn
            self.destination_key_arn = destination_rp.encryption_key_arn

    def to_dict(self) -> dict[str, Any]:
        return clean({
            "AccountId": self.account_id, "CopyJobId": self.job_id, "SourceBackupVaultArn": self.source_vault_arn,
            "SourceRecoveryPointArn": self.source_rp_arn, "DestinationBackupVaultArn": self.destination_vault_arn,
            "DestinationVaultType": "BACKUP_VAULT", "DestinationVaultLockState": self.destination_lock_state,
            "DestinationRecoveryPointArn": self.destination_rp_arn,
            "DestinationEncryptionKeyArn": self.destination_key_arn,
            "DestinationRecoveryPointLifecycle": self.lifecycle, "ResourceArn": self.resource_arn,
            "CreationDate": self.creation_date, "CompletionDate": self.completion_date, "State": self.state,
            "StatusMessage": self.status_message, "BackupSizeInBytes": self.backup_size,
            "IamRoleArn": self.iam_role_arn,
            "ResourceType": self.resource_type, "IsParent": False, "ResourceName": self.resource_name,
            "MessageCategory": self._message_category(),
        })


def role_problem(account_id: str, region: str, role_arn: str) -> str | None:
    """Why AWS Backup could not assume this role, or None."""
    from moto.iam.models import iam_backends

    match = re.match(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/(?:.*/)?([^/]+)$", role_arn or "")
    if not match:
        return f"Invalid IAM role ARN {role_arn}"
    if match.group(2) != account_id:
        return f"IAM role {role_arn} is not a role of account {account_id}"
    try:
        role = iam_backends[account_id][get_partition(region)].get_role_by_arn(role_arn)
    except Exception:  # moto raises its own NotFoundException
        return f"IAM role {role_arn} does not exist; AWS Backup cannot assume it"
    trust = role.assume_role_policy_document
    trust_text = trust if isinstance(trust, str) else json.dumps(trust)
    if "backup.amazonaws.com" not in trust_text:
        return f"IAM role {role_arn} does not trust backup.amazonaws.com; AWS Backup cannot assume it"
    return None


def _resource_problem(account_id: str, region: str, resource_arn: str, resource_type: str, name: str) -> str | None:
    parts = resource_arn.split(":")
    if resource_type != "S3" and (parts[3] != region or parts[4] != account_id):
        return f"Resource {resource_arn} is not in account {account_id}, Region {region}"
    if resource_type == "DynamoDB":
        from moto.dynamodb.models import dynamodb_backends

        if name not in dynamodb_backends[account_id][region].tables:
            return f"Table {name} does not exist"
    elif resource_type == "S3":
        from moto.s3.models import s3_backends

        bucket = s3_backends[account_id][get_partition(region)].buckets.get(name)
        if bucket is None:
            return f"Bucket {name} does not exist in account {account_id}"
        if bucket.region_name != region:
            return f"Bucket {name} is in {bucket.region_name}, not {region}"
        if bucket.versioning_status != "Enabled":
            return f"Bucket Versioning is required for S3 backups, and it is not enabled on bucket {name}"
    return None


def start_backup_job(self: BackupBackend, *, vault_name: str, resource_arn: str, iam_role_arn: str,
                     idempotency_token: str | None = None, start_window: int | None = None,
                     complete_window: int | None = None, lifecycle: dict[str, Any] | None = None,
                     recovery_point_tags: dict[str, str] | None = None,
                     backup_options: dict[str, str] | None = None,
                     created_by: dict[str, Any] | None = None) -> BackupJob:
    st = state(self)
    if idempotency_token and ("backup", idempotency_token) in st.idempotency:
        return st.backup_jobs[st.idempotency[("backup", idempotency_token)]]
    if not resource_arn:
        raise MissingParameterValueException("ResourceArn is required.")
    if not iam_role_arn:
        raise MissingParameterValueException("IamRoleArn is required.")
    vault = get_vault(self, vault_name)
    lifecycle = normalize_lifecycle(lifecycle)
    resource_type, resource_name = resource_type_of(resource_arn)
    if start_window is not None and int(start_window) < 60:
        raise InvalidParameterValueException(msg="StartWindowMinutes must be at least 60.")
    job = BackupJob(account_id=self.account_id, vault=vault, resource_arn=resource_arn, resource_type=resource_type,
                    resource_name=resource_name, iam_role_arn=iam_role_arn, lifecycle=lifecycle,
                    start_window=start_window, complete_window=complete_window, backup_options=backup_options)
    st.backup_jobs[job.job_id] = job
    if idempotency_token:
        st.idempotency[("backup", idempotency_token)] = job.job_id

    advanced = resource_type != "DynamoDB" or st.management.get("DynamoDB", False)
    failure = (
        (None if st.opt_in.get(resource_type, False) else
         f"Resource type {resource_type} is not opted in to AWS Backup in {self.region_name} (UpdateRegionSettings)")
        or role_problem(self.account_id, self.region_name, iam_role_arn)
        or _resource_problem(self.account_id, self.region_name, resource_arn, resource_type, resource_name)
        or lock_problem(vault, lifecycle)
    )
    if failure:
        job.finish(None, failure)
        return job
    if resource_type == "DynamoDB" and not advanced:
        # Without advanced features AWS Backup makes a DynamoDB on-demand backup, named like one.
        suffix = f"{int(unix_time() * 1000):013d}-{mock_random.get_random_hex(8)}"
        arn = f"{resource_arn}/backup/{suffix}"
    else:
        arn = (f"arn:{get_partition(self.region_name)}:backup:{self.region_name}:{self.account_id}:"
               f"recovery-point:{str(mock_random.uuid4()).upper()}")
    cold_ok = resource_type in COLD_STORAGE_TYPES and advanced
    rp = RecoveryPoint(arn=arn, vault=vault, resource_arn=resource_arn, resource_type=resource_type,
                       resource_name=resource_name, iam_role_arn=iam_role_arn, lifecycle=lifecycle,
                       encryption_key_arn=vault.encryption_key_arn, created_by=created_by,
                       cold_storage_supported=cold_ok)
    rp.data = capture(self.account_id, self.region_name, resource_type, resource_name)
    rp.backup_size = job.backup_size = size_of(rp.data)
    add_recovery_point(self, rp, recovery_point_tags)
    job.finish(rp.arn, None)
    return job


def _key_is_customer_managed(account_id: str, region: str, key_arn: str | None) -> bool:
    if not key_arn:
        return False
    from moto.kms.models import kms_backends

    try:
        key = kms_backends[account_id][region].describe_key(key_arn)
    except Exception:
        return False
    return getattr(key, "key_manager", "CUSTOMER") == "CUSTOMER"


def start_copy_job(self: BackupBackend, *, recovery_point_arn: str, source_vault_name: str,  # noqa: C901 - the checks in the order AWS documents the errors
                   destination_vault_arn: str, iam_role_arn: str, idempotency_token: str | None = None,
                   lifecycle: dict[str, Any] | None = None) -> CopyJob:
    st = state(self)
    if idempotency_token and ("copy", idempotency_token) in st.idempotency:
        return st.copy_jobs[st.idempotency[("copy", idempotency_token)]]
    for name, value in (("RecoveryPointArn", recovery_point_arn), ("SourceBackupVaultName", source_vault_name),
                        ("DestinationBackupVaultArn", destination_vault_arn), ("IamRoleArn", iam_role_arn)):
        if not value:
            raise MissingParameterValueException(f"{name} is required.")
    source_vault = get_vault(self, source_vault_name)
    source_rp = st.recovery_points.get(recovery_point_arn)
    if source_rp is None or source_rp.vault_name != source_vault_name:
        raise ResourceNotFoundException(msg=f"Recovery point {recovery_point_arn} not found in {source_vault_name}")
    match = VAULT_ARN.match(destination_vault_arn)
    if not match:
        raise InvalidParameterValueException(msg=f"Invalid DestinationBackupVaultArn {destination_vault_arn}")
    lifecycle = normalize_lifecycle(lifecycle) if lifecycle else dict(source_rp.lifecycle) or None
    job = CopyJob(account_id=self.account_id, source_vault=source_vault, source_rp=source_rp,
                  destination_vault_arn=destination_vault_arn, iam_role_arn=iam_role_arn, lifecycle=lifecycle)
    st.copy_jobs[job.job_id] = job
    if idempotency_token:
        st.idempotency[("copy", idempotency_token)] = job.job_id

    dest_account, dest_region, dest_name = match.group("account"), match.group("region"), match.group("name")
    cross_account = dest_account != self.account_id
    cross_region = dest_region != self.region_name
    dest_backend = backend_for(dest_account, dest_region)
    dest_vault = dest_backend.vaults.get(dest_name)
    failure = None
    if source_rp.status != "COMPLETED":
        failure = f"Source recovery point is {source_rp.status}, not COMPLETED"
    failure = failure or role_problem(self.account_id, self.region_name, iam_role_arn)
    if not failure and dest_vault is None:
        failure = f"Destination backup vault {destination_vault_arn} does not exist"
    if (not failure and source_rp.resource_type == "DynamoDB" and (cross_account or cross_region)
            and not st.management.get("DynamoDB", False)):
        failure = ("Cross-account and cross-Region copies of DynamoDB backups need AWS Backup's advanced DynamoDB "
                   "features (UpdateRegionSettings ResourceTypeManagementPreference DynamoDB=true)")
    if not failure and cross_account:
        assert dest_vault is not None
        if dest_name == "Default" or not _key_is_customer_managed(dest_account, dest_region,
                                                                  dest_vault.encryption_key_arn):
            failure = ("Cross-account copies need a destination vault encrypted with a customer-managed KMS key "
                       f"(not the default vault or the aws/backup key): {destination_vault_arn}")
        elif dest_name not in state(dest_backend).vault_policies:
            failure = (f"Access denied: the destination vault {destination_vault_arn} has no access policy that "
                       f"allows backup:CopyIntoBackupVault from account {self.account_id}")
    if not failure:
        assert dest_vault is not None
        job.destination_lock_state = "LOCKED" if dest_vault.locked else None
        failure = lock_problem(dest_vault, lifecycle)
    if failure:
        job.finish(None, failure)
        return job
    assert dest_vault is not None
    rp = RecoveryPoint(
        arn=f"arn:{get_partition(dest_region)}:backup:{dest_region}:{dest_account}:recovery-point:"
            f"{str(mock_random.uuid4()).upper()}",
        vault=dest_vault, resource_arn=source_rp.resource_arn, resource_type=source_rp.resource_type,
        resource_name=source_rp.resource_name, iam_role_arn=iam_role_arn, lifecycle=lifecycle,
        encryption_key_arn=dest_vault.encryption_key_arn, source_vault_arn=source_vault.backup_vault_arn,
        cold_storage_supported=source_rp.cold_storage_supported)
    rp.data = source_rp.data  # immutable snapshot: the copy carries the same data
    rp.backup_size = job.backup_size = source_rp.backup_size
    add_recovery_point(dest_backend, rp, None)
    job.finish(rp, None)
    return job


def filter_jobs(jobs: Iterable[Any], filters: dict[str, Any], vault_attr: str | None) -> list[Any]:
    filters = {k: naive(v) for k, v in filters.items()}
    result = list(jobs)
    checks = {
        "ByResourceArn": lambda j, v: j.resource_arn == v,
        "ByState": lambda j, v: j.state == v,
        "ByResourceType": lambda j, v: j.resource_type == v,
        "ByAccountId": lambda j, v: j.account_id == v,
        "ByCreatedBefore": lambda j, v: j.creation_date < v,
        "ByCreatedAfter": lambda j, v: j.creation_date > v,
        "ByCompleteBefore": lambda j, v: j.completion_date is not None and j.completion_date < v,
        "ByCompleteAfter": lambda j, v: j.completion_date is not None and j.completion_date > v,
        "ByDestinationVaultArn": lambda j, v: getattr(j, "destination_vault_arn", None) == v,
        "BySourceRecoveryPointArn": lambda j, v: getattr(j, "source_rp_arn", None) == v,
    }
    if vault_attr:
        checks["ByBackupVaultName"] = lambda j, v: getattr(j, vault_attr) == v
    for key, check in checks.items():
        value = filters.get(key)
        if value:
            result = [j for j in result if check(j, value)]
    return sorted(result, key=lambda j: j.creation_date, reverse=True)


def describe_backup_job(self: BackupBackend, job_id: str) -> BackupJob:
    return job_of(state(self).backup_jobs, job_id, "Backup job")


def describe_copy_job(self: BackupBackend, job_id: str) -> CopyJob:
    return job_of(state(self).copy_jobs, job_id, "Copy job")
