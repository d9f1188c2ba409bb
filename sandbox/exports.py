"""The night's Cognito exports in the sandbox: what EventBridge and Lambda would do at 02:00 UTC.

moto cannot invoke a Lambda function (it needs Docker) nor fire a schedule. This runs, in the calling process,
the exporter's handler (``exporter.handler.lambda_handler``) once per enabled scheduled rule that targets a
deployed exporter function, with the rule target's input as the event and the function's deployed
environment variables, against the sandbox endpoint as the environment account. A continuation the handler
asks for (``lambda:InvokeFunction`` on itself) is run the same way until the export completes, so a large
pool is exported as AWS would, in several invocations. Nothing here patches moto: it is a client.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from typing import Any, Iterator

import boto3

from sandbox.accounts import access_key_for

INVOCATION_SECONDS = 900.0


class ExportContext:
    """A Lambda context with the function's ARN and a fixed remaining time."""

    def __init__(self, arn: str, seconds: float = INVOCATION_SECONDS):
        self.invoked_function_arn, self._seconds = arn, seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self._seconds * 1000)


class _Continuations:
    """Stands in for the Lambda client the handler continues itself with: records the next events."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:  # noqa: N803
        self.events.append(json.loads(Payload))
        return {"StatusCode": 202}


@contextmanager
def export_environment(variables: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in variables}
    os.environ.update({k: str(v) for k, v in variables.items()})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def session(account_id: str, region: str) -> boto3.session.Session:
    return boto3.session.Session(aws_access_key_id=access_key_for(account_id), aws_secret_access_key="sandbox",
                                 region_name=region)


def scheduled_exports(events: Any, functions: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(rule name, function configuration, event) for every enabled scheduled rule targeting an exporter."""
    exporters = {f["FunctionArn"]: f for f in functions if (f.get("Environment") or {}).get("Variables", {}).get("EXPORT_BUCKET")}
    found = []
    for page in events.get_paginator("list_rules").paginate():
        for rule in page["Rules"]:
            if rule.get("State") != "ENABLED" or not rule.get("ScheduleExpression"):
                continue
            for target in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]:
                if target["Arn"] in exporters:
                    found.append((rule["Name"], exporters[target["Arn"]], json.loads(target.get("Input") or "{}")))
    return found


def run_exports(endpoint_url: str, account_id: str, region: str, *, day: str | None = None,
                max_invocations: int = 50) -> list[dict[str, Any]]:
    """Run every scheduled export once, to completion; one result (the last invocation's) per rule."""
    from exporter.handler import lambda_handler

    aws = session(account_id, region)
    client = lambda service: aws.client(service, endpoint_url=endpoint_url)  # noqa: E731
    functions = [f for page in client("lambda").get_paginator("list_functions").paginate() for f in page["Functions"]]
    results = []
    for rule, function, event in scheduled_exports(client("events"), functions):
        variables = dict((function.get("Environment") or {}).get("Variables") or {})
        continuations = _Continuations()
        event = {**event, **({"day": day} if day else {})}
        invocations, result = 0, {}
        with export_environment(variables):
            while event is not None and invocations < max_invocations:
                invocations += 1
                result = lambda_handler(event, ExportContext(function["FunctionArn"]), cognito=client("cognito-idp"),
                                        s3=client("s3"), lambda_client=continuations, cloudwatch=client("cloudwatch"))
                event = continuations.events.pop(0) if continuations.events else None
        results.append({"rule": rule, "function": function["FunctionName"], "invocations": invocations, **result})
    return results
