"""Recovery points: what a backup or copy job leaves in a vault, their lifecycle and their deletion
(refused while a vault lock's minimum retention runs).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from moto.backup.exceptions import InvalidParameterValueException, InvalidRequestException, ResourceNotFoundException
from moto.backup.models import BackupBackend, Vault
from moto.core.utils import utcnow

from sandbox.backup.models.plans import normalize_lifecycle
from sandbox.backup.models.state import state
from sandbox.backup.models.vaults import get_vault, lock_blocks_deletion, lock_problem
from sandbox.backup.shapes import clean, naive

# Resource types whose backups can move to cold storage (DynamoDB only with advanced features).
COLD_STORAGE_TYPES = {"DynamoDB", "EFS", "EBS", "EC2", "Storage Gateway", "VirtualMachine", "SAP HANA on Amazon EC2",
                      "Timestream", "CloudFormation"}


def resource_type_of(resource_arn: str) -> tuple[str, str]:
    """(AWS Backup resource type, resource name) of a resource ARN; unsupported ARNs raise AWS's error."""
    parts = resource_arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        raise InvalidParameterValueException(msg=f"Invalid ARN: {resource_arn}")
    service, resource = parts[2], parts[5]
    if service == "dynamodb" and resource.startswith("table/"):
        return "DynamoDB", resource.split("/")[1]
    if service == "s3" and resource and "/" not in resource:
        return "S3", resource
    if service == "ec2" and resource.startswith("volume/"):
        return "EBS", resource.split("/", 1)[1]
    if service == "ec2" and resource.startswith("instance/"):
        return "EC2", resource.split("/", 1)[1]
    if service == "elasticfilesystem":
        return "EFS", resource.split("/")[-1]
    if service == "rds" and resource.startswith("cluster:"):
        return "Aurora", resource.split(":", 1)[1]
    if service == "rds" and resource.startswith("db:"):
        return "RDS", resource.split(":", 1)[1]
    raise InvalidParameterValueException(msg=f"Unsupported resource type for AWS Backup: {resource_arn}")


class RecoveryPoint:
    def __init__(self, *, arn: str, vault: Vault, resource_arn: str, resource_type: str, resource_name: str,
                 iam_role_arn: str, lifecycle: dict[str, Any] | None, encryption_key_arn: str | None,
                 created_by: dict[str, Any] | None = None, source_vault_arn: str | None = None,
                 cold_storage_supported: bool = True, creation_date: datetime | None = None):
        self.arn = arn
        self.vault_name = vault.backup_vault_name
        self.vault_arn = vault.backup_vault_arn
        self.resource_arn = resource_arn
        self.resource_type = resource_type
        self.resource_name = resource_name
        self.iam_role_arn = iam_role_arn
        self.lifecycle = lifecycle or {}
        self.encryption_key_arn = encryption_key_arn
        self.created_by = created_by
        self.source_vault_arn = source_vault_arn
        self.cold_storage_supported = cold_storage_supported
        self.creation_date = creation_date or utcnow()
        self.completion_date = self.creation_date
        self.status = "COMPLETED"
        self.backup_size = 0
        self.data: Any = None  # the resource's data as of the job (recovery_data), shared by its copies

    def calculated_lifecycle(self) -> dict[str, Any]:
        result = {}
        cold = self.lifecycle.get("MoveToColdStorageAfterDays")
        delete = self.lifecycle.get("DeleteAfterDays")
        if cold not in (None, -1) and self.cold_storage_supported:
            result["MoveToColdStorageAt"] = self.creation_date + timedelta(days=cold)
        if delete not in (None, -1):
            result["DeleteAt"] = self.creation_date + timedelta(days=delete)
        return result

    def storage_class(self) -> str:
        at = self.calculated_lifecycle().get("MoveToColdStorageAt")
        return "COLD" if at is not None and utcnow() >= at else "WARM"

    def _common(self) -> dict[str, Any]:
        return clean({
            "RecoveryPointArn": self.arn, "BackupVaultName": self.vault_name, "BackupVaultArn": self.vault_arn,
            "SourceBackupVaultArn": self.source_vault_arn, "ResourceArn": self.resource_arn,
            "ResourceType": self.resource_type, "CreatedBy": self.created_by, "IamRoleArn": self.iam_role_arn,
            "Status": self.status, "CreationDate": self.creation_date, "InitiationDate": self.creation_date,
            "CompletionDate": self.completion_date, "BackupSizeInBytes": self.backup_size,
            "CalculatedLifecycle": self.calculated_lifecycle(), "Lifecycle": self.lifecycle,
            "EncryptionKeyArn": self.encryption_key_arn, "IsEncrypted": True, "IsParent": False,
            "ResourceName": self.resource_name, "VaultType": "BACKUP_VAULT",
            "EncryptionKeyType": "CUSTOMER_MANAGED_KMS_KEY" if self.encryption_key_arn else "AWS_OWNED_KMS_KEY",
        })

    def to_describe(self) -> dict[str, Any]:
        result = self._common()
        result["StorageClass"] = self.storage_class()
        return result

    def to_by_vault(self) -> dict[str, Any]:
        return self._common()

    def to_by_resource(self) -> dict[str, Any]:
        return clean({
            "RecoveryPointArn": self.arn, "CreationDate": self.creation_date, "Status": self.status,
            "EncryptionKeyArn": self.encryption_key_arn, "BackupSizeBytes": self.backup_size,
            "BackupVaultName": self.vault_name, "IsParent": False, "ResourceName": self.resource_name,
            "VaultType": "BACKUP_VAULT",
        })


def add_recovery_point(backend: BackupBackend, rp: RecoveryPoint, tags: dict[str, str] | None) -> None:
    state(backend).recovery_points[rp.arn] = rp
    vault = backend.vaults[rp.vault_name]
    vault.num_of_recovery_points = sum(1 for r in state(backend).recovery_points.values()
                                       if r.vault_name == rp.vault_name)
    if tags:
        backend.tag_resource(rp.arn, tags)


def _get_recovery_point(self: BackupBackend, vault_name: str, arn: str) -> RecoveryPoint:
    get_vault(self, vault_name)
    rp = state(self).recovery_points.get(arn)
    if rp is None or rp.vault_name != vault_name:
        raise ResourceNotFoundException(msg=f"Recovery point {arn} not found in backup vault {vault_name}")
    return rp


def describe_recovery_point(self: BackupBackend, vault_name: str, arn: str) -> RecoveryPoint:
    return _get_recovery_point(self, vault_name, arn)


def list_recovery_points_by_backup_vault(self: BackupBackend, vault_name: str,
                                         filters: dict[str, Any]) -> list[RecoveryPoint]:
    get_vault(self, vault_name)
    filters = {k: naive(v) for k, v in filters.items()}
    points = [rp for rp in state(self).recovery_points.values() if rp.vault_name == vault_name]
    if filters.get("ByResourceArn"):
        points = [rp for rp in points if rp.resource_arn == filters["ByResourceArn"]]
    if filters.get("ByResourceType"):
        points = [rp for rp in points if rp.resource_type == filters["ByResourceType"]]
    if filters.get("ByBackupPlanId"):
        points = [rp for rp in points if (rp.created_by or {}).get("BackupPlanId") == filters["ByBackupPlanId"]]
    if filters.get("ByCreatedBefore"):
        points = [rp for rp in points if rp.creation_date < filters["ByCreatedBefore"]]
    if filters.get("ByCreatedAfter"):
        points = [rp for rp in points if rp.creation_date > filters["ByCreatedAfter"]]
    return sorted(points, key=lambda rp: rp.creation_date, reverse=True)


def list_recovery_points_by_resource(self: BackupBackend, resource_arn: str) -> list[RecoveryPoint]:
    points = [rp for rp in state(self).recovery_points.values() if rp.resource_arn == resource_arn]
    return sorted(points, key=lambda rp: rp.creation_date, reverse=True)


def update_recovery_point_lifecycle(self: BackupBackend, vault_name: str, arn: str,
                                    lifecycle: dict[str, Any] | None) -> RecoveryPoint:
    rp = _get_recovery_point(self, vault_name, arn)
    new = normalize_lifecycle(lifecycle) or {}
    vault = self.vaults[vault_name]
    old_cold = rp.lifecycle.get("MoveToColdStorageAfterDays")
    new_cold = new.get("MoveToColdStorageAfterDays")
    if rp.storage_class() == "COLD" and new_cold != old_cold:
        raise InvalidParameterValueException(
            msg="MoveToColdStorageAfterDays cannot be changed after the recovery point moved to cold storage")
    problem = lock_problem(vault, new)
    if problem:
        raise InvalidRequestException(msg=f"UpdateRecoveryPointLifecycle refused by the vault lock: {problem}")
    delete = new.get("DeleteAfterDays")
    if delete not in (None, -1) and rp.creation_date + timedelta(days=delete) < utcnow():
        raise InvalidParameterValueException(msg="The new lifecycle would delete the recovery point in the past")
    rp.lifecycle = new
    return rp


def delete_recovery_point(self: BackupBackend, vault_name: str, arn: str) -> None:
    rp = _get_recovery_point(self, vault_name, arn)
    problem = lock_blocks_deletion(self.vaults[vault_name], rp)
    if problem:
        raise InvalidRequestException(msg=problem)
    del state(self).recovery_points[arn]
    self.vaults[vault_name].num_of_recovery_points = sum(
        1 for r in state(self).recovery_points.values() if r.vault_name == vault_name)
