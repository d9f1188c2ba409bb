"""The static source's restore testing plans: ``AWS::Backup::RestoreTestingPlan`` with its
``AWS::Backup::RestoreTestingSelection`` resources, as the resolved templates will create them.

A selection names its plan by ``RestoreTestingPlanName`` (in the templates ``!Ref RestoreTestingPlan``, whose
value is the plan's name): it is attached to the plan of the same stack it refers to, or to the plan of
that name. The records have the shape of ``records.restore_testing``, the same the live source gives.
"""
from __future__ import annotations

from typing import Any, Mapping

from audit.sources.records.restore_testing import plan_record, selection_record
from audit.sources.static.stacks import ResolvedStack, origin, resources_of, scoped


def read_restore_testing_plans(stacks: Mapping[str, ResolvedStack]) -> list[dict[str, Any]]:
    plans: dict[str, dict[str, Any]] = {}
    by_name: dict[str, dict[str, Any]] = {}
    for stack, logical_id, resource in resources_of(stacks, "AWS::Backup::RestoreTestingPlan"):
        props = resource["Properties"]
        spec = stack.spec
        name = props.get("RestoreTestingPlanName")
        plan = plan_record(props, arn=f"arn:aws:backup:{spec.region}:{spec.account_id}:restore-testing-plan:{name}",
                           account_id=spec.account_id, region=spec.region, selections=[],
                           origin=origin(stack, logical_id))
        plans[f"{spec.name}:{logical_id}"] = plan
        by_name[str(name)] = plan
    for stack, logical_id, resource in resources_of(stacks, "AWS::Backup::RestoreTestingSelection"):
        props = resource["Properties"]
        reference = props.get("RestoreTestingPlanName")
        found = plans.get(scoped(stack, reference)) or by_name.get(str(reference))
        if found is not None:
            found["selections"].append(selection_record(props, origin=origin(stack, logical_id)))
    return list(plans.values())
