"""In the sandbox: monitoring.yaml deploys and the live audit reads it (MON-01..07 pass live); a copy job
that the job runner refuses (the destination vault's policy refuses it) yields the "Copy Job State Change"
event in AWS's documented shape, EventBridge's TestEventPattern (moto) on the deployed rules' patterns and
audit.events agree rule by rule, and the failure reaches the alerts topic; a removed key statement makes
MON-03 fail live.

Only the stacks this needs are created (CloudFormation calls with the deployer's parameters, without the
deploy script's gate, which the template tests run), to keep the module at a few seconds. A sandbox result
is never a statement about AWS: moto sends no event and evaluates no policy on Publish.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit import deployment, events
from audit.config import load_config
from audit.sources.static.stacks import template_path
from tests.support.deployments import Deployed
from tests.support.sandbox import BACKUP_ACCOUNT, BACKUP_REGION, ENV_ACCOUNT, ENV_REGION, sandbox  # noqa: F401 (fixture)

STACKS = ("backup-vaults", "sample-application", "backup-infrastructure", "monitoring", "plan-critical-data")


def create_stacks(box, cfg) -> None:
    outputs: dict[str, dict[str, str]] = {}
    for spec in deployment.stack_plan(cfg, include_demo=True):
        if spec.key not in STACKS:
            continue
        path = template_path(spec, None)
        values = deployment.resolve_parameters(spec, outputs, declared=_declared(path))
        cfn = box.client("cloudformation", spec.account_id, spec.region)
        cfn.create_stack(StackName=spec.name, TemplateBody=path.read_text(), Capabilities=["CAPABILITY_NAMED_IAM"],
                         Parameters=[{"ParameterKey": k, "ParameterValue": deployment.render_value(v)} for k, v in values.items()])
        stack = cfn.describe_stacks(StackName=spec.name)["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE", (spec.name, stack["StackStatus"])
        outputs[spec.key] = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _declared(path: Path) -> list[str]:
    from audit.templates import load_template

    return list((load_template(path).get("Parameters") or {}).keys())


@pytest.fixture(scope="module")
def deployed(sandbox, tmp_path_factory):  # noqa: F811
    env = Deployed(sandbox, tmp_path_factory.mktemp("monitoring"))
    cfg = load_config("example", env.config_dir).data
    for account, region in ((ENV_ACCOUNT, ENV_REGION), (BACKUP_ACCOUNT, BACKUP_REGION)):
        sandbox.aws("backup", "update-region-settings", "--resource-type-opt-in-preference", "S3=true,DynamoDB=true",
                    "--resource-type-management-preference", "DynamoDB=true", account=account, region=region)
    create_stacks(sandbox, cfg)
    return env


def live_monitoring_audit(deployed) -> tuple[int, dict[str, dict]]:
    result = deployed.run(deployed_retention(), "audit", "--mode", "live", "--env", "example", "--config-dir", deployed.config_dir,
                          "--endpoint-url", deployed.sandbox.url, "--report-dir", deployed.reports, "--tags", "monitoring",
                          check=False)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    report = json.loads((deployed.reports / "report.json").read_text())
    return result.returncode, {c["id"]: c for c in report["controls"]}


def deployed_retention() -> Path:
    from tests.support.sandbox import VENV_BIN

    return VENV_BIN / "retention"


def test_the_deployed_monitoring_passes_every_monitoring_control_live(deployed):
    code, controls = live_monitoring_audit(deployed)
    assert sorted(controls) == [f"MON-0{i}" for i in range(1, 9)]
    assert code == 0, {k: c["message"] for k, c in controls.items() if c["status"] != "passed"}
    evidence = "\n".join(controls["MON-02"]["evidence"])
    assert "topic compact-retention-example-critical-alerts: 2 subscriptions (email, https)" in evidence


def test_a_refused_copy_produces_the_event_the_deployed_rules_and_eventbridge_agree_on(deployed, sandbox):  # noqa: F811
    backup = sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION)
    vault = "CompactConnectBackupVault"
    policy = json.loads(backup.get_backup_vault_access_policy(BackupVaultName=vault)["Policy"])
    for statement in policy["Statement"]:
        if statement["Effect"] == "Allow":
            statement["Principal"] = {"AWS": "arn:aws:iam::999999999999:root"}
    backup.put_backup_vault_access_policy(BackupVaultName=vault, Policy=json.dumps(policy))
    output = deployed.run_backups(hours_ago=1)
    assert "the destination vault refuses backup:CopyIntoBackupVault" in output

    local = sandbox.client("backup")
    failed = local.list_copy_jobs(ByState="FAILED")["CopyJobs"]
    assert failed, output
    job = local.describe_copy_job(CopyJobId=failed[0]["CopyJobId"])["CopyJob"]
    event = events.copy_job_state_change(job, region=ENV_REGION)
    assert set(event["detail"]) <= set(events.sample_event("copy-job-failed")["detail"])  # AWS's documented fields only

    eb = sandbox.client("events")
    rules = eb.list_rules(NamePrefix="compact-retention-example-")["Rules"]
    assert len(rules) == 7
    matched = []
    for rule in rules:
        pattern = json.loads(rule["EventPattern"])
        by_eventbridge = eb.test_event_pattern(EventPattern=rule["EventPattern"], Event=json.dumps(event))["Result"]
        assert events.matches(pattern, event) is by_eventbridge, rule["Name"]
        if by_eventbridge:
            targets = eb.list_targets_by_rule(Rule=rule["Name"])["Targets"]
            matched.append((rule["Name"], [t["Arn"].rsplit(":", 1)[-1] for t in targets]))
    assert matched == [("compact-retention-example-copy-job-failures", ["compact-retention-example-alerts"])]

    completed = {**event, "detail": {**event["detail"], "state": "COMPLETED"}}
    assert not any(eb.test_event_pattern(EventPattern=r["EventPattern"], Event=json.dumps(completed))["Result"] for r in rules)


def test_a_key_policy_without_eventbridge_fails_mon_03_live(deployed, sandbox):  # noqa: F811
    topic = sandbox.client("sns").get_topic_attributes(
        TopicArn=f"arn:aws:sns:{ENV_REGION}:{ENV_ACCOUNT}:compact-retention-example-alerts")["Attributes"]
    kms = sandbox.client("kms")
    original = kms.get_key_policy(KeyId=topic["KmsMasterKeyId"], PolicyName="default")["Policy"]
    policy = json.loads(original)
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != "AllowEventBridgeToEncryptAlerts"]
    kms.put_key_policy(KeyId=topic["KmsMasterKeyId"], PolicyName="default", Policy=json.dumps(policy))
    try:
        code, controls = live_monitoring_audit(deployed)
        assert code == 1 and {k for k, c in controls.items() if c["status"] == "failed"} == {"MON-03"}
        assert "(events.amazonaws.com) kms:GenerateDataKey on the key of topic compact-retention-example-alerts: DENIED" \
            in controls["MON-03"]["message"]
    finally:
        kms.put_key_policy(KeyId=topic["KmsMasterKeyId"], PolicyName="default", Policy=original)
