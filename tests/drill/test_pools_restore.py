"""The steps of a pool's restore, pinned in-process with fakes (audit/drill/pools.py; docs/restore.md, "User
pools"): the scratch pool's arguments, the CSV re-ordered to the scratch header, the upload (HTTP PUT with
SSE-KMS), the import job polled until it ends or the RTO passes, paging, what is re-applied after the import
(groups, memberships, disabled users, paced), and the clean-up that deletes only what this drill made.

CreateUserPool: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html
Import job and pre-signed upload (``x-amz-server-side-encryption: aws:kms``):
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool.html
"""
from __future__ import annotations

import urllib.error
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from audit.drill import plan, pools
from audit.drill.compare import FAILED, INFO, PASSED, Check
from audit.drill.plan import POOL, TAG_KEY, Target
from audit.drill.pools import ExportData, PoolState, UserFacts

STAMP = "20261203t190405z"
TARGET = Target("staff", POOL, "staff-pool", "arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_A", "export_data", "",
                3600, False, "exports")
SCRATCH = f"staff-pool-drill-{STAMP}"


# ------------------------------------------------------------------------------------ the scratch pool's arguments

DESCRIPTION = {
    "Name": "staff-pool", "Id": "us-east-1_A", "UsernameAttributes": ["email"], "AliasAttributes": [],
    "AutoVerifiedAttributes": ["email"], "UsernameConfiguration": {"CaseSensitive": False},
    "Policies": {"PasswordPolicy": {"MinimumLength": 12}},
    "AccountRecoverySetting": {"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True, "UnusedAccountValidityDays": 7},
    "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
    "LambdaConfig": {"PreSignUp": "arn:aws:lambda:x"}, "EmailConfiguration": {"SourceArn": "arn:ses"},
    "SmsConfiguration": {"SnsCallerArn": "arn:sns"}, "Domain": "staff", "MfaConfiguration": "ON",
    "DeletionProtection": "ACTIVE",
    "SchemaAttributes": [
        {"Name": "sub", "AttributeDataType": "String", "Required": True, "Mutable": False},
        {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True,
         "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "2048"}},
        {"Name": "name", "AttributeDataType": "String", "Required": False},
        {"Name": "phone_number", "AttributeDataType": "String"},
        {"Name": "custom:level:x", "AttributeDataType": "Number", "Mutable": True, "DeveloperOnlyAttribute": False,
         "NumberAttributeConstraints": {"MinValue": "1"}, "Extra": "dropped"}]}


def test_the_scratch_pool_copies_sign_in_and_security_settings_and_nothing_else():
    args = pools.create_pool_args(DESCRIPTION, SCRATCH, STAMP)
    assert args == {
        "PoolName": SCRATCH, "UserPoolTags": {TAG_KEY: STAMP}, "DeletionProtection": "INACTIVE", "MfaConfiguration": "OFF",
        "UsernameAttributes": ["email"], "AutoVerifiedAttributes": ["email"], "UsernameConfiguration": {"CaseSensitive": False},
        "Policies": {"PasswordPolicy": {"MinimumLength": 12}},
        "AccountRecoverySetting": {"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
        "Schema": [{"AttributeDataType": "String", "Mutable": True, "Required": True,
                    "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "2048"}, "Name": "email"},
                   {"AttributeDataType": "Number", "DeveloperOnlyAttribute": False, "Mutable": True,
                    "NumberAttributeConstraints": {"MinValue": "1"}, "Name": "level:x"}]}  # "custom:" off, the rest kept
    assert "AliasAttributes" not in args  # an empty setting is left to AWS's default, not sent empty


def test_the_scratch_arguments_are_copies_the_export_is_not_changed():
    description = {"Policies": {"PasswordPolicy": {"MinimumLength": 8}}, "AdminCreateUserConfig": {"UnusedAccountValidityDays": 3}}
    args = pools.create_pool_args(description, "n", STAMP)
    args["Policies"]["PasswordPolicy"]["MinimumLength"] = 99
    assert description == {"Policies": {"PasswordPolicy": {"MinimumLength": 8}},
                           "AdminCreateUserConfig": {"UnusedAccountValidityDays": 3}}
    assert args["AdminCreateUserConfig"] == {}


def test_a_pool_without_schema_or_settings_gets_only_the_drills_own_arguments():
    assert pools.create_pool_args({"SchemaAttributes": [{"Name": "sub", "Required": True}]}, "n", STAMP) == {
        "PoolName": "n", "UserPoolTags": {TAG_KEY: STAMP}, "DeletionProtection": "INACTIVE", "MfaConfiguration": "OFF"}


# ------------------------------------------------------------------------------------ the CSV

def test_the_csv_follows_the_scratch_header_by_name_leaving_absent_columns_empty():
    body = pools.reorder(["cognito:username", "email", "email_verified"],
                         [["u1", "a@x", "true"], ["u2", "b,c@x", "false"]],
                         ["name", "email_verified", "cognito:username", "email", "cognito:mfa_enabled"])
    assert body == b'name,email_verified,cognito:username,email,cognito:mfa_enabled\n,true,u1,a@x,\n,false,u2,"b,c@x",\n'


def test_an_exported_column_the_scratch_pool_lacks_is_refused_naming_every_such_column():
    with pytest.raises(pools.PoolRestoreFailed) as refused:
        pools.reorder(["a", "custom:x", "custom:y"], [], ["a"])
    assert str(refused.value) == "the scratch pool's CSV header lacks the exported column(s) custom:x, custom:y"


class _Response:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self):
        return b""


def test_the_upload_is_one_put_with_kms_encryption_to_the_presigned_url(monkeypatch):
    sent = []
    monkeypatch.setattr(pools.urllib.request, "urlopen", lambda request, timeout: (sent.append((request, timeout)),
                                                                                    _Response())[1])
    pools.upload_csv("https://upload.example/job?sig=1", b"a,b\n")
    (request, timeout), = sent
    assert (request.full_url, request.get_method(), request.data, timeout) == \
        ("https://upload.example/job?sig=1", "PUT", b"a,b\n", 300.0)
    assert request.get_header("X-amz-server-side-encryption") == "aws:kms"
    assert request.get_header("Content-type") == "text/csv"


@pytest.mark.parametrize("error, message", [
    (urllib.error.HTTPError("https://u", 403, "Forbidden", {}, None), "the upload to the job's pre-signed URL answered HTTP 403"),
    (urllib.error.URLError("refused"), "the upload to the job's pre-signed URL failed: <urlopen error refused>"),
    (TimeoutError("timed out"), "the upload to the job's pre-signed URL failed: timed out"),
])
def test_a_failed_upload_is_a_restore_failure_saying_how(monkeypatch, error, message):
    def fail(request, timeout):
        raise error

    monkeypatch.setattr(pools.urllib.request, "urlopen", fail)
    with pytest.raises(pools.PoolRestoreFailed) as failed:
        pools.upload_csv("https://u", b"")
    assert str(failed.value) == message


# ------------------------------------------------------------------------------------ the import job

class _Jobs:
    def __init__(self, statuses):
        self.statuses, self.calls = list(statuses), []

    def create_user_import_job(self, **kwargs):
        self.calls.append(("create", kwargs))
        return {"UserImportJob": {"JobId": "import-1", "PreSignedUrl": "https://u", "Status": "Created"}}

    def start_user_import_job(self, **kwargs):
        self.calls.append(("start", kwargs))

    def describe_user_import_job(self, **kwargs):
        self.calls.append(("describe", kwargs))
        status = self.statuses.pop(0)
        return {"UserImportJob": {"JobId": "import-1", "Status": status, "ImportedUsers": 5, "FailedUsers": 1}}


class _Clock:
    def __init__(self, step):
        self.now, self.step, self.slept = 1000.0, step, []  # a monotonic clock starts anywhere

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += self.step


def test_an_import_job_is_created_uploaded_started_and_polled_until_it_ends(monkeypatch):
    uploads = []
    monkeypatch.setattr(pools, "upload_csv", lambda url, body: uploads.append((url, body)))
    jobs, clock, lines = _Jobs(["Pending", "InProgress", "Succeeded"]), _Clock(10.0), []
    job = pools.run_import(jobs, "pool-1", b"csv", "drill-x-1", "arn:role", "staff (user pool)", lines.append,
                           poll_seconds=7, timeout_seconds=100, clock=clock, sleep=clock.sleep)
    assert job["Status"] == "Succeeded"
    assert jobs.calls[0] == ("create", {"JobName": "drill-x-1", "UserPoolId": "pool-1", "CloudWatchLogsRoleArn": "arn:role"})
    assert jobs.calls[1] == ("start", {"UserPoolId": "pool-1", "JobId": "import-1"})
    assert uploads == [("https://u", b"csv")]
    assert clock.slept == [7, 7]
    assert lines == ["staff (user pool): import job import-1 Pending: 5 imported, 1 failed (0 s)",
                     "staff (user pool): import job import-1 InProgress: 5 imported, 1 failed (10 s)",
                     "staff (user pool): import job import-1 Succeeded: 5 imported, 1 failed (20 s)"]


@pytest.mark.parametrize("ended", sorted(pools.JOB_ENDED))
def test_every_ending_status_ends_the_wait(monkeypatch, ended):
    monkeypatch.setattr(pools, "upload_csv", lambda url, body: None)
    clock = _Clock(1.0)
    job = pools.run_import(_Jobs([ended]), "p", b"", "j", "r", "l", lambda line: None, poll_seconds=1,
                           timeout_seconds=10, clock=clock, sleep=clock.sleep)
    assert job["Status"] == ended and clock.slept == []


def test_a_job_still_running_after_the_timeout_fails_the_restore(monkeypatch):
    monkeypatch.setattr(pools, "upload_csv", lambda url, body: None)
    clock = _Clock(30.0)
    with pytest.raises(pools.PoolRestoreFailed) as failed:
        pools.run_import(_Jobs(["InProgress"] * 10), "p", b"", "j", "r", "l", lambda line: None, poll_seconds=30,
                         timeout_seconds=60, clock=clock, sleep=clock.sleep)
    assert str(failed.value) == "import job import-1 still InProgress after 90 s (the RTO)"
    assert clock.slept == [30, 30, 30]  # at exactly the timeout it still waits once more


# ------------------------------------------------------------------------------------ reading the restored pool

class _Paged:
    """ListUsers / ListGroups / ListUsersInGroup answering two users per page."""

    def __init__(self, users, groups, members):
        self.users, self.groups, self.members, self.calls = users, groups, members, []

    def _page(self, items, key, token_name, token):
        start = int(token or 0)
        page = {key: items[start:start + 2]}
        if start + 2 < len(items):
            page[token_name] = str(start + 2)
        return page

    def list_users(self, UserPoolId, Limit, PaginationToken=None):  # noqa: N803 (AWS names)
        self.calls.append(("list_users", Limit, PaginationToken))
        return self._page(self.users, "Users", "PaginationToken", PaginationToken)

    def list_groups(self, UserPoolId, Limit, NextToken=None):  # noqa: N803
        self.calls.append(("list_groups", Limit, NextToken))
        return self._page(self.groups, "Groups", "NextToken", NextToken)

    def list_users_in_group(self, UserPoolId, GroupName, Limit, NextToken=None):  # noqa: N803
        members = [u for u in self.users if u["Username"] in self.members.get(GroupName, [])]
        return self._page(members, "Users", "NextToken", NextToken)


def _user(name, email, enabled=True, status="RESET_REQUIRED"):
    return {"Username": name, "UserStatus": status, "Enabled": enabled,
            "Attributes": [{"Name": "sub", "Value": "new"}, {"Name": "email", "Value": email},
                           {"Name": "email_verified", "Value": "true"}]}


def test_the_restored_pool_is_read_page_by_page_and_keyed_like_the_expectation():
    users = [_user(f"uuid-{i}", f"user{i}@x.org", enabled=i != 2) for i in range(5)] + [{"Username": "bare"}]
    fake = _Paged(users, [{"GroupName": "g1", "Precedence": 1}, {"GroupName": "g2"}, {"GroupName": "g3"}],
                  {"g1": ["uuid-0", "uuid-3", "uuid-4"], "g3": ["bare"]})
    state = pools.read_pool(fake, "p", "email")
    assert set(state.users) == {f"user{i}@x.org" for i in range(5)} | {"bare"}
    assert state.users["user2@x.org"] == UserFacts({"email": "user2@x.org", "email_verified": "true"}, "RESET_REQUIRED", False)
    assert state.users["bare"] == UserFacts({}, "", True)
    assert state.groups == {"g1": {"description": None, "precedence": 1, "role": None},
                            "g2": {"description": None, "precedence": None, "role": None},
                            "g3": {"description": None, "precedence": None, "role": None}}
    assert state.memberships == {("g1", "user0@x.org"), ("g1", "user3@x.org"), ("g1", "user4@x.org"), ("g3", "bare")}
    assert [c for c in fake.calls if c[0] == "list_users"] == [("list_users", 60, None), ("list_users", 60, "2"),
                                                               ("list_users", 60, "4")]
    assert set(pools.read_pool(fake, "p", None).users) == {f"uuid-{i}" for i in range(5)} | {"bare"}


# ------------------------------------------------------------------------------------ re-applied after the import

class _Recorder:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda **kwargs: self.calls.append((name, kwargs))


class _Pacer:
    def __init__(self, rate=None):
        self.rate, self.count = rate, 0

    def call(self, method, **kwargs):
        self.count += 1
        return method(**kwargs)


def test_groups_memberships_and_disabled_users_are_reapplied_in_order():
    data = ExportData({}, [{"GroupName": "admins", "Description": "A", "Precedence": 0, "RoleArn": None},
                           {"GroupName": "readers", "RoleArn": "arn:r"}], {}, set())
    expected = PoolState({"b@x": UserFacts({}, "RESET_REQUIRED", False), "a@x": UserFacts({}, "RESET_REQUIRED", True)},
                         {}, {("readers", "b@x"), ("admins", "a@x"), ("admins", "b@x")})
    cognito, pacer, lines = _Recorder(), _Pacer(), []
    pools.reapply(cognito, "p", data, expected, "staff (user pool)", lines.append, pacer)
    assert cognito.calls == [
        ("create_group", {"UserPoolId": "p", "GroupName": "admins", "Description": "A", "Precedence": 0}),
        ("create_group", {"UserPoolId": "p", "GroupName": "readers", "RoleArn": "arn:r"}),
        ("admin_add_user_to_group", {"UserPoolId": "p", "Username": "a@x", "GroupName": "admins"}),
        ("admin_add_user_to_group", {"UserPoolId": "p", "Username": "b@x", "GroupName": "admins"}),
        ("admin_add_user_to_group", {"UserPoolId": "p", "Username": "b@x", "GroupName": "readers"}),
        ("admin_disable_user", {"UserPoolId": "p", "Username": "b@x"})]
    assert pacer.count == 6  # every write goes through the pacer
    assert lines == ["staff (user pool): 2 groups, 3 memberships, 1 users disabled again"]


def test_reapplying_many_memberships_reports_progress_every_thousand():
    expected = PoolState({}, {}, {("g", f"u{i:05}") for i in range(2500)})
    lines = []
    pools.reapply(_Recorder(), "p", ExportData({}, [], {}, set()), expected, "l", lines.append, _Pacer())
    assert lines == ["l: 1000 of 2500 memberships", "l: 2000 of 2500 memberships",
                     "l: 0 groups, 2500 memberships, 0 users disabled again"]


def test_fewer_than_a_thousand_memberships_report_no_progress_line():
    lines = []
    expected = PoolState({}, {}, {("g", f"u{i:05}") for i in range(999)})
    pools.reapply(_Recorder(), "p", ExportData({}, [], {}, set()), expected, "l", lines.append, _Pacer())
    assert lines == ["l: 0 groups, 999 memberships, 0 users disabled again"]


def test_reapplying_is_paced_under_cognitos_quota_by_default(monkeypatch):
    """AdminAddUserToGroup and AdminDisableUser share 25 requests per second per account
    (https://docs.aws.amazon.com/cognito/latest/developerguide/limits.html): the drill takes 20."""
    made = []
    monkeypatch.setattr(pools, "Pacer", lambda rate: made.append(_Pacer(rate)) or made[-1])
    pools.reapply(_Recorder(), "p", ExportData({}, [{"GroupName": "g"}], {}, set()), PoolState({}, {}, set()), "l",
                  lambda line: None)
    assert [(p.rate, p.count) for p in made] == [(20.0, 1)]


# ------------------------------------------------------------------------------------ the clean-up

class _Pools:
    def __init__(self, name, tags):
        self.pool = {"Name": name, "UserPoolTags": tags}
        self.deleted = []

    def describe_user_pool(self, UserPoolId):  # noqa: N803
        return {"UserPool": self.pool}

    def delete_user_pool(self, UserPoolId):  # noqa: N803
        self.deleted.append(UserPoolId)


def test_the_scratch_pool_is_deleted_only_when_its_name_and_tag_say_this_drill_made_it():
    ok = _Pools(SCRATCH, {TAG_KEY: STAMP})
    assert pools.delete_scratch(ok, TARGET, "id-1", SCRATCH, STAMP) == f"deleted user pool {SCRATCH} (id-1)"
    assert ok.deleted == ["id-1"]
    for fake, scratch, note in [
        (_Pools("other", {TAG_KEY: STAMP}), SCRATCH, "kept pool id-1: not a name this drill made"),
        (_Pools("staff-pool", {TAG_KEY: STAMP}), "staff-pool", "kept pool id-1: not a name this drill made"),
        (_Pools("x-drill-20000101t000000z", {TAG_KEY: STAMP}), "x-drill-20000101t000000z",
         "kept pool id-1: not a name this drill made"),
        (_Pools(SCRATCH, {TAG_KEY: "20000101t000000z"}), SCRATCH,
         f"kept pool {SCRATCH}: its {TAG_KEY} tag is not {STAMP}"),
        (_Pools(SCRATCH, None), SCRATCH, f"kept pool {SCRATCH}: its {TAG_KEY} tag is not {STAMP}"),
    ]:
        assert pools.delete_scratch(fake, TARGET, "id-1", scratch, STAMP) == note
        assert fake.deleted == []
    source = Target("staff", POOL, f"staff-drill-{STAMP}", "arn", "c", "", 1, False)  # never the source, even so named
    same = _Pools(f"staff-drill-{STAMP}", {TAG_KEY: STAMP})
    assert pools.delete_scratch(same, source, "id-1", f"staff-drill-{STAMP}", STAMP).startswith("kept pool id-1")
    assert same.deleted == []


def test_cleanup_keeps_with_keep_deletes_otherwise_and_reports_a_failed_delete():
    lines = []
    options = SimpleNamespace(keep=True, drill_id=STAMP)
    fake = _Pools(SCRATCH, {TAG_KEY: STAMP})
    note = pools._cleanup(fake, TARGET, "id-1", SCRATCH, options, lines.append)
    assert note == f"kept pool {SCRATCH} (id-1) (--keep): delete it when done; its {TAG_KEY} tag is {STAMP}"
    assert fake.deleted == [] and lines == [f"staff: {note}"]
    options.keep = False
    assert pools._cleanup(fake, TARGET, "id-1", SCRATCH, options, lines.append) == f"deleted user pool {SCRATCH} (id-1)"

    class Refusing(_Pools):
        def delete_user_pool(self, UserPoolId):  # noqa: N803
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "DeleteUserPool")

    note = pools._cleanup(Refusing(SCRATCH, {TAG_KEY: STAMP}), TARGET, "id-1", SCRATCH, options, lines.append)
    assert note.startswith(f"NOT deleted pool {SCRATCH} (id-1): ClientError: ") and "AccessDenied" in note
    assert lines[-1] == f"staff: {note}"


def test_a_result_fails_on_any_failed_check_or_on_none_at_all():
    result = {"status": None}
    assert pools._finish(result, [Check("a", PASSED, ""), Check("b", INFO, "")])["status"] == PASSED
    assert result["checks"] == [{"name": "a", "status": "passed", "detail": ""}, {"name": "b", "status": "info", "detail": ""}]
    assert pools._finish({}, [Check("a", PASSED, ""), Check("b", FAILED, "")])["status"] == FAILED
    assert pools._finish({}, [])["status"] == FAILED


def test_a_prepared_export_names_its_manifest_uri():
    prepared = pools.Prepared(TARGET, "exports", "cognito-export/us-east-1_A/2026-12-01/r1/manifest.json", {})
    assert prepared.uri == "s3://exports/cognito-export/us-east-1_A/2026-12-01/r1/manifest.json"
    assert plan.TAG_KEY == "compact-retention:drill"
