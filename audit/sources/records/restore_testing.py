"""The snapshot's restore testing records, for the static source and the live one.

CloudFormation (``AWS::Backup::RestoreTestingPlan`` / ``RestoreTestingSelection``) and the API
(``GetRestoreTestingPlan`` / ``GetRestoreTestingSelection``) spell the plan and selection fields alike
(``ScheduleExpression``, ``RecoveryPointSelection``, ``ProtectedResourceArns``, ``RestoreMetadataOverrides``
...), so one builder per record serves both sources, as ``records.monitoring`` does for alarms: the two
cannot drift apart in shape. Restore jobs and leftover test resources exist only in the accounts (live).

AWS's defaults are applied here where the API would report them and a template may leave them out
(devguide "Restore testing"; API ``RestoreTestingPlanForCreate``, ``RestoreTestingSelectionForCreate``):
``ScheduleExpressionTimezone`` UTC, ``StartWindowHours`` 24, ``SelectionWindowDays`` 30,
``ValidationWindowHours`` 0.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

DEFAULT_TIMEZONE = "Etc/UTC"
DEFAULT_START_WINDOW_HOURS = 24
DEFAULT_SELECTION_WINDOW_DAYS = 30
DEFAULT_VALIDATION_WINDOW_HOURS = 0

#: The tag key (and the name prefix of an inferred DynamoDB target) of a restored test resource
#: (devguide "Restore testing": "Restored test resources are tagged awsbackup-restore-test").
RESTORE_TEST_TAG = "awsbackup-restore-test"

#: ``retention drill`` names a scratch resource ``<name>-drill-<UTC stamp>`` (``audit.drill.plan.scratch_name``)
#: and tags it ``compact-retention:drill`` (``audit.drill.plan.TAG_KEY``).
DRILL_NAME = re.compile(r"-drill-\d{8}t\d{6}z$")
DRILL_TAG = "compact-retention:drill"

#: The live APIs whose failure leaves a restore control without its facts: the controls fail on their errors.
RESTORE_TESTING_APIS = ("backup:ListRestoreTestingPlans", "backup:GetRestoreTestingPlan",
                        "backup:ListRestoreTestingSelections", "backup:GetRestoreTestingSelection")
RESTORE_JOB_APIS = ("backup:ListRestoreJobs",)
LEFTOVER_APIS = ("dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:ListTagsOfResource", "s3:ListBuckets",
                 "s3:GetBucketTagging")


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _int(value: Any, default: int | None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool):
        return None
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None  # an unresolved symbol: unknown, a control fails on it


def _overrides(value: Any) -> dict[str, Any]:
    """``RestoreMetadataOverrides`` as a dict (CloudFormation gives a map; keys kept as written)."""
    return dict(value) if isinstance(value, Mapping) else {}


def _conditions(value: Any) -> dict[str, list[dict[str, Any]]] | None:
    """``ProtectedResourceConditions`` {StringEquals, StringNotEquals: [{Key, Value}]}, or None when absent."""
    if not isinstance(value, Mapping):
        return None
    return {op: [dict(c) for c in _list(value.get(op)) if isinstance(c, Mapping)] for op in ("StringEquals", "StringNotEquals")}


def selection_record(props: Mapping[str, Any], *, origin: Mapping[str, Any]) -> dict[str, Any]:
    """``props``: AWS::Backup::RestoreTestingSelection properties or a GetRestoreTestingSelection body."""
    return {"name": props.get("RestoreTestingSelectionName"), "resource_type": props.get("ProtectedResourceType"),
            "iam_role_arn": props.get("IamRoleArn"),
            "resource_arns": [str(a) for a in _list(props.get("ProtectedResourceArns"))],
            "conditions": _conditions(props.get("ProtectedResourceConditions")),
            "overrides": _overrides(props.get("RestoreMetadataOverrides")),
            "validation_window_hours": _int(props.get("ValidationWindowHours"), DEFAULT_VALIDATION_WINDOW_HOURS),
            "origin": dict(origin)}


def plan_record(props: Mapping[str, Any], *, arn: str | None, account_id: str, region: str,
                selections: list[dict[str, Any]], origin: Mapping[str, Any]) -> dict[str, Any]:
    """``props``: AWS::Backup::RestoreTestingPlan properties or a GetRestoreTestingPlan body."""
    points = props.get("RecoveryPointSelection") or {}
    return {"name": props.get("RestoreTestingPlanName"), "arn": arn, "account_id": account_id, "region": region,
            "schedule": props.get("ScheduleExpression"),
            "timezone": props.get("ScheduleExpressionTimezone") or DEFAULT_TIMEZONE,
            "start_window_hours": _int(props.get("StartWindowHours"), DEFAULT_START_WINDOW_HOURS),
            "algorithm": points.get("Algorithm"),
            "include_vaults": [str(v) for v in _list(points.get("IncludeVaults"))],
            "exclude_vaults": [str(v) for v in _list(points.get("ExcludeVaults"))],
            "recovery_point_types": [str(t) for t in _list(points.get("RecoveryPointTypes"))],
            "selection_window_days": _int(points.get("SelectionWindowDays"), DEFAULT_SELECTION_WINDOW_DAYS),
            "selections": selections, "origin": dict(origin)}


def restore_job_record(job: Mapping[str, Any], *, iso: Callable[[Any], str | None], origin: Mapping[str, Any]) -> dict[str, Any]:
    """A ``ListRestoreJobs`` entry (``iso`` turns botocore timestamps into ISO 8601 UTC)."""
    return {"job_id": job.get("RestoreJobId"), "account_id": job.get("AccountId"),
            "resource_arn": job.get("SourceResourceArn"), "resource_type": job.get("ResourceType"),
            "recovery_point_arn": job.get("RecoveryPointArn"), "status": job.get("Status"),
            "status_message": job.get("StatusMessage"),
            "creation_date": iso(job.get("CreationDate")), "completion_date": iso(job.get("CompletionDate")),
            "validation_status": job.get("ValidationStatus"), "validation_message": job.get("ValidationStatusMessage"),
            "plan_arn": (job.get("CreatedBy") or {}).get("RestoreTestingPlanArn"),
            "created_resource_arn": job.get("CreatedResourceArn"), "deletion_status": job.get("DeletionStatus"),
            "origin": dict(origin)}


def leftover_record(*, kind: str, name: str, arn: str, created: str | None, tags: Mapping[str, str] | None,
                         reason: str, origin: Mapping[str, Any]) -> dict[str, Any]:
    """A table or bucket a restore test or a drill made (``reason`` says how it was recognised); ``tags``
    None when they could not be read."""
    return {"kind": kind, "name": name, "arn": arn, "created": created,
            "tags": dict(tags) if tags is not None else None, "reason": reason, "origin": dict(origin)}
