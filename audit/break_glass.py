"""The documented break-glass change: the one source of the temporary statements that open SSN restores,
applied and reverted by ``retention break-glass`` (``audit.break_glass_ops``, ``scripts/break-glass.sh``),
printed into the runbook (``audit.break_glass_doc``) and evaluated by the audit (BG-03, BG-04).

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
aws:PrincipalArn``), so nobody's decision changes but the role's. Closing is the exact inverse: the added
statements are removed by Sid and each DENY gets back the condition it had before the open, as recorded in
the resource's tags when it was opened (never guessed). The record (``Record``) is a set of tags on each
vault and key: the live audit reads them with the read permissions it already has, and they sit next to
what they describe. A whole policy does not fit in a tag (256 characters), so the tags keep the original
conditions (compressed) and the SHA-256 of the pre-open policy, which close uses to prove it restored it.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

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
TAG_ROLE, TAG_PRE_OPEN, TAG_UNDO = TAG_PREFIX + "role", TAG_PREFIX + "pre-open-sha256", TAG_PREFIX + "undo-"
TAG_VALUE_LIMIT = 256
TICKET_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/=+@-]{0,63}$")  # tag- and session-name-safe
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


def open_policy(policy: Mapping[str, Any] | None, change_: Change) -> tuple[dict[str, Any], dict[str, Any]]:
    """The opened policy and the undo record: the condition (or None) each exempted DENY had before."""
    opened = copy.deepcopy(dict(policy)) if policy else {"Version": "2012-10-17", "Statement": []}
    undo: dict[str, Any] = {}
    kept = []
    for statement in statements_of(opened):
        if statement.get("Sid") in change_.added_sids:
            continue  # replaced by the change's own version below
        for sid, role in change_.exemptions:
            if statement.get("Sid") == sid and statement.get("Effect") == "Deny":
                undo.setdefault(sid, copy.deepcopy(statement.get("Condition")))
                statement = {**statement, "Condition": exempted(statement.get("Condition"), role)}
        kept.append(statement)
    opened["Statement"] = [*kept, *copy.deepcopy(list(change_.statements))]
    return opened, undo


def close_policy(policy: Mapping[str, Any] | None, change_: Change, undo: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of ``open_policy``: the added statements removed, each DENY's recorded condition back."""
    closed = copy.deepcopy(dict(policy)) if policy else {"Version": "2012-10-17", "Statement": []}
    kept = []
    for statement in statements_of(closed):
        sid = statement.get("Sid")
        if sid in change_.added_sids:
            continue
        if sid in undo and statement.get("Effect") == "Deny":
            if undo[sid] is None:
                statement = {k: v for k, v in statement.items() if k != "Condition"}
            else:
                statement = {**statement, "Condition": copy.deepcopy(undo[sid])}
        kept.append(statement)
    closed["Statement"] = kept
    return closed


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
    return open_policy(policy, change(label, role_of, region))[0]


def digest(policy: Mapping[str, Any] | None) -> str:
    """SHA-256 of a policy, after the normalisation drift uses (list order, account ids as root ARNs)."""
    from audit.drift import normalise_policy

    text = json.dumps(normalise_policy(policy), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# the record ------------------------------------------------------------------------------------------
def tag_safe(value: str) -> str:
    """A tag value AWS accepts: letters, digits, spaces and ``_ . : / = + - @``, at most 256 characters."""
    return _TAG_UNSAFE.sub("_", value)[:TAG_VALUE_LIMIT]


def _encode_undo(undo: Mapping[str, Any]) -> list[str]:
    packed = base64.urlsafe_b64encode(zlib.compress(json.dumps(undo, sort_keys=True, separators=(",", ":")).encode(), 9))
    text = packed.decode()
    return [text[i:i + TAG_VALUE_LIMIT] for i in range(0, len(text), TAG_VALUE_LIMIT)] or [""]


def _decode_undo(chunks: list[str]) -> dict[str, Any] | None:
    try:
        value = json.loads(zlib.decompress(base64.urlsafe_b64decode("".join(chunks).encode())))
    except (ValueError, zlib.error):
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class Record:
    """Who opened the break-glass of a resource, when, for which ticket, for which role, and how to undo it."""

    ticket: str | None
    opened_at: str | None
    opened_by: str | None
    role: str | None
    pre_open_sha256: str | None
    undo: dict[str, Any] | None = field(default=None, compare=False)

    def tags(self) -> dict[str, str]:
        tags = {TAG_TICKET: self.ticket, TAG_OPENED_AT: self.opened_at, TAG_OPENED_BY: self.opened_by,
                TAG_ROLE: self.role, TAG_PRE_OPEN: self.pre_open_sha256}
        out = {k: tag_safe(v) for k, v in tags.items() if v}
        out.update({f"{TAG_UNDO}{i}": chunk for i, chunk in enumerate(_encode_undo(self.undo or {}))})
        return out

    @classmethod
    def from_tags(cls, tags: Mapping[str, str] | None) -> "Record | None":
        """The record the tags hold, None when they hold none (no break-glass tag at all)."""
        mine = {k: v for k, v in (tags or {}).items() if k.startswith(TAG_PREFIX)}
        if not mine:
            return None
        chunks = sorted((k for k in mine if k.startswith(TAG_UNDO)), key=lambda k: int(k[len(TAG_UNDO):] or 0)
                        if k[len(TAG_UNDO):].isdigit() else 10**6)
        return cls(mine.get(TAG_TICKET), mine.get(TAG_OPENED_AT), mine.get(TAG_OPENED_BY), mine.get(TAG_ROLE),
                   mine.get(TAG_PRE_OPEN), _decode_undo([mine[k] for k in chunks]) if chunks else None)


def break_glass_tags(tags: Mapping[str, str] | None) -> dict[str, str]:
    """Only the break-glass tags of a resource, the caller anonymised: what a snapshot (and so a report)
    may hold."""
    return {k: ((anonymised(v) or "") if k == TAG_OPENED_BY else v) for k, v in (tags or {}).items() if k.startswith(TAG_PREFIX)}


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
