"""AWS::Backup::BackupVault, BackupPlan, BackupSelection, RestoreTestingPlan and RestoreTestingSelection,
backed by moto's Backup model with the sandbox's additions (``sandbox.backup``).
"""
from __future__ import annotations

from typing import Any

from moto.backup.models import backup_backends
from moto.core.common_models import CloudFormationModel

from sandbox.backup import urls as backup_urls
from sandbox.backup.models.restore_testing import DEFAULT_START_WINDOW_HOURS
from sandbox.cloudformation.types.base import (
    AttributesByName,
    ReplacedOnUpdate,
    SandboxType,
    int_or_none,
    json_text,
    props_of,
    replace_policy_retains,
)


def _backup(account_id: str, region_name: str) -> Any:
    backup_urls.install()
    return backup_backends[account_id][region_name]


def _sync_tags(backend: Any, arn: str, old: dict[str, str] | None, new: dict[str, str] | None) -> None:
    old, new = old or {}, new or {}
    removed = [k for k in old if k not in new]
    if removed:
        backend.untag_resource(arn, removed)
    if new:
        backend.tag_resource(arn, {k: str(v) for k, v in new.items()})


class BackupVaultResource(AttributesByName, CloudFormationModel):
    _ref, _name_property, _attributes = "name", "BackupVaultName", ("BackupVaultArn", "BackupVaultName")

    _fields = ("name", "properties")

    @property
    def _vault(self) -> Any:
        return _backup(self.account_id, self.region_name).describe_backup_vault(self.name)

    _type = "AWS::Backup::BackupVault"

    def _attribute(self, attribute_name: str) -> Any:
        return self._vault.backup_vault_arn if attribute_name == "BackupVaultArn" else self.name

    @staticmethod
    def _apply(backend: Any, name: str, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        old = old or {}
        if new.get("LockConfiguration") != old.get("LockConfiguration"):
            lock = new.get("LockConfiguration")
            if lock:
                backend.put_backup_vault_lock_configuration(
                    backup_vault_name=name, min_retention_days=int_or_none(lock.get("MinRetentionDays")),
                    max_retention_days=int_or_none(lock.get("MaxRetentionDays")),
                    changeable_for_days=int_or_none(lock.get("ChangeableForDays")))
            else:
                backend.delete_backup_vault_lock_configuration(backup_vault_name=name)
        if new.get("AccessPolicy") != old.get("AccessPolicy"):
            if new.get("AccessPolicy"):
                backend.put_backup_vault_access_policy(name, json_text(new["AccessPolicy"]))
            else:
                backend.delete_backup_vault_access_policy(name)
        if new.get("Notifications") != old.get("Notifications"):
            notifications = new.get("Notifications")
            if notifications:
                backend.put_backup_vault_notifications(name, notifications.get("SNSTopicArn"),
                                                       notifications.get("BackupVaultEvents") or [])
            else:
                backend.delete_backup_vault_notifications(name)

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> BackupVaultResource:
        name = props.get("BackupVaultName") or resource_name
        backend = _backup(account_id, region_name)
        backend.create_backup_vault(backup_vault_name=name, backup_vault_tags=props.get("BackupVaultTags"),
                                    encryption_key_arn=props.get("EncryptionKeyArn"), creator_request_id=None)
        try:
            cls._apply(backend, name, props, None)
        except Exception:
            backend.vaults.pop(name, None)
            raise
        return cls(account_id, region_name, name, props)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: BackupVaultResource, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> BackupVaultResource:
        props = props_of(cloudformation_json)
        name = props.get("BackupVaultName") or original_resource.name
        old = original_resource.properties
        if name != original_resource.name or props.get("EncryptionKeyArn") != old.get("EncryptionKeyArn"):
            replacement = cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
            if not replace_policy_retains(cloudformation_json):
                original_resource.delete(account_id, region_name)
            return replacement
        backend = _backup(account_id, region_name)
        cls._apply(backend, name, props, old)
        _sync_tags(backend, original_resource._vault.backup_vault_arn, old.get("BackupVaultTags"),
                   props.get("BackupVaultTags"))
        original_resource.properties = props
        return original_resource

    @staticmethod
    def _delete_id(account_id: str, region_name: str, name: str) -> None:
        _backup(account_id, region_name).delete_backup_vault(name)


def _plan_document(cfn_plan: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's BackupPlanResourceType -> the BackupPlanInput of the API."""
    rules = []
    for cfn_rule in cfn_plan.get("BackupPlanRule") or []:
        rule = {k: v for k, v in cfn_rule.items() if k != "TargetBackupVault" and v is not None}
        rule["TargetBackupVaultName"] = cfn_rule.get("TargetBackupVault")
        for key in ("StartWindowMinutes", "CompletionWindowMinutes"):
            if key in rule:
                rule[key] = int(rule[key])
        if "EnableContinuousBackup" in rule:
            rule["EnableContinuousBackup"] = str(rule["EnableContinuousBackup"]).lower() == "true"
        rules.append(rule)
    document: dict[str, Any] = {"BackupPlanName": cfn_plan.get("BackupPlanName"), "Rules": rules}
    if cfn_plan.get("AdvancedBackupSettings"):
        document["AdvancedBackupSettings"] = cfn_plan["AdvancedBackupSettings"]
    return document


class BackupPlanResource(AttributesByName, CloudFormationModel):
    _ref, _attributes = "plan_id", ("BackupPlanArn", "BackupPlanId", "VersionId")

    _fields = ("plan_id", "properties")

    @property
    def _plan(self) -> Any:
        return _backup(self.account_id, self.region_name).get_backup_plan(self.plan_id, None)

    _type = "AWS::Backup::BackupPlan"

    def _attribute(self, attribute_name: str) -> Any:
        if attribute_name == "BackupPlanId":
            return self.plan_id
        plan = self._plan
        return plan.backup_plan_arn if attribute_name == "BackupPlanArn" else plan.version_id

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> BackupPlanResource:
        plan = _backup(account_id, region_name).create_backup_plan(
            backup_plan=_plan_document(props.get("BackupPlan") or {}),
            backup_plan_tags={k: str(v) for k, v in (props.get("BackupPlanTags") or {}).items()},
            creator_request_id=None)
        return cls(account_id, region_name, plan.backup_plan_id, props)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: BackupPlanResource, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> BackupPlanResource:
        props = props_of(cloudformation_json)
        backend = _backup(account_id, region_name)
        old = original_resource.properties
        if props.get("BackupPlan") != old.get("BackupPlan"):
            backend.update_backup_plan(original_resource.plan_id, _plan_document(props.get("BackupPlan") or {}))
        _sync_tags(backend, original_resource._plan.backup_plan_arn, old.get("BackupPlanTags"),
                   props.get("BackupPlanTags"))
        original_resource.properties = props
        return original_resource

    @staticmethod
    def _delete_id(account_id: str, region_name: str, plan_id: str) -> None:
        _backup(account_id, region_name).delete_backup_plan(plan_id)


class BackupSelectionResource(AttributesByName, CloudFormationModel):
    _ref, _attributes = "selection_id", ("SelectionId", "BackupPlanId", "Id")

    _fields = ("plan_id", "selection_id", "properties")
    _type = "AWS::Backup::BackupSelection"

    def _attribute(self, attribute_name: str) -> Any:
        return self.plan_id if attribute_name == "BackupPlanId" else self.selection_id

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> BackupSelectionResource:
        plan_id = props.get("BackupPlanId")
        selection = _backup(account_id, region_name).create_backup_selection(
            plan_id, dict(props.get("BackupSelection") or {}), None)
        return cls(account_id, region_name, plan_id, selection.selection_id, props)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: BackupSelectionResource, new_resource_name: str,
        cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> BackupSelectionResource:
        # Every property of a selection requires replacement in AWS.
        if props_of(cloudformation_json) == original_resource.properties:
            return original_resource
        replacement = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id,
                                                          region_name)
        original_resource.delete(account_id, region_name)
        return replacement

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> None:
        plan_id = props_of(cloudformation_json).get("BackupPlanId")
        _backup(account_id, region_name).delete_backup_selection(plan_id, resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _backup(account_id, region_name).delete_backup_selection(self.plan_id, self.selection_id)


def _restore_testing(account_id: str, region_name: str) -> Any:

    backup_urls.install()
    return _backup(account_id, region_name)


def _tag_dict(tags: Any) -> dict[str, str]:
    return {t["Key"]: str(t["Value"]) for t in tags or []}


class RestoreTestingPlanResource(AttributesByName, CloudFormationModel):
    """AWS::Backup::RestoreTestingPlan (sandbox.backup.models.restore_testing);
    Ref = the name; GetAtt RestoreTestingPlanArn.
    An update changes the plan in place (AWS's UpdateRestoreTestingPlan; the name alone requires replacement),
    with the template's omitted optional properties back at their defaults."""

    _ref, _name_property, _attributes = "name", "RestoreTestingPlanName", ("RestoreTestingPlanArn",)

    _fields = ("name", "properties")
    _type = "AWS::Backup::RestoreTestingPlan"

    def _attribute(self, attribute_name: str) -> Any:
        return _restore_testing(self.account_id, self.region_name).get_restore_testing_plan(self.name).arn

    @staticmethod
    def _spec(props: dict[str, Any]) -> dict[str, Any]:

        return {"RestoreTestingPlanName": props.get("RestoreTestingPlanName"),
                "ScheduleExpression": props.get("ScheduleExpression"),
                "ScheduleExpressionTimezone": props.get("ScheduleExpressionTimezone") or "Etc/UTC",
                "StartWindowHours": props.get("StartWindowHours", DEFAULT_START_WINDOW_HOURS),
                "RecoveryPointSelection": dict(props.get("RecoveryPointSelection") or {})}

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> RestoreTestingPlanResource:
        plan = _restore_testing(account_id, region_name).create_restore_testing_plan(
            cls._spec(props), _tag_dict(props.get("Tags")), None)
        return cls(account_id, region_name, plan.name, props)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: RestoreTestingPlanResource, new_resource_name: str,
        cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> RestoreTestingPlanResource:
        props = props_of(cloudformation_json)
        if props.get("RestoreTestingPlanName") != original_resource.name:
            replacement = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id,
                                                              region_name)
            original_resource.delete(account_id, region_name)
            return replacement
        backend = _restore_testing(account_id, region_name)
        spec = cls._spec(props)
        spec.pop("RestoreTestingPlanName")
        plan = backend.update_restore_testing_plan(original_resource.name, spec)
        _sync_tags(backend, plan.arn, _tag_dict(original_resource.properties.get("Tags")), _tag_dict(props.get("Tags")))
        original_resource.properties = props
        return original_resource

    @staticmethod
    def _delete_id(account_id: str, region_name: str, name: str) -> None:
        _restore_testing(account_id, region_name).delete_restore_testing_plan(name)


class RestoreTestingSelectionResource(ReplacedOnUpdate, SandboxType, CloudFormationModel):
    """AWS::Backup::RestoreTestingSelection (sandbox.backup.models.restore_testing); Ref =
    ``plan|selection`` (the type's two identifiers). An update re-creates the selection under its name (the
    sandbox's simplification of AWS's in-place UpdateRestoreTestingSelection: the same state, a new CreationTime)."""

    _ref = "physical_id"

    def __init__(self, account_id: str, region_name: str, plan: str, name: str):
        self.account_id, self.region_name, self.plan, self.name = account_id, region_name, plan, name
        self.physical_id = f"{plan}|{name}"

    _type = "AWS::Backup::RestoreTestingSelection"

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> RestoreTestingSelectionResource:
        spec = {k: v for k, v in props.items() if k != "RestoreTestingPlanName"}
        selection = _restore_testing(account_id, region_name).create_restore_testing_selection(
            props.get("RestoreTestingPlanName"), spec, None)
        return cls(account_id, region_name, selection.plan_name, selection.name)

    @staticmethod
    def _delete_id(account_id: str, region_name: str, physical_id: str) -> None:
        plan, _, name = physical_id.partition("|")
        _restore_testing(account_id, region_name).delete_restore_testing_selection(plan, name)
