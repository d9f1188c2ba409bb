"""Restore test validation in the sandbox: what EventBridge and Lambda would do after a restore test job
COMPLETED, run in the calling process.

On AWS, AWS Backup sends "Restore Job State Change" (COMPLETED) to the default bus; the rule of
cloudformation/restore-testing.yaml matches it and invokes the validation function, which calls
PutRestoreValidationResult (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html).
moto puts the event on the bus (``sandbox.backup.models.restore_events``) but cannot invoke a Lambda function (it needs
Docker). So, like ``sandbox.exports`` for the exporter, this runs ``restore_validator.handler.lambda_handler``
in-process for each COMPLETED restore testing job: the event is built from DescribeRestoreJob as AWS shapes
it, delivered only to functions targeted by an ENABLED rule whose pattern matches it (moto's
TestEventPattern decides), with the function's deployed environment variables, against the sandbox endpoint
as the job's account. Nothing here patches moto: it is a client. What the sandbox does not model: the rule's
retry policy and dead-letter queue (a handler exception is reported as an error of this run), Lambda's
concurrency, timeouts and the function's IAM role (the handler runs with the account's sandbox credentials).
"""
from __future__ import annotations

import functools
import json
from typing import Any, Callable

from sandbox.exports import ExportContext, export_environment, session

HANDLER = "restore_validator.handler.lambda_handler"
DETAIL_TYPE = "Restore Job State Change"


def _handler() -> Callable[..., dict[str, Any]]:
    """The validator's handler, imported when first needed (the sandbox runs it in-process, as it runs the
    exporter's: moto cannot invoke a Lambda without Docker)."""
    from restore_validator.handler import lambda_handler
    return lambda_handler


def _time(value: Any) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z") if hasattr(value, "strftime") else value


def event_for(job: dict[str, Any], source_arn: str | None, vault_arn: str | None, region: str) -> dict[str, Any]:
    """The "Restore Job State Change" event AWS sends for a restore job (AWS's sample event's shape)."""
    detail = {"restoreJobId": job["RestoreJobId"], "backupVaultArn": vault_arn, "recoveryPointArn": job.get("RecoveryPointArn"),
              "sourceResourceArn": source_arn, "backupSizeInBytes": str(job.get("BackupSizeInBytes") or 0),
              "creationDate": _time(job.get("CreationDate")), "iamRoleArn": job.get("IamRoleArn"),
              "percentDone": 100, "resourceType": job.get("ResourceType"), "status": job.get("Status"),
              "createdResourceArn": job.get("CreatedResourceArn"), "completionDate": _time(job.get("CompletionDate")),
              "restoreTestingPlanArn": (job.get("CreatedBy") or {}).get("RestoreTestingPlanArn")}
    return {"version": "0", "id": job["RestoreJobId"], "detail-type": DETAIL_TYPE, "source": "aws.backup",
            "account": job.get("AccountId"), "time": _time(job.get("CompletionDate")), "region": region,
            "resources": [job["CreatedResourceArn"]] if job.get("CreatedResourceArn") else [],
            "detail": {k: v for k, v in detail.items() if v is not None}}


def _targets(events: Any, functions: dict[str, dict[str, Any]], event: dict[str, Any]) -> list[dict[str, Any]]:
    """The validation functions an ENABLED rule of the default bus would invoke with ``event``."""
    found = []
    for page in events.get_paginator("list_rules").paginate():
        for rule in page["Rules"]:
            if rule.get("State") != "ENABLED" or not rule.get("EventPattern"):
                continue
            if not events.test_event_pattern(EventPattern=rule["EventPattern"], Event=json.dumps(event))["Result"]:
                continue
            for target in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]:
                function = functions.get(target["Arn"])
                if function and function.get("Handler") == HANDLER:
                    found.append(function)
    return found


def validate_jobs(endpoint_url: str, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the validation function for each COMPLETED job of ``jobs`` (the restore test runner's summaries:
    account, region, job_id, resource); one result per job (``status`` SUCCESSFUL/FAILED/SKIPPED, or
    ``NO_FUNCTION`` when no deployed rule would invoke a validation function, or ``ERROR``)."""
    handler = _handler()
    results = []
    for summary in jobs:
        if summary.get("status") != "COMPLETED":
            continue
        aws = session(summary["account"], summary["region"])
        client = functools.partial(aws.client, endpoint_url=endpoint_url)
        backup = client("backup")
        job = backup.describe_restore_job(RestoreJobId=summary["job_id"])
        event = event_for(job, summary.get("resource"), summary.get("vault"), summary["region"])
        functions = {f["FunctionArn"]: f for page in client("lambda").get_paginator("list_functions").paginate()
                     for f in page["Functions"]}
        targets = _targets(client("events"), functions, event)
        if not targets:
            results.append({"job_id": summary["job_id"], "resource": summary.get("resource"), "status": "NO_FUNCTION",
                            "message": "no enabled rule sends this event to a restore validation function"})
            continue
        for function in targets:
            variables = dict((function.get("Environment") or {}).get("Variables") or {})
            try:
                with export_environment(variables):
                    result = handler(event, ExportContext(function["FunctionArn"]), backup=backup, dynamodb=client("dynamodb"),
                                     s3=client("s3"), cloudwatch=client("cloudwatch"))
            except Exception as exc:  # on AWS: retried, then dead-lettered (RestoreValidationDeadLettersAlarm)
                result = {"status": "ERROR", "message": f"{type(exc).__name__}: {exc}"}
            results.append({"job_id": summary["job_id"], "resource": summary.get("resource"),
                            "function": function["FunctionName"], **result})
    return results
