"""Handlers of the backup APIs (plans, selections, vaults, recovery points, jobs, settings): methods of
moto's BackupResponse, which finds the operation from the request's method and path and calls the
snake_case method of that name; moto's serializer renders the result from botocore's model.
"""
from __future__ import annotations

from moto.backup.responses import BackupResponse
from moto.core.responses import ActionResult, EmptyResult

from sandbox.backup.models.jobs import filter_jobs
from sandbox.backup.models.state import state
from sandbox.backup.shapes import clean, paginate, params


def r_create_backup_selection(self: BackupResponse) -> ActionResult:
    p = params(self)
    selection = self.backup_backend.create_backup_selection(
        p["BackupPlanId"], p.get("BackupSelection"), p.get("CreatorRequestId"))
    return ActionResult({"SelectionId": selection.selection_id, "BackupPlanId": selection.backup_plan_id,
                         "CreationDate": selection.creation_date})


def r_get_backup_selection(self: BackupResponse) -> ActionResult:
    p = params(self)
    return ActionResult(self.backup_backend.get_backup_selection(p["BackupPlanId"], p["SelectionId"]).to_get())


def r_list_backup_selections(self: BackupResponse) -> ActionResult:
    p = params(self)
    items = [s.to_list() for s in self.backup_backend.list_backup_selections(p["BackupPlanId"])]
    page, token = paginate(items, p.get("MaxResults"), p.get("NextToken"))
    return ActionResult(clean({"BackupSelectionsList": page, "NextToken": token}))


def r_delete_backup_selection(self: BackupResponse) -> EmptyResult:
    p = params(self)
    self.backup_backend.delete_backup_selection(p["BackupPlanId"], p["SelectionId"])
    return EmptyResult()


def r_update_backup_plan(self: BackupResponse) -> ActionResult:
    p = params(self)
    plan = self.backup_backend.update_backup_plan(p["BackupPlanId"], p.get("BackupPlan") or {})
    return ActionResult(clean({"BackupPlanId": plan.backup_plan_id, "BackupPlanArn": plan.backup_plan_arn,
                                "CreationDate": plan.creation_date, "VersionId": plan.version_id,
                                "AdvancedBackupSettings": plan.advanced_backup_settings or None}))


def r_put_backup_vault_access_policy(self: BackupResponse) -> EmptyResult:
    p = params(self)
    self.backup_backend.put_backup_vault_access_policy(p["BackupVaultName"], p.get("Policy") or "")
    return EmptyResult()


def r_get_backup_vault_access_policy(self: BackupResponse) -> ActionResult:
    p = params(self)
    vault, policy = self.backup_backend.get_backup_vault_access_policy(p["BackupVaultName"])
    return ActionResult({"BackupVaultName": vault.backup_vault_name, "BackupVaultArn": vault.backup_vault_arn,
                         "Policy": policy})


def r_delete_backup_vault_access_policy(self: BackupResponse) -> EmptyResult:
    self.backup_backend.delete_backup_vault_access_policy(params(self)["BackupVaultName"])
    return EmptyResult()


def r_put_backup_vault_notifications(self: BackupResponse) -> EmptyResult:
    p = params(self)
    self.backup_backend.put_backup_vault_notifications(p["BackupVaultName"], p.get("SNSTopicArn"),
                                                       p.get("BackupVaultEvents") or [])
    return EmptyResult()


def r_get_backup_vault_notifications(self: BackupResponse) -> ActionResult:
    vault, config = self.backup_backend.get_backup_vault_notifications(params(self)["BackupVaultName"])
    return ActionResult({"BackupVaultName": vault.backup_vault_name, "BackupVaultArn": vault.backup_vault_arn,
                         **config})


def r_delete_backup_vault_notifications(self: BackupResponse) -> EmptyResult:
    self.backup_backend.delete_backup_vault_notifications(params(self)["BackupVaultName"])
    return EmptyResult()


def r_describe_global_settings(self: BackupResponse) -> ActionResult:
    home = self.backup_backend.describe_global_settings()
    return ActionResult(clean({"GlobalSettings": dict(home.global_settings),
                                "LastUpdateTime": home.global_settings_updated}))


def r_update_global_settings(self: BackupResponse) -> EmptyResult:
    self.backup_backend.update_global_settings(params(self).get("GlobalSettings") or {})
    return EmptyResult()


def r_describe_region_settings(self: BackupResponse) -> ActionResult:
    st = state(self.backup_backend)
    return ActionResult({"ResourceTypeOptInPreference": dict(st.opt_in),
                         "ResourceTypeManagementPreference": dict(st.management)})


def r_update_region_settings(self: BackupResponse) -> EmptyResult:
    p = params(self)
    self.backup_backend.update_region_settings(p.get("ResourceTypeOptInPreference"),
                                               p.get("ResourceTypeManagementPreference"))
    return EmptyResult()


def r_start_backup_job(self: BackupResponse) -> ActionResult:
    p = params(self)
    job = self.backup_backend.start_backup_job(
        vault_name=p.get("BackupVaultName"), resource_arn=p.get("ResourceArn"), iam_role_arn=p.get("IamRoleArn"),
        idempotency_token=p.get("IdempotencyToken"), start_window=p.get("StartWindowMinutes"),
        complete_window=p.get("CompleteWindowMinutes"), lifecycle=p.get("Lifecycle"),
        recovery_point_tags=p.get("RecoveryPointTags"), backup_options=p.get("BackupOptions"))
    return ActionResult(clean({"BackupJobId": job.job_id, "RecoveryPointArn": job.recovery_point_arn,
                                "CreationDate": job.creation_date, "IsParent": False}))


def r_describe_backup_job(self: BackupResponse) -> ActionResult:
    return ActionResult(self.backup_backend.describe_backup_job(params(self)["BackupJobId"]).to_dict())


def r_list_backup_jobs(self: BackupResponse) -> ActionResult:
    p = params(self)
    jobs = filter_jobs(state(self.backup_backend).backup_jobs.values(), p, "vault_name")
    page, token = paginate([j.to_dict() for j in jobs], p.get("MaxResults"), p.get("NextToken"))
    return ActionResult(clean({"BackupJobs": page, "NextToken": token}))


def r_start_copy_job(self: BackupResponse) -> ActionResult:
    p = params(self)
    job = self.backup_backend.start_copy_job(
        recovery_point_arn=p.get("RecoveryPointArn"), source_vault_name=p.get("SourceBackupVaultName"),
        destination_vault_arn=p.get("DestinationBackupVaultArn"), iam_role_arn=p.get("IamRoleArn"),
        idempotency_token=p.get("IdempotencyToken"), lifecycle=p.get("Lifecycle"))
    return ActionResult({"CopyJobId": job.job_id, "CreationDate": job.creation_date, "IsParent": False})


def r_describe_copy_job(self: BackupResponse) -> ActionResult:
    return ActionResult({"CopyJob": self.backup_backend.describe_copy_job(params(self)["CopyJobId"]).to_dict()})


def r_list_copy_jobs(self: BackupResponse) -> ActionResult:
    p = params(self)
    jobs = filter_jobs(state(self.backup_backend).copy_jobs.values(), p, None)
    page, token = paginate([j.to_dict() for j in jobs], p.get("MaxResults"), p.get("NextToken"))
    return ActionResult(clean({"CopyJobs": page, "NextToken": token}))


def r_describe_recovery_point(self: BackupResponse) -> ActionResult:
    p = params(self)
    rp = self.backup_backend.describe_recovery_point(p["BackupVaultName"], p["RecoveryPointArn"])
    return ActionResult(rp.to_describe())


def r_list_recovery_points_by_backup_vault(self: BackupResponse) -> ActionResult:
    p = params(self)
    points = self.backup_backend.list_recovery_points_by_backup_vault(p["BackupVaultName"], p)
    page, token = paginate([rp.to_by_vault() for rp in points], p.get("MaxResults"), p.get("NextToken"))
    return ActionResult(clean({"RecoveryPoints": page, "NextToken": token}))


def r_list_recovery_points_by_resource(self: BackupResponse) -> ActionResult:
    p = params(self)
    points = self.backup_backend.list_recovery_points_by_resource(p["ResourceArn"])
    page, token = paginate([rp.to_by_resource() for rp in points], p.get("MaxResults"), p.get("NextToken"))
    return ActionResult(clean({"RecoveryPoints": page, "NextToken": token}))


def r_update_recovery_point_lifecycle(self: BackupResponse) -> ActionResult:
    p = params(self)
    rp = self.backup_backend.update_recovery_point_lifecycle(p["BackupVaultName"], p["RecoveryPointArn"],
                                                             p.get("Lifecycle"))
    return ActionResult({"BackupVaultArn": rp.vault_arn, "RecoveryPointArn": rp.arn, "Lifecycle": rp.lifecycle,
                         "CalculatedLifecycle": rp.calculated_lifecycle()})


def r_delete_recovery_point(self: BackupResponse) -> EmptyResult:
    p = params(self)
    self.backup_backend.delete_recovery_point(p["BackupVaultName"], p["RecoveryPointArn"])
    return EmptyResult()


def r_describe_backup_vault(self: BackupResponse) -> ActionResult:
    # moto's own handler takes the last path segment, which breaks on a trailing slash.
    vault = self.backup_backend.describe_backup_vault(params(self)["BackupVaultName"])
    result = vault.to_list_dict()
    result["VaultType"] = "BACKUP_VAULT"
    result["VaultState"] = "AVAILABLE"
    result["NumberOfRecoveryPoints"] = sum(
        1 for rp in state(self.backup_backend).recovery_points.values() if rp.vault_name == vault.backup_vault_name)
    return ActionResult(result)


BACKUP_RESPONSE_METHODS = {
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
