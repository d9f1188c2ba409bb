"""What a sandbox recovery point holds, for ``retention drill``: ``GET /_sandbox/recovery-point-data?arn=ARN``.

Why: a drill must compare the restored resource with what the recovery point held, not with the source
as it is now (a change after the backup is not a restore failure). AWS has no API that lists a recovery
point's content, so on AWS the drill can only approximate it (``docs/restore.md``, "Drills"); the sandbox
keeps the data (``sandbox.backup.models.recovery_data``) and serves it here, so the drill's comparison is exact in the
sandbox. A sandbox-only route, like ``/_sandbox/run-backups``: never an AWS API.

The answer is NDJSON, streamed one line per item or object (never the whole table at once):
first ``{"kind": "table"|"bucket", ...}`` (tables: key schema, attribute definitions, indexes, SSE, item
count; buckets: default encryption), then one line per item (DynamoDB JSON as on the wire, binary values
base64) or per object (``key``, ``size``, ``sha256``, ``content_type``, ``metadata`` (user metadata,
names without ``x-amz-meta-``), ``tags``). 404 for an unknown ARN, 400 for a point without data.
"""
from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import parse_qs

from sandbox import routes
from sandbox.backup.models.recovery_data import BucketData, TableData
from sandbox.backup.models.state import backend_for, state

ROUTE = "/_sandbox/recovery-point-data"

_META = "x-amz-meta-"


def _wire(value: Any) -> Any:
    """moto's regular JSON with bytes -> the wire's base64 (``B``, ``BS``)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def lines(point: Any) -> Iterator[bytes]:
    """The NDJSON lines of one recovery point's data."""

    data = point.data
    if isinstance(data, TableData):
        yield _line({"kind": "table", "key_schema": data.key_schema, "attribute_definitions": data.attribute_definitions,
                     "global_indexes": data.global_indexes, "local_indexes": data.local_indexes, "sse": data.sse,
                     "item_count": data.item_count})
        for item in data.items():
            yield _line(_wire(item))
    elif isinstance(data, BucketData):
        yield _line({"kind": "bucket", "encryption": data.encryption, "kms_key_id": data.kms_key_id,
                     "object_count": len(data.objects)})
        for obj in data.objects:
            headers = {k.lower(): v for k, v in obj.metadata.items()}
            yield _line({"key": obj.key, "size": len(obj.body), "sha256": hashlib.sha256(obj.body).hexdigest(),
                         "content_type": headers.get("content-type"),
                         "metadata": {k[len(_META):]: v for k, v in headers.items() if k.startswith(_META)},
                         "tags": dict(obj.tags)})
    else:
        raise ValueError(f"recovery point {point.arn} holds no data the sandbox keeps (DynamoDB and S3 only)")


def _line(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode() + b"\n"


def find_point(arn: str) -> Any:

    parts = arn.split(":")
    if len(parts) < 6:
        return None
    try:
        backend = backend_for(parts[4], parts[3])
    except Exception:
        return None
    return state(backend).recovery_points.get(arn)


def install_route() -> None:
    """Serve the route from the moto server (idempotent)."""
    routes.add("recovery-point-data", "GET", lambda path: path == ROUTE, _serve)


def _serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    arn = (parse_qs(environ.get("QUERY_STRING", "")).get("arn") or [""])[0]
    point = find_point(arn)
    if point is None:
        return routes.json_answer(start_response, "404 Not Found", {"error": f"no recovery point {arn}"})
    try:
        stream = lines(point)
        first = next(stream)
    except ValueError as exc:
        return routes.json_answer(start_response, "400 Bad Request", {"error": str(exc)})
    start_response("200 OK", [("Content-Type", "application/x-ndjson")])
    return _chain(first, stream)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest
