"""Cognito user import jobs in the sandbox (``sandbox/cognito/import_jobs.py``), as AWS documents them
(https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool.html,
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool-csv-header.html):
users arrive RESET_REQUIRED with their attributes and a new sub; a row that breaks a rule is counted failed and
the others imported; a header with a foreign or missing column fails the job naming the column; the job's
states; the pre-signed URL's upload rules. A sandbox result, never proof of AWS behaviour."""
from __future__ import annotations

import csv
import io
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from audit.drill.pools import PoolRestoreFailed, upload_csv
from tests.support.sandbox import sandbox  # noqa: F401 (fixture)

ROLE = "arn:aws:iam::111111111111:role/CognitoImportLogs"


@pytest.fixture
def pool(sandbox):  # noqa: F811
    cognito = sandbox.client("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName="import-test", AutoVerifiedAttributes=["email"],
        Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
                {"Name": "compact", "AttributeDataType": "String", "Mutable": True}])["UserPool"]["Id"]
    yield cognito, pool_id
    cognito.delete_user_pool(UserPoolId=pool_id)


def _csv(header: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header])
    return out.getvalue().encode()


def _user(name: str, **extra: str) -> dict[str, str]:
    return {"cognito:username": name, "cognito:mfa_enabled": "false", "email": f"{name}@example.org",
            "email_verified": "true", "custom:compact": "aslp", **extra}


def _job(cognito, pool_id: str, body: bytes) -> dict:
    job = cognito.create_user_import_job(JobName="t", UserPoolId=pool_id, CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
    assert job["Status"] == "Created" and "X-Amz-Expires=900" in job["PreSignedUrl"]
    upload_csv(job["PreSignedUrl"], body)
    started = cognito.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]
    assert started["Status"] == "Pending"
    states = [cognito.describe_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]
              for _ in range(2)]
    assert states[0]["Status"] == "InProgress"
    return states[1]


def test_users_arrive_reset_required_with_their_attributes_and_a_new_sub(pool):
    cognito, pool_id = pool
    header = cognito.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    assert "custom:compact" in header and header[-2:] == ["cognito:mfa_enabled", "cognito:username"]
    shuffled = list(reversed(header))  # the guide: the order of the columns does not matter
    job = _job(cognito, pool_id, _csv(shuffled, [_user("ann", given_name="Ann"), _user("bob")]))
    assert (job["Status"], job["ImportedUsers"], job["FailedUsers"]) == ("Succeeded", 2, 0)
    assert job["CompletionMessage"] == "Import Job Completed Successfully." and job["CompletionDate"]
    ann = cognito.admin_get_user(UserPoolId=pool_id, Username="ann")
    attributes = {a["Name"]: a["Value"] for a in ann["UserAttributes"]}
    assert ann["UserStatus"] == "RESET_REQUIRED" and ann["Enabled"] is True
    assert attributes["email"] == "ann@example.org" and attributes["custom:compact"] == "aslp"
    assert attributes["given_name"] == "Ann" and attributes["email_verified"] == "true"
    assert attributes["sub"] and "cognito:username" not in attributes and "family_name" not in attributes
    jobs = cognito.list_user_import_jobs(UserPoolId=pool_id, MaxResults=10)["UserImportJobs"]
    assert [j["JobId"] for j in jobs] == [job["JobId"]] and jobs[0]["Status"] == "Succeeded"


@pytest.mark.parametrize("bad, reason", [
    ({"email_verified": "false"}, "email_verified must be true"),
    ({"email": "", "email_verified": ""}, "email_verified must be true"),
    ({"email": ""}, "email_verified is true but email is empty"),
    ({"cognito:mfa_enabled": "maybe"}, "cognito:mfa_enabled must be true or false"),
    ({"cognito:username": ""}, "cognito:username is empty"),
    ({"cognito:username": "ann"}, "cognito:username already exists"),
])
def test_a_bad_row_is_counted_failed_and_the_others_imported(pool, bad, reason):
    cognito, pool_id = pool
    header = cognito.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    job = _job(cognito, pool_id, _csv(header, [_user("ann"), _user("bad", **bad), _user("cid")]))
    assert (job["Status"], job["ImportedUsers"], job["FailedUsers"]) == ("Succeeded", 2, 1)
    assert f"line 3: {reason}" in job["CompletionMessage"]
    assert "bad@example.org" not in job["CompletionMessage"]  # reasons name fields, never values
    usernames = {u["Username"] for u in cognito.list_users(UserPoolId=pool_id)["Users"]}
    assert usernames == {"ann", "cid"}


@pytest.mark.parametrize("change, column", [("extra", "nickname2"), ("missing", "custom:compact"), ("repeat", "email")])
def test_a_bad_header_fails_the_job_naming_the_column(pool, change, column):
    cognito, pool_id = pool
    header = cognito.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    header = {"extra": header + [column], "missing": [c for c in header if c != column],
              "repeat": header + [column]}[change]
    job = _job(cognito, pool_id, _csv(header, [_user("ann")]))
    assert (job["Status"], job["ImportedUsers"]) == ("Failed", 0)
    assert f"'{column}'" in job["CompletionMessage"]
    assert cognito.list_users(UserPoolId=pool_id)["Users"] == []


def test_job_states_and_refusals(pool):
    cognito, pool_id = pool
    with pytest.raises(ClientError, match="CloudWatchLogsRoleArn"):
        cognito.create_user_import_job(JobName="t", UserPoolId=pool_id,
                                       CloudWatchLogsRoleArn="arn:aws:iam::111111111111:user/someone")
    job = cognito.create_user_import_job(JobName="t", UserPoolId=pool_id, CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
    with pytest.raises(ClientError) as refused:  # nothing uploaded yet
        cognito.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    assert refused.value.response["Error"]["Code"] == "PreconditionNotMetException"
    plain = urllib.request.Request(job["PreSignedUrl"], data=b"x", method="PUT")  # without the SSE header
    with pytest.raises(urllib.error.HTTPError) as http:
        urllib.request.urlopen(plain, timeout=10)
    assert http.value.code == 403
    with pytest.raises(PoolRestoreFailed, match="HTTP 403"):  # a URL with another signature
        upload_csv(job["PreSignedUrl"].replace("X-Amz-Signature=", "X-Amz-Signature=x"), b"x")
    header = cognito.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    upload_csv(job["PreSignedUrl"], _csv(header, [_user("ann")]))
    cognito.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    stopped = cognito.stop_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]
    assert stopped["Status"] == "Stopped"
    assert cognito.describe_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]["Status"] == "Stopped"
    assert cognito.list_users(UserPoolId=pool_id)["Users"] == []
    with pytest.raises(ClientError) as again:
        cognito.stop_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    assert again.value.response["Error"]["Code"] == "PreconditionNotMetException"
    with pytest.raises(ClientError) as unknown:
        cognito.describe_user_import_job(UserPoolId=pool_id, JobId="import-nope")
    assert unknown.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_pool_without_auto_verified_attributes_cannot_import(sandbox):  # noqa: F811
    cognito = sandbox.client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName="no-verify")["UserPool"]["Id"]
    header = cognito.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    job = _job(cognito, pool_id, _csv(header, [_user("ann")]))
    assert job["Status"] == "Failed" and "auto-verified" in job["CompletionMessage"]
