"""Lambda entry point, run on an EventBridge schedule: ``{"pool_id": "..."}``; bucket from EXPORT_BUCKET.

Each invocation continues the day's export from its checkpoint; once the day's export is complete,
further invocations of the same day report ``already_complete`` and write nothing. Schedule the rule
often enough (e.g. every 20 minutes during the export window) for a large pool to finish.
Optional environment: EXPORT_PREFIX (default cognito-export), EXPORT_BUDGET (requests/s, default 10).
"""
from __future__ import annotations

import datetime as _dt
import logging
import os
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .export import ExportExists, export_pool, pending_checkpoint

LOG = logging.getLogger(__name__)
RETRIES = Config(retries={"mode": "adaptive", "max_attempts": 10})


def lambda_handler(event: dict[str, Any], context: Any, *, cognito: Any = None, s3: Any = None) -> dict[str, Any]:
    pool_id = (event or {}).get("pool_id") or (event or {}).get("detail", {}).get("pool_id")
    bucket = os.environ.get("EXPORT_BUCKET")
    if not pool_id or not bucket:
        return {"status": "bad_input", "error": "event needs pool_id and the function needs EXPORT_BUCKET"}
    cognito = cognito or boto3.client("cognito-idp", config=RETRIES)
    s3 = s3 or boto3.client("s3", config=RETRIES)
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
        return {"status": "bad_input", "error": str(error)}
    except (ClientError, BotoCoreError) as error:  # before the export started (e.g. bucket missing)
        LOG.error("export of pool %s could not start: %s", pool_id, type(error).__name__)
        return {"status": "failed", "pool_id": pool_id, "error": type(error).__name__}
    status = "complete" if result.complete else ("failed" if result.error else "incomplete")
    return {"status": status, **result.summary()}
