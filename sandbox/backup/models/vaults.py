"""Backup vaults: access policies, notifications, what a vault lock forbids, and no deletion of a vault
that still holds recovery points.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from moto.backup.exceptions import InvalidParameterValueException, InvalidRequestException, ResourceNotFoundException
from moto.backup.models import BackupBackend, Vault
from moto.core.utils import utcnow

from sandbox.backup.models.state import state

if TYPE_CHECKING:
    from sandbox.backup.models.recovery_points import RecoveryPoint


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


def get_vault(self: BackupBackend, name: str) -> Vault:
    if name not in self.vaults:
        raise ResourceNotFoundException(msg=f"Backup vault {name} does not exist in {self.region_name} "
                                            f"of account {self.account_id}.")
    return self.vaults[name]


_moto_delete_backup_vault = BackupBackend.delete_backup_vault


def delete_backup_vault(self: BackupBackend, backup_vault_name: str) -> None:
    vault = get_vault(self, backup_vault_name)
    if any(rp.vault_name == vault.backup_vault_name for rp in state(self).recovery_points.values()):
        raise InvalidRequestException(
            msg=f"Backup vault {backup_vault_name} cannot be deleted because it contains recovery points")
    _moto_delete_backup_vault(self, backup_vault_name)
    state(self).vault_policies.pop(backup_vault_name, None)
    state(self).vault_notifications.pop(backup_vault_name, None)


def put_backup_vault_access_policy(self: BackupBackend, vault_name: str, policy: str | dict[str, Any]) -> None:
    get_vault(self, vault_name)
    text = policy if isinstance(policy, str) else json.dumps(policy)
    try:
        document = json.loads(text)
    except (TypeError, ValueError):
        raise InvalidParameterValueException(msg="Policy is not valid JSON.") from None
    if not isinstance(document, dict) or not document.get("Statement"):
        raise InvalidParameterValueException(msg="Policy must be a JSON policy document with a Statement.")
    state(self).vault_policies[vault_name] = text


def _vault_setting(self: BackupBackend, vault_name: str, setting: str, missing: str) -> tuple[Vault, Any]:
    """The vault and its entry in the sandbox state's `setting` table (access policies, notification
    configurations); ResourceNotFoundException, as AWS answers, when the vault has none."""
    vault = get_vault(self, vault_name)
    table = getattr(state(self), setting)
    if vault_name not in table:
        raise ResourceNotFoundException(msg=f"Backup vault {vault_name} has {missing}")
    return vault, table[vault_name]


def get_backup_vault_access_policy(self: BackupBackend, vault_name: str) -> tuple[Vault, str]:
    return _vault_setting(self, vault_name, "vault_policies", "no access policy")


def delete_backup_vault_access_policy(self: BackupBackend, vault_name: str) -> None:
    get_vault(self, vault_name)
    state(self).vault_policies.pop(vault_name, None)


def put_backup_vault_notifications(self: BackupBackend, vault_name: str, topic_arn: str, events: list[str]) -> None:
    get_vault(self, vault_name)
    if not topic_arn or not re.match(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:.+", topic_arn):
        raise InvalidParameterValueException(msg=f"Invalid SNSTopicArn {topic_arn}.")
    unknown = [e for e in events or [] if e not in VAULT_EVENTS]
    if unknown or not events:
        raise InvalidParameterValueException(msg=f"Invalid BackupVaultEvents: {unknown or events}.")
    state(self).vault_notifications[vault_name] = {"SNSTopicArn": topic_arn, "BackupVaultEvents": list(events)}


def get_backup_vault_notifications(self: BackupBackend, vault_name: str) -> tuple[Vault, dict[str, Any]]:
    return _vault_setting(self, vault_name, "vault_notifications", "no notification configuration")


def delete_backup_vault_notifications(self: BackupBackend, vault_name: str) -> None:
    get_vault(self, vault_name)
    state(self).vault_notifications.pop(vault_name, None)


def lock_problem(vault: Vault, lifecycle: dict[str, Any] | None) -> str | None:
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


def lock_blocks_deletion(vault: Vault, rp: RecoveryPoint) -> str | None:
    if not vault.locked or not vault.min_retention_days:
        return None
    earliest = rp.creation_date + timedelta(days=vault.min_retention_days)
    if utcnow() < earliest:
        mode = "compliance" if vault.lock_date is not None else "governance"
        return (f"Recovery point {rp.arn} cannot be deleted before {earliest.isoformat()}: backup vault "
                f"{vault.backup_vault_name} has a {mode}-mode vault lock with a minimum retention of "
                f"{vault.min_retention_days} days")
    return None
