"""The user pool drill (``audit/drill/pools.py``): the comparison on dicts (each kind of difference fails it and
names users only by a SHA-256 prefix), the scratch pool's arguments, the ids (``pool:ID``), and end to end in the
sandbox: a pool like the example's staff-users pool, seeded, exported by the exporter into the export bucket,
drilled with ``retention drill`` (passes, deletes its scratch pool, keeps it with --keep; a restore that leaves a
disabled user enabled and a membership out fails; without --import-role the configured role is used; no role at
all fails the import check; no export exits 2).
A sandbox result, never proof of AWS behaviour (``sandbox/cognito/import_jobs.py`` says what differs)."""
from __future__ import annotations

import hashlib
from copy import deepcopy

import pytest

from audit.drill import plan, pools
from audit.drill.pools import PoolState, UserFacts, compare_pools
from tests.support.drill import aws_env, drill  # noqa: F401 (fixture)
from tests.support.sandbox import ENV_ACCOUNT, sandbox  # noqa: F401 (fixture)

ROLE = f"arn:aws:iam::{ENV_ACCOUNT}:role/CognitoImportLogs"
POOL_ID = "us-east-1_exStaffU1"  # the example configuration's staff-users pool
EXPORT_BUCKET = f"compact-connect-example-cognito-export-{ENV_ACCOUNT}"
EMAIL = "ann@example.org"


# ------------------------------------------------------------------------------------ the comparison

def _state() -> PoolState:
    users = {"ann": UserFacts({"email": EMAIL, "email_verified": "true", "custom:compact": "aslp"}, "RESET_REQUIRED", True),
             "bob": UserFacts({"email": "bob@example.org", "email_verified": "true"}, "RESET_REQUIRED", False)}
    groups = {"admins": {"description": "d", "precedence": 1, "role": None}, "readers": {"description": None,
                                                                                      "precedence": 10, "role": None}}
    return PoolState(users, groups, {("admins", "ann"), ("readers", "bob")})


def _failed(checks) -> dict[str, str]:
    return {c.name: c.detail for c in checks if c.status == "failed"}


def test_an_identical_pool_passes():
    checks = compare_pools(_state(), _state())
    assert _failed(checks) == {} and {c.name for c in checks} == {
        "users present", "no extra users", "attributes", "status", "enabled flag", "groups", "memberships"}


def _ref(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:12]


@pytest.mark.parametrize("change, check", [
    ("changed attribute", "attributes"), ("missing user", "users present"), ("extra user", "no extra users"),
    ("changed membership", "memberships"), ("disabled user enabled", "enabled flag"), ("status", "status"),
    ("group precedence", "groups"), ("missing group", "groups"),
])
def test_each_difference_fails_naming_users_by_a_digest_only(change, check):
    restored = deepcopy(_state())
    if change == "changed attribute":
        restored.users["ann"].attributes["custom:compact"] = "octp"
    elif change == "missing user":
        del restored.users["ann"]
    elif change == "extra user":
        restored.users["eve"] = UserFacts({"email": "eve@example.org"}, "RESET_REQUIRED", True)
    elif change == "changed membership":
        restored.memberships = {("readers", "ann"), ("readers", "bob")}
    elif change == "disabled user enabled":
        restored.users["bob"].enabled = True
    elif change == "status":
        restored.users["ann"].status = "CONFIRMED"
    elif change == "group precedence":
        restored.groups["admins"]["precedence"] = 5
    elif change == "missing group":
        del restored.groups["readers"]
    failed = _failed(compare_pools(_state(), restored))
    assert check in failed, failed
    text = " ".join(failed.values())
    for secret in ("ann", "bob", "eve", "example.org", "aslp", "octp"):
        assert secret not in text
    if check != "groups":
        assert any(_ref(u) in failed[check] for u in ("ann", "bob", "eve"))
    if change == "changed attribute":
        assert "custom:compact" in failed[check]  # the attribute's name, never its value


def test_sub_and_false_verified_flags_do_not_count_and_statuses_map_to_reset_required():
    exported = {"sub": "old", "email": EMAIL, "email_verified": "true", "phone_number_verified": "false"}
    assert pools.comparable_attributes(exported) == {"email": EMAIL, "email_verified": "true"}
    assert pools.comparable_attributes({"sub": "new", "email": EMAIL, "email_verified": "True"}) == \
        pools.comparable_attributes(exported)
    assert {pools.STATUS_AFTER_IMPORT[s] for s in ("CONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED")} == \
        {"RESET_REQUIRED"}
    assert not pools.importable({"attributes": {"email": EMAIL}}, ["email"])  # an unconfirmed sign-up
    assert pools.importable({"attributes": {"email_verified": "true"}}, ["email"])
    assert not pools.importable({"attributes": {"email_verified": "true"}}, [])


class _FakeCognito:
    """ListUsers, ListGroups, ListUsersInGroup of a restored pool whose import gave users new usernames."""

    def __init__(self, users, groups, members):
        self.users, self.groups, self.members = users, groups, members

    def list_users(self, **kwargs):
        return {"Users": self.users}

    def list_groups(self, **kwargs):
        return {"Groups": self.groups}

    def list_users_in_group(self, GroupName, **kwargs):  # noqa: N803
        return {"Users": [u for u in self.users if u["Username"] in self.members.get(GroupName, [])]}


def test_a_pool_that_signs_in_by_email_is_matched_by_email_not_by_its_internal_username():
    data = pools.ExportData(
        {"UsernameAttributes": ["email"], "AutoVerifiedAttributes": ["email"]},
        [{"GroupName": "admins", "Precedence": 1}],
        {"uuid-1": {"username": "uuid-1", "status": "CONFIRMED", "enabled": True,
                    "attributes": {"sub": "uuid-1", "email": EMAIL, "email_verified": "true"}},
         "uuid-2": {"username": "uuid-2", "status": "UNCONFIRMED", "enabled": True,
                    "attributes": {"sub": "uuid-2", "email": "pending@example.org"}}},
        {("admins", "uuid-1"), ("admins", "uuid-2")})
    expected, skipped = pools.expected_state(data)
    assert set(expected.users) == {EMAIL} and skipped == ["pending@example.org"]  # an unconfirmed sign-up
    assert expected.memberships == {("admins", EMAIL)}
    restored_user = {"Username": "new-uuid", "UserStatus": "RESET_REQUIRED", "Enabled": True,
                     "Attributes": [{"Name": "sub", "Value": "new-uuid"}, {"Name": "email", "Value": EMAIL},
                                    {"Name": "email_verified", "Value": "true"}]}
    fake = _FakeCognito([restored_user], [{"GroupName": "admins", "Precedence": 1}], {"admins": ["new-uuid"]})
    assert _failed(compare_pools(expected, pools.read_pool(fake, "p", pools.sign_in_attribute(data.description)))) == {}
    by_username = pools.read_pool(fake, "p", None)  # matched by username instead: every user differs
    assert {"users present", "no extra users"} <= set(_failed(compare_pools(expected, by_username)))


def test_scratch_pool_arguments_keep_schema_and_settings_but_no_triggers():
    description = {"Name": "staff", "UsernameAttributes": ["email"], "AutoVerifiedAttributes": ["email"],
                   "Policies": {"PasswordPolicy": {"MinimumLength": 12}}, "LambdaConfig": {"PreSignUp": "arn:x"},
                   "DeletionProtection": "ACTIVE", "MfaConfiguration": "OPTIONAL",
                   "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True, "UnusedAccountValidityDays": 7},
                   "SchemaAttributes": [{"Name": "sub", "AttributeDataType": "String", "Required": True},
                                        {"Name": "email", "AttributeDataType": "String", "Required": True},
                                        {"Name": "name", "AttributeDataType": "String", "Required": False},
                                        {"Name": "custom:compact", "AttributeDataType": "String", "Mutable": True}]}
    args = pools.create_pool_args(description, "staff-drill-20261203t190000z", "20261203t190000z")
    assert args["PoolName"] == "staff-drill-20261203t190000z"
    assert args["UserPoolTags"] == {plan.TAG_KEY: "20261203t190000z"} and args["DeletionProtection"] == "INACTIVE"
    assert [a["Name"] for a in args["Schema"]] == ["email", "compact"]
    assert args["UsernameAttributes"] == ["email"] and args["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert "LambdaConfig" not in args and args["MfaConfiguration"] == "OFF"
    assert args["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert description["AdminCreateUserConfig"]["UnusedAccountValidityDays"] == 7  # the export is not changed


def test_the_csv_is_reordered_to_the_scratch_header_by_name():
    body = pools.reorder(["b", "a"], [["2", "1"]], ["a", "c", "b"])
    assert body == b"a,c,b\n1,,2\n"
    with pytest.raises(pools.PoolRestoreFailed, match="lacks the exported column.* b"):
        pools.reorder(["a", "b"], [["1", "2"]], ["a"])


CFG = {"environment": "e", "primary_region": "us-east-1", "environment_account_id": "111111111111",
       "vault_names": {"general": "G", "ssn": "S"},
       "backup_policies": {"c": {"rto_hours": 4}, "export_data": {"rto_hours": 8}},
       "inventory": {"dynamodb_tables": [{"id": "staff-users", "table_name": "staff", "category": "c"}],
                     "s3_buckets": [{"id": "cognito-export", "bucket_name": "exports", "category": "export_data"}],
                     "cognito_user_pools": [{"id": "staff-users", "user_pool_name": "staff", "user_pool_id": "us-east-1_a"},
                                            {"id": "only-pool", "user_pool_name": "o", "user_pool_id": "us-east-1_b"}]}}


def test_pool_ids_the_export_category_and_collisions():
    assert [t.kind for t in plan.choose(CFG, ["staff-users"], False)] == [plan.TABLE]  # the bare id: as before
    pool = plan.choose(CFG, ["pool:staff-users"], False)[0]
    assert (pool.kind, pool.pool_id, pool.export_bucket, pool.category, pool.rto_seconds) == \
        (plan.POOL, "us-east-1_a", "exports", "export_data", 8 * 3600)
    assert plan.choose(CFG, ["only-pool"], False)[0].kind == plan.POOL  # a bare id of a pool alone
    assert [(t.id, t.kind) for t in plan.choose(CFG, None, True)] == [
        ("staff-users", plan.TABLE), ("cognito-export", plan.BUCKET), ("staff-users", plan.POOL), ("only-pool", plan.POOL)]
    assert plan.collisions(CFG) == ["staff-users names a dynamodb table and a user pool: --resource staff-users drills "
                                    "the former, --resource pool:staff-users the pool"]
    with pytest.raises(plan.DrillInputError, match="pool:staff-users"):
        plan.choose(CFG, ["nope"], False)


# ------------------------------------------------------------------------------------ end to end in the sandbox

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
