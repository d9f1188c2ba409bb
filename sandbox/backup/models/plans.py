"""Backup plans and selections: UpdateBackupPlan, the selection APIs, and the checks AWS makes on a plan
that moto does not (rule names, lifecycles, copy targets, no deletion while selections remain).
"""
from __future__ import annotations

import re
from typing import Any

from moto.backup.exceptions import (
    AlreadyExistsException,
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from moto.backup.models import BackupBackend, Plan
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random

from sandbox.backup.exceptions import MissingParameterValueException
from sandbox.backup.models.state import state
from sandbox.backup.models.vaults import VAULT_ARN
from sandbox.backup.shapes import clean

RULE_NAME = re.compile(r"^[A-Za-z0-9\-_.]{1,50}$")

SELECTION_NAME = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")


def _days(value: Any) -> int | None:
    return None if value is None else int(value)


def normalize_lifecycle(lifecycle: dict[str, Any] | None) -> dict[str, Any] | None:
    """A Lifecycle with integer days; raises AWS's error for fewer than 90 days between cold and delete."""
    if not lifecycle:
        return None
    result: dict[str, Any] = {}
    cold = _days(lifecycle.get("MoveToColdStorageAfterDays"))
    delete = _days(lifecycle.get("DeleteAfterDays"))
    if cold is not None:
        result["MoveToColdStorageAfterDays"] = cold
    if delete is not None:
        result["DeleteAfterDays"] = delete
    if lifecycle.get("OptInToArchiveForSupportedResources") is not None:
        result["OptInToArchiveForSupportedResources"] = bool(lifecycle["OptInToArchiveForSupportedResources"])
    if lifecycle.get("DeleteAfterEvent"):
        result["DeleteAfterEvent"] = lifecycle["DeleteAfterEvent"]
    for name, value in (("DeleteAfterDays", delete), ("MoveToColdStorageAfterDays", cold)):
        if value is not None and value < 1 and value != -1:
            raise InvalidParameterValueException(msg=f"Lifecycle {name} must be at least 1 day, got {value}.")
    if cold is not None and delete is not None and cold not in (-1,) and delete != -1 and delete < cold + 90:
        raise InvalidParameterValueException(
            msg=("Error in Lifecycle: DeleteAfterDays must be at least 90 days more than MoveToColdStorageAfterDays "
                 f"(got MoveToColdStorageAfterDays={cold}, DeleteAfterDays={delete})."))
    return result


def validate_backup_plan(backup_plan: dict[str, Any]) -> None:  # noqa: C901 - every rule of CreateBackupPlan checked in the order AWS documents them
    """The checks AWS makes on a plan document that moto does not (rule names, lifecycles, copy targets)."""
    if not isinstance(backup_plan, dict) or not backup_plan.get("BackupPlanName"):
        raise InvalidParameterValueException(msg="BackupPlan.BackupPlanName is required.")
    name = backup_plan["BackupPlanName"]
    if len(name) > 50 or not re.match(r"^[A-Za-z0-9\-_.]+$", name):
        raise InvalidParameterValueException(
            msg=f"Invalid backup plan name '{name}': 1-50 characters of letters, digits, '-', '_' and '.'.")
    rules = backup_plan.get("Rules")
    if not rules:
        raise InvalidParameterValueException(msg="BackupPlan.Rules must contain at least one rule.")
    seen: set[str] = set()
    for rule in rules:
        rule_name = rule.get("RuleName", "")
        if not RULE_NAME.match(rule_name):
            raise InvalidParameterValueException(
                msg=f"Invalid rule name '{rule_name}': 1-50 characters of letters, digits, '-', '_' and '.'.")
        if rule_name in seen:
            raise InvalidParameterValueException(msg=f"Duplicate rule name '{rule_name}' in backup plan.")
        seen.add(rule_name)
        if not rule.get("TargetBackupVaultName"):
            raise InvalidParameterValueException(msg=f"Rule '{rule_name}': TargetBackupVaultName is required.")
        for key in ("StartWindowMinutes", "CompletionWindowMinutes"):
            if rule.get(key) is not None:
                rule[key] = int(rule[key])
        if rule.get("StartWindowMinutes") is not None and rule["StartWindowMinutes"] < 60:
            raise InvalidParameterValueException(msg=f"Rule '{rule_name}': StartWindowMinutes must be at least 60.")
        if rule.get("Lifecycle") is not None:
            rule["Lifecycle"] = normalize_lifecycle(rule["Lifecycle"]) or {}
        for action in rule.get("CopyActions") or []:
            if not VAULT_ARN.match(action.get("DestinationBackupVaultArn", "")):
                raise InvalidParameterValueException(
                    msg=f"Rule '{rule_name}': invalid DestinationBackupVaultArn "
                        f"'{action.get('DestinationBackupVaultArn')}'.")
            if action.get("Lifecycle") is not None:
                action["Lifecycle"] = normalize_lifecycle(action["Lifecycle"]) or {}


class Selection:
    def __init__(self, backup_plan_id: str, selection: dict[str, Any], creator_request_id: str | None):
        self.selection_id = str(mock_random.uuid4())
        self.backup_plan_id = backup_plan_id
        self.selection = selection
        self.creator_request_id = creator_request_id
        self.creation_date = utcnow()

    def to_get(self) -> dict[str, Any]:
        return clean({"BackupSelection": self.selection, "SelectionId": self.selection_id,
                       "BackupPlanId": self.backup_plan_id, "CreationDate": self.creation_date,
                       "CreatorRequestId": self.creator_request_id})

    def to_list(self) -> dict[str, Any]:
        return clean({"SelectionId": self.selection_id, "SelectionName": self.selection["SelectionName"],
                       "BackupPlanId": self.backup_plan_id, "CreationDate": self.creation_date,
                       "CreatorRequestId": self.creator_request_id, "IamRoleArn": self.selection["IamRoleArn"]})


def get_live_plan(self: BackupBackend, backup_plan_id: str) -> Plan:
    plan = self.plans.get(backup_plan_id)
    if plan is None or plan.deletion_date is not None:
        raise ResourceNotFoundException(msg=f"Failed reading Backup plan with provided version ({backup_plan_id})")
    return plan


def _apply_rule_defaults(backup_plan: dict[str, Any]) -> None:
    for rule in backup_plan["Rules"]:
        rule.setdefault("ScheduleExpression", "cron(0 5 ? * * *)")
        rule.setdefault("StartWindowMinutes", 480)
        rule.setdefault("CompletionWindowMinutes", 10080)
        rule.setdefault("ScheduleExpressionTimezone", "Etc/UTC")
        rule["RuleId"] = str(mock_random.uuid4())


def create_backup_plan(self: BackupBackend, backup_plan: dict[str, Any], backup_plan_tags: dict[str, str] | None,
                       creator_request_id: str | None) -> Plan:
    validate_backup_plan(backup_plan)
    for plan in self.plans.values():
        if plan.deletion_date is None and plan.backup_plan["BackupPlanName"] == backup_plan["BackupPlanName"]:
            raise AlreadyExistsException(msg="Backup plan with the same plan document already exists")
    plan = Plan(backup_plan=backup_plan, creator_request_id=creator_request_id, backend=self)  # type: ignore[arg-type]
    if backup_plan_tags:
        self.tag_resource(plan.backup_plan_arn, backup_plan_tags)
    self.plans[plan.backup_plan_id] = plan
    return plan


def update_backup_plan(self: BackupBackend, backup_plan_id: str, backup_plan: dict[str, Any]) -> Plan:
    plan = get_live_plan(self, backup_plan_id)
    validate_backup_plan(backup_plan)
    for other in self.plans.values():
        if (other is not plan and other.deletion_date is None
                and other.backup_plan["BackupPlanName"] == backup_plan["BackupPlanName"]):
            raise AlreadyExistsException(msg="Backup plan with the same name already exists")
    _apply_rule_defaults(backup_plan)
    plan.backup_plan = backup_plan
    plan.advanced_backup_settings = backup_plan.get("AdvancedBackupSettings") or []
    plan.version_id = mock_random.get_random_string(length=48)
    return plan


_moto_delete_backup_plan = BackupBackend.delete_backup_plan


def delete_backup_plan(self: BackupBackend, backup_plan_id: str) -> tuple[str, str, float, str]:
    if state(self).selections.get(backup_plan_id):
        raise InvalidRequestException(msg="Related backup plan selections must be deleted prior to backup plan deletion")
    return _moto_delete_backup_plan(self, backup_plan_id)


def create_backup_selection(self: BackupBackend, backup_plan_id: str, selection: dict[str, Any],
                            creator_request_id: str | None) -> Selection:
    get_live_plan(self, backup_plan_id)
    if not isinstance(selection, dict):
        raise MissingParameterValueException("BackupSelection is required.")
    name = selection.get("SelectionName") or ""
    if not SELECTION_NAME.match(name):
        raise InvalidParameterValueException(
            msg=f"Invalid selection name '{name}': 1-50 characters of letters, digits, '-', '_' and '.'.")
    if not selection.get("IamRoleArn"):
        raise MissingParameterValueException("BackupSelection.IamRoleArn is required.")
    if not re.match(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+", selection["IamRoleArn"]):
        raise InvalidParameterValueException(msg=f"Invalid IamRoleArn {selection['IamRoleArn']}.")
    cleaned = {k: v for k, v in selection.items() if v not in (None, [], {})}
    for arn in cleaned.get("Resources", []):
        if arn != "*" and not arn.startswith("arn:"):
            raise InvalidParameterValueException(msg=f"Invalid resource ARN in selection: {arn}")
    if not any(cleaned.get(k) for k in ("Resources", "ListOfTags", "Conditions")):
        raise InvalidParameterValueException(
            msg="A backup selection needs Resources, ListOfTags or Conditions.")
    created = Selection(backup_plan_id, cleaned, creator_request_id)
    state(self).selections.setdefault(backup_plan_id, {})[created.selection_id] = created
    return created


def get_backup_selection(self: BackupBackend, backup_plan_id: str, selection_id: str) -> Selection:
    selection = state(self).selections.get(backup_plan_id, {}).get(selection_id)
    if selection is None:
        raise ResourceNotFoundException(msg=f"Backup selection {selection_id} of plan {backup_plan_id} not found")
    return selection


def list_backup_selections(self: BackupBackend, backup_plan_id: str) -> list[Selection]:
    if backup_plan_id not in self.plans:
        raise ResourceNotFoundException(msg=f"Backup plan {backup_plan_id} not found")
    return list(state(self).selections.get(backup_plan_id, {}).values())


def delete_backup_selection(self: BackupBackend, backup_plan_id: str, selection_id: str) -> None:
    get_backup_selection(self, backup_plan_id, selection_id)
    del state(self).selections[backup_plan_id][selection_id]
    if not state(self).selections[backup_plan_id]:
        del state(self).selections[backup_plan_id]
