"""The static source's monitoring sections: alert topics, EventBridge rules, CloudWatch alarms and
dashboards as the resolved templates of every stack will create them.

Resource ARNs come from the template resolver (``audit.templates.physical``: a topic's ``Ref`` is its ARN
when ``TopicName`` is set, a rule's ``Arn`` is built from ``Name`` and its bus), never re-derived here; the
records have the shape of ``records.monitoring``, the same the live source gives.
"""
from __future__ import annotations

from typing import Any, Mapping

from audit.sources.records.monitoring import alarm_record, dashboard_record, rule_record, subscription_record, topic_record
from audit.sources.static.stacks import ResolvedStack, origin, resources_of
from audit.templates.physical import URL_SUFFIXES, Env, attribute_value


def resource_attribute(stack: ResolvedStack, logical_id: str, resource: dict[str, Any], attribute: str) -> Any:
    """``Ref`` (attribute "Ref") or ``Fn::GetAtt`` of a resource of ``stack``, as the resolver computes it."""
    env = Env("aws", stack.spec.region, stack.spec.account_id, URL_SUFFIXES["aws"])
    return attribute_value(resource["Type"], logical_id, attribute, resource["Properties"].get, env)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def read_topics(stacks: Mapping[str, ResolvedStack]) -> list[dict[str, Any]]:
    policies: dict[str, Any] = {}
    for _, _, resource in resources_of(stacks, "AWS::SNS::TopicPolicy"):
        for topic_arn in _as_list(resource["Properties"].get("Topics") or []):
            policies[str(topic_arn)] = resource["Properties"].get("PolicyDocument")
    subscriptions: dict[str, list[dict[str, Any]]] = {}
    for _, _, resource in resources_of(stacks, "AWS::SNS::Subscription"):
        props = resource["Properties"]
        subscriptions.setdefault(str(props.get("TopicArn")), []).append(subscription_record(props.get("Protocol"), props.get("Endpoint")))
    topics = []
    for stack, logical_id, resource in resources_of(stacks, "AWS::SNS::Topic"):
        props = resource["Properties"]
        arn = str(resource_attribute(stack, logical_id, resource, "Ref"))
        inline = [subscription_record(s.get("Protocol"), s.get("Endpoint")) for s in props.get("Subscription") or []]
        topics.append(topic_record(name=props.get("TopicName"), arn=arn, account_id=stack.spec.account_id,
                                   region=stack.spec.region, kms_key=props.get("KmsMasterKeyId"), policy=policies.get(arn),
                                   subscriptions=inline + subscriptions.get(arn, []), origin=origin(stack, logical_id)))
    return topics


def read_event_rules(stacks: Mapping[str, ResolvedStack]) -> list[dict[str, Any]]:
    return [rule_record(resource["Properties"], resource["Properties"].get("Targets") or [],
                        arn=str(resource_attribute(stack, logical_id, resource, "Arn")), account_id=stack.spec.account_id,
                        region=stack.spec.region, origin=origin(stack, logical_id))
            for stack, logical_id, resource in resources_of(stacks, "AWS::Events::Rule")]


def read_alarms(stacks: Mapping[str, ResolvedStack]) -> list[dict[str, Any]]:
    return [alarm_record(resource["Properties"], account_id=stack.spec.account_id, region=stack.spec.region,
                         origin=origin(stack, logical_id))
            for stack, logical_id, resource in resources_of(stacks, "AWS::CloudWatch::Alarm")]


def read_dashboards(stacks: Mapping[str, ResolvedStack]) -> list[dict[str, Any]]:
    return [dashboard_record(resource["Properties"].get("DashboardName"), resource["Properties"].get("DashboardBody"),
                             origin(stack, logical_id))
            for stack, logical_id, resource in resources_of(stacks, "AWS::CloudWatch::Dashboard")]


def read_monitoring(stacks: Mapping[str, ResolvedStack]) -> dict[str, list[dict[str, Any]]]:
    return {"topics": read_topics(stacks), "event_rules": read_event_rules(stacks), "alarms": read_alarms(stacks),
            "dashboards": read_dashboards(stacks)}
