"""The monitoring controls on the example environment's snapshot and on live-shaped variations of it (a
rule disabled in the account, a topic keyed by the AWS-managed key, a default topic policy, a missing
topic ...): each passes when healthy and fails naming what is wrong. Also the configuration section and the
pseudonymised subscription endpoints."""
from __future__ import annotations

import copy
import json

import pytest

from audit.config import ConfigError, load_config
from audit.controls import monitoring
from audit.events import copy_job_state_change, sample_event
from audit.snapshot import Posture
from audit.sources.records.monitoring import redact_endpoint
from audit.sources.static.build import build_snapshot

MIXED = [{"failure class": "copy job failed", "sample event": "copy-job-failed", "vault": "general"},
         {"failure class": "plan deleted", "sample event": "backup-plan-deleted", "vault": "-"}]
SSN = [{"failure class": "SSN key policy changed", "sample event": "cloudtrail-put-key-policy", "vault": "SSN"},
       {"failure class": "restore naming no vault", "sample event": "restore-job-failed", "vault": "SSN"}]


@pytest.fixture(scope="module")
def healthy():
    return build_snapshot(load_config("example").data)


def posture(snapshot, change=None) -> Posture:
    data = copy.deepcopy(snapshot)
    if change:
        change(data)
    return Posture(data)


def named(items, suffix):
    return next(i for i in items if i["name"].endswith(suffix))


CONTROLS = {
    "MON-01": lambda p: monitoring.failure_classes_reach_topic(p, MIXED, "alerts"),
    "MON-02": monitoring.alert_topics_encrypted_and_subscribed,
    "MON-03": monitoring.sources_can_publish,
    "MON-04": monitoring.alarms_notify_alert_topics,
    "MON-05": lambda p: monitoring.failure_classes_reach_topic(p, SSN, "critical alerts"),
    "MON-06": lambda p: monitoring.rpo_breach_alarms(p, 24, 8),
    "MON-07": lambda p: monitoring.failure_alarms_per_vault(p, ["NumberOfCopyJobsFailed"]),
    "MON-08": monitoring.undelivered_alerts_kept,
}


def failing(p: Posture) -> set[str]:
    return {cid for cid, control in CONTROLS.items() if not control(p).passed}


def test_the_example_passes_every_monitoring_control(healthy):
    assert failing(posture(healthy)) == set()


def test_a_rule_disabled_in_the_account_fails_and_is_named(healthy):
    p = posture(healthy, lambda d: named(d["event_rules"], "copy-job-failures").update(state="DISABLED"))
    outcome = monitoring.failure_classes_reach_topic(p, MIXED, "alerts")
    assert not outcome.passed
    assert "rule compact-retention-example-copy-job-failures matches but is DISABLED" in outcome.message
    assert failing(p) == {"MON-01"}


def test_a_rule_on_another_bus_does_not_receive_aws_events(healthy):
    p = posture(healthy, lambda d: named(d["event_rules"], "copy-job-failures").update(event_bus="custom"))
    assert failing(p) == {"MON-01"}


def test_the_aws_managed_sns_key_fails_encryption(healthy):
    p = posture(healthy, lambda d: named(d["topics"], "-alerts").update(kms_key="alias/aws/sns"))
    outcome = monitoring.alert_topics_encrypted_and_subscribed(p)
    assert "encrypted with alias/aws/sns, not a customer-managed key" in outcome.message
    assert failing(p) == {"MON-02", "MON-03"}  # and no publisher can be shown to use that key


def test_a_topic_without_subscribers_fails(healthy):
    p = posture(healthy, lambda d: named(d["topics"], "critical-alerts").update(subscriptions=[]))
    assert failing(p) == {"MON-02"}


def test_the_default_topic_policy_lets_no_service_publish(healthy):
    def default_policy(d):
        topic = named(d["topics"], "-alerts")
        topic["policy"] = {"Version": "2008-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["SNS:Publish", "SNS:Subscribe"], "Resource": topic["arn"],
            "Condition": {"StringEquals": {"AWS:SourceOwner": topic["account_id"]}}}]}
    outcome = monitoring.sources_can_publish(posture(healthy, default_policy))
    assert not outcome.passed and "(events.amazonaws.com) sns:Publish on topic compact-retention-example-alerts: DENIED" in outcome.message


def test_a_missing_critical_topic_fails_everything_that_needs_it(healthy):
    p = posture(healthy, lambda d: d.update(topics=[t for t in d["topics"] if not t["name"].endswith("critical-alerts")]))
    # ... and the undelivered-alerts alarm, which notifies only the critical topic (MON-04, MON-08)
    assert failing(p) == {"MON-02", "MON-03", "MON-04", "MON-05", "MON-08"}


def test_alarms_without_actions_or_topics_fail(healthy):
    p = posture(healthy, lambda d: named(d["alarms"], "rpo-breach-ssn").update(alarm_actions=["arn:aws:sns:us-east-1:111111111111:other"]))
    assert failing(p) == {"MON-04", "MON-06"}
    assert failing(posture(healthy, lambda d: d.update(alarms=[]))) == {"MON-04", "MON-06", "MON-07", "MON-08"}


def test_the_rpo_alarm_must_count_missing_data_as_a_breach(healthy):
    p = posture(healthy, lambda d: named(d["alarms"], "rpo-breach-general").update(treat_missing_data="notBreaching"))
    assert failing(p) == {"MON-06"}


def test_a_restore_from_the_general_vault_is_not_critical(healthy):
    row = [{"failure class": "restore from the general vault", "sample event": "restore-job-completed", "vault": "general"}]
    assert not monitoring.failure_classes_reach_topic(posture(healthy), row, "critical alerts").passed


def test_endpoints_are_pseudonymised_the_same_way_in_both_sources(healthy):
    text = json.dumps(healthy["topics"])
    assert "backup-alerts@example.org" not in text and "/compact-retention/critical" not in text
    assert redact_endpoint("email", "Backup-Alerts@Example.org") == redact_endpoint("email", "backup-alerts@example.org")
    assert redact_endpoint("email", "a@example.org").endswith("@example.org")
    assert redact_endpoint("https", "https://hooks.example.org/t?token=s3cret").startswith("https://hooks.example.org/sha256-")


def test_a_copy_job_becomes_an_event_of_the_documented_shape():
    job = {"AccountId": "111111111111", "CopyJobId": "C1", "SourceBackupVaultArn": "arn:aws:backup:us-east-1:111111111111:backup-vault:V",
           "SourceRecoveryPointArn": "arn:aws:backup:us-east-1:111111111111:recovery-point:R",
           "DestinationBackupVaultArn": "arn:aws:backup:us-west-2:222222222222:backup-vault:V", "State": "FAILED",
           "StatusMessage": "refused", "ResourceArn": "arn:aws:dynamodb:us-east-1:111111111111:table/t", "ResourceType": "DynamoDB",
           "IamRoleArn": "arn:aws:iam::111111111111:role/r", "CreationDate": "2026-11-27T02:00:00.000Z"}
    event = copy_job_state_change(job, region="us-east-1")
    documented = sample_event("copy-job-failed")
    assert set(event) == set(documented) and event["detail"]["destinationRecoveryPointArn"] == {}
    assert set(event["detail"]) <= set(documented["detail"])


@pytest.mark.parametrize("mutate, field, words", [
    (lambda m: m["alerts"].update(email=["not an address"]), "monitoring.alerts.email[0]", "an e-mail address"),
    (lambda m: m["critical_alerts"].update(https=["http://insecure.example.org"]), "monitoring.critical_alerts.https[0]", "https://"),
    (lambda m: m.update(critical_alerts={"email": [], "https": []}), "monitoring.critical_alerts", "reach nobody"),
    (lambda m: m["alerts"].update(email=["a@example.org", "b@example.org", "c@example.org", "d@example.org"]),
     "monitoring.alerts.email", "too long"),
])
def test_bad_monitoring_configuration_names_the_field(edit_config, mutate, field, words):
    with pytest.raises(ConfigError) as caught:
        load_config("example", edit_config("defaults", lambda c: mutate(c["monitoring"])))
    assert any(where == field and words in message for where, message in caught.value.problems), caught.value.problems


def _dlq(d):
    return next(q for q in d["queues"] if q["name"].endswith("undelivered-alerts"))


@pytest.mark.parametrize("violation", [
    lambda d: named(d["event_rules"], "copy-job-failures")["targets"][0].update(dead_letter_arn=None),
    lambda d: _dlq(d).update(policy=None),
    lambda d: _dlq(d).update(kms_key=None),
    lambda d: d["queues"].remove(_dlq(d)),
    lambda d: d.update(alarms=[a for a in d["alarms"] if not a["name"].endswith("undelivered-alerts")]),
])
def test_an_alert_that_could_be_lost_without_a_trace_fails_mon_08(healthy, violation):
    assert failing(posture(healthy, violation)) == {"MON-08"}


def test_the_dead_letter_queue_key_must_let_eventbridge_encrypt(healthy):
    def deny(d):
        key = next(k for k in d["keys"] if k["arn"] == _dlq(d)["kms_key"])
        key["policy"]["Statement"] = [s for s in key["policy"]["Statement"] if s.get("Sid") != "AllowEventBridgeToDeadLetter"]
    assert failing(posture(healthy, deny)) == {"MON-08"}
