"""The snapshot's records of the exporter's compute: ``functions`` and ``queues``.

One builder per record serves the static source (``static.functions``, from CloudFormation properties) and
the live one (``live.functions``, from the Lambda and SQS APIs), so the two cannot differ in keys or
value conventions (environment values as text, no key id when nothing is named). Where CloudFormation and
the API spell a field differently (``KmsKeyArn``/``KMSKeyArn``) each reader maps it, and only here is the
record's shape written.
"""
from __future__ import annotations

from typing import Any, Mapping


def function_record(*, name: str, arn: str, account_id: str, region: str, runtime: Any, handler: Any, timeout: Any,
                    memory: Any, role_arn: Any, environment: Mapping[str, Any] | None, dead_letter_arn: Any,
                    kms_key: Any, reserved_concurrency: Any, origin: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": name, "arn": arn, "account_id": account_id, "region": region, "runtime": runtime, "handler": handler,
            "timeout": timeout, "memory": memory, "role_arn": role_arn,
            "environment": {str(k): str(v) for k, v in (environment or {}).items()},
            "dead_letter_arn": dead_letter_arn or None, "kms_key": kms_key or None,
            "reserved_concurrency": reserved_concurrency, "origin": dict(origin)}


def queue_record(*, name: str, arn: Any, account_id: str, region: str, kms_key: Any, policy: Any,
                 origin: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": name, "arn": arn, "account_id": account_id, "region": region, "kms_key": kms_key or None,
            "policy": policy or None, "origin": dict(origin)}
