"""cloudformation/restore-testing.yaml and restore-testing-plan.yaml as every bundled environment deploys
them (resolved with the deployer's parameters): one plan per tested category, never the SSN vault, restored
data under the general customer-managed key, a restore testing role confined to the general vault and key
(evaluated with the project's policy evaluator, as IAM would), the validation function wired to the
"Restore Job State Change" event, and alarms to the alert topic within CloudWatch's 7-day limit.

AWS documents: restore testing plans and selections (API RestoreTestingPlanForCreate,
https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingPlanForCreate.html: plan names are
letters, digits and underscores); validation (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html);
the alarm range limit (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
"""
from __future__ import annotations

import copy
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from audit import deployment
from audit.events import matches, sample_event
from audit.policy import Request, evaluate
from audit.schedule import analyse
from audit.sources.static.stacks import load_cached
from audit.templates import resolve_template

REPO = Path(__file__).resolve().parents[2]
PLAN_TEMPLATE = REPO / "cloudformation" / "restore-testing-plan.yaml"
SEVEN_DAYS = 7 * 24 * 3600


def _tested_categories(cfg: dict[str, Any]) -> list[str]:
    return [c for c, arns in deployment.protected_resources(cfg).items()
            if arns and not cfg["backup_policies"][c]["dedicated_vault"]]


def plan_stacks(env) -> dict[str, Any]:
    return {k: s for k, s in env.stacks.items() if k.startswith("restore-test-")}


def outputs(env, stack: str) -> dict[str, Any]:
    return env.stacks[stack].template.outputs


# ------------------------------------------------------------------------------------------- stacks

@pytest.mark.backs("RES-02")
def test_one_restore_testing_stack_then_one_plan_per_tested_category_in_deployment_order(env):
    keys = [s.key for s in deployment.stack_plan(env.cfg)]
    assert keys.count("restore-testing") == 1
    expected = [f"restore-test-{deployment.category_slug(c)}" for c in _tested_categories(env.cfg)]
    assert sorted(plan_stacks(env)) == sorted(expected)
    position = keys.index("restore-testing")
    assert all(keys.index(k) < position for k in ("backup-infrastructure", "monitoring", "artifacts"))
    assert all(keys.index(k) > position for k in expected)
    assert not any("ssn" in k for k in expected)


@pytest.mark.template_fact(
    "a declared parameter without a value fails the deployment; no control reads the deployer's "
    "parameters")
def test_params_resolve_every_parameter_each_template_declares(env):
    for key in ["restore-testing", *plan_stacks(env)]:
        declared = set(load_cached(env.stacks[key].template_path).get("Parameters") or {})
        spec = deployment.find_stack(deployment.stack_plan(env.cfg), key)
        assert declared <= set(spec.parameters), f"{key}: no value for {sorted(declared - set(spec.parameters))}"


# ------------------------------------------------------------------------------------------- plans

@pytest.mark.backs("RES-02")
def test_each_plan_restores_the_newest_general_vault_point_and_never_the_ssn_vault(env):
    infra = outputs(env, "backup-infrastructure")
    for key, stack in plan_stacks(env).items():
        plan = stack.template.resources["RestoreTestingPlan"]["Properties"]
        category = stack.spec.parameters["Category"]
        assert plan["RestoreTestingPlanName"] == deployment.restore_testing_plan_name(env.cfg, category)
        assert re.fullmatch(r"[A-Za-z0-9_]{1,50}", plan["RestoreTestingPlanName"]), plan["RestoreTestingPlanName"]
        selection = plan["RecoveryPointSelection"]
        assert selection["IncludeVaults"] == [infra["GeneralVaultArn"]]
        assert selection["ExcludeVaults"] == [infra["SSNVaultArn"]]
        assert selection["Algorithm"] == "LATEST_WITHIN_WINDOW" and selection["RecoveryPointTypes"] == ["SNAPSHOT"]
        assert plan["ScheduleExpressionTimezone"] == "Etc/UTC"
        assert not ssn_exposure(env, stack.template.resources), key


def ssn_exposure(env, resources: dict[str, Any]) -> list[str]:
    """What in a plan stack would restore-test SSN data: the SSN vault admitted (listed, or ``*`` without it
    excluded), or an SSN table selected."""
    ssn_vault = outputs(env, "backup-infrastructure")["SSNVaultArn"]
    found = []
    plan = resources["RestoreTestingPlan"]["Properties"]["RecoveryPointSelection"]
    if ssn_vault in plan["IncludeVaults"] or ("*" in plan["IncludeVaults"] and ssn_vault not in plan.get("ExcludeVaults", [])):
        found.append("the plan admits the SSN vault")
    for resource in resources.values():
        if resource["Type"] == "AWS::Backup::RestoreTestingSelection":
            found += [f"selects {arn}" for arn in resource["Properties"]["ProtectedResourceArns"]
                      if arn in deployment.ssn_table_arns(env.cfg)]
    return found


@pytest.mark.template_fact(
    "proves ssn_exposure, used above to keep SSN data out of restore tests, catches each way in "
    "(negative control)")
def test_an_ssn_vault_in_include_vaults_or_an_ssn_table_in_a_selection_is_detected(example):
    stack = next(iter(plan_stacks(example).values()))
    ssn_vault = outputs(example, "backup-infrastructure")["SSNVaultArn"]
    included = copy.deepcopy(stack.template.resources)
    included["RestoreTestingPlan"]["Properties"]["RecoveryPointSelection"]["IncludeVaults"].append(ssn_vault)
    assert ssn_exposure(example, included) == ["the plan admits the SSN vault"]
    wildcard = copy.deepcopy(stack.template.resources)
    wildcard["RestoreTestingPlan"]["Properties"]["RecoveryPointSelection"].update(IncludeVaults=["*"], ExcludeVaults=[])
    assert ssn_exposure(example, wildcard) == ["the plan admits the SSN vault"]
    selected = copy.deepcopy(plan_stacks(example)["restore-test-critical-data"].template.resources)
    selected["TableRestoreTestingSelection"]["Properties"]["ProtectedResourceArns"].append(deployment.ssn_table_arns(example.cfg)[0])
    assert ssn_exposure(example, selected) == [f"selects {deployment.ssn_table_arns(example.cfg)[0]}"]


@pytest.mark.backs("RES-02", "RES-04")
def test_selections_name_exactly_the_category_resources_and_keep_them_under_the_general_key(env):
    key_arn = outputs(env, "backup-infrastructure")["GeneralKeyArn"]
    role_arn = outputs(env, "restore-testing")["RestoreTestingRoleArn"]
    for stack in plan_stacks(env).values():
        category = stack.spec.parameters["Category"]
        selections = stack.template.resources_of_type("AWS::Backup::RestoreTestingSelection")
        selected = sorted(a for s in selections.values() for a in s["Properties"]["ProtectedResourceArns"])
        assert selected == sorted(deployment.protected_resources(env.cfg)[category])
        for selection in selections.values():
            props = selection["Properties"]
            assert props["IamRoleArn"] == role_arn
            overrides = {k.lower(): v for k, v in props["RestoreMetadataOverrides"].items()}
            if props["ProtectedResourceType"] == "DynamoDB":
                assert overrides == {"encryptiontype": "KMS", "kmsmasterkeyarn": key_arn}
            else:
                assert props["ProtectedResourceType"] == "S3"
                assert overrides == {"encryptiontype": "SSE-KMS", "kmskey": key_arn}
            assert 1 <= props["ValidationWindowHours"] <= 168


@pytest.mark.template_fact("a restore testing selection with no resources fails to deploy")
def test_a_category_with_only_buckets_deploys_only_the_bucket_selection(example):
    resources = plan_stacks(example)["restore-test-export-data"].template.resources
    assert "BucketRestoreTestingSelection" in resources and "TableRestoreTestingSelection" not in resources


def _schedule_for(every_days: int, hour: int = 7) -> str:
    """The plan template's ScheduleExpression resolved for a cadence (the template's own Fn::If)."""
    spec = deployment.find_stack(deployment.stack_plan(_example_cfg()), "restore-test-critical-data")
    params = {**{k: v for k, v in spec.parameters.items() if not isinstance(v, deployment.OutputRef)},
              "RestoreTestEveryDays": every_days, "RestoreTestHour": hour,
              "GeneralVaultArn": "arn:aws:backup:us-east-1:111111111111:backup-vault:G",
              "SSNVaultArn": "arn:aws:backup:us-east-1:111111111111:backup-vault:S",
              "GeneralKeyArn": "arn:aws:kms:us-east-1:111111111111:key/k",
              "RestoreTestingRoleArn": "arn:aws:iam::111111111111:role/r",
              "AlertTopicArn": "arn:aws:sns:us-east-1:111111111111:t"}
    resolved = resolve_template(load_cached(PLAN_TEMPLATE), parameters=params, account_id="111111111111",
                                region="us-east-1", stack_name="s")
    return resolved.resources["RestoreTestingPlan"]["Properties"]["ScheduleExpression"]


def _example_cfg() -> dict[str, Any]:
    from audit.config import load_config

    return load_config("example").data


def _max_gap_days(expression: str) -> float:
    # a year from a leap-year January: every month length and both February lengths' successors
    return analyse(expression, start=datetime(2028, 1, 1, tzinfo=timezone.utc)).max_gap_hours / 24


@pytest.mark.parametrize("every_days", range(1, 8))
@pytest.mark.backs("RES-02")
def test_the_schedule_never_leaves_a_gap_longer_than_the_cadence_across_a_year(every_days):
    expression = _schedule_for(every_days)
    assert expression == ("cron(0 7 * * ? *)" if every_days == 1 else f"cron(0 7 */{every_days} * ? *)")
    assert _max_gap_days(expression) <= every_days


@pytest.mark.backs("RES-02")
def test_the_gap_check_fails_a_schedule_that_leaves_longer_gaps():
    assert _max_gap_days("cron(0 7 1,15 * ? *)") > 7  # twice a month: up to 17 days apart


@pytest.mark.template_fact("restore tests start after the day's backup window, so they test that day's recovery point")
def test_the_test_hour_follows_the_category_backup_window(env):
    for stack in plan_stacks(env).values():
        policy = env.cfg["backup_policies"][stack.spec.parameters["Category"]]
        backup_hour = int(policy["schedule"].split()[1])
        window_hours = -(-(policy["start_window_minutes"] + policy["completion_window_minutes"]) // 60)
        assert stack.spec.parameters["RestoreTestHour"] == (backup_hour + window_hours) % 24


# ------------------------------------------------------------------------------------------- the role

def _role(env) -> tuple[str, list[dict[str, Any]]]:
    props = env.stacks["restore-testing"].template.resources["RestoreTestingRole"]["Properties"]
    assert props["RoleName"] == env.cfg["roles"]["restore_testing_role_name"]
    arn = f"arn:aws:iam::{env.cfg['environment_account_id']}:role/{props['RoleName']}"
    return arn, [p["PolicyDocument"] for p in props["Policies"]]


def _key_policy(env, logical_id: str) -> dict[str, Any]:
    return env.stacks["backup-infrastructure"].template.resources[logical_id]["Properties"]["KeyPolicy"]


def _decide(env, role: str, policies: list[dict[str, Any]], action: str, resource: str, key: str | None = None,
            **context: Any):
    account, region = env.cfg["environment_account_id"], env.cfg["primary_region"]
    return evaluate(Request(role, action, resource, {"kms:ViaService": f"backup.{region}.amazonaws.com", **context},
                            resource_account=account),
                    identity_policies=policies, resource_policy=_key_policy(env, key) if key else None,
                    resource_policy_type="kms_key" if key else "resource")


@pytest.mark.template_fact(
    "the restore testing role's trust is limited to this account (confused deputy); RES-03 checks "
    "only that AWS Backup may assume it")
def test_only_aws_backup_of_this_account_can_assume_the_restore_testing_role(env):
    trust = env.stacks["restore-testing"].template.resources["RestoreTestingRole"]["Properties"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "backup.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": env.cfg["environment_account_id"]}}


@pytest.mark.backs("RES-03")
def test_the_role_can_use_the_general_key_and_is_explicitly_denied_the_ssn_vault_and_key(env):
    role, policies = _role(env)
    infra = outputs(env, "backup-infrastructure")
    general = _decide(env, role, policies, "kms:Decrypt", infra["GeneralKeyArn"], "GeneralBackupKey")
    assert general.allowed, general.reason
    grant = _decide(env, role, policies, "kms:CreateGrant", infra["GeneralKeyArn"], "GeneralBackupKey",
                    **{"kms:GrantIsForAWSResource": "true"})
    assert grant.allowed, grant.reason
    for action in ("kms:Decrypt", "kms:CreateGrant"):
        decision = _decide(env, role, policies, action, infra["SSNKeyArn"], "SSNBackupKey", **{"kms:GrantIsForAWSResource": "true"})
        assert decision.kind == "ExplicitDeny", decision.reason
        # and by its own policies alone, whatever the SSN key policy says (defence in depth)
        assert _decide(env, role, policies, action, infra["SSNKeyArn"]).kind == "ExplicitDeny"
    for action in ("backup:StartRestoreJob", "backup:GetRecoveryPointRestoreMetadata"):
        assert _decide(env, role, policies, action, infra["SSNVaultArn"]).kind == "ExplicitDeny"


@pytest.mark.backs("RES-03")
def test_without_its_deny_statement_the_role_is_no_longer_denied_the_ssn_key(example):
    """The role's own Deny is what this test pins (the SSN key policy's break-glass DENY also refuses it)."""
    role, policies = _role(example)
    weakened = [p for p in policies if not any(s.get("Sid") == "DenySSNRestore" for s in p["Statement"])]
    assert len(weakened) == len(policies) - 1
    ssn_key = outputs(example, "backup-infrastructure")["SSNKeyArn"]
    assert _decide(example, role, policies, "kms:Decrypt", ssn_key).kind == "ExplicitDeny"
    assert _decide(example, role, weakened, "kms:Decrypt", ssn_key).kind != "ExplicitDeny"


@pytest.mark.template_fact(
    "a restore test must never write into the protected tables and buckets; no control reads the "
    "role's write scope")
def test_the_role_restores_only_into_new_test_resources(env):
    role, policies = _role(env)
    account, region = env.cfg["environment_account_id"], env.cfg["primary_region"]
    test_table = f"arn:aws:dynamodb:{region}:{account}:table/awsbackup-restore-test-abc"
    assert _decide(env, role, policies, "dynamodb:RestoreTableFromAwsBackup", test_table).allowed
    for table in deployment.protected_resources(env.cfg)["critical_data"][:1]:
        assert not _decide(env, role, policies, "dynamodb:PutItem", table).allowed
    assert _decide(env, role, policies, "s3:PutObject", "arn:aws:s3:::awsbackup-restore-test-abc/k").allowed
    source_bucket = next(a for arns in deployment.protected_resources(env.cfg).values() for a in arns if a.startswith("arn:aws:s3"))
    assert not _decide(env, role, policies, "s3:PutObject", f"{source_bucket}/k").allowed


# ------------------------------------------------------------------------------------------- validation

@pytest.mark.backs("RES-05")
def test_the_rule_sends_completed_restore_jobs_to_the_function_with_retries_and_the_dead_letter_queue(env):
    resources = env.stacks["restore-testing"].template.resources
    rule = resources["RestoreJobCompletedRule"]["Properties"]
    assert matches(rule["EventPattern"], sample_event("restore-job-completed"))
    assert not matches(rule["EventPattern"], sample_event("restore-job-failed"))
    (target,) = rule["Targets"]
    assert target["Arn"] == outputs(env, "restore-testing")["RestoreValidationFunctionArn"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert target["DeadLetterConfig"]["Arn"] == outputs(env, "restore-testing")["RestoreValidationDLQArn"]


@pytest.mark.template_fact(
    "runtime, reserved concurrency, dead-letter queue and encrypted logs of the validation function; "
    "no control reads them")
def test_the_function_is_python_313_with_reserved_concurrency_its_dead_letter_queue_and_encrypted_logs(env):
    resources = env.stacks["restore-testing"].template.resources
    function = resources["RestoreValidationFunction"]["Properties"]
    assert function["Runtime"] == "python3.13" and function["Handler"] == "restore_validator.handler.lambda_handler"
    assert function["ReservedConcurrentExecutions"] >= 1
    assert function["DeadLetterConfig"]["TargetArn"] == outputs(env, "restore-testing")["RestoreValidationDLQArn"]
    assert resources["RestoreValidationDLQ"]["Properties"]["KmsMasterKeyId"]
    logs = resources["RestoreValidationLogGroup"]["Properties"]
    assert logs["RetentionInDays"] == 365 and logs["KmsKeyId"]
    queue_policy = resources["RestoreValidationDLQPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in queue_policy)


def _validator(env) -> tuple[str, list[dict[str, Any]]]:
    props = env.stacks["restore-testing"].template.resources["RestoreValidationRole"]["Properties"]
    return f"arn:aws:iam::{env.cfg['environment_account_id']}:role/{props['RoleName']}", \
        [p["PolicyDocument"] for p in props["Policies"]]


@pytest.mark.template_fact(
    "the validator counts restored items and reads no data, no source table and no SSN table; no "
    "control reads its role")
def test_the_validator_counts_restored_test_tables_and_reads_nothing_else(env):
    role, policies = _validator(env)
    account, region = env.cfg["environment_account_id"], env.cfg["primary_region"]
    test_table = f"arn:aws:dynamodb:{region}:{account}:table/awsbackup-restore-test-abc"
    source = deployment.protected_resources(env.cfg)["critical_data"][0]
    assert _decide(env, role, policies, "dynamodb:Scan", test_table, **{"dynamodb:Select": "COUNT"}).allowed
    assert not _decide(env, role, policies, "dynamodb:Scan", test_table, **{"dynamodb:Select": "ALL_ATTRIBUTES"}).allowed
    assert not _decide(env, role, policies, "dynamodb:Scan", source, **{"dynamodb:Select": "COUNT"}).allowed
    assert _decide(env, role, policies, "dynamodb:DescribeTable", source).allowed
    for ssn_table in deployment.ssn_table_arns(env.cfg):
        assert not _decide(env, role, policies, "dynamodb:DescribeTable", ssn_table).allowed
    assert _decide(env, role, policies, "cloudwatch:PutMetricData", "*",
                   **{"cloudwatch:namespace": "CompactRetention/RestoreValidation"}).allowed
    assert not _decide(env, role, policies, "cloudwatch:PutMetricData", "*", **{"cloudwatch:namespace": "Other"}).allowed


# ------------------------------------------------------------------------------------------- alarms

def _alarms(env) -> dict[str, dict[str, Any]]:
    found = {}
    for key in ["restore-testing", *plan_stacks(env)]:
        for logical_id, alarm in env.stacks[key].template.resources_of_type("AWS::CloudWatch::Alarm").items():
            found[f"{key}/{logical_id}"] = alarm["Properties"]
    return found


@pytest.mark.backs("MON-04", "RES-05")
def test_every_alarm_notifies_the_alert_topic_within_the_seven_day_range(env):
    topic = outputs(env, "monitoring")["AlertTopicArn"]
    alarms = _alarms(env)
    expected = {"RestoreJobsFailedAlarm", "RestoreValidationFailedAlarm", "RestoreValidationErrorsAlarm",
                "RestoreValidationDeadLettersAlarm"}
    assert expected <= {k.split("/")[1] for k in alarms}
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [topic], name
        assert alarm["Period"] * alarm["EvaluationPeriods"] <= SEVEN_DAYS, name
        assert alarm["AlarmName"].startswith(f"compact-retention-{env.cfg['environment']}-"), name


@pytest.mark.backs("RES-05")
def test_each_category_alarms_when_no_validation_succeeded_within_its_cadence(env):
    for key, stack in plan_stacks(env).items():
        alarm = stack.template.resources["NoSuccessfulValidationAlarm"]["Properties"]
        category = stack.spec.parameters["Category"]
        every = env.cfg["backup_policies"][category]["restore_test_every_days"]
        assert alarm["MetricName"] == "ValidationSucceeded" and alarm["Namespace"] == "CompactRetention/RestoreValidation"
        assert alarm["Dimensions"] == [{"Name": "Category", "Value": category}]
        assert alarm["TreatMissingData"] == "breaching" and alarm["ComparisonOperator"] == "LessThanThreshold"
        window = alarm["Period"] * alarm["EvaluationPeriods"]
        assert min(every * 86400, SEVEN_DAYS) <= window <= SEVEN_DAYS, key


@pytest.mark.template_fact(
    "CloudWatch refuses an alarm whose range exceeds 7 days: a longer cadence would fail the "
    "deployment")
def test_the_alarm_window_is_capped_at_cloudwatchs_limit():
    assert deployment.no_validation_alarm_hours({"restore_test_every_days": 7}) == 168
    assert deployment.no_validation_alarm_hours({"restore_test_every_days": 1}) == 24 + 1 + deployment.VALIDATION_WINDOW_HOURS


# ------------------------------------------------------------------------------------------- configuration

@pytest.mark.parametrize("value, words", [("bad name!", "roles.restore_testing_role_name"),
                                          ("AWSBackupServiceRole", "is also roles.general_backup_role_name"),
                                          ("compactconnect-ssnbackuprole", "specialized_role")])
@pytest.mark.template_fact(
    "a restore testing role name shared with a backup role would merge their permissions; config "
    "validate refuses it")
def test_a_bad_or_shared_restore_testing_role_name_is_refused_naming_the_field(edit_config, capsys, value, words):
    from audit.cli import main

    folder = edit_config("example", lambda data: data.setdefault("roles", {}).update(restore_testing_role_name=value))
    assert main(["config", "validate", "--env", "example", "--config-dir", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "roles.restore_testing_role_name" in err and words in err


@pytest.mark.template_fact(
    "the configured restore testing role name is the one deployed and the one the selections pass")
def test_the_configured_role_name_reaches_the_template(edit_config):
    from audit.config import load_config
    from audit.sources.static.stacks import resolve_environment

    folder = edit_config("example", lambda data: data.setdefault("roles", {}).update(restore_testing_role_name="My-Restore-Tests"))
    stacks = resolve_environment(load_config("example", folder).data)
    assert stacks["restore-testing"].template.resources["RestoreTestingRole"]["Properties"]["RoleName"] == "My-Restore-Tests"
    assert stacks["restore-test-critical-data"].template.resources["TableRestoreTestingSelection"]["Properties"][
        "IamRoleArn"].endswith(":role/My-Restore-Tests")
