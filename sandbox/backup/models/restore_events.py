"""The ``Restore Job State Change`` event of a sandbox restore job, put on the default event bus of the job's
account and Region, so EventBridge rules deployed in the sandbox (a restore-testing validation rule, the
monitoring rules) see restores as they would in AWS.

The shape follows AWS's sample events (``tests/fixtures/backup_events/restore-job-*.json``): ``source``
``aws.backup``, ``resources`` the created resource, ``detail`` in camelCase with ``backupSizeInBytes`` as a
string. moto delivers to its supported targets (SQS, CloudWatch Logs, other buses), not to Lambda or SNS.
Delivery is best effort: a failing target never fails the restore (AWS does not either).
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

DETAIL_TYPE = "Restore Job State Change"

_log = logging.getLogger(__name__)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def detail_of(job: Any) -> dict[str, Any]:
    detail = {
        "restoreJobId": job.job_id, "backupVaultArn": job.vault_arn, "recoveryPointArn": job.recovery_point_arn,
        "sourceResourceArn": job.resource_arn, "backupSizeInBytes": str(job.backup_size),
        "creationDate": _time(job.creation_date), "iamRoleArn": job.iam_role_arn,
        "percentDone": 100 if job.status == "COMPLETED" else 0, "resourceType": job.resource_type,
        "status": job.status, "statusMessage": job.status_message,
        "createdResourceArn": job.created_resource_arn, "completionDate": _time(job.completion_date),
        "restoreTestingPlanArn": (job.created_by or {}).get("RestoreTestingPlanArn"),
    }
    return {k: v for k, v in detail.items() if v is not None}


def emit(job: Any) -> None:
    """Put the job's state-change event on its account's default bus (best effort)."""
    from moto.events.models import events_backends

    entry = {"Source": "aws.backup", "DetailType": DETAIL_TYPE, "Detail": json.dumps(detail_of(job)),
             "Resources": [job.created_resource_arn] if job.created_resource_arn else []}
    try:
        events_backends[job.account_id][job.region].put_events([entry])
    except Exception as exc:  # a broken target must not fail the restore
        _log.warning("Restore Job State Change event of %s not delivered: %s", job.job_id, exc)
