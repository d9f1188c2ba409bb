"""The user pool drill end to end in the sandbox (``audit/drill/pools.py`` through ``retention drill``): a pool
like the example's staff-users pool, seeded, exported by the exporter into the export bucket, drilled (passes,
deletes its scratch pool, keeps it with --keep; a restore that leaves a disabled user enabled and a membership
out fails; without --import-role the configured role is used; no role at all fails the import check; no export
exits 2). A sandbox result, never proof of AWS behaviour (``sandbox/cognito/import_jobs.py`` says what differs).

Kept apart from ``test_pools*.py`` (the mutation run's fast, in-process tests of the drill area,
bench/mutation/areas.py): a sandbox server per module is too slow to run once per mutant."""
from __future__ import annotations

import pytest

from audit.drill import plan, pools
from tests.support.drill import aws_env, drill  # noqa: F401 (fixture)
from tests.support.sandbox import ENV_ACCOUNT, sandbox  # noqa: F401 (fixture)

ROLE = f"arn:aws:iam::{ENV_ACCOUNT}:role/CognitoImportLogs"
POOL_ID = "us-east-1_exStaffU1"  # the example configuration's staff-users pool
EXPORT_BUCKET = f"compact-connect-example-cognito-export-{ENV_ACCOUNT}"
EMAIL = "ann@example.org"

@pytest.fixture(scope="module")
def exported(sandbox):  # noqa: F811
    """The example's staff-users pool (as cloudformation/sample-application.yaml makes it, id from the
    configuration), 40 synthetic users (sandbox.seed_users: custom attributes, groups, disabled users, three
    unconfirmed sign-ups), exported by the exporter into the export bucket."""
    from exporter.export import export_pool
    from sandbox.seed_users import seed_pool

    cognito, s3 = sandbox.client("cognito-idp"), sandbox.client("s3")
    cognito.create_user_pool(
        PoolName="compact-connect-example-staff-users", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 12}},
        Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
                {"Name": "compact", "AttributeDataType": "String", "Mutable": True},
                {"Name": "jurisdiction", "AttributeDataType": "String", "Mutable": True}],
        UserPoolTags={"sandbox:user-pool-id": POOL_ID})
    cognito.create_group(UserPoolId=POOL_ID, GroupName="compact-admins", Description="admins", Precedence=1)
    cognito.create_group(UserPoolId=POOL_ID, GroupName="readers", Precedence=10)
    made = seed_pool(cognito, POOL_ID, 40)
    s3.create_bucket(Bucket=EXPORT_BUCKET)
    result = export_pool(cognito, s3, pool_id=POOL_ID, bucket=EXPORT_BUCKET, day="2026-12-01", budget_per_second=1000)
    assert result.complete
    return made


def _pools(sandbox) -> list[dict]:  # noqa: F811
    return [p for p in sandbox.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"] if "-drill-" in p["Name"]]


def test_the_pool_drill_passes_and_deletes_its_scratch_pool(sandbox, exported, aws_env, tmp_path, capsys):  # noqa: F811
    code, report = drill(aws_env, tmp_path, "--resource", "pool:staff-users", "--import-role", ROLE)
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    (result,) = report["results"]
    checks = {c["name"]: c for c in result["checks"]}
    assert result["kind"] == plan.POOL and result["status"] == "passed", result["checks"]
    assert result["export"].endswith("/2026-12-01/manifest.json") and result["rto_seconds"] == 8 * 3600
    importable = exported["users"] - exported["unconfirmed"]
    assert f"{importable} imported, {exported['unconfirmed']} failed" in checks["user import"]["detail"]
    assert checks["not importable"]["status"] == "info" and checks["restore time"]["status"] == "passed"
    assert f"{exported['memberships']} in 2 groups" in checks["memberships"]["detail"]
    assert "import job" in out.err and "InProgress" in out.err  # progress on stderr
    assert result["cleanup"].startswith("deleted user pool") and _pools(sandbox) == []
    text = out.out + out.err + (tmp_path / "drill.json").read_text() + (tmp_path / "drill.md").read_text()
    assert "example.org" not in text and "aslp" not in text  # no addresses, no attribute values


def test_keep_leaves_the_tagged_scratch_pool(sandbox, exported, aws_env, tmp_path):  # noqa: F811
    code, report = drill(aws_env, tmp_path, "--resource", "pool:staff-users", "--import-role", ROLE, "--keep")
    assert code == 0 and report["results"][0]["cleanup"].startswith("kept")
    (kept,) = _pools(sandbox)
    cognito = sandbox.client("cognito-idp")
    tags = cognito.describe_user_pool(UserPoolId=kept["Id"])["UserPool"]["UserPoolTags"]
    assert tags[plan.TAG_KEY] in kept["Name"]
    target = plan.choose(plan_cfg(), ["pool:staff-users"], False)[0]
    assert pools.delete_scratch(cognito, target, kept["Id"], kept["Name"], "20000101t000000z").startswith("kept")
    cognito.delete_user_pool(UserPoolId=kept["Id"])


def plan_cfg() -> dict:
    from audit.config import load_config

    return load_config("example", None).data


def test_a_restore_that_enables_a_disabled_user_and_drops_a_membership_fails(sandbox, exported, aws_env, tmp_path,  # noqa: F811 (fixtures)
                                                                             monkeypatch):
    original = pools.reapply

    def faulty(cognito, pool_id, data, expected, label, progress, pacer=None):
        original(cognito, pool_id, data, expected, label, progress, pacer)
        disabled = next(u for u, f in expected.users.items() if not f.enabled)
        cognito.admin_enable_user(UserPoolId=pool_id, Username=disabled)
        group, member = sorted(expected.memberships)[0]
        cognito.admin_remove_user_from_group(UserPoolId=pool_id, Username=member, GroupName=group)

    monkeypatch.setattr(pools, "reapply", faulty)
    code, report = drill(aws_env, tmp_path, "--resource", "pool:staff-users", "--import-role", ROLE)
    assert code == 1
    failed = {c["name"] for c in report["results"][0]["checks"] if c["status"] == "failed"}
    assert failed == {"enabled flag", "memberships"}
    assert _pools(sandbox) == []  # deleted all the same


def test_import_role_defaults_to_the_configured_role_of_the_environment_account():
    """--import-role's default: the role cloudformation/cognito-exporter.yaml deploys (CognitoImportRole),
    named by roles.cognito_import_role_name, in the environment account."""
    from audit.drill.cli import import_role_arn

    cfg = plan_cfg()
    assert import_role_arn(cfg) == (f"arn:aws:iam::{cfg['environment_account_id']}:role/"
                                    f"{cfg['roles']['cognito_import_role_name']}")
    other = {**cfg, "environment_account_id": "123456789012", "roles": {**cfg["roles"], "cognito_import_role_name": "R"}}
    assert import_role_arn(other) == "arn:aws:iam::123456789012:role/R"


def test_without_import_role_the_configured_role_is_used_and_the_drill_passes(exported, aws_env, tmp_path,  # noqa: F811 (fixtures)
                                                                              monkeypatch, capsys):
    """The sandbox does not check the import job's CloudWatchLogsRoleArn (AWS assumes it and refuses the job
    without it): what this pins is which ARN the drill passes."""
    from audit.drill import cli, run

    used = []
    original = run.drill
    monkeypatch.setattr(run, "drill", lambda prepared, client, options, say: (used.append(options.import_role_arn),
                                                                               original(prepared, client, options, say))[1])
    code, report = drill(aws_env, tmp_path, "--resource", "pool:staff-users")
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert used == [cli.import_role_arn(plan_cfg())]
    assert report["results"][0]["status"] == "passed"
    code, _ = drill(aws_env, tmp_path, "--resource", "pool:staff-users", "--import-role", ROLE)
    assert code == 0 and used[-1] == ROLE  # the flag still overrides


def test_an_import_without_a_role_fails_the_import_check_saying_what_is_missing(sandbox, exported, tmp_path):  # noqa: F811
    """audit.drill.pools refuses to start an import job without a CloudWatchLogsRoleArn (the CLI always passes
    one now; a caller of the module might not)."""
    from audit.drill.run import Options

    target = plan.choose(plan_cfg(), ["pool:staff-users"], False)[0]
    prepared = pools.find_export(sandbox.client("s3"), target)
    options = Options(drill_id="20261203t000001z", role_arn=lambda t: "", account=ENV_ACCOUNT, region="us-east-1",
                      endpoint_url=sandbox.url, poll_seconds=0, import_role_arn=None)
    result = pools.drill(prepared, lambda service: sandbox.client(service), options, lambda line: None)
    checks = {c["name"]: c for c in result["checks"]}
    assert result["status"] == "failed" and checks["user import"]["status"] == "failed"
    assert "--import-role" in checks["user import"]["detail"] and "cognito-idp.amazonaws.com" in checks["user import"]["detail"]


def test_a_pool_without_an_export_exits_2(exported, aws_env, tmp_path, capsys):  # noqa: F811
    code, report = drill(aws_env, tmp_path, "--resource", "pool:provider-users", "--import-role", ROLE)
    err = capsys.readouterr().err
    assert code == 2 and report is None
    assert "no complete export" in err and "us-east-1_exProvdU1" in err


def test_a_failing_call_fails_the_restore_check_without_quoting_cognito_and_cleans_up(sandbox, exported, aws_env,  # noqa: F811 (fixtures)
                                                                                      tmp_path, monkeypatch):
    from botocore.exceptions import ClientError

    def refused(*args, **kwargs):
        raise ClientError({"Error": {"Code": "UserNotFoundException", "Message": f"User {EMAIL} does not exist."}},
                          "AdminAddUserToGroup")

    monkeypatch.setattr(pools, "reapply", refused)
    code, report = drill(aws_env, tmp_path, "--resource", "pool:staff-users", "--import-role", ROLE)
    checks = {c["name"]: c for c in report["results"][0]["checks"]}
    assert code == 1 and checks["restore"]["detail"] == "AdminAddUserToGroup: UserNotFoundException"
    assert EMAIL not in (tmp_path / "drill.json").read_text()
    assert _pools(sandbox) == []


def test_the_newest_complete_export_is_drilled_and_a_changed_one_fails(sandbox, exported, tmp_path):  # noqa: F811
    """find_export skips a newer day without a manifest (an unfinished export); an export whose object no longer
    matches its manifest fails the export check and restores nothing."""
    from audit.drill.run import Options

    s3, bucket = sandbox.client("s3"), "tampered-exports"
    s3.create_bucket(Bucket=bucket)
    source = f"cognito-export/{POOL_ID}/2026-12-01/"
    for obj in s3.list_objects_v2(Bucket=EXPORT_BUCKET, Prefix=source)["Contents"]:
        body = s3.get_object(Bucket=EXPORT_BUCKET, Key=obj["Key"])["Body"].read()
        if "/import-" in obj["Key"]:
            body = body.replace(b"true", b"fals", 1)  # one byte-for-byte change, same size
        s3.put_object(Bucket=bucket, Key=obj["Key"], Body=body)
    s3.put_object(Bucket=bucket, Key=f"cognito-export/{POOL_ID}/2026-12-02/checkpoint.json", Body=b"{}")
    target = plan.Target("staff-users", plan.POOL, "staff", f"arn:aws:cognito-idp:us-east-1:{ENV_ACCOUNT}:userpool/{POOL_ID}",
                         "export_data", "", 8 * 3600, False, bucket)
    prepared = pools.find_export(s3, target)
    assert prepared.manifest_key == source + "manifest.json" and prepared.manifest["day"] == "2026-12-01"
    options = Options(drill_id="20261203t000000z", role_arn=lambda t: "", account=ENV_ACCOUNT, region="us-east-1",
                      endpoint_url=sandbox.url, poll_seconds=0, import_role_arn=ROLE)
    result = pools.drill(prepared, lambda service: sandbox.client(service), options, lambda line: None)
    checks = {c["name"]: c for c in result["checks"]}
    assert result["status"] == "failed" and checks["export"]["status"] == "failed"
    assert "checksum mismatch" in checks["export"]["detail"] and "differs from the manifest" in checks["restore"]["detail"]
    assert result["restore_seconds"] is None and _pools(sandbox) == []  # nothing was created
    empty = plan.Target("x", plan.POOL, "x", f"arn:aws:cognito-idp:us-east-1:{ENV_ACCOUNT}:userpool/us-east-1_none",
                        "export_data", "", 1, False, bucket)
    with pytest.raises(pools.NoExport, match="no complete export"):
        pools.find_export(s3, empty)
