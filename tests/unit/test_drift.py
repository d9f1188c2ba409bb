"""Drift between two snapshots: each kind of tampering is named, equivalent policies are not."""
from __future__ import annotations

import copy
import json
import re

import pytest

from audit.config import load_config
from audit.drift import compare, normalise_policy, render
from audit.sources.static.build import build_snapshot


@pytest.fixture(scope="module")
def static():
    return build_snapshot(load_config("example").data)


def live_copy(static):
    return copy.deepcopy(static)


def test_identical_snapshots_have_no_drift(static):
    assert compare(static, live_copy(static)) == []
    assert render([]).startswith("no drift")


def test_suspended_versioning_is_named(static):
    live = live_copy(static)
    bucket = next(b for b in live["buckets"] if "provider-users" in b["name"])
    bucket["versioning"] = "Suspended"
    (difference,) = compare(static, live)
    assert (difference.kind, difference.field, difference.static, difference.live) == ("bucket", "versioning", "Enabled", "Suspended")
    assert bucket["arn"] in difference.describe()


def test_missing_vault_and_rotation_off_and_weekly_schedule(static):
    live = live_copy(static)
    live["vaults"] = [v for v in live["vaults"] if not (v["name"].endswith("-SSN") and v["account_id"] == "222222222222")]
    next(k for k in live["keys"] if "GeneralBackupKey" in k["arn"] and "222222222222" in k["arn"])["rotation_enabled"] = False
    plan = next(p for p in live["plans"] if p["name"].endswith("critical_data"))
    plan["rules"][0]["schedule"] = "cron(0 2 ? * SUN *)"
    found = {(d.kind, d.field) for d in compare(static, live)}
    assert found == {("vault", ""), ("vault", "key.rotation_enabled"), ("plan", "rule critical_data-daily")}


def test_permissive_vault_policy_is_named(static):
    live = live_copy(static)
    vault = next(v for v in live["vaults"] if v["name"].endswith("-SSN") and v["account_id"] == "111111111111")
    vault["access_policy"] = {"Version": "2012-10-17",
                              "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "backup:*", "Resource": "*"}]}
    (difference,) = compare(static, live)
    assert difference.field == "access_policy" and "CompactConnectBackupVault-SSN (111111111111" in difference.resource


def test_policy_normalisation_ignores_what_aws_rewrites():
    written = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "kms:Decrypt",
                              "Resource": "*", "Condition": {"Bool": {"kms:GrantIsForAWSResource": True}}}]}
    stored = '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111111111111:root"]}, ' \
             '"Action": ["kms:Decrypt"], "Resource": "*", "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}]}'
    assert normalise_policy(written) == normalise_policy(stored)
    assert normalise_policy(written) != normalise_policy({"Statement": [{**written["Statement"][0], "Action": "kms:*"}]})


def test_resource_only_in_the_account_is_named(static):
    live = live_copy(static)
    extra = copy.deepcopy(live["plans"][0])
    extra["name"] = "hand-made-plan"
    live["plans"].append(extra)
    (difference,) = compare(static, live)
    assert difference.kind == "plan" and "not in the templates" in difference.describe()


def _named(items, fragment):
    return next(i for i in items if fragment in i["name"])


@pytest.mark.parametrize("tamper, expected", [
    (lambda s: _named(s["functions"], "cognito-exporter").update(dead_letter_arn=None), ("function", "dead_letter_arn")),
    (lambda s: _named(s["functions"], "cognito-exporter")["environment"].update(EXPORT_BUCKET="elsewhere"), ("function", "environment")),
    (lambda s: _named(s["queues"], "dlq").update(kms_key=None), ("queue", "encrypted")),
    (lambda s: _named(s["topics"], "critical-alerts").update(policy=None), ("topic", "policy")),
    (lambda s: _named(s["event_rules"], "cognito-export-staff").update(state="DISABLED"), ("rule", "state")),
    (lambda s: _named(s["event_rules"], "copy-job").update(event_pattern={"source": ["aws.backup"]}), ("rule", "event_pattern")),
    (lambda s: _named(s["alarms"], "cognito-export-missing").update(treat_missing_data="notBreaching"), ("alarm", "treat_missing_data")),
    (lambda s: _named(s["alarms"], "exporter-errors").update(alarm_actions=[]), ("alarm", "alarm_actions")),
])
def test_exporter_and_monitoring_tampering_is_named(static, tamper, expected):
    live = live_copy(static)
    tamper(live)
    (difference,) = compare(static, live)
    assert (difference.kind, difference.field) == expected


def test_value_conventions_of_the_two_sources_are_not_drift(static):
    """The account returns environment values as text, thresholds as floats and a key's real ARN."""
    live = live_copy(static)
    function = _named(live["functions"], "cognito-exporter")
    function["environment"] = {k: str(v) for k, v in function["environment"].items()}
    function["kms_key"] = "arn:aws:kms:us-east-1:111111111111:key/0f1e2d3c-aaaa-bbbb-cccc-123456789012"
    for alarm in live["alarms"]:
        alarm["threshold"] = float(alarm["threshold"]) if alarm["threshold"] is not None else None
    assert compare(static, live) == []


def test_a_deleted_alarm_is_named(static):
    live = live_copy(static)
    alarm = _named(live["alarms"], "exporter-dead-letters")
    live["alarms"].remove(alarm)
    (difference,) = compare(static, live)
    assert (difference.kind, difference.field, difference.live) == ("alarm", "", None)
    assert alarm["name"] in difference.describe()


def test_a_value_only_aws_knows_matches_what_the_account_holds(static):
    live = live_copy(static)
    rule = _named(live["event_rules"], "ssn-policy-changes")
    text = json.dumps(rule["event_pattern"])
    assert "{{" in text  # the SSN key's id, unknown before deployment
    rule["event_pattern"] = json.loads(re.sub(r"\{\{[A-Za-z0-9]+\.Ref\}\}", "1e2dc58a-0f8c-4951-b4ee-208aa95b2897", text))
    assert compare(static, live) == []
    rule["event_pattern"] = json.loads(text.replace("CompactConnectBackupVault-SSN", "SomeOtherVault"))
    (difference,) = compare(static, live)
    assert (difference.kind, difference.field) == ("rule", "event_pattern")


def test_restore_testing_plans_are_compared(static):
    """The restore testing stacks are part of the drift: a plan that admits the SSN vault, a selection whose
    override dropped the customer-managed key, a deleted plan and a plan made by hand are each named."""
    assert static["restore_testing_plans"], "the example deploys restore testing plans"
    live = live_copy(static)
    first, second = live["restore_testing_plans"][:2]
    first["exclude_vaults"] = []
    selection = first["selections"][0]
    selection["overrides"] = {}
    live["restore_testing_plans"].remove(second)
    live["restore_testing_plans"].append({**copy.deepcopy(second), "name": "made_by_hand"})
    found = {(d.kind, d.field, d.resource.split(" ")[0]) for d in compare(static, live)}
    assert found == {("restore testing plan", "exclude_vaults", first["name"]),
                     ("restore testing plan", f"selection {selection['name']}", first["name"]),
                     ("restore testing plan", "", second["name"]), ("restore testing plan", "", "made_by_hand")}


def test_the_restore_testing_role_is_compared(static):
    live = live_copy(static)
    arn = static["restore_testing_plans"][0]["selections"][0]["iam_role_arn"]
    role = next(r for r in live["roles"] if r["arn"] == arn)
    role["inline_policies"] = {}
    assert {(d.kind, d.field) for d in compare(static, live)} == {("role", "inline_policies")}
