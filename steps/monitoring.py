"""Steps of the monitoring feature: each binds one control of ``audit.controls.monitoring``."""
from __future__ import annotations

from pytest_bdd import parsers, then

from audit.controls import monitoring
from steps.common import rows


@then(parsers.re(r"each failure class below reaches the (?P<topic>alerts|critical alerts) topic through an enabled "
                 r"EventBridge rule"))
def failure_classes_reach_topic(posture, record, topic, datatable):
    record(monitoring.failure_classes_reach_topic(posture, rows(datatable), topic))


@then("every alert topic is encrypted with a customer-managed key that rotates and has at least one subscriber")
def topics_encrypted(posture, record):
    record(monitoring.alert_topics_encrypted_and_subscribed(posture))


@then("every rule and alarm that targets an alert topic may publish to it, by the topic policy and by the key policy")
def sources_can_publish(posture, record):
    record(monitoring.sources_can_publish(posture))


@then("every alarm of the environment has its actions enabled and notifies an alert topic")
def alarms_notify(posture, record):
    record(monitoring.alarms_notify_alert_topics(posture))


@then(parsers.parse("each local vault has an alarm that fires when it completes fewer backup jobs within {rpo:d} hours "
                    "plus at most {grace:d} hours of grace than it protects resources"))
def rpo_breach_alarms(posture, record, rpo, grace):
    record(monitoring.rpo_breach_alarms(posture, rpo, grace))


@then("each local vault has an alarm on each metric below that fires on its first occurrence")
def failure_alarms(posture, record, datatable):
    record(monitoring.failure_alarms_per_vault(posture, [row["metric"] for row in rows(datatable)]))


@then("every alert rule target dead-letters undeliverable events to a queue EventBridge can write to, watched by an alarm")
def undelivered_alerts(posture, record):
    record(monitoring.undelivered_alerts_kept(posture))
