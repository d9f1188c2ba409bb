"""The snapshot's monitoring records: ``topics``, ``event_rules``, ``alarms``, ``dashboards``.

CloudFormation properties and the AWS API responses use the same names for these resources (``AlarmName``,
``Namespace``, ``Dimensions``, ``EventPattern``, ``Targets[].DeadLetterConfig`` ...), so one builder per
record serves both the static source (``static.monitoring``) and the live one (``live.monitoring``):
the two cannot drift apart in shape or conventions.

Subscription endpoints are pseudonymised before they enter a snapshot, because snapshots are written next
to the reports: an e-mail address keeps its domain and replaces the mailbox by a digest, an https endpoint
keeps its host and replaces path and query (which often carry a token) by a digest. The same endpoint
gives the same pseudonym in both sources, so drift still sees a changed subscriber.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit


def _digest(text: str) -> str:
    return "sha256-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def redact_endpoint(protocol: str | None, endpoint: str | None) -> str | None:
    if endpoint is None:
        return None
    if protocol in ("email", "email-json") and "@" in endpoint:
        return f"{_digest(endpoint.lower())}@{endpoint.rsplit('@', 1)[1].lower()}"
    if protocol in ("http", "https"):
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.hostname or ''}/{_digest(endpoint)}"
    return _digest(endpoint)


def subscription_record(protocol: str | None, endpoint: str | None) -> dict[str, Any]:
    return {"protocol": protocol, "endpoint": redact_endpoint(protocol, endpoint)}


def _json(value: Any) -> Any:
    """A JSON document given as text (the APIs) or as data (templates); text that is not JSON stays text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def topic_record(*, name: str | None, arn: str, account_id: str, region: str, kms_key: str | None, policy: Any,
                 subscriptions: list[dict[str, Any]], origin: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "arn": arn, "account_id": account_id, "region": region, "kms_key": kms_key or None,
            "policy": _json(policy) if policy else None,
            "subscriptions": sorted(subscriptions, key=lambda s: (str(s["protocol"]), str(s["endpoint"]))),
            "origin": origin}


def _target(target: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": target.get("Id"), "arn": target.get("Arn"),
            "input": _json(target["Input"]) if target.get("Input") else None,
            "dead_letter_arn": (target.get("DeadLetterConfig") or {}).get("Arn"),
            "role_arn": target.get("RoleArn")}


def rule_record(props: Mapping[str, Any], targets: list[Mapping[str, Any]], *, arn: str, account_id: str, region: str,
                origin: dict[str, Any]) -> dict[str, Any]:
    """``props``: AWS::Events::Rule properties or a ListRules entry (State defaults to ENABLED in both)."""
    pattern = _json(props.get("EventPattern")) if props.get("EventPattern") else None
    bus = props.get("EventBusName") or "default"
    if isinstance(bus, str) and "event-bus/" in bus:
        bus = bus.split("event-bus/", 1)[1]
    return {"name": props.get("Name"), "arn": arn, "account_id": account_id, "region": region, "event_bus": bus,
            "state": props.get("State") or "ENABLED", "schedule_expression": props.get("ScheduleExpression") or None,
            "event_pattern": pattern, "targets": [_target(t) for t in targets], "origin": origin}


def _number(value: Any, kind: Callable[[Any], Any] = int) -> Any:
    return None if value in (None, "") else kind(value)


def alarm_record(props: Mapping[str, Any], *, account_id: str, region: str, origin: dict[str, Any]) -> dict[str, Any]:
    """``props``: AWS::CloudWatch::Alarm properties or a DescribeAlarms MetricAlarms entry."""
    return {
        "name": props.get("AlarmName"), "account_id": account_id, "region": region,
        "namespace": props.get("Namespace"), "metric_name": props.get("MetricName"),
        "dimensions": {d.get("Name"): d.get("Value") for d in props.get("Dimensions") or []},
        "statistic": props.get("Statistic") or props.get("ExtendedStatistic"),
        "period": _number(props.get("Period")), "evaluation_periods": _number(props.get("EvaluationPeriods")),
        "datapoints_to_alarm": _number(props.get("DatapointsToAlarm")),
        "threshold": _number(props.get("Threshold"), float),
        "comparison": props.get("ComparisonOperator"), "treat_missing_data": props.get("TreatMissingData") or "missing",
        "actions_enabled": str(props.get("ActionsEnabled", True)).lower() != "false",
        "alarm_actions": list(props.get("AlarmActions") or []), "ok_actions": list(props.get("OKActions") or []),
        "metrics": [dict(m) for m in props["Metrics"]] if props.get("Metrics") else None,
        "origin": origin,
    }


def dashboard_record(name: str | None, body: Any, origin: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "body": _json(body), "origin": origin}
