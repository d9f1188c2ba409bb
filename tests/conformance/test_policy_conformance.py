"""Conformance of ``audit.policy`` (IAM, KMS key and vault policy decisions) with AWS's documentation.

Tables of cases, one per question:

* ``DECISIONS``: what ``evaluate`` decides for a request (``Allow``, ``ExplicitDeny``, ``ImplicitDeny``);
* ``CONDITIONS``: whether one ``Condition`` block holds for a request context (True/False);
* ``PRINCIPAL_KEYS``: the principal keys AWS puts in every request context (``aws:PrincipalArn``...);
* ``REFUSED``: what AWS refuses when a policy is saved, which must raise ``PolicyError`` naming the statement
  and the field (never a ``Deny`` that silently stops applying).

Every case names its page (URL) and the sentence or example it comes from. Where the docs are silent the
quote says "docs silent: ..." and the case holds the safe answer: a ``Deny`` applies and an ``Allow`` does not
when in doubt, and a policy that cannot be read faithfully is refused. Property-based tests then check that
whatever validates is decided without raising, and the NotPrincipal session rule over random policies.

To add a case: append a ``Case`` to the right table with the page, the quoted sentence or example, the
input and the documented result; ``docs/conformance.md`` lists the counts.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from audit.policy import PolicyError, Request, evaluate, statement_matches

IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
EVALUATION = IAM + "reference_policies_evaluation-logic.html"
CROSS_ACCOUNT = IAM + "reference_policies_evaluation-logic-cross-account.html"
CONDITION_OPERATORS = IAM + "reference_policies_elements_condition_operators.html"
MULTIVALUED = IAM + "reference_policies_condition-single-vs-multi-valued-context-keys.html"
SET_OPERATORS = "https://github.com/awsdocs/iam-user-guide/blob/main/doc_source/reference_policies_multi-value-conditions.md"
NOT_PRINCIPAL = IAM + "reference_policies_elements_notprincipal.html"
PRINCIPAL = IAM + "reference_policies_elements_principal.html"
GLOBAL_KEYS = IAM + "reference_policies_condition-keys.html#condition-keys-principalarn"
ACTION = IAM + "reference_policies_elements_action.html"
RESOURCE = IAM + "reference_policies_elements_resource.html"
VARIABLES = IAM + "reference_policies_variables.html"
IDENTIFIERS = IAM + "reference_identifiers.html#identifiers-arns"
KMS_POLICIES = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html"
KMS_DEFAULT = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"
KMS_EXTERNAL = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html"

ACCT = "111122223333"  # owns the resources
PARTNER = "444455556666"  # the NotPrincipal page's account
ROOT = f"arn:aws:iam::{ACCT}:root"
PARTNER_ROOT = f"arn:aws:iam::{PARTNER}:root"
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
KEY = f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VAULT = f"arn:aws:backup:us-east-1:{ACCT}:backup-vault:ssn"
BOB = f"arn:aws:iam::{PARTNER}:user/Bob"
AUDIT_ROLE = f"arn:aws:iam::{PARTNER}:role/cross-account-read-only-role"
AUDIT_SESSION = f"arn:aws:sts::{PARTNER}:assumed-role/cross-account-read-only-role/cross-account-audit-app"
OTHER_SESSION = f"arn:aws:sts::{PARTNER}:assumed-role/cross-account-read-only-role/someone-else"
CANONICAL = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"


def role(name: str, account: str = ACCT) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def session(role_name: str, name: str = "s1", account: str = ACCT) -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/{name}"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def stmt(effect: str = "Allow", action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


ALLOW_ALL = doc(stmt())


# ------------------------------------------------------------------------------------------- decisions


class Decide(NamedTuple):
    source: str
    quote: str
    request: Request
    identity: list[dict[str, Any]]  # the caller's identity policies
    resource_policy: dict[str, Any] | None
    policy_type: str  # "resource" or "kms_key"
    expected: str  # Allow / ExplicitDeny / ImplicitDeny


def s3(principal: str, action: str = "s3:GetObject", resource: str = BUCKET + "/f") -> Request:
    return Request(principal, action, resource, resource_account=ACCT)


def kms(principal: str, action: str = "kms:Decrypt", **context: Any) -> Request:
    return Request(principal, action, KEY, context)


def deny_all_but(*listed: str) -> dict[str, Any]:
    """The NotPrincipal page's statement shape, plus an Allow so that only the Deny can refuse."""
    return doc({"Sid": "DenyAllBut", "Effect": "Deny", "NotPrincipal": {"AWS": list(listed)}, "Action": "s3:*",
                "Resource": [BUCKET, BUCKET + "/*"]},
               {"Sid": "AllowPartner", "Effect": "Allow", "Principal": {"AWS": [PARTNER, ACCT]}, "Action": "s3:*",
                "Resource": [BUCKET, BUCKET + "/*"]})


def allow_all_but(*listed: str) -> dict[str, Any]:
    return doc({"Sid": "AllowAllBut", "Effect": "Allow", "NotPrincipal": {"AWS": list(listed)}, "Action": "s3:*",
                "Resource": [BUCKET, BUCKET + "/*"]})


DEFAULT_KEY_POLICY = doc({"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": ROOT},
                          "Action": "kms:*", "Resource": "*"})
KEY_USERS_ONLY = doc({"Sid": "AllowKeyUse", "Effect": "Allow", "Principal": {"AWS": role("KeyUser")},
                      "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*"})
EXTERNAL_KEY_POLICY = doc(DEFAULT_KEY_POLICY["Statement"][0],
                          {"Sid": "Allow an external account to use this KMS key", "Effect": "Allow",
                           "Principal": {"AWS": PARTNER_ROOT},
                           "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                      "kms:DescribeKey"], "Resource": "*"})

DECISIONS: list[Decide] = [
    # --- evaluation logic: explicit deny, same account, cross account
    Decide(EVALUATION, "An explicit deny in any policy overrides any allows.",
           s3(role("Admin")), [ALLOW_ALL], doc(stmt("Deny", "s3:*", Principal="*")), "resource", "ExplicitDeny"),
    Decide(EVALUATION, "By default, all requests are implicitly denied (the root user excepted).",
           s3(role("Admin")), [], None, "resource", "ImplicitDeny"),
    Decide(EVALUATION, "Within an account, a resource-based policy naming the principal (an IAM user or role ARN) "
                       "allows the request even without an identity-based allow.",
           s3(session("Reader")), [], doc(stmt("Allow", "s3:GetObject", Principal={"AWS": role("Reader")})),
           "resource", "Allow"),
    Decide(EVALUATION, "A resource-based policy naming the account delegates to the account's identity-based "
                       "policies: without an identity-based allow the request is implicitly denied.",
           s3(role("Reader")), [], doc(stmt("Allow", "s3:GetObject", Principal={"AWS": ACCT})), "resource",
           "ImplicitDeny"),
    Decide(EVALUATION, "Identity-based policy allows within the same account are enough when no policy denies.",
           s3(role("Reader")), [doc(stmt("Allow", "s3:GetObject", BUCKET + "/*"))], None, "resource", "Allow"),
    Decide(CROSS_ACCOUNT, "For cross-account access the identity-based policy in the trusted account AND the "
                          "resource-based policy in the trusting account must both allow.",
           s3(role("Reader", PARTNER)), [], doc(stmt("Allow", "s3:GetObject", Principal={"AWS": PARTNER})),
           "resource", "ImplicitDeny"),
    Decide(CROSS_ACCOUNT, "For cross-account access ... both allow: allowed.",
           s3(role("Reader", PARTNER)), [doc(stmt("Allow", "s3:GetObject"))],
           doc(stmt("Allow", "s3:GetObject", Principal={"AWS": PARTNER})), "resource", "Allow"),
    Decide(CROSS_ACCOUNT, "An identity-based allow alone does not reach a resource of another account.",
           s3(role("Reader", PARTNER)), [ALLOW_ALL], None, "resource", "ImplicitDeny"),
    Decide(PRINCIPAL, "Service principals: only a resource-based policy naming the service allows it.",
           Request("backup.amazonaws.com", "kms:Decrypt", KEY), [], doc(
               stmt("Allow", "kms:Decrypt", Principal={"Service": "backup.amazonaws.com"})), "kms_key", "Allow"),
    # --- NotPrincipal (the page's two examples, and their warned-about variants)
    Decide(NOT_PRINCIPAL, "all principals except the user named Bob in AWS account 444455556666 are explicitly "
                          "denied ... the NotPrincipal element contains the ARN of both the user Bob and the AWS "
                          "account", s3(BOB), [ALLOW_ALL], deny_all_but(BOB, PARTNER_ROOT), "resource", "Allow"),
    Decide(NOT_PRINCIPAL, "(Bob example) another user of Bob's account is denied",
           s3(f"arn:aws:iam::{PARTNER}:user/Alice"), [ALLOW_ALL], deny_all_but(BOB, PARTNER_ROOT), "resource",
           "ExplicitDeny"),
    Decide(NOT_PRINCIPAL, "If the NotPrincipal element contained only Bob's ARN, the effect of the policy might "
                          "be to explicitly deny access to the AWS account that contains the user Bob",
           s3(BOB), [ALLOW_ALL], deny_all_but(BOB), "resource", "ExplicitDeny"),
    Decide(NOT_PRINCIPAL, "all principals except the assumed-role user named cross-account-audit-app ... the "
                          "ARN of the assumed-role user, the role, and the AWS account",
           s3(AUDIT_SESSION), [ALLOW_ALL], deny_all_but(AUDIT_SESSION, AUDIT_ROLE, PARTNER_ROOT), "resource", "Allow"),
    Decide(NOT_PRINCIPAL, "The assumed-role user is identified by the role session name: another session of the "
                          "same role is denied", s3(OTHER_SESSION), [ALLOW_ALL],
           deny_all_but(AUDIT_SESSION, AUDIT_ROLE, PARTNER_ROOT), "resource", "ExplicitDeny"),
    Decide(NOT_PRINCIPAL, "AWS might validate the account first, then the role, and then the assumed-role user: "
                          "naming the role (and account) but not the session does not exempt the session",
           s3(AUDIT_SESSION), [ALLOW_ALL], deny_all_but(AUDIT_ROLE, PARTNER_ROOT), "resource", "ExplicitDeny"),
    Decide(NOT_PRINCIPAL, "If the NotPrincipal element was missing the ARN of the role, the effect of the policy "
                          "might be to explicitly deny access to the role", s3(AUDIT_SESSION), [ALLOW_ALL],
           deny_all_but(AUDIT_SESSION, PARTNER_ROOT), "resource", "ExplicitDeny"),
    Decide(NOT_PRINCIPAL, "if the NotPrincipal element was missing the ARN of the AWS account ... deny access to "
                          "the AWS account and all entities in that account", s3(AUDIT_SESSION), [ALLOW_ALL],
           deny_all_but(AUDIT_SESSION, AUDIT_ROLE), "resource", "ExplicitDeny"),
    Decide(NOT_PRINCIPAL, "NotPrincipal with Allow 'allows all principals except the one named': the named "
                          "user is not allowed by it", s3(f"arn:aws:iam::{ACCT}:user/Bob"), [],
           allow_all_but(f"arn:aws:iam::{ACCT}:user/Bob"), "resource", "ImplicitDeny"),
    Decide(NOT_PRINCIPAL, "NotPrincipal with Allow: a principal not named is allowed by it",
           s3(f"arn:aws:iam::{ACCT}:user/Alice"), [], allow_all_but(f"arn:aws:iam::{ACCT}:user/Bob"), "resource",
           "Allow"),
    Decide(NOT_PRINCIPAL, "docs silent on which identity of a session an Allow's NotPrincipal tests; safe answer: "
                          "naming the session's role keeps the session out", s3(session("Reader")), [],
           allow_all_but(role("Reader")), "resource", "ImplicitDeny"),
    Decide(NOT_PRINCIPAL, "docs silent; safe answer: an Allow whose NotPrincipal names the caller's account "
                          "does not allow the caller", s3(role("Reader")), [], allow_all_but(ACCT), "resource",
           "ImplicitDeny"),
    # --- KMS key policies
    Decide(KMS_POLICIES, "Unless the key policy explicitly allows it, you cannot use IAM policies to allow "
                         "access to a KMS key.", kms(role("Admin")), [ALLOW_ALL], KEY_USERS_ONLY, "kms_key",
           "ImplicitDeny"),
    Decide(KMS_POLICIES, "Every KMS key must have exactly one key policy ... no principal has any permission "
                         "unless explicitly allowed: without a key policy nothing is allowed",
           kms(role("Admin")), [ALLOW_ALL], None, "kms_key", "ImplicitDeny"),
    Decide(KMS_POLICIES, "(You can use an IAM policy to deny a permission to a KMS key without permission from "
                         "a key policy.)", kms(role("KeyUser")), [doc(stmt("Deny", "kms:Decrypt"))],
           KEY_USERS_ONLY, "kms_key", "ExplicitDeny"),
    Decide(KMS_POLICIES, "The statements in the key policy determine who has permission: a key policy naming "
                         "the role allows it on its own", kms(session("KeyUser")), [], KEY_USERS_ONLY, "kms_key",
           "Allow"),
    Decide(KMS_DEFAULT, "Allows access to the AWS account and enables IAM policies: an IAM policy allowing "
                        "kms:Decrypt is then effective", kms(role("Admin")), [doc(stmt("Allow", "kms:Decrypt", KEY))],
           DEFAULT_KEY_POLICY, "kms_key", "Allow"),
    Decide(KMS_DEFAULT, "The default key policy alone gives no IAM principal access: it only enables IAM policies",
           kms(role("Admin")), [], DEFAULT_KEY_POLICY, "kms_key", "ImplicitDeny"),
    Decide(KMS_DEFAULT, "it allows the account root user full access (root of the key's own account)",
           kms(ROOT), [], DEFAULT_KEY_POLICY, "kms_key", "Allow"),
    Decide(KMS_EXTERNAL, "principals in the external account need both the key policy grant to their account "
                         "and an IAM policy in their account", kms(role("App", PARTNER)),
           [doc(stmt("Allow", "kms:Decrypt", KEY))], EXTERNAL_KEY_POLICY, "kms_key", "Allow"),
    Decide(KMS_EXTERNAL, "(external account) without the IAM policy in the external account: denied",
           kms(role("App", PARTNER)), [], EXTERNAL_KEY_POLICY, "kms_key", "ImplicitDeny"),
    Decide(KMS_EXTERNAL, "(external account) an action the key policy does not give the external account",
           kms(role("App", PARTNER), "kms:ScheduleKeyDeletion"), [ALLOW_ALL], EXTERNAL_KEY_POLICY, "kms_key",
           "ImplicitDeny"),
    # --- the ArnNotEquals aws:PrincipalArn pattern the Principal page recommends instead of NotPrincipal
    Decide(PRINCIPAL, "UsePrincipalArnInsteadOfNotPrincipalWithDeny: Deny, Principal *, ArnNotEquals "
                      "aws:PrincipalArn user-name -> every other principal denied",
           s3(f"arn:aws:iam::{PARTNER}:user/other"), [ALLOW_ALL],
           doc(stmt("Deny", "s3:*", [BUCKET, BUCKET + "/*"], Principal="*",
                    Condition={"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{PARTNER}:user/user-name"}}),
               stmt("Allow", "s3:*", Principal={"AWS": PARTNER})), "resource", "ExplicitDeny"),
    Decide(PRINCIPAL, "(same) the named user is not denied", s3(f"arn:aws:iam::{PARTNER}:user/user-name"),
           [ALLOW_ALL], doc(stmt("Deny", "s3:*", [BUCKET, BUCKET + "/*"], Principal="*",
                                 Condition={"ArnNotEquals": {"aws:PrincipalArn":
                                                             f"arn:aws:iam::{PARTNER}:user/user-name"}}),
                            stmt("Allow", "s3:*", Principal={"AWS": PARTNER})), "resource", "Allow"),
    Decide(GLOBAL_KEYS, "IAM role - the request context contains arn:aws:iam::123456789012:role/role-name: a "
                        "Deny exempting the role by aws:PrincipalArn exempts its sessions, whatever their name",
           kms(session("KeyUser", "any-session")), [],
           doc(KEY_USERS_ONLY["Statement"][0], stmt("Deny", "kms:*", Principal="*", Condition={
               "ArnNotEquals": {"aws:PrincipalArn": role("KeyUser")}})), "kms_key", "Allow"),
]


@pytest.mark.parametrize("case", DECISIONS, ids=lambda c: f"{c.expected}:{c.quote[:60]}")
def test_decision(case: Decide) -> None:
    decision = evaluate(case.request, identity_policies=case.identity, resource_policy=case.resource_policy,
                        resource_policy_type=case.policy_type)  # type: ignore[arg-type]
    assert decision.kind == case.expected, f"{case.source}: {case.quote}\n-> {decision.reason}"


# ------------------------------------------------------------------------------------------ conditions


class Cond(NamedTuple):
    source: str
    quote: str
    condition: dict[str, Any]
    context: dict[str, Any]
    expected: bool


def holds(condition: dict[str, Any], context: dict[str, Any], principal: str = role("Admin"),
          role_path: str | None = None) -> bool:
    request = Request(principal, "s3:GetObject", BUCKET + "/f", context, resource_account=ACCT, role_path=role_path)
    return statement_matches(stmt("Allow", Condition=condition), request, for_resource_policy=False)


TAG = "aws:PrincipalTag/job-category"
TAG_KEYS = {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}
ANY_TAG_KEYS = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}
REQUESTED = "dynamodb:requestedAttributes"
ALLOWED_ATTRIBUTES = {"ForAllValues:StringLike": {REQUESTED: ["PostDateTime", "Message", "Tags"]}}
FORBIDDEN_ATTRIBUTES = {"ForAnyValue:StringLike": {REQUESTED: ["ID", "PostDateTime"]}}

CONDITIONS: list[Cond] = [
    # --- string operators
    Cond(CONDITION_OPERATORS, "StringEquals: Exact matching, case sensitive",
         {"StringEquals": {TAG: "iamuser-admin"}}, {TAG: "iamuser-admin"}, True),
    Cond(CONDITION_OPERATORS, "StringEquals: Exact matching, case sensitive",
         {"StringEquals": {TAG: "iamuser-admin"}}, {TAG: "IAMUser-Admin"}, False),
    Cond(CONDITION_OPERATORS, "StringEqualsIgnoreCase: Exact matching, ignoring case",
         {"StringEqualsIgnoreCase": {TAG: "iamuser-admin"}}, {TAG: "IAMUser-Admin"}, True),
    Cond(CONDITION_OPERATORS, "StringNotEquals: Negated matching", {"StringNotEquals": {TAG: "x"}}, {TAG: "y"}, True),
    Cond(CONDITION_OPERATORS, "StringLike: Case-sensitive matching. The values can include multi-character "
                              "match wildcards (*) and single-character match wildcards (?)",
         {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}},
         {"s3:prefix": "home/alice/", "aws:username": "alice"}, True),
    Cond(CONDITION_OPERATORS, "StringLike example: home/${aws:username}/ does not match another user's folder",
         {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}},
         {"s3:prefix": "home/bob/", "aws:username": "alice"}, False),
    Cond(CONDITION_OPERATORS, "StringLike: single-character match wildcard (?)",
         {"StringLike": {"s3:prefix": "home/?/"}}, {"s3:prefix": "home/ab/"}, False),
    Cond(CONDITION_OPERATORS, "StringEquals does not expand wildcards (use StringLike)",
         {"StringEquals": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/alice"}, False),
    # --- numeric, date, bool, binary, ip, arn
    Cond(CONDITION_OPERATORS, "NumericLessThanEquals s3:max-keys 10: a request for 10 keys matches",
         {"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": 10}, True),
    Cond(CONDITION_OPERATORS, "NumericLessThanEquals s3:max-keys 10: a request for 11 does not",
         {"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": 11}, False),
    Cond(CONDITION_OPERATORS, "DateGreaterThan aws:TokenIssueTime 2020-01-01T00:00:01Z",
         {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}},
         {"aws:TokenIssueTime": "2020-06-30T00:00:00Z"}, True),
    Cond(CONDITION_OPERATORS, "Date: you can also use epoch (UNIX) time",
         {"DateLessThan": {"aws:CurrentTime": "1577836800"}}, {"aws:CurrentTime": "2019-12-31T23:59:59Z"}, True),
    Cond(CONDITION_OPERATORS, "Bool aws:SecureTransport false: the Deny applies to a request without TLS",
         {"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": False}, True),
    Cond(CONDITION_OPERATORS, "Bool aws:SecureTransport false: not to a request over TLS",
         {"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": True}, False),
    Cond(CONDITION_OPERATORS, "BinaryEquals: the value is base-64 encoded",
         {"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}, {"key": b"BinaryValueInBase64"}, True),
    Cond(CONDITION_OPERATORS, "IpAddress aws:SourceIp 203.0.113.0/24", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
         {"aws:SourceIp": "203.0.113.7"}, True),
    Cond(CONDITION_OPERATORS, "IpAddress with IPv6 2001:DB8:1234:5678::/64",
         {"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}}, {"aws:SourceIp": "2001:db8:1234:5678::42"}, True),
    Cond(CONDITION_OPERATORS, "NotIpAddress: a request from outside the range matches",
         {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "198.51.100.1"}, True),
    Cond(CONDITION_OPERATORS, "ArnEquals aws:SourceArn arn:aws:sns:REGION:123456789012:TOPIC-ID",
         {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:TOPIC-ID"}},
         {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:TOPIC-ID"}, True),
    Cond(CONDITION_OPERATORS, "ArnLike: each of the six colon-delimited components of the ARN is checked "
                              "separately and each can include wildcards",
         {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}},
         {"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:alerts"}, True),
    Cond(CONDITION_OPERATORS, "ArnLike: components checked separately (a wildcard does not span the account)",
         {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}},
         {"aws:SourceArn": "arn:aws:sns:eu-west-1:999999999999:alerts"}, False),
    # --- missing keys, IfExists, Null
    Cond(CONDITION_OPERATORS, "If the key that you specify in a policy condition is not present in the request "
                              "context, the values do not match and the condition is false",
         {"StringEquals": {"aws:ResourceTag/env": "prod"}}, {}, False),
    Cond(CONDITION_OPERATORS, "If the policy condition requires that the key is not matched, such as "
                              "StringNotLike or ArnNotLike, and the right key is not present, the condition is true",
         {"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}, {}, True),
    Cond(CONDITION_OPERATORS, "...IfExists: If the key is not present, evaluate the condition element as true",
         {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, {}, True),
    Cond(CONDITION_OPERATORS, "...IfExists: If the policy key is present ... process the key as specified",
         {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, {"ec2:InstanceType": "p4d.24xlarge"},
         False),
    Cond(CONDITION_OPERATORS, "Null true: the key is absent", {"Null": {"aws:TokenIssueTime": "true"}}, {}, True),
    Cond(CONDITION_OPERATORS, "Null false: the key is present and its value is not null",
         {"Null": {"aws:TokenIssueTime": "false"}}, {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}, True),
    # --- multivalued keys and set operators
    Cond(MULTIVALUED, "ForAllValues returns true if every context key value in the request matches at least "
                      "one context key value in the policy", TAG_KEYS, {"aws:TagKeys": ["environment"]}, True),
    Cond(MULTIVALUED, "ForAllValues: a request value outside the policy's set makes it false",
         TAG_KEYS, {"aws:TagKeys": ["environment", "dept"]}, False),
    Cond(MULTIVALUED, "ForAllValues: It also returns true if there are no context keys in the request",
         TAG_KEYS, {}, True),
    Cond(SET_OPERATORS, "If the key values in the request resolve to an empty data set, ForAllValues returns true",
         TAG_KEYS, {"aws:TagKeys": []}, True),
    Cond(SET_OPERATORS, "an empty data set (for example, an empty string): ForAllValues returns true",
         TAG_KEYS, {"aws:TagKeys": ""}, True),
    Cond(MULTIVALUED, "ForAnyValue returns true if at least one context key value in the request matches",
         ANY_TAG_KEYS, {"aws:TagKeys": ["environment", "dept"]}, True),
    Cond(MULTIVALUED, "ForAnyValue: no request value in the policy's set", ANY_TAG_KEYS, {"aws:TagKeys": ["dept"]},
         False),
    Cond(MULTIVALUED, "ForAnyValue: returns false if there are no context keys in the request", ANY_TAG_KEYS, {},
         False),
    Cond(SET_OPERATORS, "If the key values in the request resolve to an empty data set, ForAnyValue returns false",
         ANY_TAG_KEYS, {"aws:TagKeys": []}, False),
    Cond(SET_OPERATORS, "an empty data set (for example, an empty string): ForAnyValue returns false",
         ANY_TAG_KEYS, {"aws:TagKeys": ""}, False),
    Cond(SET_OPERATORS, "get PostDateTime and Message: allowed, all requested attributes match",
         ALLOWED_ATTRIBUTES, {REQUESTED: ["PostDateTime", "Message"]}, True),
    Cond(SET_OPERATORS, "the request includes the ID attribute: fails, ID is not within the list",
         ALLOWED_ATTRIBUTES, {REQUESTED: ["PostDateTime", "ID"]}, False),
    Cond(SET_OPERATORS, "There's no match for UserName, so the condition operator returns false",
         ALLOWED_ATTRIBUTES, {REQUESTED: ["PostDateTime", "UserName"]}, False),
    Cond(SET_OPERATORS, "update PostDateTime and Message: one match (PostDateTime), so the condition is true",
         FORBIDDEN_ATTRIBUTES, {REQUESTED: ["PostDateTime", "Message"]}, True),
    Cond(SET_OPERATORS, "PutItem with just the UserName attribute: the condition returns false",
         FORBIDDEN_ATTRIBUTES, {REQUESTED: ["UserName"]}, False),
    Cond(SET_OPERATORS, "UserName, Message and PostDateTime: the last test returns true, so the condition is true",
         FORBIDDEN_ATTRIBUTES, {REQUESTED: ["UserName", "Message", "PostDateTime"]}, True),
    Cond(MULTIVALUED, "ForAllValues:StringNotEquals aws:CalledVia: true when no value equals the listed one",
         {"ForAllValues:StringNotEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}},
         {"aws:CalledVia": ["athena.amazonaws.com"]}, True),
    Cond(MULTIVALUED, "ForAllValues:StringNotEquals aws:CalledVia: false when one value equals it",
         {"ForAllValues:StringNotEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}},
         {"aws:CalledVia": ["athena.amazonaws.com", "cloudformation.amazonaws.com"]}, False),
    # --- policy variables
    Cond(VARIABLES, "If there is no value for a policy variable in the request, the comparison does not match "
                    "(the statement may be invalid)", {"StringEquals": {"s3:prefix": "${aws:username}"}},
         {"s3:prefix": "alice"}, False),
    Cond(VARIABLES, "default value: ${aws:username, 'nobody'} uses the default when the key is absent",
         {"StringEquals": {"s3:prefix": "${aws:username, 'nobody'}"}}, {"s3:prefix": "nobody"}, True),
    Cond(VARIABLES, "${*} ${?} ${$} stand for the literal characters", {"StringLike": {"s3:prefix": "a${*}"}},
         {"s3:prefix": "ab"}, False),
]


@pytest.mark.parametrize("case", CONDITIONS, ids=lambda c: f"{c.expected}:{c.quote[:60]}")
def test_condition(case: Cond) -> None:
    assert holds(case.condition, case.context) is case.expected, f"{case.source}: {case.quote}"


# ------------------------------------------------------------------------- principal keys in the context


class Key(NamedTuple):
    source: str
    quote: str
    principal: str
    role_path: str | None
    condition: dict[str, Any]
    expected: bool


PRINCIPAL_KEYS: list[Key] = [
    Key(GLOBAL_KEYS, "IAM role - the request context contains arn:aws:iam::123456789012:role/role-name",
        session("Admin"), None, {"ArnEquals": {"aws:PrincipalArn": role("Admin")}}, True),
    Key(GLOBAL_KEYS, "Do not specify the assumed role session ARN as a value for this condition key",
        session("Admin"), None, {"ArnEquals": {"aws:PrincipalArn": session("Admin")}}, False),
    Key(IDENTIFIERS, "a role ARN includes its path (arn:aws:iam::123456789012:role/application_abc/"
                     "component_xyz/S3Access): aws:PrincipalArn of a session of a role with a path includes it",
        session("S3Access"), "/application_abc/component_xyz/",
        {"ArnEquals": {"aws:PrincipalArn": role("application_abc/component_xyz/S3Access")}}, True),
    Key(IDENTIFIERS, "(same) the ARN without the path is not the role's ARN", session("S3Access"),
        "/application_abc/component_xyz/", {"ArnEquals": {"aws:PrincipalArn": role("S3Access")}}, False),
    Key(IDENTIFIERS, "(same) ArnLike with a wildcard path matches the pathed role ARN", session("S3Access"),
        "/application_abc/component_xyz/", {"ArnLike": {"aws:PrincipalArn": role("*/S3Access")}}, True),
    Key(GLOBAL_KEYS, "IAM user - arn:aws:iam::123456789012:user/user-name", f"arn:aws:iam::{ACCT}:user/user-name",
        None, {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:user/user-name"}}, True),
    Key(GLOBAL_KEYS, "AWS account root user - arn:aws:iam::123456789012:root", ROOT, None,
        {"ArnEquals": {"aws:PrincipalArn": ROOT}}, True),
    Key(GLOBAL_KEYS, "aws:PrincipalAccount: the account to which the requesting principal belongs",
        session("Admin", account=PARTNER), None, {"StringEquals": {"aws:PrincipalAccount": PARTNER}}, True),
    Key(GLOBAL_KEYS, "aws:PrincipalType: AssumedRole for a role session", session("Admin"), None,
        {"StringEquals": {"aws:PrincipalType": "AssumedRole"}}, True),
    Key(GLOBAL_KEYS, "aws:PrincipalType: Account for the root user", ROOT, None,
        {"StringEquals": {"aws:PrincipalType": "Account"}}, True),
    Key(GLOBAL_KEYS, "aws:PrincipalIsAWSService: false for IAM principals", role("Admin"), None,
        {"Bool": {"aws:PrincipalIsAWSService": "false"}}, True),
]


@pytest.mark.parametrize("case", PRINCIPAL_KEYS, ids=lambda c: f"{c.expected}:{c.quote[:60]}")
def test_principal_key(case: Key) -> None:
    assert holds(case.condition, {}, case.principal, case.role_path) is case.expected, f"{case.source}: {case.quote}"


def test_service_principal_keys() -> None:
    """aws:PrincipalServiceName / aws:PrincipalServiceNamesList are present for service principals only
    (GLOBAL_KEYS: "This key is present in the request when the call is made by an AWS service principal")."""
    policy = stmt("Allow", Principal={"Service": "backup.amazonaws.com"}, Condition={
        "StringEquals": {"aws:PrincipalServiceName": "backup.amazonaws.com"},
        "ForAnyValue:StringEquals": {"aws:PrincipalServiceNamesList": "backup.amazonaws.com"},
        "Null": {"aws:PrincipalArn": "true"}})
    assert statement_matches(policy, Request("backup.amazonaws.com", "kms:Decrypt", KEY), for_resource_policy=True)


# --------------------------------------------------------------------------- refused when saved


class Refused(NamedTuple):
    source: str
    quote: str
    statement: dict[str, Any]
    resource: str  # the resource asked about (some refusals depend on the policy's resource type)
    message: str  # a fragment of the PolicyError: the statement and the field


def deny_to(principal: Any, **extra: Any) -> dict[str, Any]:
    return {"Sid": "DenyIt", "Effect": "Deny", "Principal": principal, "Action": "s3:*", "Resource": "*", **extra}


REFUSED: list[Refused] = [
    Refused(PRINCIPAL, "You cannot use a wildcard to match part of a principal name or ARN",
            deny_to({"AWS": f"arn:aws:iam::{ACCT}:role/*"}), BUCKET, r"DenyIt.*Principal AWS.*wildcard"),
    Refused(PRINCIPAL, "You cannot use a wildcard to match part of a principal name or ARN (account id)",
            deny_to({"AWS": "1111*"}), BUCKET, r"DenyIt.*Principal AWS '1111\*'"),
    Refused(PRINCIPAL, "When you specify users in a Principal element, you cannot use a wildcard (*) to mean "
                       "'all users'", deny_to({"AWS": f"arn:aws:iam::{ACCT}:user/*"}), BUCKET, r"DenyIt.*wildcard"),
    Refused(PRINCIPAL, "When you specify an assumed-role session in a Principal element, you cannot use a "
                       "wildcard '*' to mean all sessions",
            deny_to({"AWS": f"arn:aws:sts::{ACCT}:assumed-role/Admin/*"}), BUCKET, r"DenyIt.*wildcard"),
    Refused(NOT_PRINCIPAL, "When you specify an assumed-role session in a NotPrincipal element, you cannot use a "
                           "wildcard (*) to mean 'all sessions'",
            {"Sid": "DenyIt", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
             "NotPrincipal": {"AWS": [f"arn:aws:sts::{PARTNER}:assumed-role/cross-account-read-only-role/*",
                                      AUDIT_ROLE, PARTNER_ROOT]}}, BUCKET, r"DenyIt.*NotPrincipal AWS.*wildcard"),
    Refused(NOT_PRINCIPAL, "docs silent on NotPrincipal '*' (it would except everyone, so a Deny would apply to "
                           "nobody); safe answer: refused",
            {"Sid": "DenyIt", "Effect": "Deny", "NotPrincipal": "*", "Action": "s3:*", "Resource": "*"}, BUCKET,
            r"DenyIt.*NotPrincipal \"\*\""),
    Refused(PRINCIPAL, "You cannot identify a user group as a principal in a policy",
            deny_to({"AWS": f"arn:aws:iam::{ACCT}:group/Admins"}), BUCKET, r"DenyIt.*user group"),
    Refused(PRINCIPAL, "AWS account principals: the account ARN or the 12-digit account id (a bare name is "
                       "neither)", deny_to({"AWS": "Admin"}), BUCKET, r"DenyIt.*Principal AWS 'Admin'"),
    Refused(PRINCIPAL, "AWS account principals: a 12-digit identifier (11 digits is not an account)",
            deny_to({"AWS": "11112222333"}), BUCKET, r"DenyIt.*'11112222333'"),
    Refused(PRINCIPAL, "service-name.amazonaws.com names one service; docs silent on wildcards there: refused",
            deny_to({"Service": "*.amazonaws.com"}), BUCKET, r"DenyIt.*Principal Service"),
    Refused(PRINCIPAL, "Amazon S3 lets you specify a canonical user ID: not a KMS key policy",
            deny_to({"CanonicalUser": CANONICAL}), KEY, r"DenyIt.*CanonicalUser applies only to S3"),
    Refused(PRINCIPAL, "Amazon S3 lets you specify a canonical user ID: not a backup vault access policy",
            deny_to({"CanonicalUser": CANONICAL}), VAULT, r"DenyIt.*CanonicalUser"),
    Refused(PRINCIPAL, "canonical user ID format (64 hex digits, as in the example)",
            deny_to({"CanonicalUser": "not-an-id"}), BUCKET, r"DenyIt.*CanonicalUser 'not-an-id'"),
    Refused(PRINCIPAL, "Federated principals are specified in the Principal element of a role trust policy",
            deny_to({"Federated": "cognito-identity.amazonaws.com"}), KEY, r"DenyIt.*Federated"),
    Refused(ACTION, "Each AWS service has its own set of actions ... prefix:action (e.g. iam:CreateUser): an "
                    "action without its service prefix is refused",
            {"Sid": "DenyIt", "Effect": "Deny", "Action": "Decrypt", "Resource": "*"}, KEY, r"DenyIt.*Action 'Decrypt'"),
    Refused(ACTION, "service prefix without an action", {"Sid": "DenyIt", "Effect": "Deny", "Action": ["kms:"],
                                                         "Resource": "*"}, KEY, r"DenyIt.*Action 'kms:'"),
    Refused(ACTION, "NotAction has the same syntax as Action",
            {"Sid": "DenyIt", "Effect": "Deny", "NotAction": "Describe*", "Resource": "*"}, KEY,
            r"DenyIt.*NotAction 'Describe\*'"),
    Refused(RESOURCE, "The Resource element specifies an object or objects by ARN (or *): a bucket name is not",
            {"Sid": "DenyIt", "Effect": "Deny", "Action": "s3:*", "Resource": "amzn-s3-demo-bucket"}, BUCKET,
            r"DenyIt.*Resource 'amzn-s3-demo-bucket'.*neither"),
    Refused(RESOURCE, "an ARN has six fields arn:partition:service:region:account-id:resource (a key id is not)",
            {"Sid": "DenyIt", "Effect": "Deny", "Action": "kms:*", "Resource": "arn:aws:kms:us-east-1:111122223333"},
            KEY, r"DenyIt.*Resource"),
    Refused(RESOURCE, "NotResource has the same syntax as Resource",
            {"Sid": "DenyIt", "Effect": "Deny", "Action": "kms:*", "NotResource": "my-key"}, KEY,
            r"DenyIt.*NotResource 'my-key'"),
    Refused(CONDITION_OPERATORS, "an unknown condition operator is refused, never ignored",
            {"Sid": "DenyIt", "Effect": "Deny", "Action": "kms:*", "Resource": "*",
             "Condition": {"StringEqualz": {"aws:PrincipalArn": "x"}}}, KEY, r"DenyIt.*'StringEqualz'"),
    Refused(CONDITION_OPERATORS, "Bool takes true or false", {"Sid": "DenyIt", "Effect": "Deny", "Action": "kms:*",
                                                               "Resource": "*",
                                                               "Condition": {"Bool": {"aws:SecureTransport": "no"}}},
            KEY, r"DenyIt.*'no'"),
    Refused(CONDITION_OPERATORS, "IpAddress takes an IP address or CIDR range",
            {"Sid": "DenyIt", "Effect": "Deny", "Action": "kms:*", "Resource": "*",
             "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}}}, KEY, r"DenyIt.*10.0.0.0/33"),
]


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.quote[:60])
def test_refused(case: Refused) -> None:
    policy = doc(case.statement)
    resource_policy = "Principal" in case.statement or "NotPrincipal" in case.statement
    request = Request(role("Admin"), "kms:Decrypt" if case.resource == KEY else "s3:GetObject", case.resource,
                      resource_account=ACCT)
    with pytest.raises(PolicyError, match=case.message):
        if resource_policy:
            evaluate(request, identity_policies=[ALLOW_ALL], resource_policy=policy,
                     resource_policy_type="kms_key" if case.resource == KEY else "resource")
        else:
            evaluate(request, identity_policies=[policy])


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "Principal": {"CanonicalUser": CANONICAL}, "Action": "s3:GetObject", "Resource": BUCKET + "/*"},
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*"},
    {"Effect": "Allow", "Principal": {"AWS": [ACCT, ROOT, role("ops/Admin"), session("Admin")]}, "Action": "*",
     "Resource": "arn:aws:kms:*"},
    {"Effect": "Allow", "Principal": {"AWS": "AROAEXAMPLEID1234567"}, "Action": "s3:*", "Resource": "*"},
])
def test_accepted(statement: dict[str, Any]) -> None:
    """What AWS accepts is not refused (PRINCIPAL page examples; a deleted role shows as its unique id)."""
    request = Request(role("Admin"), "s3:GetObject", BUCKET + "/f", resource_account=ACCT)
    evaluate(request, resource_policy=doc(statement))


def test_unique_id_of_a_deleted_role_names_nobody() -> None:
    """PRINCIPAL: "if you delete the role ... the principal ID appears in resource-based policies because AWS
    can no longer map it back to a valid ARN": it matches no current principal."""
    request = Request(session("Admin"), "s3:GetObject", BUCKET + "/f", resource_account=ACCT)
    policy = doc(stmt("Allow", "s3:*", Principal={"AWS": "AROAEXAMPLEID1234567"}))
    assert evaluate(request, resource_policy=policy).kind == "ImplicitDeny"


# ----------------------------------------------------------------------------------- properties

_CALLERS = [role("Admin"), session("Admin"), session("Admin", "other"), ROOT, f"arn:aws:iam::{ACCT}:user/alice",
            role("Admin", PARTNER), session("Admin", account=PARTNER), "backup.amazonaws.com"]
_ENTRIES = [ACCT, ROOT, PARTNER, PARTNER_ROOT, role("Admin"), role("ops/Admin"), session("Admin"),
            session("Admin", "other"), f"arn:aws:iam::{ACCT}:user/alice", role("Admin", PARTNER),
            session("Admin", account=PARTNER)]
_ACTIONS = ["*", "s3:*", "s3:GetObject", "s3:Get*", "kms:Decrypt"]
_RESOURCES = ["*", BUCKET + "/*", "arn:aws:s3:::*", BUCKET]
_CONDITIONS = [None, {"ArnNotEquals": {"aws:PrincipalArn": role("Admin")}},
               {"ForAnyValue:StringEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}},
               {"Bool": {"aws:SecureTransport": "false"}}, {"StringNotEqualsIfExists": {"kms:ViaService": "x"}}]


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny"])),
                                 "Action": draw(st.lists(st.sampled_from(_ACTIONS), min_size=1, max_size=3)),
                                 "Resource": draw(st.lists(st.sampled_from(_RESOURCES), min_size=1, max_size=2))}
    entries = draw(st.lists(st.sampled_from(_ENTRIES), min_size=1, max_size=4))
    principal: Any = draw(st.sampled_from(["*", {"AWS": entries}, {"Service": "backup.amazonaws.com"},
                                           {"AWS": entries, "Service": "backup.amazonaws.com"}]))
    if principal != "*" and draw(st.booleans()):
        statement["NotPrincipal"] = principal
    else:
        statement["Principal"] = principal
    condition = draw(st.sampled_from(_CONDITIONS))
    if condition:
        statement["Condition"] = condition
    return statement


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.lists(statements(), min_size=1, max_size=4), st.sampled_from(_CALLERS), st.sampled_from(["s3:GetObject",
                                                                                                   "s3:PutObject"]))
def test_whatever_validates_is_decided_without_raising(policy: list[dict[str, Any]], caller: str, action: str) -> None:
    request = Request(caller, action, BUCKET + "/f", {"aws:SecureTransport": True}, resource_account=ACCT)
    decision = evaluate(request, identity_policies=[ALLOW_ALL], resource_policy=doc(*policy))
    assert decision.kind in ("Allow", "ExplicitDeny", "ImplicitDeny")
    assert decision.allowed is (decision.kind == "Allow")


@FAST
@given(st.lists(st.sampled_from(_ENTRIES), min_size=1, max_size=6), st.sampled_from(_CALLERS))
def test_not_principal_deny_exempts_a_session_only_when_it_names_that_session(listed: list[str], caller: str) -> None:
    """NOT_PRINCIPAL: the account, the role and the session must all be listed for a session to be exempt;
    any other caller needs its account and itself (a root, its account only; a service, its name)."""
    policy = doc({"Effect": "Deny", "NotPrincipal": {"AWS": listed}, "Action": "s3:*", "Resource": "*"})
    request = Request(caller, "s3:GetObject", BUCKET + "/f", resource_account=ACCT)
    denied = evaluate(request, identity_policies=[ALLOW_ALL], resource_policy=policy).kind == "ExplicitDeny"
    if caller.endswith(".amazonaws.com"):
        assert denied
        return
    account = caller.split(":")[4]
    account_listed = account in listed or f"arn:aws:iam::{account}:root" in listed
    if ":assumed-role/" in caller:
        role_arn = f"arn:aws:iam::{account}:role/{caller.split('/')[1]}"
        role_listed = any(entry.startswith(f"arn:aws:iam::{account}:role/") and entry.endswith("/" + caller.split("/")[1])
                          for entry in listed) or role_arn in listed
        assert denied is not (account_listed and role_listed and caller in listed)
    elif caller.endswith(":root"):
        assert denied is not account_listed
    else:
        assert denied is not (account_listed and caller in listed)


@FAST
@given(st.sampled_from(_ENTRIES), st.integers(min_value=0, max_value=40), st.sampled_from(["*", "?"]))
def test_a_wildcard_inside_a_principal_is_always_refused(entry: str, at: int, wildcard: str) -> None:
    position = min(at, len(entry))
    broken = entry[:position] + wildcard + entry[position:]
    with pytest.raises(PolicyError, match="Principal"):
        evaluate(Request(role("Admin"), "s3:GetObject", BUCKET + "/f", resource_account=ACCT),
                 resource_policy=doc(deny_to({"AWS": broken})))
