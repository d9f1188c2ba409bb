"""What the sandbox's CloudFormation types share: reading a template's Properties, and the mixins that
state Ref, GetAtt, create, update and delete once for every type.

moto finds CloudFormation types among the DIRECT subclasses of CloudFormationModel only, so the mixins here
do not derive from it and are listed first: ``class X(Mixin, CloudFormationModel)``.
"""
from __future__ import annotations

import json
from typing import Any


def props_of(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
    return cloudformation_json.get("Properties") or {}


def json_text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def replace_policy_retains(cloudformation_json: dict[str, Any]) -> bool:
    return cloudformation_json.get("UpdateReplacePolicy") in ("Retain", "Snapshot")


def int_or_none(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


class SandboxType:
    """What every sandbox type states alike, from its class attributes: cloudformation_type is _type, the
    constructor keeps account, Region and the attributes named by _fields, Ref is the instance attribute
    named by _ref, cloudformation_name_type is _name_property (the property that names the resource, "" for
    none), has_cfn_attr accepts the names in _attributes; the resource exists once made (is_created).
    Every type creates from the template's Properties alone: create_from_cloudformation_json hands them to
    the type's _create(account_id, region_name, resource_name, props). A type whose backend deletes by the
    physical id alone defines _delete_id(account_id, region_name, physical_id), and both deletes (the
    stack's, by that id, and a replacement's, of the instance) go through it; any other type defines both
    itself. A mixin: moto finds CloudFormation types among the DIRECT subclasses of CloudFormationModel."""

    _type: str  # the CloudFormation type name, e.g. "AWS::Backup::BackupVault"
    _fields: tuple[str, ...] = ()  # the constructor's arguments after account and Region, kept as attributes
    _ref: str
    _name_property = ""
    _attributes: tuple[str, ...] = ()

    def __init__(self, account_id: str, region_name: str, *values: Any):
        self.account_id, self.region_name = account_id, region_name
        for field, value in zip(self._fields, values, strict=True):
            setattr(self, field, value)

    @classmethod
    def cloudformation_type(cls) -> str:  # type: ignore[override]
        return cls._type

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
        return cls._create(account_id, region_name, resource_name, props_of(cloudformation_json))  # type: ignore[attr-defined]

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> None:
        cls._delete_id(account_id, region_name, resource_name)  # type: ignore[attr-defined]

    def delete(self, account_id: str, region_name: str) -> None:
        self._delete_id(account_id, region_name, self.physical_resource_id)  # type: ignore[attr-defined]

    def is_created(self) -> bool:
        return True


class AttributesByName(SandboxType):
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


class ReplacedOnUpdate:
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


class PutAgainOnUpdate:
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


class PolicyOfResources(SandboxType):
    """A policy CloudFormation attaches to other resources (topics, queues): Ref and Id = a generated id.
    A type names the property that lists the resources (_targets_property) and sets the policy on them
    (_set; policy None takes it off again). An update sets the new policy and takes it off the resources the
    template no longer lists. A mixin: moto finds CloudFormation types among the DIRECT subclasses of
    CloudFormationModel."""

    _ref, _attributes = "physical_id", ("Id",)
    _fields = ("physical_id", "targets")
    _targets_property: str

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
        cls._set(account_id, region_name, targets, json_text(props["PolicyDocument"]))
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
        cls._set(account_id, region_name, cls._targets(props_of(cloudformation_json)), None)

    def delete(self, account_id: str, region_name: str) -> None:
        self._set(account_id, region_name, self.targets, None)
