"""The end-to-end check: scripts/deploy.sh --env example --with-sample-app against the sandbox, with the
two accounts addressed as deploy.sh addresses them in AWS: one AWS CLI profile per side. The profiles come
from `python -m sandbox.accounts setup` (an AWS config file, and a copy of config/ whose example.json names
them, passed with --config-dir); config/ itself is not touched."""
from __future__ import annotations

import json
import subprocess

import pytest

from audit.config import load_config
from audit.deployment import stack_plan
from tests.support.sandbox import BACKUP_ACCOUNT, BACKUP_REGION, ENV_ACCOUNT, ENV_REGION, REPO_ROOT, example_accounts

PLAN = stack_plan(load_config("example").data, include_demo=True)


@pytest.fixture(scope="module")
def deployment(sandbox, tmp_path_factory):
    out = tmp_path_factory.mktemp("sandbox-example")
    env, setup = example_accounts(sandbox, out)
    result = subprocess.run([str(REPO_ROOT / "scripts" / "deploy.sh"), "--env", "example", "--config-dir",
                             str(out / "config"), "--endpoint-url", sandbox.url, "--with-sample-app"],
                            env=env, capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)
    return {"result": result, "out": out, "setup": setup}


def test_deploy_sh_deploys_the_example_with_the_sample_app(deployment):
    result = deployment["result"]
    assert result.returncode == 0, result.stderr[-4000:]
    assert f"==> deployed {len(PLAN)} stack(s) of example" in result.stderr


def test_each_side_is_deployed_with_its_own_account(deployment):
    # deploy.sh notes (and continues) when an endpoint answers as another account than the configured one.
    assert "answers as account" not in deployment["result"].stderr
    assert "(backup account 222222222222, us-west-2): deploying" in deployment["result"].stderr


def test_stacks_are_in_their_account_and_region(sandbox, deployment):
    assert deployment["result"].returncode == 0
    backup_side = sandbox.client("cloudformation", BACKUP_ACCOUNT, BACKUP_REGION).describe_stacks()["Stacks"]
    env_side = sandbox.client("cloudformation", ENV_ACCOUNT, ENV_REGION).describe_stacks()["Stacks"]
    assert sorted(s["StackName"] for s in backup_side) == sorted(p.name for p in PLAN if p.side == "backup")
    assert sorted(s["StackName"] for s in env_side) == sorted(p.name for p in PLAN if p.side == "environment")
    for stack in backup_side + env_side:
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack["StackName"]
        assert stack["Outputs"], stack["StackName"]
        assert {"Key": "compact-retention:environment", "Value": "example"} in stack["Tags"]
    assert sandbox.client("cloudformation", ENV_ACCOUNT, BACKUP_REGION).describe_stacks()["Stacks"] == []


def test_cross_account_references_resolve(sandbox, deployment):
    assert deployment["result"].returncode == 0
    backup = sandbox.client("backup")
    destinations = set()
    for summary in backup.list_backup_plans()["BackupPlansList"]:
        rule = backup.get_backup_plan(BackupPlanId=summary["BackupPlanId"])["BackupPlan"]["Rules"][0]
        destinations |= {action["DestinationBackupVaultArn"] for action in rule["CopyActions"]}
    vaults = sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION).list_backup_vaults()["BackupVaultList"]
    assert destinations == {v["BackupVaultArn"] for v in vaults}


def test_the_configuration_copy_names_the_profiles_and_config_is_untouched(deployment):
    copy = json.loads((deployment["out"] / "config" / "example.json").read_text())
    assert copy["profiles"] == {"environment": "sandbox-example-environment", "backup": "sandbox-example-backup"}
    assert json.loads((REPO_ROOT / "config" / "example.json").read_text())["profiles"] == {}
    aws_config = (deployment["out"] / "aws-config").read_text()
    assert "aws_access_key_id = AKIA111111111111SBOX" in aws_config
    assert "aws_access_key_id = AKIA222222222222SBOX" in aws_config
