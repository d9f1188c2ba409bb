"""Who may do what to a vault or a key: principals modelled from the snapshot, decided by the policy
evaluator (``audit.policy``), never by matching policy text.

Principals: an administrator (an IAM role allowed everything by its identity policy), the account root,
an outside account's administrator (inside the organization: the strongest outsider), the general and the
SSN backup roles with their real identity policies (AWS managed policies whose text the snapshot does not
hold are modelled as allowing everything, which can only make a denial harder to prove), and the
break-glass role (allowed everything by IAM, as it would be once created in an emergency).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audit.policy import Decision, Request, ResourcePolicyType, evaluate
from audit.snapshot import Posture

OUTSIDE_ACCOUNT = "999999999999"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Sid": "AllowAll", "Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass
class Principal:
    label: str
    arn: str
    identity_policies: list[dict[str, Any]]
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class Target:
    label: str
    arn: str
    account_id: str
    policy: dict[str, Any] | None
    kind: ResourcePolicyType  # "resource" or "kms_key"
    found: bool = True


def identity_policies(role: dict[str, Any] | None) -> list[dict[str, Any]]:
    if role is None:
        return []
    policies = [doc for doc in role["inline_policies"].values() if doc]
    policies += [doc if doc else ALLOW_ALL for doc in role["managed_policies"].values()]
    return policies


def _org(posture: Posture) -> dict[str, Any]:
    return {"aws:PrincipalOrgID": posture.env["organization_id"]}


def _role_principal(posture: Posture, label: str, name: str | None, via_region: str | None) -> Principal:
    arn = f"arn:aws:iam::{posture.account('environment')}:role/{name}"
    role = posture.role_by_arn(arn)
    context = _org(posture)
    if via_region:
        context["kms:ViaService"] = f"backup.{via_region}.amazonaws.com"
    return Principal(label, arn, identity_policies(role), context)


def principal(posture: Posture, label: str, side: str) -> Principal:
    """The principal a feature names, in the account of ``side`` where that matters."""
    account, env = posture.account(side), posture.env
    region = posture.region(side)
    named = {
        "an administrator": lambda: Principal(label, f"arn:aws:iam::{account}:role/Administrator", [ALLOW_ALL], _org(posture)),
        "the account root": lambda: Principal(label, f"arn:aws:iam::{account}:root", [], _org(posture)),
        "an outside account": lambda: Principal(label, f"arn:aws:iam::{OUTSIDE_ACCOUNT}:role/Administrator", [ALLOW_ALL],
                                                _org(posture)),
        "the break-glass role": lambda: Principal(label, f"arn:aws:iam::{account}:role/{env['break_glass_role_name']}", [ALLOW_ALL],
                                                  _org(posture)),
        "the general backup role": lambda: _role_principal(posture, label, env["general_role_name"], None),
        "the general backup role through AWS Backup": lambda: _role_principal(posture, label, env["general_role_name"], region),
        "the SSN backup role": lambda: _role_principal(posture, label, env["ssn_role_name"], None),
        "the SSN backup role through AWS Backup": lambda: _role_principal(posture, label, env["ssn_role_name"], region),
    }
    if label not in named:
        raise ValueError(f"unknown principal {label!r} (known: {', '.join(named)})")
    return named[label]()


TARGETS = {
    "local SSN vault": ("environment", "ssn", "vault"), "cross-account SSN vault": ("backup", "ssn", "vault"),
    "local SSN key": ("environment", "ssn", "key"), "cross-account SSN key": ("backup", "ssn", "key"),
    "local general vault": ("environment", "general", "vault"), "cross-account general vault": ("backup", "general", "vault"),
    "local general key": ("environment", "general", "key"), "cross-account general key": ("backup", "general", "key"),
}


def target(posture: Posture, label: str) -> Target:
    if label not in TARGETS:
        raise ValueError(f"unknown target {label!r} (known: {', '.join(TARGETS)})")
    side, kind, what = TARGETS[label]
    vaults = posture.vaults(side=side, kind=kind)
    account = posture.account(side)
    if not vaults:
        return Target(label, "", account, None, "resource", found=False)
    vault = vaults[0]
    if what == "vault":
        return Target(label, vault["arn"], account, vault["access_policy"] or {"Statement": []}, "resource")
    key = posture.key_by_arn(vault["encryption_key_arn"])
    if key is None:
        return Target(label, str(vault["encryption_key_arn"]), account, None, "kms_key", found=False)
    return Target(label, key["arn"], account, key["policy"], "kms_key")


def side_of_target(label: str) -> str:
    return TARGETS[label][0]


def decide(who: Principal, action: str, where: Target, **context: Any) -> Decision:
    return evaluate(Request(who.arn, action, where.arn or "arn:aws:backup:::missing", {**who.context, **context},
                            resource_account=where.account_id),
                    identity_policies=who.identity_policies, resource_policy=where.policy, resource_policy_type=where.kind)
