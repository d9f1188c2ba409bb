"""AWS::CloudWatch::Alarm (put_metric_alarm) and AWS::CloudTrail::Trail (create_trail + start_logging)."""
from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from sandbox.cloudformation.types.base import PutAgainOnUpdate, ReplacedOnUpdate, SandboxType


def _cloudwatch(account_id: str, region_name: str) -> Any:
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[account_id][region_name]


class CloudWatchAlarmResource(PutAgainOnUpdate, SandboxType, CloudFormationModel):
    _ref, _name_property, _attributes = "name", "AlarmName", ("Arn",)

    _fields = ("name",)
    _type = "AWS::CloudWatch::Alarm"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return _cloudwatch(self.account_id, self.region_name).alarms[self.name].alarm_arn

    @staticmethod
    def _metric_queries(metrics: list[dict[str, Any]] | None) -> list[Any] | None:
        if not metrics:
            return None
        from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat

        queries = []
        for metric in metrics:
            stat = metric.get("MetricStat")
            metric_stat = None
            if stat:
                inner = stat.get("Metric", {})
                metric_stat = MetricStat(
                    metric=Metric(metric_name=inner.get("MetricName"), namespace=inner.get("Namespace"),
                                  dimensions=[Dimension(name=d["Name"], value=d["Value"])
                                              for d in inner.get("Dimensions", [])]),
                    period=stat.get("Period"), stat=stat.get("Stat"), unit=stat.get("Unit"))
            queries.append(MetricDataQuery(query_id=metric.get("Id"), label=metric.get("Label"),
                                           period=metric.get("Period"), return_data=metric.get("ReturnData"),
                                           expression=metric.get("Expression"), metric_stat=metric_stat))
        return queries

    @classmethod
    def _put(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> None:
        def number(key: str) -> Any:
            value = props.get(key)
            return None if value is None else float(value) if key == "Threshold" else int(value)

        _cloudwatch(account_id, region_name).put_metric_alarm(
            name=name, namespace=props.get("Namespace"), metric_name=props.get("MetricName"),
            comparison_operator=props.get("ComparisonOperator"),
            evaluation_periods=number("EvaluationPeriods"), period=number("Period"),
            threshold=number("Threshold"), statistic=props.get("Statistic"),
            description=props.get("AlarmDescription"), dimensions=props.get("Dimensions") or [],
            alarm_actions=props.get("AlarmActions") or [],
            metric_data_queries=cls._metric_queries(props.get("Metrics")),
            datapoints_to_alarm=number("DatapointsToAlarm"), extended_statistic=props.get("ExtendedStatistic"),
            ok_actions=props.get("OKActions") or [],
            insufficient_data_actions=props.get("InsufficientDataActions") or [],
            unit=props.get("Unit"),
            actions_enabled=str(props.get("ActionsEnabled", True)).lower() != "false",
            treat_missing_data=props.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=props.get("EvaluateLowSampleCountPercentile"),
            threshold_metric_id=props.get("ThresholdMetricId"), tags=props.get("Tags") or [])

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> CloudWatchAlarmResource:
        name = props.get("AlarmName") or resource_name
        cls._put(name, props, account_id, region_name)
        return cls(account_id, region_name, name)

    @staticmethod
    def _delete_id(account_id: str, region_name: str, name: str) -> None:
        _cloudwatch(account_id, region_name).delete_alarms([name])


def _cloudtrail(account_id: str, region_name: str) -> Any:
    from moto.cloudtrail.models import cloudtrail_backends

    return cloudtrail_backends[account_id][region_name]


class CloudTrailTrailResource(ReplacedOnUpdate, SandboxType, CloudFormationModel):
    _ref, _name_property, _attributes = "name", "TrailName", ("Arn", "SnsTopicArn")

    _fields = ("name",)
    _type = "AWS::CloudTrail::Trail"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        trail = _cloudtrail(self.account_id, self.region_name).get_trail(self.name)
        return trail.arn if attribute_name == "Arn" else getattr(trail, "topic_arn", None)

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> CloudTrailTrailResource:
        name = props.get("TrailName") or resource_name

        def flag(key: str, default: bool) -> bool:
            return str(props.get(key, default)).lower() == "true"

        backend = _cloudtrail(account_id, region_name)
        backend.create_trail(
            name=name, bucket_name=props.get("S3BucketName"), s3_key_prefix=props.get("S3KeyPrefix"),
            sns_topic_name=props.get("SnsTopicName"), is_global=flag("IncludeGlobalServiceEvents", True),
            is_multi_region=flag("IsMultiRegionTrail", False), log_validation=flag("EnableLogFileValidation", False),
            is_org_trail=flag("IsOrganizationTrail", False), cw_log_group_arn=props.get("CloudWatchLogsLogGroupArn"),
            cw_role_arn=props.get("CloudWatchLogsRoleArn"), kms_key_id=props.get("KMSKeyId"),
            tags_list=props.get("Tags") or [])
        if props.get("EventSelectors") or props.get("AdvancedEventSelectors"):
            backend.get_trail(name).put_event_selectors(props.get("EventSelectors") or [],
                                                        props.get("AdvancedEventSelectors") or [])
        if flag("IsLogging", True):
            backend.start_logging(name)
        return cls(account_id, region_name, name)

    @staticmethod
    def _delete_id(account_id: str, region_name: str, name: str) -> None:
        _cloudtrail(account_id, region_name).delete_trail(name)
