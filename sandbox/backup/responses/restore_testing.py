"""Handlers of the restore testing APIs (plans, selections, inferred metadata)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moto.backup.responses import BackupResponse
from moto.core.responses import ActionResult, EmptyResult

from sandbox.backup.exceptions import MissingParameterValueException
from sandbox.backup.models.restore_testing import testing_plans_of
from sandbox.backup.shapes import clean, paginate, params

if TYPE_CHECKING:
    from sandbox.backup.models.restore_testing import TestingPlan, TestingSelection


def _page(key: str, items: list[dict[str, Any]], p: dict[str, Any]) -> ActionResult:
    page, token = paginate(items, p.get("MaxResults"), p.get("NextToken"))
    return ActionResult(clean({key: page, "NextToken": token}))


def _plan_result(plan: TestingPlan, updated: bool = False) -> ActionResult:
    result = {"CreationTime": plan.creation_time, "RestoreTestingPlanArn": plan.arn,
              "RestoreTestingPlanName": plan.name}
    return ActionResult({**result, "UpdateTime": plan.update_time} if updated else result)


def _selection_result(self: BackupResponse, selection: TestingSelection, updated: bool = False) -> ActionResult:
    result = {"CreationTime": selection.creation_time, "RestoreTestingPlanName": selection.plan_name,
              "RestoreTestingPlanArn": self.backup_backend.get_restore_testing_plan(selection.plan_name).arn,
              "RestoreTestingSelectionName": selection.name}
    return ActionResult({**result, "UpdateTime": selection.update_time} if updated else result)


def r_create_restore_testing_plan(self: BackupResponse) -> ActionResult:
    p = params(self)
    return _plan_result(self.backup_backend.create_restore_testing_plan(
        p.get("RestoreTestingPlan"), p.get("Tags"), p.get("CreatorRequestId")))


def r_get_restore_testing_plan(self: BackupResponse) -> ActionResult:
    plan = self.backup_backend.get_restore_testing_plan(params(self)["RestoreTestingPlanName"])
    return ActionResult({"RestoreTestingPlan": plan.to_get()})


def r_list_restore_testing_plans(self: BackupResponse) -> ActionResult:
    p = params(self)
    return _page("RestoreTestingPlans", [plan.to_list() for plan in testing_plans_of(self.backup_backend).values()], p)


def r_update_restore_testing_plan(self: BackupResponse) -> ActionResult:
    p = params(self)
    return _plan_result(self.backup_backend.update_restore_testing_plan(
        p["RestoreTestingPlanName"], p.get("RestoreTestingPlan")), updated=True)


def r_delete_restore_testing_plan(self: BackupResponse) -> EmptyResult:
    self.backup_backend.delete_restore_testing_plan(params(self)["RestoreTestingPlanName"])
    return EmptyResult()


def r_create_restore_testing_selection(self: BackupResponse) -> ActionResult:
    p = params(self)
    return _selection_result(self, self.backup_backend.create_restore_testing_selection(
        p["RestoreTestingPlanName"], p.get("RestoreTestingSelection"), p.get("CreatorRequestId")))


def r_get_restore_testing_selection(self: BackupResponse) -> ActionResult:
    p = params(self)
    selection = self.backup_backend.get_restore_testing_selection(p["RestoreTestingPlanName"],
                                                                  p["RestoreTestingSelectionName"])
    return ActionResult({"RestoreTestingSelection": selection.to_get()})


def r_list_restore_testing_selections(self: BackupResponse) -> ActionResult:
    p = params(self)
    plan = self.backup_backend.get_restore_testing_plan(p["RestoreTestingPlanName"])
    return _page("RestoreTestingSelections", [s.to_list() for s in plan.selections.values()], p)


def r_update_restore_testing_selection(self: BackupResponse) -> ActionResult:
    p = params(self)
    return _selection_result(self, self.backup_backend.update_restore_testing_selection(
        p["RestoreTestingPlanName"], p["RestoreTestingSelectionName"], p.get("RestoreTestingSelection")),
        updated=True)


def r_delete_restore_testing_selection(self: BackupResponse) -> EmptyResult:
    p = params(self)
    self.backup_backend.delete_restore_testing_selection(p["RestoreTestingPlanName"], p["RestoreTestingSelectionName"])
    return EmptyResult()


def r_get_restore_testing_inferred_metadata(self: BackupResponse) -> ActionResult:
    p = params(self)
    if not p.get("RecoveryPointArn") or not p.get("BackupVaultName"):
        raise MissingParameterValueException("BackupVaultName and RecoveryPointArn are required.")
    return ActionResult({"InferredMetadata": self.backup_backend.get_restore_testing_inferred_metadata(
        p["BackupVaultName"], p["RecoveryPointArn"], p.get("BackupVaultAccountId"))})


TESTING_RESPONSE_METHODS = {
    "create_restore_testing_plan": r_create_restore_testing_plan,
    "get_restore_testing_plan": r_get_restore_testing_plan,
    "list_restore_testing_plans": r_list_restore_testing_plans,
    "update_restore_testing_plan": r_update_restore_testing_plan,
    "delete_restore_testing_plan": r_delete_restore_testing_plan,
    "create_restore_testing_selection": r_create_restore_testing_selection,
    "get_restore_testing_selection": r_get_restore_testing_selection,
    "list_restore_testing_selections": r_list_restore_testing_selections,
    "update_restore_testing_selection": r_update_restore_testing_selection,
    "delete_restore_testing_selection": r_delete_restore_testing_selection,
    "get_restore_testing_inferred_metadata": r_get_restore_testing_inferred_metadata,
}
