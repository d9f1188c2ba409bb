"""Validate an environment's configuration and say precisely which field is wrong.

Structure (unknown or missing keys, types, id patterns) is checked by JSON Schema (``schema.json``, with
the maintained ``jsonschema`` library); what a schema cannot say is checked here: ARNs that disagree with
the accounts and regions, schedules AWS would reject or that run less often than the RPO, lifecycles AWS
would reject, categories that do not exist, tables marked excluded, a restore-test cadence on SSN data or
missing elsewhere, a category holding tables without a point-in-time recovery window. Every problem is reported, not only
the first, each as ``(field path, message)``.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from audit import schedule
from audit.arns import ArnError, parse_arn
from audit.code_fingerprint import read_recorded, write_recorded
from audit.config.loader import ConfigError, LoadedConfig, field_path as _path, load_raw

# the libraries whose behaviour decides a validation (the schema checker, the schedule parser)
VALIDATING_LIBRARIES = ("jsonschema", "aws-croniter")

COLD_TO_DELETE_MIN_DAYS = 90  # AWS: DeleteAfterDays >= MoveToColdStorageAfterDays + 90
CATEGORIES_WITH_DEDICATED_VAULT = {"ssn_data"}  # the templates hold exactly one dedicated vault pair
TABLE_ONLY_CATEGORIES = {"ssn_data"}  # the SSN role can back up DynamoDB only

Problem = tuple[str, str]


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII)


def _whole_value_pattern(validator, pattern, instance, schema):
    """JSON Schema's ``pattern``, matched against the WHOLE value with ASCII classes.

    jsonschema uses ``re.search``, where ``$`` also matches before a trailing newline and ``\\w``/``\\s``
    match any Unicode letter or space: ``^[\\w-]+$`` then accepts ``"name\\n"``, and such a value reaches
    the deployer's shell and the stack parameters. ECMA-262, which JSON Schema names, reads ``^...$``
    as the whole input with ASCII classes; ``fullmatch`` with ``re.ASCII`` is that reading."""
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _compiled(pattern).fullmatch(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _strict_integer(checker, instance) -> bool:
    """An integer is an int: JSON Schema counts 2555.0 as an integer, which then reaches a stack parameter
    as "2555.0" (and a bool is not one either)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


@lru_cache(maxsize=1)
def _validator():
    import jsonschema  # imported on demand: a configuration validated before is not checked again

    schema = json.loads((Path(__file__).with_name("schema.json")).read_text(encoding="utf-8"))
    base = jsonschema.Draft202012Validator
    strict = jsonschema.validators.extend(base, validators={"pattern": _whole_value_pattern},
                                          type_checker=base.TYPE_CHECKER.redefine("integer", _strict_integer))
    return strict(schema)


def _schema_problems(data: dict[str, Any]) -> Iterator[Problem]:
    for error in sorted(_validator().iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        where = _path(error.absolute_path)
        if error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - set(allowed)):
                yield _path([*error.absolute_path, key]), f"unknown key (allowed here: {', '.join(allowed)})"
        elif error.validator == "required":
            missing = error.message.split("'")[1]
            yield _path([*error.absolute_path, missing]), "missing required key"
        elif error.validator == "pattern":
            hint = error.schema.get("description") or _pattern_hint(where)
            yield where, f"{error.instance!r} does not have the expected form ({hint})"
        else:
            yield where, error.message


def _pattern_hint(where: str) -> str:
    hints = {
        "account_id": "12 digits", "region": "a region such as us-east-1", "organization_id": "o- and 10-32 letters/digits",
        "bucket_name": "an S3 bucket name: 3-63 lower-case letters, digits, dots, hyphens",
        "table_name": "3-255 letters, digits, _ . -", "user_pool_id": "<region>_<id>", "id": "lower-case letters, digits, -",
        "email": "an e-mail address such as team@example.org", "https": "an https:// URL",
        "environment": "a lower-case name of up to 20 letters, digits, -",
    }
    field = re.sub(r"\[\d+\]$", "", where)
    for key, hint in hints.items():
        if field.endswith(key):
            return hint
    return "see audit/config/schema.json"


def _account_region_problems(cfg: dict[str, Any]) -> Iterator[Problem]:
    if cfg["environment_account_id"] == cfg["backup_account_id"]:
        yield "backup_account_id", "must differ from environment_account_id: copies must leave the environment account"
    if cfg["primary_region"] == cfg["backup_region"]:
        yield "backup_region", f"must differ from primary_region ({cfg['primary_region']}): copies must leave the region"


def _schedule_problems(field: str, policy: dict[str, Any], rpo_hours: int) -> Iterator[Problem]:
    try:
        analysis = schedule.analyse(policy["schedule"])
    except schedule.ScheduleError as exc:
        yield f"{field}.schedule", str(exc)
        return
    if analysis.max_gap_hours is None or analysis.max_gap_hours > rpo_hours:
        gap = "never runs twice within a year" if analysis.max_gap is None else f"leaves gaps of up to {analysis.max_gap_hours:g} h"
        yield (f"{field}.schedule",
               f"{policy['schedule']!r} {gap}; the RPO of {rpo_hours} h (rpo_hours) needs a backup at least every {rpo_hours} h")
    elif analysis.min_gap is not None and analysis.min_gap < schedule.MIN_BACKUP_INTERVAL:
        yield f"{field}.schedule", f"{policy['schedule']!r} runs more often than hourly, which AWS Backup rejects"


def _lifecycle_problems(field: str, policy: dict[str, Any]) -> Iterator[Problem]:
    lifecycle = policy["lifecycle"]
    cold, delete = lifecycle["cold_storage_days"], lifecycle["delete_after_days"]
    if cold is not None and delete < cold + COLD_TO_DELETE_MIN_DAYS:
        yield (f"{field}.lifecycle.delete_after_days",
               f"{delete} is less than cold_storage_days ({cold}) + {COLD_TO_DELETE_MIN_DAYS}, which AWS rejects")
    if policy["retention_days"] != delete:
        yield (f"{field}.retention_days",
               f"{policy['retention_days']} disagrees with lifecycle.delete_after_days ({delete}); they state the same promise")


def _vault_arn_problems(field: str, category: str, policy: dict[str, Any], cfg: dict[str, Any]) -> Iterator[Problem]:
    where = f"{field}.cross_account_vault_arn"
    try:
        arn = parse_arn(policy["cross_account_vault_arn"])
    except ArnError as exc:
        yield where, str(exc)
        return
    if arn.service != "backup" or arn.resource_type != "backup-vault":
        yield where, f"{arn} is not a backup vault ARN (arn:aws:backup:<region>:<account>:backup-vault:<name>)"
        return
    if arn.account != cfg["backup_account_id"]:
        yield where, f"account {arn.account} is not backup_account_id ({cfg['backup_account_id']})"
    if arn.region != cfg["backup_region"]:
        yield where, f"region {arn.region} is not backup_region ({cfg['backup_region']})"
    vault = "ssn" if policy["dedicated_vault"] else "general"
    expected = cfg["vault_names"][vault]
    if arn.resource_name != expected:
        kind = "the dedicated SSN vault" if policy["dedicated_vault"] else "the general cross-account vault"
        yield where, (f"vault {arn.resource_name!r} is not {kind} ({expected!r}, vault_names.{vault}) that category "
                      f"{category} copies into")


def _dedicated_vault_problems(field: str, category: str, policy: dict[str, Any]) -> Iterator[Problem]:
    must_be_dedicated = category in CATEGORIES_WITH_DEDICATED_VAULT
    if policy["dedicated_vault"] != must_be_dedicated:
        state = "true" if must_be_dedicated else "false"
        yield f"{field}.dedicated_vault", f"must be {state} for {category} (only SSN data has dedicated vaults)"
    if must_be_dedicated and not policy.get("specialized_role"):
        yield f"{field}.specialized_role", "missing: SSN data is backed up by its own minimal role"
    if not must_be_dedicated and policy.get("specialized_role"):
        yield f"{field}.specialized_role", f"only {', '.join(sorted(CATEGORIES_WITH_DEDICATED_VAULT))} has a specialized role"


def _restore_test_problems(field: str, category: str, policy: dict[str, Any]) -> Iterator[Problem]:
    """Every category is restore-tested at its cadence except one with a dedicated vault (SSN data): the
    restore testing role is denied its vaults and keys, and its data is restored only through the
    break-glass (docs/runbooks/break-glass.md), so a cadence there would promise tests that never run."""
    where = f"{field}.restore_test_every_days"
    if policy["dedicated_vault"] and "restore_test_every_days" in policy:
        yield where, (f"not allowed for {category}: its vaults are never restore-tested automatically; its drill runs "
                      "only through the break-glass (docs/runbooks/break-glass.md, docs/restore.md)")
    elif not policy["dedicated_vault"] and "restore_test_every_days" not in policy:
        yield where, f"missing: {category} is restore-tested at a cadence of days (docs/restore.md)"


def _point_in_time_problems(cfg: dict[str, Any]) -> Iterator[Problem]:
    """A category that holds DynamoDB tables sets their point-in-time recovery window; a category with
    buckets only may leave it out (S3 has no such window)."""
    policies = cfg["backup_policies"]
    tables: dict[str, list[str]] = {}
    for table in cfg["inventory"]["dynamodb_tables"]:
        if table.get("category") in policies:
            tables.setdefault(table["category"], []).append(table["id"])
    for category, ids in sorted(tables.items()):
        if "point_in_time_recovery_days" not in policies[category]:
            yield (f"backup_policies.{category}.point_in_time_recovery_days",
                   f"missing: {category} holds the DynamoDB table(s) {', '.join(ids)}, whose point-in-time recovery "
                   "window (1-35 days) it sets")


def _policy_problems(cfg: dict[str, Any]) -> Iterator[Problem]:
    for category, policy in cfg["backup_policies"].items():
        field = f"backup_policies.{category}"
        yield from _schedule_problems(field, policy, cfg["rpo_hours"])
        yield from _lifecycle_problems(field, policy)
        yield from _dedicated_vault_problems(field, category, policy)
        yield from _vault_arn_problems(field, category, policy, cfg)
        yield from _restore_test_problems(field, category, policy)
    yield from _point_in_time_problems(cfg)


def _duplicate_problems(kind: str, entries: list[dict[str, Any]], name_key: str) -> Iterator[Problem]:
    for key in ("id", name_key):
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            value = entry[key]
            if value in seen:
                yield f"inventory.{kind}[{index}].{key}", f"{value!r} repeats inventory.{kind}[{seen[value]}]"
            seen.setdefault(value, index)


def _category_problems(where: str, entry: dict[str, Any], categories: set[str], *, table: bool) -> Iterator[Problem]:
    category = entry.get("category")
    if category is None:
        yield f"{where}.category", "missing: every protected resource names its backup category"
    elif category not in categories:
        yield f"{where}.category", f"unknown category {category!r} (known: {', '.join(sorted(categories))})"
    elif not table and category in TABLE_ONLY_CATEGORIES:
        yield f"{where}.category", f"{category} holds DynamoDB tables only (its minimal role cannot back up S3)"


def _dedicated_table_problems(cfg: dict[str, Any]) -> Iterator[Problem]:
    """A category with a dedicated vault protects at least one table: its backup role, the DENY statements
    on its vaults and keys and its restore alarms name its tables by ARN, and with none the templates hold
    empty Resource lists and event patterns (the audit then stops on evaluator errors, a template
    parameter is blamed, and AWS would refuse the stacks)."""
    tables = cfg["inventory"]["dynamodb_tables"]
    for category, policy in sorted(cfg["backup_policies"].items()):
        if policy["dedicated_vault"] and not any(t.get("category") == category for t in tables):
            found = "is empty" if not tables else f"has no table in category {category}"
            yield ("inventory.dynamodb_tables",
                   f"{found}: {category} has a dedicated vault whose role, DENY statements and alarms name its "
                   f"tables, so at least one table must be in it (set \"category\": \"{category}\" on the table "
                   "that holds this data)")


def _inventory_problems(cfg: dict[str, Any], *, include_controls: bool = True) -> Iterator[Problem]:
    inventory, categories = cfg["inventory"], set(cfg["backup_policies"])
    for kind, name_key in (("dynamodb_tables", "table_name"), ("s3_buckets", "bucket_name"), ("cognito_user_pools", "user_pool_name")):
        yield from _duplicate_problems(kind, inventory[kind], name_key)
    yield from _dedicated_table_problems(cfg)
    for index, table in enumerate(inventory["dynamodb_tables"]):
        where = f"inventory.dynamodb_tables[{index}]"
        if include_controls and (table.get("excluded") or "exclusion_reason" in table):
            yield f"{where}.excluded", f"table {table['id']!r} cannot be excluded: every DynamoDB table holds primary data"
        yield from _category_problems(where, table, categories, table=True)
    for index, bucket in enumerate(inventory["s3_buckets"]):
        where = f"inventory.s3_buckets[{index}]"
        if bucket.get("excluded"):
            if include_controls and not str(bucket.get("exclusion_reason", "")).strip():
                yield f"{where}.exclusion_reason", f"bucket {bucket['id']!r} is excluded without a reason"
            if "category" in bucket:
                yield f"{where}.category", "an excluded bucket has no category"
        else:
            if "exclusion_reason" in bucket:
                yield f"{where}.exclusion_reason", "given, but the bucket is not excluded (set excluded: true or remove it)"
            yield from _category_problems(where, bucket, categories, table=False)
    for index, pool in enumerate(inventory["cognito_user_pools"]):
        pool_id = pool.get("user_pool_id")
        if pool_id and not pool_id.startswith(cfg["primary_region"] + "_"):
            yield f"inventory.cognito_user_pools[{index}].user_pool_id", f"{pool_id!r} is not in primary_region ({cfg['primary_region']})"
    yield from _other_data_problems(inventory)


def _other_data_problems(inventory: dict[str, Any]) -> Iterator[Problem]:
    """Persisted data that is not an application table, bucket or user pool (log groups, secrets, access-log
    buckets, ...): each named once, with a reason an auditor can read."""
    application_buckets = {b["bucket_name"] for b in inventory["s3_buckets"]}
    seen: dict[Any, int] = {}
    for index, entry in enumerate(inventory["other_data"]):
        where = f"inventory.other_data[{index}]"
        for key, field in ((entry["id"], "id"), ((entry["kind"], entry["name"]), "name")):
            if key in seen:
                yield f"{where}.{field}", f"{entry[field]!r} repeats inventory.other_data[{seen[key]}]"
            seen.setdefault(key, index)
        if not entry["reason"].strip():
            yield f"{where}.reason", f"{entry['id']!r} has an empty reason: say why it is protected this way or excluded"
        if entry["kind"] == "s3-bucket" and entry["name"] in application_buckets:
            yield f"{where}.name", f"bucket {entry['name']!r} is already in inventory.s3_buckets: list it once"


EXPORT_BUCKET_ID = "cognito-export"  # the inventory entry of the exporter's bucket (CognitoExportBucketName)
EXPORT_CATEGORY = "export_data"


def _cognito_export_problems(cfg: dict[str, Any]) -> Iterator[Problem]:
    """The export bucket expires each export (personal data) after ``expire_after_days``; the backups keep
    the history for the export retention. A longer age would keep exports in the bucket beyond that promise
    (the schema makes it a whole number of days)."""
    field, days = "cognito_export.expire_after_days", cfg["cognito_export"]["expire_after_days"]
    entry: dict[str, Any] = next((b for b in cfg["inventory"]["s3_buckets"] if b["id"] == EXPORT_BUCKET_ID), {})
    category = entry.get("category") or EXPORT_CATEGORY
    policy = cfg["backup_policies"].get(category)
    if policy is not None and days > policy["retention_days"]:
        yield field, (f"{days} days is longer than the export retention (backup_policies.{category}.retention_days = "
                      f"{policy['retention_days']}): the bucket would keep each export longer than its backups")


def _monitoring_problems(cfg: dict[str, Any]) -> Iterator[Problem]:
    for topic, subscriptions in cfg["monitoring"].items():
        if not subscriptions["email"] and not subscriptions["https"]:
            yield f"monitoring.{topic}", "no e-mail or https subscription: its alerts would reach nobody"


# Roles a stack of this project creates under a configured name: each must be its own role. Sharing a name
# with another role would make two stacks create one role, or put one role's DENY statements (the restore
# testing and copy-back roles are denied the SSN vault and key) on the SSN backup or break-glass role.
_OWN_ROLES = {
    "restore_testing_role_name": "the restore testing role",  # cloudformation/restore-testing.yaml
    "cognito_import_role_name": "the Cognito import logs role",  # cloudformation/cognito-exporter.yaml
    "copy_back_role_name": "the copy-back role",  # cloudformation/backup-account.yaml
}


def _own_role_problems(cfg: dict[str, Any]) -> Iterator[Problem]:
    """Each role of ``_OWN_ROLES`` has a name no other configured role has (IAM role names are
    case-insensitive). The first of two equal fields names the clash."""
    roles = cfg["roles"]
    named = {f"roles.{key}": value for key, value in roles.items()}
    named.update({f"backup_policies.{c}.specialized_role": p["specialized_role"]
                  for c, p in cfg["backup_policies"].items() if p.get("specialized_role")})
    for key, what in _OWN_ROLES.items():
        name, own = roles[key], f"roles.{key}"
        for field, other in named.items():
            if field != own and name.lower() == other.lower():
                yield own, f"{name!r} is also {field}: {what} has its own name"
                break


def problems(data: dict[str, Any], environment: str | None = None, *, for_audit: bool = False) -> list[Problem]:
    """All problems of a merged configuration; semantic checks run only on a structurally valid one.

    ``for_audit`` leaves out the problems that are also audit controls (a table marked excluded, an
    exclusion without a reason): the audit reports them as failed controls (exit 1) with evidence, while
    ``config validate`` and the deployer refuse them outright (exit 2)."""
    found = list(_schema_problems(data))
    if found:
        return found
    if environment is not None and data["environment"] != environment:
        found.append(("environment", f"{data['environment']!r} does not match the file name ({environment}.json)"))
    for check in (_account_region_problems, _policy_problems, _monitoring_problems, _cognito_export_problems,
                  _own_role_problems):
        found.extend(check(data))
    found.extend(_inventory_problems(data, include_controls=not for_audit))
    return found


def _validated_marker(data: dict[str, Any], environment: str, for_audit: bool) -> Path:
    """Where a successful validation of exactly these inputs is remembered: the merged configuration, the
    schema, the validating libraries' versions and the day (schedules are measured from today) make the key;
    the marker holds the project code that validated (audit/code_fingerprint.py), checked on read."""
    from audit.cache_paths import cache_root
    from audit.code_fingerprint import library_versions

    digest = hashlib.sha256()
    for part in (json.dumps(data, sort_keys=True), Path(__file__).with_name("schema.json").read_text(encoding="utf-8"),
                 library_versions(VALIDATING_LIBRARIES), environment, str(for_audit), date.today().isoformat()):
        digest.update(part.encode() + b"\0")
    return cache_root() / "validated" / digest.hexdigest()


def load_config(environment: str, config_dir: Path | str | None = None, *, for_audit: bool = False) -> LoadedConfig:
    """Load, merge and validate; raise ConfigError listing every problem.

    For the audit (``for_audit``), a configuration that validated before (same content, schema, code and
    day) is not validated again: validation imports jsonschema and measures a year of every schedule, a
    fifth of an audit's time."""
    loaded = load_raw(environment, Path(config_dir) if config_dir else None)
    # Only the audit's read may use the memory of an earlier validation; 'config validate' and the deployer
    # always validate in full.
    marker = _validated_marker(loaded.data, environment, for_audit) if for_audit else None
    if marker is not None and read_recorded(marker) is not None:
        return loaded
    found = problems(loaded.data, environment, for_audit=for_audit)
    if found:
        raise ConfigError(loaded.source, found)
    if marker is not None:
        write_recorded(marker, {})
    return loaded
