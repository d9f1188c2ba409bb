"""The documented break-glass change: the one source of the temporary statements that open SSN restores,
applied and reverted by ``retention break-glass`` (``audit.break_glass.ops``, ``scripts/break-glass.sh``),
printed into the runbook (``audit.break_glass.doc``) and evaluated by the audit (BG-03, BG-04).

Restores run in the account that holds the recovery point (a vault access policy can grant another account
nothing but ``backup:CopyIntoBackupVault``), so each side opens to its own break-glass role of the
configured name: the environment account's role on the local SSN vault and key, the backup account's role
on the cross-account SSN vault and key. The change on each of the four resources:

- local SSN vault: the restore DENY exempts the environment's break-glass role and an Allow names it
  (restore, restore metadata); the DENY of copies into the vault exempts the backup account's break-glass
  role and an Allow lets it copy in (the "copy back" of a cross-account copy before a local restore);
- local SSN key: an Allow gives the environment's break-glass role Decrypt (its DENY already exempts it);
  the key DENY exempts the backup account's break-glass role and an Allow lets it encrypt through AWS
  Backup (the copy back);
- cross-account SSN vault: the restore DENY (restore, metadata, copy out) exempts the backup account's
  break-glass role and an Allow names it;
- cross-account SSN key: an Allow gives the backup account's break-glass role Decrypt.

Grants are limited to AWS resources (``kms:GrantIsForAWSResource``): a grant a person made to themself
would outlive the close. An exemption is merged into the DENY's condition (``ArnNotEquals
aws:PrincipalArn``), so nobody's decision changes but the role's.

Closing trusts the templates, never the tags. Anyone allowed ``TagResource`` on a vault or key can write its
tags, so a record kept there can be forged; the record (``Record``: ticket, time, caller, role, the SHA-256
of the policy the open replaced) is information for people and BG-04, never an instruction. ``close_policy``
removes the added statements by Sid and puts back each DENY the change exempts as the deployed template
has it (``template`` below: the static snapshot of the same configuration); ``template_differences`` then
names every statement where the result still differs from the template, and the close refuses rather than
write a policy nobody reviewed. Tagging the SSN vaults and keys is itself denied to everyone but the
break-glass role and CloudFormation (``BreakGlassDenySSNTagChange``), so a forged record also needs a
recorded policy change (docs/break-glass-design.md, "What the break-glass trusts").
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from audit.terminal import one_line

# the four resources, named as audit.controls.access names its targets
LOCAL_VAULT, LOCAL_KEY = "local SSN vault", "local SSN key"
CROSS_VAULT, CROSS_KEY = "cross-account SSN vault", "cross-account SSN key"
RESOURCES = (LOCAL_VAULT, LOCAL_KEY, CROSS_VAULT, CROSS_KEY)
SIDE = {LOCAL_VAULT: "environment", LOCAL_KEY: "environment", CROSS_VAULT: "backup", CROSS_KEY: "backup"}
KIND = {LOCAL_VAULT: "vault", LOCAL_KEY: "key", CROSS_VAULT: "vault", CROSS_KEY: "key"}

# statements of the deployed templates the change exempts a role from
RESTORE_DENY_SID = "BreakGlassDenySSNRestore"
COPY_IN_DENY_SID = "DenyBackupsFromAnyoneButSSNBackupRole"
KEY_USE_DENY_SID = "BreakGlassDenySSNKeyUse"
# statements the change adds
VAULT_ALLOW_SID = "BreakGlassAllowRestore"
COPY_BACK_ALLOW_SID = "BreakGlassAllowCopyBack"
KEY_ALLOW_SID = "BreakGlassAllowDecrypt"
KEY_GRANTS_SID = "BreakGlassAllowDecryptGrants"
KEY_COPY_BACK_SID = "BreakGlassAllowCopyBackEncrypt"
KEY_COPY_BACK_GRANTS_SID = "BreakGlassAllowCopyBackGrants"

TAG_PREFIX = "compact-retention:break-glass-"
TAG_TICKET, TAG_OPENED_AT, TAG_OPENED_BY = TAG_PREFIX + "ticket", TAG_PREFIX + "opened-at", TAG_PREFIX + "opened-by"
TAG_ROLE, TAG_PRE_OPEN = TAG_PREFIX + "role", TAG_PREFIX + "pre-open-sha256"
TAG_VALUE_LIMIT = 256
# tag-, session-name- and file-name-safe, and free of the ':' and '/' the runbook forbids; matched on the
# whole value (``fullmatch``), so a trailing newline is refused, not recorded as ``INC-77_``
TICKET_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+=@-]{0,63}")
_TAG_UNSAFE = re.compile(r"[^\w .:/=+@-]")

CLOSED, OPEN, RECORDED, UNRECORDED = "closed", "open", "recorded but not applied", "applied without a record"


# roles -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Roles:
    """The break-glass role of each side (same name, one per account)."""

    environment: str
    backup: str

    def of(self, side: str) -> str:
        return self.environment if side == "environment" else self.backup


def roles(environment_account: str, backup_account: str, role_name: str, partition: str = "aws") -> Roles:
    return Roles(f"arn:{partition}:iam::{environment_account}:role/{role_name}",
                 f"arn:{partition}:iam::{backup_account}:role/{role_name}")


def config_roles(cfg: Mapping[str, Any]) -> Roles:
    """The break-glass roles of an environment's (merged) configuration."""
    return roles(cfg["environment_account_id"], cfg["backup_account_id"], cfg["roles"]["break_glass_role_name"])


# the change ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """The break-glass change of one resource: DENY statements (by Sid) that exempt a role, and the
    statements added."""

    label: str
    exemptions: tuple[tuple[str, str], ...]
    statements: tuple[Mapping[str, Any], ...]

    @property
    def added_sids(self) -> tuple[str, ...]:
        return tuple(s["Sid"] for s in self.statements)


def _allow(sid: str, role: str, actions: list[str], condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": role}, "Action": actions, "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return statement


def change(label: str, role_of: Roles, region: str) -> Change:
    """The change of ``label`` (one of ``RESOURCES``) in ``region``, the resource's region."""
    env, bkp = role_of.environment, role_of.backup
    for_aws_resources = {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    if label == LOCAL_VAULT:
        return Change(label, ((RESTORE_DENY_SID, env), (COPY_IN_DENY_SID, bkp)), (
            _allow(VAULT_ALLOW_SID, env, ["backup:StartRestoreJob", "backup:GetRecoveryPointRestoreMetadata"]),
            _allow(COPY_BACK_ALLOW_SID, bkp, ["backup:CopyIntoBackupVault"])))
    if label == LOCAL_KEY:
        return Change(label, ((KEY_USE_DENY_SID, bkp),), (
            _allow(KEY_ALLOW_SID, env, ["kms:Decrypt", "kms:DescribeKey"]),
            _allow(KEY_GRANTS_SID, env, ["kms:CreateGrant"], for_aws_resources),
            _allow(KEY_COPY_BACK_SID, bkp, ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                            "kms:DescribeKey"],
                   {"StringEquals": {"kms:ViaService": f"backup.{region}.amazonaws.com"}}),
            _allow(KEY_COPY_BACK_GRANTS_SID, bkp, ["kms:CreateGrant"], for_aws_resources)))
    if label == CROSS_VAULT:
        return Change(label, ((RESTORE_DENY_SID, bkp),), (
            _allow(VAULT_ALLOW_SID, bkp, ["backup:StartRestoreJob", "backup:GetRecoveryPointRestoreMetadata",
                                          "backup:StartCopyJob"]),))
    if label == CROSS_KEY:
        return Change(label, (), (
            _allow(KEY_ALLOW_SID, bkp, ["kms:Decrypt", "kms:DescribeKey"]),
            _allow(KEY_GRANTS_SID, bkp, ["kms:CreateGrant"], for_aws_resources)))
    raise ValueError(f"unknown break-glass resource {label!r} (known: {', '.join(RESOURCES)})")


def changes(role_of: Roles, regions: Mapping[str, str]) -> dict[str, Change]:
    """The change of every resource; ``regions`` maps a side to its region."""
    return {label: change(label, role_of, regions[SIDE[label]]) for label in RESOURCES}


# policies --------------------------------------------------------------------------------------------
def statements_of(policy: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    statements = (policy or {}).get("Statement") or []
    return [statements] if isinstance(statements, dict) else list(statements)


def _values(value: Any) -> list[Any]:
    return [] if value is None else (list(value) if isinstance(value, list) else [value])


def _principal_arn_key(operator: Mapping[str, Any]) -> str:
    return next((k for k in operator if k.lower() == "aws:principalarn"), "aws:PrincipalArn")


def exempted(condition: Mapping[str, Any] | None, role: str) -> dict[str, Any]:
    """``condition`` with ``role`` added to its ``ArnNotEquals aws:PrincipalArn`` (created if absent): a DENY
    with it no longer applies to the role, and applies to everyone else exactly as before."""
    result = copy.deepcopy(dict(condition or {}))
    operator = result.setdefault("ArnNotEquals", {})
    key = _principal_arn_key(operator)
    values = _values(operator.get(key))
    if role not in values:
        values.append(role)
    operator[key] = values[0] if len(values) == 1 else values
    return result


def exempts(statement: Mapping[str, Any], role: str) -> bool:
    operator = (statement.get("Condition") or {}).get("ArnNotEquals") or {}
    return role in _values(operator.get(_principal_arn_key(operator)))


def open_policy(policy: Mapping[str, Any] | None, change_: Change) -> dict[str, Any]:
    """``policy`` with the change applied: each DENY it names exempts its role, the added statements last."""
    opened: dict[str, Any] = copy.deepcopy(dict(policy)) if policy else {"Version": "2012-10-17", "Statement": []}
    kept = []
    for statement in statements_of(opened):
        if statement.get("Sid") in change_.added_sids:
            continue  # replaced by the change's own version below
        for sid, role in change_.exemptions:
            if statement.get("Sid") == sid and statement.get("Effect") == "Deny":
                statement = {**statement, "Condition": exempted(statement.get("Condition"), role)}
        kept.append(statement)
    opened["Statement"] = [*kept, *copy.deepcopy(list(change_.statements))]
    return opened


def unexempted(statement: Mapping[str, Any], role: str) -> dict[str, Any]:
    """``statement`` without ``role`` in its ``ArnNotEquals aws:PrincipalArn`` (an emptied key, operator or
    condition block removed): the inverse of ``exempted``."""
    result = copy.deepcopy(dict(statement))
    condition = result.get("Condition") or {}
    operator = condition.get("ArnNotEquals") or {}
    key = _principal_arn_key(operator)
    if key not in operator:
        return result
    values = [v for v in _values(operator[key]) if v != role]
    if values:
        operator[key] = values[0] if len(values) == 1 else values
    else:
        del operator[key]
        if not operator:
            del condition["ArnNotEquals"]
    if not condition:
        result.pop("Condition", None)
    return result


def _resolved(value: Any) -> bool:
    """No value only AWS knows (rendered ``{{Logical.Attribute}}`` by the static source) is left in it."""
    return "{{" not in json.dumps(value)


def close_policy(policy: Mapping[str, Any] | None, change_: Change, template: Mapping[str, Any]) -> dict[str, Any]:
    """The policy with the change taken out, rebuilt from the deployed ``template``: the added statements
    removed by Sid; each DENY the change exempts without the exemption, or, where that is not the template's
    statement (an exemption added by someone else, a widened condition), the template's statement itself;
    a DENY the template has and the policy lost, back from the template. Nothing else is touched, and
    nothing comes from the resource's tags: ``template_differences`` says whether the result is the
    template."""
    from audit.drift import same_statement

    closed: dict[str, Any] = copy.deepcopy(dict(policy)) if policy else {"Version": "2012-10-17", "Statement": []}
    wanted = {sid: s for s in statements_of(template) if (sid := s.get("Sid")) in _exempted_sids(change_)}
    kept, seen = [], set()
    for statement in statements_of(closed):
        sid = statement.get("Sid")
        if sid in change_.added_sids:
            continue
        if sid in wanted and statement.get("Effect") == "Deny":
            seen.add(sid)
            for exempt_sid, role in change_.exemptions:
                if exempt_sid == sid:
                    statement = unexempted(statement, role)
            if not same_statement(wanted[sid], statement) and _resolved(wanted[sid]):
                statement = copy.deepcopy(dict(wanted[sid]))
        kept.append(statement)
    kept += [copy.deepcopy(dict(s)) for sid, s in wanted.items() if sid not in seen and _resolved(s)]
    closed["Statement"] = kept
    return closed


def _exempted_sids(change_: Change) -> set[str]:
    return {sid for sid, _ in change_.exemptions}


def _statement_key(statement: Mapping[str, Any]) -> str:
    return str(statement.get("Sid")) if statement.get("Sid") else "(no Sid) " + json.dumps(statement, sort_keys=True)[:80]


def template_differences(policy: Mapping[str, Any] | None, template: Mapping[str, Any] | None) -> list[str]:
    """Every statement (by Sid) where ``policy`` is not the deployed ``template`` (values only AWS knows
    match whatever the account holds), and a differing ``Version``: empty when they are the same policy."""
    from audit.drift import same_statement

    def grouped(document: Mapping[str, Any] | None) -> dict[str, list[Mapping[str, Any]]]:
        groups: dict[str, list[Mapping[str, Any]]] = {}
        for statement in statements_of(document):
            groups.setdefault(_statement_key(statement), []).append(statement)
        return groups

    ours, theirs = grouped(template), grouped(policy)
    found = []
    for key in sorted(set(ours) | set(theirs)):
        want, have = ours.get(key, []), theirs.get(key, [])
        if not want:
            found.append(f"{key} (not in the template)")
        elif not have:
            found.append(f"{key} (in the template, missing from the policy)")
        elif len(want) != len(have) or not all(same_statement(w, h) for w, h in zip(want, have)):
            found.append(f"{key} (differs from the template)")
    if (policy or {}).get("Version") != (template or {}).get("Version"):
        found.append(f"Version {(policy or {}).get('Version')!r} (the template has {(template or {}).get('Version')!r})")
    return found


def markers(policy: Mapping[str, Any] | None, change_: Change) -> list[str]:
    """What of the change a policy carries: added statements and exemptions."""
    found = []
    statements = statements_of(policy)
    for statement in statements:
        if statement.get("Sid") in change_.added_sids:
            found.append(f"statement {statement['Sid']}")
    for sid, role in change_.exemptions:
        if any(s.get("Sid") == sid and s.get("Effect") == "Deny" and exempts(s, role) for s in statements):
            found.append(f"{sid} exempts {role}")
    return found


def opened(label: str, policy: Mapping[str, Any] | None, role_of: Roles, region: str) -> dict[str, Any]:
    """``policy`` of ``label`` with the break-glass change applied (what BG-03 evaluates)."""
    return open_policy(policy, change(label, role_of, region))


def digest(policy: Mapping[str, Any] | None) -> str:
    """SHA-256 of a policy, after the normalisation drift uses (list order, account ids as root ARNs)."""
    from audit.drift import normalise_policy

    text = json.dumps(normalise_policy(policy), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# the record ------------------------------------------------------------------------------------------
def tag_safe(value: str) -> str:
    """A tag value AWS accepts: letters, digits, spaces and ``_ . : / = + - @``, at most 256 characters."""
    return _TAG_UNSAFE.sub("_", value)[:TAG_VALUE_LIMIT]


def printable(value: Any, limit: int = 128) -> str:
    """A tag value fit for a terminal or a report (``audit.terminal.one_line``): tags are written by whoever
    may tag the resource, so they are never printed raw."""
    return one_line(value, limit)


@dataclass(frozen=True)
class Record:
    """Who opened the break-glass of a resource, when, for which ticket and role, and the SHA-256 of the
    policy the open replaced: information for people and BG-04, never an instruction to close (tags can be
    forged by anyone allowed to tag)."""

    ticket: str | None
    opened_at: str | None
    opened_by: str | None
    role: str | None
    pre_open_sha256: str | None

    def tags(self) -> dict[str, str]:
        tags = {TAG_TICKET: self.ticket, TAG_OPENED_AT: self.opened_at, TAG_OPENED_BY: self.opened_by,
                TAG_ROLE: self.role, TAG_PRE_OPEN: self.pre_open_sha256}
        return {k: tag_safe(v) for k, v in tags.items() if v}

    @classmethod
    def from_tags(cls, tags: Mapping[str, str] | None) -> "Record | None":
        """The record the tags hold, None when they hold none (no break-glass tag at all). Every value is
        made printable: the tags are anyone's who may tag the resource."""
        mine = {k: v for k, v in (tags or {}).items() if k.startswith(TAG_PREFIX)}
        if not mine:
            return None

        def value(key: str) -> str | None:
            return printable(mine[key]) if mine.get(key) is not None else None
        return cls(value(TAG_TICKET), value(TAG_OPENED_AT), value(TAG_OPENED_BY), value(TAG_ROLE), value(TAG_PRE_OPEN))


def break_glass_tags(tags: Mapping[str, str] | None) -> dict[str, str]:
    """Only the break-glass tags of a resource, the caller anonymised: what a snapshot (and so a report)
    may hold."""
    return {printable(k): printable((anonymised(v) or "") if k == TAG_OPENED_BY else v)
            for k, v in (tags or {}).items() if k.startswith(TAG_PREFIX)}


# state -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class State:
    label: str
    status: str  # CLOSED, OPEN, RECORDED, UNRECORDED
    record: Record | None
    markers: tuple[str, ...]

    def describe(self) -> str:
        record = self.record
        since = f"since {record.opened_at or 'an unknown time'} for ticket {record.ticket or '(none recorded)'}" if record else ""
        if self.status == OPEN:
            assert record is not None  # an open break-glass is known by its record
            return f"break-glass open {since} (role {record.role or 'unknown'})"
        if self.status == RECORDED:
            return f"break-glass record {since} but the policy carries none of its statements (half-opened or reverted by hand)"
        if self.status == UNRECORDED:
            return f"break-glass statements without a record ({', '.join(self.markers)}): a change outside the runbook"
        return "closed"


def state(label: str, policy: Mapping[str, Any] | None, tags: Mapping[str, str] | None, change_: Change) -> State:
    record, found = Record.from_tags(tags), tuple(markers(policy, change_))
    if record and found:
        status = OPEN
    elif record:
        status = RECORDED
    elif found:
        status = UNRECORDED
    else:
        status = CLOSED
    return State(label, status, record, found)


def overall(states: Iterable[State]) -> str:
    """``closed``, ``open`` (every resource), or ``partially open`` (anything in between)."""
    statuses = {s.status for s in states}
    if statuses == {CLOSED}:
        return "closed"
    if statuses == {OPEN}:
        return "open"
    return "partially open"


# people ----------------------------------------------------------------------------------------------
def anonymised(principal_arn: str | None) -> str | None:
    """A caller ARN fit for a report: role and account kept, a person's session or user name (often an
    email address) replaced by a short hash, so two callers can be told apart without naming anyone."""
    if not principal_arn:
        return principal_arn
    head, _, resource = principal_arn.partition(":assumed-role/") if ":assumed-role/" in principal_arn else ("", "", "")
    if resource:
        role, _, session = resource.partition("/")
        return f"{head}:assumed-role/{role}/{_short_hash(session)}" if session else principal_arn
    match = re.match(r"^(arn:[^:]+:(?:iam|sts)::\d{12}:(?:user|federated-user))/(.+)$", principal_arn)
    if match:
        return f"{match.group(1)}/{_short_hash(match.group(2))}"
    return principal_arn


def _short_hash(value: str) -> str:
    if re.fullmatch(r"sha256-[0-9a-f]{12}", value):
        return value  # anonymised already
    return "sha256-" + hashlib.sha256(value.encode()).hexdigest()[:12]
