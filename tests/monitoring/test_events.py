"""The EventBridge pattern matcher (audit.events) on AWS's sample AWS Backup events, on each pattern
feature the rules use, against moto's implementation, and on invalid patterns."""
from __future__ import annotations

import itertools

import pytest

from audit.events import SAMPLES_DIR, EventPatternError, matches, mismatch, sample_event, validate

SAMPLES = sorted(p.stem for p in SAMPLES_DIR.glob("*.json"))


def backup(detail_type: str, **detail) -> dict:
    return {"source": ["aws.backup"], "detail-type": [detail_type], "detail": detail}


# AWS's documented samples -------------------------------------------------------------------------------
@pytest.mark.parametrize("pattern, expected", [
    (backup("Backup Job State Change", state=["FAILED", "ABORTED", "EXPIRED"]),
     {"backup-job-failed", "backup-job-aborted", "backup-job-expired"}),
    (backup("Copy Job State Change", state=["FAILED"]), {"copy-job-failed"}),
    (backup("Recovery Point State Change", status=["PARTIAL", "EXPIRED", "DELETING"]),
     {"recovery-point-partial", "recovery-point-expired", "recovery-point-deleting"}),
    ({"source": ["aws.backup"], "detail-type": ["Backup Vault State Change", "Backup Plan State Change"],
      "detail": {"state": ["MODIFIED", "DELETED"]}},
     {"backup-vault-modified", "backup-vault-deleted", "backup-plan-modified", "backup-plan-deleted"}),
    ({"source": ["aws.backup"]}, {s for s in SAMPLES if not s.startswith("cloudtrail-put-key")}),
    ({"detail-type": ["AWS API Call via CloudTrail"], "detail": {"eventName": ["PutKeyPolicy"]}}, {"cloudtrail-put-key-policy"}),
])
def test_documented_samples_match_exactly_the_expected_patterns(pattern, expected):
    assert {name for name in SAMPLES if matches(pattern, sample_event(name))} == expected


def test_state_is_not_status():
    """Recovery points report status, jobs state: a rule asking the wrong field matches nothing."""
    wrong = backup("Recovery Point State Change", state=["PARTIAL"])
    assert not matches(wrong, sample_event("recovery-point-partial"))
    assert mismatch(wrong, sample_event("recovery-point-partial")) == 'detail.state: absent matches none of ["PARTIAL"]'


def test_mismatch_names_the_field_and_the_value():
    found = mismatch(backup("Backup Job State Change", state=["FAILED"]), sample_event("backup-job-completed"))
    assert found == 'detail.state: "COMPLETED" matches none of ["FAILED"]'


# pattern features ---------------------------------------------------------------------------------------
EVENT = {"source": "aws.backup", "resources": ["arn:aws:backup:us-east-1:111111111111:recovery-point:abc"],
         "detail": {"state": "FAILED", "backupVaultName": "CompactConnectBackupVault-SSN", "percentDone": 0,
                    "isLocked": "true", "sourceIPAddress": "10.0.0.7", "empty": [], "nothing": None,
                    "items": [{"name": "a", "size": 1}, {"name": "b", "size": 5}], "flag": True}}


@pytest.mark.parametrize("pattern, expected", [
    ({"detail": {"backupVaultName": [{"prefix": "CompactConnect"}]}}, True),
    ({"detail": {"backupVaultName": [{"prefix": "compactconnect"}]}}, False),
    ({"detail": {"backupVaultName": [{"prefix": {"equals-ignore-case": "compactconnect"}}]}}, True),
    ({"detail": {"backupVaultName": [{"suffix": "-SSN"}]}}, True),
    ({"detail": {"backupVaultName": [{"equals-ignore-case": "compactconnectbackupvault-ssn"}]}}, True),
    ({"detail": {"state": [{"anything-but": "COMPLETED"}]}}, True),
    ({"detail": {"state": [{"anything-but": ["FAILED", "ABORTED"]}]}}, False),
    ({"detail": {"backupVaultName": [{"anything-but": {"prefix": "Compact"}}]}}, False),
    ({"detail": {"missing": [{"anything-but": "x"}]}}, False),
    ({"detail": {"state": [{"exists": True}]}}, True),
    ({"detail": {"missing": [{"exists": False}]}}, True),
    ({"detail": {"state": [{"exists": False}]}}, False),
    ({"detail": {"empty": [{"exists": True}]}}, False),
    ({"detail": {"nothing": [None]}}, True),
    ({"detail": {"nothing": [{"exists": True}]}}, True),
    ({"detail": {"percentDone": [0]}}, True),
    ({"detail": {"percentDone": ["0"]}}, False),
    ({"detail": {"isLocked": [True]}}, False),
    ({"detail": {"flag": [True]}}, True),
    ({"detail": {"flag": ["true"]}}, False),
    ({"detail": {"percentDone": [{"numeric": [">=", 0, "<", 1]}]}}, True),
    ({"detail": {"percentDone": [{"numeric": [">", 0]}]}}, False),
    ({"resources": [{"prefix": "arn:aws:backup:us-east-1:111111111111:recovery-point:"}]}, True),
    ({"resources": ["arn:aws:backup:us-east-1:111111111111:recovery-point:other"]}, False),
    ({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}, True),
    ({"detail": {"sourceIPAddress": [{"cidr": "192.168.0.0/16"}]}}, False),
    ({"detail": {"backupVaultName": [{"wildcard": "Compact*-SSN"}]}}, True),
    ({"detail": {"backupVaultName": [{"wildcard": "Compact*-General"}]}}, False),
    ({"detail": {"$or": [{"state": ["ABORTED"]}, {"backupVaultName": ["CompactConnectBackupVault-SSN"]}]}}, True),
    ({"detail": {"$or": [{"state": ["ABORTED"]}, {"backupVaultName": ["other"]}]}}, False),
    ({"detail": {"items": {"name": ["b"], "size": [5]}}}, True),
    ({"detail": {"items": {"name": ["a"], "size": [5]}}}, False),  # within one element of the array
    ({"detail": {"state": ["FAILED"]}, "source": ["aws.kms"]}, False),
    ({"detail": {"missing": {"deeper": [{"exists": False}]}}}, True),
])
def test_pattern_features(pattern, expected):
    assert matches(pattern, EVENT) is expected


# the same answers as moto's implementation ---------------------------------------------------------------
PATTERNS = [
    backup("Backup Job State Change", state=["FAILED", "ABORTED", "EXPIRED"]),
    backup("Recovery Point State Change", status=["PARTIAL"]),
    {"source": ["aws.backup"], "detail": {"state": [{"anything-but": ["COMPLETED", "RUNNING"]}]}},
    {"detail": {"backupVaultName": [{"prefix": "9ab3"}, {"suffix": "Del2"}]}},
    {"detail": {"backupVaultArn": [{"exists": False}]}, "detail-type": ["Restore Job State Change"]},
    {"detail": {"statusMessage": [{"exists": True}], "percentDone": [{"numeric": ["=", 0]}]}},
    {"detail": {"$or": [{"state": ["FAILED"]}, {"status": ["FAILED"]}]}},
    {"resources": [{"prefix": "arn:aws:ec2:"}], "detail": {"resourceType": [{"equals-ignore-case": "ec2"}]}},
    {"detail": {"backupVaultName": [{"wildcard": "*-*-*"}]}},
]


def test_agrees_with_moto_on_every_sample_and_pattern():
    from moto.events.models import EventPattern

    for pattern, name in itertools.product(PATTERNS, SAMPLES):
        event = sample_event(name)
        import json

        expected = EventPattern.load(json.dumps(pattern)).matches_event(event)
        assert matches(pattern, event) is expected, (pattern, name)


# invalid patterns ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pattern, message", [
    ({"detail": {"state": "FAILED"}}, "detail.state: must be an object or an array"),
    ({"detail": {"state": []}}, "detail.state: empty arrays are not allowed"),
    ({"detail": {"state": [{"startswith": "F"}]}}, "detail.state: unknown matcher"),
    ({"detail": {"percentDone": [{"numeric": ["~", 1]}]}}, "detail.percentDone: numeric takes"),
    ({"detail": {"$or": [{"state": ["FAILED"]}]}}, "detail.$or: must be a list of at least two patterns"),
    (["aws.backup"], "pattern: must be an object"),
])
def test_invalid_patterns_are_rejected_naming_the_path(pattern, message):
    with pytest.raises(EventPatternError, match=message.replace("$", r"\$").replace("[", r"\[")):
        validate(pattern)


def test_unknown_sample_names_the_known_ones():
    with pytest.raises(KeyError, match="backup-job-failed"):
        sample_event("no-such-event")
