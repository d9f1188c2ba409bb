"""AWS Backup restore testing plans and selections in the sandbox: the API moto lacks, added to moto's Backup
backend and responses through ``sandbox.backup.urls.register_api`` (as ``restores`` adds restores).

Why: issue 12 asks for restore tests that run as AWS runs them, so the restore controls can be shown
passing and failing in the demo; that needs the plans and selections to exist (from the API and from the
templates' ``AWS::Backup::RestoreTesting*`` resources) and to be refused where AWS refuses them, so a template
the sandbox accepts is one AWS's documented limits accept too.

* Create/Get/List/Update/DeleteRestoreTestingPlan, Create/Get/List/Update/DeleteRestoreTestingSelection,
  GetRestoreTestingInferredMetadata (what ``sandbox.restore_test_runner`` passes to ``StartRestoreJob``).
* The documented limits (devguide "Restore testing", API ``RestoreTestingPlanForCreate`` and
  ``RestoreTestingSelectionForCreate``): ``StartWindowHours`` 1-168, ``SelectionWindowDays`` 1-365,
  ``Algorithm`` LATEST_WITHIN_WINDOW | RANDOM_WITHIN_WINDOW, ``RecoveryPointTypes`` SNAPSHOT | CONTINUOUS,
  ``IncludeVaults`` required, a schedule AWS accepts (``audit.schedule``), ``ProtectedResourceArns`` (at most
  30) XOR ``ProtectedResourceConditions`` (which need ``ProtectedResourceArns`` ``["*"]`` or none),
  ``ValidationWindowHours`` 0-168, at most 30 selections per plan and 100 plans per account and Region
  (LimitExceededException), names of 1-50 letters, digits and underscores. Each refusal names the field.
* A plan with selections cannot be deleted (InvalidRequestException), as a backup plan cannot.

Nothing runs here: ``retention sandbox run-restore-tests`` runs the plans (``sandbox.restore_test_runner``).
Request and response shapes follow botocore's model (backup 2018-11-15).
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from moto.backup.exceptions import (
    AlreadyExistsException,
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from moto.backup.models import BackupBackend
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random
from moto.utilities.utils import get_partition

from audit.schedule import ScheduleError, parse
from sandbox.backup.exceptions import LimitExceededException, MissingParameterValueException
from sandbox.backup.models.recovery_points import resource_type_of
from sandbox.backup.models.restores import local_point
from sandbox.backup.shapes import clean

TEST_PREFIX = "awsbackup-restore-test"  # restored test resources: name prefix and tag key

NAME = re.compile(r"^[A-Za-z0-9_]{1,50}$")

ALGORITHMS = ("LATEST_WITHIN_WINDOW", "RANDOM_WITHIN_WINDOW")

POINT_TYPES = ("SNAPSHOT", "CONTINUOUS")

MAX_PLANS, MAX_SELECTIONS, MAX_ARNS = 100, 30, 30

DEFAULT_START_WINDOW_HOURS, DEFAULT_SELECTION_WINDOW_DAYS = 24, 30

# the keys RestoreMetadataOverrides may set, per resource type (devguide "Restore testing inferred
# metadata"; keys are case-insensitive there), mapped to the StartRestoreJob metadata key the sandbox reads
OVERRIDES = {
    "DynamoDB": {"encryptiontype": "encryptionType", "kmsmasterkeyarn": "kmsMasterKeyArn"},
    "S3": {"encryptiontype": "EncryptionType", "kmskey": "KMSKey", "restoreacls": "RestoreACLs"},
}

RESOURCE_TYPES = {"Aurora", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "Neptune", "RDS", "S3"}


def _int_in(value: Any, field: str, low: int, high: int, default: int | None) -> int | None:
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidParameterValueException(msg=f"{field} must be an integer, not {value!r}.") from None
    if not low <= number <= high:
        raise InvalidParameterValueException(msg=f"{field} must be between {low} and {high}, not {number}.")
    return number


def _name(value: Any, field: str) -> str:
    if not value:
        raise MissingParameterValueException(f"{field} is required.")
    if not NAME.match(str(value)):
        raise InvalidParameterValueException(
            msg=f"{field} '{value}' is invalid: 1-50 characters of letters, digits and underscores.")
    return str(value)


def _schedule(expression: Any, timezone: Any) -> None:
    if not expression:
        raise MissingParameterValueException("RestoreTestingPlan.ScheduleExpression is required.")
    try:
        parse(str(expression))
    except ScheduleError as exc:
        raise InvalidParameterValueException(msg=f"RestoreTestingPlan.ScheduleExpression is invalid: {exc}") from None
    if timezone:
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidParameterValueException(
                msg=f"RestoreTestingPlan.ScheduleExpressionTimezone '{timezone}' is not a time zone.") from None


def _point_selection(selection: Any) -> dict[str, Any]:
    field = "RestoreTestingPlan.RecoveryPointSelection"
    if not isinstance(selection, dict) or not selection:
        raise MissingParameterValueException(f"{field} is required.")
    algorithm = selection.get("Algorithm")
    if algorithm not in ALGORITHMS:
        raise InvalidParameterValueException(
            msg=f"{field}.Algorithm must be one of {', '.join(ALGORITHMS)}, not {algorithm!r}.")
    if not selection.get("IncludeVaults"):
        raise MissingParameterValueException(f"{field}.IncludeVaults is required ('*' or vault ARNs).")
    types = selection.get("RecoveryPointTypes")
    if not types or any(t not in POINT_TYPES for t in types):
        raise InvalidParameterValueException(
            msg=f"{field}.RecoveryPointTypes must list {' and/or '.join(POINT_TYPES)}, not {types!r}.")
    return clean({
        "Algorithm": algorithm, "IncludeVaults": list(selection["IncludeVaults"]),
        "ExcludeVaults": list(selection.get("ExcludeVaults") or []) or None, "RecoveryPointTypes": list(types),
        "SelectionWindowDays": _int_in(selection.get("SelectionWindowDays"), f"{field}.SelectionWindowDays", 1, 365,
                                       DEFAULT_SELECTION_WINDOW_DAYS)})


def _overrides(resource_type: str, overrides: Any) -> dict[str, str] | None:
    if not overrides:
        return None
    allowed = OVERRIDES.get(resource_type, {})
    for key in overrides:
        if key.lower() not in allowed:
            raise InvalidParameterValueException(
                msg=f"RestoreTestingSelection.RestoreMetadataOverrides key '{key}' cannot be overridden for "
                    f"{resource_type} (overridable: {', '.join(sorted(allowed.values())) or 'none'}).")
    return {str(k): str(v) for k, v in overrides.items()}


def _protected_resources(selection: dict[str, Any], resource_type: str) -> tuple[list[str] | None, Any]:
    arns = selection.get("ProtectedResourceArns") or None
    conditions = selection.get("ProtectedResourceConditions") or None
    field = "RestoreTestingSelection"
    if conditions and arns and arns != ["*"]:
        raise InvalidParameterValueException(
            msg=f"{field}.ProtectedResourceArns and {field}.ProtectedResourceConditions exclude each other: use "
                "ProtectedResourceArns ['*'] with conditions, or ARNs without conditions.")
    if not arns and not conditions:
        raise MissingParameterValueException(
            f"{field}.ProtectedResourceArns or {field}.ProtectedResourceConditions is required.")
    if arns and len(arns) > MAX_ARNS:
        raise InvalidParameterValueException(
            msg=f"{field}.ProtectedResourceArns lists {len(arns)} resources; at most {MAX_ARNS} are allowed.")
    for arn in arns or []:
        if arn != "*" and resource_type_of(arn)[0] != resource_type:
            raise InvalidParameterValueException(
                msg=f"{field}.ProtectedResourceArns: {arn} is not a {resource_type} resource.")
    if conditions:
        for operator, pairs in conditions.items():
            if operator not in ("StringEquals", "StringNotEquals") or not isinstance(pairs, list) or not all(
                    isinstance(p, dict) and p.get("Key") and "Value" in p for p in pairs):
                raise InvalidParameterValueException(
                    msg=f"{field}.ProtectedResourceConditions.{operator} must be a list of Key/Value pairs.")
    return (list(arns) if arns else None), conditions


class TestingSelection:
    def __init__(self, plan: "TestingPlan", spec: dict[str, Any], creator_request_id: str | None):
        if not isinstance(spec, dict):
            raise MissingParameterValueException("RestoreTestingSelection is required.")
        self.plan_name = plan.name
        self.name = _name(spec.get("RestoreTestingSelectionName"), "RestoreTestingSelection.RestoreTestingSelectionName")
        resource_type = spec.get("ProtectedResourceType")
        if not resource_type:
            raise MissingParameterValueException("RestoreTestingSelection.ProtectedResourceType is required.")
        if resource_type not in RESOURCE_TYPES:
            raise InvalidParameterValueException(
                msg=f"RestoreTestingSelection.ProtectedResourceType {resource_type} is not supported by restore testing.")
        self.resource_type = resource_type
        self.creator_request_id = creator_request_id
        self.creation_time = utcnow()
        self.update_time: datetime | None = None
        self.apply(spec, creating=True)

    def apply(self, spec: dict[str, Any], creating: bool = False) -> None:
        """Set the updatable fields (all of them on create; on update only those given, as AWS merges)."""
        merged = spec if creating else {**self.to_get(), **{k: v for k, v in spec.items() if v is not None}}
        role = merged.get("IamRoleArn")
        if not role:
            raise MissingParameterValueException("RestoreTestingSelection.IamRoleArn is required.")
        if not re.match(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+", role):
            raise InvalidParameterValueException(msg=f"RestoreTestingSelection.IamRoleArn {role} is not a role ARN.")
        if not creating and ("ProtectedResourceArns" in spec) != ("ProtectedResourceConditions" in spec):
            merged.pop("ProtectedResourceConditions" if "ProtectedResourceArns" in spec else "ProtectedResourceArns",
                       None)  # an update naming one of the two replaces the pair
        arns, conditions = _protected_resources(merged, self.resource_type)
        overrides = _overrides(self.resource_type, merged.get("RestoreMetadataOverrides"))
        hours = _int_in(merged.get("ValidationWindowHours"), "RestoreTestingSelection.ValidationWindowHours", 0, 168, 0)
        self.iam_role_arn, self.arns, self.conditions = role, arns, conditions
        self.overrides, self.validation_window_hours = overrides, hours
        if not creating:
            self.update_time = utcnow()

    def to_get(self) -> dict[str, Any]:
        return clean({
            "CreationTime": self.creation_time, "CreatorRequestId": self.creator_request_id,
            "IamRoleArn": self.iam_role_arn, "ProtectedResourceArns": self.arns,
            "ProtectedResourceConditions": self.conditions, "ProtectedResourceType": self.resource_type,
            "RestoreMetadataOverrides": self.overrides, "RestoreTestingPlanName": self.plan_name,
            "RestoreTestingSelectionName": self.name, "ValidationWindowHours": self.validation_window_hours})

    def to_list(self) -> dict[str, Any]:
        return {k: v for k, v in self.to_get().items() if k in (
            "CreationTime", "IamRoleArn", "ProtectedResourceType", "RestoreTestingPlanName",
            "RestoreTestingSelectionName", "ValidationWindowHours")}


class TestingPlan:
    def __init__(self, backend: BackupBackend, spec: dict[str, Any], creator_request_id: str | None):
        if not isinstance(spec, dict):
            raise MissingParameterValueException("RestoreTestingPlan is required.")
        self.name = _name(spec.get("RestoreTestingPlanName"), "RestoreTestingPlan.RestoreTestingPlanName")
        self.arn = (f"arn:{get_partition(backend.region_name)}:backup:{backend.region_name}:{backend.account_id}:"
                    f"restore-testing-plan:{self.name}-{mock_random.get_random_hex(6)}")
        self.creator_request_id = creator_request_id
        self.creation_time = utcnow()
        self.update_time: datetime | None = None
        self.last_execution_time: datetime | None = None
        self.selections: dict[str, TestingSelection] = {}
        self.apply(spec, creating=True)

    def apply(self, spec: dict[str, Any], creating: bool = False) -> None:
        current = {} if creating else {"ScheduleExpression": self.schedule, "StartWindowHours": self.start_window_hours,
                                       "ScheduleExpressionTimezone": self.timezone,
                                       "RecoveryPointSelection": self.point_selection}
        merged = {**current, **{k: v for k, v in spec.items() if v is not None}}
        _schedule(merged.get("ScheduleExpression"), merged.get("ScheduleExpressionTimezone"))
        point_selection = _point_selection(merged.get("RecoveryPointSelection"))
        hours = _int_in(merged.get("StartWindowHours"), "RestoreTestingPlan.StartWindowHours", 1, 168,
                        DEFAULT_START_WINDOW_HOURS)
        self.schedule, self.timezone = merged["ScheduleExpression"], merged.get("ScheduleExpressionTimezone") or "Etc/UTC"
        self.point_selection, self.start_window_hours = point_selection, hours
        if not creating:
            self.update_time = utcnow()

    def to_list(self) -> dict[str, Any]:
        return clean({
            "CreationTime": self.creation_time, "LastExecutionTime": self.last_execution_time,
            "LastUpdateTime": self.update_time, "RestoreTestingPlanArn": self.arn, "RestoreTestingPlanName": self.name,
            "ScheduleExpression": self.schedule, "ScheduleExpressionTimezone": self.timezone,
            "StartWindowHours": self.start_window_hours})

    def to_get(self) -> dict[str, Any]:
        return {**self.to_list(), "CreatorRequestId": self.creator_request_id,
                "RecoveryPointSelection": self.point_selection}


def testing_plans_of(backend: BackupBackend) -> dict[str, TestingPlan]:
    """The restore testing plans of a backend, by name (emptied with it by moto's reset)."""
    return backend.__dict__.setdefault("_sandbox_restore_testing", {})


def plan_named(self: BackupBackend, name: str) -> TestingPlan:
    plan = testing_plans_of(self).get(name)
    if plan is None:
        raise ResourceNotFoundException(msg=f"Restore testing plan {name} not found")
    return plan


def selection_named(self: BackupBackend, plan_name: str, name: str) -> TestingSelection:
    selection = plan_named(self, plan_name).selections.get(name)
    if selection is None:
        raise ResourceNotFoundException(msg=f"Restore testing selection {name} of plan {plan_name} not found")
    return selection


def create_restore_testing_plan(self: BackupBackend, spec: dict[str, Any], tags: dict[str, str] | None,
                                creator_request_id: str | None) -> TestingPlan:
    plans = testing_plans_of(self)
    if creator_request_id:
        for plan in plans.values():
            if plan.creator_request_id == creator_request_id:
                return plan
    plan = TestingPlan(self, spec, creator_request_id)
    if plan.name in plans:
        raise AlreadyExistsException(msg=f"Restore testing plan {plan.name} already exists")
    if len(plans) >= MAX_PLANS:
        raise LimitExceededException(f"At most {MAX_PLANS} restore testing plans per account and Region.")
    plans[plan.name] = plan
    if tags:
        self.tag_resource(plan.arn, tags)
    return plan


def update_restore_testing_plan(self: BackupBackend, name: str, spec: dict[str, Any]) -> TestingPlan:
    plan = plan_named(self, name)
    if not isinstance(spec, dict):
        raise MissingParameterValueException("RestoreTestingPlan is required.")
    plan.apply(spec)
    return plan


def delete_restore_testing_plan(self: BackupBackend, name: str) -> None:
    plan = plan_named(self, name)
    if plan.selections:
        raise InvalidRequestException(
            msg=f"Restore testing plan {name} has selections; delete them before the plan")
    del testing_plans_of(self)[name]
    self.tagger.delete_all_tags_for_resource(plan.arn)


def create_restore_testing_selection(self: BackupBackend, plan_name: str, spec: dict[str, Any],
                                     creator_request_id: str | None) -> TestingSelection:
    plan = plan_named(self, plan_name)
    selection = TestingSelection(plan, spec, creator_request_id)
    if selection.name in plan.selections:
        raise AlreadyExistsException(msg=f"Restore testing selection {selection.name} already exists in {plan_name}")
    if len(plan.selections) >= MAX_SELECTIONS:
        raise LimitExceededException(f"At most {MAX_SELECTIONS} selections per restore testing plan ({plan_name}).")
    plan.selections[selection.name] = selection
    return selection


def update_restore_testing_selection(self: BackupBackend, plan_name: str, name: str,
                                     spec: dict[str, Any]) -> TestingSelection:
    selection = selection_named(self, plan_name, name)
    if not isinstance(spec, dict):
        raise MissingParameterValueException("RestoreTestingSelection is required.")
    selection.apply(spec)
    return selection


def delete_restore_testing_selection(self: BackupBackend, plan_name: str, name: str) -> None:
    selection_named(self, plan_name, name)
    del testing_plans_of(self)[plan_name].selections[name]


def inferred_metadata(point: Any, suffix: str | None = None) -> dict[str, str]:
    """What a restore test passes to StartRestoreJob before overrides: a NEW resource (DynamoDB
    ``targetTableName`` ``awsbackup-restore-test-...``, AWS-owned encryption; S3 a new bucket of that name, SSE-S3),
    never the source (devguide "Restore testing inferred metadata")."""
    target = f"{TEST_PREFIX}-{suffix or mock_random.get_random_hex(12)}"
    if point.resource_type == "DynamoDB":
        return {"targetTableName": target, "encryptionType": "Default", "deletionProtection": "false"}
    if point.resource_type == "S3":
        return {"DestinationBucketName": target, "NewBucket": "true", "EncryptionType": "SSE-S3"}
    return {}


def get_restore_testing_inferred_metadata(self: BackupBackend, vault_name: str, arn: str,
                                          vault_account: str | None) -> dict[str, str]:
    point = local_point(self, arn, vault_account)
    if point.vault_name != vault_name:
        raise ResourceNotFoundException(msg=f"Recovery point {arn} not found in backup vault {vault_name}")
    return inferred_metadata(point)
