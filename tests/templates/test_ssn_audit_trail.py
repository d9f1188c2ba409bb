"""cloudformation/ssn-audit-trail.yaml as the deployer resolves it for every bundled environment, in both
accounts: the trail records every event class the SSN audit needs (docs/cloudtrail.md), and its bucket and
key policies, decided by the policy evaluator, let only this trail write and nobody delete."""
from __future__ import annotations

import copy
from typing import Any

import pytest

from audit import deployment
from audit.controls.access import ALLOW_ALL
from audit.policy import Request, evaluate

pytestmark = pytest.mark.template_fact(
    "the SSN audit trail is the record of who restored or decrypted SSN data (docs/cloudtrail.md); no control "
    "reads the trail, its bucket or its key")

SIDES = {"ssn-audit-trail": "environment", "ssn-audit-trail-backup": "backup"}
OTHER_ACCOUNT = "999999999999"


def trail_problems(props: dict[str, Any], key_arn: str) -> list[str]:
    """Why a trail would miss SSN events or their evidence (empty when it records them all)."""
    problems = []
    selectors = props.get("EventSelectors") or []
    management = [s for s in selectors if s.get("IncludeManagementEvents", True)]
    if selectors and not management:
        problems.append("no event selector includes management events")
    if any(s.get("ReadWriteType", "All") != "All" for s in management):
        problems.append("management events are not read and write (Decrypt and GenerateDataKey are read events)")
    if any("kms.amazonaws.com" in (s.get("ExcludeManagementEventSources") or []) for s in management):
        problems.append("AWS KMS events are excluded")
    if props.get("AdvancedEventSelectors"):
        problems.append("advanced event selectors: check by hand")
    for flag, why in (("IsMultiRegionTrail", "not multi-Region"), ("EnableLogFileValidation", "no log file validation"),
                      ("IncludeGlobalServiceEvents", "no global service events (IAM, STS: who assumed the break-glass role)")):
        if props.get(flag) is not True:
            problems.append(why)
    if props.get("IsLogging") is False:
        problems.append("not logging")
    if props.get("KMSKeyId") != key_arn:
        problems.append("log files not encrypted with the stack's key")
    return problems


def stack(env, key):
    return env.stacks[key].template


def props(env, key, logical_id):
    return stack(env, key).resources[logical_id]["Properties"]


def account(env, key):
    return env.account(SIDES[key])


@pytest.mark.parametrize("key", SIDES)
def test_each_account_has_the_trail_keeping_logs_as_long_as_the_ssn_recovery_points(env, key):
    spec = deployment.find_stack(deployment.stack_plan(env.cfg), key)
    assert (spec.account_id, spec.region) == (env.account(SIDES[key]), env.region(SIDES[key]))
    ssn_days = max(p["lifecycle"]["delete_after_days"] for p in env.cfg["backup_policies"].values() if p["dedicated_vault"])
    (rule,) = props(env, key, "TrailBucket")["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == max(365, ssn_days)


@pytest.mark.parametrize("key", SIDES)
def test_the_trail_records_every_management_event_read_and_write_kms_included(env, key):
    trail = props(env, key, "Trail")
    assert trail_problems(trail, props(env, key, "TrailBucket")["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
                          ["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]) == []
    assert trail["S3BucketName"] == f"compact-retention-{env.cfg['environment']}-ssn-audit-{account(env, key)}"


@pytest.mark.parametrize(("change", "problem"), [
    ({"EventSelectors": [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]}, "not read and write"),
    ({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                          "ExcludeManagementEventSources": ["kms.amazonaws.com"]}]}, "AWS KMS events are excluded"),
    ({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": False}]}, "no event selector includes management"),
    ({"EnableLogFileValidation": False}, "no log file validation"),
    ({"IsMultiRegionTrail": False}, "not multi-Region"),
    ({"IsLogging": False}, "not logging"),
    ({"KMSKeyId": None}, "not encrypted with the stack's key"),
])
def test_a_trail_that_would_miss_ssn_events_is_caught(example, change, problem):
    trail = {**copy.deepcopy(props(example, "ssn-audit-trail", "Trail")), **change}
    key_arn = props(example, "ssn-audit-trail", "Trail")["KMSKeyId"]
    assert any(problem in p for p in trail_problems(trail, key_arn)), trail_problems(trail, key_arn)


def _bucket_decision(env, key, principal, action, resource, identity=(), **context):
    policy = props(env, key, "TrailBucketPolicy")["PolicyDocument"]
    return evaluate(Request(principal, action, resource, {"aws:SecureTransport": "true", **context},
                            resource_account=account(env, key)),
                    identity_policies=list(identity), resource_policy=policy)


@pytest.mark.parametrize("key", SIDES)
def test_only_this_trail_writes_and_nobody_deletes_a_log_file(env, key):
    own = account(env, key)
    bucket = f"arn:aws:s3:::compact-retention-{env.cfg['environment']}-ssn-audit-{own}"
    trail = f"arn:aws:cloudtrail:{env.region(SIDES[key])}:{own}:trail/compact-retention-{env.cfg['environment']}-ssn-audit"
    log = f"{bucket}/AWSLogs/{own}/CloudTrail/x.json.gz"
    write = {"aws:SourceArn": trail, "s3:x-amz-acl": "bucket-owner-full-control"}
    assert _bucket_decision(env, key, "cloudtrail.amazonaws.com", "s3:PutObject", log, **write).allowed
    assert _bucket_decision(env, key, "cloudtrail.amazonaws.com", "s3:GetBucketAcl", bucket, **{"aws:SourceArn": trail}).allowed
    other_trail = trail.replace(own, OTHER_ACCOUNT)
    assert not _bucket_decision(env, key, "cloudtrail.amazonaws.com", "s3:PutObject", log,
                                **{**write, "aws:SourceArn": other_trail}).allowed
    admin = f"arn:aws:iam::{own}:role/Administrator"
    for action in ("s3:DeleteObject", "s3:DeleteObjectVersion"):
        assert _bucket_decision(env, key, admin, action, log, [ALLOW_ALL]).kind == "ExplicitDeny"
    assert _bucket_decision(env, key, admin, "s3:GetObject", log, [ALLOW_ALL], **{"aws:SecureTransport": "false"}).kind == "ExplicitDeny"
    assert _bucket_decision(env, key, admin, "s3:GetObject", log, [ALLOW_ALL]).allowed


def _key_decision(env, key, principal, action, identity=(), **context):
    policy = props(env, key, "TrailKey")["KeyPolicy"]
    key_arn = f"arn:aws:kms:{env.region(SIDES[key])}:{account(env, key)}:key/trail"
    return evaluate(Request(principal, action, key_arn, context), identity_policies=list(identity),
                    resource_policy=policy, resource_policy_type="kms_key")


@pytest.mark.parametrize("key", SIDES)
def test_the_key_encrypts_for_this_trail_and_decrypts_for_this_account_only(env, key):
    own = account(env, key)
    trail = f"arn:aws:cloudtrail:{env.region(SIDES[key])}:{own}:trail/compact-retention-{env.cfg['environment']}-ssn-audit"
    context = {"kms:EncryptionContext:aws:cloudtrail:arn": trail, "aws:SourceArn": trail}
    assert _key_decision(env, key, "cloudtrail.amazonaws.com", "kms:GenerateDataKey", **context).allowed
    assert not _key_decision(env, key, "cloudtrail.amazonaws.com", "kms:GenerateDataKey",
                             **{**context, "aws:SourceArn": trail.replace(own, OTHER_ACCOUNT)}).allowed
    reader = f"arn:aws:iam::{own}:role/SecurityAuditor"
    read = {"kms:EncryptionContext:aws:cloudtrail:arn": trail, "kms:CallerAccount": own}
    assert _key_decision(env, key, reader, "kms:Decrypt", [ALLOW_ALL], **read).allowed
    outsider = f"arn:aws:iam::{OTHER_ACCOUNT}:role/Administrator"
    assert not _key_decision(env, key, outsider, "kms:Decrypt", [ALLOW_ALL], **{**read, "kms:CallerAccount": OTHER_ACCOUNT}).allowed
    assert _key_decision(env, key, reader, "kms:ScheduleKeyDeletion", [ALLOW_ALL]).kind == "ExplicitDeny"
