"""The backend methods each Backup topic adds to moto's BackupBackend, by method name (``urls.install``
sets them).
"""
from __future__ import annotations

from sandbox.backup.models.jobs import describe_backup_job, describe_copy_job, start_backup_job, start_copy_job
from sandbox.backup.models.plans import (
    create_backup_plan,
    create_backup_selection,
    delete_backup_plan,
    delete_backup_selection,
    get_backup_selection,
    list_backup_selections,
    update_backup_plan,
)
from sandbox.backup.models.recovery_points import (
    delete_recovery_point,
    describe_recovery_point,
    list_recovery_points_by_backup_vault,
    list_recovery_points_by_resource,
    update_recovery_point_lifecycle,
)
from sandbox.backup.models.restore_testing import (
    create_restore_testing_plan,
    create_restore_testing_selection,
    delete_restore_testing_plan,
    delete_restore_testing_selection,
    get_restore_testing_inferred_metadata,
    plan_named,
    selection_named,
    update_restore_testing_plan,
    update_restore_testing_selection,
)
from sandbox.backup.models.restores import (
    describe_restore_job,
    get_recovery_point_restore_metadata,
    list_restore_jobs,
    list_restore_jobs_by_protected_resource,
    put_restore_validation_result,
    start_restore_job,
)
from sandbox.backup.models.settings import describe_global_settings, update_global_settings, update_region_settings
from sandbox.backup.models.vaults import (
    delete_backup_vault,
    delete_backup_vault_access_policy,
    delete_backup_vault_notifications,
    get_backup_vault_access_policy,
    get_backup_vault_notifications,
    put_backup_vault_access_policy,
    put_backup_vault_notifications,
)

BACKUP_BACKEND_METHODS = {
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

RESTORE_BACKEND_METHODS = {
    "get_recovery_point_restore_metadata": get_recovery_point_restore_metadata,
    "start_restore_job": start_restore_job,
    "describe_restore_job": describe_restore_job,
    "list_restore_jobs": list_restore_jobs,
    "list_restore_jobs_by_protected_resource": list_restore_jobs_by_protected_resource,
    "put_restore_validation_result": put_restore_validation_result,
}

TESTING_BACKEND_METHODS = {
    "create_restore_testing_plan": create_restore_testing_plan,
    "get_restore_testing_plan": plan_named,
    "update_restore_testing_plan": update_restore_testing_plan,
    "delete_restore_testing_plan": delete_restore_testing_plan,
    "create_restore_testing_selection": create_restore_testing_selection,
    "get_restore_testing_selection": selection_named,
    "update_restore_testing_selection": update_restore_testing_selection,
    "delete_restore_testing_selection": delete_restore_testing_selection,
    "get_restore_testing_inferred_metadata": get_restore_testing_inferred_metadata,
}
