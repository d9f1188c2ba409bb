"""The routes of the sandbox's AWS Backup APIs and ``install()``, which plugs every Backup addition into
moto: backend methods onto moto.backup.models.BackupBackend, handlers onto
moto.backup.responses.BackupResponse (moto finds the operation from the method and path of the request,
then calls the snake_case method of that name), routes into moto.backup.urls.url_paths, which the server
reads once when it builds the Backup app (so ``install`` must run before the first Backup request).
Importing this module installs them.
"""
from __future__ import annotations

from typing import Any

from moto.backup import urls as backup_urls
from moto.backup.models import BackupBackend
from moto.backup.responses import BackupResponse

from sandbox.backup.models.methods import BACKUP_BACKEND_METHODS, RESTORE_BACKEND_METHODS, TESTING_BACKEND_METHODS
from sandbox.backup.responses.backups import BACKUP_RESPONSE_METHODS
from sandbox.backup.responses.restore_testing import TESTING_RESPONSE_METHODS
from sandbox.backup.responses.restores import RESTORE_RESPONSE_METHODS

# REST-JSON paths of the backup operations (botocore backup 2018-11-15), as moto url_paths regexes.
BACKUP_URL_PATHS = [
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


def register_api(backend_methods: dict[str, Any], response_methods: dict[str, Any], url_paths: list[str]) -> None:
    """Set backend and response methods on moto's Backup classes and add their routes: how every Backup
    topic of the sandbox (backups, restores, restore testing) plugs into moto."""
    for name, func in backend_methods.items():
        setattr(BackupBackend, name, func)
    for name, func in response_methods.items():
        func.__name__ = name
        setattr(BackupResponse, name, func)
    for path in url_paths:
        backup_urls.url_paths.setdefault(path, BackupResponse.dispatch)


# REST-JSON paths (botocore backup 2018-11-15); .../recovery-points/{arn}/restore-metadata is already
# routed by the recovery-point path above.
RESTORE_URL_PATHS = [
    r"{0}/restore-jobs$",
    r"{0}/restore-jobs/$",
    r"{0}/restore-jobs/(?P<restore_job_id>[^/]+)$",
    r"{0}/restore-jobs/(?P<restore_job_id>[^/]+)/validations$",
    r"{0}/resources/(?P<resource_arn>.+)/restore-jobs/$",
]

# REST-JSON paths (botocore backup 2018-11-15)
TESTING_URL_PATHS = [
    r"{0}/restore-testing/plans$",
    r"{0}/restore-testing/plans/(?P<plan>[^/]+)$",
    r"{0}/restore-testing/plans/(?P<plan>[^/]+)/selections$",
    r"{0}/restore-testing/plans/(?P<plan>[^/]+)/selections/(?P<selection>[^/]+)$",
    r"{0}/restore-testing/inferred-metadata$",
]

_installed = False


def install() -> None:
    """Install the backup, restore and restore testing APIs, in that order (idempotent)."""
    global _installed
    if _installed:
        return
    register_api(BACKUP_BACKEND_METHODS, BACKUP_RESPONSE_METHODS, BACKUP_URL_PATHS)
    register_api(RESTORE_BACKEND_METHODS, RESTORE_RESPONSE_METHODS, RESTORE_URL_PATHS)
    register_api(TESTING_BACKEND_METHODS, TESTING_RESPONSE_METHODS, TESTING_URL_PATHS)
    _installed = True


install()
