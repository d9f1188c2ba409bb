"""The static source: the posture snapshot of an environment as its templates will deploy it.

Every stack is resolved with the deployer's parameters (``static.stacks``); each resource type the
controls ask about is then read into the snapshot's plain shape (``audit.snapshot``), the same shape the
live source fills from the accounts. Nothing here decides pass or fail.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from audit.arns import backup_vault_arn
from audit.break_glass import break_glass_tags
from audit.resource_types import EVENTBRIDGE_TYPES, PERSISTED_TYPES
from audit.snapshot import new_snapshot
from audit.sources.records import backup as records
from audit.sources.records.bucket import lifecycle_fields, lifecycle_rule
from audit.sources.records.table import DEFAULT_RECOVERY_PERIOD_DAYS, table_record
from audit.sources.static.functions import read_functions, read_queues
from audit.sources.static.stacks import ResolvedStack, origin, resolve_environment, resources_of, scoped
from audit.templates import Symbol

ALLOW_ALL_MANAGED = "aws-managed policy (content not in the template: modelled as allowing every action)"


def _vault(stack: ResolvedStack, logical_id: str, resource: dict[str, Any]) -> records.Vault:
    props, spec = resource["Properties"], stack.spec
    lock = props.get("LockConfiguration")
    return records.vault_record(
        name=props.get("BackupVaultName"), arn=backup_vault_arn(spec.region, spec.account_id, props.get("BackupVaultName")),
        account_id=spec.account_id, region=spec.region, encryption_key_arn=props.get("EncryptionKeyArn"),
        access_policy=props.get("AccessPolicy"),
        lock=None if not lock else records.lock_record(
            compliance=lock.get("ChangeableForDays") is not None, min_retention_days=lock.get("MinRetentionDays"),
            max_retention_days=lock.get("MaxRetentionDays"), changeable_for_days=lock.get("ChangeableForDays")),
        notifications=props.get("Notifications"), break_glass_tags=break_glass_tags(props.get("BackupVaultTags")),
        deletion_policy=resource.get("DeletionPolicy"), update_replace_policy=resource.get("UpdateReplacePolicy"),
        origin=origin(stack, logical_id),
    )


def _key(stack: ResolvedStack, logical_id: str, resource: dict[str, Any]) -> records.Key:
    props, spec = resource["Properties"], stack.spec
    return records.key_record(
        arn=f"arn:aws:kms:{spec.region}:{spec.account_id}:key/{Symbol(logical_id, 'Ref')}",
        account_id=spec.account_id, region=spec.region, manager="CUSTOMER",
        rotation_enabled=props.get("EnableKeyRotation") is True, enabled=props.get("Enabled", True) is not False,
        policy=props.get("KeyPolicy"),
        break_glass_tags=break_glass_tags({t.get("Key"): t.get("Value") for t in props.get("Tags") or []}),
        deletion_policy=resource.get("DeletionPolicy"), update_replace_policy=resource.get("UpdateReplacePolicy"),
        origin=origin(stack, logical_id),
    )


def _role(stack: ResolvedStack, logical_id: str, resource: dict[str, Any]) -> records.Role:
    props, spec = resource["Properties"], stack.spec
    name = props.get("RoleName") or str(Symbol(logical_id, "Ref"))
    return records.role_record(
        name=name, arn=f"arn:aws:iam::{spec.account_id}:role{props.get('Path', '/')}{name}", account_id=spec.account_id,
        trust_policy=props.get("AssumeRolePolicyDocument"),
        inline_policies={p["PolicyName"]: p["PolicyDocument"] for p in props.get("Policies", [])},
        managed_policies={arn: None for arn in props.get("ManagedPolicyArns", [])},  # content not in the template
        origin=origin(stack, logical_id),
    )


def _plans(stacks: Mapping[str, ResolvedStack]) -> list[records.Plan]:
    plans: dict[str, records.Plan] = {}
    for stack, logical_id, resource in resources_of(stacks, "AWS::Backup::BackupPlan"):
        body = resource["Properties"]["BackupPlan"]
        plans[f"{stack.spec.name}:{logical_id}"] = records.plan_record(
            plan_id=f"{stack.spec.name}:{logical_id}", name=body.get("BackupPlanName"),
            account_id=stack.spec.account_id, region=stack.spec.region,
            rules=[records.rule_record(r, target_vault=r.get("TargetBackupVault")) for r in body.get("BackupPlanRule", [])],
            selections=[], tags=resource["Properties"].get("BackupPlanTags") or {}, origin=origin(stack, logical_id))
    for stack, logical_id, resource in resources_of(stacks, "AWS::Backup::BackupSelection"):
        props = resource["Properties"]
        selection = props["BackupSelection"]
        plan = plans.get(scoped(stack, props.get("BackupPlanId")))
        if plan is not None:
            plan["selections"].append(records.selection_record(
                selection, has_conditions=bool(selection.get("ListOfTags") or selection.get("Conditions")),
                origin=origin(stack, logical_id)))
    return list(plans.values())


def _table(stack: ResolvedStack, logical_id: str, resource: dict[str, Any]) -> dict[str, Any]:
    """A table as CloudFormation creates it: point-in-time recovery enabled without a RecoveryPeriodInDays
    gets AWS's default window."""
    props, spec = resource["Properties"], stack.spec
    sse = props.get("SSESpecification") or {}
    pitr = props.get("PointInTimeRecoverySpecification") or {}
    return table_record(
        name=props.get("TableName"), arn=f"arn:aws:dynamodb:{spec.region}:{spec.account_id}:table/{props.get('TableName')}",
        account_id=spec.account_id, region=spec.region,
        pitr=pitr.get("PointInTimeRecoveryEnabled") is True,
        pitr_recovery_period_days=pitr.get("RecoveryPeriodInDays", DEFAULT_RECOVERY_PERIOD_DAYS),
        encryption_type="KMS" if sse.get("SSEEnabled") and sse.get("SSEType", "KMS") == "KMS" else "AWS_OWNED",
        kms_key=sse.get("KMSMasterKeyId"), deletion_protection=props.get("DeletionProtectionEnabled") is True,
        origin=origin(stack, logical_id),
    )


def _bucket(stack: ResolvedStack, logical_id: str, resource: dict[str, Any], policies: dict[str, Any]) -> dict[str, Any]:
    props, spec = resource["Properties"], stack.spec
    rules = [_lifecycle_rule(r) for r in (props.get("LifecycleConfiguration") or {}).get("Rules") or []]
    encryption = ((props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration") or [{}])[0]
    default = encryption.get("ServerSideEncryptionByDefault") or {}
    name = props.get("BucketName") or str(Symbol(logical_id, "Ref"))
    block = props.get("PublicAccessBlockConfiguration") or {}
    return {
        "name": name, "arn": f"arn:aws:s3:::{name}", "account_id": spec.account_id, "region": spec.region,
        "versioning": (props.get("VersioningConfiguration") or {}).get("Status") or "Disabled",
        **lifecycle_fields(rules),
        "encryption": {"algorithm": default.get("SSEAlgorithm"), "kms_key": default.get("KMSMasterKeyID")},
        "public_access_block": {k: block.get(k) is True for k in
                                ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")},
        "logging": bool(props.get("LoggingConfiguration")),
        "policy": policies.get(name),
        "deletion_policy": resource.get("DeletionPolicy"),
        "origin": origin(stack, logical_id),
    }


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule (``Prefix``, ``TagFilters``, ``ObjectSize*``, ``ExpirationInDays``,
    ``NoncurrentVersionExpiration`` or the older ``NoncurrentVersionExpirationInDays``) for the shared builder."""
    noncurrent = (rule.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays")
    return lifecycle_rule(rule_id=rule.get("Id"), enabled=rule.get("Status") == "Enabled", prefix=rule.get("Prefix"),
                          filtered=bool(rule.get("TagFilters") or rule.get("ObjectSizeGreaterThan") or rule.get("ObjectSizeLessThan")),
                          expiration_days=rule.get("ExpirationInDays"),
                          noncurrent_days=noncurrent if noncurrent is not None else rule.get("NoncurrentVersionExpirationInDays"))


def _name(props: dict[str, Any], name_property: str, logical_id: str) -> str:
    """The physical name, or the symbol CloudFormation would generate it from (``{{Logical.Ref}}``)."""
    return str(props.get(name_property) or Symbol(logical_id, "Ref"))


def _persisted(stacks: Mapping[str, ResolvedStack]) -> list[dict[str, Any]]:
    found = []
    for type_name, (kind, name_property) in PERSISTED_TYPES.items():
        for stack, logical_id, resource in resources_of(stacks, type_name):
            found.append({"kind": kind, "type": type_name, "name": _name(resource.get("Properties") or {}, name_property, logical_id),
                          "account_id": stack.spec.account_id, "region": stack.spec.region, "origin": origin(stack, logical_id)})
    return found


def _eventbridge(stacks: Mapping[str, ResolvedStack]) -> list[dict[str, Any]]:
    found = []
    for type_name, (kind, name_property) in EVENTBRIDGE_TYPES.items():
        for stack, logical_id, resource in resources_of(stacks, type_name):
            props = resource.get("Properties") or {}
            archive = kind == "archive"
            found.append({"kind": kind, "name": _name(props, name_property, logical_id),
                          "account_id": stack.spec.account_id, "region": stack.spec.region,
                          "stack": stack.spec.name, "managed_by": None,
                          "retention_days": props.get("RetentionDays", 0) if archive else None,
                          "kms_key": props.get("KmsKeyIdentifier") if archive else None,
                          "origin": origin(stack, logical_id)})
    return found


def build_snapshot(cfg: Mapping[str, Any], *, templates_dir: Path | None = None) -> dict[str, Any]:
    stacks = resolve_environment(cfg, templates_dir=templates_dir, include_demo=True)
    snapshot = new_snapshot("static", cfg)
    snapshot["stacks"] = [{"key": s.spec.key, "name": s.spec.name, "account_id": s.spec.account_id,
                           "region": s.spec.region, "template": str(s.template_path)} for s in stacks.values()]
    snapshot["vaults"] = [_vault(*r) for r in resources_of(stacks, "AWS::Backup::BackupVault")]
    snapshot["keys"] = [_key(*r) for r in resources_of(stacks, "AWS::KMS::Key")]
    snapshot["roles"] = [_role(*r) for r in resources_of(stacks, "AWS::IAM::Role")]
    snapshot["plans"] = _plans(stacks)
    from audit.sources.static.monitoring import read_monitoring

    snapshot.update(read_monitoring(stacks))
    snapshot["tables"] = [_table(*r) for r in resources_of(stacks, "AWS::DynamoDB::Table")]
    policies = {r["Properties"].get("Bucket"): r["Properties"].get("PolicyDocument")
                for _, _, r in resources_of(stacks, "AWS::S3::BucketPolicy")}
    snapshot["buckets"] = [_bucket(*r, policies) for r in resources_of(stacks, "AWS::S3::Bucket")]
    snapshot["user_pools"] = [{"name": r["Properties"].get("UserPoolName"), "user_pool_id": str(Symbol(lid, "Ref")),
                               "estimated_users": None, "origin": origin(s, lid)}
                              for s, lid, r in resources_of(stacks, "AWS::Cognito::UserPool")]
    snapshot["functions"] = read_functions(lambda type_name: resources_of(stacks, type_name), origin)
    snapshot["queues"] = read_queues(lambda type_name: resources_of(stacks, type_name), origin)
    snapshot["persisted"] = _persisted(stacks)
    snapshot["eventbridge"] = _eventbridge(stacks)
    from audit.sources.static.restore_testing import read_restore_testing_plans

    snapshot["restore_testing_plans"] = read_restore_testing_plans(stacks)
    return snapshot
