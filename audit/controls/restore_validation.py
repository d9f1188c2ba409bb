"""RES-05: restore validation is wired, and its failures are heard (features/restore.feature).

A restore test proves little unless something looks at the restored resource and says whether it is right
(AWS Backup records ``ValidationStatus`` only when told, through ``PutRestoreValidationResult``), and unless
a failed restore, a failed validation or a missing one reaches someone. Checked as the monitoring controls
check alerts, never by names alone:

- AWS's documented sample "Restore Job State Change" COMPLETED event (``audit.events.sample_event``), placed
  in the environment account and primary region about the general vault, is matched
  (``audit.events.mismatch``) by an enabled rule of the default bus whose target is the validation function
  (``compact-retention-<env>-restore-validator``) and dead-letters what it cannot deliver into a queue
  EventBridge may write to (``monitoring.dead_letter_checks``: queue policy and key, decided);
- alarms notify an alert topic (enabled actions; ``monitoring.alert_topics``): failed restore jobs
  (``AWS/Backup NumberOfRestoreJobsFailed``), failed validations (``CompactRetention/RestoreValidation
  ValidationFailed``), errors of the function (``AWS/Lambda Errors``), messages in its dead-letter queue,
  and, per tested category, no SUCCESSFUL validation (``ValidationSucceeded`` by ``Category``, below
  threshold, missing data breaching: a plan that stopped running emits nothing, and nothing must not
  look healthy).
Validation facts: https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html.
"""
from __future__ import annotations

from typing import Any, cast

from audit.controls import Outcome
from audit.controls.monitoring import alarms_on, alert_topics, dead_letter_checks, placed_event, prefix, rule_enabled, rules_here
from audit.controls.registry import control
from audit.controls.restore_testing import tested_resources
from audit.events import EventPatternError, mismatch
from audit.snapshot import Posture

NAMESPACE = "CompactRetention/RestoreValidation"
SAMPLE = "restore-job-completed"


def validator_name(posture: Posture) -> str:
    return f"{prefix(posture)}restore-validator"


def _alarms(posture: Posture, namespace: str, metric: str) -> list[dict[str, Any]]:
    """Alarms on ``metric`` that are enabled and notify an alert topic (any dimensions)."""
    topics = {t["arn"] for t in alert_topics(posture)}
    return [a for a in posture.data.get("alarms", []) if a["namespace"] == namespace and a["metric_name"] == metric
            and a["actions_enabled"] is not False and set(a["alarm_actions"] or []) & topics]


def _fires_on_first(alarm: dict[str, Any]) -> bool:
    threshold = alarm["threshold"] or 0
    return (alarm["comparison"] == "GreaterThanOrEqualToThreshold" and threshold <= 1) or \
        (alarm["comparison"] == "GreaterThanThreshold" and threshold < 1)


def _named(alarms: list[dict[str, Any]]) -> str:
    return ", ".join(a["name"] for a in alarms) or "none"


@control("RES-05", "restore validation is triggered by every completed restore and its failures and absence alarm "
         "to the alert topics",
         severity="medium",
         fix="route Restore Job State Change COMPLETED events of aws.backup with an enabled rule to the restore "
             "validation function (with a dead-letter queue EventBridge can write to), and alarm to the alert "
             "topic on failed restore jobs, failed validations, function errors, dead letters and, per tested "
             "category, on no SUCCESSFUL validation (TreatMissingData breaching)")
def validation_wired(posture: Posture) -> Outcome:
    outcome = Outcome()
    function = next((f for f in posture.data.get("functions") or [] if f["name"] == validator_name(posture)), None)
    label = f"validation function {validator_name(posture)}"
    outcome.subject(label)
    if function is None:
        outcome.check(False, f"{label}: not found in the {posture.mode} posture")
    _rule_checks(posture, outcome, function)
    _alarm_checks(posture, outcome, function)
    return outcome


def _rule_checks(posture: Posture, outcome: Outcome, function: dict[str, Any] | None) -> None:
    event = placed_event(posture, SAMPLE, "general")
    label = "Restore Job State Change COMPLETED"
    outcome.subject(label)
    wired, near = [], []
    for rule in rules_here(posture):
        if not rule.get("event_pattern"):
            continue
        try:
            why = mismatch(rule["event_pattern"], event)
        except EventPatternError as exc:
            outcome.check(False, f"rule {rule['name']}: invalid event pattern: {exc}", origin=rule.get("origin"))
            continue
        targets = [t for t in rule["targets"] if function is not None and t["arn"] == function["arn"]]
        if why is None and targets and rule_enabled(rule):
            wired.append((rule, targets[0]))
        elif why is None and targets:
            near.append(f"rule {rule['name']} matches but is {rule['state']}")
        elif targets:
            near.append(f"rule {rule['name']}: {why}")
    if not wired:
        outcome.check(False, f"{label}: no enabled rule of the default bus sends it to the validation function"
                      + (f" ({'; '.join(near)})" if near else ""))
        return
    for rule, target in wired:
        outcome.check(True, f"{label}: matched by rule {rule['name']}, which targets {target['arn']}", origin=rule.get("origin"))
        dead_letter_checks(posture, outcome, f"rule {rule['name']}", rule, target.get("dead_letter_arn"))


def _alarm_checks(posture: Posture, outcome: Outcome, function: dict[str, Any] | None) -> None:
    for what, namespace, metric in (("failed restore jobs", "AWS/Backup", "NumberOfRestoreJobsFailed"),
                                    ("failed validations", NAMESPACE, "ValidationFailed")):
        label = f"alarm on {what}"
        outcome.subject(label)
        alarms = [a for a in _alarms(posture, namespace, metric) if a["statistic"] == "Sum" and _fires_on_first(a)]
        outcome.check(bool(alarms), f"{label} ({namespace} {metric}, Sum, on the first one) notifying an alert topic: "
                      f"{_named(alarms)}")
    if function is not None:
        errors = alarms_on(posture, "AWS/Lambda", "Errors", "FunctionName", function["name"])
        outcome.subject("alarm on validation function errors")
        outcome.check(bool(errors), f"alarm on Errors of {function['name']} notifying an alert topic: {_named(errors)}",
                      origin=function.get("origin"))
        queue = posture.queue_by_arn(function.get("dead_letter_arn")) or next(
            (posture.queue_by_arn(t.get("dead_letter_arn")) for r in rules_here(posture) for t in r["targets"]
             if t["arn"] == function["arn"] and posture.queue_by_arn(t.get("dead_letter_arn"))), None)
        outcome.subject("alarm on validation dead letters")
        if queue is None:
            outcome.check(False, f"validation function {function['name']}: no dead-letter queue of the posture")
        else:
            watched = alarms_on(posture, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue["name"])
            outcome.check(bool(watched), f"dead-letter queue {queue['name']} watched by {_named(watched)}",
                          origin=queue.get("origin"))
    # a text by construction: the configuration is validated before a posture is built from it, and every protected
    # resource names its category there (audit/config/validate.py, _category_problems)
    for category in sorted({cast(str, r.get("category")) for r in tested_resources(posture)}):
        label = f"alarm on no successful validation of {category}"
        outcome.subject(label)
        alarms = alarms_on(posture, NAMESPACE, "ValidationSucceeded", "Category", category)
        if not alarms:
            outcome.check(False, f"{label}: no alarm on {NAMESPACE} ValidationSucceeded with Category {category} notifying "
                          "an alert topic")
        for alarm in alarms:
            ok = alarm["comparison"] in ("LessThanThreshold", "LessThanOrEqualToThreshold") and \
                (alarm["threshold"] or 0) >= (1 if alarm["comparison"] == "LessThanThreshold" else 0) and \
                alarm["treat_missing_data"] == "breaching"
            outcome.check(ok, f"alarm {alarm['name']}: {alarm['statistic']} {alarm['comparison']} {alarm['threshold']:g}, "
                          f"missing data {alarm['treat_missing_data']} (must be breaching)", origin=alarm.get("origin"))
