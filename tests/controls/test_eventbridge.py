"""EVB-01..02 on snapshot fixtures: the healthy example passes; (live) an EventBridge resource no stack
defines or a refused EventBridge read, and an archive kept for ever or under an AWS-owned key each fail,
naming the resource. Neither control has an "absence" case: an environment without EventBridge resources
or archives keeps no event data, and both say so in their evidence."""
from __future__ import annotations

from tests.controls.support import Case, family_tests


def resource(kind: str, name: str, **fields):
    def mutate(snapshot: dict) -> None:
        snapshot["eventbridge"].append({"kind": kind, "name": name, "account_id": "111111111111", "region": "us-east-1",
                                        "stack": None, "managed_by": None, "retention_days": None, "kms_key": None,
                                        "origin": {"api": "events:ListRules"}, **fields})
    return mutate


def refused(api: str):
    def mutate(snapshot: dict) -> None:
        snapshot["errors"] = [{"account_id": "222222222222", "region": "us-west-2", "api": api, "resource": "*",
                               "error": "AccessDeniedException", "missing_permission": api}]
    return mutate


KEY = "arn:aws:kms:us-east-1:111111111111:key/{{ApplicationKey.Ref}}"

CASES = {
    "EVB-01": [
        Case("rule created by hand", resource("rule", "hand-made"),
             "rule hand-made (111111111111 us-east-1): defined by no CloudFormation stack"),
        Case("schedule created by hand", resource("schedule", "nightly", account_id="222222222222", region="us-west-2"),
             "schedule nightly (222222222222 us-west-2): defined by no CloudFormation stack"),
        Case("EventBridge read refused", refused("events:ListRules"),
             "events:ListRules failed (AccessDeniedException): EventBridge state there is unknown"),
    ],
    "EVB-02": [
        Case("archive kept for ever", resource("archive", "all-events", stack="s", retention_days=0, kms_key=KEY),
             "archive all-events (111111111111 us-east-1): keeps events forever (RetentionDays 0)"),
        Case("archive under an AWS-owned key", resource("archive", "all-events", stack="s", retention_days=7),
             "archive all-events (111111111111 us-east-1): encrypted with an AWS-owned key"),
    ],
}

test_healthy_passes, test_each_violation_fails = family_tests(CASES)
