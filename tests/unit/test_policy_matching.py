"""Behaviour of ``audit.policy.matching``: who a ``Principal``/``NotPrincipal`` element names, the six-field ARN
comparison, wildcards and policy variables, the request context.

Pages cited:

* Principal: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
* NotPrincipal: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
* ARN condition operators:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
* Policy variables: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
* Global condition keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
* Policy evaluation logic: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""
from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from audit.policy import PolicyError, Request, evaluate, statement_matches
from audit.policy.matching import (
    Caller,
    Context,
    PrincipalMatch,
    arn_match,
    expand,
    glob_match,
    match_principal,
    not_principal_applies,
    parse_caller,
    principal_values,
    tokens_text,
    tokens_to_regex,
)
from tests.support.policies import ACCT, OTHER, ROOT

IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
PRINCIPAL = IAM + "reference_policies_elements_principal.html"
NOT_PRINCIPAL = IAM + "reference_policies_elements_notprincipal.html"
ARN_OPERATORS = IAM + "reference_policies_elements_condition_operators.html#Conditions_ARN"
VARIABLES = IAM + "reference_policies_variables.html"

BUCKET = "arn:aws:s3:::bucket"
KEY = f"arn:aws:kms:us-east-1:{ACCT}:key/k"


def role(name: str, account: str = ACCT, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account}:role/{name}"


def user(name: str, account: str = ACCT) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


def session(name: str, account: str = ACCT, session_name: str = "s1", partition: str = "aws") -> str:
    return f"arn:{partition}:sts::{account}:assumed-role/{name}/{session_name}"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def s3(principal: str, **context: Any) -> Request:
    return Request(principal, "s3:GetObject", BUCKET + "/f", context, resource_account=ACCT)


def names(element: Any, caller: str) -> PrincipalMatch:
    return match_principal(element, parse_caller(caller), "Statement[0]")


def deny_except(element: Any, caller: str) -> bool:
    """Does ``Deny`` + this ``NotPrincipal`` apply to the caller?"""
    return not_principal_applies(element, parse_caller(caller), "Statement[0]", effect="Deny")


def allow_except(element: Any, caller: str) -> bool:
    """Does ``Allow`` + this ``NotPrincipal`` apply to the caller?"""
    return not_principal_applies(element, parse_caller(caller), "Statement[0]", effect="Allow")


# ------------------------------------------------------------------------------------------------ Principal


class TestPrincipal:
    def test_a_user_arn_does_not_name_a_session_of_the_role_with_the_same_name(self) -> None:
        """PRINCIPAL: a role ARN names the role's sessions; a user ARN names that IAM user only, even when a
        role of the account carries the same name."""
        assert names({"AWS": user("Admin")}, session("Admin")) is PrincipalMatch.NONE
        assert names({"AWS": user("Admin")}, user("Admin")) is PrincipalMatch.DIRECT
        assert names({"AWS": role("Admin")}, session("Admin")) is PrincipalMatch.DIRECT
        bucket_policy = policy({"Effect": "Allow", "Principal": {"AWS": user("Admin")}, "Action": "s3:*", "Resource": "*"})
        assert evaluate(s3(session("Admin")), resource_policy=bucket_policy).kind == "ImplicitDeny"
        assert evaluate(s3(user("Admin")), resource_policy=bucket_policy).kind == "Allow"

    def test_a_role_arn_names_sessions_of_that_role_in_that_account_and_partition_only(self) -> None:
        element = {"AWS": role("Admin")}
        assert names(element, session("Admin")) is PrincipalMatch.DIRECT
        assert names(element, session("Admin", account=OTHER)) is PrincipalMatch.NONE
        assert names(element, session("Admin", partition="aws-cn")) is PrincipalMatch.NONE
        assert names(element, session("Admin2")) is PrincipalMatch.NONE
        assert names({"AWS": role("Admin", partition="aws-cn")}, session("Admin", partition="aws-cn")) is PrincipalMatch.DIRECT
        assert names({"AWS": role("team/Admin")}, session("Admin")) is PrincipalMatch.DIRECT
        assert names({"AWS": role("Admin/team")}, session("Admin")) is PrincipalMatch.NONE
        # a role ARN names the role's sessions, not an IAM user of the same name
        assert names(element, user("Admin")) is PrincipalMatch.NONE


# --------------------------------------------------------------------------------------------- NotPrincipal


class TestNotPrincipal:
    BACKUP = "backup.amazonaws.com"

    def test_deny_not_principal_exempts_the_service_it_names_and_no_other(self) -> None:
        """NOT_PRINCIPAL: a principal can be an AWS service; Deny with NotPrincipal denies every principal except
        the one named. A service has no account or role to list besides its name."""
        element = {"Service": self.BACKUP}
        assert not deny_except(element, self.BACKUP)
        assert deny_except(element, "events.amazonaws.com")
        assert deny_except({"AWS": [ROOT, role("Admin")]}, self.BACKUP)
        assert deny_except({"AWS": ROOT, "Service": "events.amazonaws.com"}, self.BACKUP)

    def test_allow_not_principal_keeps_out_the_service_it_names(self) -> None:
        element = {"Service": self.BACKUP}
        assert not allow_except(element, self.BACKUP)
        assert allow_except(element, "events.amazonaws.com")

    def test_service_exemption_decides_the_request(self) -> None:
        vault = policy(
            {"Sid": "OnlyBackup", "Effect": "Deny", "NotPrincipal": {"Service": self.BACKUP}, "Action": "s3:*", "Resource": "*"},
            {"Sid": "Services", "Effect": "Allow", "Principal": {"Service": [self.BACKUP, "events.amazonaws.com"]},
             "Action": "s3:*", "Resource": "*"})
        assert evaluate(s3(self.BACKUP), resource_policy=vault).deciding == ("Services",)
        denied = evaluate(s3("events.amazonaws.com"), resource_policy=vault)
        assert (denied.kind, denied.deciding) == ("ExplicitDeny", ("OnlyBackup",))

    @pytest.mark.parametrize("listed, caller, exempt", [
        ([ACCT, user("alice")], user("alice"), True),
        ([ROOT, user("alice")], user("alice"), True),
        ([user("alice")], user("alice"), False),          # the account is missing: AWS may check it first
        ([ROOT], user("alice"), False),                   # the account alone exempts no user
        ([ROOT, user("bob")], user("alice"), False),
        ([ROOT, role("Admin")], role("Admin"), True),
        ([ROOT], ROOT, True),                             # the root user is its account
        ([ACCT], ROOT, True),
        ([f"arn:aws:iam::{OTHER}:root", role("Admin")], role("Admin"), False),
        ([ROOT, role("Admin"), session("Admin")], session("Admin"), True),
        ([ROOT, role("team/Admin"), session("Admin")], session("Admin"), True),
        ([ROOT, session("Admin")], session("Admin"), False),   # the role is missing
        ([role("Admin"), session("Admin")], session("Admin"), False),   # the account is missing
        ([ROOT, role("Admin"), session("Admin", session_name="s2")], session("Admin"), False),
        ([ROOT, user("Admin"), session("Admin")], session("Admin"), False),  # a user of the role's name is not the role
    ])
    def test_deny_exempts_a_caller_only_when_its_account_and_every_identity_are_listed(
            self, listed: list[str], caller: str, exempt: bool) -> None:
        """NOT_PRINCIPAL: "AWS might first validate the account, then the user"; for an assumed role "the
        account, then the role, and then the assumed-role user" - each must be listed to be exempt."""
        assert deny_except({"AWS": listed}, caller) is not exempt

    @pytest.mark.parametrize("listed, caller", [
        ([ROOT], role("Admin")),
        ([ACCT], session("Admin")),
        ([role("Admin")], session("Admin")),
        ([session("Admin")], session("Admin")),
        ([user("alice")], user("alice")),
        ([ROOT], ROOT),
    ])
    def test_allow_never_applies_to_a_caller_any_of_whose_identities_is_listed(self, listed: list[str], caller: str) -> None:
        assert not allow_except({"AWS": listed}, caller)

    @pytest.mark.parametrize("listed, caller", [
        ([f"arn:aws:iam::{OTHER}:root"], role("Admin")),
        ([role("Admin2")], session("Admin")),
        ([session("Admin", session_name="s2")], session("Admin")),
        ([user("Admin")], session("Admin")),
        ([role("Admin")], user("Admin")),
        ([f"arn:aws:iam::{OTHER}:root"], ROOT),
        ([user("alice")], ROOT),
    ])
    def test_allow_applies_to_a_caller_none_of_whose_identities_is_listed(self, listed: list[str], caller: str) -> None:
        assert allow_except({"AWS": listed}, caller)

    def test_not_principal_star_is_refused(self) -> None:
        for effect in ("Deny", "Allow"):
            with pytest.raises(PolicyError, match=r"^Statement\[0\]: NotPrincipal \"\*\""):
                not_principal_applies({"AWS": "*"}, parse_caller(role("Admin")), "Statement[0]", effect=effect)
            with pytest.raises(PolicyError, match=r"^Statement\[0\]: NotPrincipal \"\*\""):
                not_principal_applies("*", parse_caller(role("Admin")), "Statement[0]", effect=effect)


# ------------------------------------------------------------------------------------------ ARN comparison


def arn(pattern: str, value: str) -> bool:
    tokens = expand(pattern, None, wildcards=True)
    assert tokens is not None
    return arn_match(tokens, value)


class TestArnMatch:
    def test_a_request_value_of_fewer_than_six_fields_matches_no_arn(self) -> None:
        """ARN_OPERATORS: "each of the six colon-delimited components of the ARN is checked separately"; a value
        that is not a six-field ARN has nothing to compare, so it never equals one."""
        assert arn(BUCKET, BUCKET)
        for truncated in ("arn:aws:s3", "arn:aws:s3::", "arn", ""):
            assert arn(BUCKET, truncated) is False, truncated
            assert arn("arn:aws:*", truncated) is False, truncated

    def test_a_policy_value_of_fewer_than_six_fields_matches_no_arn(self) -> None:
        for truncated in ("arn:aws:s3", "arn:aws:s3::", "arn:*"):
            assert not arn(truncated, BUCKET), truncated

    def test_arn_not_equals_on_a_truncated_value_applies(self) -> None:
        """So a Deny with ArnNotEquals on aws:SourceArn applies to a request whose value is truncated."""
        stmt = {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                "Condition": {"ArnNotEquals": {"aws:SourceArn": BUCKET}}}
        assert statement_matches(stmt, s3(role("Admin"), **{"aws:SourceArn": "arn:aws:s3"}), for_resource_policy=False)
        assert not statement_matches(stmt, s3(role("Admin"), **{"aws:SourceArn": BUCKET}), for_resource_policy=False)
        like = {**stmt, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}}
        assert not statement_matches(like, s3(role("Admin"), **{"aws:SourceArn": "arn:aws:s3"}), for_resource_policy=False)

    def test_each_field_is_compared_with_its_own_wildcards(self) -> None:
        assert arn("arn:aws:kms:*:111111111111:key/*", KEY)
        assert not arn("arn:aws:kms:*:222222222222:key/*", KEY)
        assert not arn("arn:aws:*:us-east-1:111111111111", KEY)   # five fields: no resource field
        assert arn("arn:aws:logs:us-east-1:111111111111:log-group:/x:*", "arn:aws:logs:us-east-1:111111111111:log-group:/x:log-stream:y")
        assert not arn("arn:aws:logs:us-east-1:111111111111:log-group:/x", "arn:aws:logs:us-east-1:111111111111:log-group:/x:y")
        assert not arn("arn:aws:s?:::bucket", "arn:aws:s33:::bucket")
        # colons after the fifth belong to the resource field, as literal colons
        assert arn("arn:aws:logs:us-east-1:111111111111:log-group:a:b", "arn:aws:logs:us-east-1:111111111111:log-group:a:b")
        assert not arn("arn:aws:logs:us-east-1:111111111111:log-group:a:b", "arn:aws:logs:us-east-1:111111111111:log-groupXaYb")
        assert arn("arn:aws:s?:::bucket", "arn:aws:s3:::bucket")


# ------------------------------------------------------------------------------------------ request context


class TestContext:
    def test_key_names_are_case_insensitive_and_a_later_layer_wins_with_its_spelling(self) -> None:
        """Global condition keys: "Condition key names are not case-sensitive"."""
        context = Context({"aws:PrincipalArn": "a", "aws:SourceIp": "1.2.3.4"}, {"AWS:principalarn": "b"})
        assert context["aws:principalARN"] == "b"
        assert "AWS:SOURCEIP" in context and 5 not in context
        assert sorted(context) == ["AWS:principalarn", "aws:SourceIp"]
        assert len(context) == 2
        assert dict(context) == {"AWS:principalarn": "b", "aws:SourceIp": "1.2.3.4"}

    def test_values_are_compared_as_iam_renders_them(self) -> None:
        from datetime import date, datetime, timezone
        context = Context({"b": True, "f": False, "n": 7, "bytes": b"\x00\xff", "t": datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
                           "d": date(2024, 1, 2), "many": ["x", None, False], "none": None})
        assert context.values_of("b") == ("true",) and context.values_of("f") == ("false",)
        assert context.values_of("n") == ("7",)
        assert context.values_of("bytes") == ("AP8=",)
        assert context.values_of("t") == ("2024-01-02T03:04:05+00:00",)
        assert context.values_of("d") == ("2024-01-02",)
        assert context.values_of("many") == ("x", "false")
        assert context.values_of("none") is None and context.values_of("missing") is None

    def test_a_datetime_context_value_is_compared_as_a_date(self) -> None:
        from datetime import datetime, timezone
        stmt = {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                "Condition": {"DateLessThan": {"aws:CurrentTime": "2024-06-01T00:00:00Z"}}}
        before = s3(role("Admin"), **{"aws:CurrentTime": datetime(2024, 5, 31, 23, 0, tzinfo=timezone.utc)})
        after = s3(role("Admin"), **{"aws:CurrentTime": datetime(2024, 6, 1, 1, 0, tzinfo=timezone.utc)})
        assert statement_matches(stmt, before, for_resource_policy=False)
        assert not statement_matches(stmt, after, for_resource_policy=False)

    def test_only_a_single_present_value_can_be_a_policy_variable(self) -> None:
        """VARIABLES: a multivalued key cannot be substituted (the variable is then unresolvable)."""
        context = Context({"one": "x", "flag": True, "many": ["x"], "none": None})
        assert context.single_value("ONE") == "x" and context.single_value("flag") == "true"
        assert context.single_value("many") is None
        assert context.single_value("none") is None and context.single_value("missing") is None
        assert expand("a/${many}", context, wildcards=True) is None
        assert expand("a/${many, 'dflt'}", context, wildcards=True) == [("a/", False), ("dflt", False)]


# ------------------------------------------------------------------------------- wildcards and policy variables


class TestExpand:
    CONTEXT = Context({"aws:username": "al*ce", "empty": ""})

    def test_without_wildcards_the_text_is_one_literal(self) -> None:
        """The String*Equals operators take ``*`` and ``?`` literally."""
        tokens = expand("a*b?c", None, wildcards=False)
        assert tokens == [("a*b?c", False)]
        assert tokens_text(tokens) == "a*b?c"
        regex = tokens_to_regex(tokens)
        assert regex.fullmatch("a*b?c") and not regex.fullmatch("aXbYc")
        assert expand("", None, wildcards=False) == []
        assert expand("${x}", Context({"x": "v"}), wildcards=False) == [("v", False)]

    def test_with_wildcards_star_and_question_mark_are_tokens(self) -> None:
        assert expand("a*b?", None, wildcards=True) == [("a", False), ("*", True), ("b", False), ("?", True)]

    def test_a_substituted_value_is_literal_even_when_it_holds_a_wildcard(self) -> None:
        """VARIABLES: the value of a variable is never a wildcard."""
        tokens = expand("arn:aws:s3:::b/${aws:username}/*", self.CONTEXT, wildcards=True)
        assert tokens == [("arn:aws:s3:::b/", False), ("al*ce", False), ("/", False), ("*", True)]
        regex = tokens_to_regex(tokens or [])
        assert regex.fullmatch("arn:aws:s3:::b/al*ce/x") and not regex.fullmatch("arn:aws:s3:::b/alice/x")

    def test_variables_are_read_left_to_right_with_text_between_them(self) -> None:
        context = Context({"a": "1", "b": "2"})
        assert tokens_text(expand("x${a}y${b}z", context, wildcards=True) or []) == "x1y2z"
        assert expand("${empty}", self.CONTEXT, wildcards=True) == []

    def test_an_unclosed_variable_is_plain_text(self) -> None:
        assert expand("b/${aws:username", self.CONTEXT, wildcards=True) == [("b/${aws:username", False)]
        assert expand("b/${aws:username}/${x", self.CONTEXT, wildcards=True) == [("b/", False), ("al*ce", False), ("/${x", False)]

    def test_an_empty_or_malformed_variable_is_unresolvable(self) -> None:
        assert expand("b/${}", self.CONTEXT, wildcards=True) is None
        assert expand("b/${}}", self.CONTEXT, wildcards=True) is None
        assert expand("b/${a b}", Context({"a": "1"}), wildcards=True) is None

    def test_default_and_escapes(self) -> None:
        context = Context({})
        assert expand("${missing, 'it''s'}", context, wildcards=True) == [("it's", False)]
        assert expand("${*}${?}${$}", context, wildcards=True) == [("*", False), ("?", False), ("$", False)]
        assert expand("${missing}", context, wildcards=True) is None
        assert expand("${missing}", None, wildcards=True) == [("${missing}", False)]

    def test_glob_match_is_anchored_and_case_insensitive_only_on_request(self) -> None:
        assert glob_match("s3:Get*", "s3:GetObject")
        assert not glob_match("s3:Get*", "xs3:GetObject")
        assert not glob_match("s3:Get*", "S3:GETOBJECT")
        assert glob_match("s3:Get*", "S3:GETOBJECT", ignore_case=True)
        assert glob_match("a?c", "a\nc")
        assert not glob_match("a?c", "ac")


# ------------------------------------------------------------------------------------------------ principals


class TestPrincipalValues:
    def test_the_element_is_normalised_to_lists_per_type(self) -> None:
        assert principal_values("*", "S") == {"AWS": ["*"]}
        assert principal_values({"AWS": ROOT, "Service": ["a.amazonaws.com", "b.amazonaws.com"]}, "S") == {
            "AWS": [ROOT], "Service": ["a.amazonaws.com", "b.amazonaws.com"]}

    @pytest.mark.parametrize("element, message", [
        ({}, r"^S: Principal must be \"\*\" or an object"),
        ("arn:aws:iam::111111111111:root", r"^S: Principal must be \"\*\" or an object"),
        ({"Group": "x"}, r"^S: Principal type 'Group' is not AWS, Service, Federated or CanonicalUser"),
        ({"AWS": []}, r"^S: Principal AWS must be a string or a non-empty list of strings"),
        ({"AWS": 111111111111}, r"^S: Principal AWS must be a string"),
        ({"AWS": [ROOT, 1]}, r"^S: Principal AWS must be a string"),
        ({"AWS": "arn:aws:iam::111111111111:role/*"}, r"^S: Principal AWS .*wildcard"),
        ({"Service": "*.amazonaws.com"}, r"^S: Principal Service '\*.amazonaws.com' is not"),
    ])
    def test_malformed_elements_are_refused(self, element: Any, message: str) -> None:
        with pytest.raises(PolicyError, match=message):
            principal_values(element, "S")


class TestCaller:
    @pytest.mark.parametrize("raw, kind, account, arn, principal_type", [
        (ACCT, "root", ACCT, ROOT, "Account"),
        (ROOT, "root", ACCT, ROOT, "Account"),
        (user("alice"), "user", ACCT, user("alice"), "User"),
        (role("ops/App"), "role", ACCT, role("ops/App"), "AssumedRole"),
        (session("App"), "session", ACCT, role("App"), "AssumedRole"),
        (f"arn:aws:sts::{ACCT}:federated-user/bob", "federated-user", ACCT, f"arn:aws:sts::{ACCT}:federated-user/bob",
         "FederatedUser"),
        ("events.amazonaws.com", "service", None, None, None),
    ])
    def test_each_kind_of_caller(self, raw: str, kind: str, account: str | None, arn: str | None,
                                 principal_type: str | None) -> None:
        caller = parse_caller(raw)
        assert (caller.kind, caller.account, caller.arn, caller.principal_type) == (kind, account, arn, principal_type)
        assert caller.is_service is (kind == "service")

    def test_a_caller_is_an_immutable_value(self) -> None:
        caller = parse_caller(session("App"))
        assert caller == parse_caller(session("App")) and hash(caller) == hash(parse_caller(session("App")))
        with pytest.raises(dataclasses.FrozenInstanceError):
            caller.account = OTHER  # type: ignore[misc]

    def test_role_names(self) -> None:
        assert parse_caller(role("ops/App")).role_name == "App"
        assert parse_caller(session("App")).role_name == "App"
        assert parse_caller(user("App")).role_name is None
        assert parse_caller(session("App", partition="aws-cn")) == Caller(
            session("App", partition="aws-cn"), "session", "aws-cn", ACCT, role("App", partition="aws-cn"), "App")

    @pytest.mark.parametrize("raw", ["Admin", "arn:aws:iam::111111111111:group/ops", "arn:aws:s3:::bucket", "EVENTS.amazonaws.com",
                                     "arn:aws:iam::1111:root", "amazonaws"])
    def test_anything_else_is_refused(self, raw: str) -> None:
        with pytest.raises(ValueError, match="unrecognised principal"):
            parse_caller(raw)

    def test_role_path_only_for_sessions_and_shaped_like_a_path(self) -> None:
        assert parse_caller(session("App"), role_path="/ops/").arn == role("ops/App")
        assert parse_caller(session("App"), role_path="/").arn == role("App")
        with pytest.raises(ValueError, match="role_path is for role sessions"):
            parse_caller(role("App"), role_path="/ops/")
        for bad in ("ops", "/ops", "ops/", "//", "/a b/"):
            with pytest.raises(ValueError, match="must be"):
                parse_caller(session("App"), role_path=bad)


class TestMatchPrincipal:
    def test_direct_beats_account(self) -> None:
        assert names({"AWS": [ROOT, role("App")]}, role("App")) is PrincipalMatch.DIRECT
        assert names({"AWS": [role("App"), ROOT]}, role("App")) is PrincipalMatch.DIRECT
        assert names({"AWS": [ROOT, role("Other")]}, role("App")) is PrincipalMatch.ACCOUNT
        assert names({"AWS": ACCT}, session("App")) is PrincipalMatch.ACCOUNT
        assert names({"AWS": [role("Other")], "Service": "backup.amazonaws.com"}, role("App")) is PrincipalMatch.NONE

    def test_an_account_in_another_partition_is_another_account(self) -> None:
        cn_root = f"arn:aws-cn:iam::{ACCT}:root"
        assert names({"AWS": cn_root}, role("App")) is PrincipalMatch.NONE
        assert names({"AWS": cn_root}, role("App", partition="aws-cn")) is PrincipalMatch.ACCOUNT
        assert names({"AWS": ACCT}, role("App", partition="aws-cn")) is PrincipalMatch.ACCOUNT

    def test_a_service_is_named_only_by_star_or_its_service_name(self) -> None:
        assert names("*", "backup.amazonaws.com") is PrincipalMatch.DIRECT
        assert names({"AWS": "*"}, "backup.amazonaws.com") is PrincipalMatch.DIRECT
        assert names({"AWS": [ROOT, ACCT]}, "backup.amazonaws.com") is PrincipalMatch.NONE
        assert names({"Service": "backup.amazonaws.com"}, "backup.amazonaws.com") is PrincipalMatch.DIRECT
        assert names({"Service": "backup.amazonaws.com"}, role("backup")) is PrincipalMatch.NONE

    def test_a_session_arn_names_that_session_only(self) -> None:
        assert names({"AWS": session("App")}, session("App")) is PrincipalMatch.DIRECT
        assert names({"AWS": session("App")}, session("App", session_name="s2")) is PrincipalMatch.NONE
        assert names({"AWS": session("App")}, role("App")) is PrincipalMatch.NONE

    def test_a_unique_id_names_nobody(self) -> None:
        """PRINCIPAL: a deleted role shows as its unique id, which AWS can no longer map to a principal."""
        assert names({"AWS": "AROAEXAMPLEID1234567"}, role("App")) is PrincipalMatch.NONE
        assert deny_except({"AWS": [ROOT, "AIDAEXAMPLEID1234567"]}, user("alice"))
