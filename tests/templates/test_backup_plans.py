"""Backup plans (design phases 2-3): every protected table and bucket in exactly one plan of its
category, daily, with the category's lifecycle, copied to the category's cross-account vault."""
from __future__ import annotations

from collections import Counter

import pytest

from audit import schedule
from audit.deployment import protected_resources


def plans(env):
    return {key: stack.template for key, stack in env.stacks.items() if key.startswith("plan-")}


def rule_of(template):
    (plan,) = template.resources_of_type("AWS::Backup::BackupPlan").values()
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    return rule


def selection_of(template):
    (selection,) = template.resources_of_type("AWS::Backup::BackupSelection").values()
    return selection["Properties"]["BackupSelection"]


@pytest.mark.backs("COV-01", "COV-02")
def test_every_protected_resource_is_selected_by_exactly_one_plan_of_its_category(env):
    expected = protected_resources(env.cfg)
    counts = Counter()
    for template in plans(env).values():
        category = template.parameters["Category"]
        selected = selection_of(template)["Resources"]
        assert selected == expected[category]
        counts.update(selected)
    every = [arn for arns in expected.values() for arn in arns]
    assert set(counts) == set(every) and all(n == 1 for n in counts.values())
    excluded = [b["bucket_name"] for b in env.cfg["inventory"]["s3_buckets"] if b.get("excluded")]
    assert not any(name in arn for arn in counts for name in excluded)


@pytest.mark.backs("RPO-01")
def test_rules_run_daily(env):
    for template in plans(env).values():
        analysis = schedule.analyse(rule_of(template)["ScheduleExpression"])
        assert analysis.max_gap_hours <= 24


@pytest.mark.backs("RET-01", "RET-02", "RET-04", "ISO-01")
def test_lifecycle_and_copy_lifecycle_come_from_the_category(env):
    for template in plans(env).values():
        policy = env.cfg["backup_policies"][template.parameters["Category"]]
        rule = rule_of(template)
        expected = {"DeleteAfterDays": policy["lifecycle"]["delete_after_days"]}
        if policy["lifecycle"]["cold_storage_days"] is not None:
            expected["MoveToColdStorageAfterDays"] = policy["lifecycle"]["cold_storage_days"]
        assert rule["Lifecycle"] == expected
        (copy_action,) = rule["CopyActions"]
        assert copy_action["Lifecycle"] == expected
        assert copy_action["DestinationBackupVaultArn"] == policy["cross_account_vault_arn"]


@pytest.mark.backs("ISO-05")
def test_ssn_data_only_in_ssn_vaults_with_the_ssn_role(env):
    ssn_vault = env.cfg["vault_names"]["ssn"]
    for template in plans(env).values():
        category = template.parameters["Category"]
        rule, selection = rule_of(template), selection_of(template)
        dedicated = env.cfg["backup_policies"][category]["dedicated_vault"]
        assert (rule["TargetBackupVault"] == ssn_vault) == dedicated
        assert rule["CopyActions"][0]["DestinationBackupVaultArn"].endswith(f":backup-vault:{ssn_vault}") == dedicated
        role = selection["IamRoleArn"].rsplit("/", 1)[1]
        expected_role = env.cfg["backup_policies"][category].get("specialized_role") or env.cfg["roles"]["general_backup_role_name"]
        assert role == expected_role


@pytest.mark.template_fact(
    "a plan whose selection is empty fails to deploy: the deployer must leave out the plan of a "
    "category with nothing protected")
def test_an_empty_category_deploys_no_plan(edit_config):
    from audit.config import load_config
    from audit.sources.static.stacks import resolve_environment

    def drop_export(c):
        for bucket in c["inventory"]["s3_buckets"]:
            if bucket.get("category") == "export_data":
                bucket.pop("category")
                bucket.update(excluded=True, exclusion_reason="test: nothing of this category is protected")

    cfg = load_config("example", edit_config("example", drop_export)).data
    assert "plan-export-data" not in resolve_environment(cfg)
