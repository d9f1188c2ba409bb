"""AWS Backup APIs that moto 5.2.5 lacks, added to moto's own backend and response classes.

Importing this module (before moto serves its first request) installs:

* backup selections: CreateBackupSelection, GetBackupSelection, ListBackupSelections, DeleteBackupSelection
* vault access policies: Put/Get/DeleteBackupVaultAccessPolicy
* vault notifications: Put/Get/DeleteBackupVaultNotifications
* recovery points: ListRecoveryPointsByBackupVault, DescribeRecoveryPoint, ListRecoveryPointsByResource,
  UpdateRecoveryPointLifecycle, DeleteRecoveryPoint (refused while a vault lock's minimum retention runs)
* backup jobs: StartBackupJob, DescribeBackupJob, ListBackupJobs
* copy jobs: StartCopyJob, DescribeCopyJob, ListCopyJobs (into any account and Region of the sandbox)
* settings: Describe/UpdateGlobalSettings, Describe/UpdateRegionSettings
* UpdateBackupPlan, and AWS's refusals moto skips: deleting a plan that still has selections, deleting a
  vault that still holds recovery points, lifecycles with less than 90 days between cold storage and
  deletion.

Jobs finish the moment they start (COMPLETED or FAILED), with no schedule, no EventBridge event and no
CloudWatch metric. A backup job captures the resource's data as of the job (``sandbox.recovery_data``); a
copy job carries it to the destination recovery point; restores are ``sandbox.restore_ext``. Request and
response shapes follow botocore's service model (backup 2018-11-15, REST-JSON); moto's serializer renders
the responses from that model.

The handlers are methods of moto.backup.responses.BackupResponse (moto finds the operation from the
method and path of the request, then calls the snake_case method of that name); the routes are added to
moto.backup.urls.url_paths, which the server reads once when it builds the Backup app.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from moto.backup import urls as backup_urls
from moto.backup.exceptions import (
    AlreadyExistsException,
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from moto.backup.models import BackupBackend, Plan, Vault, backup_backends
from moto.backup.responses import BackupResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import unix_time, utcnow
from moto.moto_api._internal import mock_random
from moto.utilities.utils import get_partition

from sandbox import recovery_data

__all__ = ["install", "state", "RecoveryPoint", "BackupJob", "CopyJob", "Selection"]

# Where the account-wide global settings live (DescribeGlobalSettings is account-wide in AWS).
GLOBAL_SETTINGS_HOME_REGION = "us-east-1"

# The sandbox's assumption for a new account; AWS's defaults depend on the account's history: check live.
DEFAULT_OPT_IN = {
    "Aurora": True, "CloudFormation": False, "DocumentDB": True, "DynamoDB": True, "EBS": True, "EC2": True,
    "EFS": True, "FSx": True, "Neptune": True, "RDS": True, "Redshift": False, "S3": False,
    "SAP HANA on Amazon EC2": False, "Storage Gateway": True, "Timestream": False, "VirtualMachine": True,
}
DEFAULT_MANAGEMENT = {"DynamoDB": True, "EFS": True}
DEFAULT_GLOBAL_SETTINGS = {"isCrossAccountBackupEnabled": "false", "isMpaEnabled": "false",
                           "isDelegatedAdministratorEnabled": "false"}

RULE_NAME = re.compile(r"^[A-Za-z0-9\-_.]{1,50}$")
SELECTION_NAME = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")
VAULT_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):backup:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
                       r"backup-vault:(?P<name>[A-Za-z0-9\-_.]{2,50})$")
VAULT_EVENTS = {
    "BACKUP_JOB_STARTED", "BACKUP_JOB_COMPLETED", "BACKUP_JOB_SUCCESSFUL", "BACKUP_JOB_FAILED",
    "BACKUP_JOB_EXPIRED", "RESTORE_JOB_STARTED", "RESTORE_JOB_COMPLETED", "RESTORE_JOB_SUCCESSFUL",
    "RESTORE_JOB_FAILED", "COPY_JOB_STARTED", "COPY_JOB_SUCCESSFUL", "COPY_JOB_FAILED",
    "RECOVERY_POINT_MODIFIED", "BACKUP_PLAN_CREATED", "BACKUP_PLAN_MODIFIED", "S3_BACKUP_OBJECT_FAILED",
    "S3_RESTORE_OBJECT_FAILED", "CONTINUOUS_BACKUP_INTERRUPTED", "RECOVERY_POINT_INDEX_COMPLETED",
    "RECOVERY_POINT_INDEX_DELETED", "RECOVERY_POINT_INDEXING_FAILED",
}
# Resource types whose backups can move to cold storage (DynamoDB only with advanced features).
COLD_STORAGE_TYPES = {"DynamoDB", "EFS", "EBS", "EC2", "Storage Gateway", "VirtualMachine", "SAP HANA on Amazon EC2",
                      "Timestream", "CloudFormation"}


# --------------------------------------------------------------------------------------------- errors

class AccessDeniedException(JsonRESTError):
    code = 403

    def __init__(self, msg: str):
        super().__init__("AccessDeniedException", msg)


class MissingParameterValueException(JsonRESTError):
    code = 400

    def __init__(self, msg: str):
        super().__init__("MissingParameterValueException", msg)


# --------------------------------------------------------------------------------------------- models

def _days(value: Any) -> int | None:
    return None if value is None else int(value)


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def normalize_lifecycle(lifecycle: dict[str, Any] | None) -> dict[str, Any] | None:
    """A Lifecycle with integer days; raises AWS's error for fewer than 90 days between cold and delete."""
    if not lifecycle:
        return None
    result: dict[str, Any] = {}
    cold = _days(lifecycle.get("MoveToColdStorageAfterDays"))
    delete = _days(lifecycle.get("DeleteAfterDays"))
    if cold is not None:
        result["MoveToColdStorageAfterDays"] = cold
    if delete is not None:
        result["DeleteAfterDays"] = delete
    if lifecycle.get("OptInToArchiveForSupportedResources") is not None:
        result["OptInToArchiveForSupportedResources"] = bool(lifecycle["OptInToArchiveForSupportedResources"])
    if lifecycle.get("DeleteAfterEvent"):
        result["DeleteAfterEvent"] = lifecycle["DeleteAfterEvent"]
    for name, value in (("DeleteAfterDays", delete), ("MoveToColdStorageAfterDays", cold)):
        if value is not None and value < 1 and value != -1:
            raise InvalidParameterValueException(msg=f"Lifecycle {name} must be at least 1 day, got {value}.")
    if cold is not None and delete is not None and cold not in (-1,) and delete != -1 and delete < cold + 90:
        raise InvalidParameterValueException(
            msg=("Error in Lifecycle: DeleteAfterDays must be at least 90 days more than MoveToColdStorageAfterDays "
                 f"(got MoveToColdStorageAfterDays={cold}, DeleteAfterDays={delete})."))
    return result


def validate_backup_plan(backup_plan: dict[str, Any]) -> None:
    """The checks AWS makes on a plan document that moto does not (rule names, lifecycles, copy targets)."""
    if not isinstance(backup_plan, dict) or not backup_plan.get("BackupPlanName"):
        raise InvalidParameterValueException(msg="BackupPlan.BackupPlanName is required.")
    name = backup_plan["BackupPlanName"]
    if len(name) > 50 or not re.match(r"^[A-Za-z0-9\-_.]+$", name):
        raise InvalidParameterValueException(
            msg=f"Invalid backup plan name '{name}': 1-50 characters of letters, digits, '-', '_' and '.'.")
    rules = backup_plan.get("Rules")
    if not rules:
        raise InvalidParameterValueException(msg="BackupPlan.Rules must contain at least one rule.")
    seen: set[str] = set()
    for rule in rules:
        rule_name = rule.get("RuleName", "")
        if not RULE_NAME.match(rule_name):
            raise InvalidParameterValueException(
                msg=f"Invalid rule name '{rule_name}': 1-50 characters of letters, digits, '-', '_' and '.'.")
        if rule_name in seen:
            raise InvalidParameterValueException(msg=f"Duplicate rule name '{rule_name}' in backup plan.")
        seen.add(rule_name)
        if not rule.get("TargetBackupVaultName"):
            raise InvalidParameterValueException(msg=f"Rule '{rule_name}': TargetBackupVaultName is required.")
        for key in ("StartWindowMinutes", "CompletionWindowMinutes"):
            if rule.get(key) is not None:
                rule[key] = int(rule[key])
        if rule.get("StartWindowMinutes") is not None and rule["StartWindowMinutes"] < 60:
            raise InvalidParameterValueException(msg=f"Rule '{rule_name}': StartWindowMinutes must be at least 60.")
        if rule.get("Lifecycle") is not None:
            rule["Lifecycle"] = normalize_lifecycle(rule["Lifecycle"]) or {}
        for action in rule.get("CopyActions") or []:
            if not VAULT_ARN.match(action.get("DestinationBackupVaultArn", "")):
                raise InvalidParameterValueException(
                    msg=f"Rule '{rule_name}': invalid DestinationBackupVaultArn "
                        f"'{action.get('DestinationBackupVaultArn')}'.")
            if action.get("Lifecycle") is not None:
                action["Lifecycle"] = normalize_lifecycle(action["Lifecycle"]) or {}


class Selection:
    def __init__(self, backup_plan_id: str, selection: dict[str, Any], creator_request_id: str | None):
        self.selection_id = str(mock_random.uuid4())
        self.backup_plan_id = backup_plan_id
        self.selection = selection
        self.creator_request_id = creator_request_id
        self.creation_date = utcnow()

    def to_get(self) -> dict[str, Any]:
        return _clean({"BackupSelection": self.selection, "SelectionId": self.selection_id,
                       "BackupPlanId": self.backup_plan_id, "CreationDate": self.creation_date,
                       "CreatorRequestId": self.creator_request_id})

    def to_list(self) -> dict[str, Any]:
        return _clean({"SelectionId": self.selection_id, "SelectionName": self.selection["SelectionName"],
                       "BackupPlanId": self.backup_plan_id, "CreationDate": self.creation_date,
                       "CreatorRequestId": self.creator_request_id, "IamRoleArn": self.selection["IamRoleArn"]})


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
        self.data: Any = None  # the resource's data as of the job (sandbox.recovery_data), shared by its copies

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
        return _clean({
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
        return _clean({
            "RecoveryPointArn": self.arn, "CreationDate": self.creation_date, "Status": self.status,
            "EncryptionKeyArn": self.encryption_key_arn, "BackupSizeBytes": self.backup_size,
            "BackupVaultName": self.vault_name, "IsParent": False, "ResourceName": self.resource_name,
            "VaultType": "BACKUP_VAULT",
        })


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
        return _clean({
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
        return _clean({
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


class SandboxBackupState:
    """What the sandbox adds to one moto BackupBackend (one account, one Region)."""

    def __init__(self) -> None:
        self.selections: dict[str, dict[str, Selection]] = {}  # plan id -> selection id -> selection
        self.vault_policies: dict[str, str] = {}
        self.vault_notifications: dict[str, dict[str, Any]] = {}
        self.recovery_points: dict[str, RecoveryPoint] = {}
        self.backup_jobs: dict[str, BackupJob] = {}
        self.copy_jobs: dict[str, CopyJob] = {}
        self.idempotency: dict[tuple[str, str], str] = {}
        self.opt_in: dict[str, bool] = dict(DEFAULT_OPT_IN)
        self.management: dict[str, bool] = dict(DEFAULT_MANAGEMENT)
        self.global_settings: dict[str, str] = dict(DEFAULT_GLOBAL_SETTINGS)
        self.global_settings_updated: datetime | None = None


def state(backend: BackupBackend) -> SandboxBackupState:
    """The sandbox state of a backend, created on first use (moto's reset empties the backend's __dict__)."""
    current = backend.__dict__.get("_sandbox_state")
    if current is None:
        current = SandboxBackupState()
        backend.__dict__["_sandbox_state"] = current
    return current


def _backend_for(account_id: str, region: str) -> BackupBackend:
    return backup_backends[account_id][region]


def _paginate(items: list[Any], max_results: Any, next_token: Any) -> tuple[list[Any], str | None]:
    start = int(next_token) if next_token else 0
    size = int(max_results) if max_results else 1000
    page = items[start:start + size]
    token = str(start + size) if start + size < len(items) else None
    return page, token


# ------------------------------------------------------------------------------------ backend methods

def _get_vault(self: BackupBackend, name: str) -> Vault:
    if name not in self.vaults:
        raise ResourceNotFoundException(msg=f"Backup vault {name} does not exist in {self.region_name} "
                                            f"of account {self.account_id}.")
    return self.vaults[name]


def _get_live_plan(self: BackupBackend, backup_plan_id: str) -> Plan:
    plan = self.plans.get(backup_plan_id)
    if plan is None or plan.deletion_date is not None:
        raise ResourceNotFoundException(msg=f"Failed reading Backup plan with provided version ({backup_plan_id})")
    return plan


def _apply_rule_defaults(backup_plan: dict[str, Any]) -> None:
    for rule in backup_plan["Rules"]:
        rule.setdefault("ScheduleExpression", "cron(0 5 ? * * *)")
        rule.setdefault("StartWindowMinutes", 480)
        rule.setdefault("CompletionWindowMinutes", 10080)
        rule.setdefault("ScheduleExpressionTimezone", "Etc/UTC")
        rule["RuleId"] = str(mock_random.uuid4())


def create_backup_plan(self: BackupBackend, backup_plan: dict[str, Any], backup_plan_tags: dict[str, str] | None,
                       creator_request_id: str | None) -> Plan:
    validate_backup_plan(backup_plan)
    for plan in self.plans.values():
        if plan.deletion_date is None and plan.backup_plan["BackupPlanName"] == backup_plan["BackupPlanName"]:
            raise AlreadyExistsException(msg="Backup plan with the same plan document already exists")
    plan = Plan(backup_plan=backup_plan, creator_request_id=creator_request_id, backend=self)  # type: ignore[arg-type]
    if backup_plan_tags:
        self.tag_resource(plan.backup_plan_arn, backup_plan_tags)
    self.plans[plan.backup_plan_id] = plan
    return plan


def update_backup_plan(self: BackupBackend, backup_plan_id: str, backup_plan: dict[str, Any]) -> Plan:
    plan = _get_live_plan(self, backup_plan_id)
    validate_backup_plan(backup_plan)
    for other in self.plans.values():
        if (other is not plan and other.deletion_date is None
                and other.backup_plan["BackupPlanName"] == backup_plan["BackupPlanName"]):
            raise AlreadyExistsException(msg="Backup plan with the same name already exists")
    _apply_rule_defaults(backup_plan)
    plan.backup_plan = backup_plan
    plan.advanced_backup_settings = backup_plan.get("AdvancedBackupSettings") or []
    plan.version_id = mock_random.get_random_string(length=48)
    return plan


_moto_delete_backup_plan = BackupBackend.delete_backup_plan
_moto_delete_backup_vault = BackupBackend.delete_backup_vault


def delete_backup_plan(self: BackupBackend, backup_plan_id: str) -> tuple[str, str, float, str]:
    if state(self).selections.get(backup_plan_id):
        raise InvalidRequestException(msg="Related backup plan selections must be deleted prior to backup plan deletion")
    return _moto_delete_backup_plan(self, backup_plan_id)


def delete_backup_vault(self: BackupBackend, backup_vault_name: str) -> None:
    vault = _get_vault(self, backup_vault_name)
    if any(rp.vault_name == vault.backup_vault_name for rp in state(self).recovery_points.values()):
        raise InvalidRequestException(
            msg=f"Backup vault {backup_vault_name} cannot be deleted because it contains recovery points")
    _moto_delete_backup_vault(self, backup_vault_name)
    state(self).vault_policies.pop(backup_vault_name, None)
    state(self).vault_notifications.pop(backup_vault_name, None)


def create_backup_selection(self: BackupBackend, backup_plan_id: str, selection: dict[str, Any],
                            creator_request_id: str | None) -> Selection:
    _get_live_plan(self, backup_plan_id)
    if not isinstance(selection, dict):
        raise MissingParameterValueException("BackupSelection is required.")
    name = selection.get("SelectionName") or ""
    if not SELECTION_NAME.match(name):
        raise InvalidParameterValueException(
            msg=f"Invalid selection name '{name}': 1-50 characters of letters, digits, '-', '_' and '.'.")
    if not selection.get("IamRoleArn"):
        raise MissingParameterValueException("BackupSelection.IamRoleArn is required.")
    if not re.match(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+", selection["IamRoleArn"]):
        raise InvalidParameterValueException(msg=f"Invalid IamRoleArn {selection['IamRoleArn']}.")
    cleaned = {k: v for k, v in selection.items() if v not in (None, [], {})}
    for arn in cleaned.get("Resources", []):
        if arn != "*" and not arn.startswith("arn:"):
            raise InvalidParameterValueException(msg=f"Invalid resource ARN in selection: {arn}")
    if not any(cleaned.get(k) for k in ("Resources", "ListOfTags", "Conditions")):
        raise InvalidParameterValueException(
            msg="A backup selection needs Resources, ListOfTags or Conditions.")
    created = Selection(backup_plan_id, cleaned, creator_request_id)
    state(self).selections.setdefault(backup_plan_id, {})[created.selection_id] = created
    return created


def get_backup_selection(self: BackupBackend, backup_plan_id: str, selection_id: str) -> Selection:
    selection = state(self).selections.get(backup_plan_id, {}).get(selection_id)
    if selection is None:
        raise ResourceNotFoundException(msg=f"Backup selection {selection_id} of plan {backup_plan_id} not found")
    return selection


def list_backup_selections(self: BackupBackend, backup_plan_id: str) -> list[Selection]:
    if backup_plan_id not in self.plans:
        raise ResourceNotFoundException(msg=f"Backup plan {backup_plan_id} not found")
    return list(state(self).selections.get(backup_plan_id, {}).values())


def delete_backup_selection(self: BackupBackend, backup_plan_id: str, selection_id: str) -> None:
    get_backup_selection(self, backup_plan_id, selection_id)
    del state(self).selections[backup_plan_id][selection_id]
    if not state(self).selections[backup_plan_id]:
        del state(self).selections[backup_plan_id]


def put_backup_vault_access_policy(self: BackupBackend, vault_name: str, policy: str | dict[str, Any]) -> None:
    _get_vault(self, vault_name)
    text = policy if isinstance(policy, str) else json.dumps(policy)
    try:
        document = json.loads(text)
    except (TypeError, ValueError):
        raise InvalidParameterValueException(msg="Policy is not valid JSON.")
    if not isinstance(document, dict) or not document.get("Statement"):
        raise InvalidParameterValueException(msg="Policy must be a JSON policy document with a Statement.")
    state(self).vault_policies[vault_name] = text


def _vault_setting(self: BackupBackend, vault_name: str, setting: str, missing: str) -> tuple[Vault, Any]:
    """The vault and its entry in the sandbox state's `setting` table (access policies, notification
    configurations); ResourceNotFoundException, as AWS answers, when the vault has none."""
    vault = _get_vault(self, vault_name)
    table = getattr(state(self), setting)
    if vault_name not in table:
        raise ResourceNotFoundException(msg=f"Backup vault {vault_name} has {missing}")
    return vault, table[vault_name]


def get_backup_vault_access_policy(self: BackupBackend, vault_name: str) -> tuple[Vault, str]:
    return _vault_setting(self, vault_name, "vault_policies", "no access policy")


def delete_backup_vault_access_policy(self: BackupBackend, vault_name: str) -> None:
    _get_vault(self, vault_name)
    state(self).vault_policies.pop(vault_name, None)


def put_backup_vault_notifications(self: BackupBackend, vault_name: str, topic_arn: str, events: list[str]) -> None:
    _get_vault(self, vault_name)
    if not topic_arn or not re.match(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:.+", topic_arn):
        raise InvalidParameterValueException(msg=f"Invalid SNSTopicArn {topic_arn}.")
    unknown = [e for e in events or [] if e not in VAULT_EVENTS]
    if unknown or not events:
        raise InvalidParameterValueException(msg=f"Invalid BackupVaultEvents: {unknown or events}.")
    state(self).vault_notifications[vault_name] = {"SNSTopicArn": topic_arn, "BackupVaultEvents": list(events)}


def get_backup_vault_notifications(self: BackupBackend, vault_name: str) -> tuple[Vault, dict[str, Any]]:
    return _vault_setting(self, vault_name, "vault_notifications", "no notification configuration")


def delete_backup_vault_notifications(self: BackupBackend, vault_name: str) -> None:
    _get_vault(self, vault_name)
    state(self).vault_notifications.pop(vault_name, None)


def describe_global_settings(self: BackupBackend) -> SandboxBackupState:
    return state(_backend_for(self.account_id, GLOBAL_SETTINGS_HOME_REGION))


def update_global_settings(self: BackupBackend, settings: dict[str, str]) -> None:
    home = state(_backend_for(self.account_id, GLOBAL_SETTINGS_HOME_REGION))
    for key, value in (settings or {}).items():
        if key not in DEFAULT_GLOBAL_SETTINGS:
            raise InvalidParameterValueException(msg=f"Unknown global setting {key}.")
        if str(value).lower() not in ("true", "false"):
            raise InvalidParameterValueException(msg=f"Global setting {key} must be 'true' or 'false'.")
        home.global_settings[key] = str(value).lower()
    home.global_settings_updated = utcnow()


def update_region_settings(self: BackupBackend, opt_in: dict[str, Any] | None,
                           management: dict[str, Any] | None) -> None:
    st = state(self)
    for key in opt_in or {}:
        if key not in DEFAULT_OPT_IN:
            raise InvalidParameterValueException(msg=f"Unsupported resource type {key} in ResourceTypeOptInPreference.")
    for key in management or {}:
        if key not in DEFAULT_MANAGEMENT:
            raise InvalidParameterValueException(
                msg=f"Unsupported resource type {key} in ResourceTypeManagementPreference (DynamoDB, EFS).")
    st.opt_in.update({k: bool(v) for k, v in (opt_in or {}).items()})
    st.management.update({k: bool(v) for k, v in (management or {}).items()})


def _role_problem(account_id: str, region: str, role_arn: str) -> str | None:
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


def _lock_problem(vault: Vault, lifecycle: dict[str, Any] | None) -> str | None:
    if not vault.locked:
        return None
    delete = (lifecycle or {}).get("DeleteAfterDays")
    if delete in (None, -1):
        if vault.max_retention_days is not None:
            return (f"The recovery point's retention (forever) is longer than the maximum retention "
                    f"({vault.max_retention_days} days) of the vault lock on {vault.backup_vault_name}")
        return None
    if vault.min_retention_days is not None and delete < vault.min_retention_days:
        return (f"The recovery point's retention ({delete} days) is shorter than the minimum retention "
                f"({vault.min_retention_days} days) of the vault lock on {vault.backup_vault_name}")
    if vault.max_retention_days is not None and delete > vault.max_retention_days:
        return (f"The recovery point's retention ({delete} days) is longer than the maximum retention "
                f"({vault.max_retention_days} days) of the vault lock on {vault.backup_vault_name}")
    return None


def _add_recovery_point(backend: BackupBackend, rp: RecoveryPoint, tags: dict[str, str] | None) -> None:
    state(backend).recovery_points[rp.arn] = rp
    vault = backend.vaults[rp.vault_name]
    vault.num_of_recovery_points = sum(1 for r in state(backend).recovery_points.values()
                                       if r.vault_name == rp.vault_name)
    if tags:
        backend.tag_resource(rp.arn, tags)


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
    vault = _get_vault(self, vault_name)
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
        or _role_problem(self.account_id, self.region_name, iam_role_arn)
        or _resource_problem(self.account_id, self.region_name, resource_arn, resource_type, resource_name)
        or _lock_problem(vault, lifecycle)
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
    rp.data = recovery_data.capture(self.account_id, self.region_name, resource_type, resource_name)
    rp.backup_size = job.backup_size = recovery_data.size_of(rp.data)
    _add_recovery_point(self, rp, recovery_point_tags)
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


def start_copy_job(self: BackupBackend, *, recovery_point_arn: str, source_vault_name: str,
                   destination_vault_arn: str, iam_role_arn: str, idempotency_token: str | None = None,
                   lifecycle: dict[str, Any] | None = None) -> CopyJob:
    st = state(self)
    if idempotency_token and ("copy", idempotency_token) in st.idempotency:
        return st.copy_jobs[st.idempotency[("copy", idempotency_token)]]
    for name, value in (("RecoveryPointArn", recovery_point_arn), ("SourceBackupVaultName", source_vault_name),
                        ("DestinationBackupVaultArn", destination_vault_arn), ("IamRoleArn", iam_role_arn)):
        if not value:
            raise MissingParameterValueException(f"{name} is required.")
    source_vault = _get_vault(self, source_vault_name)
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
    dest_backend = _backend_for(dest_account, dest_region)
    dest_vault = dest_backend.vaults.get(dest_name)
    failure = None
    if source_rp.status != "COMPLETED":
        failure = f"Source recovery point is {source_rp.status}, not COMPLETED"
    failure = failure or _role_problem(self.account_id, self.region_name, iam_role_arn)
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
        failure = _lock_problem(dest_vault, lifecycle)
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
    _add_recovery_point(dest_backend, rp, None)
    job.finish(rp, None)
    return job


def _get_recovery_point(self: BackupBackend, vault_name: str, arn: str) -> RecoveryPoint:
    _get_vault(self, vault_name)
    rp = state(self).recovery_points.get(arn)
    if rp is None or rp.vault_name != vault_name:
        raise ResourceNotFoundException(msg=f"Recovery point {arn} not found in backup vault {vault_name}")
    return rp


def describe_recovery_point(self: BackupBackend, vault_name: str, arn: str) -> RecoveryPoint:
    return _get_recovery_point(self, vault_name, arn)


def list_recovery_points_by_backup_vault(self: BackupBackend, vault_name: str,
                                         filters: dict[str, Any]) -> list[RecoveryPoint]:
    _get_vault(self, vault_name)
    filters = {k: _naive(v) for k, v in filters.items()}
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
    problem = _lock_problem(vault, new)
    if problem:
        raise InvalidRequestException(msg=f"UpdateRecoveryPointLifecycle refused by the vault lock: {problem}")
    delete = new.get("DeleteAfterDays")
    if delete not in (None, -1) and rp.creation_date + timedelta(days=delete) < utcnow():
        raise InvalidParameterValueException(msg="The new lifecycle would delete the recovery point in the past")
    rp.lifecycle = new
    return rp


def _lock_blocks_deletion(vault: Vault, rp: RecoveryPoint) -> str | None:
    if not vault.locked or not vault.min_retention_days:
        return None
    earliest = rp.creation_date + timedelta(days=vault.min_retention_days)
    if utcnow() < earliest:
        mode = "compliance" if vault.lock_date is not None else "governance"
        return (f"Recovery point {rp.arn} cannot be deleted before {earliest.isoformat()}: backup vault "
                f"{vault.backup_vault_name} has a {mode}-mode vault lock with a minimum retention of "
                f"{vault.min_retention_days} days")
    return None


def delete_recovery_point(self: BackupBackend, vault_name: str, arn: str) -> None:
    rp = _get_recovery_point(self, vault_name, arn)
    problem = _lock_blocks_deletion(self.vaults[vault_name], rp)
    if problem:
        raise InvalidRequestException(msg=problem)
    del state(self).recovery_points[arn]
    self.vaults[vault_name].num_of_recovery_points = sum(
        1 for r in state(self).recovery_points.values() if r.vault_name == vault_name)


def _naive(value: Any) -> Any:
    """moto keeps naive UTC datetimes; botocore's parser gives aware ones for query-string timestamps."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _filter_jobs(jobs: Iterable[Any], filters: dict[str, Any], vault_attr: str | None) -> list[Any]:
    filters = {k: _naive(v) for k, v in filters.items()}
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
    job = state(self).backup_jobs.get(job_id)
    if job is None:
        raise ResourceNotFoundException(msg=f"Backup job {job_id} not found")
    return job


def describe_copy_job(self: BackupBackend, job_id: str) -> CopyJob:
    job = state(self).copy_jobs.get(job_id)
    if job is None:
        raise ResourceNotFoundException(msg=f"Copy job {job_id} not found")
    return job


BACKEND_METHODS = {
    "create_backup_plan": create_backup_plan,
    "update_backup_plan": update_backup_plan,
    "delete_backup_plan": delete_backup_plan,
    "delete_backup_vault": delete_backup_vault,
    "create_backup_selection": create_backup_selection,
    "get_backup_selection": get_backup_selection,
    "list_backup_selections": list_backup_selections,
    "delete_backup_selection": delete_backup_selection,
    "put_backup_vault_access_policy": put_backup_vault_access_policy,
    "get_backup_vault_access_policy": get_backup_vault_access_policy,
    "delete_backup_vault_access_policy": delete_backup_vault_access_policy,
    "put_backup_vault_notifications": put_backup_vault_notifications,
    "get_backup_vault_notifications": get_backup_vault_notifications,
    "delete_backup_vault_notifications": delete_backup_vault_notifications,
    "describe_global_settings": describe_global_settings,
    "update_global_settings": update_global_settings,
    "update_region_settings": update_region_settings,
    "start_backup_job": start_backup_job,
    "start_copy_job": start_copy_job,
    "describe_recovery_point": describe_recovery_point,
    "list_recovery_points_by_backup_vault": list_recovery_points_by_backup_vault,
    "list_recovery_points_by_resource": list_recovery_points_by_resource,
    "update_recovery_point_lifecycle": update_recovery_point_lifecycle,
    "delete_recovery_point": delete_recovery_point,
    "describe_backup_job": describe_backup_job,
    "describe_copy_job": describe_copy_job,
}


# ----------------------------------------------------------------------------------- response methods

def _params(self: BackupResponse) -> dict[str, Any]:
    """Every parameter of the request (path, query string, JSON body), parsed with botocore's model."""
    if getattr(self, "_sandbox_params", None) is None:
        self.parse_parameters(self.normalized_request)
        self._sandbox_params = dict(self.params)
    return self._sandbox_params


def r_create_backup_selection(self: BackupResponse) -> ActionResult:
    p = _params(self)
    selection = self.backup_backend.create_backup_selection(
        p["BackupPlanId"], p.get("BackupSelection"), p.get("CreatorRequestId"))
    return ActionResult({"SelectionId": selection.selection_id, "BackupPlanId": selection.backup_plan_id,
                         "CreationDate": selection.creation_date})


def r_get_backup_selection(self: BackupResponse) -> ActionResult:
    p = _params(self)
    return ActionResult(self.backup_backend.get_backup_selection(p["BackupPlanId"], p["SelectionId"]).to_get())


def r_list_backup_selections(self: BackupResponse) -> ActionResult:
    p = _params(self)
    items = [s.to_list() for s in self.backup_backend.list_backup_selections(p["BackupPlanId"])]
    page, token = _paginate(items, p.get("MaxResults"), p.get("NextToken"))
    return ActionResult(_clean({"BackupSelectionsList": page, "NextToken": token}))


def r_delete_backup_selection(self: BackupResponse) -> EmptyResult:
    p = _params(self)
    self.backup_backend.delete_backup_selection(p["BackupPlanId"], p["SelectionId"])
    return EmptyResult()


def r_update_backup_plan(self: BackupResponse) -> ActionResult:
    p = _params(self)
    plan = self.backup_backend.update_backup_plan(p["BackupPlanId"], p.get("BackupPlan") or {})
    return ActionResult(_clean({"BackupPlanId": plan.backup_plan_id, "BackupPlanArn": plan.backup_plan_arn,
                                "CreationDate": plan.creation_date, "VersionId": plan.version_id,
                                "AdvancedBackupSettings": plan.advanced_backup_settings or None}))


def r_put_backup_vault_access_policy(self: BackupResponse) -> EmptyResult:
    p = _params(self)
    self.backup_backend.put_backup_vault_access_policy(p["BackupVaultName"], p.get("Policy") or "")
    return EmptyResult()


def r_get_backup_vault_access_policy(self: BackupResponse) -> ActionResult:
    p = _params(self)
    vault, policy = self.backup_backend.get_backup_vault_access_policy(p["BackupVaultName"])
    return ActionResult({"BackupVaultName": vault.backup_vault_name, "BackupVaultArn": vault.backup_vault_arn,
                         "Policy": policy})


def r_delete_backup_vault_access_policy(self: BackupResponse) -> EmptyResult:
    self.backup_backend.delete_backup_vault_access_policy(_params(self)["BackupVaultName"])
    return EmptyResult()


def r_put_backup_vault_notifications(self: BackupResponse) -> EmptyResult:
    p = _params(self)
    self.backup_backend.put_backup_vault_notifications(p["BackupVaultName"], p.get("SNSTopicArn"),
                                                       p.get("BackupVaultEvents") or [])
    return EmptyResult()


def r_get_backup_vault_notifications(self: BackupResponse) -> ActionResult:
    vault, config = self.backup_backend.get_backup_vault_notifications(_params(self)["BackupVaultName"])
    return ActionResult({"BackupVaultName": vault.backup_vault_name, "BackupVaultArn": vault.backup_vault_arn,
                         **config})


def r_delete_backup_vault_notifications(self: BackupResponse) -> EmptyResult:
    self.backup_backend.delete_backup_vault_notifications(_params(self)["BackupVaultName"])
    return EmptyResult()


def r_describe_global_settings(self: BackupResponse) -> ActionResult:
    home = self.backup_backend.describe_global_settings()
    return ActionResult(_clean({"GlobalSettings": dict(home.global_settings),
                                "LastUpdateTime": home.global_settings_updated}))


def r_update_global_settings(self: BackupResponse) -> EmptyResult:
    self.backup_backend.update_global_settings(_params(self).get("GlobalSettings") or {})
    return EmptyResult()


def r_describe_region_settings(self: BackupResponse) -> ActionResult:
    st = state(self.backup_backend)
    return ActionResult({"ResourceTypeOptInPreference": dict(st.opt_in),
                         "ResourceTypeManagementPreference": dict(st.management)})


def r_update_region_settings(self: BackupResponse) -> EmptyResult:
    p = _params(self)
    self.backup_backend.update_region_settings(p.get("ResourceTypeOptInPreference"),
                                               p.get("ResourceTypeManagementPreference"))
    return EmptyResult()


def r_start_backup_job(self: BackupResponse) -> ActionResult:
    p = _params(self)
    job = self.backup_backend.start_backup_job(
        vault_name=p.get("BackupVaultName"), resource_arn=p.get("ResourceArn"), iam_role_arn=p.get("IamRoleArn"),
        idempotency_token=p.get("IdempotencyToken"), start_window=p.get("StartWindowMinutes"),
        complete_window=p.get("CompleteWindowMinutes"), lifecycle=p.get("Lifecycle"),
        recovery_point_tags=p.get("RecoveryPointTags"), backup_options=p.get("BackupOptions"))
    return ActionResult(_clean({"BackupJobId": job.job_id, "RecoveryPointArn": job.recovery_point_arn,
                                "CreationDate": job.creation_date, "IsParent": False}))


def r_describe_backup_job(self: BackupResponse) -> ActionResult:
    return ActionResult(self.backup_backend.describe_backup_job(_params(self)["BackupJobId"]).to_dict())


def r_list_backup_jobs(self: BackupResponse) -> ActionResult:
    p = _params(self)
    jobs = _filter_jobs(state(self.backup_backend).backup_jobs.values(), p, "vault_name")
    page, token = _paginate([j.to_dict() for j in jobs], p.get("MaxResults"), p.get("NextToken"))
    return ActionResult(_clean({"BackupJobs": page, "NextToken": token}))


def r_start_copy_job(self: BackupResponse) -> ActionResult:
    p = _params(self)
    job = self.backup_backend.start_copy_job(
        recovery_point_arn=p.get("RecoveryPointArn"), source_vault_name=p.get("SourceBackupVaultName"),
        destination_vault_arn=p.get("DestinationBackupVaultArn"), iam_role_arn=p.get("IamRoleArn"),
        idempotency_token=p.get("IdempotencyToken"), lifecycle=p.get("Lifecycle"))
    return ActionResult({"CopyJobId": job.job_id, "CreationDate": job.creation_date, "IsParent": False})


def r_describe_copy_job(self: BackupResponse) -> ActionResult:
    return ActionResult({"CopyJob": self.backup_backend.describe_copy_job(_params(self)["CopyJobId"]).to_dict()})


def r_list_copy_jobs(self: BackupResponse) -> ActionResult:
    p = _params(self)
    jobs = _filter_jobs(state(self.backup_backend).copy_jobs.values(), p, None)
    page, token = _paginate([j.to_dict() for j in jobs], p.get("MaxResults"), p.get("NextToken"))
    return ActionResult(_clean({"CopyJobs": page, "NextToken": token}))


def r_describe_recovery_point(self: BackupResponse) -> ActionResult:
    p = _params(self)
    rp = self.backup_backend.describe_recovery_point(p["BackupVaultName"], p["RecoveryPointArn"])
    return ActionResult(rp.to_describe())


def r_list_recovery_points_by_backup_vault(self: BackupResponse) -> ActionResult:
    p = _params(self)
    points = self.backup_backend.list_recovery_points_by_backup_vault(p["BackupVaultName"], p)
    page, token = _paginate([rp.to_by_vault() for rp in points], p.get("MaxResults"), p.get("NextToken"))
    return ActionResult(_clean({"RecoveryPoints": page, "NextToken": token}))


def r_list_recovery_points_by_resource(self: BackupResponse) -> ActionResult:
    p = _params(self)
    points = self.backup_backend.list_recovery_points_by_resource(p["ResourceArn"])
    page, token = _paginate([rp.to_by_resource() for rp in points], p.get("MaxResults"), p.get("NextToken"))
    return ActionResult(_clean({"RecoveryPoints": page, "NextToken": token}))


def r_update_recovery_point_lifecycle(self: BackupResponse) -> ActionResult:
    p = _params(self)
    rp = self.backup_backend.update_recovery_point_lifecycle(p["BackupVaultName"], p["RecoveryPointArn"],
                                                             p.get("Lifecycle"))
    return ActionResult({"BackupVaultArn": rp.vault_arn, "RecoveryPointArn": rp.arn, "Lifecycle": rp.lifecycle,
                         "CalculatedLifecycle": rp.calculated_lifecycle()})


def r_delete_recovery_point(self: BackupResponse) -> EmptyResult:
    p = _params(self)
    self.backup_backend.delete_recovery_point(p["BackupVaultName"], p["RecoveryPointArn"])
    return EmptyResult()


def r_describe_backup_vault(self: BackupResponse) -> ActionResult:
    # moto's own handler takes the last path segment, which breaks on a trailing slash.
    vault = self.backup_backend.describe_backup_vault(_params(self)["BackupVaultName"])
    result = vault.to_list_dict()
    result["VaultType"] = "BACKUP_VAULT"
    result["VaultState"] = "AVAILABLE"
    result["NumberOfRecoveryPoints"] = sum(
        1 for rp in state(self.backup_backend).recovery_points.values() if rp.vault_name == vault.backup_vault_name)
    return ActionResult(result)


RESPONSE_METHODS = {
    "create_backup_selection": r_create_backup_selection,
    "get_backup_selection": r_get_backup_selection,
    "list_backup_selections": r_list_backup_selections,
    "delete_backup_selection": r_delete_backup_selection,
    "update_backup_plan": r_update_backup_plan,
    "put_backup_vault_access_policy": r_put_backup_vault_access_policy,
    "get_backup_vault_access_policy": r_get_backup_vault_access_policy,
    "delete_backup_vault_access_policy": r_delete_backup_vault_access_policy,
    "put_backup_vault_notifications": r_put_backup_vault_notifications,
    "get_backup_vault_notifications": r_get_backup_vault_notifications,
    "delete_backup_vault_notifications": r_delete_backup_vault_notifications,
    "describe_global_settings": r_describe_global_settings,
    "update_global_settings": r_update_global_settings,
    "describe_region_settings": r_describe_region_settings,
    "update_region_settings": r_update_region_settings,
    "start_backup_job": r_start_backup_job,
    "describe_backup_job": r_describe_backup_job,
    "list_backup_jobs": r_list_backup_jobs,
    "start_copy_job": r_start_copy_job,
    "describe_copy_job": r_describe_copy_job,
    "list_copy_jobs": r_list_copy_jobs,
    "describe_recovery_point": r_describe_recovery_point,
    "list_recovery_points_by_backup_vault": r_list_recovery_points_by_backup_vault,
    "list_recovery_points_by_resource": r_list_recovery_points_by_resource,
    "update_recovery_point_lifecycle": r_update_recovery_point_lifecycle,
    "delete_recovery_point": r_delete_recovery_point,
    "describe_backup_vault": r_describe_backup_vault,
}

# REST-JSON paths of the operations above (botocore backup 2018-11-15), as moto url_paths regexes.
URL_PATHS = [
    r"{0}/backup/plans/(?P<plan_id>[^/]+)/selections/$",
    r"{0}/backup/plans/(?P<plan_id>[^/]+)/selections/(?P<selection_id>[^/]+)$",
    r"{0}/backup-vaults/(?P<vault>[^/]+)/access-policy$",
    r"{0}/backup-vaults/(?P<vault>[^/]+)/notification-configuration$",
    r"{0}/backup-vaults/(?P<vault>[^/]+)/recovery-points/$",
    r"{0}/backup-vaults/(?P<vault>[^/]+)/recovery-points/(?P<recovery_point_arn>.+)$",
    r"{0}/resources/(?P<resource_arn>.+)/recovery-points/$",
    r"{0}/backup-jobs/$",
    r"{0}/backup-jobs/(?P<backup_job_id>[^/]+)$",
    r"{0}/copy-jobs/$",
    r"{0}/copy-jobs/(?P<copy_job_id>[^/]+)$",
    r"{0}/global-settings$",
    r"{0}/account-settings$",
]

_installed = False


def register_api(backend_methods: dict[str, Any], response_methods: dict[str, Any], url_paths: list[str]) -> None:
    """Set backend and response methods on moto's Backup classes and add their routes: how every Backup
    extension of the sandbox (this module, ``sandbox.restore_ext``) plugs into moto."""
    for name, func in backend_methods.items():
        setattr(BackupBackend, name, func)
    for name, func in response_methods.items():
        func.__name__ = name
        setattr(BackupResponse, name, func)
    for path in url_paths:
        backup_urls.url_paths.setdefault(path, BackupResponse.dispatch)


def install() -> None:
    """Install the extension (idempotent). Must run before moto builds its Backup app (first request)."""
    global _installed
    if _installed:
        return
    register_api(BACKEND_METHODS, RESPONSE_METHODS, URL_PATHS)
    _installed = True


install()
