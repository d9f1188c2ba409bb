"""What AWS refuses when a policy is saved (``audit.policy.grammar``): Action, Resource and Principal values.

Each refusal is pinned with its subject (which rule the value broke), because the project's rule is that a
value AWS would not store must never be read as "matches nobody": a Deny naming it would silently stop
applying. Sources (IAM User Guide):

- ACTION: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
- RESOURCE: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
- ARNS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
- PRINCIPAL: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
"""
from __future__ import annotations

import pytest

from audit.policy.errors import PolicyError
from audit.policy.grammar import check_actions, check_aws_principal, check_named_principal, check_resources, is_unique_id

ACCT = "111122223333"
WHERE = "policy[0].Statement[2]"


# -------------------------------------------------------------------------------------------- Action


class TestActions:
    """ACTION: ``"*"`` or ``service:action``, wildcards allowed in the action name; the prefix is required."""

    @pytest.mark.parametrize("action", ["*", "kms:Decrypt", "kms:*", "s3:Get?bject", "cognito-idp:ListUsers", "KMS:decrypt"])
    def test_accepted(self, action: str) -> None:
        check_actions([action], "Action", WHERE)

    @pytest.mark.parametrize("action", ["Decrypt", "kms:", ":Decrypt", "kms:De crypt", "kms:Decrypt:x", "kms/Decrypt", ""])
    def test_refused_without_a_service_prefix_and_an_action(self, action: str) -> None:
        with pytest.raises(PolicyError, match=r"policy\[0\]\.Statement\[2\]: NotAction .* service:action"):
            check_actions([action], "NotAction", WHERE)

    def test_every_item_of_a_list_is_checked(self) -> None:
        with pytest.raises(PolicyError, match="'Decrypt'"):
            check_actions(["*", "kms:Encrypt", "Decrypt"], "Action", WHERE)


# ------------------------------------------------------------------------------------------ Resource


class TestResources:
    """RESOURCE and ARNS: ``"*"`` or ``arn:partition:service:region:account:resource``; a wildcard ending the
    last field given stands for the fields after it (``arn:aws:kms:*``)."""

    @pytest.mark.parametrize("resource", [
        "*",
        "arn:aws:s3:::bucket",
        "arn:aws:s3:::bucket/*",
        f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd",
        f"arn:aws-cn:iam::{ACCT}:role/Admin",
        f"arn:aws:logs:us-east-1:{ACCT}:log-group:my-group:*",  # colons inside the resource part
        f"arn:aws:ec2:us-east-1:{ACCT}:instance:i-0123",
        "arn:aws:kms:*",
        f"arn:aws:kms:us-east-1:{ACCT}*",
        "arn:aws:*",
        "arn:*",
    ])
    def test_accepted(self, resource: str) -> None:
        check_resources([resource], "Resource", WHERE)

    @pytest.mark.parametrize("resource", [
        "bucket",                                       # a bucket name, not an ARN
        "1234abcd-12ab-34cd-56ef-1234567890ab",         # a key id
        "aws:s3:::bucket",                              # no "arn" prefix
        "arn",
        "arn:",
        "arn:aws:s3",                                   # too few fields and no wildcard standing for the rest
        f"arn:aws:kms:us-east-1:{ACCT}",
        f"arn:aws:kms:us-east-1:{ACCT}:",               # empty resource
        "arn::s3:::bucket",                             # empty partition
        f"arn:aws::us-east-1:{ACCT}:key/1",             # empty service
        "arn:aws::*",                                   # empty service before the wildcard
        "arn::*",                                       # empty partition before the wildcard
    ])
    def test_refused(self, resource: str) -> None:
        with pytest.raises(PolicyError, match=r"policy\[0\]\.Statement\[2\]: NotResource .* neither \"\*\" nor an ARN"):
            check_resources([resource], "NotResource", WHERE)

    def test_every_item_after_a_star_is_still_checked(self) -> None:
        with pytest.raises(PolicyError, match="'bucket'"):
            check_resources(["*", "arn:aws:s3:::ok", "bucket"], "Resource", WHERE)


# ----------------------------------------------------------------------------------------- Principal


class TestAwsPrincipal:
    """PRINCIPAL: ``"*"``, an account id, or the ARN of an account root, user, role, role session or
    federated user; "You cannot use a wildcard to match part of a principal name or ARN"; "You cannot
    identify a user group as a principal"."""

    @pytest.mark.parametrize("entry", [
        "*",
        ACCT,
        f"arn:aws:iam::{ACCT}:root",
        f"arn:aws:iam::{ACCT}:user/alice",
        f"arn:aws:iam::{ACCT}:role/Admin",
        f"arn:aws:iam::{ACCT}:role/ops/team/Admin",
        f"arn:aws-us-gov:iam::{ACCT}:role/Admin",
        f"arn:aws:sts::{ACCT}:assumed-role/Admin/alice-session",
        f"arn:aws:sts::{ACCT}:federated-user/bob",
        "AIDAJQABLZS4A3QDU576Q",   # unique id AWS shows for a deleted user
        "AROADBQP57FF2AEXAMPLE",   # ... and for a deleted role
    ])
    def test_accepted(self, entry: str) -> None:
        check_aws_principal(entry, "Principal", WHERE)

    @pytest.mark.parametrize("entry", [
        f"arn:aws:iam::{ACCT}:role/*",
        f"arn:aws:iam::{ACCT}:user/al?ce",
        f"arn:aws:sts::{ACCT}:assumed-role/Admin/*",
        "1111*",
        f"arn:aws:iam::{ACCT}:*",
    ])
    def test_a_partial_wildcard_is_refused_as_a_wildcard(self, entry: str) -> None:
        with pytest.raises(PolicyError, match=r"Statement\[2\]: NotPrincipal AWS .*allows no wildcard"):
            check_aws_principal(entry, "NotPrincipal", WHERE)

    def test_a_user_group_is_refused_as_a_group(self) -> None:
        with pytest.raises(PolicyError, match=r"Statement\[2\]: Principal AWS .*a user group cannot be a principal"):
            check_aws_principal(f"arn:aws:iam::{ACCT}:group/Admins", "Principal", WHERE)

    @pytest.mark.parametrize("entry", [
        "alice",
        "11112222333",                               # 11 digits
        "arn:aws:s3:::bucket",
        f"arn:aws:iam::{ACCT}:policy/ReadOnly",
        f"arn:aws:sts::{ACCT}:assumed-role/Admin",   # a session needs its session name
        "",
    ])
    def test_anything_else_is_refused_naming_what_is_allowed(self, entry: str) -> None:
        with pytest.raises(PolicyError, match=r"Statement\[2\]: Principal AWS .* is not \"\*\", a 12-digit account id"):
            check_aws_principal(entry, "Principal", WHERE)

    def test_unique_ids_are_recognised(self) -> None:
        assert is_unique_id("AIDAJQABLZS4A3QDU576Q") is True
        assert is_unique_id("AROADBQP57FF2AEXAMPLE") is True
        assert is_unique_id("AKIAIOSFODNN7EXAMPLE") is False   # an access key id names no principal
        assert is_unique_id("AIDA123") is False
        assert is_unique_id(ACCT) is False


class TestNamedPrincipals:
    """PRINCIPAL: ``Service``, ``Federated`` and ``CanonicalUser`` entries are names, never wildcards."""

    @pytest.mark.parametrize(("kind", "entry"), [
        ("Service", "backup.amazonaws.com"),
        ("Service", "logs.us-east-1.amazonaws.com"),
        ("Federated", "cognito-identity.amazonaws.com"),
        ("Federated", f"arn:aws:iam::{ACCT}:saml-provider/Okta"),
        ("Federated", f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"),
        ("CanonicalUser", "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"),
    ])
    def test_accepted(self, kind: str, entry: str) -> None:
        check_named_principal(kind, entry, "Principal", WHERE)

    @pytest.mark.parametrize(("kind", "entry", "expected"), [
        ("Service", "*", "a service principal"),
        ("Service", "*.amazonaws.com", "a service principal"),
        ("Service", "backup", "a service principal"),
        ("Federated", "Okta", "an identity provider"),
        ("Federated", f"arn:aws:iam::{ACCT}:role/Admin", "an identity provider"),
        ("CanonicalUser", "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2b", "64-hex-digit"),
        ("CanonicalUser", "*", "64-hex-digit"),
    ])
    def test_refused(self, kind: str, entry: str, expected: str) -> None:
        with pytest.raises(PolicyError, match=rf"Statement\[2\]: Principal {kind} .*{expected}"):
            check_named_principal(kind, entry, "Principal", WHERE)
