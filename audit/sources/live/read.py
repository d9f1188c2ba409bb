"""Readers of the live source: one AWS resource type each, into the snapshot's plain shape.

Every reader returns exactly the keys the static source (``audit.sources.static.build``) gives the same kind of
resource, with the same value conventions, so one control serves both and drift compares like with like.
What the accounts cannot show (DeletionPolicy, a vault lock's ChangeableForDays once applied) is None.
``origin`` names the account, the region and the API call a fact came from.

Calls grow linearly with the protected resources: a fixed handful per table, bucket and recovery point
question, one call per distinct key, role and managed policy, one listing per account for the rest.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, cast

from audit.arns import ArnError, backup_vault_arn, parse_arn
from audit.sources.live.aws import Absent, Failed, Side, parse_document
from audit.sources.records import backup as records
from audit.sources.records.bucket import lifecycle_fields, lifecycle_rule
from audit.sources.records.table import table_record

NOT_FOUND = ("ResourceNotFoundException",)
S3_NOT_FOUND = ("NoSuchBucket",)
RECOVERY_POINT_LOOKBACK = timedelta(days=7)
RECOVERY_POINT_PAGE = 1000
PAB_FIELDS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")


def origin(side: Side, api: str, *, account_id: str | None = None, region: str | None = None) -> dict[str, Any]:
    return {"account_id": account_id or side.account_id, "region": region or side.region, "api": api}


def iso(value: Any) -> str | None:
    """ISO 8601 UTC (``2026-11-27T02:00:00Z``) of a botocore timestamp."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(float(value), tz=timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return cast("str | None", value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))


def _arn_field(arn: str | None, field: str) -> str | None:
    try:
        return getattr(parse_arn(arn or ""), field) or None
    except ArnError:
        return None


# vaults ----------------------------------------------------------------------------------------------
def _lock(described: Mapping[str, Any]) -> records.Lock | None:
    """Vault Lock from DescribeBackupVault: a lock date means compliance mode (it becomes immutable then),
    a lock without one is governance mode. ChangeableForDays is not returned once applied."""
    locked = described.get("Locked") or any(described.get(k) is not None for k in ("MinRetentionDays", "MaxRetentionDays", "LockDate"))
    if not locked:
        return None
    return records.lock_record(compliance=described.get("LockDate") is not None, min_retention_days=described.get("MinRetentionDays"),
                       max_retention_days=described.get("MaxRetentionDays"), changeable_for_days=None)


def read_vaults(side: Side, names: Iterable[str]) -> list[records.Vault]:
    """The vaults of the side named in ``names`` (the configured vaults and those the plans write into);
    other vaults of the account (``Default``, other teams') are not part of the posture."""
    wanted = list(dict.fromkeys(names))
    listed = side.items("backup", "ListBackupVaults", "*", "BackupVaultList")
    if listed is None:  # refused listing: describe the wanted ones by name
        listed = [{"BackupVaultName": name} for name in wanted]
    vaults = []
    for member in listed:
        name = member.get("BackupVaultName")
        if name not in wanted:
            continue
        api = "backup:DescribeBackupVault"
        try:
            described = side.call("backup", "DescribeBackupVault", name, absent=NOT_FOUND, BackupVaultName=name)
        except Absent:
            continue
        except Failed:
            described, api = member, "backup:ListBackupVaults"  # the listing carries the same lock fields
        arn = described.get("BackupVaultArn") or backup_vault_arn(side.region, side.account_id, name)
        policy = side.get("backup", "GetBackupVaultAccessPolicy", arn, absent=NOT_FOUND, BackupVaultName=name)
        notifications = side.get("backup", "GetBackupVaultNotifications", arn, absent=NOT_FOUND, BackupVaultName=name)
        vaults.append(records.vault_record(
            name=name, arn=arn, account_id=_arn_field(arn, "account") or side.account_id,
            region=_arn_field(arn, "region") or side.region, encryption_key_arn=described.get("EncryptionKeyArn"),
            access_policy=parse_document(policy.get("Policy")) if policy else None, lock=_lock(described),
            notifications={"BackupVaultEvents": list(notifications.get("BackupVaultEvents") or []),
                           "SNSTopicArn": notifications.get("SNSTopicArn")} if notifications else None,
            break_glass_tags=_break_glass_tags(side, "backup", "ListTags", arn, ResourceArn=arn),
            origin=origin(side, api),
        ))
    return vaults


def _break_glass_tags(side: Side, service: str, operation: str, arn: str, *, region: str | None = None,
                      **params: Any) -> dict[str, str] | None:
    """The break-glass record of a vault or key (``audit.break_glass``): its ``compact-retention:break-glass-*``
    tags, {} when it has none, None when they could not be read (the failure is in the errors)."""
    from audit.break_glass import break_glass_tags

    try:
        pages = side.pages(service, operation, arn, absent=NOT_FOUND, region=region, **params)
    except Absent:
        return {}
    except Failed:
        return None
    tags: dict[str, str] = {}
    for page in pages:
        found = page.get("Tags") or {}
        tags.update({t["TagKey"]: t["TagValue"] for t in found} if isinstance(found, list) else found)
    return break_glass_tags(tags)


# keys ------------------------------------------------------------------------------------------------
def read_keys(side: Side, key_ids: Iterable[str | None]) -> list[records.Key]:
    """Each distinct key once (an id, alias or ARN; a key of another region is read there)."""
    keys: dict[str, records.Key] = {}
    for key_id in dict.fromkeys(k for k in key_ids if k):
        region = _arn_field(key_id, "region") or side.region
        try:
            meta = side.call("kms", "DescribeKey", key_id, absent=("NotFoundException",), region=region, KeyId=key_id)["KeyMetadata"]
        except (Absent, Failed):
            continue
        arn = meta["Arn"]
        if arn in keys:
            continue
        rotation = side.get("kms", "GetKeyRotationStatus", arn, region=region, KeyId=arn)
        policy = side.get("kms", "GetKeyPolicy", arn, region=region, KeyId=arn, PolicyName="default")
        keys[arn] = records.key_record(
            arn=arn, account_id=meta.get("AWSAccountId") or _arn_field(arn, "account"), region=_arn_field(arn, "region"),
            manager=meta.get("KeyManager"),
            rotation_enabled=rotation.get("KeyRotationEnabled") is True if rotation else None,
            enabled=meta.get("Enabled") is True, policy=parse_document(policy.get("Policy")) if policy else None,
            break_glass_tags=_break_glass_tags(side, "kms", "ListResourceTags", arn, region=region, KeyId=arn),
            origin=origin(side, "kms:DescribeKey", account_id=_arn_field(arn, "account"), region=_arn_field(arn, "region")),
        )
    return list(keys.values())


# roles -----------------------------------------------------------------------------------------------
def read_roles(side: Side, names: Iterable[str | None]) -> list[records.Role]:
    """Each role with its trust policy, inline documents and the default version of every attached
    managed policy (each managed policy read once)."""
    managed_cache: dict[str, Any] = {}
    roles = []
    for name in dict.fromkeys(n for n in names if n):
        try:
            role = side.call("iam", "GetRole", name, absent=("NoSuchEntity",), RoleName=name)["Role"]
        except (Absent, Failed):
            continue
        inline: dict[str, Any] = {}
        policy_names = side.items("iam", "ListRolePolicies", role["Arn"], "PolicyNames", RoleName=name) or []
        for policy_name in policy_names:
            doc = side.get("iam", "GetRolePolicy", f"{role['Arn']}/{policy_name}", absent=("NoSuchEntity",),
                           RoleName=name, PolicyName=policy_name)
            inline[policy_name] = parse_document(doc.get("PolicyDocument")) if doc else None
        attached = [p["PolicyArn"] for p in
                    side.items("iam", "ListAttachedRolePolicies", role["Arn"], "AttachedPolicies", RoleName=name) or []]
        managed = {}
        for policy_arn in attached:
            if policy_arn not in managed_cache:
                managed_cache[policy_arn] = _managed_document(side, policy_arn)
            managed[policy_arn] = managed_cache[policy_arn]
        roles.append(records.role_record(
            name=role["RoleName"], arn=role["Arn"], account_id=_arn_field(role["Arn"], "account") or side.account_id,
            trust_policy=parse_document(role.get("AssumeRolePolicyDocument")),
            inline_policies=inline, managed_policies=managed, origin=origin(side, "iam:GetRole"),
        ))
    return roles


def _managed_document(side: Side, policy_arn: str) -> Any:
    policy = side.get("iam", "GetPolicy", policy_arn, absent=("NoSuchEntity",), PolicyArn=policy_arn)
    if not policy:
        return None
    version = side.get("iam", "GetPolicyVersion", policy_arn, absent=("NoSuchEntity",), PolicyArn=policy_arn,
                       VersionId=policy["Policy"]["DefaultVersionId"])
    return parse_document(version["PolicyVersion"].get("Document")) if version else None


# plans -----------------------------------------------------------------------------------------------
def _has_conditions(selection: Mapping[str, Any]) -> bool:
    conditions = selection.get("Conditions") or {}
    return bool(selection.get("ListOfTags")) or any(bool(v) for v in conditions.values())


def _selections(side: Side, plan_id: str, plan_arn: str) -> list[records.Selection]:
    listed = side.items("backup", "ListBackupSelections", plan_arn, "BackupSelectionsList", absent=NOT_FOUND,
                        BackupPlanId=plan_id) or []
    selections = []
    for member in listed:
        got = side.get("backup", "GetBackupSelection", f"{plan_arn}/selection/{member['SelectionId']}", absent=NOT_FOUND,
                       BackupPlanId=plan_id, SelectionId=member["SelectionId"])
        if not got:
            continue
        body = got["BackupSelection"]
        selections.append(records.selection_record(body, has_conditions=_has_conditions(body),
                                           origin=origin(side, "backup:GetBackupSelection")))
    return selections


def _tags(side: Side, arn: str) -> dict[str, str]:
    try:
        pages = side.pages("backup", "ListTags", arn, absent=NOT_FOUND, ResourceArn=arn)
    except (Absent, Failed):
        return {}
    tags: dict[str, str] = {}
    for page in pages:
        tags.update(page.get("Tags") or {})
    return tags


def read_plans(side: Side) -> list[records.Plan]:
    """Every backup plan of the side, with its rules, selections and tags."""
    listed = side.items("backup", "ListBackupPlans", "*", "BackupPlansList") or []
    plans = []
    for member in listed:
        plan_id, plan_arn = member["BackupPlanId"], member.get("BackupPlanArn") or member["BackupPlanId"]
        got = side.get("backup", "GetBackupPlan", plan_arn, absent=NOT_FOUND, BackupPlanId=plan_id)
        if not got:
            continue
        body = got.get("BackupPlan") or {}
        plans.append(records.plan_record(
            plan_id=plan_id, name=body.get("BackupPlanName") or member.get("BackupPlanName"),
            account_id=side.account_id, region=side.region,
            rules=[records.rule_record(r, target_vault=r.get("TargetBackupVaultName")) for r in body.get("Rules") or []],
            selections=_selections(side, plan_id, plan_arn), tags=_tags(side, plan_arn),
            origin=origin(side, "backup:GetBackupPlan"),
        ))
    return plans


# tables, buckets, user pools --------------------------------------------------------------------------
def read_tables(side: Side, names: Iterable[str]) -> list[dict[str, Any]]:
    tables = []
    for name in names:
        try:
            table = side.call("dynamodb", "DescribeTable", name, absent=NOT_FOUND, TableName=name)["Table"]
        except (Absent, Failed):
            continue
        arn = table["TableArn"]
        backups = side.get("dynamodb", "DescribeContinuousBackups", arn, absent=("TableNotFoundException",) + NOT_FOUND,
                           TableName=name)
        pitr, status = None, cast("dict[str, Any]", {})
        if backups is not None:
            status = ((backups.get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription") or {})
            pitr = status.get("PointInTimeRecoveryStatus") == "ENABLED"
        sse = table.get("SSEDescription") or {}
        kms = sse.get("SSEType") == "KMS" and sse.get("Status") in ("ENABLED", "UPDATING")
        tables.append(table_record(
            name=table.get("TableName", name), arn=arn,
            account_id=_arn_field(arn, "account") or side.account_id, region=_arn_field(arn, "region") or side.region,
            pitr=pitr, pitr_recovery_period_days=status.get("RecoveryPeriodInDays"),
            encryption_type="KMS" if kms else "AWS_OWNED", kms_key=sse.get("KMSMasterKeyArn") if kms else None,
            deletion_protection=table.get("DeletionProtectionEnabled") is True,
            origin=origin(side, "dynamodb:DescribeTable"),
        ))
    return tables


def read_buckets(side: Side, names: Iterable[str]) -> list[dict[str, Any]]:
    """The inventory buckets (of the primary region; botocore follows a bucket elsewhere): NoSuchBucket on
    the first read means absent."""
    buckets = []
    for name in names:
        arn = f"arn:aws:s3:::{name}"
        try:
            versioning = side.call("s3", "GetBucketVersioning", arn, absent=S3_NOT_FOUND, Bucket=name).get("Status") or "Disabled"
        except Absent:
            continue
        except Failed:
            versioning = None
        lifecycle = side.get("s3", "GetBucketLifecycleConfiguration", arn, absent=("NoSuchLifecycleConfiguration",), Bucket=name)
        rules = [lifecycle_rule_from_api(r) for r in (lifecycle or {}).get("Rules") or []]
        try:
            encryption = side.call("s3", "GetBucketEncryption", arn, Bucket=name,
                                   absent=("ServerSideEncryptionConfigurationNotFoundError",))
            rule = ((encryption.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or [{}])[0]
            default = rule.get("ApplyServerSideEncryptionByDefault") or {}
            bucket_encryption = {"algorithm": default.get("SSEAlgorithm"), "kms_key": default.get("KMSMasterKeyID")}
        except (Absent, Failed):
            bucket_encryption = {"algorithm": None, "kms_key": None}
        try:
            block = side.call("s3", "GetPublicAccessBlock", arn, Bucket=name,
                              absent=("NoSuchPublicAccessBlockConfiguration",)).get("PublicAccessBlockConfiguration") or {}
            public_access_block: dict[str, bool | None] = {k: block.get(k) is True for k in PAB_FIELDS}
        except Absent:
            public_access_block = {k: False for k in PAB_FIELDS}
        except Failed:
            public_access_block = {k: None for k in PAB_FIELDS}
        policy = side.get("s3", "GetBucketPolicy", arn, absent=("NoSuchBucketPolicy",), Bucket=name)
        logging = side.get("s3", "GetBucketLogging", arn, Bucket=name)
        buckets.append({
            "name": name, "arn": arn, "account_id": side.account_id, "region": side.region,
            "versioning": versioning,
            **lifecycle_fields(rules),
            "encryption": bucket_encryption,
            "public_access_block": public_access_block,
            "logging": None if logging is None else bool(logging.get("LoggingEnabled")),
            "policy": parse_document(policy.get("Policy")) if policy else None,
            "deletion_policy": None,
            "origin": origin(side, "s3:GetBucketVersioning"),
        })
    return buckets


def lifecycle_rule_from_api(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A rule of GetBucketLifecycleConfiguration (``Filter`` with ``Prefix``, ``Tag``, ``ObjectSize*`` or
    ``And``, or the older top-level ``Prefix``; ``Expiration.Days``) for the shared builder."""
    where = rule.get("Filter") or {}
    both = where.get("And") or {}
    filtered = any(k in where for k in ("Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan")) or any(
        both.get(k) for k in ("Tags", "ObjectSizeGreaterThan", "ObjectSizeLessThan"))
    return lifecycle_rule(rule_id=rule.get("ID"), enabled=rule.get("Status") == "Enabled",
                          prefix=where.get("Prefix") or both.get("Prefix") or rule.get("Prefix"), filtered=filtered,
                          expiration_days=(rule.get("Expiration") or {}).get("Days"),
                          noncurrent_days=(rule.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays"))


def read_user_pools(side: Side, pools: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pools with an id are described; pools known by name only are found in one listing of the side."""
    found, listed = [], None
    for pool in pools:
        if pool.get("user_pool_id"):
            got = side.get("cognito-idp", "DescribeUserPool", pool["user_pool_id"], absent=NOT_FOUND, UserPoolId=pool["user_pool_id"])
            if got:
                found.append({"name": got["UserPool"].get("Name"), "user_pool_id": pool["user_pool_id"],
                              "estimated_users": got["UserPool"].get("EstimatedNumberOfUsers"),
                              "origin": origin(side, "cognito-idp:DescribeUserPool")})
            continue
        if listed is None:
            listed = {p.get("Name"): p.get("Id")
                      for p in side.items("cognito-idp", "ListUserPools", "*", "UserPools", page_size=60) or []}
        if pool["name"] in listed:
            found.append({"name": pool["name"], "user_pool_id": listed[pool["name"]], "estimated_users": None,
                          "origin": origin(side, "cognito-idp:ListUserPools")})
    return found


# recovery points -------------------------------------------------------------------------------------
def newest_recovery_point(side: Side, vault_name: str, resource_arn: str, kind: str, *, now: datetime) -> dict[str, Any] | None:
    """The newest COMPLETED recovery point of ``resource_arn`` in one vault of the side: the last week
    first (a healthy resource has one there), the whole vault's history of the resource only when not."""
    vault_arn = backup_vault_arn(side.region, side.account_id, vault_name)
    windows: tuple[dict[str, Any], ...] = ({"ByCreatedAfter": now - RECOVERY_POINT_LOOKBACK}, {})
    for window in windows:
        try:
            pages = side.pages("backup", "ListRecoveryPointsByBackupVault", resource_arn, absent=NOT_FOUND,
                               page_size=RECOVERY_POINT_PAGE, BackupVaultName=vault_name, ByResourceArn=resource_arn, **window)
        except (Absent, Failed):
            return None
        points = [p for page in pages for p in page.get("RecoveryPoints", [])
                  if p.get("Status") == "COMPLETED" and p.get("ResourceArn", resource_arn) == resource_arn
                  and p.get("CreationDate") is not None]
        if points:
            newest = max(points, key=lambda p: iso(p["CreationDate"]) or "")
            return {"resource_arn": resource_arn, "vault_arn": newest.get("BackupVaultArn") or vault_arn,
                    "account_id": side.account_id, "region": side.region,
                    "creation_date": iso(newest["CreationDate"]), "status": newest["Status"],
                    "lifecycle": records.lifecycle_record(newest.get("Lifecycle")), "kind": kind}
    return None


# settings --------------------------------------------------------------------------------------------
def read_cross_account_backup(side: Side) -> bool | None:
    """The organization's cross-account backup switch (DescribeGlobalSettings fails outside an
    organization: None, and the failure is in the errors)."""
    got = side.get("backup", "DescribeGlobalSettings", "*")
    if got is None:
        return None
    value = (got.get("GlobalSettings") or {}).get("isCrossAccountBackupEnabled")
    return None if value is None else str(value).lower() == "true"


def read_region_settings(side: Side) -> dict[str, dict[str, Any]]:
    got = side.get("backup", "DescribeRegionSettings", f"{side.account_id}:{side.region}")
    if got is None:
        return {}
    management = got.get("ResourceTypeManagementPreference") or {}
    return {f"{side.account_id}:{side.region}": {"dynamodb_advanced": management.get("DynamoDB") is True}}
