"""Monitoring: every AWS Backup failure reaches an alert topic, and the topics can really be published to.

The real project this design comes from shipped alarms whose notifications never arrived: the topic was
encrypted with a key whose policy did not let EventBridge use it, so SNS dropped every message. Hence
nothing here is checked by reading names: each documented failure event (AWS's sample events,
``audit.events.sample_event``) is placed into the environment and matched against the deployed rules'
patterns (``audit.events``), and each publisher of a topic is decided by the policy evaluator on the topic
policy AND the topic's key policy (``audit.controls.access``).

Modelling choices: AWS service events reach the default bus of the account and region where they happen,
so only enabled rules of the default bus in the environment account and primary region count. When SNS
asks KMS on behalf of EventBridge the request carries no ``aws:SourceAccount``/``aws:SourceArn``
(docs/monitoring.md), so a key statement conditioned on them denies EventBridge; CloudWatch's request
carries both, with the alarm's ARN.
"""
from __future__ import annotations

import copy
from typing import Any

from audit.arns import backup_vault_arn
from audit.controls import Outcome
from audit.controls.access import Principal, Target, decide
from audit.controls.registry import control
from audit.events import EventPatternError, mismatch, sample_event
from audit.snapshot import Posture

EVENTS, CLOUDWATCH = "events.amazonaws.com", "cloudwatch.amazonaws.com"
TOPIC_SUFFIXES = {"alerts": "alerts", "critical alerts": "critical-alerts"}
KMS_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


# names -----------------------------------------------------------------------------------------------
def prefix(posture: Posture) -> str:
    """Every monitoring resource of the environment is named with this prefix."""
    return f"compact-retention-{posture.env['name']}-"


def topic_arn(posture: Posture, label: str) -> str:
    """The ARN of the ``alerts`` or ``critical alerts`` topic of the environment."""
    if label not in TOPIC_SUFFIXES:
        raise ValueError(f"unknown alert topic {label!r} (known: {', '.join(TOPIC_SUFFIXES)})")
    return f"arn:aws:sns:{posture.region('environment')}:{posture.account('environment')}:{prefix(posture)}{TOPIC_SUFFIXES[label]}"


def alert_topics(posture: Posture) -> list[dict[str, Any]]:
    wanted = {topic_arn(posture, label) for label in TOPIC_SUFFIXES}
    return [t for t in posture.data.get("topics", []) if t["arn"] in wanted]


def _expect_topics(posture: Posture, outcome: Outcome) -> None:
    for label in TOPIC_SUFFIXES:
        if posture.topic_by_arn(topic_arn(posture, label)) is None:
            outcome.subject(f"{label} topic")
            outcome.check(False, f"{label} topic {topic_arn(posture, label)} not found in the {posture.mode} posture")


def alarm_arn(alarm: dict[str, Any]) -> str:
    return f"arn:aws:cloudwatch:{alarm['region']}:{alarm['account_id']}:alarm:{alarm['name']}"


def rule_enabled(rule: dict[str, Any]) -> bool:
    return str(rule.get("state") or "").upper().startswith("ENABLED")


# events ----------------------------------------------------------------------------------------------
def placed_event(posture: Posture, sample: str, vault_kind: str | None) -> dict[str, Any]:
    """AWS's sample event ``sample`` as it would happen in the environment account and primary region, about
    the local vault of ``vault_kind`` ("general", "SSN", or None for events of no vault) and, for key
    events, that vault's key. Every other field stays as AWS documents it."""
    event = copy.deepcopy(sample_event(sample))
    account, region = posture.account("environment"), posture.region("environment")
    event["account"], event["region"] = account, region
    if not vault_kind:
        return event
    kind = vault_kind.lower()
    name = posture.env["vault_names"][kind]
    arn = backup_vault_arn(region, account, name)
    detail = event.setdefault("detail", {})
    for key in ("backupVaultName",):
        if key in detail:
            detail[key] = name
    for key in ("backupVaultArn", "sourceBackupVaultArn"):
        if key in detail:
            detail[key] = arn
    event["resources"] = [arn if ":backup-vault:" in r else r for r in event.get("resources", [])]
    parameters = detail.get("requestParameters")
    if isinstance(parameters, dict):
        if "backupVaultName" in parameters:
            parameters["backupVaultName"] = name
        if "keyId" in parameters:
            vaults = posture.vaults(side="environment", kind=kind)
            key_arn = vaults[0]["encryption_key_arn"] if vaults else f"arn:aws:kms:{region}:{account}:key/unknown"
            parameters["keyId"] = key_arn
            for resource in detail.get("resources", []):
                resource["ARN"], resource["accountId"] = key_arn, account
    return event


def rules_here(posture: Posture) -> list[dict[str, Any]]:
    """Rules that receive the environment's AWS service events: default bus, environment account, primary region."""
    return [r for r in posture.data.get("event_rules", []) if r["event_bus"] == "default"
            and r["account_id"] == posture.account("environment") and r["region"] == posture.region("environment")]


@control("MON-01", "each failure class below reaches the (?P<topic_label>alerts) topic through an enabled "
         "EventBridge rule",
         severity="medium",
         fix="add or fix an enabled EventBridge rule on the default bus whose pattern matches the event and whose "
             "target is the alerts topic")
@control("MON-05", "each failure class below reaches the (?P<topic_label>critical alerts) topic through an enabled "
         "EventBridge rule",
         severity="medium",
         fix="add or fix an enabled EventBridge rule on the default bus whose pattern matches the event and whose "
             "target is the critical alerts topic")
def failure_classes_reach_topic(posture: Posture, table: list[dict[str, str]], topic_label: str) -> Outcome:
    """Each row (failure class, sample event, vault) is matched by an enabled rule targeting the topic."""
    outcome = Outcome()
    wanted = topic_arn(posture, topic_label)
    if posture.topic_by_arn(wanted) is None:
        outcome.subject(f"{topic_label} topic")
        outcome.check(False, f"{topic_label} topic {wanted} not found in the {posture.mode} posture")
    rules = rules_here(posture)
    for row in table:
        vault = row.get("vault") if row.get("vault") not in (None, "", "-") else None
        label = f"{row['failure class']} ({row['sample event']}{', ' + vault + ' vault' if vault else ''})"
        outcome.subject(label)
        event = placed_event(posture, row["sample event"], vault)
        reaching, near = [], []
        for rule in rules:
            if not rule.get("event_pattern"):
                continue
            try:
                why = mismatch(rule["event_pattern"], event)
            except EventPatternError as exc:
                outcome.check(False, f"rule {rule['name']}: invalid event pattern: {exc}", origin=rule.get("origin"))
                continue
            targets = {t["arn"] for t in rule["targets"]}
            if why is None and wanted in targets and rule_enabled(rule):
                reaching.append(rule["name"])
            elif why is None and wanted in targets:
                near.append(f"rule {rule['name']} matches but is {rule['state']}")
            elif why is None:
                near.append(f"rule {rule['name']} matches but targets {', '.join(sorted(targets)) or 'nothing'}")
            elif wanted in targets:
                near.append(f"rule {rule['name']}: {why}")
        if reaching:
            outcome.check(True, f"{label}: matched by {', '.join(reaching)}, which targets the {topic_label} topic")
        else:
            outcome.check(False, f"{label}: no enabled rule sends it to the {topic_label} topic"
                          + (f" ({'; '.join(near)})" if near else f" ({len(rules)} rules on the default bus)"))
    return outcome


# topics ----------------------------------------------------------------------------------------------
@control("MON-02", "every alert topic is encrypted with a customer-managed key that rotates and has at least one "
         "subscriber",
         severity="medium",
         fix="encrypt the alert topics with a customer-managed KMS key that rotates (KmsMasterKeyId) and subscribe "
             "someone (config: monitoring)")
def alert_topics_encrypted_and_subscribed(posture: Posture) -> Outcome:
    outcome = Outcome()
    _expect_topics(posture, outcome)
    for topic in alert_topics(posture):
        label = f"topic {topic['name']}"
        outcome.subject(label)
        key = posture.key_by_ref(topic["kms_key"])
        if not topic["kms_key"]:
            outcome.check(False, f"{label}: not encrypted", origin=topic.get("origin"))
        elif key is None:
            outcome.check(False, f"{label}: encrypted with {topic['kms_key']}, not a customer-managed key of the snapshot "
                          "(an AWS-managed key's policy cannot let EventBridge or CloudWatch use it)", origin=topic.get("origin"))
        else:
            outcome.check(key["manager"] == "CUSTOMER" and key["rotation_enabled"] is True,
                          f"{label}: key {key['arn']} managed by {key['manager']}, rotation "
                          f"{'on' if key['rotation_enabled'] else 'OFF'}", origin=key.get("origin"))
        protocols = sorted({s["protocol"] for s in topic["subscriptions"]})
        outcome.check(bool(topic["subscriptions"]), f"{label}: {len(topic['subscriptions'])} subscriptions "
                      f"({', '.join(protocols) or 'none'})", origin=topic.get("origin"))
    return outcome


def _publishers(posture: Posture, topic: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, service principal, source ARN) of every rule and alarm that sends to ``topic``."""
    found = [(f"rule {r['name']}", EVENTS, r["arn"]) for r in posture.data.get("event_rules", [])
             if any(t["arn"] == topic["arn"] for t in r["targets"])]
    found += [(f"alarm {a['name']}", CLOUDWATCH, alarm_arn(a)) for a in posture.data.get("alarms", [])
              if topic["arn"] in a["alarm_actions"] or topic["arn"] in a["ok_actions"]]
    return found


@control("MON-03", "every rule and alarm that targets an alert topic may publish to it, by the topic policy and by "
         "the key policy",
         severity="medium",
         fix="allow sns:Publish to events.amazonaws.com / cloudwatch.amazonaws.com in the topic policy and "
             "kms:GenerateDataKey* + kms:Decrypt to them in the topic key's policy (no source conditions on the "
             "EventBridge key statement: its request carries none)")
def sources_can_publish(posture: Posture) -> Outcome:
    """The topic policy lets every rule and alarm targeting the topic publish, and the topic's key policy
    lets their service use the key (kms:GenerateDataKey* and kms:Decrypt)."""
    outcome = Outcome()
    _expect_topics(posture, outcome)
    for topic in alert_topics(posture):
        label = f"topic {topic['name']}"
        outcome.subject(label)
        publishers = _publishers(posture, topic)
        outcome.check(bool(publishers), f"{label}: {len(publishers)} rules and alarms publish to it")
        key = posture.key_by_ref(topic["kms_key"]) if topic["kms_key"] else None
        if topic["kms_key"] and key is None:
            outcome.check(False, f"{label}: its key {topic['kms_key']} is not in the snapshot, so no publisher can be "
                          "shown to use it", origin=topic.get("origin"))
        where = Target(label, topic["arn"], topic["account_id"], topic["policy"] or {"Statement": []}, "resource")
        for source_label, service, source_arn in publishers:
            source = {"aws:SourceAccount": topic["account_id"], "aws:SourceArn": source_arn}
            who = Principal(service, service, [], {"aws:SecureTransport": True})
            decision = decide(who, "sns:Publish", where, **source)
            outcome.check(decision.allowed, f"{source_label} ({service}) sns:Publish on {label}: "
                          f"{'allowed' if decision.allowed else 'DENIED'} ({decision.reason})", origin=topic.get("origin"))
            if key is None:
                continue
            key_target = Target(f"key {key['arn']}", key["arn"], key["account_id"], key["policy"], "kms_key")
            key_context = source if service == CLOUDWATCH else {}
            for action in KMS_ACTIONS:
                decision = decide(who, action, key_target, **key_context)
                outcome.check(decision.allowed, f"{source_label} ({service}) {action} on the key of {label}: "
                              f"{'allowed' if decision.allowed else 'DENIED'} ({decision.reason})", origin=key.get("origin"))
    return outcome


# alarms ----------------------------------------------------------------------------------------------
def environment_alarms(posture: Posture) -> list[dict[str, Any]]:
    return [a for a in posture.data.get("alarms", []) if str(a["name"] or "").startswith(prefix(posture))]


@control("MON-04", "every alarm of the environment has its actions enabled and notifies an alert topic",
         severity="medium",
         fix="set ActionsEnabled and put an alert topic among the AlarmActions of every alarm")
def alarms_notify_alert_topics(posture: Posture) -> Outcome:
    outcome = Outcome()
    topics = {t["arn"] for t in alert_topics(posture)}
    alarms = environment_alarms(posture)
    if not alarms:
        outcome.subject("alarms")
        outcome.check(False, f"no alarm named {prefix(posture)}* in the {posture.mode} posture")
    for alarm in alarms:
        label = f"alarm {alarm['name']}"
        outcome.subject(label)
        notified = sorted(set(alarm["alarm_actions"]) & topics)
        outcome.check(alarm["actions_enabled"] and bool(notified),
                      f"{label}: actions {'enabled' if alarm['actions_enabled'] else 'DISABLED'}, notifies "
                      f"{', '.join(notified) or 'no alert topic'}", origin=alarm.get("origin"))
    return outcome


def _vault_alarms(posture: Posture, metric: str, kind: str) -> list[dict[str, Any]]:
    name = posture.env["vault_names"][kind]
    return [a for a in environment_alarms(posture) if a["namespace"] == "AWS/Backup" and a["metric_name"] == metric
            and a["dimensions"] == {"BackupVaultName": name}]


def _routes(posture: Posture, alarm: dict[str, Any], kind: str) -> tuple[bool, str]:
    label = "critical alerts" if kind == "ssn" else "alerts"
    return topic_arn(posture, label) in alarm["alarm_actions"], f"notifies the {label} topic"


def _protected_counts(posture: Posture) -> dict[str, int]:
    counts = {"general": 0, "ssn": 0}
    for resource in posture.protected():
        counts["ssn" if resource.get("category") in posture.env["dedicated_categories"] else "general"] += 1
    return counts


@control("MON-06", "each local vault has an alarm that fires when it completes fewer backup jobs within "
         "{rpo_hours:d} hours plus at most {grace_hours:d} hours of grace than it protects resources",
         severity="medium",
         fix="alarm on Sum(AWS/Backup NumberOfBackupJobsCompleted) per vault, LessThanThreshold the vault's "
             "protected resources, period between the RPO and RPO + grace, TreatMissingData breaching")
def rpo_breach_alarms(posture: Posture, rpo_hours: int, grace_hours: int) -> Outcome:
    """Each local vault: Sum of NumberOfBackupJobsCompleted over a window of RPO to RPO + grace below the
    number of protected resources of the vault (from the inventory), missing data breaching."""
    outcome = Outcome()
    counts = _protected_counts(posture)
    for kind in ("general", "ssn"):
        vault = posture.env["vault_names"][kind]
        label = f"RPO-breach alarm of vault {vault}"
        outcome.subject(label)
        alarms = _vault_alarms(posture, "NumberOfBackupJobsCompleted", kind)
        if not alarms:
            outcome.check(False, f"{label}: no alarm on AWS/Backup NumberOfBackupJobsCompleted for the vault")
            continue
        for alarm in alarms:
            routed, route = _routes(posture, alarm, kind)
            window_ok = rpo_hours * 3600 <= (alarm["period"] or 0) * (alarm["evaluation_periods"] or 1) <= (rpo_hours + grace_hours) * 3600
            ok = (alarm["statistic"] == "Sum" and alarm["comparison"] == "LessThanThreshold"
                  and alarm["threshold"] == counts[kind] and alarm["treat_missing_data"] == "breaching" and window_ok and routed)
            outcome.check(ok, f"alarm {alarm['name']}: {alarm['statistic']} over {alarm['period']} s x "
                          f"{alarm['evaluation_periods']} {alarm['comparison']} {alarm['threshold']:g} (the vault protects "
                          f"{counts[kind]} resources; window must be {rpo_hours}-{rpo_hours + grace_hours} h), missing data "
                          f"{alarm['treat_missing_data']}, {route}: {'yes' if routed else 'NO'}", origin=alarm.get("origin"))
    return outcome


@control("MON-07", "each local vault has an alarm on each metric below that fires on its first occurrence",
         severity="medium", table="metrics", column="metric",
         fix="alarm on each AWS/Backup failure metric per vault with Sum >= 1; the SSN vault's to the critical "
             "alerts topic")
def failure_alarms_per_vault(posture: Posture, metrics: list[str]) -> Outcome:
    """Each local vault has, for each metric, an alarm that fires on the first occurrence (Sum >= 1 or > 0),
    the SSN vault's notifying the critical alerts topic."""
    outcome = Outcome()
    for kind in ("general", "ssn"):
        for metric in metrics:
            label = f"{metric} of vault {posture.env['vault_names'][kind]}"
            outcome.subject(label)
            alarms = _vault_alarms(posture, metric, kind)
            if not alarms:
                outcome.check(False, f"{label}: no alarm")
                continue
            for alarm in alarms:
                routed, route = _routes(posture, alarm, kind)
                first = (alarm["comparison"] == "GreaterThanOrEqualToThreshold" and (alarm["threshold"] or 0) <= 1) or \
                        (alarm["comparison"] == "GreaterThanThreshold" and (alarm["threshold"] or 0) < 1)
                outcome.check(alarm["statistic"] == "Sum" and first and routed,
                              f"alarm {alarm['name']}: {alarm['statistic']} {alarm['comparison']} {alarm['threshold']:g}, "
                              f"{route}: {'yes' if routed else 'NO'}", origin=alarm.get("origin"))
    return outcome


# undelivered alerts ----------------------------------------------------------------------------------
def alarms_on(posture: Posture, namespace: str, metric: str, dimension: str, value: str) -> list[dict[str, Any]]:
    """Alarms on ``metric`` of ``namespace`` for ``dimension`` = ``value`` that are enabled and notify an
    alert topic of the environment: the alarms that make a failure heard."""
    topics = {t["arn"] for t in alert_topics(posture)}
    return [a for a in posture.data.get("alarms", []) if a["namespace"] == namespace and a["metric_name"] == metric
            and (a["dimensions"] or {}).get(dimension) == value and a["actions_enabled"] is not False
            and set(a["alarm_actions"] or []) & topics]


def dead_letter_checks(posture: Posture, outcome: Outcome, label: str, rule: dict[str, Any],
                       dead_letter_arn: str | None) -> dict[str, Any] | None:
    """Record on ``outcome`` whether EventBridge can dead-letter ``rule``'s undeliverable events into the
    queue ``dead_letter_arn``: the queue exists in the posture, its policy lets events.amazonaws.com send for
    this rule, and it is encrypted with a key of the posture that lets EventBridge encrypt (decided without
    source context: EventBridge's KMS requests carry none, docs/monitoring.md). Returns the queue."""
    queue = posture.queue_by_arn(dead_letter_arn)
    if queue is None:
        outcome.check(False, f"{label}: undeliverable events go to {dead_letter_arn or 'no dead-letter queue'}"
                      + (" (not in the posture)" if dead_letter_arn else ""), origin=rule.get("origin"))
        return None
    who = Principal(EVENTS, EVENTS, [], {"aws:SecureTransport": True})
    source = {"aws:SourceAccount": rule["account_id"], "aws:SourceArn": rule["arn"]}
    where = Target(f"queue {queue['name']}", queue["arn"], queue["account_id"], queue["policy"] or {"Statement": []}, "resource")
    decision = decide(who, "sqs:SendMessage", where, **source)
    outcome.check(decision.allowed, f"{label}: EventBridge sqs:SendMessage to dead-letter queue {queue['name']}: "
                  f"{'allowed' if decision.allowed else 'DENIED'} ({decision.reason})", origin=queue.get("origin"))
    key = posture.key_by_ref(queue["kms_key"]) if queue["kms_key"] else None
    outcome.check(key is not None, f"{label}: dead-letter queue {queue['name']} encrypted with "
                  f"{queue['kms_key'] or 'nothing'}" + ("" if key or not queue["kms_key"] else " (key not in the posture)"),
                  origin=queue.get("origin"))
    if key is not None:
        key_target = Target(f"key {key['arn']}", key["arn"], key["account_id"], key["policy"], "kms_key")
        for action in KMS_ACTIONS:
            decision = decide(who, action, key_target)
            outcome.check(decision.allowed, f"{label}: EventBridge {action} on the key of {queue['name']}: "
                          f"{'allowed' if decision.allowed else 'DENIED'}", origin=key.get("origin"))
    return queue


@control("MON-08", "every alert rule target dead-letters undeliverable events to a queue EventBridge can write to, "
         "watched by an alarm",
         severity="medium",
         fix="give every alert rule target a DeadLetterConfig naming an encrypted SQS queue whose policy lets "
             "events.amazonaws.com send for the rule (and whose key lets it encrypt), and alarm on the queue")
def undelivered_alerts_kept(posture: Posture) -> Outcome:
    """Every target of an alert rule keeps what it cannot deliver: a dead-letter queue of the posture,
    encrypted, that EventBridge may send to for this rule (queue policy and queue key, decided), watched by
    an alarm notifying an alert topic. Without it, an event the topic refuses is retried for a day and
    dropped, and nothing shows that an alert was lost."""
    outcome = Outcome()
    topics = {t["arn"] for t in alert_topics(posture)}
    _expect_topics(posture, outcome)
    targets = [(r, t) for r in rules_here(posture) if rule_enabled(r) for t in r["targets"] if t["arn"] in topics]
    if not targets:
        outcome.subject("alert rules")
        outcome.check(False, f"no enabled rule sends to an alert topic in the {posture.mode} posture")
    for rule, target in targets:
        label = f"rule {rule['name']}"
        outcome.subject(label)
        queue = dead_letter_checks(posture, outcome, label, rule, target.get("dead_letter_arn"))
        if queue is None:
            continue
        alarms = alarms_on(posture, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue["name"])
        outcome.check(bool(alarms), f"{label}: dead-letter queue {queue['name']} watched by "
                      f"{', '.join(a['name'] for a in alarms) or 'no alarm notifying an alert topic'}", origin=queue.get("origin"))
    return outcome
