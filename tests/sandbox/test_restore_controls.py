"""The restore controls live, in the sandbox: the example environment deployed with its restore testing, a
week of backups, the restore tests run (``retention sandbox run-restore-tests``, which also runs the
validation function as EventBridge and Lambda would); each violation, made with the AWS APIs or by running
the tests at the wrong time, makes the live audit exit 1 with exactly the expected restore control failed.

The sandbox is not AWS: it dates a restore job at the time the runner is asked to run it (``--at``) and
completes it at once unless ``--restore-minutes`` says how long the restores take (a slow restore for RES-06's
duration check); moto dates a created table or bucket
with the real clock, so a leftover is aged here by the drill stamp its name and tag carry.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from audit.schedule import parse
from tests.support.deployments import RETENTION, Deployed, at_hours_ago
from tests.support.sandbox import ENV_ACCOUNT, ENV_REGION, REPO_ROOT

RULE = "compact-retention-example-restore-job-completed"
CRITICAL_PLAN = "compact_retention_example_critical_data"


class Restoring(Deployed):
    def restore_tests(self, *extra: str, check: bool = True) -> str:
        result = self.run(RETENTION, "sandbox", "run-restore-tests", "--env", "example", "--config-dir", self.config_dir,
                          "--endpoint-url", self.sandbox.url, *extra, check=check)
        return result.stdout + result.stderr

    def control(self, control_id: str) -> dict:
        report = json.loads((self.reports / "report.json").read_text())
        return next(c for c in report["controls"] if c["id"] == control_id)


@pytest.fixture(scope="module")
def deployed(sandbox, tmp_path_factory):
    env = Restoring(sandbox, tmp_path_factory.mktemp("restore-controls"))
    for account, region in ((ENV_ACCOUNT, ENV_REGION), ("222222222222", "us-west-2")):
        sandbox.aws("backup", "update-region-settings", "--resource-type-opt-in-preference", "S3=true,DynamoDB=true",
                    "--resource-type-management-preference", "DynamoDB=true", account=account, region=region)
    sandbox.aws("backup", "update-global-settings", "--global-settings", "isCrossAccountBackupEnabled=true")
    env.run(REPO_ROOT / "scripts" / "deploy.sh", "--env", "example", "--config-dir", env.config_dir,
            "--endpoint-url", sandbox.url, "--with-sample-app")
    env.run_exports()
    # three weeks of backups, a few days apart (what restore tests of any of those weeks find within their
    # 8-day selection window), then last week's and today's, as scripts/demo.sh runs them
    for hours in (20 * 24, 17 * 24, 14 * 24, 11 * 24, 7 * 24 + 1, 3):
        env.run_backups(hours_ago=hours)
    return env


def test_restore_tests_of_ten_days_ago_are_stale(deployed):
    """Every plan ran 10 to 17 days ago, and not since: the newest test of every resource is older than the
    7-day cadence plus 1 day of grace."""
    output = deployed.restore_tests("--latest-due", "--at", at_hours_ago(10 * 24))
    assert "COMPLETED" in output
    assert deployed.audit() == (1, {"RES-06"})
    res = deployed.control("RES-06")
    assert "compact-connect-example-provider: newest restore test" in res["message"]
    assert "limit 7 days + 1 day of grace" in res["message"]


def test_this_cadences_validated_restore_tests_pass(deployed):
    deployed.restore_tests("--latest-due")
    assert deployed.audit() == (0, set())
    res = deployed.control("RES-06")
    assert any("validation SUCCESSFUL" in line for line in res["evidence"])
    assert any("restore took" in line and "RTO 4 h" in line for line in res["evidence"])


def test_a_drill_scratch_table_left_behind_fails(deployed, sandbox):
    dynamodb = sandbox.client("dynamodb")
    kept = "compact-connect-example-provider-drill-20261101t020000z"
    fresh = "awsbackup-restore-test-just-restored"  # a restore test's table inside its validation window passes
    for name, tag in ((kept, {"Key": "compact-retention:drill", "Value": "20261101t020000z"}),
                      (fresh, {"Key": "awsbackup-restore-test", "Value": CRITICAL_PLAN})):
        dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], Tags=[tag])
    try:
        assert deployed.audit() == (1, {"RES-07"})
        res = deployed.control("RES-07")
        assert f"dynamodb table {kept}" in res["message"] and "LEFTOVER" in res["message"]
        assert fresh not in res["message"]
    finally:
        for name in (kept, fresh):
            dynamodb.delete_table(TableName=name)


def test_a_plan_admitting_the_ssn_vault_fails(deployed, sandbox):
    backup = sandbox.client("backup")
    got = backup.get_restore_testing_plan(RestoreTestingPlanName=CRITICAL_PLAN)["RestoreTestingPlan"]
    original = got["RecoveryPointSelection"]
    ssn_vault = f"arn:aws:backup:{ENV_REGION}:{ENV_ACCOUNT}:backup-vault:CompactConnectBackupVault-SSN"
    backup.update_restore_testing_plan(RestoreTestingPlanName=CRITICAL_PLAN, RestoreTestingPlan={"RecoveryPointSelection": {
        **original, "IncludeVaults": [*original["IncludeVaults"], ssn_vault], "ExcludeVaults": []}})
    try:
        assert deployed.audit() == (1, {"RES-02"})
        assert f"restore testing plan {CRITICAL_PLAN}: the SSN vault is ADMITTED" in deployed.control("RES-02")["message"]
    finally:
        backup.update_restore_testing_plan(RestoreTestingPlanName=CRITICAL_PLAN,
                                           RestoreTestingPlan={"RecoveryPointSelection": original})


def test_a_failed_validation_fails(deployed, sandbox):
    """The validation rule is disabled while the critical-data plan runs at its next scheduled start (so the
    validation function never sees the jobs), then a validator reports FAILED with PutRestoreValidationResult."""
    backup, events = sandbox.client("backup"), sandbox.client("events")
    plan = next(p for p in backup.list_restore_testing_plans()["RestoreTestingPlans"]
                if p["RestoreTestingPlanName"] == CRITICAL_PLAN)
    start = parse(plan["ScheduleExpression"]).get_next(datetime.now(timezone.utc))[0]
    events.disable_rule(Name=RULE)
    try:
        deployed.restore_tests("--at", (start + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), check=False)
    finally:
        events.enable_rule(Name=RULE)
    jobs = [j for j in backup.list_restore_jobs(ByRestoreTestingPlanArn=plan["RestoreTestingPlanArn"])["RestoreJobs"]
            if j["Status"] == "COMPLETED" and not j.get("ValidationStatus")]
    assert jobs, "the run at the plan's next start created no unvalidated job"
    for job in jobs:
        backup.put_restore_validation_result(RestoreJobId=job["RestoreJobId"], ValidationStatus="FAILED",
                                             ValidationStatusMessage="item count 0, the recovery point's source held 3")
    assert deployed.audit() == (1, {"RES-06"})
    res = deployed.control("RES-06")
    assert "validation FAILED (item count 0, the recovery point's source held 3)" in res["message"]


def test_a_restore_slower_than_the_rto_fails(deployed):
    """Last in the module (it leaves the newest restore tests slow): the critical-data plan runs at its next
    start after the one above (after that night's backups), each restore taking 5 hours against the category's 4-hour RTO (Audit Manager's
    RESTORE_TIME_FOR_RESOURCES_MEET_TARGET, https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html)."""
    backup = deployed.sandbox.client("backup")
    plan = next(p for p in backup.list_restore_testing_plans()["RestoreTestingPlans"]
                if p["RestoreTestingPlanName"] == CRITICAL_PLAN)
    cron = parse(plan["ScheduleExpression"])
    now = datetime.now(timezone.utc)
    start = cron.get_next(cron.get_next(now)[0])[0]
    deployed.run_backups(hours_ago=-((start - now).total_seconds() / 3600 - 1))  # that night's backups
    output = deployed.restore_tests("--at", (start + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                    "--restore-minutes", "300")
    assert "COMPLETED" in output
    assert deployed.audit() == (1, {"RES-06"})
    message = deployed.control("RES-06")["message"]
    assert "compact-connect-example-provider" in message and "restore took 5" in message and "RTO 4 h" in message


def test_restore_minutes_out_of_range_is_refused(deployed):
    for bad in ("-1", "10081", "nan"):
        output = deployed.restore_tests("--restore-minutes", bad, check=False)
        assert "--restore-minutes" in output and "between 0 and 10080" in output
