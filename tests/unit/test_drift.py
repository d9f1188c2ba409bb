"""Drift between two snapshots: each kind of tampering is named, equivalent policies are not."""
from __future__ import annotations

import copy

import pytest

from audit.config import load_config
from audit.drift import compare, normalise_policy, render
from audit.sources.static import build_snapshot


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
    vault["access_policy"] = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "backup:*", "Resource": "*"}]}
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
