"""Evaluate AWS IAM policies for one request, following the AWS "Policy evaluation logic" documentation.

Why this is written by hand: no maintained Python library evaluates IAM policies *with conditions*. The
best evaluator, @cloud-copilot/iam-simulate, is a Node package, and this project is standard-library
Python. Text matching on policy JSON cannot prove the properties the audit needs, for example "an
administrator, the account root, the general backup role and an outside account are denied
``kms:Decrypt`` on the SSN key, while the SSN backup role calling through AWS Backup is allowed": that
depends on ``Deny`` + ``ArnNotEquals`` on a missing or present key, on KMS key-policy delegation to the
account, and on cross-account rules. Hence a real evaluator, with each rule unit-tested.

What is modelled: identity policies, one resource-based policy (S3 bucket policy, backup vault access
policy, SNS topic policy...) or a KMS key policy, explicit deny, same- and cross-account logic, KMS
delegation to the account, service principals, and the account root user's implicit full access to its own
account. ``NotPrincipal`` follows the IAM guide's page: a ``Deny`` exempts a role session only when it lists
the account, the role and that session; an ``Allow`` never applies to a caller it names in any way. What AWS
refuses when a policy is saved (``grammar``: partial wildcards in principals, actions without a service
prefix, resources that are not ARNs, principal types the resource cannot have) raises ``PolicyError``.
Not modelled: SCPs/RCPs, permissions boundaries, session policies, VPC endpoint policies, grants.

Public API: ``Request``, ``Decision``, ``evaluate``, ``statement_matches``, ``PolicyError``.
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from audit.policy.conditions import Condition, conditions_match, parse_conditions
from audit.policy.grammar import check_actions, check_resources
from audit.policy.matching import (
    ACCOUNT_ID,
    Caller,
    Context,
    PolicyError,
    PrincipalMatch,
    expand,
    glob_match,
    match_principal,
    not_principal_applies,
    parse_caller,
    principal_values,
    tokens_to_regex,
)

__all__ = ["Decision", "PolicyError", "ROOT_USER", "Request", "evaluate", "statement_matches"]

ResourcePolicyType = Literal["resource", "kms_key"]
DecisionKind = Literal["ExplicitDeny", "Allow", "ImplicitDeny"]

ROOT_USER = "(account root user)"
"""Pseudo-label in ``Decision.deciding`` when the root user's implicit access to its own account decided."""

_STATEMENT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                   "NotResource", "Condition"}
_POLICY_KEYS = {"Version", "Id", "Statement"}
_VERSIONS = {"2012-10-17", "2008-10-17"}


@dataclass(frozen=True)
class Request:
    """One API call to authorise: who calls, which action, on which resource, with which context keys."""

    principal: str  # IAM role/user ARN, account root ARN, role session ARN or "events.amazonaws.com"
    action: str  # "kms:Decrypt"; matched case-insensitively
    resource: str  # resource ARN
    context: Mapping[str, Any] = field(default_factory=dict)  # condition keys (names case-insensitive)
    resource_account: str | None = None  # owner account; required when the ARN has none (S3 buckets)
    role_path: str | None = None  # a role session's role path ("/ops/"): aws:PrincipalArn shows it; default "/"

    def owner_account(self) -> str:
        """The account owning the resource: ``resource_account`` or the ARN's account field."""
        if self.resource_account:
            return self.resource_account
        parts = self.resource.split(":", 5)
        if len(parts) == 6 and parts[0] == "arn" and ACCOUNT_ID.match(parts[4]):
            return parts[4]
        raise ValueError(f"resource {self.resource!r} names no account: pass resource_account")


@dataclass(frozen=True)
class Decision:
    """The outcome, the statements that decided it, and one sentence an auditor can read."""

    allowed: bool
    kind: DecisionKind
    deciding: tuple[str, ...]  # Sids, or "policy[i].Statement[j]" / "resource_policy.Statement[j]"
    reason: str


@dataclass(frozen=True)
class _Statement:
    """A validated statement, ready to match."""

    label: str  # the Sid, else its position
    source: str  # "identity policy 0", "the resource policy" or "the key policy" (for reasons)
    where: str  # position and Sid (for error messages)
    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None  # None: no Resource element (allowed in resource policies)
    not_resource: bool
    principal: Any  # None in identity policies
    not_principal: bool
    conditions: tuple[Condition, ...]
    variables: bool  # policy variables are substituted (Version 2012-10-17)


# ------------------------------------------------------------------------------------------ parsing


def _string_list(raw: Any, name: str, where: str) -> tuple[str, ...]:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items or not all(isinstance(item, str) for item in items):
        raise PolicyError(f"{where}: {name} must be a string or a non-empty list of strings")
    return tuple(items)


def _element_pair(raw: Mapping[str, Any], name: str, where: str, *, required: bool) -> tuple[Any, bool]:
    """Read ``X`` or ``NotX`` (never both): returns ``(value, is_not)``; value ``None`` when absent."""
    not_name = "Not" + name
    if name in raw and not_name in raw:
        raise PolicyError(f"{where}: a statement cannot have both {name} and {not_name}")
    if name not in raw and not_name not in raw:
        if required:
            raise PolicyError(f"{where}: the statement needs {name} or {not_name}")
        return None, False
    is_not = not_name in raw
    return raw[not_name if is_not else name], is_not


def _statement_where(position: str, raw: Mapping[str, Any]) -> str:
    sid = raw.get("Sid")
    return f"{position} (Sid {sid!r})" if sid else position


def _parse_principal(raw: Mapping[str, Any], where: str, for_resource_policy: bool) -> tuple[Any, bool]:
    """Resource policies must name a principal; identity policies must not. ``NotPrincipal: "*"`` would
    except everyone (a statement that never applies), and AWS allows no wildcard there: refused."""
    principal, is_not = _element_pair(raw, "Principal", where, required=for_resource_policy)
    if principal is not None and not for_resource_policy:
        raise PolicyError(f"{where}: an identity policy statement cannot have Principal or NotPrincipal")
    if principal is not None:
        name = "NotPrincipal" if is_not else "Principal"
        values = principal_values(principal, where, name=name)  # validates the shape and every entry
        if is_not and "*" in values.get("AWS", []):
            raise PolicyError(f"{where}: NotPrincipal \"*\" excepts every principal, so the statement could "
                              "never apply; AWS allows no wildcard in NotPrincipal")
    return principal, is_not


def _parse_statement(
    raw: Any, *, position: str, source: str, for_resource_policy: bool, variables: bool
) -> _Statement:
    """Validate one statement; anything AWS would reject raises ``PolicyError`` naming it and the field."""
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{position}: a statement must be an object")
    where = _statement_where(position, raw)
    unknown = sorted(set(raw) - _STATEMENT_KEYS)
    if unknown:
        raise PolicyError(f"{where}: unknown statement element(s) {', '.join(unknown)}")
    if raw.get("Sid") is not None and not isinstance(raw["Sid"], str):
        raise PolicyError(f"{where}: Sid must be a string")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where}: Effect must be \"Allow\" or \"Deny\", not {effect!r}")
    actions, not_action = _element_pair(raw, "Action", where, required=True)
    resources, not_resource = _element_pair(raw, "Resource", where, required=not for_resource_policy)
    principal, not_principal = _parse_principal(raw, where, for_resource_policy)
    conditions = parse_conditions(raw["Condition"], where, variables=variables) if "Condition" in raw else ()
    action_name, resource_name = ("NotAction" if not_action else "Action"), ("NotResource" if not_resource else "Resource")
    action_list = _string_list(actions, action_name, where)
    check_actions(action_list, action_name, where)
    resource_list = None if resources is None else _string_list(resources, resource_name, where)
    if resource_list is not None:
        check_resources(resource_list, resource_name, where)
    return _Statement(
        label=raw.get("Sid") or position,
        source=source,
        where=where,
        effect=effect,
        actions=action_list,
        not_action=not_action,
        resources=resource_list,
        not_resource=not_resource,
        principal=principal,
        not_principal=not_principal,
        conditions=conditions,
        variables=variables,
    )


def _load_document(document: Any, position: str) -> Mapping[str, Any]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as exc:
            raise PolicyError(f"{position}: invalid JSON: {exc.msg}") from None
    if not isinstance(document, Mapping):
        raise PolicyError(f"{position}: a policy document must be an object")
    unknown = sorted(set(document) - _POLICY_KEYS)
    if unknown:
        raise PolicyError(f"{position}: unknown policy element(s) {', '.join(unknown)}")
    return document


def _parse_policy(document: Any, *, position: str, source: str, for_resource_policy: bool) -> list[_Statement]:
    """Parse a policy document (memoised on its canonical JSON: an audit asks about the same few policies
    hundreds of times, and parsed statements are immutable)."""
    try:
        text = document if isinstance(document, str) else json.dumps(document, sort_keys=True)
    except (TypeError, ValueError):
        return _parse_policy_uncached(document, position=position, source=source, for_resource_policy=for_resource_policy)
    return list(_parse_policy_cached(text, position, source, for_resource_policy))


@functools.lru_cache(maxsize=512)
def _parse_policy_cached(text: str, position: str, source: str, for_resource_policy: bool) -> tuple[_Statement, ...]:
    return tuple(_parse_policy_uncached(text, position=position, source=source, for_resource_policy=for_resource_policy))


def _parse_policy_uncached(document: Any, *, position: str, source: str, for_resource_policy: bool) -> list[_Statement]:
    """Parse a policy document. Without ``Version`` AWS applies 2008-10-17: no policy variables."""
    document = _load_document(document, position)
    version = document.get("Version")
    if version is not None and version not in _VERSIONS:
        raise PolicyError(f"{position}: Version must be 2012-10-17 or 2008-10-17, not {version!r}")
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        raise PolicyError(f"{position}: Statement must be an object or a list of objects")
    return [
        _parse_statement(raw, position=f"{position}.Statement[{index}]", source=source,
                         for_resource_policy=for_resource_policy, variables=version == "2012-10-17")
        for index, raw in enumerate(statements)
    ]


# ----------------------------------------------------------------------------------------- matching


def _default_context(caller: Caller) -> dict[str, Any]:
    """The principal keys AWS adds to every request context (the caller's own values win)."""
    if caller.is_service:
        return {"aws:PrincipalIsAWSService": True, "aws:PrincipalServiceName": caller.raw,
                "aws:PrincipalServiceNamesList": [caller.raw]}
    return {
        "aws:PrincipalArn": caller.arn,
        "aws:PrincipalAccount": caller.account,
        "aws:PrincipalType": caller.principal_type,
        "aws:PrincipalIsAWSService": False,
    }


def _effective_context(request: Request, caller: Caller) -> Context:
    return Context(_default_context(caller), request.context)


def _action_matches(stmt: _Statement, action: str) -> bool:
    hit = any(glob_match(pattern, action, ignore_case=True) for pattern in stmt.actions)
    return hit != stmt.not_action


def _resource_matches(stmt: _Statement, resource: str, context: Context) -> bool:
    """Case-sensitive wildcard match; a pattern whose variable cannot be resolved matches nothing.

    With ``NotResource`` an unresolvable variable makes the statement not apply (AWS: the statement may be
    invalid) rather than turning it into "every resource".
    """
    if stmt.resources is None:
        return True
    patterns = [expand(p, context if stmt.variables else None, wildcards=True) for p in stmt.resources]
    if stmt.not_resource and any(p is None for p in patterns):
        return False
    hit = any(p is not None and tokens_to_regex(p).fullmatch(resource) for p in patterns)
    return hit != stmt.not_resource


def _principal_match(stmt: _Statement, caller: Caller) -> PrincipalMatch:
    if stmt.principal is None:  # identity policy: applies to the identity it is attached to
        return PrincipalMatch.DIRECT
    if stmt.not_principal:
        applies = not_principal_applies(stmt.principal, caller, stmt.where, effect=stmt.effect)
        return PrincipalMatch.DIRECT if applies else PrincipalMatch.NONE
    return match_principal(stmt.principal, caller, stmt.where)


_S3_ARN = re.compile(r"^arn:[a-z-]+:s3:")
_ROLE_ARN = re.compile(r"^arn:[a-z-]+:iam::\d{12}:role/")


def _check_principal_kinds(stmt: _Statement, request: Request) -> None:
    """Refuse principal types that cannot apply to the resource asked about, rather than let them match
    nobody: ``CanonicalUser`` exists only in S3 bucket policies (IAM guide, "Principal": "Amazon S3 lets you
    specify a canonical user ID"), ``Federated`` only in role trust policies."""
    if not isinstance(stmt.principal, Mapping):
        return
    element = "NotPrincipal" if stmt.not_principal else "Principal"
    if "CanonicalUser" in stmt.principal and not _S3_ARN.match(request.resource):
        raise PolicyError(f"{stmt.where}: {element} CanonicalUser applies only to S3 bucket policies, "
                          f"not to {request.resource}")
    if "Federated" in stmt.principal and not _ROLE_ARN.match(request.resource):
        raise PolicyError(f"{stmt.where}: {element} Federated applies only to IAM role trust policies, "
                          f"not to {request.resource}")


def _statement_match(stmt: _Statement, request: Request, caller: Caller, context: Context) -> PrincipalMatch:
    """How the statement applies to the request (``NONE``: it does not)."""
    _check_principal_kinds(stmt, request)
    if not _action_matches(stmt, request.action) or not _resource_matches(stmt, request.resource, context):
        return PrincipalMatch.NONE
    matched = _principal_match(stmt, caller)
    if matched is PrincipalMatch.NONE or not conditions_match(stmt.conditions, context):
        return PrincipalMatch.NONE
    return matched


def statement_matches(statement: Mapping[str, Any], request: Request, *, for_resource_policy: bool) -> bool:
    """Does this one statement apply to the request (principal, action, resource and conditions)?

    The statement is read as part of a ``Version: 2012-10-17`` policy (policy variables substituted); the
    principal's default context keys are added as in ``evaluate``.
    """
    caller = parse_caller(request.principal, role_path=request.role_path)
    stmt = _parse_statement(statement, position="Statement", source="the policy",
                            for_resource_policy=for_resource_policy, variables=True)
    return _statement_match(stmt, request, caller, _effective_context(request, caller)) is not PrincipalMatch.NONE


def statement_test(statement: Mapping[str, Any], *, version: str | None, for_resource_policy: bool) -> Callable[[Request], bool]:
    """``statement_matches`` with the statement parsed once: the returned function says whether the
    statement applies to a request. For questions that ask one statement about many requests (which
    principals a DENY exempts); ``version`` is the policy's (policy variables only with 2012-10-17)."""
    stmt = _parse_statement(statement, position="Statement", source="the policy",
                            for_resource_policy=for_resource_policy, variables=version == "2012-10-17")

    def applies(request: Request) -> bool:
        caller = parse_caller(request.principal, role_path=request.role_path)
        return _statement_match(stmt, request, caller, _effective_context(request, caller)) is not PrincipalMatch.NONE
    return applies


# ---------------------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class _Matches:
    """The matching Allow statements, split by what the final decision needs."""

    identity: tuple[_Statement, ...]
    direct: tuple[_Statement, ...]  # resource policy Allows naming the caller itself (or "*")
    account: tuple[_Statement, ...]  # resource policy Allows naming only the caller's account
    root: bool  # the caller is an account root user: full access within its own account

    @property
    def identity_allows(self) -> bool:
        return bool(self.identity) or self.root


@dataclass(frozen=True)
class _Situation:
    request: Request
    caller: Caller
    matches: _Matches
    has_resource_policy: bool
    policy_name: str  # "resource policy" or "key policy"


def _unique(labels: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(labels))


def _phrase(kind: str, stmts: Sequence[_Statement]) -> str:
    labels = _unique([s.label for s in stmts])
    return f"{kind} statement{'s' if len(labels) > 1 else ''} {', '.join(labels)}"


def _identity_phrase(m: _Matches, caller: Caller) -> str:
    parts = [_phrase("identity policy", m.identity)] if m.identity else []
    if m.root:
        parts.append(f"the root user's full access to its account {caller.account}")
    return " and ".join(parts)


def _allow(s: _Situation, *, identity: bool, resource: Sequence[_Statement], suffix: str = "") -> Decision:
    """An Allow decided by the identity side (when ``identity``) and/or the given resource statements."""
    m = s.matches
    labels: list[str] = []
    phrases: list[str] = []
    if identity:
        labels += [st.label for st in m.identity] + ([ROOT_USER] if m.root else [])
        phrases.append(_identity_phrase(m, s.caller))
    if resource:
        labels += [st.label for st in resource]
        phrases.append(_phrase(s.policy_name, resource))
    return Decision(True, "Allow", _unique(labels), f"allowed by {' and '.join(phrases)}{suffix}")


def _implicit(reason: str) -> Decision:
    return Decision(False, "ImplicitDeny", (), reason)


def _explicit_deny(denies: Sequence[_Statement]) -> Decision:
    parts = [f"statement {s.label} of {s.source}" for s in denies]
    return Decision(False, "ExplicitDeny", _unique([s.label for s in denies]),
                    f"explicitly denied by {' and '.join(dict.fromkeys(parts))}")


def _nothing_allows(s: _Situation) -> Decision:
    return _implicit(f"no statement allows {s.request.action}")


def _decide_service(s: _Situation) -> Decision:
    """Service principals have no identity policies: only a resource policy statement can allow them."""
    if s.matches.direct:
        return _allow(s, identity=False, resource=s.matches.direct, suffix=f" (service principal {s.caller.raw})")
    return _implicit(f"no {s.policy_name} statement allows service principal {s.caller.raw} "
                     f"to call {s.request.action}")


def _decide_resource_same_account(s: _Situation) -> Decision:
    """Same account: the identity policy OR a resource policy statement naming the caller is enough.

    A statement naming only the account (root ARN or id) delegates to the account's IAM policies, so on its
    own it allows nothing.
    """
    m = s.matches
    if m.identity_allows or m.direct:
        return _allow(s, identity=m.identity_allows, resource=m.direct)
    if m.account:
        return _implicit(f"{_phrase(s.policy_name, m.account)} allows account {s.caller.account}, which only "
                         f"delegates to its IAM policies, and no identity policy allows {s.request.action}")
    return _nothing_allows(s)


def _decide_kms_same_account(s: _Situation) -> Decision:
    """KMS: the key policy is authoritative; IAM policies count only if it delegates to the account."""
    m, action, account = s.matches, s.request.action, s.caller.account
    if not s.has_resource_policy:
        return _implicit(f"no key policy was given, and without one KMS allows nobody {action}")
    if m.direct:
        return _allow(s, identity=False, resource=m.direct)
    if m.account and m.identity_allows:
        return _allow(s, identity=True, resource=m.account, suffix=f" (delegated to account {account})")
    if m.account:
        return _implicit(f"{_phrase('key policy', m.account)} delegates {action} to account {account}, "
                         "but no identity policy allows it")
    if m.identity_allows:
        return _implicit(f"{_identity_phrase(m, s.caller)} would allow {action}, but the key policy neither "
                         f"allows the principal nor delegates {action} to account {account}")
    return _nothing_allows(s)


def _decide_cross_account(s: _Situation, owner: str) -> Decision:
    """Cross account: the resource (or key) policy AND the caller's identity policy must both allow."""
    m, action, origin = s.matches, s.request.action, s.caller.account
    prefix = f"cross-account request from account {origin} to account {owner}"
    if not s.has_resource_policy:
        return _implicit(f"{prefix}: without a {s.policy_name} nothing can allow {action}")
    granted = m.direct + m.account
    if granted and m.identity_allows:
        return _allow(s, identity=True, resource=granted, suffix=f" (cross-account from {origin})")
    if granted:
        return _implicit(f"{prefix}: {_phrase(s.policy_name, granted)} allows {action}, "
                         "but no identity policy of the caller does")
    if m.identity_allows:
        return _implicit(f"{prefix}: {_identity_phrase(m, s.caller)} allows {action}, "
                         f"but the {s.policy_name} does not")
    return _nothing_allows(s)


def _decide(s: _Situation, policy_type: ResourcePolicyType) -> Decision:
    if s.caller.is_service:
        return _decide_service(s)
    owner = s.request.owner_account()
    if s.caller.account != owner:
        return _decide_cross_account(s, owner)
    if policy_type == "kms_key":
        return _decide_kms_same_account(s)
    return _decide_resource_same_account(s)


def _parse_identity_policies(policies: Sequence[Any]) -> list[_Statement]:
    if isinstance(policies, (Mapping, str)):
        raise TypeError("identity_policies must be a sequence of policy documents, not a single document")
    return [
        stmt
        for index, document in enumerate(policies)
        for stmt in _parse_policy(document, position=f"policy[{index}]", source=f"identity policy {index}",
                                  for_resource_policy=False)
    ]


def evaluate(
    request: Request,
    *,
    identity_policies: Sequence[Mapping[str, Any]] = (),
    resource_policy: Mapping[str, Any] | None = None,
    resource_policy_type: ResourcePolicyType = "resource",
) -> Decision:
    """Decide the request: any matching Deny wins, then the same-/cross-account and KMS allow rules.

    ``identity_policies`` are the caller's (ignored for service principals, which have none);
    ``resource_policy`` is the target's resource-based policy, or its key policy when
    ``resource_policy_type="kms_key"``. All policies are validated first: malformed input raises
    ``PolicyError`` even if the answer would not depend on the bad statement.
    """
    if resource_policy_type not in ("resource", "kms_key"):
        raise ValueError(f"resource_policy_type must be 'resource' or 'kms_key', not {resource_policy_type!r}")
    caller = parse_caller(request.principal, role_path=request.role_path)
    policy_name = "key policy" if resource_policy_type == "kms_key" else "resource policy"
    identity = _parse_identity_policies(identity_policies)
    resource = (
        _parse_policy(resource_policy, position="resource_policy", source=f"the {policy_name}",
                      for_resource_policy=True)
        if resource_policy is not None
        else []
    )
    if caller.is_service:
        identity = []
    context = _effective_context(request, caller)
    identity_hits = [st for st in identity
                     if _statement_match(st, request, caller, context) is not PrincipalMatch.NONE]
    resource_hits = [(st, how) for st in resource
                     if (how := _statement_match(st, request, caller, context)) is not PrincipalMatch.NONE]
    denies = [st for st in identity_hits if st.effect == "Deny"]
    denies += [st for st, _ in resource_hits if st.effect == "Deny"]
    if denies:
        return _explicit_deny(denies)
    allows = [(st, how) for st, how in resource_hits if st.effect == "Allow"]
    matches = _Matches(
        identity=tuple(st for st in identity_hits if st.effect == "Allow"),
        direct=tuple(st for st, how in allows if how is PrincipalMatch.DIRECT),
        account=tuple(st for st, how in allows if how is PrincipalMatch.ACCOUNT),
        root=caller.kind == "root",
    )
    situation = _Situation(request, caller, matches, resource_policy is not None, policy_name)
    return _decide(situation, resource_policy_type)
