"""What the sandbox keeps per moto BackupBackend (one account, one Region) beside moto's own state,
and the defaults it assumes for a new account.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Mapping, TypeVar

from moto.backup.exceptions import ResourceNotFoundException
from moto.backup.models import BackupBackend, backup_backends

if TYPE_CHECKING:
    from sandbox.backup.models.jobs import BackupJob, CopyJob
    from sandbox.backup.models.plans import Selection
    from sandbox.backup.models.recovery_points import RecoveryPoint


Job = TypeVar("Job")

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


def backend_for(account_id: str, region: str) -> BackupBackend:
    return backup_backends[account_id][region]


def job_of(jobs: Mapping[str, Job], job_id: str, kind: str) -> Job:
    """The job of that id, else AWS's ResourceNotFoundException naming its kind ("Backup job ... not found")."""
    job = jobs.get(job_id)
    if job is None:
        raise ResourceNotFoundException(msg=f"{kind} {job_id} not found")
    return job
