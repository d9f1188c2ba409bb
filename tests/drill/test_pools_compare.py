"""The user pool comparison's decisions, pinned (audit/drill/pools.py; docs/restore.md, "User pools"): what the
export expects of a restored pool (users by their sign-in attribute, statuses after import, who AWS will not
import), what each check says (counts, attribute and group names, users only as the first 12 hex digits of the
SHA-256 of the username, at most three), and that no value or address reaches a detail.

Importing users (passwords are not imported, users become RESET_REQUIRED, a row needs a verified auto-verified
attribute): https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool.html
"""
from __future__ import annotations

import hashlib
from copy import deepcopy

import pytest

from audit.drill import pools
from audit.drill.compare import FAILED, PASSED
from audit.drill.pools import ExportData, PoolState, UserFacts, compare_pools


def ref(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:12]


def refs(*names: str) -> str:
    return ", ".join(sorted(ref(n) for n in names))


# ------------------------------------------------------------------------------------ what is compared

def test_user_ref_is_the_first_12_hex_digits_of_the_usernames_sha256():
    assert pools.user_ref("ann@example.org") == hashlib.sha256(b"ann@example.org").hexdigest()[:12]


def test_comparable_attributes_drop_sub_and_unset_values_and_spell_verified_flags_one_way():
    assert pools.comparable_attributes({"sub": "x", "email": "a@x", "name": None, "custom:n": 5}) == \
        {"email": "a@x", "custom:n": "5"}
    assert pools.comparable_attributes({"email_verified": "True", "phone_number_verified": True}) == \
        {"email_verified": "true", "phone_number_verified": "true"}
    for false in ("false", "False", False, "", "no"):
        assert pools.comparable_attributes({"email_verified": false, "phone_number_verified": false}) == {}
    assert pools.comparable_attributes({"custom:verified": "False"}) == {"custom:verified": "False"}  # not a flag


@pytest.mark.parametrize("attributes, auto, imported", [
    ({"email_verified": "true"}, ["email"], True),
    ({"email_verified": "TRUE"}, ["email"], True),
    ({"email_verified": "false"}, ["email"], False),
    ({}, ["email"], False),                                              # an unconfirmed sign-up
    ({"phone_number_verified": "true"}, ["email"], False),                # verified, but not the auto-verified one
    ({"phone_number_verified": "true"}, ["phone_number"], True),
    ({"phone_number_verified": "true"}, ["email", "phone_number"], True),  # one of two is enough
    ({"email_verified": "true"}, ["email", "phone_number"], True),
    ({"email_verified": "true", "phone_number_verified": "true"}, ["email", "phone_number"], True),
    ({}, ["email", "phone_number"], False),
    ({"email_verified": "true"}, [], False),                               # nothing auto-verified: AWS imports none
    ({"email_verified": "true"}, ["name"], False),
])
def test_which_users_aws_imports(attributes, auto, imported):
    assert pools.importable({"attributes": attributes}, auto) is imported


def test_importable_without_attributes_is_false():
    assert pools.importable({"attributes": None}, ["email"]) is False
    assert pools.importable({}, ["email"]) is False


def test_users_are_matched_by_the_sign_in_attribute_when_the_pool_has_one():
    assert pools.sign_in_attribute({"UsernameAttributes": ["email", "phone_number"]}) == "email"
    assert pools.sign_in_attribute({"UsernameAttributes": []}) is None
    assert pools.sign_in_attribute({}) is None
    assert pools.user_key("uuid-1", {"email": "a@x"}, "email") == "a@x"
    assert pools.user_key("uuid-1", {"email": "a@x"}, None) == "uuid-1"
    assert pools.user_key("uuid-1", {}, "email") == "uuid-1"          # no address: the username after all
    assert pools.user_key("uuid-1", {"email": ""}, "email") == "uuid-1"


def test_group_facts_are_description_precedence_and_role():
    assert pools.group_facts({"GroupName": "g", "Description": "d", "Precedence": 3, "RoleArn": "arn:r",
                              "CreationDate": "x"}) == {"description": "d", "precedence": 3, "role": "arn:r"}
    assert pools.group_facts({"GroupName": "g"}) == {"description": None, "precedence": None, "role": None}


def _data(description=None) -> ExportData:
    users = {
        "u1": {"username": "u1", "status": "CONFIRMED", "enabled": True,
               "attributes": {"sub": "s1", "email": "ann@x.org", "email_verified": "true", "custom:c": "aslp"}},
        "u2": {"username": "u2", "status": "FORCE_CHANGE_PASSWORD", "enabled": False,
               "attributes": {"email": "bob@x.org", "email_verified": "true"}},
        "u3": {"username": "u3", "status": "UNCONFIRMED", "attributes": {"email": "cy@x.org"}},
        "u4": {"username": "u4", "attributes": {"email": "di@x.org", "email_verified": "true"}},
    }
    return ExportData(description if description is not None else {"AutoVerifiedAttributes": ["email"]},
                      [{"GroupName": "admins", "Description": "A", "Precedence": 1},
                       {"GroupName": "readers", "RoleArn": "arn:aws:iam::1:role/r"}],
                      users, {("admins", "u1"), ("readers", "u2"), ("readers", "u3"), ("admins", "ghost")})


def test_the_expected_pool_maps_statuses_keeps_flags_and_leaves_out_users_aws_will_not_import():
    expected, skipped = pools.expected_state(_data())
    assert skipped == ["u3"]
    assert expected.users == {
        "u1": UserFacts({"email": "ann@x.org", "email_verified": "true", "custom:c": "aslp"}, "RESET_REQUIRED", True),
        "u2": UserFacts({"email": "bob@x.org", "email_verified": "true"}, "RESET_REQUIRED", False),
        "u4": UserFacts({"email": "di@x.org", "email_verified": "true"}, "RESET_REQUIRED", True)}  # no status, enabled
    assert expected.groups == {"admins": {"description": "A", "precedence": 1, "role": None},
                               "readers": {"description": None, "precedence": None, "role": "arn:aws:iam::1:role/r"}}
    assert expected.memberships == {("admins", "u1"), ("readers", "u2")}  # not the skipped user's, not a stranger's


def test_the_expected_pool_of_a_pool_signing_in_by_email_is_keyed_by_email():
    expected, skipped = pools.expected_state(_data({"UsernameAttributes": ["email"], "AutoVerifiedAttributes": ["email"]}))
    assert set(expected.users) == {"ann@x.org", "bob@x.org", "di@x.org"} and skipped == ["cy@x.org"]
    assert expected.memberships == {("admins", "ann@x.org"), ("readers", "bob@x.org")}


def test_every_user_is_skipped_when_the_pool_auto_verifies_nothing():
    expected, skipped = pools.expected_state(_data({}))
    assert expected.users == {} and skipped == ["u1", "u2", "u3", "u4"] and expected.memberships == set()


def test_every_exported_status_becomes_reset_required():
    assert set(pools.STATUS_AFTER_IMPORT.values()) == {"RESET_REQUIRED"}
    assert {"CONFIRMED", "UNCONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED", "ARCHIVED", "COMPROMISED",
            "UNKNOWN"} <= set(pools.STATUS_AFTER_IMPORT)


# ------------------------------------------------------------------------------------ the checks

SECRETS = ("ann@", "bob@", "cy@", "di@", "x.org", "aslp", "octp", "arn:aws:iam")


def _state() -> PoolState:
    expected, _ = pools.expected_state(_data())
    return expected


def _by_name(checks):
    return {c.name: c for c in checks}


def _no_secret(checks):
    text = " ".join(c.detail for c in checks)
    assert not any(s in text for s in SECRETS), text


def test_an_identical_pool_passes_with_counts():
    checks = compare_pools(_state(), _state())
    assert [(c.name, c.status, c.detail) for c in checks] == [
        ("users present", PASSED, "3 of 3"),
        ("no extra users", PASSED, "3 restored, none extra"),
        ("attributes", PASSED, "3 users, every attribute but sub equal"),
        ("status", PASSED, "3 users as STATUS_AFTER_IMPORT maps them (RESET_REQUIRED)"),
        ("enabled flag", PASSED, "1 disabled, the others enabled, as exported"),
        ("groups", PASSED, "2 with description, precedence and role"),
        ("memberships", PASSED, "2 in 2 groups")]


def test_missing_and_extra_users_are_counted_and_named_by_reference():
    restored = deepcopy(_state())
    del restored.users["u1"]
    restored.users["eve"] = UserFacts({}, "RESET_REQUIRED", True)
    restored.users["zed"] = UserFacts({}, "RESET_REQUIRED", True)
    c = _by_name(compare_pools(_state(), restored))
    assert (c["users present"].status, c["users present"].detail) == (FAILED, f"1 missing: {ref('u1')}")
    assert (c["no extra users"].status, c["no extra users"].detail) == (FAILED, f"2 not in the export: {refs('eve', 'zed')}")
    assert c["attributes"].detail == "2 users, every attribute but sub equal"  # only users on both sides compared


def test_at_most_three_users_are_named_and_the_rest_counted():
    expected = PoolState({f"user{i}": UserFacts({}, "RESET_REQUIRED", True) for i in range(5)}, {}, set())
    c = _by_name(compare_pools(expected, PoolState({}, {}, set())))
    shown = sorted(ref(f"user{i}") for i in range(5))
    assert c["users present"].detail == f"5 missing: {', '.join(shown[:3])} and 2 more"
    expected3 = PoolState({f"user{i}": UserFacts({}, "RESET_REQUIRED", True) for i in range(3)}, {}, set())
    c = _by_name(compare_pools(expected3, PoolState({}, {}, set())))
    assert c["users present"].detail == f"3 missing: {refs('user0', 'user1', 'user2')}"


def test_a_changed_added_or_removed_attribute_fails_naming_the_attribute_never_the_value():
    restored = deepcopy(_state())
    restored.users["u1"].attributes["custom:c"] = "octp"       # changed
    restored.users["u2"].attributes["custom:new"] = "bob"        # added
    del restored.users["u4"].attributes["email_verified"]        # removed
    checks = compare_pools(_state(), restored)
    c = _by_name(checks)["attributes"]
    assert c.status == FAILED
    assert c.detail == f"3 user(s) differ in custom:c, custom:new, email_verified: {refs('u1', 'u2', 'u4')}"
    _no_secret(checks)


def test_a_different_status_or_enabled_flag_fails_naming_the_user_by_reference():
    restored = deepcopy(_state())
    restored.users["u1"].status = "CONFIRMED"
    restored.users["u2"].enabled = True
    restored.users["u4"].enabled = False
    checks = compare_pools(_state(), restored)
    c = _by_name(checks)
    assert (c["status"].status, c["status"].detail) == (FAILED, f"1 with another status: {ref('u1')}")
    assert (c["enabled flag"].status, c["enabled flag"].detail) == \
        (FAILED, f"2 with another enabled flag: {refs('u2', 'u4')}")
    assert c["attributes"].status == PASSED and c["users present"].status == PASSED
    _no_secret(checks)


def test_groups_fail_naming_missing_extra_and_different_groups():
    restored = deepcopy(_state())
    del restored.groups["readers"]
    restored.groups["admins"]["role"] = "arn:aws:iam::1:role/other"
    restored.groups["zz-new"] = {"description": None, "precedence": None, "role": None}
    c = _by_name(compare_pools(_state(), restored))["groups"]
    assert (c.status, c.detail) == (FAILED, "missing readers; extra zz-new; different admins")
    only = deepcopy(_state())
    only.groups["admins"]["description"] = "B"
    assert _by_name(compare_pools(_state(), only))["groups"].detail == "different admins"


def test_memberships_fail_counting_lost_and_added_ones_and_naming_their_users():
    restored = deepcopy(_state())
    restored.memberships = {("admins", "u1"), ("admins", "u4")}
    checks = compare_pools(_state(), restored)
    c = _by_name(checks)["memberships"]
    assert (c.status, c.detail) == (FAILED, f"1 missing, 1 extra (of 2); users {refs('u2', 'u4')}")
    _no_secret(checks)
    lost = deepcopy(_state())
    lost.memberships = set()
    assert _by_name(compare_pools(_state(), lost))["memberships"].detail == \
        f"2 missing, 0 extra (of 2); users {refs('u1', 'u2')}"


def test_a_false_verified_flag_does_not_hide_the_attributes_after_it():
    assert pools.comparable_attributes({"email_verified": "false", "email": "a@x", "sub": "s", "name": "n"}) == \
        {"email": "a@x", "name": "n"}
