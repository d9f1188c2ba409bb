"""MON-01..08 on snapshot fixtures: the healthy example passes; a failure class no enabled rule sends to
its topic, a topic unencrypted, on a foreign key or without subscribers, a publisher the topic or key
policy refuses, an alarm that notifies nobody, an RPO-breach or failure alarm with the wrong threshold,
window or route, and an alert rule that cannot dead-letter what it cannot deliver each fail, naming the
failure class, topic, rule, alarm or queue."""
from __future__ import annotations

from tests.controls.support import Case, family_tests, named, without_statement

PREFIX = "compact-retention-example-"
ALERTS = f"topic {PREFIX}alerts"
ALERTS_ARN = f"arn:aws:sns:us-east-1:111111111111:{PREFIX}alerts"
CRITICAL_ARN = f"arn:aws:sns:us-east-1:111111111111:{PREFIX}critical-alerts"
ALERT_KEY = "arn:aws:kms:us-east-1:111111111111:key/{{AlertKey.Ref}}"
UNDELIVERED = f"{PREFIX}undelivered-alerts"


def event_rule(name: str, **fields):
    return lambda snapshot: named(snapshot["event_rules"], PREFIX + name).update(fields)


def retarget(name: str, arn: str):
    def mutate(snapshot: dict) -> None:
        for target in named(snapshot["event_rules"], PREFIX + name)["targets"]:
            target["arn"] = arn
    return mutate


def dead_letter(name: str, arn: str | None):
    def mutate(snapshot: dict) -> None:
        for target in named(snapshot["event_rules"], PREFIX + name)["targets"]:
            target["dead_letter_arn"] = arn
    return mutate


def topic(name: str, **fields):
    return lambda snapshot: named(snapshot["topics"], PREFIX + name).update(fields)


def drop(section: str, name: str):
    def mutate(snapshot: dict) -> None:
        named(snapshot[section], PREFIX + name)  # it is there to drop
        snapshot[section] = [item for item in snapshot[section] if item["name"] != PREFIX + name]
    return mutate


def alert_key(snapshot: dict) -> dict:
    return next(k for k in snapshot["keys"] if k["arn"] == ALERT_KEY)


def key(arn_part: str, **fields):
    return lambda snapshot: next(k for k in snapshot["keys"] if arn_part in k["arn"]).update(fields)


def alarm(name: str, **fields):
    return lambda snapshot: named(snapshot["alarms"], PREFIX + name).update(fields)


def queue(name: str, **fields):
    return lambda snapshot: named(snapshot["queues"], PREFIX + name).update(fields)


def no_publisher_of_critical_alerts(snapshot: dict) -> None:
    for rule in snapshot["event_rules"]:
        rule["targets"] = [t for t in rule["targets"] if t["arn"] != CRITICAL_ARN]
    for each in snapshot["alarms"]:
        each["alarm_actions"] = [a for a in each["alarm_actions"] if a != CRITICAL_ARN]
        each["ok_actions"] = [a for a in each["ok_actions"] if a != CRITICAL_ARN]


def undelivered_queue(snapshot: dict) -> dict:
    return named(snapshot["queues"], UNDELIVERED)


CASES = {
    "MON-01": [
        Case("backup failures rule disabled", event_rule("backup-job-failures", state="DISABLED"),
             "backup job failed (backup-job-failed, general vault): no enabled rule sends it to the alerts topic "
             f"(rule {PREFIX}backup-job-failures matches but is DISABLED"),
        Case("copy failures sent elsewhere", retarget("copy-job-failures", "arn:aws:sns:us-east-1:111111111111:other"),
             "copy job failed (copy-job-failed, general vault): no enabled rule sends it to the alerts topic"),
        Case("plan changes rule on a custom bus", event_rule("vault-and-plan-changes", event_bus="custom"),
             "plan deleted (backup-plan-deleted): no enabled rule sends it to the alerts topic"),
        Case("invalid event pattern", event_rule("recovery-point-problems", event_pattern={"source": "aws.backup"}),
             f"rule {PREFIX}recovery-point-problems: invalid event pattern"),
        Case("alerts topic missing", drop("topics", "alerts"), f"alerts topic {ALERTS_ARN} not found in the static posture"),
    ],
    "MON-02": [
        Case("topic not encrypted", topic("alerts", kms_key=None), f"{ALERTS}: not encrypted"),
        Case("topic on the AWS-managed key", topic("critical-alerts", kms_key="alias/aws/sns"),
             f"topic {PREFIX}critical-alerts: encrypted with alias/aws/sns, not a customer-managed key of the snapshot"),
        Case("topic key does not rotate",
             key("AlertKey", rotation_enabled=False), f"{ALERTS}: key {ALERT_KEY} managed by CUSTOMER, rotation OFF"),
        Case("nobody subscribed", topic("alerts", subscriptions=[]), f"{ALERTS}: 0 subscriptions (none)"),
        Case("critical alerts topic missing", drop("topics", "critical-alerts"), f"critical alerts topic {CRITICAL_ARN} not found"),
    ],
    "MON-03": [
        Case("topic policy refuses the rules", without_statement(lambda s: named(s["topics"], PREFIX + "alerts"), "policy",
                                                                 "AllowRulesOfThisEnvironment"),
             f"rule {PREFIX}backup-job-failures (events.amazonaws.com) sns:Publish on {ALERTS}: DENIED"),
        Case("key policy refuses EventBridge", without_statement(alert_key, "policy", "AllowEventBridgeToEncryptAlerts"),
             f"rule {PREFIX}backup-job-failures (events.amazonaws.com) kms:GenerateDataKey on the key of {ALERTS}: DENIED"),
        Case("key policy refuses CloudWatch", without_statement(alert_key, "policy", "AllowCloudWatchAlarmsToEncryptAlerts"),
             "(cloudwatch.amazonaws.com) kms:Decrypt on the key of"),
        Case("topic key not in the snapshot", topic("alerts", kms_key="arn:aws:kms:us-east-1:111111111111:key/elsewhere"),
             f"{ALERTS}: its key arn:aws:kms:us-east-1:111111111111:key/elsewhere is not in the snapshot"),
        Case("nothing publishes to the critical topic", no_publisher_of_critical_alerts,
             f"topic {PREFIX}critical-alerts: 0 rules and alarms publish to it"),
    ],
    "MON-04": [
        Case("alarm actions disabled", alarm("backup-jobs-failed-general", actions_enabled=False),
             f"alarm {PREFIX}backup-jobs-failed-general: actions DISABLED"),
        Case("alarm notifies nobody", alarm("restore-validator-errors", alarm_actions=[]),
             f"alarm {PREFIX}restore-validator-errors: actions enabled, notifies no alert topic"),
        Case("no alarm of the environment", lambda s: s.update(alarms=[]), f"no alarm named {PREFIX}* in the static posture"),
    ],
    "MON-05": [
        Case("SSN restore rule disabled", event_rule("ssn-restore-jobs", state="DISABLED"),
             "restore from the SSN vault (restore-job-completed, SSN vault): no enabled rule sends it to the critical alerts topic"),
        Case("SSN policy changes sent to the ordinary topic", retarget("ssn-policy-changes", ALERTS_ARN),
             "SSN key policy changed (cloudtrail-put-key-policy, SSN vault): no enabled rule sends it to the critical alerts topic"),
        Case("critical alerts topic missing", drop("topics", "critical-alerts"),
             f"critical alerts topic {CRITICAL_ARN} not found in the static posture"),
    ],
    "MON-06": [
        Case("threshold below the protected resources", alarm("rpo-breach-general", threshold=5.0),
             f"alarm {PREFIX}rpo-breach-general: Sum over 104400 s x 1 LessThanThreshold 5 (the vault protects 7 resources"),
        Case("missing data not breaching", alarm("rpo-breach-ssn", treat_missing_data="notBreaching"),
             f"alarm {PREFIX}rpo-breach-ssn: Sum over 104400 s x 1 LessThanThreshold 1 (the vault protects 1 resources; "
             "window must be 24-32 h), missing data notBreaching"),
        Case("window of one hour", alarm("rpo-breach-general", period=3600), f"alarm {PREFIX}rpo-breach-general: Sum over 3600 s x 1"),
        Case("averaged", alarm("rpo-breach-general", statistic="Average"), f"alarm {PREFIX}rpo-breach-general: Average over 104400 s"),
        Case("SSN alarm not on the critical topic", alarm("rpo-breach-ssn", alarm_actions=[ALERTS_ARN]),
             "notifies the critical alerts topic: NO"),
        Case("alarm missing", drop("alarms", "rpo-breach-general"),
             "RPO-breach alarm of vault CompactConnectBackupVault: no alarm on AWS/Backup NumberOfBackupJobsCompleted"),
    ],
    "MON-07": [
        Case("alarm missing",
             drop("alarms", "copy-jobs-failed-ssn"), "NumberOfCopyJobsFailed of vault CompactConnectBackupVault-SSN: no alarm"),
        Case("fires on the fifth failure", alarm("backup-jobs-failed-general", threshold=5.0),
             f"alarm {PREFIX}backup-jobs-failed-general: Sum GreaterThanOrEqualToThreshold 5, notifies the alerts topic: yes"),
        Case("averaged", alarm("backup-jobs-expired-general", statistic="Average"),
             f"alarm {PREFIX}backup-jobs-expired-general: Average GreaterThanOrEqualToThreshold 1"),
        Case("SSN alarm not on the critical topic", alarm("recovery-points-partial-ssn", alarm_actions=[ALERTS_ARN]),
             f"alarm {PREFIX}recovery-points-partial-ssn: Sum GreaterThanOrEqualToThreshold 1, notifies the critical alerts topic: NO"),
    ],
    "MON-08": [
        Case("no dead-letter queue", dead_letter("backup-job-failures", None),
             f"rule {PREFIX}backup-job-failures: undeliverable events go to no dead-letter queue"),
        Case("queue refuses EventBridge", without_statement(undelivered_queue, "policy", "AllowTheAlertRulesToDeadLetter"),
             f"EventBridge sqs:SendMessage to dead-letter queue {UNDELIVERED}: DENIED"),
        Case("queue not encrypted", queue("undelivered-alerts", kms_key=None), f"dead-letter queue {UNDELIVERED} encrypted with nothing"),
        Case("queue key refuses EventBridge", without_statement(lambda s: next(k for k in s["keys"] if "UndeliveredAlertsKey" in k["arn"]),
                                                                "policy", "AllowEventBridgeToDeadLetter"),
             f"EventBridge kms:GenerateDataKey on the key of {UNDELIVERED}: DENIED"),
        Case("queue watched by no alarm", drop("alarms", "undelivered-alerts"),
             f"dead-letter queue {UNDELIVERED} watched by no alarm notifying an alert topic"),
        Case("no alert rule", lambda s: s.update(event_rules=[]), "no enabled rule sends to an alert topic in the static posture"),
    ],
}

test_healthy_passes, test_each_violation_fails = family_tests(CASES)
