"""Restore testing as deployed: scripts/deploy.sh puts the example environment (restore-testing.yaml and one
restore-testing-plan.yaml per tested category included) into the sandbox, the job runner makes last week's
backups, and `retention sandbox run-restore-tests --latest-due` runs every plan at its latest scheduled start,
then the validation function (in-process, as EventBridge and Lambda would: moto cannot invoke a Lambda
function) for every COMPLETED restore test job, then the clean-up.

The sandbox is not AWS (sandbox/README.md): these tests show that the templates, the runner and the validation
function fit together, not that AWS behaves so. What AWS documents and the sandbox models: a restore test
creates a new resource, the validation function reports PutRestoreValidationResult once per job
(https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html).
"""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from audit.config import load_config
from audit.deployment import protected_resources, ssn_table_arns
from tests.support.sandbox import REPO_ROOT, example_accounts

CFG = load_config("example").data
NOW = datetime.now(timezone.utc).replace(microsecond=0)
RETENTION = str(Path(sys.executable).parent / "retention")


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), env=env, capture_output=True, text=True, cwd=REPO_ROOT, timeout=1500)


def _tested() -> list[str]:
    return [arn for category, arns in protected_resources(CFG).items()
            if not CFG["backup_policies"][category]["dedicated_vault"] for arn in arns]


@pytest.fixture(scope="module")
def world(sandbox, tmp_path_factory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("restore-testing-stack")
    env, _ = example_accounts(sandbox, out)
    config = ["--config-dir", str(out / "config"), "--endpoint-url", sandbox.url]
    backup = sandbox.client("backup")
    backup.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})
    for account, region in ((CFG["environment_account_id"], CFG["primary_region"]), (CFG["backup_account_id"], CFG["backup_region"])):
        sandbox.client("backup", account, region).update_region_settings(  # docs/setup.md steps 2-3, as demo.sh
            ResourceTypeOptInPreference={"S3": True, "DynamoDB": True}, ResourceTypeManagementPreference={"DynamoDB": True})
    deployed = _run(env, str(REPO_ROOT / "scripts" / "deploy.sh"), "--env", "example", *config, "--with-sample-app")
    assert deployed.returncode == 0, deployed.stderr[-4000:]
    table = CFG["inventory"]["dynamodb_tables"][0]["table_name"]
    ddb = sandbox.client("dynamodb")
    for i in range(3):
        ddb.put_item(TableName=table, Item={key["AttributeName"]: {"S": f"v{i}"} for key in
                                            ddb.describe_table(TableName=table)["Table"]["KeySchema"]})
    seeded = _run(env, sys.executable, "-m", "sandbox.seed_users", "--env", "example", *config, "--users", "5")
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    exported = _run(env, RETENTION, "sandbox", "run-exports", "--env", "example", *config)
    assert exported.returncode == 0, exported.stdout[-2000:] + exported.stderr[-2000:]
    backups = _run(env, RETENTION, "sandbox", "run-backups", "--env", "example", *config,
                   "--at", _iso(NOW - timedelta(days=7, hours=1)))
    assert backups.returncode == 0, backups.stdout + backups.stderr
    tests = _run(env, RETENTION, "sandbox", "run-restore-tests", "--env", "example", *config, "--latest-due",
                 "--at", _iso(NOW))
    return {"env": env, "config": config, "tests": tests, "table": table}


def _jobs(sandbox) -> list[dict[str, Any]]:
    backup = sandbox.client("backup")
    return [backup.describe_restore_job(RestoreJobId=j["RestoreJobId"])
            for page in backup.get_paginator("list_restore_jobs").paginate() for j in page["RestoreJobs"]]


def test_every_tested_resource_was_restored_and_validated_successful(sandbox, world):
    assert world["tests"].returncode == 0, world["tests"].stdout[-4000:] + world["tests"].stderr[-2000:]
    by_resource = {}
    for job in _jobs(sandbox):
        if (job.get("CreatedBy") or {}).get("RestoreTestingPlanArn"):
            by_resource.setdefault(job["SourceResourceArn"], []).append(job)
    assert sorted(by_resource) == sorted(_tested())
    for resource, jobs in by_resource.items():
        assert [(j["Status"], j["ValidationStatus"]) for j in jobs] == [("COMPLETED", "SUCCESSFUL")], resource
        assert jobs[0]["DeletionStatus"] == "SUCCESSFUL", resource  # cleaned up after its validation


def test_the_ssn_table_got_no_restore_job(sandbox, world):
    backup = sandbox.client("backup")
    for arn in ssn_table_arns(CFG):
        assert backup.list_restore_jobs_by_protected_resource(ResourceArn=arn)["RestoreJobs"] == []
    assert "ssn" not in world["tests"].stdout.replace("ssn_", "")


def test_the_validation_counted_the_items_and_published_its_metric_per_category(sandbox, world):
    assert "item_count: ok (3 items" in world["tests"].stdout
    metrics = sandbox.client("cloudwatch").list_metrics(Namespace="CompactRetention/RestoreValidation")["Metrics"]
    categories = {d["Value"] for m in metrics if m["MetricName"] == "ValidationSucceeded" for d in m["Dimensions"]}
    assert categories == {c for c, arns in protected_resources(CFG).items()
                          if arns and not CFG["backup_policies"][c]["dedicated_vault"]}


def test_a_restore_that_no_longer_matches_its_source_is_validated_failed(sandbox, world):
    """The source table gains an index after the backup: the restored table lacks it, the validation
    reports FAILED (and the run exits 1), the other resources still pass."""
    ddb = sandbox.client("dynamodb")
    backups = _run(world["env"], RETENTION, "sandbox", "run-backups", "--env", "example", *world["config"],
                   "--at", _iso(NOW + timedelta(hours=23)))  # before every plan's next start, within its window
    assert backups.returncode == 0, backups.stdout + backups.stderr
    ddb.update_table(TableName=world["table"], AttributeDefinitions=[{"AttributeName": "added", "AttributeType": "S"}],
                     GlobalSecondaryIndexUpdates=[{"Create": {
                         "IndexName": "added-after-the-backup", "KeySchema": [{"AttributeName": "added", "KeyType": "HASH"}],
                         "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
    result = _run(world["env"], RETENTION, "sandbox", "run-restore-tests", "--env", "example", *world["config"],
                  "--latest-due", "--at", _iso(NOW + timedelta(days=8)))
    assert result.returncode == 1, result.stdout[-3000:]
    source = next(arn for arn in _tested() if arn.endswith(f"table/{world['table']}"))
    newest = max((j for j in _jobs(sandbox) if j["SourceResourceArn"] == source), key=lambda j: j["CreationDate"])
    assert newest["Status"] == "COMPLETED" and newest["ValidationStatus"] == "FAILED"
    assert "global_indexes: FAILED (missing added-after-the-backup" in newest["ValidationStatusMessage"]
    for other in _tested():
        if other != source:
            latest = max((j for j in _jobs(sandbox) if j["SourceResourceArn"] == other), key=lambda j: j["CreationDate"])
            assert latest["CreationDate"] > NOW and latest["ValidationStatus"] == "SUCCESSFUL", other
