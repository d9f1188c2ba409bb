"""The live source's restore testing reader (``audit.sources.live.restore_testing``) against stubbed AWS
answers (botocore's Stubber on the real ``live_aws.Side``): plans and selections in the static source's
shape, the restore jobs of each plan, the leftovers recognised by tag or name, and a refused call recorded
as an error naming the resource, never raised and never a silent empty answer."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.stub import ANY, Stubber

from audit.sources.live.aws import Side
from audit.sources.live.restore_testing import read_leftovers, read_restore_jobs, read_restore_testing_plans

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
PLAN = "compact_retention_example_critical_data"
PLAN_ARN = f"arn:aws:backup:us-east-1:111111111111:restore-testing-plan:{PLAN}-abc123"
KEY = "arn:aws:kms:us-east-1:111111111111:key/general"


@pytest.fixture
def side():
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    side = Side("environment", "111111111111", "us-east-1", session)
    stubs = {}
    for service in ("backup", "dynamodb", "s3"):
        stub = Stubber(side.client(service))
        stub.activate()
        stubs[service] = stub
    side.stubs = stubs
    yield side
    for stub in stubs.values():
        stub.deactivate()


def test_plans_and_selections_in_the_static_shape(side):
    backup = side.stubs["backup"]
    backup.add_response("list_restore_testing_plans", {"RestoreTestingPlans": [{
        "RestoreTestingPlanName": PLAN, "RestoreTestingPlanArn": PLAN_ARN, "CreationTime": NOW,
        "ScheduleExpression": "cron(0 7 */7 * ? *)"}]})
    backup.add_response("get_restore_testing_plan", {"RestoreTestingPlan": {
        "RestoreTestingPlanName": PLAN, "RestoreTestingPlanArn": PLAN_ARN, "CreationTime": NOW,
        "ScheduleExpression": "cron(0 7 */7 * ? *)", "StartWindowHours": 1,
        "RecoveryPointSelection": {"Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": ["arn:general"],
                                   "ExcludeVaults": ["arn:ssn"], "RecoveryPointTypes": ["SNAPSHOT"], "SelectionWindowDays": 8}}},
        {"RestoreTestingPlanName": PLAN})
    backup.add_response("list_restore_testing_selections", {"RestoreTestingSelections": [{
        "CreationTime": NOW, "IamRoleArn": "arn:aws:iam::111111111111:role/R", "ProtectedResourceType": "DynamoDB",
        "RestoreTestingPlanName": PLAN, "RestoreTestingSelectionName": "critical_data_tables"}]}, {"RestoreTestingPlanName": PLAN})
    backup.add_response("get_restore_testing_selection", {"RestoreTestingSelection": {
        "CreationTime": NOW, "IamRoleArn": "arn:aws:iam::111111111111:role/R", "ProtectedResourceType": "DynamoDB",
        "ProtectedResourceArns": ["arn:aws:dynamodb:us-east-1:111111111111:table/t"],
        "RestoreMetadataOverrides": {"encryptionType": "KMS", "kmsMasterKeyArn": KEY},
        "RestoreTestingPlanName": PLAN, "RestoreTestingSelectionName": "critical_data_tables", "ValidationWindowHours": 8}},
        {"RestoreTestingPlanName": PLAN, "RestoreTestingSelectionName": "critical_data_tables"})
    [plan] = read_restore_testing_plans(side)
    assert plan["arn"] == PLAN_ARN and plan["schedule"] == "cron(0 7 */7 * ? *)" and plan["timezone"] == "Etc/UTC"
    assert plan["include_vaults"] == ["arn:general"] and plan["exclude_vaults"] == ["arn:ssn"]
    assert plan["selection_window_days"] == 8 and plan["start_window_hours"] == 1
    [selection] = plan["selections"]
    assert selection["resource_arns"] == ["arn:aws:dynamodb:us-east-1:111111111111:table/t"]
    assert selection["overrides"]["kmsMasterKeyArn"] == KEY and selection["validation_window_hours"] == 8
    assert selection["origin"]["api"] == "backup:GetRestoreTestingSelection" and side.errors == []


def test_a_refused_plan_listing_is_an_error_naming_the_api(side):
    side.stubs["backup"].add_client_error("list_restore_testing_plans", "AccessDeniedException", http_status_code=403)
    assert read_restore_testing_plans(side) == []
    assert side.errors[0]["api"] == "backup:ListRestoreTestingPlans"
    assert side.errors[0]["missing_permission"] == "backup:ListRestoreTestingPlans"


def test_a_refused_selection_read_is_an_error_naming_the_selection(side):
    backup = side.stubs["backup"]
    backup.add_response("list_restore_testing_plans", {"RestoreTestingPlans": [{
        "RestoreTestingPlanName": PLAN, "RestoreTestingPlanArn": PLAN_ARN, "CreationTime": NOW, "ScheduleExpression": "x"}]})
    backup.add_response("get_restore_testing_plan", {"RestoreTestingPlan": {
        "RestoreTestingPlanName": PLAN, "RestoreTestingPlanArn": PLAN_ARN, "CreationTime": NOW, "ScheduleExpression": "x",
        "RecoveryPointSelection": {}}})
    backup.add_response("list_restore_testing_selections", {"RestoreTestingSelections": [{
        "CreationTime": NOW, "IamRoleArn": "arn:aws:iam::111111111111:role/R", "ProtectedResourceType": "S3",
        "RestoreTestingPlanName": PLAN, "RestoreTestingSelectionName": "b"}]})
    backup.add_client_error("get_restore_testing_selection", "AccessDeniedException", http_status_code=403)
    [plan] = read_restore_testing_plans(side)
    assert plan["selections"] == []
    assert side.errors[0]["api"] == "backup:GetRestoreTestingSelection" and side.errors[0]["resource"] == f"{PLAN_ARN}/selection/b"


def test_restore_jobs_of_each_plan_newest_first(side):
    jobs = [{"RestoreJobId": f"J{i}", "AccountId": "111111111111", "SourceResourceArn": "arn:t", "ResourceType": "DynamoDB",
             "Status": "COMPLETED", "CreationDate": NOW - timedelta(days=i),
             "CompletionDate": NOW - timedelta(days=i) + timedelta(minutes=9),
             "ValidationStatus": "SUCCESSFUL", "CreatedBy": {"RestoreTestingPlanArn": PLAN_ARN}} for i in (3, 1)]
    side.stubs["backup"].add_response("list_restore_jobs", {"RestoreJobs": jobs},
                                      {"ByRestoreTestingPlanArn": PLAN_ARN, "ByCreatedAfter": ANY})
    found = read_restore_jobs(side, [{"arn": PLAN_ARN}], since=NOW - timedelta(days=9))
    assert [j["job_id"] for j in found] == ["J1", "J3"]
    assert found[0]["plan_arn"] == PLAN_ARN and found[0]["validation_status"] == "SUCCESSFUL"
    assert found[0]["creation_date"] == "2026-11-26T12:00:00Z" and found[0]["completion_date"] == "2026-11-26T12:09:00Z"


def test_leftovers_recognised_by_tag_or_name_and_inventory_skipped(side):
    dynamodb, s3 = side.stubs["dynamodb"], side.stubs["s3"]
    dynamodb.add_response("list_tables", {"TableNames": ["app-table", "awsbackup-restore-test-x", "inventory-table"]})
    for name, tags in (("app-table", []), ("awsbackup-restore-test-x", [{"Key": "awsbackup-restore-test", "Value": "p"}])):
        arn = f"arn:aws:dynamodb:us-east-1:111111111111:table/{name}"
        dynamodb.add_response("describe_table", {"Table": {"TableName": name, "TableArn": arn, "CreationDateTime": NOW}},
                              {"TableName": name})
        dynamodb.add_response("list_tags_of_resource", {"Tags": tags}, {"ResourceArn": arn})
    s3.add_response("list_buckets", {"Buckets": [{"Name": "docs-drill-20261125t020000z", "CreationDate": NOW},
                                                 {"Name": "plain", "CreationDate": NOW}]})
    s3.add_client_error("get_bucket_tagging", "NoSuchTagSet", http_status_code=404,
                        expected_params={"Bucket": "docs-drill-20261125t020000z"})
    s3.add_client_error("get_bucket_tagging", "AccessDenied", http_status_code=403, expected_params={"Bucket": "plain"})
    found = read_leftovers(side, ["inventory-table"])
    assert [(f["kind"], f["name"], f["reason"]) for f in found] == [
        ("dynamodb table", "awsbackup-restore-test-x", "tagged awsbackup-restore-test"),
        ("s3 bucket", "docs-drill-20261125t020000z", "named as a retention drill scratch resource")]
    assert found[0]["created"] == "2026-11-27T12:00:00Z"
    # the bucket whose tags were refused is not silently clean: the refusal is an error RES-07 fails on
    assert [(e["api"], e["resource"]) for e in side.errors] == [("s3:GetBucketTagging", "arn:aws:s3:::plain")]
