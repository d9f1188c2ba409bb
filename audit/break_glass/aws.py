"""The four SSN resources of the break-glass in their accounts: both sides reached the way the live audit
reaches them (``audit.sources.live.build.open_side``: profiles, ``--assume-role``, ``--endpoint-url``), each
vault's and key's policy and tags read, and the writes the break-glass makes (policy, tags, grant
revocation). Every failed call becomes ``StepFailed`` naming the account, the API and the error code.
Nothing here decides what to write (``audit.break_glass.ops``) or what the statements are
(``audit.break_glass``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Mapping, cast

from audit import break_glass as bg
from audit.arns import parse_arn
from audit.sources.live.aws import Absent, ApiCalls, Credentials, Failed, Side, default_session, parse_document

NOT_FOUND = ("ResourceNotFoundException", "NotFoundException")


class StepFailed(Exception):
    """An API call of the break-glass failed: the message names the call and the error code."""


class BadSetup(Exception):
    """The accounts cannot be used as configured (credentials, role, account, configuration): bad input."""


@dataclass
class Resource:
    """One of the four SSN resources as its account holds it now."""

    label: str
    side: Side
    arn: str
    policy: dict[str, Any] | None
    tags: dict[str, str]
    change: bg.Change
    caller: str  # ARN of the identity that reads and writes it (STS GetCallerIdentity of its side)

    @property
    def kind(self) -> str:
        return bg.KIND[self.label]

    @property
    def state(self) -> bg.State:
        return bg.state(self.label, self.policy, self.tags, self.change)


def connect(cfg: Mapping[str, Any], credentials: Mapping[str, Credentials], session_name: str,
            factory: Callable[..., Any] | None = None) -> tuple[dict[str, Side], dict[str, str]]:
    """Both sides, reached and checked, and the caller ARN of each (from STS)."""
    from audit.sources.live.build import LiveSourceError, open_side

    factory = factory or partial(default_session, session_name=session_name)
    sides, callers = {}, {}
    calls = ApiCalls()
    for name, account, region in (("environment", cfg["environment_account_id"], cfg["primary_region"]),
                                  ("backup", cfg["backup_account_id"], cfg["backup_region"])):
        try:
            side = open_side(name, credentials[name], account, region, factory, calls)
        except LiveSourceError as exc:
            raise BadSetup(str(exc)) from None
        sides[name] = side
        callers[name] = _call(side, "sts", "GetCallerIdentity", account)["Arn"]
    return sides, callers


# reading ---------------------------------------------------------------------------------------------
def _call(side: Side, service: str, operation: str, resource: str, **params: Any) -> dict[str, Any]:
    try:
        return side.call(service, operation, resource, **params)
    except Failed as exc:
        raise StepFailed(f"{side.name} account {side.account_id}: {service}:{operation} on {resource} failed: {exc}") from None
    except Absent as exc:
        raise StepFailed(f"{side.name} account {side.account_id}: {service}:{operation}: {resource} does not exist ({exc})") from None


def _document(text: Any) -> dict[str, Any] | None:
    value = parse_document(text)
    return value if isinstance(value, dict) else None


def _vault(side: Side, name: str) -> tuple[str, str, dict[str, Any] | None, dict[str, str]]:
    described = _call(side, "backup", "DescribeBackupVault", name, BackupVaultName=name)
    arn = described["BackupVaultArn"]
    try:
        policy = _document(side.call("backup", "GetBackupVaultAccessPolicy", arn, absent=NOT_FOUND,
                                     BackupVaultName=name).get("Policy"))
    except Absent:
        policy = None
    except Failed as exc:
        raise StepFailed(f"{side.name} account {side.account_id}: backup:GetBackupVaultAccessPolicy on {arn} failed: {exc}") from None
    tags: dict[str, str] = {}
    try:
        for page in side.pages("backup", "ListTags", arn, ResourceArn=arn):
            tags.update(page.get("Tags") or {})
    except (Absent, Failed) as exc:
        raise StepFailed(f"{side.name} account {side.account_id}: backup:ListTags on {arn} failed: {exc}") from None
    return arn, cast(str, described.get("EncryptionKeyArn")), policy, tags


def _key(side: Side, key_arn: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    policy = _document(_call(side, "kms", "GetKeyPolicy", key_arn, KeyId=key_arn, PolicyName="default").get("Policy"))
    tags: dict[str, str] = {}
    try:
        for page in side.pages("kms", "ListResourceTags", key_arn, KeyId=key_arn):
            tags.update({t["TagKey"]: t["TagValue"] for t in page.get("Tags") or []})
    except (Absent, Failed) as exc:
        raise StepFailed(f"{side.name} account {side.account_id}: kms:ListResourceTags on {key_arn} failed: {exc}") from None
    return policy, tags


def cross_account_vault_name(cfg: Mapping[str, Any]) -> str:
    """The SSN vault of the backup account, from the dedicated category's copy destination."""
    ssn = next((p for p in cfg["backup_policies"].values() if p.get("dedicated_vault")), None)
    destination = (ssn or {}).get("cross_account_vault_arn")
    if not destination:
        return cfg["vault_names"]["ssn"]
    arn = parse_arn(destination)
    if arn.account != cfg["backup_account_id"] or arn.region != cfg["backup_region"]:
        raise BadSetup(f"backup_policies: the SSN copy destination {destination} is not in the backup account "
                       f"{cfg['backup_account_id']} and region {cfg['backup_region']}")
    return arn.resource_name


def read_resources(cfg: Mapping[str, Any], sides: Mapping[str, Side], callers: Mapping[str, str]) -> list[Resource]:
    """The four SSN resources, in the order they are opened: local vault and key, cross-account vault and key."""
    regions = {"environment": cfg["primary_region"], "backup": cfg["backup_region"]}
    changes = bg.changes(bg.config_roles(cfg), regions)
    found = []
    for side_name, vault_name, vault_label, key_label in (
            ("environment", cfg["vault_names"]["ssn"], bg.LOCAL_VAULT, bg.LOCAL_KEY),
            ("backup", cross_account_vault_name(cfg), bg.CROSS_VAULT, bg.CROSS_KEY)):
        side = sides[side_name]
        arn, key_arn, policy, tags = _vault(side, vault_name)
        found.append(Resource(vault_label, side, arn, policy, tags, changes[vault_label], callers[side_name]))
        if not key_arn:
            raise StepFailed(f"{vault_label} {arn} has no encryption key")
        key_policy, key_tags = _key(side, key_arn)
        found.append(Resource(key_label, side, key_arn, key_policy, key_tags, changes[key_label], callers[side_name]))
    return found


# writing ---------------------------------------------------------------------------------------------
def put_policy(resource: Resource, policy: dict[str, Any]) -> None:
    text = json.dumps(policy)
    if resource.kind == "vault":
        _call(resource.side, "backup", "PutBackupVaultAccessPolicy", resource.arn,
              BackupVaultName=resource.arn.rsplit(":", 1)[-1], Policy=text)
    else:
        _call(resource.side, "kms", "PutKeyPolicy", resource.arn, KeyId=resource.arn, PolicyName="default", Policy=text)


def tag(resource: Resource, tags: dict[str, str]) -> None:
    if resource.kind == "vault":
        _call(resource.side, "backup", "TagResource", resource.arn, ResourceArn=resource.arn, Tags=tags)
    else:
        _call(resource.side, "kms", "TagResource", resource.arn, KeyId=resource.arn,
              Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()])


def untag(resource: Resource, keys: list[str]) -> None:
    if not keys:
        return
    if resource.kind == "vault":
        _call(resource.side, "backup", "UntagResource", resource.arn, ResourceArn=resource.arn, TagKeyList=keys)
    else:
        _call(resource.side, "kms", "UntagResource", resource.arn, KeyId=resource.arn, TagKeys=keys)


def reread(resource: Resource) -> None:
    if resource.kind == "vault":
        _, _, resource.policy, resource.tags = _vault(resource.side, resource.arn.rsplit(":", 1)[-1])
    else:
        resource.policy, resource.tags = _key(resource.side, resource.arn)


def break_glass_grants(resource: Resource, role_of: bg.Roles) -> list[dict[str, Any]]:
    """KMS grants on a key held by a break-glass role (or one of its sessions): they outlive the policy."""
    if resource.kind != "key":
        return []
    grants: list[dict[str, Any]] = []
    try:
        for page in resource.side.pages("kms", "ListGrants", resource.arn, KeyId=resource.arn):
            grants += page.get("Grants") or []
    except (Absent, Failed) as exc:
        raise StepFailed(f"{resource.side.name} account {resource.side.account_id}: kms:ListGrants on {resource.arn} "
                         f"failed: {exc}") from None
    sessions = [r.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/" for r in (role_of.environment, role_of.backup)]
    return [g for g in grants if g.get("GranteePrincipal") in (role_of.environment, role_of.backup)
            or any(str(g.get("GranteePrincipal", "")).startswith(s) for s in sessions)]




def revoke_grant(resource: Resource, grant_id: str) -> None:
    _call(resource.side, "kms", "RevokeGrant", resource.arn, KeyId=resource.arn, GrantId=grant_id)
