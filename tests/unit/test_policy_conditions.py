"""The ``Condition`` element, operator family by operator family (``audit.policy.conditions``).

Each test pins one documented rule: what an operator decides for a request value, what it decides when the
key is missing, and which values are refused when the policy is read. Sources (IAM User Guide):

- OPERATORS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- MULTIVALUED: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
- LOGIC: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
- VARIABLES: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
"""
from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from audit.policy import PolicyError, Request, evaluate
from audit.policy.conditions import Condition, condition_matches, conditions_match, parse_conditions, parse_operator
from audit.policy.matching import Context

ACCT = "111111111111"
ROLE = f"arn:aws:iam::{ACCT}:role/Admin"
KEY = f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def holds(block: dict[str, Any], context: dict[str, Any] | None = None) -> bool:
    """Does this Condition block hold for a request with this context? (A decision is a bool, never None.)"""
    result = conditions_match(parse_conditions(block, "Statement[0]"), Context(context or {}))
    assert isinstance(result, bool), f"a condition decides True or False, not {result!r}"
    return result


def one(operator: str, key: str, values: Any, context: dict[str, Any] | None = None) -> bool:
    """One condition, decided by ``condition_matches`` (a bool, never None)."""
    (condition,) = parse_conditions({operator: {key: values}}, "Statement[0]")
    result = condition_matches(condition, Context(context or {}))
    assert isinstance(result, bool), f"{operator} decides True or False, not {result!r}"
    return result


def refused(block: Any, match: str) -> None:
    with pytest.raises(PolicyError, match=match):
        parse_conditions(block, "Statement[0]")


# ------------------------------------------------------------------------------------------ String*


class TestStringOperators:
    """OPERATORS, "String condition operators": case-sensitive unless *IgnoreCase; StringLike has * and ?."""

    def test_string_equals_is_exact_and_case_sensitive(self) -> None:
        assert one("StringEquals", "aws:username", "alice", {"aws:username": "alice"})
        assert not one("StringEquals", "aws:username", "alice", {"aws:username": "Alice"})
        assert not one("StringEquals", "aws:username", "alice", {"aws:username": "alice2"})

    def test_string_not_equals_is_the_negation(self) -> None:
        assert not one("StringNotEquals", "aws:username", "alice", {"aws:username": "alice"})
        assert one("StringNotEquals", "aws:username", "alice", {"aws:username": "bob"})

    def test_string_equals_does_not_expand_wildcards(self) -> None:
        assert not one("StringEquals", "aws:username", "al*", {"aws:username": "alice"})
        assert one("StringEquals", "aws:username", "al*", {"aws:username": "al*"})

    def test_ignore_case_variants_compare_without_case(self) -> None:
        assert one("StringEqualsIgnoreCase", "aws:username", "ALICE", {"aws:username": "alice"})
        assert not one("StringEqualsIgnoreCase", "aws:username", "ALICE", {"aws:username": "bob"})
        assert not one("StringNotEqualsIgnoreCase", "aws:username", "ALICE", {"aws:username": "alice"})
        assert one("StringNotEqualsIgnoreCase", "aws:username", "ALICE", {"aws:username": "bob"})

    def test_string_like_matches_multi_and_single_character_wildcards(self) -> None:
        assert one("StringLike", "s3:prefix", "home/*", {"s3:prefix": "home/alice/notes.txt"})
        assert not one("StringLike", "s3:prefix", "home/*", {"s3:prefix": "work/alice"})
        assert one("StringLike", "s3:prefix", "v?", {"s3:prefix": "v1"})
        assert not one("StringLike", "s3:prefix", "v?", {"s3:prefix": "v10"})
        assert not one("StringLike", "s3:prefix", "home", {"s3:prefix": "HOME"})

    def test_string_not_like_is_the_negation(self) -> None:
        assert not one("StringNotLike", "s3:prefix", "home/*", {"s3:prefix": "home/alice"})
        assert one("StringNotLike", "s3:prefix", "home/*", {"s3:prefix": "work/alice"})

    def test_string_like_star_matches_an_empty_single_value(self) -> None:
        """An empty string is a present value (only the set operators treat it as an empty data set)."""
        assert one("StringLike", "s3:prefix", "*", {"s3:prefix": ""})
        assert one("StringEquals", "s3:prefix", "", {"s3:prefix": ""})


# ------------------------------------------------------------------------------------ Numeric*, Date*


class TestNumericOperators:
    """OPERATORS, "Numeric condition operators": request value <op> policy value; an unparsable value is false."""

    @pytest.mark.parametrize(("operator", "below", "equal", "above"), [
        ("NumericEquals", False, True, False),
        ("NumericNotEquals", True, False, True),
        ("NumericLessThan", True, False, False),
        ("NumericLessThanEquals", True, True, False),
        ("NumericGreaterThan", False, False, True),
        ("NumericGreaterThanEquals", False, True, True),
    ])
    def test_each_comparison_at_its_boundary(self, operator: str, below: bool, equal: bool, above: bool) -> None:
        assert [one(operator, "s3:max-keys", "10", {"s3:max-keys": v}) for v in ("9", "10", "11")] == [below, equal, above]

    def test_decimals_and_json_numbers(self) -> None:
        assert one("NumericLessThan", "s3:max-keys", 10, {"s3:max-keys": "9.5"})
        assert one("NumericEquals", "s3:max-keys", 2.5, {"s3:max-keys": 2.5})
        assert one("NumericEquals", "s3:max-keys", "10", {"s3:max-keys": "10.0"})

    def test_unparsable_request_value_never_matches(self) -> None:
        assert not one("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "lots"})
        assert not one("NumericGreaterThanEquals", "s3:max-keys", "10", {"s3:max-keys": "lots"})

    @pytest.mark.parametrize("value", ["ten", "", "10 keys", "nan", "NaN", "inf", "-Infinity", "1e3", "1_000", "0x10"])
    def test_a_policy_value_that_is_no_number_is_refused_when_read(self, value: str) -> None:
        """Refused even when the key is absent from every request: a typo must not disable a Deny. Only an
        integer or a decimal is a number (OPERATORS: "comparing a key to an integer or decimal value"); Python's
        float() also takes "nan", which no request value ever equals, orders before or after."""
        refused({"NumericLessThan": {"s3:max-keys": value}}, "not valid for NumericLessThan")

    @pytest.mark.parametrize("value", ["-5", "+5", " 10 ", "0.25"])
    def test_signed_and_decimal_policy_values_are_numbers(self, value: str) -> None:
        assert one("NumericGreaterThanEquals", "s3:max-keys", value, {"s3:max-keys": "10"}) is (float(value) <= 10)

    @pytest.mark.parametrize("operator", ["NumericLessThan", "NumericNotEquals", "NumericGreaterThan"])
    def test_a_request_value_written_as_nan_or_an_exponent_is_decided_as_no_number(self, operator: str) -> None:
        no_number = one(operator, "s3:max-keys", "10", {"s3:max-keys": "lots"})
        for written in ("1e0", "nan", "inf"):
            assert one(operator, "s3:max-keys", "10", {"s3:max-keys": written}) is no_number, written


class TestDateOperators:
    """OPERATORS, "Date condition operators": ISO 8601 (W3C) dates or epoch (UNIX) seconds."""

    @pytest.mark.parametrize(("operator", "before", "equal", "after"), [
        ("DateEquals", False, True, False),
        ("DateNotEquals", True, False, True),
        ("DateLessThan", True, False, False),
        ("DateLessThanEquals", True, True, False),
        ("DateGreaterThan", False, False, True),
        ("DateGreaterThanEquals", False, True, True),
    ])
    def test_each_comparison_at_its_boundary(self, operator: str, before: bool, equal: bool, after: bool) -> None:
        times = ("2020-01-01T11:59:59Z", "2020-01-01T12:00:00Z", "2020-01-01T12:00:01Z")
        got = [one(operator, "aws:CurrentTime", "2020-01-01T12:00:00Z", {"aws:CurrentTime": t}) for t in times]
        assert got == [before, equal, after]

    def test_epoch_seconds_and_iso_dates_compare_as_the_same_instant(self) -> None:
        noon = "1577880000"  # 2020-01-01T12:00:00Z
        assert one("DateEquals", "aws:CurrentTime", noon, {"aws:CurrentTime": "2020-01-01T12:00:00Z"})
        assert one("DateEquals", "aws:CurrentTime", "2020-01-01T12:00:00Z", {"aws:CurrentTime": noon})
        assert one("DateLessThan", "aws:CurrentTime", noon, {"aws:CurrentTime": "1577879999.5"})

    def test_a_time_zone_offset_is_honoured_and_no_offset_means_utc(self) -> None:
        assert one("DateEquals", "aws:CurrentTime", "2020-01-01T12:00:00Z", {"aws:CurrentTime": "2020-01-01T13:00:00+01:00"})
        assert one("DateEquals", "aws:CurrentTime", "2020-01-01T12:00:00Z", {"aws:CurrentTime": "2020-01-01T12:00:00"})
        assert one("DateEquals", "aws:CurrentTime", "2020-01-01", {"aws:CurrentTime": "2020-01-01T00:00:00Z"})

    def test_unparsable_request_date_never_matches(self) -> None:
        assert not one("DateLessThan", "aws:CurrentTime", "2020-01-01", {"aws:CurrentTime": "yesterday"})

    @pytest.mark.parametrize("value", ["2020-13-01", "tomorrow", "01/02/2020"])
    def test_a_policy_value_that_is_no_date_is_refused_when_read(self, value: str) -> None:
        refused({"DateGreaterThan": {"aws:CurrentTime": value}}, "not valid for DateGreaterThan")


# ------------------------------------------------------------------------------------------ Bool, Null


class TestBool:
    """OPERATORS, "Boolean condition operators": the value is true or false; policy variables are allowed."""

    def test_bool_matches_the_request_flag(self) -> None:
        assert one("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": True})
        assert not one("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": False})
        assert one("Bool", "aws:SecureTransport", "false", {"aws:SecureTransport": "false"})

    def test_json_booleans_are_the_words_true_and_false(self) -> None:
        assert one("Bool", "aws:SecureTransport", True, {"aws:SecureTransport": "true"})
        assert one("Bool", "aws:SecureTransport", False, {"aws:SecureTransport": "false"})
        assert not one("Bool", "aws:SecureTransport", False, {"aws:SecureTransport": "true"})

    def test_bool_values_ignore_case(self) -> None:
        assert one("Bool", "aws:SecureTransport", "True", {"aws:SecureTransport": "TRUE"})

    @pytest.mark.parametrize("typo", ["flase", "yes", "1", "", "truee"])
    def test_a_bool_value_other_than_true_or_false_is_refused(self, typo: str) -> None:
        """The issue's example: ``"flase"`` in a Deny must be refused, not make the Deny never apply."""
        refused({"Bool": {"aws:SecureTransport": typo}}, "must be true or false")

    def test_a_deny_with_a_misspelt_bool_is_refused_by_the_evaluator(self) -> None:
        deny = {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "flase"}}}
        allow = {"Effect": "Allow", "Action": "*", "Resource": "*"}
        with pytest.raises(PolicyError, match="flase"):
            evaluate(Request(ROLE, "kms:Decrypt", KEY, {"aws:SecureTransport": False}),
                     identity_policies=[{"Version": "2012-10-17", "Statement": [allow, deny]}])

    def test_a_bool_value_may_be_a_policy_variable(self) -> None:
        """OPERATORS: Boolean operators support policy variables; ``${...}`` is exempt from the true/false check."""
        block = {"Bool": {"aws:MultiFactorAuthPresent": "${aws:SecureTransport}"}}
        assert holds(block, {"aws:MultiFactorAuthPresent": "true", "aws:SecureTransport": "true"})
        assert not holds(block, {"aws:MultiFactorAuthPresent": "false", "aws:SecureTransport": "true"})


class TestNull:
    """OPERATORS, "Condition operator to check existence of condition keys": Null true = the key is absent."""

    def test_null_true_matches_only_a_missing_key(self) -> None:
        assert one("Null", "aws:TokenIssueTime", "true", {})
        assert not one("Null", "aws:TokenIssueTime", "true", {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"})

    def test_null_false_matches_only_a_present_key(self) -> None:
        assert one("Null", "aws:TokenIssueTime", "false", {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"})
        assert not one("Null", "aws:TokenIssueTime", "false", {})
        assert one("Null", "aws:TokenIssueTime", False, {"aws:TokenIssueTime": "x"})

    def test_null_values_ignore_case(self) -> None:
        assert one("Null", "aws:TokenIssueTime", "TRUE", {})

    def test_an_empty_list_counts_as_a_missing_key(self) -> None:
        assert one("Null", "aws:TagKeys", "true", {"aws:TagKeys": []})

    def test_null_values_are_ored(self) -> None:
        """LOGIC: several values for one key are OR'ed, so true-or-false holds either way."""
        assert one("Null", "aws:TokenIssueTime", ["true", "false"], {})
        assert one("Null", "aws:TokenIssueTime", ["true", "false"], {"aws:TokenIssueTime": "x"})

    @pytest.mark.parametrize("value", ["ture", "${aws:SecureTransport}", "0"])
    def test_a_null_value_other_than_true_or_false_is_refused(self, value: str) -> None:
        refused({"Null": {"aws:TokenIssueTime": value}}, "must be true or false")

    @pytest.mark.parametrize("name", ["NullIfExists", "ForAllValues:Null", "ForAnyValue:Null"])
    def test_null_takes_no_ifexists_and_no_set_qualifier(self, name: str) -> None:
        refused({name: {"aws:TokenIssueTime": "true"}}, "Null takes no IfExists or set qualifier")


# ---------------------------------------------------------------------------------- Binary, IP, Arn


class TestBinaryEquals:
    """OPERATORS, "Binary condition operators": compare the base64-encoded bytes."""

    def test_equal_bytes_match_whatever_their_encoding_padding(self) -> None:
        assert one("BinaryEquals", "k", "QUJD", {"k": b"ABC"})
        assert one("BinaryEquals", "k", "QUJD", {"k": "QUJD"})
        assert not one("BinaryEquals", "k", "QUJD", {"k": b"ABD"})

    def test_request_value_that_is_not_base64_never_matches(self) -> None:
        assert not one("BinaryEquals", "k", "QUJD", {"k": "QUJD!"})

    @pytest.mark.parametrize("value", ["QUJD!", "not base64", "QUJ"])
    def test_a_policy_value_that_is_not_base64_is_refused(self, value: str) -> None:
        refused({"BinaryEquals": {"k": value}}, "not valid for BinaryEquals")


class TestIpAddress:
    """OPERATORS, "IP address condition operators": IPv4 or IPv6 CIDR; a lone address is a /32 (/128)."""

    def test_address_inside_and_outside_the_range(self) -> None:
        assert one("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "203.0.113.7"})
        assert not one("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "203.0.114.7"})
        assert not one("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "203.0.113.7"})
        assert one("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "203.0.114.7"})

    def test_a_single_address_and_host_bits_in_the_range(self) -> None:
        assert one("IpAddress", "aws:SourceIp", "203.0.113.7", {"aws:SourceIp": "203.0.113.7"})
        assert not one("IpAddress", "aws:SourceIp", "203.0.113.7", {"aws:SourceIp": "203.0.113.8"})
        assert one("IpAddress", "aws:SourceIp", "10.1.2.3/8", {"aws:SourceIp": "10.200.0.1"})

    def test_ipv6_ranges(self) -> None:
        assert one("IpAddress", "aws:SourceIp", "2001:db8::/32", {"aws:SourceIp": "2001:db8:1::5"})
        assert not one("IpAddress", "aws:SourceIp", "2001:db8::/32", {"aws:SourceIp": "2001:db9::5"})

    def test_an_address_of_the_other_ip_version_is_never_inside(self) -> None:
        """``::a00:1`` has the same low 32 bits as 10.0.0.1, but an IPv6 caller is not in an IPv4 range."""
        assert not one("IpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:SourceIp": "::a00:1"})
        assert one("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:SourceIp": "::a00:1"})

    def test_a_request_value_that_is_no_address_is_never_inside(self) -> None:
        assert not one("IpAddress", "aws:SourceIp", "0.0.0.0/0", {"aws:SourceIp": "not-an-ip"})
        assert one("NotIpAddress", "aws:SourceIp", "0.0.0.0/0", {"aws:SourceIp": "not-an-ip"})

    @pytest.mark.parametrize("value", ["203.0.113.0/33", "999.1.1.1", "office"])
    def test_a_policy_value_that_is_no_range_is_refused(self, value: str) -> None:
        refused({"IpAddress": {"aws:SourceIp": value}}, "not valid for IpAddress")


class TestArnOperators:
    """OPERATORS, "Amazon Resource Name (ARN) condition operators": field by field, wildcards in each field."""

    SOURCE = f"arn:aws:sns:us-east-1:{ACCT}:topic-a"

    def test_arn_equals_and_arn_like_match_field_wildcards(self) -> None:
        for name in ("ArnEquals", "ArnLike"):
            assert one(name, "aws:SourceArn", f"arn:aws:sns:*:{ACCT}:topic-*", {"aws:SourceArn": self.SOURCE})
            assert not one(name, "aws:SourceArn", f"arn:aws:sns:*:{ACCT}:queue-*", {"aws:SourceArn": self.SOURCE})

    def test_arn_not_equals_and_arn_not_like_are_the_negation(self) -> None:
        for name in ("ArnNotEquals", "ArnNotLike"):
            assert not one(name, "aws:SourceArn", self.SOURCE, {"aws:SourceArn": self.SOURCE})
            assert one(name, "aws:SourceArn", f"arn:aws:sns:us-east-1:{ACCT}:other", {"aws:SourceArn": self.SOURCE})

    def test_arn_values_may_hold_policy_variables(self) -> None:
        block = {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:${aws:PrincipalAccount}:*"}}
        assert holds(block, {"aws:SourceArn": self.SOURCE, "aws:PrincipalAccount": ACCT})
        assert not holds(block, {"aws:SourceArn": self.SOURCE, "aws:PrincipalAccount": "222222222222"})


# --------------------------------------------------------------------------- missing keys, IfExists


class TestMissingKey:
    """OPERATORS: a key absent from the request makes a positive operator false and a negated one true;
    "...IfExists" is true when the key is absent and otherwise decides like the operator without it."""

    @pytest.mark.parametrize(("operator", "value", "expected"), [
        ("StringEquals", "a", False), ("StringNotEquals", "a", True),
        ("StringLike", "*", False), ("StringNotLike", "*", True),
        ("StringEqualsIgnoreCase", "a", False), ("StringNotEqualsIgnoreCase", "a", True),
        ("NumericEquals", "1", False), ("NumericNotEquals", "1", True),
        ("DateEquals", "2020-01-01", False), ("DateNotEquals", "2020-01-01", True),
        ("Bool", "true", False), ("BinaryEquals", "QUJD", False),
        ("IpAddress", "0.0.0.0/0", False), ("NotIpAddress", "0.0.0.0/0", True),
        ("ArnLike", "*", False), ("ArnNotLike", "*", True),
    ])
    def test_missing_key(self, operator: str, value: str, expected: bool) -> None:
        assert one(operator, "k", value, {}) is expected
        assert one(operator, "k", value, {"k": None}) is expected

    @pytest.mark.parametrize(("operator", "value"), [
        ("StringEqualsIfExists", "x"), ("StringNotEqualsIfExists", "x"), ("NumericLessThanIfExists", "1"),
        ("DateGreaterThanIfExists", "2020-01-01"), ("BoolIfExists", "true"), ("ArnLikeIfExists", "*"),
        ("IpAddressIfExists", "10.0.0.0/8"), ("ForAnyValue:StringEqualsIfExists", "x"),
    ])
    def test_ifexists_is_true_on_a_missing_key(self, operator: str, value: str) -> None:
        assert one(operator, "k", value, {}) is True

    def test_ifexists_decides_like_the_operator_when_the_key_is_present(self) -> None:
        assert one("StringEqualsIfExists", "ec2:InstanceType", "t3.micro", {"ec2:InstanceType": "t3.micro"})
        assert not one("StringEqualsIfExists", "ec2:InstanceType", "t3.micro", {"ec2:InstanceType": "m5.large"})
        assert not one("StringNotEqualsIfExists", "ec2:InstanceType", "t3.micro", {"ec2:InstanceType": "t3.micro"})
        assert one("NumericLessThanIfExists", "s3:max-keys", "10", {"s3:max-keys": "9"})
        assert not one("NumericLessThanIfExists", "s3:max-keys", "10", {"s3:max-keys": "10"})

    def test_key_names_are_case_insensitive(self) -> None:
        """Condition element page: "aws:SourceIP is equivalent to testing for AWS:SourceIp"."""
        assert one("StringEquals", "AWS:UserName", "alice", {"aws:username": "alice"})


# ------------------------------------------------------------------------ several values, keys, blocks


class TestLogic:
    """LOGIC: values of one key OR'ed (NOR for negated operators); keys and operators AND'ed."""

    def test_values_of_one_key_are_ored(self) -> None:
        assert one("StringEquals", "aws:username", ["alice", "bob"], {"aws:username": "bob"})
        assert not one("StringEquals", "aws:username", ["alice", "bob"], {"aws:username": "carol"})

    def test_values_of_a_negated_operator_are_nored(self) -> None:
        assert not one("StringNotEquals", "aws:username", ["alice", "bob"], {"aws:username": "alice"})
        assert not one("StringNotEquals", "aws:username", ["alice", "bob"], {"aws:username": "bob"})
        assert one("StringNotEquals", "aws:username", ["alice", "bob"], {"aws:username": "carol"})

    def test_keys_of_one_operator_are_anded(self) -> None:
        block = {"StringEquals": {"aws:username": "alice", "aws:PrincipalAccount": ACCT}}
        assert holds(block, {"aws:username": "alice", "aws:PrincipalAccount": ACCT})
        assert not holds(block, {"aws:username": "alice", "aws:PrincipalAccount": "222222222222"})
        assert not holds(block, {"aws:username": "bob", "aws:PrincipalAccount": ACCT})

    def test_operators_are_anded(self) -> None:
        block = {"StringEquals": {"aws:username": "alice"}, "Bool": {"aws:SecureTransport": "true"}}
        assert holds(block, {"aws:username": "alice", "aws:SecureTransport": True})
        assert not holds(block, {"aws:username": "alice", "aws:SecureTransport": False})
        assert not holds(block, {"aws:username": "bob", "aws:SecureTransport": True})

    def test_no_conditions_hold(self) -> None:
        assert conditions_match((), Context({})) is True

    def test_a_multivalued_key_without_qualifier_matches_a_positive_operator_when_any_value_does(self) -> None:
        assert one("StringEquals", "aws:TagKeys", "env", {"aws:TagKeys": ["team", "env"]})
        assert not one("StringEquals", "aws:TagKeys", "env", {"aws:TagKeys": ["team", "owner"]})

    def test_a_multivalued_key_without_qualifier_matches_a_negated_operator_only_when_no_value_does(self) -> None:
        assert not one("StringNotEquals", "aws:TagKeys", "env", {"aws:TagKeys": ["env", "team"]})
        assert one("StringNotEquals", "aws:TagKeys", "env", {"aws:TagKeys": ["owner", "team"]})


# ------------------------------------------------------------------------ ForAllValues / ForAnyValue


class TestSetOperators:
    """MULTIVALUED: ForAllValues = every request value matches some policy value; ForAnyValue = at least one.
    "If the key values in the request resolve to an empty data set (for example, an empty string),
    ForAllValues returns true, and ForAnyValue returns false"; the same for a missing key."""

    ALLOWED = ["env", "team"]

    def test_for_all_values_requires_every_request_value_to_match(self) -> None:
        assert one("ForAllValues:StringEquals", "aws:TagKeys", self.ALLOWED, {"aws:TagKeys": ["env"]})
        assert one("ForAllValues:StringEquals", "aws:TagKeys", self.ALLOWED, {"aws:TagKeys": ["team", "env"]})
        assert not one("ForAllValues:StringEquals", "aws:TagKeys", self.ALLOWED, {"aws:TagKeys": ["env", "cost"]})

    def test_for_any_value_requires_one_request_value_to_match(self) -> None:
        assert one("ForAnyValue:StringEquals", "aws:TagKeys", self.ALLOWED, {"aws:TagKeys": ["cost", "env"]})
        assert not one("ForAnyValue:StringEquals", "aws:TagKeys", self.ALLOWED, {"aws:TagKeys": ["cost", "owner"]})

    def test_a_single_value_key_is_a_set_of_one(self) -> None:
        assert one("ForAllValues:StringEquals", "aws:TagKeys", self.ALLOWED, {"aws:TagKeys": "env"})
        assert not one("ForAnyValue:StringEquals", "aws:TagKeys", self.ALLOWED, {"aws:TagKeys": "cost"})

    @pytest.mark.parametrize("context", [{}, {"aws:TagKeys": []}, {"aws:TagKeys": None}, {"aws:TagKeys": ""}, {"aws:TagKeys": [""]}])
    def test_missing_or_empty_set(self, context: dict[str, Any]) -> None:
        assert one("ForAllValues:StringEquals", "aws:TagKeys", self.ALLOWED, context) is True
        assert one("ForAllValues:StringLike", "aws:TagKeys", "*", context) is True
        assert one("ForAnyValue:StringEquals", "aws:TagKeys", self.ALLOWED, context) is False
        assert one("ForAnyValue:StringLike", "aws:TagKeys", "*", context) is False
        assert one("ForAnyValue:StringNotEquals", "aws:TagKeys", self.ALLOWED, context) is False

    def test_for_all_values_with_a_negated_operator_requires_no_request_value_in_the_list(self) -> None:
        """MULTIVALUED example: ForAllValues:StringNotEquals denies tagging with any listed key."""
        assert one("ForAllValues:StringNotEquals", "aws:TagKeys", self.ALLOWED, {"aws:TagKeys": ["cost", "owner"]})
        assert not one("ForAllValues:StringNotEquals", "aws:TagKeys", self.ALLOWED, {"aws:TagKeys": ["cost", "env"]})

    def test_for_any_value_with_a_negated_operator_needs_one_request_value_outside_the_list(self) -> None:
        assert one("ForAnyValue:StringNotEquals", "aws:TagKeys", self.ALLOWED, {"aws:TagKeys": ["env", "cost"]})
        assert not one("ForAnyValue:StringNotEquals", "aws:TagKeys", self.ALLOWED, {"aws:TagKeys": ["env", "team"]})

    def test_set_qualifier_with_ifexists(self) -> None:
        assert one("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", self.ALLOWED, {}) is True
        assert one("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", self.ALLOWED, {"aws:TagKeys": ["env"]})
        assert not one("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", self.ALLOWED, {"aws:TagKeys": ["cost"]})

    def test_set_qualifier_with_like_and_arn_operators(self) -> None:
        assert one("ForAllValues:StringLike", "aws:TagKeys", "team-*", {"aws:TagKeys": ["team-a", "team-b"]})
        assert not one("ForAllValues:StringLike", "aws:TagKeys", "team-*", {"aws:TagKeys": ["team-a", "env"]})
        arns = [f"arn:aws:sns:us-east-1:{ACCT}:a", f"arn:aws:sqs:us-east-1:{ACCT}:b"]
        assert one("ForAnyValue:ArnLike", "k", "arn:aws:sqs:*:*:*", {"k": arns})
        assert not one("ForAllValues:ArnLike", "k", "arn:aws:sqs:*:*:*", {"k": arns})


# ------------------------------------------------------------------------------------ policy variables


class TestPolicyVariables:
    """VARIABLES: ``${key}`` is replaced by the request's value in String*, Arn* and Bool values; when it
    cannot be resolved "the entire statement might be invalid": the value matches nothing."""

    def test_a_variable_is_replaced_by_the_request_value(self) -> None:
        block = {"StringEquals": {"s3:prefix": "home/${aws:username}"}}
        assert holds(block, {"s3:prefix": "home/alice", "aws:username": "alice"})
        assert not holds(block, {"s3:prefix": "home/alice", "aws:username": "bob"})

    def test_a_variable_in_string_like_keeps_the_wildcards_around_it(self) -> None:
        block = {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}
        assert holds(block, {"s3:prefix": "home/alice/a/b", "aws:username": "alice"})
        assert not holds(block, {"s3:prefix": "home/bob/a", "aws:username": "alice"})

    def test_an_unresolvable_variable_matches_nothing_even_for_a_negated_operator(self) -> None:
        assert not one("StringEquals", "s3:prefix", "${aws:username}", {"s3:prefix": "alice"})
        assert not one("StringLike", "s3:prefix", "${aws:username}*", {"s3:prefix": "alice"})
        assert not one("StringNotEquals", "s3:prefix", "${aws:username}", {"s3:prefix": "alice"})
        assert not one("StringNotEquals", "s3:prefix", ["${aws:username}", "bob"], {"s3:prefix": "alice"})

    def test_an_unresolvable_variable_among_values_does_not_stop_the_others_matching(self) -> None:
        assert one("StringEquals", "s3:prefix", ["${aws:username}", "alice"], {"s3:prefix": "alice"})

    def test_a_default_value_stands_in_for_a_missing_key(self) -> None:
        assert one("StringEquals", "s3:prefix", "${aws:username, 'nobody'}", {"s3:prefix": "nobody"})

    def test_numeric_values_take_no_variables(self) -> None:
        refused({"NumericEquals": {"s3:max-keys": "${aws:username}"}}, "not valid for NumericEquals")

    def test_variables_are_replaced_by_default_and_literal_when_switched_off(self) -> None:
        """Policies of Version 2008-10-17 read ``${...}`` as text (VARIABLES: "Version" element)."""
        block = {"StringEquals": {"s3:prefix": "${aws:username}"}}
        context = Context({"s3:prefix": "alice", "aws:username": "alice"})
        literal = Context({"s3:prefix": "${aws:username}", "aws:username": "alice"})
        assert conditions_match(parse_conditions(block, "s"), context)
        assert not conditions_match(parse_conditions(block, "s", variables=False), context)
        assert conditions_match(parse_conditions(block, "s", variables=False), literal)

    def test_a_condition_built_without_saying_substitutes_variables(self) -> None:
        condition = Condition(parse_operator("StringEquals", "s"), "s3:prefix", ("${aws:username}",))
        assert condition_matches(condition, Context({"s3:prefix": "alice", "aws:username": "alice"}))


# --------------------------------------------------------------------------------- reading the block


class TestParsing:
    """What is refused when the Condition block is read: never silently ignored (a typo must not disable a Deny)."""

    @pytest.mark.parametrize("name", ["StringEqual", "stringequals", "IfExists", "ForAllValues:", "ForSomeValues:StringEquals",
                                      "StringEqualsIfExist", "Bool:IfExists", "NumericBetween"])
    def test_an_unknown_operator_is_refused(self, name: str) -> None:
        refused({name: {"k": "v"}}, "is not a known IAM condition operator")

    def test_an_unknown_operator_is_refused_even_after_a_condition_that_fails(self) -> None:
        with pytest.raises(PolicyError, match="StringEqual"):
            parse_conditions({"Bool": {"aws:SecureTransport": "false"}, "StringEqual": {"k": "v"}}, "s")

    def test_operator_names_are_parsed_into_their_parts(self) -> None:
        op = parse_operator("ForAllValues:StringNotEqualsIfExists", "s")
        assert (op.base, op.family, op.negated, op.if_exists, op.qualifier) == (
            "StringNotEquals", "string", True, True, "ForAllValues")
        op = parse_operator("ForAnyValue:NumericLessThan", "s")
        assert (op.base, op.comparator, op.negated, op.if_exists, op.qualifier) == (
            "NumericLessThan", "LessThan", False, False, "ForAnyValue")

    @pytest.mark.parametrize("block", [[{"StringEquals": {"k": "v"}}], "StringEquals", None])
    def test_a_condition_that_is_not_an_object_is_refused(self, block: Any) -> None:
        refused(block, "Condition must be an object")

    @pytest.mark.parametrize("keys", [{}, "k", ["k", "v"]])
    def test_an_operator_must_map_keys_to_values(self, keys: Any) -> None:
        refused({"StringEquals": keys}, "must map condition keys to values")

    def test_an_empty_list_of_values_is_refused(self) -> None:
        refused({"StringEquals": {"k": []}}, "must not be an empty list")

    @pytest.mark.parametrize("value", [None, {"a": "b"}, [["nested"]], ["ok", None]])
    def test_a_value_that_is_no_string_number_or_boolean_is_refused(self, value: Any) -> None:
        refused({"StringEquals": {"k": value}}, "must be a string, number or boolean")

    def test_values_are_read_as_text(self) -> None:
        (condition,) = parse_conditions({"StringEquals": {"k": [True, False, 7, 2.5, "x"]}}, "s")
        assert condition.values == ("true", "false", "7", "2.5", "x")
        (condition,) = parse_conditions({"StringEquals": {"k": 7}}, "s")
        assert condition.values == ("7",)

    def test_every_key_of_every_operator_becomes_a_condition(self) -> None:
        parsed = parse_conditions({"StringEquals": {"a": "1", "b": ["2", "3"]}, "Bool": {"c": "true"}}, "s")
        assert [(c.operator.name, c.key, c.values) for c in parsed] == [
            ("StringEquals", "a", ("1",)), ("StringEquals", "b", ("2", "3")), ("Bool", "c", ("true",))]

    def test_the_error_names_where_and_which_condition(self) -> None:
        with pytest.raises(PolicyError, match=r"Statement\[3\].*Bool aws:SecureTransport.*'flase'"):
            parse_conditions({"Bool": {"aws:SecureTransport": "flase"}}, "Statement[3]")

    def test_a_parsed_condition_is_an_immutable_value(self) -> None:
        """Parsed once and shared by every request the statement is tested against: nothing may alter it."""
        (condition,) = parse_conditions({"StringEquals": {"k": "v"}}, "s")
        with pytest.raises(dataclasses.FrozenInstanceError):
            condition.key = "other"  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            condition.operator.negated = True  # type: ignore[misc]
