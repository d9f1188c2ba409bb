"""The snapshot's records of vaults, keys, roles and backup plans: one typed shape and one builder each, for
the static source (templates) and the live one (the accounts).

Both sources used to write these dicts themselves, and a test kept the two spellings equal. Here each record
is a ``TypedDict`` (the snapshot stays plain JSON, and mypy checks every key a source writes and a control
reads) with the one function that builds it; each source maps its own spelling (CloudFormation's
``TargetBackupVault``, the API's ``TargetBackupVaultName``) to the keyword arguments, as ``records.table``,
``records.bucket``, ``records.function``, ``records.monitoring`` and ``records.restore_testing`` do for theirs.

A value a source could not read is ``None`` (a control fails on it, never passes); a value that only one
source knows (a template's DeletionPolicy, an account's lock date) is ``None`` in the other.
"""
from __future__ import annotations

from typing import Any, Literal, Mapping, TypedDict

from audit.schedule import DEFAULT_TIMEZONE

Origin = dict[str, Any]  # {file, line, logical_id} of a template or {account_id, region, api} of an account


class Lifecycle(TypedDict):
    delete_after_days: Any  # days, or an unresolved template symbol; None: kept for ever
    cold_storage_after_days: Any


class CopyAction(TypedDict):
    destination_vault_arn: str | None
    lifecycle: Lifecycle


class Rule(TypedDict):
    name: str | None
    target_vault: str | None
    schedule: str | None
    timezone: str
    start_window_minutes: Any
    completion_window_minutes: Any
    lifecycle: Lifecycle
    copy_actions: list[CopyAction]
    continuous: bool


class Selection(TypedDict):
    name: str | None
    iam_role_arn: str | None
    resources: list[Any]
    not_resources: list[Any]
    has_conditions: bool
    origin: Origin


class Plan(TypedDict):
    id: str
    name: str | None
    account_id: str
    region: str
    rules: list[Rule]
    selections: list[Selection]
    tags: dict[str, Any]
    origin: Origin


class Lock(TypedDict):
    mode: Literal["compliance", "governance"]
    min_retention_days: Any
    max_retention_days: Any
    changeable_for_days: Any  # the template's; an account does not return it once the lock is applied


class Vault(TypedDict):
    name: Any
    arn: str
    account_id: str
    region: str
    encryption_key_arn: Any
    access_policy: Any  # the policy document (dict), or None
    lock: Lock | None
    notifications: Any
    break_glass_tags: dict[str, str] | None  # audit.break_glass: {} when closed, None when unreadable
    deletion_policy: str | None  # templates only
    update_replace_policy: str | None  # templates only
    origin: Origin


class Key(TypedDict):
    arn: str
    account_id: str | None
    region: str | None
    manager: str | None  # CUSTOMER | AWS
    rotation_enabled: bool | None
    enabled: bool
    policy: Any
    break_glass_tags: dict[str, str] | None
    deletion_policy: str | None
    update_replace_policy: str | None
    origin: Origin


class Role(TypedDict):
    name: str
    arn: str
    account_id: str
    trust_policy: Any
    inline_policies: dict[str, Any]
    managed_policies: dict[str, Any]  # ARN -> document (None: not readable, or not in a template)
    origin: Origin


def lifecycle_record(lifecycle: Mapping[str, Any] | None) -> Lifecycle:
    """A lifecycle as CloudFormation and the API both spell it (DeleteAfterDays, MoveToColdStorageAfterDays)."""
    lifecycle = lifecycle or {}
    return {"delete_after_days": lifecycle.get("DeleteAfterDays"), "cold_storage_after_days": lifecycle.get("MoveToColdStorageAfterDays")}


def rule_record(rule: Mapping[str, Any], *, target_vault: str | None) -> Rule:
    """A backup rule; the two sources spell everything alike but the target vault (``target_vault``)."""
    return {
        "name": rule.get("RuleName"), "target_vault": target_vault,
        "schedule": rule.get("ScheduleExpression"), "timezone": rule.get("ScheduleExpressionTimezone") or DEFAULT_TIMEZONE,
        "start_window_minutes": rule.get("StartWindowMinutes"),
        "completion_window_minutes": rule.get("CompletionWindowMinutes"),
        "lifecycle": lifecycle_record(rule.get("Lifecycle")),
        "copy_actions": [{"destination_vault_arn": c.get("DestinationBackupVaultArn"), "lifecycle": lifecycle_record(c.get("Lifecycle"))}
                         for c in rule.get("CopyActions") or []],
        "continuous": rule.get("EnableContinuousBackup") is True,
    }


def selection_record(selection: Mapping[str, Any], *, has_conditions: bool, origin: Origin) -> Selection:
    """A backup selection (SelectionName, IamRoleArn, Resources, NotResources in both spellings)."""
    return {"name": selection.get("SelectionName"), "iam_role_arn": selection.get("IamRoleArn"),
            "resources": list(selection.get("Resources") or []), "not_resources": list(selection.get("NotResources") or []),
            "has_conditions": has_conditions, "origin": dict(origin)}


def plan_record(*, plan_id: str, name: str | None, account_id: str, region: str, rules: list[Rule],
                selections: list[Selection], tags: Mapping[str, Any], origin: Origin) -> Plan:
    return {"id": plan_id, "name": name, "account_id": account_id, "region": region, "rules": rules,
            "selections": selections, "tags": dict(tags), "origin": dict(origin)}


def lock_record(*, compliance: bool, min_retention_days: Any, max_retention_days: Any, changeable_for_days: Any) -> Lock:
    """A vault lock: compliance mode once it has (or will have) a lock date, governance mode otherwise."""
    return {"mode": "compliance" if compliance else "governance", "min_retention_days": min_retention_days,
            "max_retention_days": max_retention_days, "changeable_for_days": changeable_for_days}


def vault_record(*, name: Any, arn: str, account_id: str, region: str, encryption_key_arn: Any, access_policy: Any,
                 lock: Lock | None, notifications: Any, break_glass_tags: dict[str, str] | None, origin: Origin,
                 deletion_policy: str | None = None, update_replace_policy: str | None = None) -> Vault:
    return {"name": name, "arn": arn, "account_id": account_id, "region": region, "encryption_key_arn": encryption_key_arn,
            "access_policy": access_policy, "lock": lock, "notifications": notifications,
            "break_glass_tags": break_glass_tags, "deletion_policy": deletion_policy,
            "update_replace_policy": update_replace_policy, "origin": dict(origin)}


def key_record(*, arn: str, account_id: str | None, region: str | None, manager: str | None, rotation_enabled: bool | None,
               enabled: bool, policy: Any, break_glass_tags: dict[str, str] | None, origin: Origin,
               deletion_policy: str | None = None, update_replace_policy: str | None = None) -> Key:
    return {"arn": arn, "account_id": account_id, "region": region, "manager": manager, "rotation_enabled": rotation_enabled,
            "enabled": enabled, "policy": policy, "break_glass_tags": break_glass_tags, "deletion_policy": deletion_policy,
            "update_replace_policy": update_replace_policy, "origin": dict(origin)}


def role_record(*, name: str, arn: str, account_id: str, trust_policy: Any, inline_policies: Mapping[str, Any],
                managed_policies: Mapping[str, Any], origin: Origin) -> Role:
    return {"name": name, "arn": arn, "account_id": account_id, "trust_policy": trust_policy,
            "inline_policies": dict(inline_policies), "managed_policies": dict(managed_policies), "origin": dict(origin)}
