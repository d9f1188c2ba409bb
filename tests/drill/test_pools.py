"""The user pool drill (``audit/drill/pools.py``): the comparison on dicts (each kind of difference fails it and
names users only by a SHA-256 prefix), the scratch pool's arguments, the ids (``pool:ID``). End to end in the
sandbox: tests/drill/test_pool_drill_sandbox.py."""
from __future__ import annotations

import hashlib
from copy import deepcopy

import pytest

from audit.drill import plan, pools
from audit.drill.pools import PoolState, UserFacts, compare_pools

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
