"""Handlers of the restore APIs (GetRecoveryPointRestoreMetadata, StartRestoreJob, DescribeRestoreJob,
ListRestoreJobs, ListRestoreJobsByProtectedResource, PutRestoreValidationResult).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from moto.backup.responses import BackupResponse
from moto.core.responses import ActionResult, EmptyResult

from sandbox.backup.models.restores import restore_metadata
from sandbox.backup.shapes import clean, paginate, params

if TYPE_CHECKING:
    from sandbox.backup.models.restores import RestoreJob


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
    p = params(self)
    point = self.backup_backend.get_recovery_point_restore_metadata(
        p["BackupVaultName"], p["RecoveryPointArn"], p.get("BackupVaultAccountId"), _caller_role(self))
    return ActionResult({"BackupVaultArn": point.vault_arn, "RecoveryPointArn": point.arn,
                         "RestoreMetadata": restore_metadata(point), "ResourceType": point.resource_type})


def r_start_restore_job(self: BackupResponse) -> ActionResult:
    p = params(self)
    job = self.backup_backend.start_restore_job(
        recovery_point_arn=p.get("RecoveryPointArn"), metadata=p.get("Metadata"), iam_role_arn=p.get("IamRoleArn"),
        idempotency_token=p.get("IdempotencyToken"), resource_type=p.get("ResourceType"),
        caller_role=_caller_role(self))
    return ActionResult({"RestoreJobId": job.job_id})


def r_describe_restore_job(self: BackupResponse) -> ActionResult:
    return ActionResult(self.backup_backend.describe_restore_job(params(self)["RestoreJobId"]).to_dict())


def _jobs_page(jobs: list[RestoreJob], p: dict[str, Any]) -> ActionResult:
    page, token = paginate([j.to_dict() for j in jobs], p.get("MaxResults"), p.get("NextToken"))
    return ActionResult(clean({"RestoreJobs": page, "NextToken": token}))


def r_list_restore_jobs(self: BackupResponse) -> ActionResult:
    p = params(self)
    return _jobs_page(self.backup_backend.list_restore_jobs(p), p)


def r_list_restore_jobs_by_protected_resource(self: BackupResponse) -> ActionResult:
    p = params(self)
    return _jobs_page(self.backup_backend.list_restore_jobs_by_protected_resource(p["ResourceArn"], p), p)


def r_put_restore_validation_result(self: BackupResponse) -> EmptyResult:
    p = params(self)
    self.backup_backend.put_restore_validation_result(p["RestoreJobId"], p.get("ValidationStatus"),
                                                      p.get("ValidationStatusMessage"))
    return EmptyResult()


RESTORE_RESPONSE_METHODS = {
    "get_recovery_point_restore_metadata": r_get_recovery_point_restore_metadata,
    "start_restore_job": r_start_restore_job,
    "describe_restore_job": r_describe_restore_job,
    "list_restore_jobs": r_list_restore_jobs,
    "list_restore_jobs_by_protected_resource": r_list_restore_jobs_by_protected_resource,
    "put_restore_validation_result": r_put_restore_validation_result,
}
