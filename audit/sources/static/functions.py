"""Static readers of the exporter's compute: Lambda functions and SQS queues, into the snapshot's shape.

The records are built by ``audit.sources.records.function``, as the live source's are.
ARNs come from the names the templates give (``FunctionName``, ``QueueName``); an unnamed resource keeps
the resolver's symbol, which never matches a real ARN and so fails any control that looks for it.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from audit.sources.records.function import function_record, queue_record
from audit.templates import Symbol

Resources = Callable[[str], Iterator[tuple[Any, str, dict[str, Any]]]]
Origin = Callable[[Any, str], dict[str, Any]]


def read_functions(resources: Resources, origin: Origin) -> list[dict[str, Any]]:
    functions = []
    for stack, logical_id, resource in resources("AWS::Lambda::Function"):
        props, spec = resource["Properties"], stack.spec
        name = props.get("FunctionName") or str(Symbol(logical_id, "Ref"))
        functions.append(function_record(
            name=name, arn=f"arn:aws:lambda:{spec.region}:{spec.account_id}:function:{name}",
            account_id=spec.account_id, region=spec.region, runtime=props.get("Runtime"), handler=props.get("Handler"),
            timeout=props.get("Timeout", 3), memory=props.get("MemorySize", 128), role_arn=props.get("Role"),
            environment=(props.get("Environment") or {}).get("Variables"),
            dead_letter_arn=(props.get("DeadLetterConfig") or {}).get("TargetArn"), kms_key=props.get("KmsKeyArn"),
            reserved_concurrency=props.get("ReservedConcurrentExecutions"), origin=origin(stack, logical_id)))
    return functions


def read_queues(resources: Resources, origin: Origin) -> list[dict[str, Any]]:
    policies: dict[str, Any] = {}
    for _, _, resource in resources("AWS::SQS::QueuePolicy"):
        for queue in resource["Properties"].get("Queues") or []:
            policies[str(queue)] = resource["Properties"].get("PolicyDocument")
    queues = []
    for stack, logical_id, resource in resources("AWS::SQS::Queue"):
        props, spec = resource["Properties"], stack.spec
        name = props.get("QueueName") or str(Symbol(logical_id, "Ref"))
        url = f"https://sqs.{spec.region}.amazonaws.com/{spec.account_id}/{name}"
        queues.append(queue_record(
            name=name, arn=f"arn:aws:sqs:{spec.region}:{spec.account_id}:{name}", account_id=spec.account_id,
            region=spec.region, kms_key=props.get("KmsMasterKeyId"), policy=policies.get(url), origin=origin(stack, logical_id)))
    return queues
