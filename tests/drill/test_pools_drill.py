"""One pool's drill end to end, in-process with fakes (audit/drill/pools.py ``drill``; docs/restore.md "User
pools"): the result's fields, the checks in order (export, not importable, user import, restore time against
the RTO, the comparison), the import role required before anything is created, each kind of failure turned
into a failed ``restore`` check that names an operation and an error code but never a user's data, and the
scratch pool cleaned up whatever happened once it exists.

The fake Cognito imports a CSV row only when ``email_verified`` is true, as AWS does for a pool that
auto-verifies e-mail (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool.html).
"""
from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from audit.drill import pools
from audit.drill.compare import FAILED, INFO, PASSED
from audit.drill.plan import TAG_KEY
from tests.drill.test_pools_export import POOL_ID, TARGET, FakeS3, export

STAMP = "20261203t190405z"
SCRATCH = f"staff-pool-drill-{STAMP}"
ROLE = "arn:aws:iam::1:role/CognitoImportLogs"
MANIFEST = f"cognito-export/{POOL_ID}/2026-12-01/r1/manifest.json"


class FakeCognito:
    def __init__(self, job_status="Succeeded", lose_member=False):
        self.job_status, self.lose_member = job_status, lose_member
        self.pools, self.users, self.groups, self.members, self.jobs, self.calls = {}, {}, {}, set(), {}, []

    def create_user_pool(self, **args):
        self.calls.append("create_user_pool")
        self.pools["scratch-1"] = {"Name": args["PoolName"], "UserPoolTags": args["UserPoolTags"], "args": args}
        return {"UserPool": {"Id": "scratch-1"}}

    def get_csv_header(self, UserPoolId):  # noqa: N803 (AWS names)
        return {"CSVHeader": ["cognito:username", "email", "email_verified", "cognito:mfa_enabled"]}

    def create_user_import_job(self, JobName, UserPoolId, CloudWatchLogsRoleArn):  # noqa: N803
        self.calls.append(("create_user_import_job", JobName, CloudWatchLogsRoleArn))
        job_id = f"import-{len(self.jobs) + 1}"
        self.jobs[job_id] = {"JobId": job_id, "PreSignedUrl": f"https://upload/{job_id}", "Status": "Created"}
        return {"UserImportJob": dict(self.jobs[job_id])}

    def upload(self, url, body):
        self.jobs[url.rsplit("/", 1)[-1]]["body"] = body

    def start_user_import_job(self, UserPoolId, JobId):  # noqa: N803
        job = self.jobs[JobId]
        rows = list(csv.DictReader(io.StringIO(job["body"].decode())))
        imported = [r for r in rows if r["email_verified"] == "true"]
        for r in imported:
            self.users[r["cognito:username"]] = {"Username": r["cognito:username"], "UserStatus": "RESET_REQUIRED",
                                                 "Enabled": True, "Attributes": [{"Name": "email", "Value": r["email"]},
                                                                                 {"Name": "email_verified", "Value": "true"}]}
        job.update(ImportedUsers=len(imported), FailedUsers=len(rows) - len(imported), Status=self.job_status,
                   CompletionMessage="done")

    def describe_user_import_job(self, UserPoolId, JobId):  # noqa: N803
        return {"UserImportJob": {k: v for k, v in self.jobs[JobId].items() if k != "body"}}

    def create_group(self, UserPoolId, GroupName, **facts):  # noqa: N803
        self.groups[GroupName] = {"GroupName": GroupName, **facts}

    def admin_add_user_to_group(self, UserPoolId, Username, GroupName):  # noqa: N803
        if not self.lose_member:
            self.members.add((GroupName, Username))

    def admin_disable_user(self, UserPoolId, Username):  # noqa: N803
        self.users[Username]["Enabled"] = False

    def list_users(self, **kwargs):
        return {"Users": list(self.users.values())}

    def list_groups(self, **kwargs):
        return {"Groups": list(self.groups.values())}

    def list_users_in_group(self, GroupName, **kwargs):  # noqa: N803
        return {"Users": [self.users[u] for g, u in sorted(self.members) if g == GroupName]}

    def describe_user_pool(self, UserPoolId):  # noqa: N803
        return {"UserPool": self.pools[UserPoolId]}

    def delete_user_pool(self, UserPoolId):  # noqa: N803
        self.calls.append(("delete_user_pool", UserPoolId))
        del self.pools[UserPoolId]


class Clock:
    def __init__(self, *times):
        self.times = list(times)

    def __call__(self):
        return self.times.pop(0)


def options(**overrides):
    values = {"drill_id": STAMP, "account": "111111111111", "poll_seconds": 0, "keep": False, "import_role_arn": ROLE}
    return SimpleNamespace(**{**values, **overrides})


@pytest.fixture
def world(monkeypatch):
    s3, cognito = FakeS3(), FakeCognito()
    export(s3)
    monkeypatch.setattr(pools, "restore_dry_run", lambda s3_, bucket, key: SimpleNamespace(ok=True, objects_verified=10,
                                                                                          errors=[]))
    monkeypatch.setattr(pools, "upload_csv", lambda url, body: cognito.upload(url, body))
    prepared = pools.Prepared(TARGET, "exports", MANIFEST, json.loads(s3.objects[MANIFEST][0]))
    return SimpleNamespace(s3=s3, cognito=cognito, prepared=prepared,
                           clients={"s3": s3, "cognito-idp": cognito}.__getitem__, lines=[])


def run(world, clock=None, **option_overrides):
    return pools.drill(world.prepared, world.clients, options(**option_overrides), world.lines.append,
                       clock=clock or Clock(100.0, 190.0))


def checks_of(result):
    return {c["name"]: (c["status"], c["detail"]) for c in result["checks"]}


def test_a_faithful_restore_passes_with_every_check_and_deletes_the_scratch_pool(world):
    result = run(world)
    assert [c["name"] for c in result["checks"]] == [
        "export", "not importable", "user import", "restore time", "users present", "no extra users", "attributes",
        "status", "enabled flag", "groups", "memberships"]
    checks = checks_of(result)
    assert checks["export"] == (PASSED, "2026-12-01: 10 objects match the manifest")
    assert checks["not importable"] == (INFO, "1 user(s) without a verified auto-verified attribute (AWS refuses their "
                                              "rows), 1 federated")
    assert checks["user import"] == (PASSED, "2 job(s): 2 imported, 1 failed; expected 2 and 1")
    assert checks["restore time"] == (PASSED, "90.0 s against the RTO of 3600 s (1 h)")
    assert checks["enabled flag"] == (PASSED, "1 disabled, the others enabled, as exported")
    assert checks["memberships"] == (PASSED, "1 in 1 groups")
    assert {name: status for name, (status, _) in checks.items()} == {**{n: PASSED for n in checks}, "not importable": INFO}
    assert result == {**result, "id": "staff", "kind": TARGET.kind, "category": "export_data", "source": TARGET.arn,
                      "recovery_point_arn": None, "export": f"s3://exports/{MANIFEST}", "export_day": "2026-12-01",
                      "account": "111111111111", "restored_as": f"{SCRATCH} (scratch-1)", "restore_seconds": 90.0,
                      "rto_seconds": 3600, "status": PASSED, "reference": "exact: the export the pool is restored from",
                      "cleanup": f"deleted user pool {SCRATCH} (scratch-1)"}
    assert world.cognito.pools == {}
    assert [c for c in world.cognito.calls if c[0] == "create_user_import_job"] == [
        ("create_user_import_job", f"drill-{STAMP}-1", ROLE), ("create_user_import_job", f"drill-{STAMP}-2", ROLE)]
    assert f"staff (user pool): restoring s3://exports/{MANIFEST} into {SCRATCH}" in world.lines
    assert world.lines[-1] == f"staff: deleted user pool {SCRATCH} (scratch-1)"
    text = json.dumps(result) + " ".join(world.lines)
    assert "x.org" not in text


def test_the_scratch_pool_is_made_from_the_export_with_the_drills_tag(world):
    run(world, keep=True)
    pool = world.cognito.pools["scratch-1"]
    assert pool["Name"] == SCRATCH and pool["UserPoolTags"] == {TAG_KEY: STAMP}
    assert pool["args"]["AutoVerifiedAttributes"] == ["email"]


def test_keep_leaves_the_scratch_pool_and_says_so(world):
    result = run(world, keep=True)
    assert result["status"] == PASSED and "scratch-1" in world.cognito.pools
    assert result["cleanup"].startswith(f"kept pool {SCRATCH} (scratch-1) (--keep)")


def test_a_restore_over_the_rto_fails_the_time_check_only(world):
    result = run(world, clock=Clock(0.0, 3600.5))
    checks = checks_of(result)
    assert checks["restore time"] == (FAILED, "3600.5 s against the RTO of 3600 s (1 h)")
    assert result["status"] == FAILED and result["restore_seconds"] == 3600.5
    assert [n for n, (s, _) in checks.items() if s == FAILED] == ["restore time"]
    assert checks_of(run(world, clock=Clock(0.0, 3600.0)))["restore time"][0] == PASSED  # at the RTO exactly: within it


def test_an_import_job_is_given_the_rto_but_never_less_than_a_minute(world, monkeypatch):
    timeouts = []
    original = pools.run_import

    def spy(*args, **kwargs):
        timeouts.append((kwargs["timeout_seconds"], kwargs["poll_seconds"]))
        return original(*args, **kwargs)

    monkeypatch.setattr(pools, "run_import", spy)
    run(world, poll_seconds=3)
    world.prepared.target = TARGET.__class__(**{**TARGET.__dict__, "rto_seconds": 30})
    run(world, clock=Clock(0.0, 1.0))
    assert timeouts == [(3600, 3), (3600, 3), (60, 0), (60, 0)]


def test_no_import_role_fails_the_import_check_and_creates_nothing(world):
    result = run(world, import_role_arn=None)
    checks = checks_of(result)
    assert list(checks) == ["export", "not importable", "user import"]
    assert checks["user import"][0] == FAILED and checks["user import"][1].startswith(
        "no CloudWatchLogsRoleArn: pass --import-role ARN, a role trusting cognito-idp.amazonaws.com")
    assert result["status"] == FAILED and result["cleanup"] is None and result["restore_seconds"] is None
    assert result["restored_as"] == SCRATCH and "create_user_pool" not in world.cognito.calls


def test_an_export_that_fails_its_dry_run_fails_the_export_check_showing_three_errors(world, monkeypatch):
    report = SimpleNamespace(ok=False, objects_verified=7, errors=["e1", "e2", "e3", "e4"])
    monkeypatch.setattr(pools, "restore_dry_run", lambda *args: report)
    checks = checks_of(run(world))
    assert checks["export"] == (FAILED, "2026-12-01: 7 objects match the manifest; e1; e2; e3")


def test_a_user_aws_did_not_import_fails_the_import_check(world):
    world.cognito.start_user_import_job = lambda UserPoolId, JobId, orig=world.cognito.start_user_import_job: (  # noqa: N803
        orig(UserPoolId=UserPoolId, JobId=JobId), world.cognito.jobs[JobId].update(FailedUsers=2, ImportedUsers=0))
    result = run(world)
    checks = checks_of(result)
    assert checks["user import"][0] == FAILED
    assert checks["user import"][1] == "2 job(s): 0 imported, 4 failed; expected 2 and 1"


def test_an_export_where_every_user_is_importable_reports_no_info(world):
    s3 = FakeS3()
    manifest = export(s3, csv_users=("u1", "u2"))
    manifest["objects"] = [o for o in manifest["objects"] if "federated" not in o["key"]]
    world.prepared = pools.Prepared(TARGET, "exports", MANIFEST, manifest)
    world.clients = {"s3": s3, "cognito-idp": world.cognito}.__getitem__
    result = run(world)
    assert "not importable" not in checks_of(result) and result["status"] == PASSED


def test_a_lost_membership_fails_the_drill(world):
    world.cognito.lose_member = True
    result = run(world)
    assert result["status"] == FAILED and checks_of(result)["memberships"][0] == FAILED


@pytest.mark.parametrize("status", ["Failed", "Stopped", "Expired"])
def test_an_import_job_that_does_not_succeed_fails_the_restore_and_still_cleans_up(world, status):
    world.cognito.job_status = status
    result = run(world)
    assert checks_of(result)["restore"] == (FAILED, f"import job import-1 {status}: done")
    assert result["cleanup"] == f"deleted user pool {SCRATCH} (scratch-1)" and world.cognito.pools == {}
    assert result["restore_seconds"] is None


def _raise(error):
    def fail(**kwargs):
        raise error
    return fail


@pytest.mark.parametrize("error, detail", [
    (ClientError({"Error": {"Code": "UserNotFoundException", "Message": "User ann@x.org does not exist"}},
                 "AdminAddUserToGroup"), "AdminAddUserToGroup: UserNotFoundException"),
    (EndpointConnectionError(endpoint_url="https://cognito"),
     'EndpointConnectionError: Could not connect to the endpoint URL: "https://cognito"'),
    (KeyError("ann@x.org"), "the export cannot be read: KeyError"),
    (ValueError("ann@x.org"), "the export cannot be read: ValueError"),
    (IndexError("ann@x.org"), "the export cannot be read: IndexError"),
    (pools.PoolRestoreFailed("the upload failed"), "the upload failed"),
    (pools.restore.RestoreFailed("restore failed"), "restore failed"),
])
def test_a_failing_step_fails_the_restore_check_without_quoting_data_and_cleans_up(world, error, detail):
    world.cognito.admin_add_user_to_group = _raise(error)
    result = run(world)
    assert checks_of(result)["restore"] == (FAILED, detail)
    assert result["status"] == FAILED and "ann@x.org" not in json.dumps(result)
    assert world.cognito.pools == {} and result["cleanup"].startswith("deleted user pool")


def test_a_failure_before_the_scratch_pool_exists_cleans_up_nothing(world):
    world.cognito.create_user_pool = _raise(ClientError({"Error": {"Code": "LimitExceededException"}}, "CreateUserPool"))
    result = run(world)
    assert checks_of(result)["restore"] == (FAILED, "CreateUserPool: LimitExceededException")
    assert result["cleanup"] is None and result["restored_as"] == SCRATCH


def test_federated_users_alone_are_reported_as_not_importable_information(world):
    s3 = FakeS3()
    manifest = export(s3, csv_users=("u1", "u2"))  # every CSV user verified; one federated user
    world.prepared = pools.Prepared(TARGET, "exports", MANIFEST, manifest)
    world.clients = {"s3": s3, "cognito-idp": world.cognito}.__getitem__
    result = run(world)
    assert checks_of(result)["not importable"] == (INFO, "0 user(s) without a verified auto-verified attribute (AWS "
                                                         "refuses their rows), 1 federated")
    assert result["status"] == PASSED


def test_the_restore_time_is_kept_to_the_millisecond(world):
    result = run(world, clock=Clock(10.0, 11.23456))
    assert result["restore_seconds"] == 1.235
    assert checks_of(result)["restore time"] == (PASSED, "1.2 s against the RTO of 3600 s (1 h)")


def test_a_job_that_reports_no_counts_counts_as_none_imported_or_failed(world):
    world.cognito.describe_user_import_job = lambda UserPoolId, JobId: {  # noqa: N803
        "UserImportJob": {"JobId": JobId, "Status": "Succeeded"}}
    checks = checks_of(run(world))
    assert checks["user import"] == (FAILED, "2 job(s): 0 imported, 0 failed; expected 2 and 1")
