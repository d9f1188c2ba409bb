"""Live reader of EventBridge state (design phase 3.5): every event bus, rule, archive, schedule group,
schedule, pipe, API destination and connection of one side, each with the CloudFormation stack that
defines it (or None), in the shape the static source gives the templates' EventBridge resources.

AWS Backup protects none of this (docs/eventbridge-backup.md); what no stack defines cannot be recovered
from code, which is what control EVB-01 asks. The stacks are read only when there is something to match:
``ListStacks`` once, then ``ListStackResources`` per live stack. AWS-created things are not reported as
the account's own: the ``default`` bus and schedule group exist in every account, and a rule an AWS service
created carries the service in ``ManagedBy``.
"""
from __future__ import annotations

from typing import Any

from audit.resource_types import EVENTBRIDGE_TYPES
from audit.sources.live.aws import Side

KIND_OF_TYPE = {type_name: kind for type_name, (kind, _) in EVENTBRIDGE_TYPES.items()}
DEFAULT = "default"
GONE_STACK = "DELETE_COMPLETE"


def _entry(side: Side, kind: str, name: str, api: str, *, managed_by: str | None = None,
           retention_days: int | None = None, kms_key: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "name": name, "account_id": side.account_id, "region": side.region, "stack": None,
            "managed_by": managed_by, "retention_days": retention_days, "kms_key": kms_key,
            "origin": {"account_id": side.account_id, "region": side.region, "api": api}}


def _listed(side: Side, service: str, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of every page; a refused listing is recorded in the side's errors (EVB-01 fails on it)."""
    return side.items(service, operation, f"{service} {side.account_id} {side.region}", key, **params) or []


def _archive(side: Side, item: dict[str, Any]) -> dict[str, Any]:
    name = item["ArchiveName"]
    described = side.get("events", "DescribeArchive", name, absent=("ResourceNotFoundException",), ArchiveName=name) or {}
    return _entry(side, "archive", name, "events:DescribeArchive" if described else "events:ListArchives",
                  retention_days=item.get("RetentionDays", described.get("RetentionDays")),
                  kms_key=described.get("KmsKeyIdentifier"))


def _resources(side: Side) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for bus in _listed(side, "events", "ListEventBuses", "EventBuses"):
        if bus["Name"] != DEFAULT:
            found.append(_entry(side, "event-bus", bus["Name"], "events:ListEventBuses"))
        for rule in _listed(side, "events", "ListRules", "Rules", EventBusName=bus["Name"]):
            found.append(_entry(side, "rule", rule["Name"], "events:ListRules", managed_by=rule.get("ManagedBy")))
    found += [_archive(side, item) for item in _listed(side, "events", "ListArchives", "Archives")]
    found += [_entry(side, "api-destination", d["Name"], "events:ListApiDestinations")
              for d in _listed(side, "events", "ListApiDestinations", "ApiDestinations")]
    found += [_entry(side, "connection", c["Name"], "events:ListConnections")
              for c in _listed(side, "events", "ListConnections", "Connections")]
    found += [_entry(side, "schedule-group", g["Name"], "scheduler:ListScheduleGroups")
              for g in _listed(side, "scheduler", "ListScheduleGroups", "ScheduleGroups") if g["Name"] != DEFAULT]
    found += [_entry(side, "schedule", s["Name"], "scheduler:ListSchedules")
              for s in _listed(side, "scheduler", "ListSchedules", "Schedules")]
    found += [_entry(side, "pipe", p["Name"], "pipes:ListPipes") for p in _listed(side, "pipes", "ListPipes", "Pipes")]
    return found


def _defined_by_stacks(side: Side) -> dict[tuple[str, str], str]:
    """(kind, physical id) -> stack name, for every EventBridge resource of every live stack of the side."""
    defined: dict[tuple[str, str], str] = {}
    for stack in _listed(side, "cloudformation", "ListStacks", "StackSummaries"):
        if stack.get("StackStatus") == GONE_STACK:
            continue
        for resource in _listed(side, "cloudformation", "ListStackResources", "StackResourceSummaries",
                                StackName=stack["StackName"]):
            kind = KIND_OF_TYPE.get(str(resource.get("ResourceType")))
            if kind and resource.get("PhysicalResourceId"):
                defined[(kind, resource["PhysicalResourceId"])] = stack["StackName"]
    return defined


def _stack_of(resource: dict[str, Any], defined: dict[tuple[str, str], str]) -> str | None:
    """A stack's physical id is the name, an ARN ending in the name, or ``bus|rule`` for a rule on a custom bus."""
    name, kind = resource["name"], resource["kind"]
    for (defined_kind, physical), stack in defined.items():
        if defined_kind == kind and (physical == name or physical.endswith((f"|{name}", f"/{name}"))):
            return stack
    return None


def read_eventbridge(side: Side) -> list[dict[str, Any]]:
    found = _resources(side)
    if found:
        defined = _defined_by_stacks(side)
        for resource in found:
            resource["stack"] = _stack_of(resource, defined)
    return found
