"""The deployment plan of one environment: which stacks, in which order, in which account and region,
from which template, with which parameters.

This is the one helper that turns the configuration into CloudFormation parameters: ``scripts/deploy.sh``
asks it (through ``retention stacks`` / ``retention params``) and the static audit resolves the templates
with exactly the same values, so a number is never typed twice. Values that only exist once an earlier
stack is deployed (a role ARN, a vault name) are ``OutputRef``s: the deployer fills them from the earlier
stack's outputs; the static audit from the earlier template's resolved outputs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from audit.arns import dynamodb_table_arn, s3_bucket_arn

SIDE_ENVIRONMENT = "environment"
SIDE_BACKUP = "backup"
STACK_PREFIX = "compact-retention"


@dataclass(frozen=True)
class OutputRef:
    """A parameter value taken from the output of a stack deployed earlier."""

    stack_key: str
    output: str

    def placeholder(self) -> str:
        return f"<pending:{self.stack_key}.{self.output}>"


@dataclass(frozen=True)
class StackSpec:
    key: str  # stable id within an environment, e.g. "plan-critical-data"
    name: str  # CloudFormation stack name
    side: str  # "environment" or "backup"
    account_id: str
    region: str
    profile: str | None
    template: str  # path relative to the repository root
    parameters: Mapping[str, Any] = field(default_factory=dict)
    demo_only: bool = False

    def depends_on(self) -> set[str]:
        return {v.stack_key for v in self.parameters.values() if isinstance(v, OutputRef)}


class PendingOutput(LookupError):
    """A parameter needs an output that is not known yet."""


def category_slug(category: str) -> str:
    return category.replace("_", "-")


def protected_resources(cfg: Mapping[str, Any]) -> dict[str, list[str]]:
    """ARNs of every protected (not excluded) table and bucket, by category, in inventory order."""
    inventory, region, account = cfg["inventory"], cfg["primary_region"], cfg["environment_account_id"]
    by_category: dict[str, list[str]] = {category: [] for category in cfg["backup_policies"]}
    for table in inventory["dynamodb_tables"]:
        by_category[table["category"]].append(dynamodb_table_arn(region, account, table["table_name"]))
    for bucket in inventory["s3_buckets"]:
        if not bucket.get("excluded"):
            by_category[bucket["category"]].append(s3_bucket_arn(bucket["bucket_name"]))
    return by_category


def lock_bounds(cfg: Mapping[str, Any], dedicated: bool) -> tuple[int, int]:
    """Vault lock [min, max] retention for the vault holding the categories with ``dedicated_vault == dedicated``.

    The minimum is the shortest retention of those categories (so the lock never forces a recovery point to
    outlive its category) and the maximum the longest (so nothing is kept longer than its category allows).
    """
    days = [p["lifecycle"]["delete_after_days"] for p in cfg["backup_policies"].values() if p["dedicated_vault"] == dedicated]
    return min(days), max(days)


def _profile(cfg: Mapping[str, Any], side: str) -> str | None:
    return cfg.get("profiles", {}).get(side)


def _names(cfg: Mapping[str, Any]) -> dict[str, str]:
    ssn_role = next(p["specialized_role"] for p in cfg["backup_policies"].values() if p["dedicated_vault"])
    return {
        "EnvironmentName": cfg["environment"],
        "GeneralVaultName": cfg["vault_names"]["general"],
        "SSNVaultName": cfg["vault_names"]["ssn"],
        "SSNBackupRoleName": ssn_role,
        "BreakGlassRoleName": cfg["roles"]["break_glass_role_name"],
    }


def _lock_parameters(cfg: Mapping[str, Any]) -> dict[str, int]:
    general, ssn = lock_bounds(cfg, False), lock_bounds(cfg, True)
    return {
        "GeneralLockMinRetentionDays": general[0], "GeneralLockMaxRetentionDays": general[1],
        "SSNLockMinRetentionDays": ssn[0], "SSNLockMaxRetentionDays": ssn[1],
    }


def _environment_side(cfg: Mapping[str, Any], key: str, template: str, *, parameters: Mapping[str, Any],
                      demo_only: bool = False) -> StackSpec:
    """A stack of the environment account, in the primary region, named after its key."""
    return StackSpec(
        key=key, name=f"{STACK_PREFIX}-{cfg['environment']}-{key}", side=SIDE_ENVIRONMENT,
        account_id=cfg["environment_account_id"], region=cfg["primary_region"], profile=_profile(cfg, SIDE_ENVIRONMENT),
        template=template, parameters=parameters, demo_only=demo_only,
    )


def _backup_account_stack(cfg: Mapping[str, Any]) -> StackSpec:
    names = _names(cfg)
    return StackSpec(
        key="backup-vaults", name=f"{STACK_PREFIX}-{cfg['environment']}-backup-vaults", side=SIDE_BACKUP,
        account_id=cfg["backup_account_id"], region=cfg["backup_region"], profile=_profile(cfg, SIDE_BACKUP),
        template="cloudformation/backup-account.yaml",
        parameters={
            **names,
            "EnvironmentAccountId": cfg["environment_account_id"],
            "OrganizationId": cfg["organization_id"],
            "LockChangeableForDays": cfg["vault_lock"]["changeable_for_days"],
            "CopyBackRoleName": cfg["roles"]["copy_back_role_name"],
            "EnvironmentRegion": cfg["primary_region"],  # the copy-back role's destination vault
            **_lock_parameters(cfg),
        },
    )


def ssn_table_arns(cfg: Mapping[str, Any]) -> list[str]:
    """The DynamoDB tables of the category with a dedicated (SSN) vault."""
    return [dynamodb_table_arn(cfg["primary_region"], cfg["environment_account_id"], t["table_name"])
            for t in cfg["inventory"]["dynamodb_tables"] if cfg["backup_policies"][t["category"]]["dedicated_vault"]]


def _environment_stack(cfg: Mapping[str, Any]) -> StackSpec:
    policies = cfg["backup_policies"]
    ssn_tables = ssn_table_arns(cfg)
    general_destination = next(p["cross_account_vault_arn"] for p in policies.values() if not p["dedicated_vault"])
    ssn_destination = next(p["cross_account_vault_arn"] for p in policies.values() if p["dedicated_vault"])
    return _environment_side(
        cfg, "backup-infrastructure", "cloudformation/environment-backup.yaml",
        parameters={
            **_names(cfg),
            "GeneralBackupRoleName": cfg["roles"]["general_backup_role_name"],
            "RestoreTestingRoleName": cfg["roles"]["restore_testing_role_name"],
            "BackupAccountId": cfg["backup_account_id"],
            "BackupRegion": cfg["backup_region"],
            "GeneralDestinationVaultArn": general_destination,
            "SSNDestinationVaultArn": ssn_destination,
            "SSNTableArns": ssn_tables,
            **_lock_parameters(cfg),
        },
    )


def _plan_stacks(cfg: Mapping[str, Any]) -> list[StackSpec]:
    stacks = []
    for category, resources in protected_resources(cfg).items():
        if not resources:
            continue  # a selection needs at least one resource; an empty category deploys no plan
        policy = cfg["backup_policies"][category]
        vault_output, role_output = ("SSN", "SSN") if policy["dedicated_vault"] else ("General", "General")
        cold = policy["lifecycle"]["cold_storage_days"]
        stacks.append(_environment_side(
            cfg, f"plan-{category_slug(category)}", "cloudformation/backup-plan.yaml",
            parameters={
                "EnvironmentName": cfg["environment"],
                "Category": category,
                "ScheduleExpression": policy["schedule"],
                "StartWindowMinutes": policy["start_window_minutes"],
                "CompletionWindowMinutes": policy["completion_window_minutes"],
                "DeleteAfterDays": policy["lifecycle"]["delete_after_days"],
                "ColdStorageDays": 0 if cold is None else cold,
                "LocalVaultName": OutputRef("backup-infrastructure", f"{vault_output}VaultName"),
                "BackupRoleArn": OutputRef("backup-infrastructure", f"{role_output}BackupRoleArn"),
                "DestinationVaultArn": policy["cross_account_vault_arn"],
                "ResourceArns": resources,
            },
        ))
    return stacks


def _camel(identifier: str) -> str:
    return "".join(part.capitalize() for part in identifier.split("-"))


def inventory_parameters(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """One parameter per inventory entry, named from its id (``provider`` -> ``ProviderTableName``,
    ``cognito-export`` -> ``CognitoExportBucketName``); ``resolve_parameters`` passes only those a
    template declares, so a template names the inventory entries it creates by declaring them. Each table
    also gets its category's point-in-time recovery window (``ProviderTableRecoveryPeriodInDays``)."""
    inventory, policies = cfg["inventory"], cfg["backup_policies"]
    parameters: dict[str, Any] = {"EnvironmentName": cfg["environment"]}
    parameters.update({f"{_camel(t['id'])}TableName": t["table_name"] for t in inventory["dynamodb_tables"]})
    parameters.update({f"{_camel(t['id'])}TableRecoveryPeriodInDays": policies[t["category"]]["point_in_time_recovery_days"]
                       for t in inventory["dynamodb_tables"]
                       if "point_in_time_recovery_days" in policies.get(t.get("category") or "", {})})
    parameters.update({f"{_camel(b['id'])}BucketName": b["bucket_name"] for b in inventory["s3_buckets"]})
    parameters.update({f"{_camel(p['id'])}UserPoolName": p["user_pool_name"] for p in inventory["cognito_user_pools"]})
    parameters.update({f"{_camel(p['id'])}UserPoolId": p["user_pool_id"] for p in inventory["cognito_user_pools"]
                       if p.get("user_pool_id")})
    return parameters


def _sample_application_stack(cfg: Mapping[str, Any]) -> StackSpec:
    """The demo application (sandbox and demos only)."""
    return _environment_side(
        cfg, "sample-application", "cloudformation/sample-application.yaml",
        parameters=inventory_parameters(cfg), demo_only=True,
    )


SUBSCRIPTION_SLOTS = 3  # per topic and protocol; the template has one conditional subscription per slot
MAX_ALARM_RANGE_SECONDS = 604800  # CloudWatch: Period x EvaluationPeriods of an alarm is at most 7 days


def vault_protected_counts(cfg: Mapping[str, Any]) -> dict[str, int]:
    """Protected resources per local vault kind ("general", "ssn"): how many completed backup jobs a day
    each vault must see (the RPO-breach alarms' thresholds)."""
    counts = {"general": 0, "ssn": 0}
    for category, resources in protected_resources(cfg).items():
        counts["ssn" if cfg["backup_policies"][category]["dedicated_vault"] else "general"] += len(resources)
    return counts


def rpo_window_seconds(cfg: Mapping[str, Any]) -> int:
    """The RPO plus the longest start and completion windows: within this window every protected resource
    completes at least one scheduled backup when the schedules hold. At most CloudWatch's limit of an
    alarm's evaluation range (7 days)."""
    slack = max(p["start_window_minutes"] + p["completion_window_minutes"] for p in cfg["backup_policies"].values())
    return min(cfg["rpo_hours"] * 3600 + slack * 60, MAX_ALARM_RANGE_SECONDS)


def _subscription_parameters(cfg: Mapping[str, Any]) -> dict[str, str]:
    parameters = {}
    for topic, prefix in (("alerts", "Alert"), ("critical_alerts", "Critical")):
        for protocol, label in (("email", "Email"), ("https", "Https")):
            endpoints = cfg["monitoring"][topic][protocol]
            for slot in range(SUBSCRIPTION_SLOTS):  # unused slots are passed empty so a removed one goes away
                parameters[f"{prefix}{label}{slot + 1}"] = endpoints[slot] if slot < len(endpoints) else ""
    return parameters


def _monitoring_stack(cfg: Mapping[str, Any]) -> StackSpec:
    """Alert topics, EventBridge rules, alarms and the dashboard (environment account, primary region)."""
    names = _names(cfg)
    counts = vault_protected_counts(cfg)
    return _environment_side(
        cfg, "monitoring", "cloudformation/monitoring.yaml",
        parameters={
            "EnvironmentName": cfg["environment"],
            "GeneralVaultName": names["GeneralVaultName"], "SSNVaultName": names["SSNVaultName"],
            "SSNKeyArn": OutputRef("backup-infrastructure", "SSNKeyArn"),
            "SSNTableArns": ssn_table_arns(cfg),
            "GeneralVaultProtectedResources": counts["general"], "SSNVaultProtectedResources": counts["ssn"],
            "RPOWindowSeconds": rpo_window_seconds(cfg),
            **_subscription_parameters(cfg),
        },
    )


def _artifacts_stack(cfg: Mapping[str, Any]) -> StackSpec:
    """The bucket ``aws cloudformation package`` uploads Lambda code to (deployed before any stack with code)."""
    return _environment_side(
        cfg, "artifacts", "cloudformation/deployment-artifacts.yaml",
        parameters={"EnvironmentName": cfg["environment"]},
    )


def _cognito_exporter_stack(cfg: Mapping[str, Any]) -> StackSpec:
    """The Cognito export bucket, the exporter function, its daily schedule per pool and its alarms."""
    return _environment_side(
        cfg, "cognito-exporter", "cloudformation/cognito-exporter.yaml",
        parameters={**inventory_parameters(cfg), "AlertTopicArn": OutputRef("monitoring", "AlertTopicArn"),
                    "ExportExpirationDays": cfg["cognito_export"]["expire_after_days"],
                    "CognitoImportRoleName": cfg["roles"]["cognito_import_role_name"]},
    )


def _ssn_audit_trail_stack(cfg: Mapping[str, Any], side: str) -> StackSpec:
    """The SSN audit trail of one account (docs/cloudtrail.md): its log files are kept as long as the
    longest-kept SSN recovery point (at least a year)."""
    backup = side == SIDE_BACKUP
    return StackSpec(
        key="ssn-audit-trail" + ("-backup" if backup else ""),
        name=f"{STACK_PREFIX}-{cfg['environment']}-ssn-audit-trail",
        side=side, account_id=cfg["backup_account_id" if backup else "environment_account_id"],
        region=cfg["backup_region" if backup else "primary_region"], profile=_profile(cfg, side),
        template="cloudformation/ssn-audit-trail.yaml",
        parameters={"EnvironmentName": cfg["environment"], "LogRetentionDays": max(365, lock_bounds(cfg, True)[1])},
    )


VALIDATION_WINDOW_HOURS = 8  # restored test resources kept for validation (the rule retries for 4 hours)
RESTORE_TEST_START_WINDOW_HOURS = 1
_CRON_HOUR = re.compile(r"^cron\(\s*\S+\s+(\d{1,2})\s")


def restore_test_hour(policy: Mapping[str, Any]) -> int:
    """The UTC hour a category's restore tests start: the first full hour after its backup could have
    finished (backup start hour + start window + completion window), so LATEST_WITHIN_WINDOW restores the
    night's recovery point. Derived from the backup schedule rather than configured: one number fewer to
    keep consistent. A schedule without a fixed hour (every N hours) starts the tests at noon UTC."""
    match = _CRON_HOUR.match(policy["schedule"])
    if not match:
        return 12
    minutes = policy["start_window_minutes"] + policy["completion_window_minutes"]
    return (int(match.group(1)) + -(-minutes // 60)) % 24


def no_validation_alarm_hours(policy: Mapping[str, Any]) -> int:
    """Hours without a SUCCESSFUL validation before a category's alarm: the cadence plus the start and
    validation windows, at most 168 (CloudWatch's 7-day limit on Period x EvaluationPeriods). At a 7-day
    cadence the limit leaves no grace: a test that validates later than 7 days after the previous one
    raises the alarm for the hours in between."""
    hours = policy["restore_test_every_days"] * 24 + RESTORE_TEST_START_WINDOW_HOURS + VALIDATION_WINDOW_HOURS
    return min(hours, MAX_ALARM_RANGE_SECONDS // 3600)


def restore_testing_plan_name(cfg: Mapping[str, Any], category: str) -> str:
    """The plan's name as the template builds it (letters, digits and underscores only, at most 50)."""
    return f"compact_retention_{cfg['environment'].replace('-', '_')}_{category}"


def _restore_testing_stack(cfg: Mapping[str, Any]) -> StackSpec:
    """The restore testing role, the validation function, its rule, dead-letter queue and alarms."""
    policies = cfg["backup_policies"]
    region, account = cfg["primary_region"], cfg["environment_account_id"]
    tested_tables = [dynamodb_table_arn(region, account, t["table_name"]) for t in cfg["inventory"]["dynamodb_tables"]
                     if not policies[t["category"]]["dedicated_vault"]]
    export_bucket = next((b["bucket_name"] for b in cfg["inventory"]["s3_buckets"] if b["id"] == "cognito-export"), None)
    return _environment_side(
        cfg, "restore-testing", "cloudformation/restore-testing.yaml",
        parameters={
            "EnvironmentName": cfg["environment"],
            "RestoreTestingRoleName": cfg["roles"]["restore_testing_role_name"],
            "GeneralVaultArn": OutputRef("backup-infrastructure", "GeneralVaultArn"),
            "GeneralVaultName": OutputRef("backup-infrastructure", "GeneralVaultName"),
            "GeneralKeyArn": OutputRef("backup-infrastructure", "GeneralKeyArn"),
            "SSNVaultArn": OutputRef("backup-infrastructure", "SSNVaultArn"),
            "SSNKeyArn": OutputRef("backup-infrastructure", "SSNKeyArn"),
            # the template needs one ARN at least: with no tested table, one that cannot exist (names end
            # in a letter or digit, never "-")
            "ProtectedTableArns": tested_tables or [dynamodb_table_arn(region, account, f"{STACK_PREFIX}-no-table-")],
            "CognitoExportBucketName": export_bucket or f"{STACK_PREFIX}-{cfg['environment']}-no-export-bucket",
            "AlertTopicArn": OutputRef("monitoring", "AlertTopicArn"),
            "MaxObjectsVerified": 1000,
        },
    )


def _restore_testing_plan_stacks(cfg: Mapping[str, Any]) -> list[StackSpec]:
    """One restore testing plan per category that protects something and has a cadence (never SSN data:
    config validation refuses a cadence on a dedicated-vault category)."""
    stacks = []
    inventory, region, account = cfg["inventory"], cfg["primary_region"], cfg["environment_account_id"]
    for category, resources in protected_resources(cfg).items():
        policy = cfg["backup_policies"][category]
        if not resources or policy["dedicated_vault"] or "restore_test_every_days" not in policy:
            continue
        tables = [dynamodb_table_arn(region, account, t["table_name"]) for t in inventory["dynamodb_tables"]
                  if t["category"] == category]
        buckets = [s3_bucket_arn(b["bucket_name"]) for b in inventory["s3_buckets"]
                   if b.get("category") == category and not b.get("excluded")]
        stacks.append(_environment_side(
            cfg, f"restore-test-{category_slug(category)}", "cloudformation/restore-testing-plan.yaml",
            parameters={
                "EnvironmentName": cfg["environment"],
                "Category": category,
                "RestoreTestEveryDays": policy["restore_test_every_days"],
                "RestoreTestHour": restore_test_hour(policy),
                "StartWindowHours": RESTORE_TEST_START_WINDOW_HOURS,
                # the newest point of the last cadence + 1 days: one missed backup does not stop the test
                # (the RPO controls report it); an older point is never tested silently
                "SelectionWindowDays": policy["restore_test_every_days"] + 1,
                "ValidationWindowHours": VALIDATION_WINDOW_HOURS,
                "GeneralVaultArn": OutputRef("backup-infrastructure", "GeneralVaultArn"),
                "SSNVaultArn": OutputRef("backup-infrastructure", "SSNVaultArn"),
                "GeneralKeyArn": OutputRef("backup-infrastructure", "GeneralKeyArn"),
                "RestoreTestingRoleArn": OutputRef("restore-testing", "RestoreTestingRoleArn"),
                "TableArns": tables,
                "BucketArns": buckets,
                "AlertTopicArn": OutputRef("monitoring", "AlertTopicArn"),
                "NoValidationAlarmHours": no_validation_alarm_hours(policy),
            },
        ))
    return stacks


def stack_plan(cfg: Mapping[str, Any], *, include_demo: bool = False) -> list[StackSpec]:
    """Every stack of the environment in deployment order: backup account first (vaults, SSN audit trail),
    then the environment account's infrastructure, SSN audit trail, monitoring and the Cognito export bucket,
    then one plan per category that protects something, then restore testing (the role, the validation
    function) and one restore testing plan per non-SSN category that protects something."""
    stacks = [_backup_account_stack(cfg), _ssn_audit_trail_stack(cfg, SIDE_BACKUP)]
    if include_demo:
        stacks.append(_sample_application_stack(cfg))
    stacks.append(_environment_stack(cfg))
    stacks.append(_ssn_audit_trail_stack(cfg, SIDE_ENVIRONMENT))
    stacks.append(_monitoring_stack(cfg))
    stacks.append(_artifacts_stack(cfg))
    stacks.append(_cognito_exporter_stack(cfg))
    stacks.extend(_plan_stacks(cfg))
    stacks.append(_restore_testing_stack(cfg))
    stacks.extend(_restore_testing_plan_stacks(cfg))
    return stacks


LOCAL_CODE = re.compile(r"^ +Code: +[^{ ]", re.MULTILINE)


def has_local_code(template_text: str) -> bool:
    """A template whose Lambda ``Code`` is a local folder: deploy.sh packages it first (its has_local_code
    greps the same pattern) with 'aws cloudformation package'."""
    return LOCAL_CODE.search(template_text) is not None


def find_stack(stacks: Iterable[StackSpec], key_or_name: str) -> StackSpec:
    stacks = list(stacks)
    for spec in stacks:
        if key_or_name in (spec.key, spec.name):
            return spec
    known = ", ".join(spec.key for spec in stacks)
    raise KeyError(f"no stack {key_or_name!r} in this environment (known: {known})")


def render_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def resolve_parameters(spec: StackSpec, outputs: Mapping[str, Mapping[str, Any]], *, declared: Iterable[str] | None = None,
                       allow_pending: bool = False) -> dict[str, Any]:
    """Parameter values with every OutputRef replaced by the earlier stack's output.

    ``declared`` restricts the result to the template's parameters (used by the demo stack). A missing
    output raises PendingOutput unless ``allow_pending`` (dry runs), which substitutes a visible placeholder.
    """
    allowed = set(declared) if declared is not None else None
    values: dict[str, Any] = {}
    for name, value in spec.parameters.items():
        if allowed is not None and name not in allowed:
            continue
        if isinstance(value, OutputRef):
            stack_outputs = outputs.get(value.stack_key) or {}
            if value.output in stack_outputs and stack_outputs[value.output] is not None:
                value = stack_outputs[value.output]
            elif allow_pending:
                value = value.placeholder()
            else:
                raise PendingOutput(
                    f"stack {spec.key}: parameter {name} needs output {value.output} of stack {value.stack_key}, "
                    "which is not deployed (or has no such output)"
                )
        values[name] = value
    return values
