"""AWS::SNS::TopicPolicy, AWS::SNS::Subscription (confirmed at once, no message) and AWS::SQS::QueuePolicy."""
from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from sandbox.cloudformation.types.base import PolicyOfResources, ReplacedOnUpdate, SandboxType


def _sns(account_id: str, region_name: str) -> Any:
    from moto.sns.models import sns_backends

    return sns_backends[account_id][region_name]


class SNSTopicPolicyResource(PolicyOfResources, CloudFormationModel):
    _targets_property = "Topics"

    _type = "AWS::SNS::TopicPolicy"

    @classmethod
    def _set(cls, account_id: str, region_name: str, targets: list[str], policy: str | None) -> None:
        backend = _sns(account_id, region_name)
        for arn in targets:
            if policy is not None:
                backend.set_topic_attribute(arn, "policy", policy)
                continue
            topic = backend.topics.get(arn)
            if topic is not None:  # back to the default policy, as AWS does when the TopicPolicy goes
                topic._policy_json = topic._create_default_topic_policy(region_name, account_id, topic.name)


class SNSSubscriptionResource(ReplacedOnUpdate, SandboxType, CloudFormationModel):
    """AWS::SNS::Subscription: subscribe (moto confirms it at once, without a confirmation message);
    Ref = subscription ARN."""

    _ref, _attributes = "arn", ("Arn",)

    _fields = ("arn",)
    _type = "AWS::SNS::Subscription"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.arn

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> SNSSubscriptionResource:
        subscription = _sns(account_id, region_name).subscribe(props["TopicArn"], props["Endpoint"], props["Protocol"])
        return cls(account_id, region_name, subscription.arn)

    @staticmethod
    def _delete_id(account_id: str, region_name: str, arn: str) -> None:
        _sns(account_id, region_name).unsubscribe(arn)


class SQSQueuePolicyResource(PolicyOfResources, CloudFormationModel):
    """AWS::SQS::QueuePolicy: the queues' Policy attribute (set_queue_attributes); Ref = a generated id."""

    _targets_property = "Queues"

    _type = "AWS::SQS::QueuePolicy"

    @classmethod
    def _set(cls, account_id: str, region_name: str, targets: list[str], policy: str | None) -> None:
        from moto.sqs.models import sqs_backends

        backend = sqs_backends[account_id][region_name]
        for url in targets:
            backend.set_queue_attributes(url.rstrip("/").rsplit("/", 1)[-1], {"Policy": "" if policy is None else policy})
