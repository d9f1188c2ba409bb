"""Lambda entry point, started by one EventBridge schedule per pool: ``{"pool_id": "..."}``.

One invocation exports as much as fits in it (``export_pool`` with the invocation's remaining time as the
deadline). When the export is not finished it saves its checkpoint and starts the NEXT invocation itself
(``lambda:InvokeFunction`` on its own ARN, asynchronously, with the day and a continuation count), so a
pool of a million users finishes the same night without a second schedule; ``MAX_CONTINUATIONS`` stops a
loop that makes no progress. Once the day's export is complete, a further invocation of the same day
reports ``already_complete`` and writes nothing.

A scheduled run that finds yesterday's export unfinished (its checkpoint left behind) finishes it first and
then, in the same invocation if time allows or in the continuation it starts (``then``), exports today:
a leftover never replaces the day's own export. Only the day's own export counts as ``ExportsCompleted``;
a leftover whose pagination token Cognito no longer accepts is abandoned (``export.abandon_checkpoint``)
rather than failing every day, and the day's own export starts afresh when its checkpoint's token is refused.

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

from .export import TOKEN_REJECTED, ExportExists, abandon_checkpoint, export_pool, pending_checkpoint
from .pacer import CLIENT_CONFIG

LOG = logging.getLogger(__name__)
MAX_CONTINUATIONS = 48  # 48 x 15 min = 12 h: far beyond the ~40 min a million users take at 10 requests/s


class ExportFailed(RuntimeError):
    """Raised so that Lambda retries the invocation, counts an error and finally dead-letters it."""


def lambda_handler(event: dict[str, Any], context: Any, *, cognito: Any = None, s3: Any = None,  # noqa: C901 - the Lambda entry point: event checks, the run, its metrics and the self-continuation
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
        days = _days(event)
    except ValueError as error:
        _publish(cloudwatch, namespace, pool_id, failed=True)
        raise ExportFailed(f"bad input for pool {pool_id}: {error}") from error
    earlier: list[dict[str, Any]] = []
    for index, day in enumerate(days):
        own = index == len(days) - 1  # the day's own export: the one the schedule (and its alarm) stands for
        try:
            resume = None
            if not own:  # an earlier day's unfinished export, finished first when its checkpoint is still there
                resume = pending_checkpoint(s3, bucket, prefix, pool_id, day)
                if resume is None:
                    continue
            result = export_pool(cognito, s3, pool_id=pool_id, bucket=bucket, checkpoint=resume, prefix=prefix,
                                 day=day, budget_per_second=float(os.environ.get("EXPORT_BUDGET", "10")),
                                 deadline=deadline, min_remaining=float(os.environ.get("EXPORT_MIN_REMAINING", "60")),
                                 fresh_on_rejected_token=own)
            if not own and result.error == TOKEN_REJECTED:
                assert resume is not None  # an earlier day runs only from its checkpoint (see above)
                _abandon(s3, bucket, pool_id, day, resume, days[-1])
                earlier.append({"day": day, "status": "abandoned"})
                continue
        except ExportExists:
            if not own:
                continue
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
        # A leftover that finished late is not the export of the day, so it does not count as one (metric);
        # one that failed keeps its checkpoint (the next scheduled run no longer resumes it: it expires with
        # the bucket's lifecycle). Either way the day's own export follows: a leftover never stops it.
        if not own and result.complete:
            LOG.info("unfinished export of pool %s day %s finished; the export of %s follows", pool_id, day, days[-1])
            earlier.append({"day": day, "status": "complete", "manifest_key": result.manifest_key})
            continue
        if not own and result.error:
            LOG.error("unfinished export of pool %s day %s failed again (%s); the export of %s follows", pool_id, day,
                      result.error, days[-1])
            earlier.append({"day": day, "status": "failed", "error": result.error})
            continue
        if earlier:
            summary["earlier"] = earlier
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
        following = {} if own else {"then": days[-1]}
        _continue(lambda_client, context, {"pool_id": pool_id, "day": result.day, "continuation": continuation, **following})
        LOG.info("export of pool %s day %s continues in invocation %d", pool_id, result.day, continuation + 1)
        return {"status": "incomplete", "continuation": continuation, **summary}
    raise AssertionError("unreachable: the day's own export always returns or raises")


def _days(event: dict[str, Any]) -> list[str]:
    """The exports one invocation works on, in order; the last is the day's own export.

    A scheduled event (no ``day``) first finishes yesterday's export if a checkpoint of it is left (an
    export begun before midnight is finished under its own day), then exports today: a leftover never takes
    the place of the day's own export, which is what the "no complete export in 26 h" alarm and EXP-06
    stand for. A continuation carries the export it resumes (``day``) and, when that was an earlier day's,
    the day whose own export follows (``then``)."""
    day, then = event.get("day"), event.get("then")
    if any(value is not None and not isinstance(value, str) for value in (day, then)):
        raise ValueError("day and then must be YYYY-MM-DD text")
    if day:
        return [day, then] if then and then != day else [day]
    today = _today()
    return [(today - _dt.timedelta(days=1)).isoformat(), today.isoformat()]


def _abandon(s3: Any, bucket: str, pool_id: str, day: str, checkpoint_key: str, superseded_by: str) -> None:
    """Give up an earlier day's export whose checkpoint Cognito can no longer resume: the day's own export
    supersedes it. A failure to remove the checkpoint is logged and never stops the day's own export."""
    try:
        abandon_checkpoint(s3, bucket, checkpoint_key)
    except (ClientError, BotoCoreError, ValueError) as error:
        LOG.warning("could not remove the abandoned checkpoint %s: %s", checkpoint_key, type(error).__name__)
    LOG.warning("unfinished export of pool %s day %s abandoned (Cognito refused its pagination token); the export of "
                "%s supersedes it, and the bucket's lifecycle rule expires what it wrote", pool_id, day, superseded_by)


def _today() -> _dt.date:
    return _dt.datetime.now(_dt.timezone.utc).date()


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
