"""moto 5.2.5's CloudFormation change sets, made to behave like AWS's for `aws cloudformation deploy`.

Fixed here (installed by sandbox.cloudformation.registry.install):

* Outputs after ExecuteChangeSet: moto kept the stack's empty creation-time template, so describe-stacks
  returned no Outputs (and a stale template, description and parameters). The executed change set's
  template, parameters, tags and outputs now become the stack's.
* An unchanged deploy: moto's CreateChangeSet raised "No updates are to be performed." (the UpdateStack
  error), so `aws cloudformation deploy` failed. AWS creates the change set and ends it FAILED with the
  StatusReason "The submitted information didn't contain changes. Submit different information to create
  a change set.", which the AWS CLI reports as "No changes to deploy". The comparison uses the effective
  parameter values (template defaults, UsePreviousValue) and the stack tags.
* Parameters reused with UsePreviousValue came back typed (a list for CommaDelimitedList, an int for
  Number) and broke the next parse; they are text again.
* A change set whose execution raises no longer answers HTTP 500 with the stack stuck IN_PROGRESS: the
  stack gets a <TYPE>_FAILED event naming the logical resource and the error, then ROLLBACK_COMPLETE (create)
  or UPDATE_ROLLBACK_COMPLETE (update); a failed update keeps the stack's previous template and parameters.
  Unlike AWS, resources created or changed before the failure are NOT rolled back.
* An update changed only the resources that Ref a changed parameter; a parameter used inside Fn::Sub
  (e.g. a policy's "${EnvironmentAccountId}") now marks its resources modified too.
* A resource whose type moto cannot update (it returned None, breaking every later Ref/GetAtt of it) keeps
  its old properties, with a warning in the server log.
* A CREATE change set for a stack left in REVIEW_IN_PROGRESS reuses that stack, as AWS does, instead of
  adding a second stack of the same name.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from moto.cloudformation import models as cfn_models, parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse

logger = logging.getLogger("moto")

NO_CHANGES_REASON = ("The submitted information didn't contain changes. "
                     "Submit different information to create a change set.")


_installed = False


def _param_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _template_dict(template: Any) -> dict[str, Any]:
    if isinstance(template, dict):
        return template
    if not template:
        return {}
    return cfn_models.Stack.parse_template(template)


def _effective_parameters(template: dict[str, Any], given: dict[str, Any]) -> dict[str, str]:
    result = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if name in given:
            result[name] = _param_text(given[name])
        elif isinstance(spec, dict) and "Default" in spec:
            result[name] = _param_text(spec["Default"])
    return result


def _uses_parameters(resource: dict[str, Any], names: set[str]) -> bool:
    """Whether a resource refers to one of these parameters, by Ref or inside an Fn::Sub string."""
    if set(parsing.get_references_from_template(resource)) & names:
        return True
    text = json.dumps(resource)
    return any("${" + name + "}" in text for name in names)


def build_resource_diff(self: parsing.ResourceMap, other_template: dict[str, Any],
                        parameters: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """moto's diff, but a parameter used only inside Fn::Sub also marks its resources modified."""
    old = self._resource_json_map
    new = other_template["Resources"]
    result = {
        "Add": [name for name in new if name not in old],
        "Modify": [name for name in new if name in old and new[name] != old[name]],
        "Remove": [name for name in old if name not in new],
    }
    if parameters:
        changed = {p for p in parameters
                   if self.input_parameters.get(p) is None
                   or _param_text(self.input_parameters[p]) != _param_text(parameters[p])}
        for name in new:
            if name in old and new[name] == old[name] and _uses_parameters(new[name], changed):
                result["Modify"].append(name)
    return result


def _changes(stack: cfn_models.Stack, new_template: dict[str, Any], old_params: dict[str, str],
             new_params: dict[str, str]) -> list[cfn_models.Change]:
    old_resources = stack.resource_map._resource_json_map or {}
    new_resources = new_template.get("Resources") or {}
    changed_params = {k for k in set(old_params) | set(new_params) if old_params.get(k) != new_params.get(k)}
    changes = []
    for name, resource in new_resources.items():
        if name not in old_resources:
            changes.append(cfn_models.Change("Add", name, resource["Type"]))
        elif resource != old_resources[name]:
            changes.append(cfn_models.Change("Modify", name, resource["Type"]))
        elif changed_params and _uses_parameters(resource, changed_params):
            changes.append(cfn_models.Change("Modify", name, resource["Type"]))
    for name, resource in old_resources.items():
        if name not in new_resources:
            changes.append(cfn_models.Change("Remove", name, resource["Type"]))
    return changes


_moto_validate_different_update = CloudFormationResponse._validate_different_update

_moto_create_change_set = cfn_models.CloudFormationBackend.create_change_set

_moto_parse_and_create_resource = parsing.parse_and_create_resource

_moto_parse_and_update_resource = parsing.parse_and_update_resource


def _validate_different_update(self: CloudFormationResponse, incoming_params: Any, stack_body: str,
                               old_stack: cfn_models.Stack) -> None:
    if self._get_action() == "CreateChangeSet":
        return  # AWS answers with a FAILED change set instead (see create_change_set below)
    _moto_validate_different_update(self, incoming_params, stack_body, old_stack)


def create_change_set(self: cfn_models.CloudFormationBackend, stack_name: str, change_set_name: str,
                      template: str, parameters: dict[str, str], description: str, change_set_type: str,
                      notification_arns: list[str] | None = None, tags: dict[str, str] | None = None,
                      role_arn: str | None = None) -> tuple[str, str]:
    parameters = {k: _param_text(v) for k, v in (parameters or {}).items()}
    if change_set_type == "CREATE":
        for stack_id, stack in list(self.stacks.items()):
            if stack.name == stack_name and stack.status == "REVIEW_IN_PROGRESS":
                del self.stacks[stack_id]
                for cs_id, cs in list(self.change_sets.items()):
                    if cs.stack_id == stack_id:
                        del self.change_sets[cs_id]
    change_set_id, stack_id = _moto_create_change_set(
        self, stack_name=stack_name, change_set_name=change_set_name, template=template, parameters=parameters,
        description=description, change_set_type=change_set_type, notification_arns=notification_arns,
        tags=tags, role_arn=role_arn)
    change_set = self.change_sets[change_set_id]
    if change_set_type == "UPDATE":
        stack = change_set.stack
        old_template = _template_dict(stack.template)
        new_template = change_set.template_dict
        old_params = _effective_parameters(old_template, stack.resource_map.input_parameters or {})
        new_params = _effective_parameters(new_template, parameters)
        tags_changed = bool(tags) and dict(tags) != dict(stack.tags or {})
        if old_template == new_template and old_params == new_params and not tags_changed:
            change_set.status = "FAILED"
            change_set.execution_status = "UNAVAILABLE"
            change_set.status_reason = NO_CHANGES_REASON
            change_set.changes = []
        else:
            change_set.status = "CREATE_COMPLETE"
            change_set.execution_status = "AVAILABLE"
            change_set.status_reason = None
            change_set.changes = _changes(stack, new_template, old_params, new_params)
            # The parameters the update applies: everything the template declares, previous values included.
            change_set.parameters = {**new_params, **parameters}
    return change_set_id, stack_id


def _find_change_set(backend: cfn_models.CloudFormationBackend, change_set_name: str,
                     stack_name: str | None) -> cfn_models.ChangeSet | None:
    if change_set_name in backend.change_sets:
        return backend.change_sets[change_set_name]
    for change_set in backend.change_sets.values():
        if change_set.change_set_name == change_set_name and (
                not stack_name or stack_name in (change_set.stack_name, change_set.stack_id)):
            return change_set
    return None


def _resource_event(stack: cfn_models.Stack, logical_id: str, resource_type: str, status: str,
                    reason: str | None) -> None:
    event = cfn_models.Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
                             physical_resource_id="", resource_type=resource_type, resource_status=status,
                             resource_status_reason=reason, resource_properties=None)
    stack.events.append(event)


def execute_change_set(self: cfn_models.CloudFormationBackend, change_set_name: str,
                       stack_name: str | None = None) -> None:
    change_set = _find_change_set(self, change_set_name, stack_name)
    if change_set is None:
        raise ValidationError(stack_name, message=f"ChangeSet [{change_set_name}] does not exist")
    if change_set.execution_status != "AVAILABLE":
        raise ValidationError(
            stack_name, message=f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
                                f"status of [{change_set.status}] and execution status [{change_set.execution_status}]")
    stack = self.stacks[change_set.stack_id]
    kind = change_set.change_set_type
    stack.status = f"{kind}_IN_PROGRESS"
    stack._add_stack_event(f"{kind}_IN_PROGRESS", resource_status_reason="User Initiated")
    change_set.execution_status = "EXECUTE_IN_PROGRESS"
    resource_map = stack.resource_map
    snapshot = {name: getattr(resource_map, name) for name in
                ("_template", "_resource_json_map", "input_parameters", "resolved_parameters")}
    parsed = dict(resource_map._parsed_resources)
    if kind == "UPDATE":
        # Compare like with like: moto's update diff treats a parameter missing on one side as changed.
        stack.resource_map.input_parameters = _effective_parameters(
            _template_dict(stack.template), stack.resource_map.input_parameters or {})
    try:
        change_set.apply()
    except Exception as error:  # noqa: BLE001 - any failure of a resource fails the stack, as in AWS
        logical_id = getattr(error, "sandbox_logical_id", None)
        reason = f"{type(error).__name__}: {getattr(error, 'message', None) or error}"
        if logical_id:
            _resource_event(stack, logical_id, getattr(error, "sandbox_resource_type", ""),
                            f"{kind}_FAILED", reason)
        stack._add_stack_event(f"{kind}_FAILED", resource_status_reason=(
            f"The following resource(s) failed to {kind.lower()}: [{logical_id}]. {reason}" if logical_id else reason))
        if kind == "UPDATE":  # the stack keeps its previous template and parameters, as after an AWS rollback
            for name, value in snapshot.items():
                setattr(resource_map, name, value)
            resource_map._parsed_resources = parsed
        final = "ROLLBACK_COMPLETE" if kind == "CREATE" else "UPDATE_ROLLBACK_COMPLETE"
        stack._add_stack_event(final)
        stack.status = final
        change_set.execution_status = "EXECUTE_FAILED"
        return
    stack.template = change_set.template
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.parameters = dict(change_set.parameters)
    if change_set.tags:
        stack.tags = dict(change_set.tags)
    stack.output_map = stack._create_output_map()
    for export in stack.exports:
        self.exports[export.name] = export
    stack._add_stack_event(f"{kind}_COMPLETE")
    stack.status = f"{kind}_COMPLETE"
    change_set.execution_status = "EXECUTE_COMPLETE"
    # Once a change set ran, AWS deletes the stack's other change sets.
    for cs_id, other in list(self.change_sets.items()):
        if other is not change_set and other.stack_id == stack.stack_id:
            del self.change_sets[cs_id]


def _mark(error: Exception, logical_id: str, resource_json: dict[str, Any]) -> None:
    if not hasattr(error, "sandbox_logical_id"):
        try:
            error.sandbox_logical_id = logical_id  # type: ignore[attr-defined]
            error.sandbox_resource_type = resource_json.get("Type", "")  # type: ignore[attr-defined]
        except AttributeError:
            pass


def parse_and_create_resource(logical_id: str, resource_json: dict[str, Any], resources_map: Any,
                              account_id: str, region_name: str) -> Any:
    try:
        return _moto_parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name)
    except Exception as error:
        _mark(error, logical_id, resource_json)
        raise


def parse_and_update_resource(logical_id: str, resource_json: dict[str, Any], resources_map: Any,
                              account_id: str, region_name: str) -> Any:
    try:
        updated = _moto_parse_and_update_resource(logical_id, resource_json, resources_map, account_id,
                                                  region_name)
    except Exception as error:
        _mark(error, logical_id, resource_json)
        raise
    if updated is None:
        # moto has no update for this type (e.g. AWS::DynamoDB::Table): it returned None, which would make
        # every later Ref/GetAtt of the resource fail. Keep the resource as it is.
        original = resources_map._parsed_resources.get(logical_id)
        if original is not None:
            logger.warning("sandbox: no update modelled for %s (%s); the resource keeps its old properties",
                           logical_id, resource_json.get("Type"))
            return original
    return updated


def install() -> None:
    global _installed
    if _installed:
        return
    CloudFormationResponse._validate_different_update = _validate_different_update
    cfn_models.CloudFormationBackend.create_change_set = create_change_set
    cfn_models.CloudFormationBackend.execute_change_set = execute_change_set
    parsing.ResourceMap.build_resource_diff = build_resource_diff
    parsing.parse_and_create_resource = parse_and_create_resource
    parsing.parse_and_update_resource = parse_and_update_resource
    _installed = True
