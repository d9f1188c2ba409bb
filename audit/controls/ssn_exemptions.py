"""BG-05: the SSN DENY statements exempt exactly the documented principals, and no other principal named in an
SSN vault or key policy can restore, decrypt, copy out, delete or tag.

BG-01 asks a fixed matrix of principals; a DENY that exempts one more *named* role passes it. This control
is exact instead. For every DENY statement on the four SSN resources it computes, with the policy evaluator
(``audit.policy.evaluate`` on the statement alone, so operators, ``IfExists``, ``ForAllValues``, case-folded
keys, ``NotPrincipal`` and principal matching are read as everywhere else), which (principal, path)
pairs the statement does not apply to, and compares that set with the documented one
(``DOCUMENTED``; docs/break-glass-design.md). The principals asked are the standard ones of both accounts
(administrators, roots, another role, an outside account, the backup roles, the break-glass roles, a
service principal) **plus
every principal named anywhere in the four policies** (``Principal``/``NotPrincipal`` entries and the values
of principal condition keys, wildcards made concrete), so an exemption cannot hide behind a name no fixed
list contains. The paths are a direct call and calls through AWS Backup, DynamoDB (``kms:ViaService``) and
CloudFormation (``aws:CalledVia``).

Then every such extra principal (named in a policy, not one of the documented ones) is asked, as an
administrator of its account would be, for the actions that matter on the resource: restore, restore
metadata, copy out, delete, decrypt, grants, key destruction and tagging. Any allow fails, naming it.

A documented DENY missing from its policy fails; a DENY whose Sid is not documented must apply to every
principal on every path. While a recorded
break-glass is open (BG-04 reports it), the documented exemptions of the break-glass change are expected
too, and nothing more.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from audit import break_glass as bg
from audit.controls import Outcome
from audit.controls.access import ALLOW_ALL, OUTSIDE_ACCOUNT, Target, target
from audit.controls.registry import control
from audit.policy import PolicyError, Request, evaluate, statement_test
from audit.snapshot import Posture

# paths: the context a call carries besides the principal's own keys
DIRECT, VIA_BACKUP, VIA_DYNAMODB, VIA_CLOUDFORMATION = ("directly", "through AWS Backup", "through DynamoDB",
                                                        "through CloudFormation")
PATHS = (DIRECT, VIA_BACKUP, VIA_DYNAMODB, VIA_CLOUDFORMATION)
EVERY_PATH = frozenset(PATHS)

# documented principals (symbols resolved per environment by ``_documented_arns``)
SSN_ROLE, BREAK_GLASS_OF_SIDE, ANYONE = "the SSN backup role", "the break-glass role of the resource's account", "anyone"

# what an extra principal must never get, by resource kind
SENSITIVE = {
    "resource": ("backup:StartRestoreJob", "backup:GetRecoveryPointRestoreMetadata", "backup:StartCopyJob",
                 "backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle", "backup:DeleteBackupVault",
                 "backup:TagResource", "backup:UntagResource"),
    "kms_key": ("kms:Decrypt", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:ScheduleKeyDeletion", "kms:DisableKey",
                "kms:TagResource", "kms:UntagResource"),
}


@dataclass(frozen=True)
class Documented:
    """The documented reach of one DENY: ``exempt`` maps a principal symbol to the paths on which the DENY
    does not apply to it; with ``only`` the DENY applies to nothing but those (symbol, paths) instead."""

    exempt: Mapping[str, frozenset[str]]
    only: bool = False


def _exempt(**symbols: frozenset[str]) -> Documented:
    return Documented({_SYMBOLS[k]: v for k, v in symbols.items()})


_SYMBOLS = {"ssn": SSN_ROLE, "break_glass": BREAK_GLASS_OF_SIDE, "anyone": ANYONE}
_POLICY_CHANGE = _exempt(break_glass=EVERY_PATH, anyone=frozenset({VIA_CLOUDFORMATION}))
NOBODY = Documented({})

# (resource, Sid) -> documented reach; the tables of docs/break-glass-design.md
DOCUMENTED: dict[tuple[str, str], Documented] = {
    (bg.LOCAL_VAULT, bg.COPY_IN_DENY_SID): _exempt(ssn=EVERY_PATH),
    (bg.LOCAL_VAULT, bg.RESTORE_DENY_SID): NOBODY,
    (bg.LOCAL_VAULT, "BreakGlassDenySSNCopyOut"): _exempt(ssn=EVERY_PATH),
    (bg.LOCAL_VAULT, "BreakGlassDenySSNRecoveryPointDestruction"): NOBODY,
    (bg.LOCAL_VAULT, "BreakGlassDenySSNVaultPolicyChange"): _POLICY_CHANGE,
    (bg.LOCAL_VAULT, "BreakGlassDenySSNTagChange"): _POLICY_CHANGE,
    (bg.LOCAL_KEY, bg.KEY_USE_DENY_SID): _exempt(ssn=EVERY_PATH, break_glass=EVERY_PATH),
    (bg.LOCAL_KEY, "BreakGlassDenySSNRoleOutsideAWSBackup"): Documented(
        {SSN_ROLE: frozenset({DIRECT, VIA_CLOUDFORMATION})}, only=True),
    (bg.LOCAL_KEY, "DenyKeyDestruction"): NOBODY,
    (bg.LOCAL_KEY, "BreakGlassDenySSNKeyTagChange"): _POLICY_CHANGE,
    (bg.CROSS_VAULT, "DenyCopyFromAnyoneButSSNBackupRole"): _exempt(ssn=EVERY_PATH),
    (bg.CROSS_VAULT, bg.RESTORE_DENY_SID): NOBODY,
    (bg.CROSS_VAULT, "BreakGlassDenySSNRecoveryPointDestruction"): NOBODY,
    (bg.CROSS_VAULT, "BreakGlassDenySSNVaultPolicyChange"): _POLICY_CHANGE,
    (bg.CROSS_VAULT, "BreakGlassDenySSNTagChange"): _POLICY_CHANGE,
    (bg.CROSS_KEY, bg.KEY_USE_DENY_SID): _exempt(ssn=EVERY_PATH, break_glass=EVERY_PATH),
    (bg.CROSS_KEY, "BreakGlassDenySSNRoleOutsideAWSBackup"): Documented(
        {SSN_ROLE: frozenset({DIRECT, VIA_DYNAMODB, VIA_CLOUDFORMATION})}, only=True),
    (bg.CROSS_KEY, "DenyKeyDestruction"): NOBODY,
    (bg.CROSS_KEY, "BreakGlassDenySSNKeyTagChange"): _POLICY_CHANGE,
}


@dataclass(frozen=True)
class Candidate:
    """A principal the control asks about: a readable name and the ARN (or service) that calls."""

    name: str
    arn: str


# principals ------------------------------------------------------------------------------------------
_PRINCIPAL_KEYS = {"aws:principalarn", "aws:sourcearn", "aws:userid", "aws:username"}
_ACCOUNT_KEYS = {"aws:principalaccount", "aws:sourceaccount", "aws:sourceowner"}
_SERVICE_KEYS = {"aws:principalservicename", "aws:principalservicenameslist"}
_ACCOUNT = re.compile(r"\d{12}")
_ARN_ACCOUNT = re.compile(r"arn:[^:]+:(?:iam|sts)::(\d{12}|[*?]+):")


def _concrete(value: str) -> str:
    """A name a wildcard pattern matches (``*``/``?`` made concrete), so a pattern is asked like a name."""
    return value.replace("*", "x").replace("?", "x")


def _as_caller(value: Any) -> list[str]:
    """The callers a principal entry or principal condition value names: ARNs, account ids (their root
    and a role in them), services."""
    if not isinstance(value, str) or value in ("*", ""):
        return []
    text = _concrete(value)
    if _ACCOUNT.fullmatch(text):
        return [f"arn:aws:iam::{text}:root", f"arn:aws:iam::{text}:role/a-role-of-{text}"]
    if text.startswith("arn:"):
        match = _ARN_ACCOUNT.match(text)
        return [text] if match else []
    if text.endswith(".amazonaws.com") or text.endswith(".amazonaws.com.cn"):
        return [text]
    return []


def _values(raw: Any) -> list[Any]:
    return list(raw) if isinstance(raw, list) else [raw]


def named_callers(policy: Mapping[str, Any] | None) -> list[str]:
    """Every caller a policy names: in ``Principal``/``NotPrincipal`` and in principal condition keys."""
    found: list[str] = []
    for statement in bg.statements_of(policy):
        for element in ("Principal", "NotPrincipal"):
            raw = statement.get(element)
            entries = raw.values() if isinstance(raw, dict) else [raw]
            for entry in entries:
                for value in _values(entry):
                    found += _as_caller(value)
        condition = statement.get("Condition")
        for keys in (condition.values() if isinstance(condition, dict) else []):
            for key, raw in (keys.items() if isinstance(keys, dict) else []):
                name = str(key).lower()
                if name in _PRINCIPAL_KEYS | _ACCOUNT_KEYS | _SERVICE_KEYS:
                    for value in _values(raw):
                        found += _as_caller(value)
    return list(dict.fromkeys(found))


def _documented_arns(posture: Posture, label: str) -> dict[str, set[str]]:
    """Symbol -> the ARNs it stands for, for a resource of ``label``."""
    env = posture.env
    roles = bg.roles(env["environment_account_id"], env["backup_account_id"], env["break_glass_role_name"])
    return {SSN_ROLE: {f"arn:aws:iam::{env['environment_account_id']}:role/{env['ssn_role_name']}"},
            BREAK_GLASS_OF_SIDE: {roles.of(bg.SIDE[label])}}


def standard_candidates(posture: Posture) -> list[Candidate]:
    env = posture.env
    found = []
    for side in ("environment", "backup"):
        account = posture.account(side)
        found += [Candidate(f"an administrator of the {side} account", f"arn:aws:iam::{account}:role/Administrator"),
                  Candidate(f"the {side} account root", f"arn:aws:iam::{account}:root"),
                  Candidate(f"another role of the {side} account", f"arn:aws:iam::{account}:role/any-other-role"),
                  Candidate(f"the break-glass role of the {side} account",
                            f"arn:aws:iam::{account}:role/{env['break_glass_role_name']}")]
    account = posture.account("environment")
    found += [Candidate("an outside account", f"arn:aws:iam::{OUTSIDE_ACCOUNT}:role/Administrator"),
              Candidate("the SSN backup role", f"arn:aws:iam::{account}:role/{env['ssn_role_name']}"),
              Candidate("the general backup role", f"arn:aws:iam::{account}:role/{env['general_role_name']}"),
              Candidate("an AWS service principal", "backup.amazonaws.com")]
    return found


def candidates(posture: Posture, policies: Iterable[Mapping[str, Any] | None]) -> tuple[list[Candidate], list[Candidate]]:
    """(standard, extra): the standard principals, and every other caller the policies name."""
    standard = standard_candidates(posture)
    known = {c.arn for c in standard}
    extra = []
    for policy in policies:
        for arn in named_callers(policy):
            if arn not in known:
                known.add(arn)
                extra.append(Candidate(arn, arn))
    return standard, extra


# evaluation ------------------------------------------------------------------------------------------
def _context(posture: Posture, label: str, path: str) -> dict[str, Any]:
    region = posture.region(bg.SIDE[label])
    context: dict[str, Any] = {"aws:PrincipalOrgID": posture.env["organization_id"]}
    if path == VIA_BACKUP:
        context["kms:ViaService"] = f"backup.{region}.amazonaws.com"
    elif path == VIA_DYNAMODB:
        context["kms:ViaService"] = f"dynamodb.{region}.amazonaws.com"
    elif path == VIA_CLOUDFORMATION:
        context["aws:CalledVia"] = ["cloudformation.amazonaws.com"]
    return context


def _actions(statement: Mapping[str, Any], kind: str) -> list[str]:
    """Concrete actions a DENY names (``kms:ReEncrypt*`` asked as ``kms:ReEncrypt``); a ``NotAction`` or
    service-wide wildcard is asked with the sensitive actions of the resource."""
    if "Action" not in statement:
        return list(SENSITIVE[kind])
    concrete = []
    for action in _values(statement.get("Action")):
        text = str(action).replace("*", "")
        concrete.append(text) if ":" in text and not text.endswith(":") else concrete.extend(SENSITIVE[kind])
    return list(dict.fromkeys(concrete))


def _same_as_direct(statement: Mapping[str, Any], path: str) -> bool:
    """A path's answer is the direct call's when the statement reads none of the keys that path adds (and
    no policy variable could): the context differs in nothing else."""
    if path == DIRECT:
        return False
    text = json.dumps(statement).lower()
    key = "aws:calledvia" if path == VIA_CLOUDFORMATION else "kms:viaservice"
    return key not in text and "${" not in text


def exempted_pairs(posture: Posture, label: str, where: Target, statement: Mapping[str, Any], version: Any,
                   asked: list[Candidate]) -> set[tuple[str, str]]:
    """The (principal, path) pairs the DENY ``statement`` does not apply to for at least one of its actions
    (the evaluator's reading of the statement alone: principal, action, resource and conditions)."""
    applies = statement_test(statement, version=version, for_resource_policy=True)
    actions = _actions(statement, where.kind)
    direct: set[str] = set()
    found = set()
    for path in PATHS:
        if _same_as_direct(statement, path):
            found |= {(name, path) for name in direct}
            continue
        context = _context(posture, label, path)
        for who in asked:
            if not all(applies(Request(who.arn, action, where.arn, context, resource_account=where.account_id))
                       for action in actions):
                found.add((who.name, path))
                if path == DIRECT:
                    direct.add(who.name)
    return found


def expected_pairs(posture: Posture, label: str, sid: str | None, asked: list[Candidate],
                   open_exemptions: Iterable[str]) -> set[tuple[str, str]]:
    """The documented (principal, path) pairs the DENY ``sid`` of ``label`` does not apply to."""
    documented = DOCUMENTED.get((label, str(sid)), NOBODY)
    arns = _documented_arns(posture, label)
    reach: dict[str, set[str]] = {}
    for symbol, paths in documented.exempt.items():
        for who in asked:
            if symbol == ANYONE or who.arn in arns.get(symbol, set()):
                reach.setdefault(who.name, set()).update(paths)
    for role in open_exemptions:  # a recorded, open break-glass adds its roles on every path
        for who in asked:
            if who.arn == role:
                reach.setdefault(who.name, set()).update(PATHS)
    pairs = {(name, path) for name, paths in reach.items() for path in paths}
    if documented.only:
        return {(who.name, path) for who in asked for path in PATHS} - pairs
    return pairs


def _describe(pairs: set[tuple[str, str]], asked: list[Candidate]) -> str:
    """``pairs`` for a reader: a path every principal asked shares is said once, as "anyone"."""
    by_who: dict[str, set[str]] = {}
    for who, path in pairs:
        by_who.setdefault(who, set()).add(path)
    shared = set(PATHS)
    for candidate in asked:
        shared &= by_who.get(candidate.name, set())
    parts = [f"anyone ({', '.join(p for p in PATHS if p in shared)})"] if shared else []
    for who in sorted(by_who):
        paths = by_who[who] - shared
        if paths:
            parts.append(f"{who} ({'every path' if paths == set(PATHS) else ', '.join(p for p in PATHS if p in paths)})")
    return "; ".join(parts) or "nobody"


def _open_exemptions(posture: Posture, label: str, policy: Mapping[str, Any] | None, item: Mapping[str, Any] | None,
                     sid: str | None) -> list[str]:
    """The roles the break-glass change exempts from ``sid``, while a recorded break-glass is open."""
    env = posture.env
    role_of = bg.roles(env["environment_account_id"], env["backup_account_id"], env["break_glass_role_name"])
    change = bg.change(label, role_of, posture.region(bg.SIDE[label]))
    state = bg.state(label, policy, (item or {}).get("break_glass_tags") or {}, change)
    return [role for exempt_sid, role in change.exemptions if exempt_sid == sid] if state.status == bg.OPEN else []


@control("BG-05", "the SSN DENY statements exempt exactly the documented principals, and no other principal named "
         "in the SSN policies may restore, decrypt, copy out, delete or tag",
         severity="critical",
         fix="exempt exactly the documented principals in the SSN DENY statements and name no other principal in "
             "the SSN vault and key policies (docs/break-glass-design.md); redeploy the stack")
def exact_exemptions(posture: Posture) -> Outcome:
    """BG-05 (see the module docstring)."""
    outcome = Outcome()
    targets = {label: target(posture, label) for label in bg.RESOURCES}
    standard, extra = candidates(posture, [t.policy for t in targets.values() if t.found])
    asked = standard + extra
    for label, where in targets.items():
        outcome.subject(f"{label} ({where.arn or 'missing'})")
        if not where.found or where.policy is None:
            outcome.check(False, f"{label}: not found in the {posture.mode} posture, or it has no policy")
            continue
        item = posture.key_by_arn(where.arn) if where.kind == "kms_key" else posture.vault_by_arn(where.arn)
        origin = (item or {}).get("origin")
        version = where.policy.get("Version")
        try:
            _check_denies(outcome, posture, label, where, version, asked, item, origin)
            _check_extra_access(outcome, posture, label, where, extra, origin)
        except PolicyError as exc:
            outcome.check(False, f"{label} {where.arn}: the policy cannot be evaluated: {exc}", origin=origin)
    return outcome


def _check_denies(outcome: Outcome, posture: Posture, label: str, where: Target, version: Any,
                  asked: list[Candidate], item: Mapping[str, Any] | None, origin: dict[str, Any] | None) -> None:
    denies = [s for s in bg.statements_of(where.policy) if s.get("Effect") == "Deny"]
    present = {str(s.get("Sid")) for s in denies}
    for (documented_label, documented_sid) in DOCUMENTED:
        if documented_label == label and documented_sid not in present:
            outcome.check(False, f"{label} DENY {documented_sid}: documented, but not in the policy", origin=origin)
    for statement in denies:
        sid = statement.get("Sid")
        actual = exempted_pairs(posture, label, where, statement, version, asked)
        expected = expected_pairs(posture, label, sid, asked, _open_exemptions(posture, label, where.policy, item, sid))
        name = f"{label} DENY {sid or '(no Sid)'}"
        if actual == expected:
            everyone = {(who.name, path) for who in asked for path in PATHS}
            said = (f"applies, as documented, only to {_describe(everyone - actual, asked)}"
                    if DOCUMENTED.get((label, str(sid)), NOBODY).only
                    else f"exempts exactly the documented principals: {_describe(actual, asked)}")
            outcome.check(True, f"{name}: {said}", origin=origin)
            continue
        problems = []
        if actual - expected:
            problems.append("also exempts " + _describe(actual - expected, asked))
        if expected - actual:
            problems.append("no longer exempts " + _describe(expected - actual, asked))
        undocumented = "" if (label, str(sid)) in DOCUMENTED else " (an undocumented DENY must apply to everyone)"
        outcome.check(False, f"{name}: {'; '.join(problems)}{undocumented}", origin=origin)


def _check_extra_access(outcome: Outcome, posture: Posture, label: str, where: Target, extra: list[Candidate],
                        origin: dict[str, Any] | None) -> None:
    documented = set().union(*_documented_arns(posture, label).values())
    for who in extra:
        if who.arn in documented:
            continue
        allowed = sorted({f"{action} {path}" for path in (DIRECT, VIA_BACKUP, VIA_DYNAMODB)
                          for action in SENSITIVE[where.kind]
                          if evaluate(Request(who.arn, action, where.arn, _context(posture, label, path),
                                              resource_account=where.account_id),
                                      identity_policies=[ALLOW_ALL], resource_policy=where.policy,
                                      resource_policy_type=where.kind).allowed})
        gains = f"may {', '.join(allowed)}" if allowed else "gains none of restore, decrypt, copy out, delete or tag"
        outcome.check(not allowed, f"{label}: {who.name}, named in an SSN policy, {gains}", origin=origin)
