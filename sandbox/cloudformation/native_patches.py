"""Named patches of moto's own CloudFormation types, each filling one gap the project's templates hit.

moto 5.2.5 creates AWS::KMS::Key, AWS::IAM::Role, AWS::S3::Bucket and AWS::DynamoDB::Table from a template,
but drops or mangles properties the templates rely on, and has no or a partial update for some. Each patch
below is one small function whose docstring names the gap; ``apply_all`` applies them in order (from
``registry.install``, once). Most run moto's own create and then set what it skipped (``_after_create``).
"""
from __future__ import annotations

import json
from typing import Any, Callable

from moto.utilities.utils import get_partition

from sandbox.cloudformation.bucket_properties import apply_bucket_properties
from sandbox.cloudformation.types.base import json_text, props_of
from sandbox.cloudformation.types.s3 import s3_of

#: (created resource, template Properties, account id, Region) -> the resource
Fix = Callable[[Any, dict[str, Any], str, str], Any]


def _after_create(model: Any, fix: Fix) -> None:
    """Make ``model``'s create_from_cloudformation_json run moto's own create, then ``fix`` the result."""
    moto_create = model.create_from_cloudformation_json.__func__

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        resource = moto_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        return fix(resource, props_of(cloudformation_json), account_id, region_name)

    model.create_from_cloudformation_json = classmethod(create)


def kms_key_policy_as_text() -> None:
    """AWS::KMS::Key kept KeyPolicy as a dict, so DescribeKey/GetKeyPolicy answered HTTP 500: the policy is
    stored as JSON text, as CreateKey stores it."""
    from moto.kms.models import Key

    def fix(key: Any, props: dict[str, Any], account_id: str, region_name: str) -> Any:
        if isinstance(key.policy, dict):
            key.policy = json.dumps(key.policy)
        return key

    _after_create(Key, fix)


def kms_key_update_in_place() -> None:
    """AWS::KMS::Key had no update (a changed key became None): the policy, description, rotation and
    enabled state are changed in place."""
    from moto.kms.models import Key, kms_backends

    def key_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                   account_id: str, region_name: str) -> Any:
        props = props_of(cloudformation_json)
        backend = kms_backends[account_id][region_name]
        if props.get("KeyPolicy") is not None:
            backend.put_key_policy(original_resource.id, json_text(props["KeyPolicy"]))
        backend.update_key_description(original_resource.id, props.get("Description") or "")
        original_resource.key_rotation_status = str(props.get("EnableKeyRotation", False)).lower() == "true"
        original_resource.enabled = str(props.get("Enabled", True)).lower() == "true"
        return original_resource

    Key.update_from_cloudformation_json = classmethod(key_update)  # type: ignore[assignment]


def iam_role_managed_policies() -> None:
    """AWS::IAM::Role ignored ManagedPolicyArns and kept inline policies as dicts: the managed policies are
    attached (an ARN that does not exist fails the role as a whole, as in AWS; the server loads AWS's managed
    policies, MOTO_IAM_LOAD_MANAGED_POLICIES) and inline policies are stored as JSON text."""
    from moto.iam.models import Role, iam_backends

    def fix(role: Any, props: dict[str, Any], account_id: str, region_name: str) -> Any:
        role.policies = {name: json_text(document) for name, document in role.policies.items()}
        backend = iam_backends[account_id][get_partition(region_name)]
        attached: list[str] = []
        try:
            for arn in props.get("ManagedPolicyArns") or []:
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

    _after_create(Role, fix)


def iam_role_updates() -> None:
    """AWS::IAM::Role updates changed only the description: they apply the trust policy, the inline policies
    and the managed policy ARNs, and a new RoleName makes a new role, as in AWS."""
    from moto.iam.models import Role, iam_backends

    moto_role_update = Role.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def role_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                    account_id: str, region_name: str) -> Any:
        props = props_of(cloudformation_json)
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
            backend.update_assume_role_policy(role_name, json_text(props["AssumeRolePolicyDocument"]))
        wanted = {p["PolicyName"]: json_text(p["PolicyDocument"]) for p in props.get("Policies") or []}
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

    Role.update_from_cloudformation_json = classmethod(role_update)  # type: ignore[assignment]


def s3_bucket_properties() -> None:
    """AWS::S3::Bucket got encryption (without BucketKeyEnabled) and tags only, on create and update: the
    bucket key, versioning, public access block, ownership controls, lifecycle rules and access logging are
    applied too (``bucket_properties``; logging with moto's check that the target bucket's policy lets
    logging.s3.amazonaws.com write, so the policy must exist first). A bucket whose properties fail is
    deleted again, so the resource fails as a whole."""
    from moto.s3.models import FakeBucket

    def fix(bucket: Any, props: dict[str, Any], account_id: str, region_name: str) -> Any:
        try:
            apply_bucket_properties(s3_of(account_id, region_name), bucket.name, props)
        except Exception:
            s3_of(account_id, region_name).delete_bucket(bucket.name)
            raise
        return bucket

    _after_create(FakeBucket, fix)
    moto_bucket_update = FakeBucket.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def bucket_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                      account_id: str, region_name: str) -> Any:
        bucket = moto_bucket_update(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                                    region_name)
        apply_bucket_properties(s3_of(account_id, region_name), bucket.name, props_of(cloudformation_json))
        return bucket

    FakeBucket.update_from_cloudformation_json = classmethod(bucket_update)  # type: ignore[assignment]


def dynamodb_point_in_time_recovery() -> None:
    """AWS::DynamoDB::Table ignored PointInTimeRecoverySpecification: it is applied, with its
    RecoveryPeriodInDays (moto keeps AWS's default, 35 days, when none is given)."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import Table

    def fix(table: Any, props: dict[str, Any], account_id: str, region_name: str) -> Any:
        pitr = props.get("PointInTimeRecoverySpecification") or {}
        if str(pitr.get("PointInTimeRecoveryEnabled", False)).lower() == "true":
            spec: dict[str, Any] = {"PointInTimeRecoveryEnabled": True}
            if pitr.get("RecoveryPeriodInDays") is not None:
                spec["RecoveryPeriodInDays"] = int(pitr["RecoveryPeriodInDays"])
            dynamodb_backends[account_id][region_name].update_continuous_backups(table.name, spec)
        return table

    _after_create(Table, fix)


def dynamodb_sse_specification() -> None:
    """AWS::DynamoDB::Table's SSESpecification says SSEEnabled, the API (and moto's model) Enabled: without
    this the table would describe itself as encrypted with the AWS-owned key."""
    from moto.dynamodb.models.table import Table

    def fix(table: Any, props: dict[str, Any], account_id: str, region_name: str) -> Any:
        sse = props.get("SSESpecification") or {}
        if str(sse.get("SSEEnabled", False)).lower() == "true":
            table.sse_specification = {"Enabled": True, "SSEType": sse.get("SSEType", "KMS"),
                                       "KMSMasterKeyId": sse.get("KMSMasterKeyId") or
                                       (table.sse_specification or {}).get("KMSMasterKeyId")}
        return table

    _after_create(Table, fix)


PATCHES: tuple[Callable[[], None], ...] = (
    kms_key_policy_as_text, kms_key_update_in_place, iam_role_managed_policies, iam_role_updates,
    s3_bucket_properties, dynamodb_point_in_time_recovery, dynamodb_sse_specification,
)


def apply_all() -> None:
    """Apply every patch above, once (``registry.install`` guards against a second run)."""
    for patch in PATCHES:
        patch()
