"""The Cognito export bucket as every bundled environment deploys it: what it keeps, and for how long."""
from __future__ import annotations

import pytest

from audit.controls.cognito_export import expiring_rule, exporters


@pytest.mark.parametrize("name", ["users-00001.jsonl.gz", "manifest.json", "checkpoint.json", "run-002/import-00001.csv"])
@pytest.mark.backs("EXP-07")
def test_every_object_of_an_export_expires_after_the_configured_age(env, name):
    """Every daily export is personal data: the bucket expires each of its objects, and the checkpoint of a
    run that never finished (pending user records), after cognito_export.expire_after_days, which
    `config validate` keeps within the export retention; the backups keep the history."""
    (function,) = exporters(env.posture)
    bucket = env.posture.bucket(f"arn:aws:s3:::{function['environment']['EXPORT_BUCKET']}")
    pool_id = env.cfg["inventory"]["cognito_user_pools"][0]["user_pool_id"]
    key = f"{function['environment']['EXPORT_PREFIX']}/{pool_id}/2026-11-27/{name}"
    rule = expiring_rule(bucket, key)
    assert rule is not None, f"nothing expires {key}"
    assert rule["days"] == env.cfg["cognito_export"]["expire_after_days"]
    assert rule["days"] <= env.cfg["backup_policies"]["export_data"]["retention_days"]


# ------------------------------------------------------------------------------------- the import logs role
# The restore path of a pool: CreateUserImportJob's CloudWatchLogsRoleArn. Amazon Cognito developer guide,
# "Creating the CloudWatch Logs IAM role" (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool-cli-cloudwatch-iam-role.html):
# trusted by cognito-idp.amazonaws.com, the four log actions on /aws/cognito/* log groups. Evaluated with the
# project's policy evaluator (not AWS: it decides the statements written here).

def _import_role(env) -> tuple[str, list[dict]]:
    props = env.stacks["cognito-exporter"].template.resources["CognitoImportRole"]["Properties"]
    assert props["RoleName"] == env.cfg["roles"]["cognito_import_role_name"]
    return (f"arn:aws:iam::{env.cfg['environment_account_id']}:role/{props['RoleName']}",
            [p["PolicyDocument"] for p in props["Policies"]])


def _as_import_role(env, action: str, resource: str, policies=None):
    from audit.policy import Request, evaluate

    role, own = _import_role(env)
    return evaluate(Request(role, action, resource), identity_policies=own if policies is None else policies)


def _log_group(env, name: str) -> str:
    return f"arn:aws:logs:{env.cfg['primary_region']}:{env.cfg['environment_account_id']}:log-group:{name}"


@pytest.mark.template_fact(
    "the import logs role's trust policy (the restore path of a user pool); no control reads the "
    "import role")
def test_only_cognito_of_this_account_can_assume_the_import_role_named_by_the_config(env):
    props = env.stacks["cognito-exporter"].template.resources["CognitoImportRole"]["Properties"]
    (statement,) = props["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cognito-idp.amazonaws.com"} and statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": env.cfg["environment_account_id"]}}
    role, _ = _import_role(env)
    assert env.stacks["cognito-exporter"].template.outputs["CognitoImportRoleArn"] == role


@pytest.mark.parametrize("action", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams",
                                    "logs:PutLogEvents"])
@pytest.mark.template_fact(
    "the import logs role writes only Cognito log groups of its Region; no control reads the import "
    "role")
def test_the_import_role_writes_cognito_log_groups_and_nothing_else(env, action):
    cognito = _log_group(env, "/aws/cognito/userpools/us-east-1_abc/import")
    assert _as_import_role(env, action, f"{cognito}:log-stream:job-1").allowed
    assert not _as_import_role(env, action, _log_group(env, "/aws/lambda/compact-retention-x") + ":log-stream:s").allowed
    other_region = cognito.replace(f":{env.cfg['primary_region']}:", ":eu-west-3:")
    assert not _as_import_role(env, action, f"{other_region}:log-stream:job-1").allowed


@pytest.mark.parametrize("action", ["logs:DeleteLogGroup", "logs:GetLogEvents", "s3:GetObject", "cognito-idp:ListUsers",
                                    "iam:PassRole"])
@pytest.mark.template_fact("the import logs role can read no data and pass no role; no control reads the import role")
def test_the_import_role_can_do_nothing_but_write_logs(env, action):
    assert not _as_import_role(env, action, _log_group(env, "/aws/cognito/x")).allowed


@pytest.mark.template_fact("proves the import role tests above would catch Resource \"*\" (negative control)")
def test_a_broader_import_role_is_detected(example):
    """A violating input: the same role with Resource "*" would write any log group."""
    _, policies = _import_role(example)
    broad = [{**p, "Statement": [{**s, "Resource": "*"} for s in p["Statement"]]} for p in policies]
    lambda_logs = _log_group(example, "/aws/lambda/compact-retention-x") + ":log-stream:s"
    assert not _as_import_role(example, "logs:PutLogEvents", lambda_logs).allowed
    assert _as_import_role(example, "logs:PutLogEvents", lambda_logs, policies=broad).allowed
