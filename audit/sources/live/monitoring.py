"""The live source's monitoring sections: alert topics, EventBridge rules, CloudWatch alarms and dashboards
of the environment account, found by the name prefix every one of them carries
(``compact-retention-<env>-``), read into the records of ``records.monitoring`` (the static source's shape).

Calls: one listing per kind (ListTopics is filtered here, it has no prefix parameter; ListRules,
DescribeAlarms and ListDashboards filter by prefix), then per topic GetTopicAttributes and
ListSubscriptionsByTopic, per rule ListTargetsByRule, per dashboard GetDashboard. A refused call is an
``errors`` entry (``live_aws.Side``) and the fact it would have given is absent or None.
"""
from __future__ import annotations

from typing import Any

from audit.sources.live.aws import Side
from audit.sources.live.read import origin
from audit.sources.records.monitoring import alarm_record, dashboard_record, rule_record, subscription_record, topic_record

NOT_FOUND = ("NotFound", "ResourceNotFoundException", "ResourceNotFound")


def read_topics(side: Side, prefix: str) -> list[dict[str, Any]]:
    topics = []
    for listed in (side.items("sns", "ListTopics", "*", "Topics") or []):
        arn = listed["TopicArn"]
        name = arn.rsplit(":", 1)[-1]
        if not name.startswith(prefix):
            continue
        attributes = (side.get("sns", "GetTopicAttributes", arn, absent=NOT_FOUND, TopicArn=arn) or {}).get("Attributes") or {}
        subscriptions = [subscription_record(s.get("Protocol"), s.get("Endpoint"))
                         for s in (side.items("sns", "ListSubscriptionsByTopic", arn, "Subscriptions", TopicArn=arn) or [])]
        topics.append(topic_record(name=name, arn=arn, account_id=side.account_id, region=side.region,
                                   kms_key=attributes.get("KmsMasterKeyId"), policy=attributes.get("Policy"),
                                   subscriptions=subscriptions, origin=origin(side, "sns:GetTopicAttributes")))
    return topics


def read_event_rules(side: Side, prefix: str) -> list[dict[str, Any]]:
    rules = []
    for listed in (side.items("events", "ListRules", "*", "Rules", NamePrefix=prefix) or []):
        bus = listed.get("EventBusName") or "default"
        targets = side.items("events", "ListTargetsByRule", listed["Arn"], "Targets", Rule=listed["Name"], EventBusName=bus) or []
        rules.append(rule_record(listed, targets, arn=listed["Arn"], account_id=side.account_id, region=side.region,
                                 origin=origin(side, "events:ListRules")))
    return rules


def read_alarms(side: Side, prefix: str) -> list[dict[str, Any]]:
    return [alarm_record(alarm, account_id=side.account_id, region=side.region, origin=origin(side, "cloudwatch:DescribeAlarms"))
            for alarm in (side.items("cloudwatch", "DescribeAlarms", "*", "MetricAlarms", AlarmNamePrefix=prefix) or [])]


def read_dashboards(side: Side, prefix: str) -> list[dict[str, Any]]:
    dashboards = []
    for listed in (side.items("cloudwatch", "ListDashboards", "*", "DashboardEntries", DashboardNamePrefix=prefix) or []):
        name = listed["DashboardName"]
        got = side.get("cloudwatch", "GetDashboard", name, absent=NOT_FOUND, DashboardName=name)
        if got is not None:
            dashboards.append(dashboard_record(name, got.get("DashboardBody"), origin(side, "cloudwatch:GetDashboard")))
    return dashboards


def read_monitoring(side: Side, prefix: str) -> dict[str, list[dict[str, Any]]]:
    return {"topics": read_topics(side, prefix), "event_rules": read_event_rules(side, prefix),
            "alarms": read_alarms(side, prefix), "dashboards": read_dashboards(side, prefix)}
