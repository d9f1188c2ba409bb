"""Lambda entry point, started by one EventBridge schedule per pool: ``{"pool_id": "..."}``.

One invocation exports as much as fits in it (``export_pool`` with the invocation's remaining time as the
deadline). When the export is not finished it saves its checkpoint and starts the NEXT invocation itself
(``lambda:InvokeFunction`` on its own ARN, asynchronously, with the day and a continuation count), so a
pool of a million users finishes the same night without a second schedule; ``MAX_CONTINUATIONS`` stops a
loop that makes no progress. Once the day's export is complete, a further invocation of the same day
reports ``already_complete`` and writes nothing.

A failed export (an AWS error that outlasted the retries, a bad event) RAISES after recording it: Lambda then
retries the asynchronous invocation (which resumes from the checkpoint), the ``Errors`` metric and its alarm
see it, and what still fails lands in the dead-letter queue. Every outcome is also a CloudWatch metric in
``METRICS_NAMESPACE`` (``ExportsCompleted``, ``ExportsFailed``, ``UsersExported`` by ``UserPoolId``); the
"no complete export in 26 hours" alarm watches ``ExportsCompleted``.

Environment: EXPORT_BUCKET (required), EXPORT_PREFIX (default cognito-export), EXPORT_BUDGET (Cognito
requests/s, default 10), EXPORT_MIN_REMAINING (seconds kept for the checkpoint, default 60),
METRICS_NAMESPACE (unset: no metrics, e.g. local runs). Logs carry pool ids, counts and keys, never user data.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import os
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from .export import ExportExists, export_pool, pending_checkpoint
from .pacer import CLIENT_CONFIG

LOG = logging.getLogger(__name__)
MAX_CONTINUATIONS = 48  # 48 x 15 min = 12 h: far beyond the ~40 min a million users take at 10 requests/s


class ExportFailed(RuntimeError):
    """Raised so that Lambda retries the invocation, counts an error and finally dead-letters it."""


def lambda_handler(event: dict[str, Any], context: Any, *, cognito: Any = None, s3: Any = None,
                   lambda_client: Any = None, cloudwatch: Any = None) -> dict[str, Any]:
    event = event or {}
    pool_id = event.get("pool_id")
    bucket = os.environ.get("EXPORT_BUCKET")
    namespace = os.environ.get("METRICS_NAMESPACE")
    if not pool_id or not bucket:
        _publish(cloudwatch, namespace, pool_id or "unknown", failed=True)
        raise ExportFailed("bad input: the event needs pool_id and the function needs EXPORT_BUCKET")
    cognito = cognito or boto3.client("cognito-idp", config=CLIENT_CONFIG)
    s3 = s3 or boto3.client("s3", config=CLIENT_CONFIG)
    deadline = None
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        deadline = lambda: context.get_remaining_time_in_millis() / 1000.0  # noqa: E731
    prefix = os.environ.get("EXPORT_PREFIX", "cognito-export")
    try:
        # an export begun before midnight (UTC) is finished first, under its own day
        day, resume = event.get("day"), None
        if not day:
            yesterday = (_dt.datetime.now(_dt.timezone.utc).date() - _dt.timedelta(days=1)).isoformat()
            resume = pending_checkpoint(s3, bucket, prefix, pool_id, yesterday)
        result = export_pool(cognito, s3, pool_id=pool_id, bucket=bucket, checkpoint=resume,
                             prefix=prefix, day=day,
                             budget_per_second=float(os.environ.get("EXPORT_BUDGET", "10")), deadline=deadline,
                             min_remaining=float(os.environ.get("EXPORT_MIN_REMAINING", "60")))
    except ExportExists:
        LOG.info("export of pool %s for the day is already complete", pool_id)
        return {"status": "already_complete", "pool_id": pool_id}
    except ValueError as error:
        _publish(cloudwatch, namespace, pool_id, failed=True)
        raise ExportFailed(f"bad input for pool {pool_id}: {error}") from error
    except (ClientError, BotoCoreError) as error:  # before the export started (e.g. bucket missing)
        LOG.error("export of pool %s could not start: %s", pool_id, type(error).__name__)
        _publish(cloudwatch, namespace, pool_id, failed=True)
        raise ExportFailed(f"export of pool {pool_id} could not start: {type(error).__name__}") from error
    summary = result.summary()
    if result.complete:
        _publish(cloudwatch, namespace, pool_id, completed=True, users=result.counts.get("users", 0))
        return {"status": "complete", **summary}
    if result.error:
        _publish(cloudwatch, namespace, pool_id, failed=True)
        raise ExportFailed(f"export of pool {pool_id} day {result.day} failed ({result.error}); "
                           f"checkpoint {result.checkpoint_key or 'none'}; no manifest written")
    continuation = int(event.get("continuation", 0)) + 1
    if continuation > MAX_CONTINUATIONS:
        _publish(cloudwatch, namespace, pool_id, failed=True)
        raise ExportFailed(f"export of pool {pool_id} day {result.day} still incomplete after "
                           f"{MAX_CONTINUATIONS} continuations; checkpoint {result.checkpoint_key}")
    _continue(lambda_client, context, {"pool_id": pool_id, "day": result.day, "continuation": continuation})
    LOG.info("export of pool %s day %s continues in invocation %d", pool_id, result.day, continuation + 1)
    return {"status": "incomplete", "continuation": continuation, **summary}


def _continue(lambda_client: Any, context: Any, event: dict[str, Any]) -> None:
    """Start the next invocation of this function (asynchronously) to resume from the checkpoint."""
    function = getattr(context, "invoked_function_arn", None) or os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if not function:
        LOG.warning("no function to continue in (local run): run again to resume from the checkpoint")
        return
    client = lambda_client or boto3.client("lambda", config=CLIENT_CONFIG)
    client.invoke(FunctionName=function, InvocationType="Event", Payload=json.dumps(event).encode())


def _publish(cloudwatch: Any, namespace: str | None, pool_id: str, *, completed: bool = False,
             failed: bool = False, users: int = 0) -> None:
    """One data point per outcome; a metrics failure is logged and never hides the export's own result."""
    if not namespace:
        return
    dimensions = [{"Name": "UserPoolId", "Value": pool_id}]
    data = [{"MetricName": "ExportsCompleted", "Dimensions": dimensions, "Value": 1.0 if completed else 0.0, "Unit": "Count"},
            {"MetricName": "ExportsFailed", "Dimensions": dimensions, "Value": 1.0 if failed else 0.0, "Unit": "Count"}]
    if completed:
        data.append({"MetricName": "UsersExported", "Dimensions": dimensions, "Value": float(users), "Unit": "Count"})
    try:
        (cloudwatch or boto3.client("cloudwatch", config=CLIENT_CONFIG)).put_metric_data(Namespace=namespace, MetricData=data)
    except (ClientError, BotoCoreError) as error:
        LOG.error("could not publish export metrics for pool %s: %s", pool_id, type(error).__name__)
