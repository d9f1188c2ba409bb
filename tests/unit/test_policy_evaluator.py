"""Unit tests of the hand-written IAM policy evaluator (``audit.policy``).

Organised by topic; most cases come from the AWS pages "Policy evaluation logic", "Condition operators",
"Single-valued vs. multivalued context keys", "Cross-account policy evaluation logic", "NotPrincipal" and
"Default key policy", plus the SSN-key pattern this project relies on.
"""
from __future__ import annotations

from typing import Any

import pytest

from audit.policy import ROOT_USER, Decision, PolicyError, Request, evaluate, statement_matches
from tests.support.policies import ACCT, KEY, OTHER, ROOT, allow, deny, policy, req, role, session


def s3_req(resource: str = "arn:aws:s3:::bucket/key", **context: Any) -> Request:
    return Request(role("Admin"), "s3:GetObject", resource, context, resource_account=ACCT)


def cond(condition: dict[str, Any], **context: Any) -> bool:
    """Does an identity statement with only this Condition apply to a request with this context?"""
    return statement_matches(allow(Condition=condition), req(**context), for_resource_policy=False)


# ------------------------------------------------------------------------------ policy document shape


class TestDocumentShape:
    def test_statement_as_object_or_list_and_elements_as_string_or_list(self) -> None:
        as_object = {"Version": "2012-10-17", "Statement": allow("kms:Decrypt", KEY)}
        as_lists = policy(allow(["kms:Encrypt", "kms:Decrypt"], [KEY]))
        assert evaluate(req(), identity_policies=[as_object]).allowed
        assert evaluate(req(), identity_policies=[as_lists]).allowed

    def test_statement_without_sid_is_named_by_position(self) -> None:
        decision = evaluate(req(), identity_policies=[policy(allow("s3:*")), policy(deny("s3:*"), allow("kms:*"))])
        assert decision == Decision(True, "Allow", ("policy[1].Statement[1]",),
                                    "allowed by identity policy statement policy[1].Statement[1]")

    def test_policy_without_version_treats_variables_as_text(self) -> None:
        """AWS applies Version 2008-10-17 when Version is missing: ``${...}`` is then literal."""
        stmt = allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*")
        request = Request(role("Admin"), "s3:GetObject", "arn:aws:s3:::b/alice/x", {"aws:username": "alice"},
                          resource_account=ACCT)
        assert evaluate(request, identity_policies=[policy(stmt)]).allowed
        assert not evaluate(request, identity_policies=[{"Statement": [stmt]}]).allowed


# ---------------------------------------------------------------------------- actions and resources


class TestActionsAndResources:
    def test_action_wildcards_are_case_insensitive(self) -> None:
        stmt = allow("KMS:generatedatakey*")
        assert statement_matches(stmt, req(action="kms:GenerateDataKeyWithoutPlaintext"), for_resource_policy=False)
        assert not statement_matches(stmt, req(action="kms:Decrypt"), for_resource_policy=False)

    def test_question_mark_matches_exactly_one_character(self) -> None:
        stmt = allow("s3:Get?bject")
        assert statement_matches(stmt, req(action="s3:GetObject"), for_resource_policy=False)
        assert not statement_matches(stmt, req(action="s3:GetObjject"), for_resource_policy=False)

    def test_not_action_matches_everything_else(self) -> None:
        stmt = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
        assert statement_matches(stmt, req(action="s3:GetObject"), for_resource_policy=False)
        assert not statement_matches(stmt, req(action="iam:CreateUser"), for_resource_policy=False)

    def test_resource_match_is_case_sensitive(self) -> None:
        stmt = allow("s3:GetObject", "arn:aws:s3:::Bucket/*")
        assert not statement_matches(stmt, req(action="s3:GetObject", resource="arn:aws:s3:::bucket/x"),
                                     for_resource_policy=False)

    def test_resource_star_spans_colons_and_slashes(self) -> None:
        assert statement_matches(allow(resource="arn:aws:kms:*"), req(), for_resource_policy=False)
        nested = req(action="s3:GetObject", resource="arn:aws:s3:::bucket/a/b/c.txt")
        assert statement_matches(allow(resource="arn:aws:s3:::bucket/*"), nested, for_resource_policy=False)
        assert not statement_matches(allow(resource="arn:aws:s3:::bucket"), nested, for_resource_policy=False)

    def test_not_resource(self) -> None:
        stmt = {"Effect": "Deny", "Action": "kms:*", "NotResource": KEY}
        assert not statement_matches(stmt, req(), for_resource_policy=False)
        assert statement_matches(stmt, req(resource=KEY + "-other"), for_resource_policy=False)

    def test_policy_variable_in_resource(self) -> None:
        stmt = allow("s3:*", "arn:aws:s3:::home/${aws:username}/*")
        target = "arn:aws:s3:::home/alice/notes.txt"
        assert statement_matches(stmt, s3_req(target, **{"aws:username": "alice"}), for_resource_policy=False)
        assert not statement_matches(stmt, s3_req(target, **{"aws:username": "bob"}), for_resource_policy=False)
        assert not statement_matches(stmt, s3_req(target), for_resource_policy=False)  # unresolvable

    def test_variable_value_is_literal_and_default_is_used_when_missing(self) -> None:
        stmt = allow("s3:*", "arn:aws:s3:::home/${aws:username, 'nobody'}/x")
        assert statement_matches(stmt, s3_req("arn:aws:s3:::home/nobody/x"), for_resource_policy=False)
        star = {"aws:username": "*"}  # a "*" coming from the request is not a wildcard
        assert not statement_matches(stmt, s3_req("arn:aws:s3:::home/alice/x", **star), for_resource_policy=False)
        assert statement_matches(stmt, s3_req("arn:aws:s3:::home/*/x", **star), for_resource_policy=False)

    @pytest.mark.parametrize("escape, literal", [("${*}", "*"), ("${?}", "?"), ("${$}", "$")])
    def test_escapes_are_literal_characters(self, escape: str, literal: str) -> None:
        stmt = allow("s3:*", f"arn:aws:s3:::b/file{escape}")
        assert statement_matches(stmt, s3_req(f"arn:aws:s3:::b/file{literal}"), for_resource_policy=False)
        assert not statement_matches(stmt, s3_req("arn:aws:s3:::b/fileX"), for_resource_policy=False)


# ------------------------------------------------------------------------------------------ principals


def in_resource_policy(principal: Any, caller: str, **extra: Any) -> bool:
    stmt = {"Effect": "Allow", "Principal": principal, "Action": "kms:*", "Resource": "*", **extra}
    return statement_matches(stmt, req(principal=caller), for_resource_policy=True)


class TestPrincipals:
    @pytest.mark.parametrize("element", ["*", {"AWS": "*"}])
    def test_wildcard_principal_matches_anyone(self, element: Any) -> None:
        assert in_resource_policy(element, role("Admin"))
        assert in_resource_policy(element, role("X", OTHER))

    @pytest.mark.parametrize("element", [{"AWS": ACCT}, {"AWS": ROOT}])
    def test_account_principal_matches_every_principal_of_that_account(self, element: Any) -> None:
        for caller in (role("Admin"), session("Admin"), f"arn:aws:iam::{ACCT}:user/alice", ROOT):
            assert in_resource_policy(element, caller), caller
        assert not in_resource_policy(element, role("Admin", OTHER))
        assert not in_resource_policy(element, "backup.amazonaws.com")

    def test_role_arn_matches_the_role_and_its_sessions_only(self) -> None:
        element = {"AWS": role("Admin")}
        assert in_resource_policy(element, role("Admin"))
        assert in_resource_policy(element, session("Admin"))
        assert not in_resource_policy(element, role("Admin2"))
        assert not in_resource_policy(element, session("Admin", OTHER))

    def test_role_arn_with_path_matches_session_by_role_name(self) -> None:
        assert in_resource_policy({"AWS": role("ops/Admin")}, session("Admin"))

    def test_service_principal_matches_only_that_service(self) -> None:
        element = {"Service": "backup.amazonaws.com"}
        assert in_resource_policy(element, "backup.amazonaws.com")
        assert not in_resource_policy(element, "events.amazonaws.com")
        assert not in_resource_policy(element, role("AWSBackupDefaultServiceRole"))
        assert not in_resource_policy({"AWS": ROOT}, "backup.amazonaws.com")

    def test_star_principal_also_matches_service_principals(self) -> None:
        assert in_resource_policy("*", "backup.amazonaws.com")

    def test_canonical_user_never_matches_iam_principals_in_a_bucket_policy(self) -> None:
        element = {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}
        stmt = {"Effect": "Allow", "Principal": element, "Action": "s3:*", "Resource": "*"}
        for caller in (role("Admin"), ROOT):
            request = Request(caller, "s3:GetObject", "arn:aws:s3:::bucket/key", resource_account=ACCT)
            assert not statement_matches(stmt, request, for_resource_policy=True)

    @pytest.mark.parametrize("element, kind", [({"Federated": "cognito-identity.amazonaws.com"}, "Federated"),
                                               ({"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"
                                                                  "fd6e09d98eacf8f8d5218e7cd47ef2be"}, "CanonicalUser")])
    def test_federated_and_canonical_user_refused_where_they_cannot_apply(self, element: Any, kind: str) -> None:
        """A KMS key policy cannot name an S3 canonical user or an identity provider: refused, not ignored."""
        with pytest.raises(PolicyError, match=kind):
            in_resource_policy(element, role("Admin"))

    def test_identity_policy_cannot_name_a_principal_and_resource_policy_must(self) -> None:
        with pytest.raises(PolicyError, match="Principal"):
            statement_matches(allow(Principal="*"), req(), for_resource_policy=False)
        with pytest.raises(PolicyError, match="Principal"):
            statement_matches(allow(), req(), for_resource_policy=True)

    def test_unparsable_request_principal_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="unrecognised principal"):
            evaluate(req(principal="Admin"))


# ------------------------------------------------------------------------------------------ NotPrincipal


class TestNotPrincipal:
    """AWS "NotPrincipal": a Deny must list the account as well as the role, or it denies the whole account."""

    def deny_all_but(self, *listed: str) -> dict[str, Any]:
        return policy({"Sid": "DenyAllButAuditRole", "Effect": "Deny", "NotPrincipal": {"AWS": list(listed)},
                       "Action": "kms:*", "Resource": "*"},
                      {"Sid": "AllowAccount", "Effect": "Allow", "Principal": {"AWS": ROOT},
                       "Action": "kms:*", "Resource": "*"})

    def test_deny_with_role_and_account_listed_exempts_only_that_role(self) -> None:
        """A role session is exempt only when its own session ARN is listed too (the page's second example)."""
        key_policy = self.deny_all_but(role("Audit"), ROOT)
        kms_all = [policy(allow("kms:*"))]

        def decide(caller: str, listed: dict[str, Any] = key_policy) -> Decision:
            return evaluate(req(principal=caller), identity_policies=kms_all, resource_policy=listed,
                            resource_policy_type="kms_key")

        assert decide(role("Audit")).kind == "Allow"
        assert decide(session("Audit")).kind == "ExplicitDeny"
        with_session = self.deny_all_but(session("Audit"), role("Audit"), ROOT)
        assert decide(session("Audit"), with_session).kind == "Allow"
        assert decide(session("Audit", session_name="other"), with_session).kind == "ExplicitDeny"
        assert decide(role("Admin")).kind == "ExplicitDeny"
        assert decide(role("Audit", OTHER)).kind == "ExplicitDeny"

    def test_deny_listing_only_the_role_still_denies_it(self) -> None:
        key_policy = self.deny_all_but(role("Audit"))
        decision = evaluate(req(principal=session("Audit")), identity_policies=[policy(allow("kms:*"))],
                            resource_policy=key_policy, resource_policy_type="kms_key")
        assert decision.kind == "ExplicitDeny" and decision.deciding == ("DenyAllButAuditRole",)


# ------------------------------------------------------------------------------------ condition operators


class TestStringOperators:
    def test_string_equals_is_case_sensitive_ignore_case_is_not(self) -> None:
        tag = {"aws:PrincipalTag/job-category": "IAMuser-admin"}
        assert not cond({"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}, **tag)
        assert cond({"StringEqualsIgnoreCase": {"aws:PrincipalTag/job-category": "iamuser-admin"}}, **tag)
        assert not cond({"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/job-category": "iamuser-admin"}}, **tag)

    def test_string_equals_does_not_expand_wildcards(self) -> None:
        assert not cond({"StringEquals": {"s3:prefix": "home/*"}}, **{"s3:prefix": "home/alice"})
        assert cond({"StringEquals": {"s3:prefix": "home/*"}}, **{"s3:prefix": "home/*"})

    def test_string_like_with_wildcards_and_policy_variable(self) -> None:
        """The AWS example: ``StringLike s3:prefix ["", "home/", "home/${aws:username}/"]``."""
        condition = {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}}
        assert cond(condition, **{"s3:prefix": "home/alice/a/b", "aws:username": "alice"})
        assert cond(condition, **{"s3:prefix": "", "aws:username": "alice"})
        assert not cond(condition, **{"s3:prefix": "home/bob/a", "aws:username": "alice"})

    def test_string_not_like_is_the_nor_of_the_values(self) -> None:
        condition = {"StringNotLike": {"aws:userid": ["AROA*:alice", "AIDA*"]}}
        assert cond(condition, **{"aws:userid": "AROAEXAMPLE:bob"})
        assert not cond(condition, **{"aws:userid": "AIDAEXAMPLE"})

    def test_policy_variable_that_cannot_be_resolved_matches_nothing(self) -> None:
        """Positive: no match. Negated: the condition is false too (AWS: the statement may be invalid)."""
        assert not cond({"StringEquals": {"s3:prefix": "${aws:username}"}}, **{"s3:prefix": "alice"})
        assert not cond({"StringNotEquals": {"s3:prefix": "${aws:username}"}}, **{"s3:prefix": "alice"})
        resolved = {"s3:prefix": "bob", "aws:username": "alice"}
        assert cond({"StringNotEquals": {"s3:prefix": "${aws:username}"}}, **resolved)

    def test_multivalued_key_without_set_operator(self) -> None:
        """Positive operators hold if any value matches; negated ones only if none does (our choice, see docs)."""
        via = {"aws:CalledVia": ["athena.amazonaws.com", "cloudformation.amazonaws.com"]}
        assert cond({"StringEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}}, **via)
        assert not cond({"StringNotEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}}, **via)
        assert cond({"StringNotEquals": {"aws:CalledVia": "glue.amazonaws.com"}}, **via)

    def test_condition_key_names_are_case_insensitive(self) -> None:
        assert cond({"StringEquals": {"AWS:PRINCIPALTAG/Team": "backup"}}, **{"aws:principaltag/team": "backup"})

    def test_values_or_keys_and_operators_and(self) -> None:
        condition = {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"],
                                      "aws:PrincipalTag/team": "ops"},
                     "Bool": {"aws:SecureTransport": "true"}}
        base = {"aws:RequestedRegion": "us-west-2", "aws:PrincipalTag/team": "ops", "aws:SecureTransport": True}
        assert cond(condition, **base)
        assert not cond(condition, **{**base, "aws:PrincipalTag/team": "dev"})
        assert not cond(condition, **{**base, "aws:SecureTransport": False})
        assert not cond(condition, **{**base, "aws:RequestedRegion": "eu-west-1"})


class TestOtherOperators:
    @pytest.mark.parametrize("operator, value, expected", [
        ("NumericEquals", "10", True), ("NumericNotEquals", "10", False), ("NumericLessThan", "10", False),
        ("NumericLessThanEquals", "10", True), ("NumericGreaterThan", "9", True),
        ("NumericGreaterThanEquals", "11", False), ("NumericLessThanEquals", 10.5, True),
    ])
    def test_numeric(self, operator: str, value: Any, expected: bool) -> None:
        assert cond({operator: {"s3:max-keys": value}}, **{"s3:max-keys": 10}) is expected

    @pytest.mark.parametrize("operator, value, expected", [
        ("DateGreaterThan", "2020-01-01T00:00:01Z", True), ("DateLessThan", "2020-01-01T00:00:01Z", False),
        ("DateEquals", "2021-06-30T12:00:00+00:00", True), ("DateNotEquals", "2021-06-30T12:00:00Z", False),
        ("DateLessThanEquals", "1625054400", True), ("DateGreaterThanEquals", "2021-07-01", False),
    ])
    def test_date_iso8601_and_epoch(self, operator: str, value: str, expected: bool) -> None:
        issued = {"aws:TokenIssueTime": "2021-06-30T12:00:00Z"}
        assert cond({operator: {"aws:TokenIssueTime": value}}, **issued) is expected

    def test_date_context_given_as_epoch_seconds(self) -> None:
        assert cond({"DateLessThan": {"aws:EpochTime": "2021-01-01T00:00:00Z"}}, **{"aws:EpochTime": 1577836800})

    def test_bool_secure_transport_deny_example(self) -> None:
        stmt = deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}})
        assert statement_matches(stmt, s3_req(**{"aws:SecureTransport": False}), for_resource_policy=False)
        assert not statement_matches(stmt, s3_req(**{"aws:SecureTransport": "true"}), for_resource_policy=False)

    def test_binary_equals_compares_decoded_bytes(self) -> None:
        assert cond({"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}, key=b"BinaryValueInBase64")
        assert not cond({"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}, key=b"other")

    def test_ip_address_and_not_ip_address_v4_and_v6(self) -> None:
        condition = {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}
        assert cond(condition, **{"aws:SourceIp": "203.0.113.77"})
        assert cond(condition, **{"aws:SourceIp": "2001:db8:1234:5678::1"})
        assert not cond(condition, **{"aws:SourceIp": "198.51.100.1"})
        assert cond({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, **{"aws:SourceIp": "198.51.100.1"})

    def test_arn_operators_compare_each_of_the_six_fields(self) -> None:
        topic = "arn:aws:sns:us-east-1:123456789012:my-topic"
        assert cond({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}}, **{"aws:SourceArn": topic})
        assert cond({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-?ast-1:123456789012:my-topic"}},
                    **{"aws:SourceArn": topic})
        # a whole-string glob would match this; per-field comparison has only four fields to compare
        assert not cond({"ArnLike": {"aws:SourceArn": "arn:aws:*:my-topic"}}, **{"aws:SourceArn": topic})
        assert cond({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:999999999999:*"}}, **{"aws:SourceArn": topic})

    def test_arn_resource_field_keeps_its_colons(self) -> None:
        value = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/backup:*"
        assert cond({"ArnLike": {"aws:SourceArn": "arn:aws:logs:*:*:log-group:/aws/*"}}, **{"aws:SourceArn": value})

    def test_null_checks_presence(self) -> None:
        assert cond({"Null": {"aws:TokenIssueTime": "true"}})
        assert not cond({"Null": {"aws:TokenIssueTime": "true"}}, **{"aws:TokenIssueTime": "2021-01-01T00:00:00Z"})
        assert cond({"Null": {"aws:TokenIssueTime": False}}, **{"aws:TokenIssueTime": "2021-01-01T00:00:00Z"})


# ---------------------------------------------------------------------------------- missing-key semantics


class TestMissingKeys:
    @pytest.mark.parametrize("operator, value", [
        ("StringEquals", "x"), ("StringLike", "*"), ("StringEqualsIgnoreCase", "x"), ("NumericEquals", "1"),
        ("DateEquals", "2020-01-01"), ("Bool", "true"), ("IpAddress", "0.0.0.0/0"), ("BinaryEquals", "eA=="),
        ("ArnEquals", "arn:*:*:*:*:*"), ("ArnLike", "arn:*:*:*:*:*"),
    ])
    def test_positive_operator_on_missing_key_is_false(self, operator: str, value: str) -> None:
        assert not cond({operator: {"custom:Missing": value}})

    @pytest.mark.parametrize("operator, value", [
        ("StringNotEquals", "x"), ("StringNotLike", "*"), ("StringNotEqualsIgnoreCase", "x"),
        ("NumericNotEquals", "1"), ("DateNotEquals", "2020-01-01"), ("NotIpAddress", "0.0.0.0/0"),
        ("ArnNotEquals", "arn:*:*:*:*:*"), ("ArnNotLike", "arn:*:*:*:*:*"),
    ])
    def test_negated_operator_on_missing_key_is_true(self, operator: str, value: str) -> None:
        assert cond({operator: {"custom:Missing": value}})

    def test_if_exists_example(self) -> None:
        """AWS: ``StringLikeIfExists ec2:InstanceType [t1.*, t2.*, m3.*]`` - true when absent, else checked."""
        condition = {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}
        assert cond(condition)
        assert cond(condition, **{"ec2:InstanceType": "t2.micro"})
        assert not cond(condition, **{"ec2:InstanceType": "p4d.24xlarge"})

    def test_deny_with_string_not_equals_if_exists_applies_when_key_is_missing(self) -> None:
        """An evaluator that treated IfExists as "skip when missing" would let this request through."""
        key_policy = policy(
            {"Sid": "AllowAll", "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"},
            {"Sid": "DenyOutsideBackup", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringNotEqualsIfExists": {"kms:ViaService": "backup.us-east-1.amazonaws.com"}}})
        decision = evaluate(req(), resource_policy=key_policy, resource_policy_type="kms_key")
        assert decision.kind == "ExplicitDeny" and decision.deciding == ("DenyOutsideBackup",)
        via_backup = req(**{"kms:ViaService": "backup.us-east-1.amazonaws.com"})
        assert evaluate(via_backup, resource_policy=key_policy, resource_policy_type="kms_key").allowed

    def test_null_combined_with_for_all_values_closes_the_missing_key_gap(self) -> None:
        condition = {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}, "Null": {"aws:TagKeys": "false"}}
        assert not cond(condition)
        assert cond(condition, **{"aws:TagKeys": ["env"]})


class TestSetOperators:
    TAG_KEYS = ["environment", "cost-center"]

    @pytest.mark.parametrize("tag_keys, expected", [
        (["environment"], True), (["environment", "cost-center"], True), (["environment", "dept"], False),
        (None, True), ([], True),
    ])
    def test_for_all_values_is_subset_and_true_when_missing_or_empty(self, tag_keys: Any, expected: bool) -> None:
        context = {} if tag_keys is None else {"aws:TagKeys": tag_keys}
        assert cond({"ForAllValues:StringEquals": {"aws:TagKeys": self.TAG_KEYS}}, **context) is expected

    @pytest.mark.parametrize("tag_keys, expected", [
        (["environment", "other"], True), (["other"], False), (None, False), ([], False),
    ])
    def test_for_any_value_is_intersection_and_false_when_missing_or_empty(
        self, tag_keys: Any, expected: bool
    ) -> None:
        context = {} if tag_keys is None else {"aws:TagKeys": tag_keys}
        assert cond({"ForAnyValue:StringEquals": {"aws:TagKeys": self.TAG_KEYS}}, **context) is expected

    def test_for_all_values_string_like_example(self) -> None:
        condition = {"ForAllValues:StringLike": {"aws:TagKeys": "Created*"}}
        assert cond(condition, **{"aws:TagKeys": ["CreatedBy", "CreatedAt"]})
        assert not cond(condition, **{"aws:TagKeys": ["CreatedBy", "Owner"]})

    @pytest.mark.parametrize("called_via, expected", [
        (None, True), (["cloudformation.amazonaws.com"], False), (["athena.amazonaws.com"], True),
        (["athena.amazonaws.com", "cloudformation.amazonaws.com"], False),
    ])
    def test_for_all_values_string_not_equals_called_via(self, called_via: Any, expected: bool) -> None:
        context = {} if called_via is None else {"aws:CalledVia": called_via}
        condition = {"ForAllValues:StringNotEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}}
        assert cond(condition, **context) is expected


# ------------------------------------------------------------------------------------------ default context


class TestDefaultContext:
    def test_session_principal_arn_is_the_role_arn(self) -> None:
        condition = {"ArnEquals": {"aws:PrincipalArn": role("Admin")},
                     "StringEquals": {"aws:PrincipalAccount": ACCT, "aws:PrincipalType": "AssumedRole"},
                     "Bool": {"aws:PrincipalIsAWSService": "false"}}
        request = req(principal=session("Admin"))
        assert statement_matches(allow(Condition=condition), request, for_resource_policy=False)

    def test_root_and_user_principal_types(self) -> None:
        account = {"StringEquals": {"aws:PrincipalType": "Account"}, "ArnEquals": {"aws:PrincipalArn": ROOT}}
        assert statement_matches(allow(Condition=account), req(principal=ROOT), for_resource_policy=False)
        user = {"StringEquals": {"aws:PrincipalType": "User"}}
        assert statement_matches(allow(Condition=user), req(principal=f"arn:aws:iam::{ACCT}:user/alice"),
                                 for_resource_policy=False)

    def test_service_principal_keys_and_no_principal_arn(self) -> None:
        condition = {"Bool": {"aws:PrincipalIsAWSService": "true"}, "Null": {"aws:PrincipalArn": "true"},
                     "StringEquals": {"aws:PrincipalServiceName": "backup.amazonaws.com"}}
        assert statement_matches(allow(Principal={"Service": "backup.amazonaws.com"}, Condition=condition),
                                 req(principal="backup.amazonaws.com"), for_resource_policy=True)

    def test_caller_context_wins_over_defaults(self) -> None:
        condition = {"StringEquals": {"aws:PrincipalAccount": "333333333333"}}
        assert cond(condition, **{"AWS:principalaccount": "333333333333"})
        assert not cond(condition)


# ---------------------------------------------------------------------------- evaluation, single account


class TestSingleAccountEvaluation:
    CARLOS = f"arn:aws:iam::{ACCT}:user/carlossalazar"
    OWN = "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar"
    CARLOS_POLICY = policy(
        {"Sid": "AllowS3ListRead", "Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListAllMyBuckets"],
         "Resource": "arn:aws:s3:::*"},
        {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*",
         "Resource": [OWN + "/*", OWN]},
        {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"})

    def s3(self, action: str, resource: str) -> Request:
        return Request(self.CARLOS, action, resource, resource_account=ACCT)

    def test_aws_example_identity_deny_beats_bucket_policy_allow(self) -> None:
        bucket_policy = policy({"Sid": "AllowCarlosLogs", "Effect": "Allow", "Principal": {"AWS": self.CARLOS},
                                "Action": "s3:*", "Resource": self.OWN + "-logs/*"})
        decision = evaluate(self.s3("s3:PutObject", self.OWN + "-logs/f"),
                            identity_policies=[self.CARLOS_POLICY], resource_policy=bucket_policy)
        assert decision == Decision(False, "ExplicitDeny", ("DenyS3Logs",),
                                    "explicitly denied by statement DenyS3Logs of identity policy 0")

    def test_aws_example_allows_and_implicit_deny(self) -> None:
        own = evaluate(self.s3("s3:PutObject", self.OWN + "/f"),
                       identity_policies=[self.CARLOS_POLICY])
        assert own.allowed and own.deciding == ("AllowS3Self",)
        other = evaluate(self.s3("s3:GetObject", "arn:aws:s3:::someone-else/f"),
                         identity_policies=[self.CARLOS_POLICY])
        assert other == Decision(False, "ImplicitDeny", (), "no statement allows s3:GetObject")

    def test_resource_policy_naming_the_principal_allows_without_identity_policy(self) -> None:
        vault_policy = policy({"Sid": "AllowRestoreRole", "Effect": "Allow", "Principal": {"AWS": role("Restore")},
                               "Action": "backup:StartRestoreJob", "Resource": "*"})
        request = req(principal=session("Restore"), action="backup:StartRestoreJob",
                      resource=f"arn:aws:backup:us-east-1:{ACCT}:backup-vault:ssn")
        assert evaluate(request, resource_policy=vault_policy).deciding == ("AllowRestoreRole",)

    def test_resource_policy_naming_only_the_account_needs_an_identity_allow(self) -> None:
        topic = f"arn:aws:sns:us-east-1:{ACCT}:alerts"
        topic_policy = policy({"Sid": "AccountOwner", "Effect": "Allow", "Principal": {"AWS": ACCT},
                               "Action": "sns:Publish", "Resource": topic})
        request = req(action="sns:Publish", resource=topic)
        alone = evaluate(request, resource_policy=topic_policy)
        assert alone.kind == "ImplicitDeny" and "delegates" in alone.reason
        with_identity = evaluate(request, resource_policy=topic_policy,
                                 identity_policies=[policy({"Sid": "Pub", **allow("sns:Publish", topic)})])
        assert with_identity.allowed and with_identity.deciding == ("Pub",)

    def test_explicit_deny_in_resource_policy_beats_identity_allow(self) -> None:
        vault = f"arn:aws:backup:us-east-1:{ACCT}:backup-vault:ssn"
        vault_policy = policy({"Sid": "DenyDelete", "Effect": "Deny", "Principal": "*",
                               "Action": "backup:DeleteRecoveryPoint", "Resource": "*"})
        decision = evaluate(req(action="backup:DeleteRecoveryPoint", resource=vault),
                            identity_policies=[policy(allow())], resource_policy=vault_policy)
        assert decision.reason == "explicitly denied by statement DenyDelete of the resource policy"

    def test_root_user_has_full_access_to_its_own_account(self) -> None:
        decision = evaluate(req(principal=ROOT, action="sns:Publish", resource=f"arn:aws:sns:us-east-1:{ACCT}:t"))
        assert decision.allowed and decision.deciding == (ROOT_USER,)

    def test_service_principal_needs_a_resource_policy_naming_it(self) -> None:
        topic = f"arn:aws:sns:us-east-1:{ACCT}:alerts"
        request = req(principal="events.amazonaws.com", action="sns:Publish", resource=topic)
        topic_policy = policy({"Sid": "AllowEvents", "Effect": "Allow",
                               "Principal": {"Service": "events.amazonaws.com"},
                               "Action": "sns:Publish", "Resource": topic})
        assert evaluate(request, resource_policy=topic_policy).deciding == ("AllowEvents",)
        assert not evaluate(request, identity_policies=[policy(allow())]).allowed  # identity policies ignored
        assert evaluate(request, identity_policies=[policy(deny())], resource_policy=topic_policy).allowed
        account_only = policy({"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": "*", "Resource": "*"})
        assert not evaluate(request, resource_policy=account_only).allowed


# ---------------------------------------------------------------------------------- cross-account


class TestCrossAccount:
    BUCKET = "arn:aws:s3:::shared-exports"

    def request(self, principal: str = role("Reader", OTHER)) -> Request:
        return Request(principal, "s3:GetObject", self.BUCKET + "/f", resource_account=ACCT)

    def bucket_policy(self, principal: Any) -> dict[str, Any]:
        return policy({"Sid": "AllowPartner", "Effect": "Allow", "Principal": {"AWS": principal},
                       "Action": "s3:GetObject", "Resource": self.BUCKET + "/*"})

    def test_both_resource_policy_and_identity_policy_must_allow(self) -> None:
        identity = [policy({"Sid": "ReadShared", **allow("s3:GetObject", self.BUCKET + "/*")})]
        for principal in (OTHER, role("Reader", OTHER)):
            both = evaluate(self.request(), identity_policies=identity, resource_policy=self.bucket_policy(principal))
            assert both.allowed and both.deciding == ("ReadShared", "AllowPartner")
            assert not evaluate(self.request(), resource_policy=self.bucket_policy(principal)).allowed
        only_identity = evaluate(self.request(), identity_policies=identity)
        assert only_identity.kind == "ImplicitDeny" and "cross-account" in only_identity.reason

    def test_resource_policy_for_another_account_does_not_match(self) -> None:
        identity = [policy(allow())]
        decision = evaluate(self.request(role("Reader", "333333333333")), identity_policies=identity,
                            resource_policy=self.bucket_policy(OTHER))
        assert not decision.allowed

    def test_arn_without_account_needs_resource_account(self) -> None:
        with pytest.raises(ValueError, match="resource_account"):
            evaluate(Request(role("Reader"), "s3:GetObject", self.BUCKET + "/f"), identity_policies=[policy(allow())])


# ------------------------------------------------------------------------------------------ KMS key policies


DEFAULT_KEY_POLICY = policy({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                             "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"})


def kms(request: Request, key_policy: dict[str, Any] | None, *identity: dict[str, Any]) -> Decision:
    return evaluate(request, identity_policies=list(identity), resource_policy=key_policy,
                    resource_policy_type="kms_key")


class TestKmsKeyPolicies:
    def test_default_key_policy_delegates_to_iam(self) -> None:
        decision = kms(req(), DEFAULT_KEY_POLICY, policy({"Sid": "KmsAdmin", **allow("kms:*")}))
        assert decision == Decision(True, "Allow", ("KmsAdmin", "Enable IAM User Permissions"),
                                    "allowed by identity policy statement KmsAdmin and key policy statement "
                                    f"Enable IAM User Permissions (delegated to account {ACCT})")
        assert kms(req(), DEFAULT_KEY_POLICY).kind == "ImplicitDeny"

    def test_identity_policy_alone_is_not_enough_without_delegation(self) -> None:
        key_policy = policy({"Sid": "OnlyApp", "Effect": "Allow", "Principal": {"AWS": role("App")},
                             "Action": "kms:Decrypt", "Resource": "*"})
        decision = kms(req(), key_policy, policy(allow("kms:*")))
        assert decision.kind == "ImplicitDeny" and "neither allows the principal nor delegates" in decision.reason
        assert kms(req(), None, policy(allow("kms:*"))).kind == "ImplicitDeny"

    def test_key_policy_naming_the_role_allows_on_its_own(self) -> None:
        key_policy = policy({"Sid": "OnlyApp", "Effect": "Allow", "Principal": {"AWS": role("App")},
                             "Action": "kms:Decrypt", "Resource": "*"})
        assert kms(req(principal=session("App")), key_policy).deciding == ("OnlyApp",)

    def test_root_user_allowed_through_default_key_policy_only(self) -> None:
        assert kms(req(principal=ROOT), DEFAULT_KEY_POLICY).deciding == (ROOT_USER, "Enable IAM User Permissions")
        locked = policy({"Effect": "Allow", "Principal": {"AWS": role("App")}, "Action": "kms:*", "Resource": "*"})
        assert kms(req(principal=ROOT), locked).kind == "ImplicitDeny"

    def test_cross_account_key_use_needs_key_policy_and_external_identity_policy(self) -> None:
        key_policy = policy({"Sid": "AllowExternalAccount", "Effect": "Allow",
                             "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                             "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"})
        external = req(principal=role("Copy", OTHER))
        assert kms(external, key_policy, policy(allow("kms:Decrypt", KEY))).allowed
        assert kms(external, key_policy).kind == "ImplicitDeny"
        assert kms(external, DEFAULT_KEY_POLICY, policy(allow("kms:Decrypt", KEY))).kind == "ImplicitDeny"


# ------------------------------------------------------------------------------ the project's SSN key pattern


SSN_ROLE = role("CompactConnect-SSNBackupRole")
BREAK_GLASS = role("CompactConnect-BreakGlass")
VIA_BACKUP = {"kms:ViaService": "backup.us-east-1.amazonaws.com"}
SSN_KEY_POLICY = policy(
    {"Sid": "AllowKeyAdministration", "Effect": "Allow", "Principal": {"AWS": ROOT},
     "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:Put*", "kms:Enable*", "kms:Update*"], "Resource": "*"},
    {"Sid": "AllowSSNBackupRoleViaBackup", "Effect": "Allow", "Principal": {"AWS": SSN_ROLE},
     "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:CreateGrant", "kms:DescribeKey"],
     "Resource": "*", "Condition": {"StringEquals": VIA_BACKUP}},
    {"Sid": "DenySSNKeyUseOutsideBackup", "Effect": "Deny", "Principal": "*",
     "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:CreateGrant"], "Resource": "*",
     "Condition": {"ArnNotEquals": {"aws:PrincipalArn": [SSN_ROLE, BREAK_GLASS]}}},
)
KMS_ALL = policy({"Sid": "AdminKms", **allow("kms:*")})


class TestSsnKeyPattern:
    @pytest.mark.parametrize("caller", [role("Admin"), ROOT, role("CompactConnect-GeneralBackupRole"),
                                        role("Attacker", OTHER), session("Admin")])
    def test_everyone_else_is_explicitly_denied_even_via_backup(self, caller: str) -> None:
        decision = kms(req(principal=caller, **VIA_BACKUP), SSN_KEY_POLICY, KMS_ALL)
        assert decision == Decision(False, "ExplicitDeny", ("DenySSNKeyUseOutsideBackup",),
                                    "explicitly denied by statement DenySSNKeyUseOutsideBackup of the key policy")

    @pytest.mark.parametrize("caller", [SSN_ROLE, session("CompactConnect-SSNBackupRole", session_name="AWSBackup")])
    def test_ssn_role_through_aws_backup_is_allowed(self, caller: str) -> None:
        decision = kms(req(principal=caller, **VIA_BACKUP), SSN_KEY_POLICY)
        assert decision.kind == "Allow" and decision.deciding == ("AllowSSNBackupRoleViaBackup",)

    def test_ssn_role_outside_aws_backup_is_implicitly_denied(self) -> None:
        assert kms(req(principal=SSN_ROLE), SSN_KEY_POLICY, KMS_ALL).kind == "ImplicitDeny"
        other_service = req(principal=SSN_ROLE, **{"kms:ViaService": "s3.us-east-1.amazonaws.com"})
        assert kms(other_service, SSN_KEY_POLICY, KMS_ALL).kind == "ImplicitDeny"

    def test_break_glass_is_exempt_from_the_deny_but_not_allowed(self) -> None:
        decision = kms(req(principal=BREAK_GLASS), SSN_KEY_POLICY, KMS_ALL)
        assert decision.kind == "ImplicitDeny"
        assert "neither allows the principal nor delegates kms:Decrypt" in decision.reason

    def test_deny_is_scoped_to_key_use_so_administration_still_works(self) -> None:
        decision = kms(req(action="kms:DescribeKey"), SSN_KEY_POLICY, KMS_ALL)
        assert decision.allowed and decision.deciding == ("AdminKms", "AllowKeyAdministration")

    def test_deny_applies_to_a_service_principal_which_has_no_principal_arn(self) -> None:
        permissive = policy(*SSN_KEY_POLICY["Statement"],
                            {"Sid": "AllowBackupService", "Effect": "Allow",
                             "Principal": {"Service": "backup.amazonaws.com"},
                             "Action": "kms:Decrypt", "Resource": "*"})
        assert kms(req(principal="backup.amazonaws.com"), permissive).kind == "ExplicitDeny"


# ------------------------------------------------------------------------------------------ malformed input


class TestMalformedPolicies:
    @pytest.mark.parametrize("statement, message", [
        ({"Sid": "S1", "Effect": "allow", "Action": "*", "Resource": "*"}, r"Sid 'S1'.*Effect"),
        ({"Sid": "S2", "Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"},
         r"Sid 'S2'.*Action and NotAction"),
        ({"Sid": "S3", "Effect": "Allow", "Action": "*", "Resource": "*",
          "Condition": {"StringEqualz": {"aws:PrincipalArn": "x"}}}, r"Sid 'S3'.*'StringEqualz'"),
        ({"Effect": "Allow", "Action": "*", "Resource": "*", "Conditions": {}},
         r"policy\[0\]\.Statement\[0\].*Conditions"),
        ({"Sid": "S5", "Effect": "Allow", "Action": "*", "Resource": "*",
          "Condition": {"NumericLessThan": {"s3:max-keys": "ten"}}}, r"Sid 'S5'.*'ten'"),
        ({"Sid": "S6", "Effect": "Allow", "Action": "*", "Resource": "*",
          "Condition": {"NullIfExists": {"aws:TokenIssueTime": "true"}}}, r"Sid 'S6'.*Null"),
        ({"Sid": "S7", "Effect": "Allow", "Resource": "*"}, r"Sid 'S7'.*Action or NotAction"),
    ])
    def test_rejected_with_statement_and_field_named(self, statement: dict[str, Any], message: str) -> None:
        with pytest.raises(PolicyError, match=message):
            evaluate(req(), identity_policies=[policy(statement)])

    def test_unknown_operator_is_reported_even_after_a_failing_condition(self) -> None:
        statement = deny(Condition={"StringEquals": {"aws:PrincipalTag/x": "never"},
                                    "ArnNotEqualsIgnoreCase": {"aws:PrincipalArn": ROOT}})
        with pytest.raises(PolicyError, match="ArnNotEqualsIgnoreCase"):
            evaluate(req(), identity_policies=[policy(statement)])

    def test_policy_error_is_a_value_error(self) -> None:
        assert issubclass(PolicyError, ValueError)


# ------------------------------------------------------------------------------ role path and grammar


class TestRolePathAndGrammar:
    def test_role_path_is_for_sessions_and_must_be_a_path(self) -> None:
        with pytest.raises(ValueError, match="role sessions"):
            evaluate(Request(role("Admin"), "kms:Decrypt", KEY, role_path="/ops/"))
        with pytest.raises(ValueError, match="must be"):
            evaluate(Request(session("Admin"), "kms:Decrypt", KEY, role_path="ops"))

    def test_session_principal_arn_carries_the_role_path(self) -> None:
        request = Request(session("Admin"), "kms:Decrypt", KEY, role_path="/ops/team/")
        condition = {"ArnEquals": {"aws:PrincipalArn": role("ops/team/Admin")}}
        assert statement_matches(allow(Condition=condition), request, for_resource_policy=False)

    @pytest.mark.parametrize("resource", ["*", "arn:aws:s3:::b", "arn:aws:kms:*", "arn:*",
                                          "arn:aws:logs:us-east-1:1:log-group:/aws/x:*", "arn:aws:s3:::b/${aws:username}"])
    def test_accepted_resources(self, resource: str) -> None:
        evaluate(req(), identity_policies=[policy(allow("kms:Decrypt", resource))])

    @pytest.mark.parametrize("action", ["*", "kms:*", "KMS:Decrypt", "s3:Get?bject", "cognito-idp:ListUsers"])
    def test_accepted_actions(self, action: str) -> None:
        evaluate(req(), identity_policies=[policy(allow(action))])

    def test_refusal_names_the_statement_position_when_there_is_no_sid(self) -> None:
        with pytest.raises(PolicyError, match=r"policy\[0\]\.Statement\[1\]: Action 'Decrypt'"):
            evaluate(req(), identity_policies=[policy(allow(), allow("Decrypt"))])

    def test_allow_with_not_principal_is_not_a_grant_to_the_named_session(self) -> None:
        stmt = {"Effect": "Allow", "NotPrincipal": {"AWS": session("App")}, "Action": "kms:*", "Resource": "*"}
        assert not statement_matches(stmt, req(principal=session("App")), for_resource_policy=True)
        assert statement_matches(stmt, req(principal=session("App", session_name="other")), for_resource_policy=True)
