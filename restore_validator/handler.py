"""Lambda entry point: validate the restored test resource of one COMPLETED restore testing job and report
the result to AWS Backup once (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html).

Flow: the EventBridge rule sends every COMPLETED "Restore Job State Change"; jobs that no restore testing
plan started (drills, operators' restores) and jobs that already carry a final validation result are
skipped (EventBridge delivers at least once; AWS accepts one result per job). The checks of the resource
type run; PutRestoreValidationResult gets SUCCESSFUL when all pass, FAILED otherwise, with a short message
of check names and counts (never data values); metrics ValidationSucceeded / ValidationFailed go to
``METRICS_NAMESPACE`` with dimension Category, the recovery point's tag ``compact-retention:category``
(the alarms of restore-testing.yaml and restore-testing-plan.yaml read them). An AWS error other than a
missing resource or a refused read propagates, so EventBridge retries and, in the end, dead-letters the
event (RestoreValidationDeadLettersAlarm).
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any

from .checks import Check, summary
from .dynamodb_check import validate_table
from .s3_check import validate_bucket

CATEGORY_TAG = "compact-retention:category"
FINAL = {"SUCCESSFUL", "FAILED", "TIMED_OUT"}
# the resource is gone (deleted before validation) or the function may not read it: the restore cannot be
# shown to work, which is a FAILED validation, not a retry
PERMANENT = {"ResourceNotFoundException", "NoSuchBucket", "NoSuchKey", "AccessDenied", "AccessDeniedException",
             "TableNotFoundException"}

_log = logging.getLogger("restore_validator")
_log.setLevel(logging.INFO)


def _client(name: str, given: Any) -> Any:
    if given is not None:
        return given
    import boto3

    return boto3.client(name)


def _category(backup: Any, recovery_point_arn: str) -> str:
    try:
        return backup.list_tags(ResourceArn=recovery_point_arn).get("Tags", {}).get(CATEGORY_TAG) or "unknown"
    except Exception as exc:  # a missing tag must not stop the report; the metric says "unknown"
        _log.warning(json.dumps({"message": "recovery point tags not readable", "error": type(exc).__name__}))
        return "unknown"


def _error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    return (response or {}).get("Error", {}).get("Code") if isinstance(response, dict) else None


def validate(job: dict[str, Any], detail: dict[str, Any], *, dynamodb: Any, s3: Any) -> list[Check]:
    """The checks of the job's restored resource, by resource type."""
    restored = job.get("CreatedResourceArn") or detail.get("createdResourceArn")
    if not restored:
        return [Check("restored_resource", False, "the job names no created resource")]
    source = detail.get("sourceResourceArn") or job.get("SourceResourceArn")
    expected_key = os.environ.get("GENERAL_KEY_ARN") or None
    kind = job.get("ResourceType") or detail.get("resourceType")
    try:
        if kind == "DynamoDB":
            return validate_table(dynamodb, restored, source, job["RecoveryPointArn"], expected_key)
        if kind == "S3":
            return validate_bucket(s3, restored, source, job.get("BackupSizeInBytes"), expected_key,
                                   os.environ.get("COGNITO_EXPORT_BUCKET") or None,
                                   int(os.environ.get("MAX_OBJECTS_VERIFIED") or 1000))
    except Exception as exc:
        code = _error_code(exc)
        if code not in PERMANENT:
            raise
        return [Check("restored_resource", False, f"not readable: {code}")]
    return [Check("resource_type", False, f"{kind} restores are not validated by this function")]


def lambda_handler(event: dict[str, Any], context: Any, *, backup: Any = None, dynamodb: Any = None, s3: Any = None,
                   cloudwatch: Any = None) -> dict[str, Any]:
    detail = event.get("detail") or {}
    job_id = detail.get("restoreJobId")
    if event.get("detail-type") != "Restore Job State Change" or detail.get("status") != "COMPLETED" or not job_id:
        return {"status": "SKIPPED", "reason": "not a COMPLETED restore job event"}
    backup = _client("backup", backup)
    job = backup.describe_restore_job(RestoreJobId=job_id)
    if not (job.get("CreatedBy") or {}).get("RestoreTestingPlanArn"):
        return {"status": "SKIPPED", "job_id": job_id, "reason": "not started by a restore testing plan"}
    if job.get("ValidationStatus") in FINAL:
        return {"status": "SKIPPED", "job_id": job_id, "reason": f"already validated {job['ValidationStatus']}"}
    checks = validate(job, detail, dynamodb=_client("dynamodb", dynamodb), s3=_client("s3", s3))
    status = "SUCCESSFUL" if checks and all(c.passed for c in checks) else "FAILED"
    message = summary(checks)
    backup.put_restore_validation_result(RestoreJobId=job_id, ValidationStatus=status, ValidationStatusMessage=message)
    category = _category(backup, job["RecoveryPointArn"])
    _client("cloudwatch", cloudwatch).put_metric_data(
        Namespace=os.environ.get("METRICS_NAMESPACE") or "CompactRetention/RestoreValidation",
        MetricData=[{"MetricName": "ValidationSucceeded" if status == "SUCCESSFUL" else "ValidationFailed",
                     "Dimensions": [{"Name": "Category", "Value": category}], "Value": 1, "Unit": "Count"}])
    result = {"status": status, "job_id": job_id, "category": category, "resource_type": job.get("ResourceType"),
              "checks": [c.name for c in checks if not c.passed] or "all passed", "message": message}
    _log.info(json.dumps(result))
    return result
