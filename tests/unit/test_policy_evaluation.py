"""Behaviour of ``audit.policy.evaluator``: what a policy document must look like, which statements apply to a
request, and the decision (with its deciding statements and its reason) that follows.

Each test pins one decision, refusal or reason an auditor reads. Pages cited:

* Policy evaluation logic: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
* Cross-account evaluation: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
* Policy grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
* Principal: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
* NotPrincipal: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
* KMS key policies: https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from audit.policy import ROOT_USER, Decision, PolicyError, Request, evaluate, statement_matches
from audit.policy.evaluator import statement_test
from tests.support.policies import ACCT, KEY, OTHER, ROOT, allow, deny, policy, req, role, session

IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
EVALUATION = IAM + "reference_policies_evaluation-logic.html"
CROSS_ACCOUNT = IAM + "reference_policies_evaluation-logic-cross-account.html"
GRAMMAR = IAM + "reference_policies_grammar.html"

OTHER_ROOT = f"arn:aws:iam::{OTHER}:root"
BUCKET = "arn:aws:s3:::bucket"


def s3(principal: str = role("Admin"), action: str = "s3:GetObject", account: str = ACCT, **context: Any) -> Request:
    return Request(principal, action, BUCKET + "/f", context, resource_account=account)


# ------------------------------------------------------------------------------- the request and the decision


class TestValueObjects:
    def test_request_and_decision_are_immutable_and_hashable(self) -> None:
        """A request names one API call and a decision is a verdict: neither may change after it was made (a
        decision shared by several findings cannot be edited through one of them); a decision can key a dict."""
        request = req(**{"aws:SourceAccount": ACCT})
        decision = evaluate(request, identity_policies=[policy(allow())], resource_policy=policy(allow(Principal={"AWS": ROOT})),
                            resource_policy_type="kms_key")
        for value, name in ((request, "action"), (decision, "allowed")):
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(value, name, "changed")
        assert hash(Decision(True, "Allow", ("S",), "r")) == hash(Decision(True, "Allow", ("S",), "r"))

    def test_owner_account_is_the_given_account_else_the_arns_account_field(self) -> None:
        assert req().owner_account() == ACCT
        assert Request(role("Admin"), "kms:Decrypt", KEY, resource_account=OTHER).owner_account() == OTHER
        assert s3(account=OTHER).owner_account() == OTHER
        for resource in (BUCKET, "arn:aws:kms:us-east-1:12345:key/k", "kms:us-east-1:111111111111:key/k:x:y"):
            with pytest.raises(ValueError, match="resource_account"):
                Request(role("Admin"), "kms:Decrypt", resource).owner_account()


# ------------------------------------------------------------------------------------ policy document shape


def refusal(document: Any, *, resource_policy: bool = False) -> str:
    """The PolicyError message for a document given as the caller's identity policy (or as the resource policy)."""
    with pytest.raises(PolicyError) as raised:
        if resource_policy:
            evaluate(s3(), resource_policy=document)
        else:
            evaluate(s3(), identity_policies=[document])
    return str(raised.value)


class TestDocumentShape:
    """Grammar of the IAM JSON policy language (GRAMMAR): what AWS refuses to store is refused, naming where."""

    @pytest.mark.parametrize("document, message", [
        ("{not json", r"^policy\[0\]: invalid JSON"),
        (["not", "an", "object"], r"^policy\[0\]: a policy document must be an object"),
        ({"Version": "2012-10-17", "Statement": [], "Statements": []}, r"^policy\[0\]: unknown policy element\(s\) Statements"),
        ({"Version": "2012-10-18", "Statement": [allow()]}, r"^policy\[0\]: Version must be .*'2012-10-18'"),
        ({"Version": "2012-10-17", "Statement": "Allow everything"}, r"^policy\[0\]: Statement must be an object or a list"),
        ({"Version": "2012-10-17"}, r"^policy\[0\]: Statement must be an object or a list"),
        (policy("Allow"), r"^policy\[0\]\.Statement\[0\]: a statement must be an object"),
        (policy(allow(Sid=7)), r"^policy\[0\]\.Statement\[0\] \(Sid 7\): Sid must be a string"),
    ])
    def test_malformed_documents_are_refused_naming_the_document(self, document: Any, message: str) -> None:
        with pytest.raises(PolicyError, match=message):
            evaluate(s3(), identity_policies=[document])

    def test_a_policy_given_as_json_text_is_read_like_the_object(self) -> None:
        text = json.dumps(policy(allow("s3:GetObject")))
        assert evaluate(s3(), identity_policies=[text]).allowed
        assert not evaluate(s3(action="s3:PutObject"), identity_policies=[text]).allowed

    def test_resource_policy_problems_are_named_as_the_resource_policy(self) -> None:
        assert refusal({"Statement": [], "Id": "x", "Foo": 1}, resource_policy=True).startswith("resource_policy: unknown")

    @pytest.mark.parametrize("action", [[], 5, ["s3:GetObject", 5], {"s3": "GetObject"}])
    def test_action_must_be_a_string_or_a_non_empty_list_of_strings(self, action: Any) -> None:
        with pytest.raises(PolicyError, match=r"Statement\[0\]: Action must be a string or a non-empty list of strings"):
            evaluate(s3(), identity_policies=[policy(allow(action))])

    @pytest.mark.parametrize("resource", [[], ["arn:aws:s3:::bucket/*", None]])
    def test_not_resource_must_be_a_string_or_a_non_empty_list_of_strings(self, resource: Any) -> None:
        stmt = {"Effect": "Allow", "Action": "s3:*", "NotResource": resource}
        with pytest.raises(PolicyError, match=r"NotResource must be a string or a non-empty list of strings"):
            evaluate(s3(), identity_policies=[policy(stmt)])

    def test_identity_statement_needs_a_resource_resource_statement_does_not(self) -> None:
        """GRAMMAR: Resource/NotResource is required in identity policies; a role trust policy has none."""
        with pytest.raises(PolicyError, match=r"Statement\[0\]: the statement needs Resource or NotResource"):
            evaluate(s3(), identity_policies=[policy({"Effect": "Allow", "Action": "s3:*"})])
        trust = policy({"Effect": "Allow", "Principal": {"AWS": role("Ci")}, "Action": "sts:AssumeRole"})
        assume = Request(role("Ci"), "sts:AssumeRole", role("Deployer"))
        assert evaluate(assume, resource_policy=trust).kind == "Allow"
        assert not evaluate(Request(role("Ci"), "sts:TagSession", role("Deployer")), resource_policy=trust).allowed

    def test_not_principal_star_is_refused_even_when_the_statement_would_not_match(self) -> None:
        """NotPrincipal: no wildcard; every policy is validated before deciding, so the refusal does not
        depend on the request reaching the bad statement (here its action never matches)."""
        bad = {"Effect": "Deny", "NotPrincipal": "*", "Action": "sns:Publish", "Resource": "*"}
        with pytest.raises(PolicyError, match="NotPrincipal"):
            evaluate(s3(), resource_policy=policy(allow(Principal="*"), bad))
        with pytest.raises(PolicyError, match="NotPrincipal"):
            statement_test(bad, version="2012-10-17", for_resource_policy=True)

    def test_a_document_json_cannot_encode_is_still_validated(self) -> None:
        """A value json cannot serialise (bytes) bypasses the parse cache but is refused all the same."""
        with pytest.raises(PolicyError, match="Action must be a string"):
            evaluate(s3(), identity_policies=[policy(allow(b"s3:GetObject"))])
        document = policy(allow("s3:GetObject", Sid="Bytes"))
        document["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceAccount": ACCT}}
        document["Id"] = b"raw"
        assert evaluate(s3(**{"aws:SourceAccount": ACCT}), identity_policies=[document]).deciding == ("Bytes",)


# ------------------------------------------------------------------------------------- actions and resources


class TestResources:
    VARIABLE = "arn:aws:s3:::bucket/${aws:username}/*"

    def test_not_resource_with_an_unresolvable_variable_never_applies(self) -> None:
        """Policy variables (IAM guide): a variable that cannot be resolved makes the value match nothing; with
        NotResource the safe reading is that the statement does not apply, whatever the other entries say."""
        stmt = {"Effect": "Deny", "Action": "s3:*", "NotResource": [self.VARIABLE, "arn:aws:s3:::other/*"]}
        assert not statement_matches(stmt, s3(), for_resource_policy=False)
        assert statement_matches(stmt, s3(**{"aws:username": "alice"}), for_resource_policy=False)
        alice_own = Request(role("Admin"), "s3:GetObject", BUCKET + "/alice/f", {"aws:username": "alice"}, resource_account=ACCT)
        assert not statement_matches(stmt, alice_own, for_resource_policy=False)

    def test_resource_with_an_unresolvable_variable_matches_nothing_but_its_other_entries_still_match(self) -> None:
        stmt = allow("s3:*", [self.VARIABLE, BUCKET + "/f"])
        assert statement_matches(stmt, s3(), for_resource_policy=False)
        only_variable = allow("s3:*", self.VARIABLE)
        assert not statement_matches(only_variable, s3(), for_resource_policy=False)
        assert not statement_matches(allow("s3:*", "arn:aws:s3:::bucket/${aws:username}"), s3(), for_resource_policy=False)

    def test_resource_policy_statement_without_resource_applies_to_the_resource_it_is_attached_to(self) -> None:
        trust = {"Effect": "Allow", "Principal": {"AWS": role("Ci")}, "Action": "sts:AssumeRole"}
        assert statement_matches(trust, Request(role("Ci"), "sts:AssumeRole", role("Deployer")), for_resource_policy=True)
        assert statement_matches(trust, Request(role("Ci"), "sts:AssumeRole", role("Other")), for_resource_policy=True)


# ------------------------------------------------------------------------------------ one statement, many requests


class TestStatementTest:
    """``statement_test``: one statement parsed once, asked about many requests (which principals a Deny exempts)."""

    DENY_OTHERS = {"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
                   "Condition": {"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/Ssn"}}}

    def test_it_answers_per_request_like_statement_matches(self) -> None:
        applies = statement_test(self.DENY_OTHERS, version="2012-10-17", for_resource_policy=True)
        assert applies(req(principal=role("Admin"))) is True
        assert applies(req(principal=role("Ssn"))) is False
        assert applies(req(principal=session("Ssn"))) is False
        assert applies(req(principal=role("Ssn", OTHER))) is False  # the variable is the caller's own account
        assert applies(req(principal=role("Admin"), action="kms:Encrypt")) is False
        assert applies(Request(session("Ssn"), "kms:Decrypt", KEY, role_path="/ops/")) is True
        for request in (req(principal=role("Admin")), req(principal=role("Ssn"))):
            assert applies(request) is statement_matches(self.DENY_OTHERS, request, for_resource_policy=True)

    def test_policy_variables_are_substituted_only_in_version_2012_10_17(self) -> None:
        """IAM guide, "Policy variables": without Version 2012-10-17 ``${...}`` is literal text."""
        for version in (None, "2008-10-17"):
            literal = statement_test(self.DENY_OTHERS, version=version, for_resource_policy=True)
            assert literal(req(principal=role("Ssn"))) is True, version

    def test_it_validates_the_statement_once_up_front(self) -> None:
        with pytest.raises(PolicyError, match=r"^Statement: an identity policy statement cannot have Principal"):
            statement_test(self.DENY_OTHERS, version="2012-10-17", for_resource_policy=False)


# ------------------------------------------------------------------------------------------------ decisions


def kms(principal: str, key_policy: dict[str, Any] | None, *identity: dict[str, Any], action: str = "kms:Decrypt") -> Decision:
    return evaluate(req(principal=principal, action=action), identity_policies=[policy(*identity)] if identity else [],
                    resource_policy=key_policy, resource_policy_type="kms_key")


DELEGATE = {"Sid": "EnableIAM", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
ROLE_USE = {"Sid": "RoleUse", "Effect": "Allow", "Principal": {"AWS": role("App")}, "Action": "kms:Decrypt", "Resource": "*"}
IAM_USE = {"Sid": "IamUse", **allow("kms:Decrypt")}


class TestSameAccountDecisions:
    """EVALUATION: within one account an Allow in the identity policy OR in the resource policy is enough."""

    def test_root_user_is_allowed_by_its_implicit_access_and_the_reason_says_so(self) -> None:
        decision = evaluate(s3(ROOT))
        assert decision == Decision(True, "Allow", (ROOT_USER,), f"allowed by the root user's full access to its account {ACCT}")
        with_policy = evaluate(s3(ROOT), identity_policies=[policy(allow("s3:*", Sid="Mine"))])
        assert with_policy.deciding == ("Mine", ROOT_USER)
        assert with_policy.reason == ("allowed by identity policy statement Mine and the root user's full access to its "
                                      f"account {ACCT}")

    def test_root_user_of_another_account_has_no_implicit_access(self) -> None:
        decision = evaluate(s3(f"arn:aws:iam::{OTHER}:root"), resource_policy=policy(allow(Principal={"AWS": ROOT})))
        assert decision.kind == "ImplicitDeny"

    def test_identity_and_resource_allow_are_both_named(self) -> None:
        bucket = policy({"Sid": "Bucket", **allow("s3:GetObject", Principal={"AWS": role("Admin")})},
                        {"Sid": "Bucket2", **allow("s3:Get*", Principal={"AWS": role("Admin")})})
        decision = evaluate(s3(role("Admin")), identity_policies=[policy(allow("s3:*", Sid="Id"))], resource_policy=bucket)
        assert decision == Decision(True, "Allow", ("Id", "Bucket", "Bucket2"),
                                    "allowed by identity policy statement Id and resource policy statements Bucket, Bucket2")

    def test_repeated_sids_are_named_once(self) -> None:
        identity = [policy(allow("s3:*", Sid="Same")), policy(allow("s3:Get*", Sid="Same"))]
        decision = evaluate(s3(role("Admin")), identity_policies=identity)
        assert decision.deciding == ("Same",)
        assert decision.reason == "allowed by identity policy statement Same"

    def test_account_principal_alone_only_delegates(self) -> None:
        bucket = policy({"Sid": "Acct", **allow("s3:*", Principal={"AWS": ACCT})})
        decision = evaluate(s3(role("Admin")), resource_policy=bucket)
        assert decision == Decision(False, "ImplicitDeny", (), f"resource policy statement Acct allows account {ACCT}, which "
                                    "only delegates to its IAM policies, and no identity policy allows s3:GetObject")

    def test_nothing_allows(self) -> None:
        assert evaluate(s3(role("Admin"))) == Decision(False, "ImplicitDeny", (), "no statement allows s3:GetObject")

    def test_service_principal_allowed_only_by_the_resource_policy_naming_it(self) -> None:
        bucket = policy({"Sid": "Logs", **allow("s3:PutObject", Principal={"Service": "logging.s3.amazonaws.com"})},
                        {"Sid": "Acct", **allow("s3:*", Principal={"AWS": ROOT})})
        put = Request("logging.s3.amazonaws.com", "s3:PutObject", BUCKET + "/f", resource_account=ACCT)
        assert evaluate(put, identity_policies=[policy(allow())], resource_policy=bucket) == Decision(
            True, "Allow", ("Logs",), "allowed by resource policy statement Logs (service principal logging.s3.amazonaws.com)")
        get = Request("logging.s3.amazonaws.com", "s3:GetObject", BUCKET + "/f", resource_account=ACCT)
        assert evaluate(get, identity_policies=[policy(allow())], resource_policy=bucket) == Decision(
            False, "ImplicitDeny", (), "no resource policy statement allows service principal logging.s3.amazonaws.com "
            "to call s3:GetObject")


class TestKmsDecisions:
    """KMS key policies: the key policy is authoritative; IAM policies count only through delegation to the account."""

    def test_a_key_policy_naming_the_role_decides_alone(self) -> None:
        decision = kms(role("App"), policy(ROLE_USE, DELEGATE), IAM_USE)
        assert decision == Decision(True, "Allow", ("RoleUse",), "allowed by key policy statement RoleUse")

    def test_delegation_plus_identity_policy_allows_and_names_both(self) -> None:
        decision = kms(role("Admin"), policy(DELEGATE), IAM_USE)
        assert decision == Decision(True, "Allow", ("IamUse", "EnableIAM"),
                                    "allowed by identity policy statement IamUse and key policy statement EnableIAM "
                                    f"(delegated to account {ACCT})")

    def test_delegation_without_identity_policy(self) -> None:
        decision = kms(role("Admin"), policy(DELEGATE))
        assert decision == Decision(False, "ImplicitDeny", (), "key policy statement EnableIAM delegates kms:Decrypt to account "
                                    f"{ACCT}, but no identity policy allows it")

    def test_identity_policy_without_delegation(self) -> None:
        decision = kms(role("Admin"), policy(ROLE_USE), IAM_USE)
        assert decision == Decision(False, "ImplicitDeny", (), "identity policy statement IamUse would allow kms:Decrypt, but "
                                    f"the key policy neither allows the principal nor delegates kms:Decrypt to account {ACCT}")

    def test_no_key_policy_allows_nobody(self) -> None:
        assert kms(ROOT, None, IAM_USE) == Decision(False, "ImplicitDeny", (), "no key policy was given, and without one KMS "
                                                    "allows nobody kms:Decrypt")

    def test_a_key_policy_that_allows_nothing_to_the_caller(self) -> None:
        assert kms(role("Admin"), policy(ROLE_USE)) == Decision(False, "ImplicitDeny", (), "no statement allows kms:Decrypt")


class TestCrossAccountDecisions:
    """CROSS_ACCOUNT: the resource policy AND the caller's identity policy must both allow."""

    CALLER = role("Partner", OTHER)
    GRANT = {"Sid": "Partner", **allow("s3:GetObject", Principal={"AWS": OTHER})}
    PREFIX = f"cross-account request from account {OTHER} to account {ACCT}"

    def test_both_allow(self) -> None:
        decision = evaluate(s3(self.CALLER), identity_policies=[policy(allow("s3:*", Sid="Out"))], resource_policy=policy(self.GRANT))
        assert decision == Decision(True, "Allow", ("Out", "Partner"), "allowed by identity policy statement Out and resource "
                                    f"policy statement Partner (cross-account from {OTHER})")

    def test_the_resource_policy_alone(self) -> None:
        decision = evaluate(s3(self.CALLER), resource_policy=policy(self.GRANT))
        assert decision == Decision(False, "ImplicitDeny", (), f"{self.PREFIX}: resource policy statement Partner allows "
                                    "s3:GetObject, but no identity policy of the caller does")

    def test_the_identity_policy_alone(self) -> None:
        decision = evaluate(s3(self.CALLER), identity_policies=[policy(allow("s3:*", Sid="Out"))],
                            resource_policy=policy({"Sid": "Mine", **allow("s3:*", Principal={"AWS": ACCT})}))
        assert decision == Decision(False, "ImplicitDeny", (), f"{self.PREFIX}: identity policy statement Out allows "
                                    "s3:GetObject, but the resource policy does not")

    def test_without_a_resource_policy(self) -> None:
        decision = evaluate(s3(self.CALLER), identity_policies=[policy(allow())])
        assert decision == Decision(False, "ImplicitDeny", (), f"{self.PREFIX}: without a resource policy nothing can allow "
                                    "s3:GetObject")
        key = kms(role("Partner", OTHER), None, allow())
        assert key.reason == (f"cross-account request from account {OTHER} to account {ACCT}: without a key policy nothing "
                              "can allow kms:Decrypt")

    def test_neither_allows(self) -> None:
        decision = evaluate(s3(self.CALLER), resource_policy=policy(allow(Principal={"AWS": ROOT})))
        assert decision == Decision(False, "ImplicitDeny", (), "no statement allows s3:GetObject")


class TestExplicitDeny:
    def test_every_matching_deny_is_named_with_its_policy(self) -> None:
        identity = [policy(allow()), policy({"Sid": "NoS3", **deny("s3:*")})]
        bucket = policy({"Sid": "Lock", **deny("s3:Get*", Principal="*")}, allow(Principal="*"))
        decision = evaluate(s3(role("Admin")), identity_policies=identity, resource_policy=bucket)
        assert decision == Decision(False, "ExplicitDeny", ("NoS3", "Lock"), "explicitly denied by statement NoS3 of identity "
                                    "policy 1 and statement Lock of the resource policy")


class TestArguments:
    def test_identity_policies_must_be_a_sequence_of_documents(self) -> None:
        for single in (policy(allow()), json.dumps(policy(allow()))):
            with pytest.raises(TypeError, match="identity_policies must be a sequence"):
                evaluate(s3(role("Admin")), identity_policies=single)  # type: ignore[arg-type]

    def test_resource_policy_type_must_be_resource_or_kms_key(self) -> None:
        with pytest.raises(ValueError, match="resource_policy_type must be 'resource' or 'kms_key', not 'bucket'"):
            evaluate(s3(role("Admin")), resource_policy=policy(allow(Principal="*")), resource_policy_type="bucket")  # type: ignore[arg-type]

    def test_a_service_caller_has_no_identity_policies(self) -> None:
        """A service principal is not an IAM identity: identity policies passed with it are ignored."""
        decision = evaluate(s3("backup.amazonaws.com"), identity_policies=[policy(allow()), policy(deny())])
        assert decision.kind == "ImplicitDeny"
