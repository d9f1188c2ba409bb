"""cloudformation/monitoring.yaml as the deployer resolves it for every bundled environment: the alert key
and topic policies decided by the policy evaluator, names under the environment's prefix, subscriptions
and RPO thresholds taken from the configuration, never typed."""
from __future__ import annotations

import pytest

from audit import deployment
from audit.controls.access import Principal
from audit.policy import Request, evaluate

EVENTS, CLOUDWATCH = "events.amazonaws.com", "cloudwatch.amazonaws.com"


def monitoring(env):
    return env.stacks["monitoring"].template


def key_policy(env):
    return monitoring(env).resources["AlertKey"]["Properties"]["KeyPolicy"]


def topic_policy(env):
    return monitoring(env).resources["AlertTopicsPolicy"]["Properties"]["PolicyDocument"]


def decide_service(service, action, resource, account, policy, kind, **context):
    return evaluate(Request(service, action, resource, context, resource_account=account), resource_policy=policy,
                    resource_policy_type=kind)


@pytest.mark.template_fact(
    "deployment order: the monitoring stack needs the infrastructure outputs and the exporter needs "
    "the alert topic")
def test_the_stack_is_planned_after_the_infrastructure_and_before_the_exporter(env):
    keys = [spec.key for spec in deployment.stack_plan(env.cfg)]
    assert keys.index("backup-infrastructure") < keys.index("monitoring") < keys.index("cognito-exporter")
    assert monitoring(env).outputs["AlertTopicArn"].endswith(f"compact-retention-{env.cfg['environment']}-alerts")


@pytest.mark.template_fact("two environments in one account must not collide; no control reads resource names")
def test_every_monitoring_resource_is_named_with_the_environment_prefix(env):
    prefix = f"compact-retention-{env.cfg['environment']}-"
    names = {"AWS::SNS::Topic": "TopicName", "AWS::Events::Rule": "Name", "AWS::CloudWatch::Alarm": "AlarmName",
             "AWS::CloudWatch::Dashboard": "DashboardName", "AWS::SQS::Queue": "QueueName"}
    found = [(t, r["Properties"][prop]) for t, prop in names.items() for r in env.resources("monitoring", t).values()]
    assert len(found) == 2 + 7 + 11 + 1 + 1  # topics, rules, alarms (one on undelivered alerts), dashboard, queue
    assert all(name.startswith(prefix) for _, name in found)


@pytest.mark.parametrize("service", [EVENTS, CLOUDWATCH])
@pytest.mark.parametrize("action", ["kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt"])
@pytest.mark.backs("MON-03")
def test_the_alert_key_lets_both_publishers_encrypt(example, service, action):
    account, region = example.account("environment"), example.region("environment")
    alarm = f"arn:aws:cloudwatch:{region}:{account}:alarm:compact-retention-example-rpo-breach-ssn"
    context = {"aws:SourceAccount": account, "aws:SourceArn": alarm} if service == CLOUDWATCH else {}
    key = f"arn:aws:kms:{region}:{account}:key/alert"
    assert decide_service(service, action, key, account, key_policy(example), "kms_key", **context).allowed


@pytest.mark.template_fact(
    "confused deputy: the alert key refuses other accounts' alarms and other services; MON-03 checks "
    "only that ours may publish")
def test_the_alert_key_refuses_cloudwatch_for_alarms_of_other_accounts_and_other_services(example):
    account, region = example.account("environment"), example.region("environment")
    key = f"arn:aws:kms:{region}:{account}:key/alert"
    other = {"aws:SourceAccount": "999999999999", "aws:SourceArn": f"arn:aws:cloudwatch:{region}:999999999999:alarm:x"}
    assert not decide_service(CLOUDWATCH, "kms:Decrypt", key, account, key_policy(example), "kms_key", **other).allowed
    assert not decide_service("s3.amazonaws.com", "kms:Decrypt", key, account, key_policy(example), "kms_key").allowed


@pytest.mark.backs("MON-03")
def test_the_topic_policy_admits_only_this_environments_rules_and_alarms_over_tls(example):
    account, region = example.account("environment"), example.region("environment")
    topic = f"arn:aws:sns:{region}:{account}:compact-retention-example-critical-alerts"
    rule = f"arn:aws:events:{region}:{account}:rule/compact-retention-example-ssn-restore-jobs"

    def publish(service, source_arn, source_account=account, tls=True):
        return decide_service(service, "sns:Publish", topic, account, topic_policy(example), "resource",
                              **{"aws:SourceAccount": source_account, "aws:SourceArn": source_arn, "aws:SecureTransport": tls})

    assert publish(EVENTS, rule).allowed
    assert publish(CLOUDWATCH, f"arn:aws:cloudwatch:{region}:{account}:alarm:compact-retention-example-rpo-breach-ssn").allowed
    assert not publish(EVENTS, f"arn:aws:events:{region}:{account}:rule/someone-elses-rule").allowed
    assert not publish(EVENTS, rule.replace(account, "999999999999"), source_account="999999999999").allowed
    assert publish(EVENTS, rule, tls=False).kind == "ExplicitDeny"
    admin = Principal("admin", f"arn:aws:iam::{account}:role/Administrator", [])
    assert not evaluate(Request(admin.arn, "sns:Publish", topic, {}, resource_account=account),
                        resource_policy=topic_policy(example)).allowed  # no identity policy: the topic grants nothing


@pytest.mark.backs("MON-02")
def test_subscriptions_come_from_the_configuration(env):
    resources = env.resources("monitoring", "AWS::SNS::Subscription").values()
    got = sorted((r["Properties"]["TopicArn"].rsplit(":", 1)[-1], r["Properties"]["Protocol"], r["Properties"]["Endpoint"])
                 for r in resources)
    prefix = f"compact-retention-{env.cfg['environment']}-"
    expected = sorted((prefix + ("alerts" if topic == "alerts" else "critical-alerts"), protocol, endpoint)
                      for topic, subscriptions in env.cfg["monitoring"].items()
                      for protocol, endpoints in subscriptions.items() for endpoint in endpoints)
    assert got == expected and got


@pytest.mark.backs("MON-06")
def test_rpo_thresholds_are_counted_from_the_inventory(env):
    counts = {"general": 0, "ssn": 0}
    for resource in env.posture.protected():
        counts["ssn" if resource["category"] in env.posture.env["dedicated_categories"] else "general"] += 1
    alarms = env.resources("monitoring", "AWS::CloudWatch::Alarm")
    assert alarms["GeneralRPOBreachAlarm"]["Properties"]["Threshold"] == counts["general"]
    assert alarms["SSNRPOBreachAlarm"]["Properties"]["Threshold"] == counts["ssn"] == 1
    slack = max(p["start_window_minutes"] + p["completion_window_minutes"] for p in env.cfg["backup_policies"].values())
    assert alarms["SSNRPOBreachAlarm"]["Properties"]["Period"] == env.cfg["rpo_hours"] * 3600 + slack * 60


@pytest.mark.template_fact(
    "CloudWatch refuses an alarm whose range exceeds 7 days: a larger rpo_hours would fail the "
    "deployment")
def test_the_rpo_window_is_capped_at_cloudwatchs_seven_days(example):
    cfg = {**example.cfg, "rpo_hours": 168}
    assert deployment.rpo_window_seconds(cfg) == 604800


@pytest.mark.template_fact(
    "a subscriber removed from the configuration must stop receiving alerts on the next deployment")
def test_unused_subscription_slots_are_passed_empty_so_a_removed_subscriber_goes_away(example):
    spec = deployment.find_stack(deployment.stack_plan(example.cfg), "monitoring")
    assert spec.parameters["AlertEmail1"] == "backup-alerts@example.org"
    assert spec.parameters["AlertEmail2"] == spec.parameters["AlertHttps1"] == ""
    assert "AlertEmailSubscription2" not in monitoring(example).resources
