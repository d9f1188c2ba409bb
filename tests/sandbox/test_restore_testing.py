"""The sandbox's restore testing (sandbox/backup/models/restore_testing.py, restore_test_runner.py, the
CloudFormation types in sandbox/cloudformation/types/backup.py, `retention sandbox run-restore-tests`), through
boto3 and the CLI against a sandbox server:
plans and selections are refused where AWS's documented limits refuse them, the runner restores the point its
plan picks through the ordinary restore path (so the SSN vault refuses), tags what it made and deletes it, and
only it, once the validation window has passed. (A model of AWS, not AWS: sandbox/README.md.)"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.support.sandbox import ENV_ACCOUNT, ENV_REGION, REPO_ROOT

from .test_restore import error_code, make_role
from .test_restore_break_glass import (
    TABLE as SSN_TABLE,
    ssn,  # noqa: F401  (the SSN vault, key and backup, as deployed)
)

OTHER_ACCOUNT = "333333333333"  # the API and CloudFormation tests: plans the runner finds nothing to restore for
TAG = "awsbackup-restore-test"
SOURCE = "licences"
SOURCE_ARN = f"arn:aws:dynamodb:{ENV_REGION}:{ENV_ACCOUNT}:table/{SOURCE}"
SSN_ARN = f"arn:aws:dynamodb:{ENV_REGION}:{ENV_ACCOUNT}:table/{SSN_TABLE}"


def plan_spec(name: str = "nightly", **changes) -> dict:
    spec = {"RestoreTestingPlanName": name, "ScheduleExpression": "cron(0 3 * * ? *)", "StartWindowHours": 2,
            "RecoveryPointSelection": {"Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": ["*"],
                                       "RecoveryPointTypes": ["SNAPSHOT"], "SelectionWindowDays": 7}}
    for key, value in changes.items():
        if key in spec["RecoveryPointSelection"] or key in ("ExcludeVaults",):
            spec["RecoveryPointSelection"][key] = value
        else:
            spec[key] = value
    return spec


def selection_spec(name: str, role: str, arns: list[str], hours: int = 4, **changes) -> dict:
    return {"RestoreTestingSelectionName": name, "ProtectedResourceType": "DynamoDB", "IamRoleArn": role,
            "ProtectedResourceArns": arns, "ValidationWindowHours": hours, **changes}


# ------------------------------------------------------------------------------------------- the API

@pytest.fixture(scope="module")
def other(sandbox):
    backup = sandbox.client("backup", OTHER_ACCOUNT)
    role = f"arn:aws:iam::{OTHER_ACCOUNT}:role/RestoreTestingRole"
    backup.create_restore_testing_plan(RestoreTestingPlan=plan_spec("api_plan"))
    yield backup, role
    for selection in backup.list_restore_testing_selections(RestoreTestingPlanName="api_plan")["RestoreTestingSelections"]:
        backup.delete_restore_testing_selection(RestoreTestingPlanName="api_plan",
                                                RestoreTestingSelectionName=selection["RestoreTestingSelectionName"])
    backup.delete_restore_testing_plan(RestoreTestingPlanName="api_plan")


@pytest.mark.parametrize("changes, field", [
    ({"StartWindowHours": 0}, "StartWindowHours"),
    ({"StartWindowHours": 169}, "StartWindowHours"),
    ({"SelectionWindowDays": 0}, "SelectionWindowDays"),
    ({"SelectionWindowDays": 366}, "SelectionWindowDays"),
    ({"Algorithm": "NEWEST"}, "Algorithm"),
    ({"RecoveryPointTypes": ["WARM"]}, "RecoveryPointTypes"),
    ({"ScheduleExpression": "every night"}, "ScheduleExpression"),
    ({"ScheduleExpressionTimezone": "Mars/Olympus"}, "ScheduleExpressionTimezone"),
    ({"RestoreTestingPlanName": "with-hyphens"}, "RestoreTestingPlanName"),
])
def test_plan_refusals_name_the_field(other, changes, field):
    backup, _ = other
    with pytest.raises(ClientError) as excinfo:
        backup.create_restore_testing_plan(RestoreTestingPlan=plan_spec("refused", **changes))
    assert error_code(excinfo) == "InvalidParameterValueException"
    assert field in excinfo.value.response["Error"]["Message"]


@pytest.mark.parametrize("changes, field", [
    ({"ValidationWindowHours": 169}, "ValidationWindowHours"),
    ({"ValidationWindowHours": -1}, "ValidationWindowHours"),
    ({"ProtectedResourceConditions": {"StringEquals": [{"Key": "aws:ResourceTag/app", "Value": "x"}]}},
     "ProtectedResourceConditions"),
    ({"RestoreMetadataOverrides": {"targetTableName": "mine"}}, "RestoreMetadataOverrides"),
    ({"ProtectedResourceArns": [f"arn:aws:dynamodb:{ENV_REGION}:{OTHER_ACCOUNT}:table/t{i}" for i in range(31)]},
     "ProtectedResourceArns"),
])
def test_selection_refusals_name_the_field(other, changes, field):
    backup, role = other
    spec = selection_spec("refused", role, [f"arn:aws:dynamodb:{ENV_REGION}:{OTHER_ACCOUNT}:table/t"], **changes)
    with pytest.raises(ClientError) as excinfo:
        backup.create_restore_testing_selection(RestoreTestingPlanName="api_plan", RestoreTestingSelection=spec)
    assert error_code(excinfo) == "InvalidParameterValueException"
    assert field in excinfo.value.response["Error"]["Message"]


def test_a_selection_without_resources_and_the_31st_selection_are_refused(other):
    backup, role = other
    spec = selection_spec("no_resources", role, [])
    del spec["ProtectedResourceArns"]
    with pytest.raises(ClientError) as excinfo:
        backup.create_restore_testing_selection(RestoreTestingPlanName="api_plan", RestoreTestingSelection=spec)
    assert error_code(excinfo) == "MissingParameterValueException"
    assert "ProtectedResourceArns" in excinfo.value.response["Error"]["Message"]
    for i in range(30):
        backup.create_restore_testing_selection(RestoreTestingPlanName="api_plan", RestoreTestingSelection=selection_spec(
            f"s{i}", role, [f"arn:aws:dynamodb:{ENV_REGION}:{OTHER_ACCOUNT}:table/t{i}"]))
    with pytest.raises(ClientError) as excinfo:
        backup.create_restore_testing_selection(RestoreTestingPlanName="api_plan", RestoreTestingSelection=selection_spec(
            "s30", role, [f"arn:aws:dynamodb:{ENV_REGION}:{OTHER_ACCOUNT}:table/t30"]))
    assert error_code(excinfo) == "LimitExceededException"
    with pytest.raises(ClientError) as excinfo:
        backup.delete_restore_testing_plan(RestoreTestingPlanName="api_plan")
    assert error_code(excinfo) == "InvalidRequestException"


def test_update_changes_only_what_it_names(other):
    backup, _ = other
    backup.update_restore_testing_plan(RestoreTestingPlanName="api_plan", RestoreTestingPlan={"StartWindowHours": 12})
    plan = backup.get_restore_testing_plan(RestoreTestingPlanName="api_plan")["RestoreTestingPlan"]
    assert plan["StartWindowHours"] == 12 and plan["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert plan["RecoveryPointSelection"]["SelectionWindowDays"] == 7 and "LastUpdateTime" in plan
    with pytest.raises(ClientError) as excinfo:
        backup.update_restore_testing_plan(RestoreTestingPlanName="api_plan", RestoreTestingPlan={"StartWindowHours": 200})
    assert "StartWindowHours" in excinfo.value.response["Error"]["Message"]


CFN_TEMPLATE = {
    "Resources": {
        "Plan": {"Type": "AWS::Backup::RestoreTestingPlan", "Properties": {
            "RestoreTestingPlanName": "cfn_plan", "ScheduleExpression": "cron(0 5 ? * SUN *)",
            "RecoveryPointSelection": {"Algorithm": "RANDOM_WITHIN_WINDOW", "IncludeVaults": ["*"],
                                       "ExcludeVaults": ["arn:aws:backup:*:*:backup-vault:*SSN*"],
                                       "RecoveryPointTypes": ["SNAPSHOT"]},
            "Tags": [{"Key": "app", "Value": "compact"}]}},
        "Selection": {"Type": "AWS::Backup::RestoreTestingSelection", "Properties": {
            "RestoreTestingPlanName": {"Ref": "Plan"}, "RestoreTestingSelectionName": "cfn_tables",
            "ProtectedResourceType": "DynamoDB", "IamRoleArn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/RestoreTestingRole",
            "ProtectedResourceArns": ["*"],
            "ProtectedResourceConditions": {"StringEquals": [{"Key": "aws:ResourceTag/backup", "Value": "general"}]},
            "ValidationWindowHours": 24}},
    },
    "Outputs": {"PlanArn": {"Value": {"Fn::GetAtt": ["Plan", "RestoreTestingPlanArn"]}},
                "SelectionRef": {"Value": {"Ref": "Selection"}}},
}


def test_plans_and_selections_from_cloudformation_and_the_api_are_listed(sandbox, other):
    backup, role = other
    backup.create_restore_testing_plan(RestoreTestingPlan=plan_spec("api_listed"))
    backup.create_restore_testing_selection(RestoreTestingPlanName="api_listed", RestoreTestingSelection=selection_spec(
        "api_tables", role, [f"arn:aws:dynamodb:{ENV_REGION}:{OTHER_ACCOUNT}:table/licences"]))
    cfn = sandbox.client("cloudformation", OTHER_ACCOUNT)
    cfn.create_stack(StackName="restore-testing", TemplateBody=json.dumps(CFN_TEMPLATE))
    stack = cfn.describe_stacks(StackName="restore-testing")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}

    plans = {p["RestoreTestingPlanName"]: p for p in backup.list_restore_testing_plans()["RestoreTestingPlans"]}
    assert {"api_listed", "cfn_plan"} <= set(plans)
    assert plans["cfn_plan"]["RestoreTestingPlanArn"] == outputs["PlanArn"]
    assert plans["cfn_plan"]["StartWindowHours"] == 24  # AWS's default
    assert backup.list_tags(ResourceArn=outputs["PlanArn"])["Tags"] == {"app": "compact"}
    assert outputs["SelectionRef"] == "cfn_plan|cfn_tables"
    selection = backup.get_restore_testing_selection(RestoreTestingPlanName="cfn_plan",
                                                     RestoreTestingSelectionName="cfn_tables")["RestoreTestingSelection"]
    assert selection["ProtectedResourceArns"] == ["*"] and selection["ValidationWindowHours"] == 24
    listed = backup.list_restore_testing_selections(RestoreTestingPlanName="api_listed")["RestoreTestingSelections"]
    assert [s["RestoreTestingSelectionName"] for s in listed] == ["api_tables"]

    cfn.delete_stack(StackName="restore-testing")
    backup.delete_restore_testing_selection(RestoreTestingPlanName="api_listed", RestoreTestingSelectionName="api_tables")
    backup.delete_restore_testing_plan(RestoreTestingPlanName="api_listed")
    left = {p["RestoreTestingPlanName"] for p in backup.list_restore_testing_plans()["RestoreTestingPlans"]}
    assert "cfn_plan" not in left and "api_listed" not in left


# ------------------------------------------------------------------------------------------- the runner

def run_restore_tests(sandbox, at: datetime) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).parent / "retention"), "sandbox", "run-restore-tests", "--env",
                           "example", "--endpoint-url", sandbox.url, "--at", at.strftime("%Y-%m-%dT%H:%M:%SZ")],
                          env=sandbox.env, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)


def backup_table(sandbox, vault: str, role: str) -> str:
    backup = sandbox.client("backup")
    job = backup.start_backup_job(BackupVaultName=vault, ResourceArn=SOURCE_ARN, IamRoleArn=role,
                                  Lifecycle={"DeleteAfterDays": 35})
    return backup.describe_backup_job(BackupJobId=job["BackupJobId"])["RecoveryPointArn"]


@pytest.fixture(scope="module")
def run(sandbox, ssn):  # noqa: F811
    """Two backups of 'licences' (the item changed between them) and one of the SSN table; a plan due at
    03:00 with three selections (the table with a KMS override and a 4 h window, the table again with a 24 h
    window, the SSN table, not excluded); a hand-made table that carries the test tag; then the run at 03:30."""
    kms, backup, ddb = sandbox.client("kms"), sandbox.client("backup"), sandbox.client("dynamodb")
    vault_key = kms.create_key(Description="general vault")["KeyMetadata"]["Arn"]
    restore_key = kms.create_key(Description="restored test data")["KeyMetadata"]["Arn"]
    backup.create_backup_vault(BackupVaultName="General", EncryptionKeyArn=vault_key)
    role = make_role(sandbox, "RestoreTestingRole")
    ddb.create_table(TableName=SOURCE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    ddb.put_item(TableName=SOURCE, Item={"pk": {"S": "p1"}, "state": {"S": "OH"}})
    older = backup_table(sandbox, "General", role)
    ddb.put_item(TableName=SOURCE, Item={"pk": {"S": "p1"}, "state": {"S": "KY"}})
    latest = backup_table(sandbox, "General", role)
    ddb.put_item(TableName=SOURCE, Item={"pk": {"S": "p2"}, "state": {"S": "after the backups"}})
    ddb.create_table(TableName=f"{TAG}-by-hand", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], Tags=[{"Key": TAG, "Value": "x"}])

    plan_arn = backup.create_restore_testing_plan(RestoreTestingPlan=plan_spec())["RestoreTestingPlanArn"]
    for spec in (
        selection_spec("licences_kms", role, [SOURCE_ARN], 4,
                       RestoreMetadataOverrides={"encryptionType": "KMS", "kmsMasterKeyArn": restore_key}),
        selection_spec("licences_long", role, [SOURCE_ARN], 24),
        selection_spec("ssn_tables", ssn["general"], [SSN_ARN], 4),
    ):
        backup.create_restore_testing_selection(RestoreTestingPlanName="nightly", RestoreTestingSelection=spec)
    at = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=3, minute=30, second=0, microsecond=0)
    result = run_restore_tests(sandbox, at)
    jobs = backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn)["RestoreJobs"]
    return {"at": at, "result": result, "jobs": jobs, "plan_arn": plan_arn, "older": older, "latest": latest,
            "restore_key": restore_key}


def test_the_run_restores_the_latest_point_into_a_tagged_test_table_under_the_override_key(sandbox, run):
    assert run["result"].returncode == 1, run["result"].stdout + run["result"].stderr  # the SSN test fails
    assert "plan nightly (111111111111 us-east-1): due (scheduled" in run["result"].stdout
    ddb = sandbox.client("dynamodb")
    table_jobs = [j for j in run["jobs"] if j["SourceResourceArn"] == SOURCE_ARN]
    assert len(table_jobs) == 2 and all(j["Status"] == "COMPLETED" for j in table_jobs)
    encryption = {}
    for job in table_jobs:
        assert job["RecoveryPointArn"] == run["latest"] != run["older"]
        assert job["CreatedBy"] == {"RestoreTestingPlanArn": run["plan_arn"]}
        name = job["CreatedResourceArn"].rsplit("/", 1)[1]
        assert name.startswith(f"{TAG}-")
        assert scan_all_by_pk(ddb, name) == [{"pk": {"S": "p1"}, "state": {"S": "KY"}}]  # as of the latest backup
        tags = ddb.list_tags_of_resource(ResourceArn=job["CreatedResourceArn"])["Tags"]
        assert {"Key": TAG, "Value": "nightly"} in tags
        sse = ddb.describe_table(TableName=name)["Table"].get("SSEDescription")
        encryption[name] = sse["KMSMasterKeyArn"] if sse else "Default"
    assert sorted(encryption.values(), key=str) == sorted([run["restore_key"], "Default"], key=str)


def scan_all_by_pk(ddb, table: str) -> list[dict]:
    return sorted(ddb.scan(TableName=table)["Items"], key=lambda i: i["pk"]["S"])


def test_the_ssn_vault_refuses_the_restore_test(sandbox, run):
    ssn_jobs = [j for j in run["jobs"] if j["SourceResourceArn"] == SSN_ARN]
    assert len(ssn_jobs) == 1
    job = ssn_jobs[0]
    assert job["Status"] == "FAILED" and "CreatedResourceArn" not in job
    assert "AccessDeniedException" in job["StatusMessage"] and "backup:StartRestoreJob" in job["StatusMessage"]
    assert job["CreatedBy"] == {"RestoreTestingPlanArn": run["plan_arn"]}
    assert f"ssn_tables: {SSN_ARN}: FAILED" in run["result"].stdout
    failed = sandbox.client("backup").list_restore_jobs(ByRestoreTestingPlanArn=run["plan_arn"], ByStatus="FAILED")
    assert [j["RestoreJobId"] for j in failed["RestoreJobs"]] == [job["RestoreJobId"]]


def test_a_plan_not_due_does_nothing(sandbox, run):
    backup, ddb = sandbox.client("backup"), sandbox.client("dynamodb")
    tables = sorted(ddb.list_tables()["TableNames"])
    for later in (timedelta(hours=1), timedelta(hours=2, minutes=1)):  # already run; then outside the start window
        result = run_restore_tests(sandbox, run["at"] + later)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "plan nightly (111111111111 us-east-1): not due" in result.stdout
        assert len(backup.list_restore_jobs(ByRestoreTestingPlanArn=run["plan_arn"])["RestoreJobs"]) == 3
        assert sorted(ddb.list_tables()["TableNames"]) == tables


def test_expired_test_resources_are_deleted_and_nothing_else(sandbox, run):
    backup, ddb = sandbox.client("backup"), sandbox.client("dynamodb")
    created = [j for j in run["jobs"] if j["Status"] == "COMPLETED"]
    # the 4 h selection is the one under the override key
    short = next(j for j in created if
                 ddb.describe_table(TableName=j["CreatedResourceArn"].rsplit("/", 1)[1])["Table"].get("SSEDescription"))
    long = next(j for j in created if j is not short)
    result = run_restore_tests(sandbox, run["at"] + timedelta(hours=5))  # past 4 h, not 24 h
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"clean-up of {short['CreatedResourceArn']}" in result.stdout
    tables = set(ddb.list_tables()["TableNames"])
    assert short["CreatedResourceArn"].rsplit("/", 1)[1] not in tables
    assert {long["CreatedResourceArn"].rsplit("/", 1)[1], f"{TAG}-by-hand", SOURCE, SSN_TABLE} <= tables
    jobs = {j["RestoreJobId"]: j for j in backup.list_restore_jobs(ByRestoreTestingPlanArn=run["plan_arn"])["RestoreJobs"]}
    assert jobs[short["RestoreJobId"]]["DeletionStatus"] == "SUCCESSFUL"
    assert "DeletionStatus" not in jobs[long["RestoreJobId"]]

    result = run_restore_tests(sandbox, run["at"] + timedelta(hours=26, minutes=30))  # 24 h passed; not due
    assert result.returncode == 0, result.stdout + result.stderr
    assert long["CreatedResourceArn"].rsplit("/", 1)[1] not in ddb.list_tables()["TableNames"]
    assert {f"{TAG}-by-hand", SOURCE, SSN_TABLE} <= set(ddb.list_tables()["TableNames"])


def test_inferred_metadata_names_a_new_test_table(sandbox, run):
    metadata = sandbox.client("backup").get_restore_testing_inferred_metadata(
        BackupVaultName="General", RecoveryPointArn=run["latest"])["InferredMetadata"]
    assert metadata["targetTableName"].startswith(f"{TAG}-") and metadata["encryptionType"] == "Default"


def test_an_s3_restore_test_restores_into_a_new_tagged_bucket_then_deletes_it(sandbox, run):
    region = "eu-west-1"
    s3, backup = sandbox.client("s3", region=region), sandbox.client("backup", region=region)
    s3.create_bucket(Bucket="documents-eu", CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket="documents-eu", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="documents-eu", Key="a/licence.pdf", Body=b"%PDF-1.7 licence", Metadata={"case": "42"})
    backup.update_region_settings(ResourceTypeOptInPreference={"S3": True})
    backup.create_backup_vault(BackupVaultName="Documents")  # no key: no key policy to pass
    role = f"arn:aws:iam::{ENV_ACCOUNT}:role/RestoreTestingRole"
    job = backup.start_backup_job(BackupVaultName="Documents", ResourceArn="arn:aws:s3:::documents-eu", IamRoleArn=role,
                                  Lifecycle={"DeleteAfterDays": 35})
    assert backup.describe_backup_job(BackupJobId=job["BackupJobId"])["State"] == "COMPLETED"
    plan_arn = backup.create_restore_testing_plan(RestoreTestingPlan=plan_spec(
        "documents", ScheduleExpression="cron(0 12 * * ? *)", StartWindowHours=1))["RestoreTestingPlanArn"]
    backup.create_restore_testing_selection(RestoreTestingPlanName="documents", RestoreTestingSelection={
        "RestoreTestingSelectionName": "buckets", "ProtectedResourceType": "S3", "IamRoleArn": role,
        "ProtectedResourceArns": ["*"], "ValidationWindowHours": 1,
        "ProtectedResourceConditions": {"StringNotEquals": [{"Key": "aws:ResourceTag/backup", "Value": "none"}]}})
    at = run["at"].replace(hour=12, minute=10)
    result = run_restore_tests(sandbox, at)
    assert result.returncode == 0, result.stdout + result.stderr
    [job] = backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn)["RestoreJobs"]
    assert job["Status"] == "COMPLETED", job.get("StatusMessage")
    bucket = job["CreatedResourceArn"].removeprefix("arn:aws:s3:::")
    assert bucket.startswith(f"{TAG}-") and bucket != "documents-eu"
    assert {"Key": TAG, "Value": "documents"} in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    restored = s3.get_object(Bucket=bucket, Key="a/licence.pdf")
    assert restored["Body"].read() == b"%PDF-1.7 licence" and restored["Metadata"] == {"case": "42"}
    assert restored["ServerSideEncryption"] == "AES256"  # SSE-S3, as inferred

    result = run_restore_tests(sandbox, at + timedelta(hours=2))
    assert result.returncode == 0, result.stdout + result.stderr
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert bucket not in buckets and "documents-eu" in buckets
