"""Live readers of the Cognito exporter: its Lambda functions, its SQS queues, and the newest complete
export of every user pool (read back from the export bucket's manifests).

Functions and queues are built by ``audit.sources.records.function``, as the static source's are;
``exports`` exists only live:
[{pool_id, bucket, day, manifest_key, started_at, completed_at, counts, objects, objects_missing, origin}]. An
export is complete when its ``manifest.json`` exists (the exporter writes it last); every object the manifest
names must still be there with the size it records. ``started_at`` is when the export began reading the pool:
its ``pool.json``, written first and never again by a resumed run (the day it stands for when that object is
missing). A day's export that was resumed and finished the next day has a new manifest but old data, so its
age counts from ``started_at``. Hashes are not re-computed here (that reads every byte; the
restore dry run, ``retention export --restore-check``, does it).

Calls: one ListFunctions and ListQueues listing per account; per function one GetFunctionConcurrency; per
queue one GetQueueAttributes; per pool two listings and one GetObject of the manifest.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

from audit.sources.live.aws import Side, parse_document
from audit.sources.live.read import iso, origin
from audit.sources.records.function import function_record, queue_record

MANIFEST, FIRST_OBJECT = "manifest.json", "pool.json"  # the exporter writes the manifest last, pool.json first
DAYS_LOOKED_AT = 3  # today, yesterday and the day before: enough to find a complete export within 26 h


def read_functions(side: Side, prefix: str) -> list[dict[str, Any]]:
    functions = []
    for function in side.items("lambda", "ListFunctions", "*", "Functions") or []:
        if not function["FunctionName"].startswith(prefix):
            continue
        concurrency = side.get("lambda", "GetFunctionConcurrency", function["FunctionArn"],
                               absent=("ResourceNotFoundException",), FunctionName=function["FunctionName"])
        functions.append(function_record(
            name=function["FunctionName"], arn=function["FunctionArn"], account_id=side.account_id, region=side.region,
            runtime=function.get("Runtime"), handler=function.get("Handler"), timeout=function.get("Timeout"),
            memory=function.get("MemorySize"), role_arn=function.get("Role"),
            environment=(function.get("Environment") or {}).get("Variables"),
            dead_letter_arn=(function.get("DeadLetterConfig") or {}).get("TargetArn"), kms_key=function.get("KMSKeyArn"),
            reserved_concurrency=(concurrency or {}).get("ReservedConcurrentExecutions"),
            origin=origin(side, "lambda:ListFunctions")))
    return functions


def read_queues(side: Side, prefix: str) -> list[dict[str, Any]]:
    queues = []
    for url in side.items("sqs", "ListQueues", "*", "QueueUrls", QueueNamePrefix=prefix) or []:
        got = side.get("sqs", "GetQueueAttributes", url, absent=("AWS.SimpleQueueService.NonExistentQueue",),
                       QueueUrl=url, AttributeNames=["All"])
        if not got:
            continue
        attributes = got.get("Attributes") or {}
        queues.append(queue_record(
            name=url.rsplit("/", 1)[-1], arn=attributes.get("QueueArn"), account_id=side.account_id, region=side.region,
            kms_key=attributes.get("KmsMasterKeyId"),
            policy=parse_document(attributes.get("Policy")) if attributes.get("Policy") else None,
            origin=origin(side, "sqs:GetQueueAttributes")))
    return queues


def _export_location(functions: Iterable[Mapping[str, Any]]) -> tuple[str, str] | None:
    for function in functions:
        environment = function.get("environment") or {}
        if environment.get("EXPORT_BUCKET"):
            return environment["EXPORT_BUCKET"], environment.get("EXPORT_PREFIX", "cognito-export")
    return None


def read_exports(side: Side, functions: Iterable[Mapping[str, Any]], pools: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The newest complete export of each pool with an id, where the exporter function says it writes."""
    location = _export_location(functions)
    if location is None:
        return []
    bucket, prefix = location
    exports = []
    for pool in pools:
        pool_id = pool.get("user_pool_id")
        if not pool_id:
            continue
        found = _newest_export(side, bucket, f"{prefix.strip('/')}/{pool_id}/")
        if found:
            exports.append({"pool_id": pool_id, "bucket": bucket, **found})
    return exports


def _newest_export(side: Side, bucket: str, pool_prefix: str) -> dict[str, Any] | None:
    arn = f"arn:aws:s3:::{bucket}/{pool_prefix}"
    listed = side.items("s3", "ListObjectsV2", arn, "CommonPrefixes", Bucket=bucket, Prefix=pool_prefix, Delimiter="/")
    days = sorted({p["Prefix"] for p in listed or []}, reverse=True)
    for day_prefix in days[:DAYS_LOOKED_AT]:
        contents = side.items("s3", "ListObjectsV2", arn, "Contents", Bucket=bucket, Prefix=day_prefix)
        if contents is None:
            continue
        objects = {o["Key"]: o for o in contents}
        manifests = sorted((o for k, o in objects.items() if k.endswith("/" + MANIFEST)), key=lambda o: o["LastModified"])
        if not manifests:
            continue
        newest = manifests[-1]
        body = side.get("s3", "GetObject", f"arn:aws:s3:::{bucket}/{newest['Key']}", Bucket=bucket, Key=newest["Key"])
        if body is None:
            continue
        try:
            manifest = json.loads(body["Body"].read())
        except ValueError:
            manifest = {}
        listed = manifest.get("objects") or []
        missing = [o.get("key") for o in listed if o.get("key") not in objects or objects[o["key"]]["Size"] != o.get("size")]
        day = manifest.get("day") or day_prefix.rstrip("/").rsplit("/", 1)[-1]
        first = objects.get(newest["Key"][: -len(MANIFEST)] + FIRST_OBJECT)
        return {"day": day, "manifest_key": newest["Key"],
                "started_at": iso(first["LastModified"]) if first else f"{day}T00:00:00Z",
                "completed_at": iso(newest["LastModified"]), "format_version": manifest.get("format_version"),
                "counts": manifest.get("counts") or {}, "objects": len(listed), "objects_missing": missing,
                "origin": origin(side, "s3:GetObject")}
    return None
