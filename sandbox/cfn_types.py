"""CloudFormation resource types that moto 5.2.5 skips, and its two change-set bugs, fixed for the sandbox.

moto's CloudFormation finds resource types through CloudFormationModel.__subclasses__() (direct subclasses
only) and caches the result (get_model_list, get_model_map, get_name_type_map in
moto.cloudformation.parsing). This module defines the missing types as direct subclasses and clears those
caches, so a stack creates, updates and deletes real moto resources for:

  AWS::Backup::BackupVault      name, EncryptionKeyArn, AccessPolicy, LockConfiguration (moto's vault
                                lock), Notifications, BackupVaultTags; Ref = name; GetAtt BackupVaultArn,
                                BackupVaultName
  AWS::Backup::BackupPlan       a moto plan (rules, copy actions, lifecycles, tags); Ref = plan id;
                                GetAtt BackupPlanArn, BackupPlanId, VersionId
  AWS::Backup::BackupSelection  a selection (sandbox.backup_ext); Ref = selection id; GetAtt SelectionId,
                                BackupPlanId, Id
  AWS::Backup::RestoreTestingPlan       a restore testing plan (sandbox.restore_testing); Ref = name;
                                        GetAtt RestoreTestingPlanArn
  AWS::Backup::RestoreTestingSelection  a restore testing selection; Ref = plan|selection
  AWS::S3::BucketPolicy         put_bucket_policy; Ref = bucket name
  AWS::SNS::TopicPolicy         the topics' Policy attribute
  AWS::SNS::Subscription        subscribe (moto confirms it at once: no confirmation message); Ref = ARN
  AWS::CloudWatch::Alarm        put_metric_alarm; Ref = alarm name; GetAtt Arn
  AWS::CloudTrail::Trail        create_trail (+ start_logging); Ref = trail name; GetAtt Arn
  AWS::Cognito::UserPool        create_user_pool; Ref = pool id; GetAtt Arn, ProviderName, ProviderURL,
                                UserPoolId
  AWS::Cognito::UserPoolGroup   create_group; Ref = group name
  AWS::SQS::QueuePolicy         the queues' Policy attribute

Without them moto logs "No Moto CloudFormation support for X" and reports the stack CREATE_COMPLETE with
the resource missing. Two of moto's own types are corrected (see _patch_native_types): AWS::KMS::Key (a
template's key policy broke DescribeKey; no update), AWS::IAM::Role (ManagedPolicyArns ignored),
AWS::S3::Bucket (versioning, lifecycle, logging, public access block ignored) and AWS::DynamoDB::Table
(point-in-time recovery ignored).
The change-set fixes live in sandbox.cfn_stacks and are installed with these types.
"""
from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.utilities.utils import get_partition

from sandbox import backup_ext

__all__ = ["install", "SANDBOX_TYPES"]


def _props(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
    return cloudformation_json.get("Properties") or {}


def _json_text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def _replace_policy_retains(cloudformation_json: dict[str, Any]) -> bool:
    return cloudformation_json.get("UpdateReplacePolicy") in ("Retain", "Snapshot")


def _int_or_none(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


# ------------------------------------------------------------------------------------------- mixins
# moto finds CloudFormation types among the DIRECT subclasses of CloudFormationModel only, so what the types
# share lives in mixins that do not derive from it, listed first: class X(_Mixin, CloudFormationModel).

class _SandboxType:
    """What every sandbox type states alike, from three class attributes: Ref is the instance attribute
    named by _ref, cloudformation_name_type is _name_property (the property that names the resource, "" for
    none), has_cfn_attr accepts the names in _attributes; the resource exists once made (is_created).
    Every type creates from the template's Properties alone: create_from_cloudformation_json hands them to
    the type's _create(account_id, region_name, resource_name, props). A type whose backend deletes by the
    physical id alone defines _delete_id(account_id, region_name, physical_id), and both deletes (the
    stack's, by that id, and a replacement's, of the instance) go through it; any other type defines both
    itself. A mixin: moto finds CloudFormation types among the DIRECT subclasses of CloudFormationModel."""

    _ref: str
    _name_property = ""
    _attributes: tuple[str, ...] = ()

    @property
    def physical_resource_id(self) -> str:
        return getattr(self, self._ref)

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls._name_property

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls._attributes

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> Any:
        return cls._create(account_id, region_name, resource_name, _props(cloudformation_json))  # type: ignore[attr-defined]

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> None:
        cls._delete_id(account_id, region_name, resource_name)  # type: ignore[attr-defined]

    def delete(self, account_id: str, region_name: str) -> None:
        self._delete_id(account_id, region_name, self.physical_resource_id)  # type: ignore[attr-defined]

    def is_created(self) -> bool:
        return True


class _AttributesByName(_SandboxType):
    """GetAtt answers the names in _attributes, each from _attribute(name), and fails the template (moto's
    UnformattedGetAttTemplateException) on any other name, as CloudFormation does. A mixin: moto finds
    CloudFormation types among the DIRECT subclasses of CloudFormationModel."""

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name not in self._attributes:
            raise UnformattedGetAttTemplateException()
        return self._attribute(attribute_name)

    def _attribute(self, attribute_name: str) -> Any:
        raise NotImplementedError


class _ReplacedOnUpdate:
    """An update deletes the resource and creates it from the new properties (what CloudFormation does for
    a property that requires replacement). A mixin: moto finds CloudFormation types among the DIRECT
    subclasses of CloudFormationModel."""

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
        region_name: str,
    ) -> Any:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)  # type: ignore[attr-defined]


class _PutAgainOnUpdate:
    """An update writes the resource again from the new properties (the put overwrites it in place, under
    the old name where the template gives none); when that gives it another physical id (a new name,
    another bucket), the old one is deleted, as CloudFormation replaces it. A mixin: moto finds
    CloudFormation types among the DIRECT subclasses of CloudFormationModel."""

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
        region_name: str,
    ) -> Any:
        updated = cls.create_from_cloudformation_json(  # type: ignore[attr-defined]
            original_resource.physical_resource_id, cloudformation_json, account_id, region_name)
        if updated.physical_resource_id != original_resource.physical_resource_id:
            original_resource.delete(account_id, region_name)
        return updated


class _PolicyOfResources(_SandboxType):
    """A policy CloudFormation attaches to other resources (topics, queues): Ref and Id = a generated id.
    A type names the property that lists the resources (_targets_property) and sets the policy on them
    (_set; policy None takes it off again). An update sets the new policy and takes it off the resources the
    template no longer lists. A mixin: moto finds CloudFormation types among the DIRECT subclasses of
    CloudFormationModel."""

    _ref, _attributes = "physical_id", ("Id",)
    _targets_property: str

    def __init__(self, account_id: str, region_name: str, physical_id: str, targets: list[str]):
        self.account_id, self.region_name, self.physical_id, self.targets = account_id, region_name, physical_id, targets

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.physical_id

    @classmethod
    def _set(cls, account_id: str, region_name: str, targets: list[str], policy: str | None) -> None:
        raise NotImplementedError

    @classmethod
    def _targets(cls, props: dict[str, Any]) -> list[str]:
        return [str(t) for t in props.get(cls._targets_property) or []]

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str, props: dict[str, Any]) -> Any:
        targets = cls._targets(props)
        cls._set(account_id, region_name, targets, _json_text(props["PolicyDocument"]))
        return cls(account_id, region_name, resource_name, targets)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
        region_name: str,
    ) -> Any:
        updated = cls.create_from_cloudformation_json(original_resource.physical_id, cloudformation_json,
                                                      account_id, region_name)
        cls._set(account_id, region_name, [t for t in original_resource.targets if t not in updated.targets], None)
        return updated

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> None:
        cls._set(account_id, region_name, cls._targets(_props(cloudformation_json)), None)

    def delete(self, account_id: str, region_name: str) -> None:
        self._set(account_id, region_name, self.targets, None)


# ------------------------------------------------------------------------------------------- Backup

def _backup(account_id: str, region_name: str) -> Any:
    backup_ext.install()
    return backup_ext.backup_backends[account_id][region_name]


def _sync_tags(backend: Any, arn: str, old: dict[str, str] | None, new: dict[str, str] | None) -> None:
    old, new = old or {}, new or {}
    removed = [k for k in old if k not in new]
    if removed:
        backend.untag_resource(arn, removed)
    if new:
        backend.tag_resource(arn, {k: str(v) for k, v in new.items()})


class BackupVaultResource(_AttributesByName, CloudFormationModel):
    _ref, _name_property, _attributes = "name", "BackupVaultName", ("BackupVaultArn", "BackupVaultName")

    def __init__(self, account_id: str, region_name: str, name: str, properties: dict[str, Any]):
        self.account_id = account_id
        self.region_name = region_name
        self.name = name
        self.properties = properties

    @property
    def _vault(self) -> Any:
        return _backup(self.account_id, self.region_name).describe_backup_vault(self.name)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Backup::BackupVault"

    def _attribute(self, attribute_name: str) -> Any:
        return self._vault.backup_vault_arn if attribute_name == "BackupVaultArn" else self.name

    @staticmethod
    def _apply(backend: Any, name: str, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        old = old or {}
        if new.get("LockConfiguration") != old.get("LockConfiguration"):
            lock = new.get("LockConfiguration")
            if lock:
                backend.put_backup_vault_lock_configuration(
                    backup_vault_name=name, min_retention_days=_int_or_none(lock.get("MinRetentionDays")),
                    max_retention_days=_int_or_none(lock.get("MaxRetentionDays")),
                    changeable_for_days=_int_or_none(lock.get("ChangeableForDays")))
            else:
                backend.delete_backup_vault_lock_configuration(backup_vault_name=name)
        if new.get("AccessPolicy") != old.get("AccessPolicy"):
            if new.get("AccessPolicy"):
                backend.put_backup_vault_access_policy(name, _json_text(new["AccessPolicy"]))
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
        props = _props(cloudformation_json)
        name = props.get("BackupVaultName") or original_resource.name
        old = original_resource.properties
        if name != original_resource.name or props.get("EncryptionKeyArn") != old.get("EncryptionKeyArn"):
            replacement = cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
            if not _replace_policy_retains(cloudformation_json):
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


class BackupPlanResource(_AttributesByName, CloudFormationModel):
    _ref, _attributes = "plan_id", ("BackupPlanArn", "BackupPlanId", "VersionId")

    def __init__(self, account_id: str, region_name: str, plan_id: str, properties: dict[str, Any]):
        self.account_id = account_id
        self.region_name = region_name
        self.plan_id = plan_id
        self.properties = properties

    @property
    def _plan(self) -> Any:
        return _backup(self.account_id, self.region_name).get_backup_plan(self.plan_id, None)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Backup::BackupPlan"

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
        props = _props(cloudformation_json)
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


class BackupSelectionResource(_AttributesByName, CloudFormationModel):
    _ref, _attributes = "selection_id", ("SelectionId", "BackupPlanId", "Id")

    def __init__(self, account_id: str, region_name: str, plan_id: str, selection_id: str,
                 properties: dict[str, Any]):
        self.account_id = account_id
        self.region_name = region_name
        self.plan_id = plan_id
        self.selection_id = selection_id
        self.properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Backup::BackupSelection"

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
        if _props(cloudformation_json) == original_resource.properties:
            return original_resource
        replacement = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id,
                                                          region_name)
        original_resource.delete(account_id, region_name)
        return replacement

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> None:
        plan_id = _props(cloudformation_json).get("BackupPlanId")
        _backup(account_id, region_name).delete_backup_selection(plan_id, resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _backup(account_id, region_name).delete_backup_selection(self.plan_id, self.selection_id)


def _restore_testing(account_id: str, region_name: str) -> Any:
    from sandbox import restore_testing

    restore_testing.install()
    return _backup(account_id, region_name)


def _tag_dict(tags: Any) -> dict[str, str]:
    return {t["Key"]: str(t["Value"]) for t in tags or []}


class RestoreTestingPlanResource(_AttributesByName, CloudFormationModel):
    """AWS::Backup::RestoreTestingPlan (sandbox.restore_testing); Ref = the name; GetAtt RestoreTestingPlanArn.
    An update changes the plan in place (AWS's UpdateRestoreTestingPlan; the name alone requires replacement),
    with the template's omitted optional properties back at their defaults."""

    _ref, _name_property, _attributes = "name", "RestoreTestingPlanName", ("RestoreTestingPlanArn",)

    def __init__(self, account_id: str, region_name: str, name: str, properties: dict[str, Any]):
        self.account_id, self.region_name, self.name, self.properties = account_id, region_name, name, properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Backup::RestoreTestingPlan"

    def _attribute(self, attribute_name: str) -> Any:
        return _restore_testing(self.account_id, self.region_name).get_restore_testing_plan(self.name).arn

    @staticmethod
    def _spec(props: dict[str, Any]) -> dict[str, Any]:
        from sandbox.restore_testing import DEFAULT_START_WINDOW_HOURS

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
        props = _props(cloudformation_json)
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


class RestoreTestingSelectionResource(_ReplacedOnUpdate, _SandboxType, CloudFormationModel):
    """AWS::Backup::RestoreTestingSelection (sandbox.restore_testing); Ref = ``plan|selection`` (the type's two
    identifiers). An update re-creates the selection under its name (the sandbox's simplification of AWS's
    in-place UpdateRestoreTestingSelection: the same state, a new CreationTime)."""

    _ref = "physical_id"

    def __init__(self, account_id: str, region_name: str, plan: str, name: str):
        self.account_id, self.region_name, self.plan, self.name = account_id, region_name, plan, name
        self.physical_id = f"{plan}|{name}"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Backup::RestoreTestingSelection"

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


# ------------------------------------------------------------------------------------- S3, SNS, CW

def _s3(account_id: str, region_name: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account_id][get_partition(region_name)]


class S3BucketPolicyResource(_PutAgainOnUpdate, _SandboxType, CloudFormationModel):
    _ref = "bucket"

    def __init__(self, account_id: str, region_name: str, bucket: str, properties: dict[str, Any]):
        self.account_id = account_id
        self.region_name = region_name
        self.bucket = bucket
        self.properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> S3BucketPolicyResource:
        bucket = props["Bucket"]
        _s3(account_id, region_name).put_bucket_policy(bucket, _json_text(props["PolicyDocument"]).encode())
        return cls(account_id, region_name, bucket, props)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> None:
        _s3(account_id, region_name).delete_bucket_policy(_props(cloudformation_json).get("Bucket", resource_name))

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _s3(account_id, region_name)
        if self.bucket in backend.buckets:
            backend.delete_bucket_policy(self.bucket)


def _sns(account_id: str, region_name: str) -> Any:
    from moto.sns.models import sns_backends

    return sns_backends[account_id][region_name]


class SNSTopicPolicyResource(_PolicyOfResources, CloudFormationModel):
    _targets_property = "Topics"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    @classmethod
    def _set(cls, account_id: str, region_name: str, targets: list[str], policy: str | None) -> None:
        backend = _sns(account_id, region_name)
        for arn in targets:
            if policy is not None:
                backend.set_topic_attribute(arn, "policy", policy)
                continue
            topic = backend.topics.get(arn)
            if topic is not None:  # back to the default policy, as AWS does when the TopicPolicy goes
                topic._policy_json = topic._create_default_topic_policy(region_name, account_id, topic.name)


class SNSSubscriptionResource(_ReplacedOnUpdate, _SandboxType, CloudFormationModel):
    """AWS::SNS::Subscription: subscribe (moto confirms it at once, without a confirmation message);
    Ref = subscription ARN."""

    _ref, _attributes = "arn", ("Arn",)

    def __init__(self, account_id: str, region_name: str, arn: str):
        self.account_id = account_id
        self.region_name = region_name
        self.arn = arn

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.arn

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> SNSSubscriptionResource:
        subscription = _sns(account_id, region_name).subscribe(props["TopicArn"], props["Endpoint"], props["Protocol"])
        return cls(account_id, region_name, subscription.arn)

    @staticmethod
    def _delete_id(account_id: str, region_name: str, arn: str) -> None:
        _sns(account_id, region_name).unsubscribe(arn)


def _cloudwatch(account_id: str, region_name: str) -> Any:
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[account_id][region_name]


class CloudWatchAlarmResource(_PutAgainOnUpdate, _SandboxType, CloudFormationModel):
    _ref, _name_property, _attributes = "name", "AlarmName", ("Arn",)

    def __init__(self, account_id: str, region_name: str, name: str):
        self.account_id = account_id
        self.region_name = region_name
        self.name = name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return _cloudwatch(self.account_id, self.region_name).alarms[self.name].alarm_arn

    @staticmethod
    def _metric_queries(metrics: list[dict[str, Any]] | None) -> list[Any] | None:
        if not metrics:
            return None
        from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat

        queries = []
        for metric in metrics:
            stat = metric.get("MetricStat")
            metric_stat = None
            if stat:
                inner = stat.get("Metric", {})
                metric_stat = MetricStat(
                    metric=Metric(metric_name=inner.get("MetricName"), namespace=inner.get("Namespace"),
                                  dimensions=[Dimension(name=d["Name"], value=d["Value"])
                                              for d in inner.get("Dimensions", [])]),
                    period=stat.get("Period"), stat=stat.get("Stat"), unit=stat.get("Unit"))
            queries.append(MetricDataQuery(query_id=metric.get("Id"), label=metric.get("Label"),
                                           period=metric.get("Period"), return_data=metric.get("ReturnData"),
                                           expression=metric.get("Expression"), metric_stat=metric_stat))
        return queries

    @classmethod
    def _put(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> None:
        def number(key: str) -> Any:
            value = props.get(key)
            return None if value is None else float(value) if key == "Threshold" else int(value)

        _cloudwatch(account_id, region_name).put_metric_alarm(
            name=name, namespace=props.get("Namespace"), metric_name=props.get("MetricName"),
            comparison_operator=props.get("ComparisonOperator"),
            evaluation_periods=number("EvaluationPeriods"), period=number("Period"),
            threshold=number("Threshold"), statistic=props.get("Statistic"),
            description=props.get("AlarmDescription"), dimensions=props.get("Dimensions") or [],
            alarm_actions=props.get("AlarmActions") or [],
            metric_data_queries=cls._metric_queries(props.get("Metrics")),
            datapoints_to_alarm=number("DatapointsToAlarm"), extended_statistic=props.get("ExtendedStatistic"),
            ok_actions=props.get("OKActions") or [],
            insufficient_data_actions=props.get("InsufficientDataActions") or [],
            unit=props.get("Unit"),
            actions_enabled=str(props.get("ActionsEnabled", True)).lower() != "false",
            treat_missing_data=props.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=props.get("EvaluateLowSampleCountPercentile"),
            threshold_metric_id=props.get("ThresholdMetricId"), tags=props.get("Tags") or [])

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> CloudWatchAlarmResource:
        name = props.get("AlarmName") or resource_name
        cls._put(name, props, account_id, region_name)
        return cls(account_id, region_name, name)

    @staticmethod
    def _delete_id(account_id: str, region_name: str, name: str) -> None:
        _cloudwatch(account_id, region_name).delete_alarms([name])


def _cloudtrail(account_id: str, region_name: str) -> Any:
    from moto.cloudtrail.models import cloudtrail_backends

    return cloudtrail_backends[account_id][region_name]


class CloudTrailTrailResource(_ReplacedOnUpdate, _SandboxType, CloudFormationModel):
    _ref, _name_property, _attributes = "name", "TrailName", ("Arn", "SnsTopicArn")

    def __init__(self, account_id: str, region_name: str, name: str):
        self.account_id = account_id
        self.region_name = region_name
        self.name = name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudTrail::Trail"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        trail = _cloudtrail(self.account_id, self.region_name).get_trail(self.name)
        return trail.arn if attribute_name == "Arn" else getattr(trail, "topic_arn", None)

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> CloudTrailTrailResource:
        name = props.get("TrailName") or resource_name

        def flag(key: str, default: bool) -> bool:
            return str(props.get(key, default)).lower() == "true"

        backend = _cloudtrail(account_id, region_name)
        backend.create_trail(
            name=name, bucket_name=props.get("S3BucketName"), s3_key_prefix=props.get("S3KeyPrefix"),
            sns_topic_name=props.get("SnsTopicName"), is_global=flag("IncludeGlobalServiceEvents", True),
            is_multi_region=flag("IsMultiRegionTrail", False), log_validation=flag("EnableLogFileValidation", False),
            is_org_trail=flag("IsOrganizationTrail", False), cw_log_group_arn=props.get("CloudWatchLogsLogGroupArn"),
            cw_role_arn=props.get("CloudWatchLogsRoleArn"), kms_key_id=props.get("KMSKeyId"),
            tags_list=props.get("Tags") or [])
        if props.get("EventSelectors") or props.get("AdvancedEventSelectors"):
            backend.get_trail(name).put_event_selectors(props.get("EventSelectors") or [],
                                                        props.get("AdvancedEventSelectors") or [])
        if flag("IsLogging", True):
            backend.start_logging(name)
        return cls(account_id, region_name, name)

    @staticmethod
    def _delete_id(account_id: str, region_name: str, name: str) -> None:
        _cloudtrail(account_id, region_name).delete_trail(name)


# ------------------------------------------------------------------------------------------ Cognito

def _cognito(account_id: str, region_name: str) -> Any:
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends[account_id][region_name]


# CloudFormation properties of AWS::Cognito::UserPool that are not CreateUserPool parameters.
_POOL_CFN_ONLY = {"UserPoolName", "EnabledMfas"}


class CognitoUserPoolResource(_AttributesByName, CloudFormationModel):
    _ref, _name_property = "pool_id", "UserPoolName"
    _attributes = ("Arn", "ProviderName", "ProviderURL", "UserPoolId")

    def __init__(self, account_id: str, region_name: str, pool_id: str, properties: dict[str, Any]):
        self.account_id = account_id
        self.region_name = region_name
        self.pool_id = pool_id
        self.properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPool"

    def _attribute(self, attribute_name: str) -> Any:
        pool = _cognito(self.account_id, self.region_name).describe_user_pool(self.pool_id)
        provider = f"cognito-idp.{self.region_name}.amazonaws.com/{self.pool_id}"
        return {"Arn": pool.arn, "ProviderName": provider, "ProviderURL": f"https://{provider}",
                "UserPoolId": self.pool_id}[attribute_name]

    @staticmethod
    def _config(props: dict[str, Any]) -> dict[str, Any]:
        return json.loads(json.dumps({k: v for k, v in props.items() if k not in _POOL_CFN_ONLY}))

    @staticmethod
    def _mfa(pool: Any, props: dict[str, Any]) -> None:
        enabled = set(props.get("EnabledMfas") or [])
        pool.mfa_config = props.get("MfaConfiguration") or "OFF"
        pool.token_mfa_config = {"Enabled": True} if "SOFTWARE_TOKEN_MFA" in enabled else None
        if "SMS_MFA" in enabled:
            pool.sms_mfa_config = {"SmsConfiguration": props.get("SmsConfiguration") or {}}

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> CognitoUserPoolResource:
        pool = _cognito(account_id, region_name).create_user_pool(props.get("UserPoolName") or resource_name,
                                                                  cls._config(props))
        cls._mfa(pool, props)
        return cls(account_id, region_name, pool.id, props)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CognitoUserPoolResource, new_resource_name: str,
        cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> CognitoUserPoolResource:
        props = _props(cloudformation_json)
        backend = _cognito(account_id, region_name)
        pool = backend.describe_user_pool(original_resource.pool_id)
        config = cls._config(props)
        config.pop("Schema", None)  # schema attributes can only be added (AddCustomAttributes), not replaced
        backend.update_user_pool(original_resource.pool_id, config)
        pool.name = props.get("UserPoolName") or pool.name
        cls._mfa(pool, props)
        original_resource.properties = props
        return original_resource

    @staticmethod
    def _delete_id(account_id: str, region_name: str, pool_id: str) -> None:
        from moto.cognitoidp.exceptions import InvalidParameterException

        backend = _cognito(account_id, region_name)
        pool = backend.user_pools.get(pool_id)
        if pool is None:
            return
        if pool.extended_config.get("DeletionProtection") == "ACTIVE":
            raise InvalidParameterException(
                "The user pool cannot be deleted because deletion protection is activated.")
        backend.delete_user_pool(pool_id)


class CognitoUserPoolGroupResource(_SandboxType, CloudFormationModel):
    _ref, _name_property = "name", "GroupName"

    def __init__(self, account_id: str, region_name: str, pool_id: str, name: str):
        self.account_id = account_id
        self.region_name = region_name
        self.pool_id = pool_id
        self.name = name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolGroup"

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> CognitoUserPoolGroupResource:
        name = props.get("GroupName") or resource_name
        _cognito(account_id, region_name).create_group(
            props["UserPoolId"], name, props.get("Description"), props.get("RoleArn"),
            _int_or_none(props.get("Precedence")))
        return cls(account_id, region_name, props["UserPoolId"], name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CognitoUserPoolGroupResource, new_resource_name: str,
        cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> CognitoUserPoolGroupResource:
        props = _props(cloudformation_json)
        name = props.get("GroupName") or original_resource.name
        if name != original_resource.name or props["UserPoolId"] != original_resource.pool_id:
            replacement = cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return replacement
        _cognito(account_id, region_name).update_group(
            original_resource.pool_id, name, props.get("Description"), props.get("RoleArn"),
            _int_or_none(props.get("Precedence")))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> None:
        pool_id = _props(cloudformation_json)["UserPoolId"]
        cls(account_id, region_name, pool_id, resource_name).delete(account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _cognito(account_id, region_name)
        pool = backend.user_pools.get(self.pool_id)
        if pool is not None and self.name in pool.groups:
            backend.delete_group(self.pool_id, self.name)


# ------------------------------------------------------------------------ moto's own types, corrected

def _patch_native_types() -> None:
    """Fix moto's AWS::KMS::Key, AWS::IAM::Role, AWS::S3::Bucket and AWS::DynamoDB::Table where the
    project's templates need it.

    * KMS keys from CloudFormation kept KeyPolicy as a dict, so DescribeKey/GetKeyPolicy answered HTTP 500:
      the policy is stored as JSON text (as CreateKey stores it), and updates change the policy,
      description, rotation and enabled state in place (moto had no update: a changed key became None).
    * IAM roles from CloudFormation ignored ManagedPolicyArns and kept inline policies as dicts: the
      managed policies are attached (a policy ARN that does not exist fails the resource, as in AWS; the
      server loads AWS's managed policies, MOTO_IAM_LOAD_MANAGED_POLICIES), inline policies are JSON text,
      and updates apply the trust policy, the inline policies and the managed policy ARNs (moto updated only
      the description).
    * S3 buckets from CloudFormation got encryption (without BucketKeyEnabled) and tags only: the bucket key,
      versioning, public access block,
      ownership controls, lifecycle rules and access logging are applied too (logging with moto's check
      that the target bucket's policy lets logging.s3.amazonaws.com write, so the policy must exist first;
      moto's own check crashes on a statement with Principal "*").
    * DynamoDB tables from CloudFormation ignored PointInTimeRecoverySpecification: it is applied, with its
      RecoveryPeriodInDays; their SSESpecification (SSEEnabled, as CloudFormation spells it) is applied too.
    """
    from moto.iam.models import Role, iam_backends
    from moto.kms.models import Key, kms_backends

    moto_key_create = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def key_create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                   region_name: str, **kwargs: Any) -> Any:
        key = moto_key_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        if isinstance(key.policy, dict):
            key.policy = json.dumps(key.policy)
        return key

    def key_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                   account_id: str, region_name: str) -> Any:
        props = _props(cloudformation_json)
        backend = kms_backends[account_id][region_name]
        if props.get("KeyPolicy") is not None:
            backend.put_key_policy(original_resource.id, _json_text(props["KeyPolicy"]))
        backend.update_key_description(original_resource.id, props.get("Description") or "")
        original_resource.key_rotation_status = str(props.get("EnableKeyRotation", False)).lower() == "true"
        original_resource.enabled = str(props.get("Enabled", True)).lower() == "true"
        return original_resource

    Key.create_from_cloudformation_json = classmethod(key_create)  # type: ignore[assignment]
    Key.update_from_cloudformation_json = classmethod(key_update)  # type: ignore[assignment]

    moto_role_create = Role.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
    moto_role_update = Role.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def role_create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                    region_name: str, **kwargs: Any) -> Any:
        role = moto_role_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        role.policies = {name: _json_text(document) for name, document in role.policies.items()}
        backend = iam_backends[account_id][get_partition(region_name)]
        attached: list[str] = []
        try:
            for arn in _props(cloudformation_json).get("ManagedPolicyArns") or []:
                backend.attach_role_policy(arn, role.name)
                attached.append(arn)
        except Exception:  # the role fails as a whole, as in AWS: leave nothing half-made behind
            for arn in attached:
                backend.detach_role_policy(arn, role.name)
            for name in list(role.policies):
                backend.delete_role_policy(role.name, name)
            backend.delete_role(role.name)
            raise
        return role

    def role_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                    account_id: str, region_name: str) -> Any:
        props = _props(cloudformation_json)
        role_name = props.get("RoleName", original_resource.name)
        if role_name != original_resource.name:  # a new name means a new role, as in AWS
            replacement = cls.create_from_cloudformation_json(role_name, cloudformation_json, account_id,
                                                              region_name)
            cls.delete_from_cloudformation_json(original_resource.name, cloudformation_json, account_id,
                                                region_name)
            return replacement
        role = moto_role_update(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                                region_name)
        backend = iam_backends[account_id][get_partition(region_name)]
        if props.get("AssumeRolePolicyDocument") is not None:
            backend.update_assume_role_policy(role_name, _json_text(props["AssumeRolePolicyDocument"]))
        wanted = {p["PolicyName"]: _json_text(p["PolicyDocument"]) for p in props.get("Policies") or []}
        for name in list(role.policies):
            if name not in wanted:
                backend.delete_role_policy(role_name, name)
        for name, document in wanted.items():
            backend.put_role_policy(role_name, name, document)
        wanted_arns = set(props.get("ManagedPolicyArns") or [])
        current_arns = {policy.arn for policy in role.managed_policies.values()}
        for arn in current_arns - wanted_arns:
            backend.detach_role_policy(arn, role_name)
        for arn in wanted_arns - current_arns:
            backend.attach_role_policy(arn, role_name)
        return role

    Role.create_from_cloudformation_json = classmethod(role_create)  # type: ignore[assignment]
    Role.update_from_cloudformation_json = classmethod(role_update)  # type: ignore[assignment]

    from moto.dynamodb.models.table import Table
    from moto.s3.models import FakeBucket

    moto_bucket_create = FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
    moto_bucket_update = FakeBucket.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def bucket_create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                      region_name: str, **kwargs: Any) -> Any:
        bucket = moto_bucket_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        try:
            _apply_bucket_properties(_s3(account_id, region_name), bucket.name, _props(cloudformation_json))
        except Exception:
            _s3(account_id, region_name).delete_bucket(bucket.name)
            raise
        return bucket

    def bucket_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                      account_id: str, region_name: str) -> Any:
        bucket = moto_bucket_update(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                                    region_name)
        _apply_bucket_properties(_s3(account_id, region_name), bucket.name, _props(cloudformation_json))
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(bucket_create)  # type: ignore[assignment]
    FakeBucket.update_from_cloudformation_json = classmethod(bucket_update)  # type: ignore[assignment]

    moto_table_create = Table.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def table_create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                     region_name: str, **kwargs: Any) -> Any:
        table = moto_table_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        pitr = _props(cloudformation_json).get("PointInTimeRecoverySpecification") or {}
        if str(pitr.get("PointInTimeRecoveryEnabled", False)).lower() == "true":
            from moto.dynamodb.models import dynamodb_backends

            spec: dict[str, Any] = {"PointInTimeRecoveryEnabled": True}
            if pitr.get("RecoveryPeriodInDays") is not None:  # else moto keeps AWS's default, 35 days
                spec["RecoveryPeriodInDays"] = int(pitr["RecoveryPeriodInDays"])
            dynamodb_backends[account_id][region_name].update_continuous_backups(table.name, spec)
        # CloudFormation spells it SSEEnabled, the API (and moto's model) Enabled: without this the table
        # would describe itself as encrypted with the AWS-owned key.
        sse = _props(cloudformation_json).get("SSESpecification") or {}
        if str(sse.get("SSEEnabled", False)).lower() == "true":
            table.sse_specification = {"Enabled": True, "SSEType": sse.get("SSEType", "KMS"),
                                       "KMSMasterKeyId": sse.get("KMSMasterKeyId") or
                                       (table.sse_specification or {}).get("KMSMasterKeyId")}
        return table

    Table.create_from_cloudformation_json = classmethod(table_create)  # type: ignore[assignment]


def _flag(value: Any) -> str:
    return "true" if str(value).lower() == "true" else "false"


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule as moto's S3 model takes it (the shape of the parsed XML)."""
    result: dict[str, Any] = {"ID": rule.get("Id") or "rule", "Status": rule.get("Status", "Enabled"),
                              "Filter": {"Prefix": rule.get("Prefix") or ""}}
    if rule.get("ExpirationInDays") is not None:
        result["Expiration"] = {"Days": str(rule["ExpirationInDays"])}
    elif rule.get("ExpirationDate"):
        result["Expiration"] = {"Date": rule["ExpirationDate"]}
    noncurrent = rule.get("NoncurrentVersionExpiration") or (
        {"NoncurrentDays": rule["NoncurrentVersionExpirationInDays"]}
        if rule.get("NoncurrentVersionExpirationInDays") is not None else None)
    if noncurrent:
        result["NoncurrentVersionExpiration"] = {k: str(v) for k, v in noncurrent.items()}
    if rule.get("AbortIncompleteMultipartUpload"):
        result["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": str(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
    transitions = rule.get("Transitions") or ([rule["Transition"]] if rule.get("Transition") else [])
    if transitions:
        result["Transition"] = [{"Days": str(t.get("TransitionInDays")), "StorageClass": t["StorageClass"]}
                                for t in transitions]
    nv_transitions = rule.get("NoncurrentVersionTransitions") or []
    if nv_transitions:
        result["NoncurrentVersionTransition"] = [
            {"NoncurrentDays": str(t.get("TransitionInDays")), "StorageClass": t["StorageClass"]}
            for t in nv_transitions]
    return result


def _apply_bucket_properties(backend: Any, name: str, props: dict[str, Any]) -> None:
    """The AWS::S3::Bucket properties moto's CloudFormation ignores (it applies encryption and tags only)."""
    rules = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration") or []
    if rules and rules[0].get("BucketKeyEnabled") is not None:  # moto's encryption drops BucketKeyEnabled
        bucket = backend.get_bucket(name)
        if bucket.encryption and "Rule" in bucket.encryption:
            bucket.encryption["Rule"]["BucketKeyEnabled"] = _flag(rules[0]["BucketKeyEnabled"])
    versioning = (props.get("VersioningConfiguration") or {}).get("Status")
    if versioning:
        backend.put_bucket_versioning(name, versioning)
    public_access = props.get("PublicAccessBlockConfiguration")
    if public_access:
        backend.put_public_access_block(name, {k: _flag(v) for k, v in public_access.items()})
    ownership = (props.get("OwnershipControls") or {}).get("Rules") or []
    if ownership:
        backend.put_bucket_ownership_controls(name, ownership=ownership[0]["ObjectOwnership"])
    lifecycle = (props.get("LifecycleConfiguration") or {}).get("Rules")
    if lifecycle:
        backend.put_bucket_lifecycle_configuration(name, [_lifecycle_rule(rule) for rule in lifecycle])
    logging_config = props.get("LoggingConfiguration")
    if logging_config is not None:
        _set_bucket_logging(backend, name, logging_config.get("DestinationBucketName") or name,
                            logging_config.get("LogFilePrefix", ""))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _set_bucket_logging(backend: Any, name: str, target_name: str, prefix: str) -> None:
    """moto's PutBucketLogging checks, without its crash on a policy statement whose Principal is "*"."""
    from moto.s3.exceptions import CrossLocationLoggingProhibited, InvalidTargetBucketForLogging

    bucket, target = backend.get_bucket(name), backend.buckets.get(target_name)
    if target is None:
        raise InvalidTargetBucketForLogging("The target bucket for logging does not exist.")
    target_arn = f"arn:{target.partition}:s3:::{target.name}"
    allowed = False
    if target.policy:
        for stmt in json.loads(target.policy.decode() if isinstance(target.policy, bytes) else target.policy)[
                "Statement"]:
            principal = stmt.get("Principal")
            services = _as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
            actions = _as_list(stmt.get("Action", []))
            resources = _as_list(stmt.get("Resource", []))
            if (stmt.get("Effect") == "Allow" and "logging.s3.amazonaws.com" in services
                    and any(a in ("s3:PutObject", "s3:*", "*") for a in actions)
                    and any(r in (f"{target_arn}/*", f"{target_arn}/{prefix}*", target_arn) for r in resources)):
                allowed = True
    if not allowed and not bucket._log_permissions_enabled_acl(target_bucket=target):
        raise InvalidTargetBucketForLogging(
            "You must either provide the necessary permissions to the logging service using a bucket policy or "
            "give the log-delivery group WRITE and READ_ACP permissions to the target bucket")
    if target.region_name != bucket.region_name:
        raise CrossLocationLoggingProhibited()
    bucket.logging = {"TargetBucket": target.name, "TargetPrefix": prefix}


class SQSQueuePolicyResource(_PolicyOfResources, CloudFormationModel):
    """AWS::SQS::QueuePolicy: the queues' Policy attribute (set_queue_attributes); Ref = a generated id."""

    _targets_property = "Queues"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::QueuePolicy"

    @classmethod
    def _set(cls, account_id: str, region_name: str, targets: list[str], policy: str | None) -> None:
        from moto.sqs.models import sqs_backends

        backend = sqs_backends[account_id][region_name]
        for url in targets:
            backend.set_queue_attributes(url.rstrip("/").rsplit("/", 1)[-1], {"Policy": "" if policy is None else policy})


SANDBOX_TYPES: list[type[CloudFormationModel]] = [
    BackupVaultResource, BackupPlanResource, BackupSelectionResource, S3BucketPolicyResource,
    SNSTopicPolicyResource, SNSSubscriptionResource, CloudWatchAlarmResource, CloudTrailTrailResource, CognitoUserPoolResource,
    CognitoUserPoolGroupResource, SQSQueuePolicyResource, RestoreTestingPlanResource, RestoreTestingSelectionResource,
]

_installed = False


def install() -> None:
    """Register the types with moto's CloudFormation, correct moto's own types, fix its change sets
    (idempotent)."""
    global _installed
    if _installed:
        return
    backup_ext.install()
    from moto.cloudformation import parsing

    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    model_map = parsing.get_model_map()
    missing = [m.cloudformation_type() for m in SANDBOX_TYPES if model_map.get(m.cloudformation_type()) is not m]
    if missing:
        raise RuntimeError(f"moto did not pick up the sandbox CloudFormation types {missing}")
    _patch_native_types()
    from sandbox import cfn_stacks

    cfn_stacks.install()
    _installed = True


install()
