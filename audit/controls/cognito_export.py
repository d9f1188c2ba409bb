"""The Cognito export: AWS Backup cannot back up user pools, so a scheduled exporter writes them to a bucket
that AWS Backup protects. These controls check the chain end to end: every pool of the inventory has a
daily schedule into the exporter, the exporter's role can read those pools and write that prefix and nothing
more (decided by the policy evaluator, not by reading policy text), the exports are encrypted, private and
themselves backed up across accounts, failures reach an alert topic, and (live) a complete export exists.

"The exporter" is any function of the posture whose environment names an ``EXPORT_BUCKET``; its schedules
are the enabled rules with a schedule expression whose target is that function with ``{"pool_id": ...}``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterator

from audit import schedule
from audit.controls import Outcome
from audit.controls.access import Principal, Target, decide, identity_policies
from audit.controls.common import parse_time, protecting_rules, taken_at
from audit.controls.coverage import check_bucket_versioned
from audit.controls.encryption import check_bucket_encrypted_private_tls_only, check_key_customer_managed_rotating
from audit.controls.monitoring import alarms_on, dead_letter_checks
from audit.controls.registry import LIVE, check, control
from audit.snapshot import Posture

ANOTHER_POOL_ID_SUFFIX = "_AnotherPool9"
DAY_SECONDS = 24 * 3600


# who and what ------------------------------------------------------------------------------------------
def exporters(posture: Posture) -> list[dict[str, Any]]:
    return [f for f in posture.data.get("functions", []) if (f.get("environment") or {}).get("EXPORT_BUCKET")]


def _no_exporter(posture: Posture, outcome: Outcome) -> bool:
    if exporters(posture):
        return False
    outcome.subject("the Cognito exporter")
    outcome.check(False, f"no exporter function (a function with EXPORT_BUCKET in its environment) in the {posture.mode} posture")
    return True


def pool_arn(posture: Posture, pool_id: str) -> str:
    return f"arn:aws:cognito-idp:{posture.region('environment')}:{posture.account('environment')}:userpool/{pool_id}"


def _pools(posture: Posture, outcome: Outcome) -> Iterator[tuple[str, dict[str, Any]]]:
    pools = posture.data["inventory"]["user_pools"]
    if not pools:
        outcome.subject("inventory user pools")
        outcome.check(False, "the inventory lists no user pool")
    for pool in pools:
        label = f"user pool {pool['name']} ({pool.get('user_pool_id') or 'no id'})"
        outcome.subject(label)
        yield label, pool


def schedules_of(posture: Posture, function_arn: str, pool_id: str | None) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(rule, target) for every scheduled rule targeting ``function_arn`` with this pool id as input."""
    found = []
    for rule in posture.data.get("event_rules", []):
        if not rule.get("schedule_expression"):
            continue
        for target in rule.get("targets") or []:
            if target.get("arn") == function_arn and (target.get("input") or {}).get("pool_id") == pool_id:
                found.append((rule, target))
    return found


# EXP-01 ------------------------------------------------------------------------------------------------
@control("EXP-01", "every user pool of the inventory has an enabled schedule into the exporter with its id, at "
         "least every {max_hours:d} hours",
         severity="high",
         fix='add an enabled EventBridge schedule per user pool targeting the exporter with {"pool_id": "<id>"}, '
             "running at least every stated hours")
def every_pool_exported_daily(posture: Posture, max_hours: int) -> Outcome:
    outcome = Outcome(fix='add an enabled EventBridge schedule per user pool targeting the exporter with {"pool_id": "<id>"}, '
                          f"running at least every {max_hours} hours")
    if _no_exporter(posture, outcome):
        return outcome
    live_pools = {p.get("user_pool_id"): p for p in posture.data.get("user_pools", [])}
    for label, pool in _pools(posture, outcome):
        pool_id = pool.get("user_pool_id")
        if posture.mode == "live":
            found = live_pools.get(pool_id)
            outcome.check(found is not None and found["name"] == pool["name"],
                          f"{label}: " + (f"exists as {found['name']}" if found else "no pool with this id in the account"))
        rules = [(f, r, t) for f in exporters(posture) for r, t in schedules_of(posture, f["arn"], pool_id)]
        if not rules:
            outcome.check(False, f"{label}: no schedule targets the exporter with this pool id")
            continue
        enabled = [(f, r, t) for f, r, t in rules if r.get("state") == "ENABLED"]
        for _, rule, _ in rules:
            if rule.get("state") != "ENABLED":
                outcome.check(False, f"{label}: rule {rule['name']} is {rule.get('state')}", origin=rule.get("origin"))
        best = None
        for function, rule, _ in enabled:
            try:
                gap = schedule.analyse(rule["schedule_expression"]).max_gap_hours
            except schedule.ScheduleError as error:
                outcome.check(False, f"{label}: rule {rule['name']} schedule is not valid: {error}", origin=rule.get("origin"))
                continue
            if gap is not None and (best is None or gap < best[0]):
                best = (gap, function, rule)
        if best is None:
            outcome.check(False, f"{label}: no enabled schedule that runs at least twice a year")
            continue
        gap, function, rule = best
        outcome.check(gap <= max_hours, f"{label}: rule {rule['name']} {rule['schedule_expression']} runs {function['name']} "
                      f"with its id, largest gap {gap:g} h (limit {max_hours} h)", origin=rule.get("origin"))
    return outcome


# EXP-02 ------------------------------------------------------------------------------------------------
@control("EXP-02", "the export bucket, the exporter's environment and its dead-letter queue are encrypted, and the "
         "bucket is versioned, private and TLS-only",
         severity="critical",
         fix="export bucket: SSE-KMS with a rotating customer-managed key, versioning with noncurrent-version "
             "expiry, all public access blocks, TLS-only; exporter environment and dead-letter queue KMS-encrypted")
def exports_encrypted_and_private(posture: Posture) -> Outcome:
    outcome = Outcome()
    if _no_exporter(posture, outcome):
        return outcome
    for function in exporters(posture):
        name = function["environment"]["EXPORT_BUCKET"]
        label = f"export bucket {name}"
        outcome.subject(label)
        bucket = posture.bucket(f"arn:aws:s3:::{name}")
        if bucket is None:
            outcome.check(False, f"{label}: not found in the {posture.mode} posture (named by {function['name']})")
        else:
            check_bucket_encrypted_private_tls_only(posture, outcome, label, bucket)
            check_key_customer_managed_rotating(outcome, label, posture.key_by_arn(bucket["encryption"]["kms_key"]),
                                                bucket["encryption"]["kms_key"])
            check_bucket_versioned(outcome, label, bucket)
        fn_label = f"function {function['name']}"
        outcome.subject(fn_label)
        outcome.check(bool(function.get("kms_key")),
                      f"{fn_label}: environment encrypted with {function.get('kms_key') or 'the AWS-owned key'}",
                      origin=function.get("origin"))
        queue = posture.queue_by_arn(function.get("dead_letter_arn"))
        if queue is not None:
            outcome.check(bool(queue.get("kms_key")), f"{fn_label}: dead-letter queue {queue['name']} encrypted with "
                          f"{queue.get('kms_key') or 'nothing'}", origin=queue.get("origin"))
    return outcome


# EXP-03 ------------------------------------------------------------------------------------------------
def _exporter_principal(posture: Posture, function: dict[str, Any]) -> tuple[Principal, dict[str, Any] | None]:
    role = posture.role_by_arn(function.get("role_arn") or "")
    return Principal(f"the role of {function['name']}", function.get("role_arn") or "", identity_policies(role),
                     {"aws:SecureTransport": True}), role


# (subject, target, extra request context): one request of the feature's table
TargetCase = tuple[str, Target, dict[str, Any]]


def _targets(posture: Posture, function: dict[str, Any], label: str) -> list[TargetCase]:
    """(subject, target, extra request context) for a resource named in the feature's table."""
    account, region = posture.account("environment"), posture.region("environment")
    bucket_name = function["environment"]["EXPORT_BUCKET"]
    prefix = str(function["environment"].get("EXPORT_PREFIX", "cognito-export")).strip("/")
    bucket = posture.bucket(f"arn:aws:s3:::{bucket_name}")
    bucket_policy = (bucket or {}).get("policy") or {"Statement": []}
    key = posture.key_by_arn(((bucket or {}).get("encryption") or {}).get("kms_key"))

    def s3(arn: str, subject: str) -> list[TargetCase]:
        return [(subject, Target(subject, arn, account, bucket_policy, "resource"), {})]

    namespace = function["environment"].get("METRICS_NAMESPACE") or "CompactRetention/CognitoExport"
    pool_ids = [p.get("user_pool_id") or "missing-id" for p in posture.data["inventory"]["user_pools"]]
    table: dict[str, Callable[[], list[TargetCase]]] = {
        "each exported user pool": lambda: [(f"user pool {pid}", Target(pid, pool_arn(posture, pid), account, None, "resource"), {})
                                            for pid in pool_ids],
        "another user pool": lambda: [("another user pool", Target("another", pool_arn(posture, f"{region}{ANOTHER_POOL_ID_SUFFIX}"),
                                                                    account, None, "resource"), {})],
        "an object under the export prefix": lambda: s3(
            f"arn:aws:s3:::{bucket_name}/{prefix}/{pool_ids[0]}/2026-01-01/users-00001.jsonl.gz",
            f"s3://{bucket_name}/{prefix}/... (export object)"),
        "a checkpoint under the export prefix": lambda: s3(
            f"arn:aws:s3:::{bucket_name}/{prefix}/{pool_ids[0]}/2026-01-01/checkpoint.json",
            f"s3://{bucket_name}/{prefix}/.../checkpoint.json"),
        "an object outside the export prefix": lambda: s3(f"arn:aws:s3:::{bucket_name}/elsewhere/object",
                                                          f"s3://{bucket_name}/elsewhere/object"),
        "the export bucket": lambda: s3(f"arn:aws:s3:::{bucket_name}", f"bucket {bucket_name}"),
        "another bucket": lambda: [("another bucket", Target("another bucket", "arn:aws:s3:::another-bucket/object", account, None,
                                                             "resource"), {})],
        "the export key": lambda: [(f"key {key['arn']}" if key else "the export key",
                                    Target("the export key", key["arn"] if key else "", account, key["policy"] if key else None,
                                           "kms_key", found=key is not None), {})],
        "another key": lambda: [("another key", Target("another key", f"arn:aws:kms:{region}:{account}:key/another", account,
                                                       {"Statement": [{"Effect": "Allow",
                                                                       "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                                                                       "Action": "kms:*", "Resource": "*"}]}, "kms_key"), {})],
        "the export metrics namespace": lambda: [(f"metrics namespace {namespace}", Target("ns", "*", account, None, "resource"),
                                                  {"cloudwatch:namespace": namespace})],
        "another metrics namespace": lambda: [("another metrics namespace", Target("ns", "*", account, None, "resource"),
                                               {"cloudwatch:namespace": "AWS/Backup"})],
        "any role": lambda: [("any role", Target("role", f"arn:aws:iam::{account}:role/Administrator", account, None, "resource"), {})],
    }
    if label not in table:
        raise ValueError(f"unknown resource {label!r} (known: {', '.join(table)})")
    return table[label]()


@control("EXP-03", "the exporter's role is decided as below",
         severity="high", table="rows",
         fix="limit the exporter role to the Cognito read calls on the inventory's pools, s3:PutObject/GetObject "
             "under the export prefix (DeleteObject on checkpoints only) and the export key")
def exporter_role_decisions(posture: Posture, rows: list[dict[str, str]]) -> Outcome:
    """Each row: action, resource (a label of ``_targets``), decision (allowed | denied)."""
    outcome = Outcome()
    if _no_exporter(posture, outcome):
        return outcome
    for function in exporters(posture):
        who, role = _exporter_principal(posture, function)
        outcome.subject(f"role {who.arn}")
        if role is None:
            outcome.check(False, f"{function['name']}: its role {function.get('role_arn')} is not in the {posture.mode} posture")
            continue
        for row in rows:
            for subject, target, context in _targets(posture, function, row["resource"]):
                if not target.found:
                    outcome.check(False, f"{row['resource']}: not found in the {posture.mode} posture")
                    continue
                decision = decide(who, row["action"], target, **context)
                allowed = decision.kind == "Allow"
                expected = row["decision"] == "allowed"
                outcome.check(allowed == expected, f"{row['action']} on {subject}: {decision.kind} (expected {row['decision']})",
                              origin=role.get("origin"))
    return outcome


@check("no statement of the exporter's role allows every action of a service, or every resource without a condition",
       fix='scope every Allow of the exporter role to named resources, or give "*" a condition')
def exporter_role_has_no_unconditioned_wildcards(posture: Posture) -> Outcome:
    """No Allow of the exporter's role names every resource without a condition, or every action of a service."""
    outcome = Outcome()
    if _no_exporter(posture, outcome):
        return outcome
    for function in exporters(posture):
        role = posture.role_by_arn(function.get("role_arn") or "")
        outcome.subject(f"role {function.get('role_arn')}")
        if role is None:
            outcome.check(False, f"{function['name']}: role not in the {posture.mode} posture")
            continue
        outcome.check(not role["managed_policies"], f"role {role['name']}: managed policies {sorted(role['managed_policies']) or 'none'}",
                      origin=role.get("origin"))
        for policy_name, document in role["inline_policies"].items():
            for statement in _statements(document):
                if statement.get("Effect") != "Allow":
                    continue
                actions = _as_list(statement.get("Action")) or ["(NotAction)"]
                resources = _as_list(statement.get("Resource")) or ["(NotResource)"]
                sid = statement.get("Sid") or "(no Sid)"
                wild_action = any(a == "*" or a.endswith(":*") for a in actions) or "NotAction" in statement
                wild_resource = ("*" in resources or "NotResource" in statement) and not statement.get("Condition")
                outcome.check(not wild_action and not wild_resource,
                              f"role {role['name']} policy {policy_name} {sid}: actions {actions} on {resources}"
                              + (" with a condition" if statement.get("Condition") else ""), origin=role.get("origin"))
    return outcome


def _statements(document: Any) -> list[dict[str, Any]]:
    statements = (document or {}).get("Statement") or []
    return [statements] if isinstance(statements, dict) else list(statements)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


# EXP-04 ------------------------------------------------------------------------------------------------
@control("EXP-04", "the bucket the exporter writes to is in the inventory, selected by a backup plan, and copied "
         "to the backup account",
         severity="high",
         fix="list the export bucket in the inventory (not excluded) and select it in its category's plan with a "
             "copy action to the backup account")
def export_bucket_backed_up(posture: Posture) -> Outcome:
    outcome = Outcome()
    if _no_exporter(posture, outcome):
        return outcome
    backup_account = posture.account("backup")
    for function in exporters(posture):
        name = function["environment"]["EXPORT_BUCKET"]
        label = f"export bucket {name}"
        outcome.subject(label)
        arn = f"arn:aws:s3:::{name}"
        item = next((b for b in posture.data["inventory"]["buckets"] if b["arn"] == arn), None)
        if item is None or item.get("excluded"):
            outcome.check(False, f"{label}: {'excluded from' if item else 'not in'} the inventory, so no plan has to protect it")
            continue
        rules = list(protecting_rules(posture, arn))
        outcome.check(bool(rules), f"{label} (category {item.get('category')}): selected by "
                      f"{', '.join(p['name'] for p, _ in rules) or 'no backup plan'}")
        for plan, rule in rules:
            copies = [c for c in rule["copy_actions"] if f":{backup_account}:" in str(c["destination_vault_arn"])]
            outcome.check(bool(copies), f"{label}: plan {plan['name']} rule {rule['name']} copies to "
                          f"{', '.join(str(c['destination_vault_arn']) for c in rule['copy_actions']) or 'nowhere'}",
                          origin=plan.get("origin"))
    return outcome


# EXP-05 ------------------------------------------------------------------------------------------------
@control("EXP-05", 'the exporter has a dead-letter queue, an errors alarm and per pool a "no complete export in '
         '{max_hours:d} hours" alarm, all notifying an alert topic',
         severity="medium",
         fix="give the exporter a dead-letter queue (and its schedules one EventBridge can write to, by its policy "
             "and its key), an alarm on its Errors and, per pool, an alarm when ExportsCompleted stays below 1 for "
             "the stated hours (missing data breaching), each notifying an alert topic")
def exporter_failures_alert(posture: Posture, max_hours: int) -> Outcome:
    outcome = Outcome(fix="give the exporter a dead-letter queue (and its schedules one EventBridge can write to, by its policy "
                          "and its key), an alarm on its Errors and, per pool, "
                          f"an alarm when ExportsCompleted stays below 1 for {max_hours} hours (missing data breaching), each "
                          "notifying an alert topic")
    if _no_exporter(posture, outcome):
        return outcome
    for function in exporters(posture):
        label = f"function {function['name']}"
        outcome.subject(label)
        queue = posture.queue_by_arn(function.get("dead_letter_arn"))
        outcome.check(queue is not None, f"{label}: dead-letter queue {function.get('dead_letter_arn') or 'none'}"
                      + ("" if queue else " (not in the posture)"), origin=function.get("origin"))
        errors = alarms_on(posture, "AWS/Lambda", "Errors", "FunctionName", function["name"])
        outcome.check(bool(errors), f"{label}: Errors alarms notifying an alert topic: {', '.join(a['name'] for a in errors) or 'none'}")
        namespace = function["environment"].get("METRICS_NAMESPACE")
        outcome.check(bool(namespace), f"{label}: publishes export metrics to {namespace or 'nothing (METRICS_NAMESPACE unset)'}",
                      origin=function.get("origin"))
        for pool_label, pool in _pools(posture, outcome):
            for rule, target in schedules_of(posture, function["arn"], pool.get("user_pool_id")):
                dead_letter_checks(posture, outcome, f"{pool_label}: rule {rule['name']}", rule, target.get("dead_letter_arn"))
            missing = [a for a in alarms_on(posture, namespace or "", "ExportsCompleted", "UserPoolId", pool.get("user_pool_id") or "")
                       if _missing_export_alarm_ok(a, max_hours)]
            outcome.check(bool(missing), f"{pool_label}: 'no complete export in {max_hours} h' alarm notifying an alert topic: "
                          f"{', '.join(a['name'] for a in missing) or 'none'}")
    return outcome


def _missing_export_alarm_ok(alarm: dict[str, Any], max_hours: int) -> bool:
    """Fires when no export completed in the window: Sum < 1 (or <= 0) over every datapoint of at most
    ``max_hours``, missing data counting as breaching (no metric at all is the failure it must catch)."""
    try:
        window = int(alarm["period"]) * int(alarm["evaluation_periods"])
        datapoints = int(alarm.get("datapoints_to_alarm") or alarm["evaluation_periods"])
        threshold = float(alarm["threshold"])
    except (KeyError, TypeError, ValueError):
        return False
    below_one = ((alarm.get("comparison") == "LessThanThreshold" and 0 < threshold <= 1)
                 or (alarm.get("comparison") == "LessThanOrEqualToThreshold" and 0 <= threshold < 1))
    return (alarm.get("statistic") == "Sum" and below_one and alarm.get("treat_missing_data") == "breaching"
            and datapoints == int(alarm["evaluation_periods"]) and window <= max_hours * 3600)


# EXP-06 (live) -----------------------------------------------------------------------------------------
@control("EXP-06", "every user pool of the inventory has a complete export at most {max_hours:d} hours old",
         severity="high", modes=LIVE, history=True,
         fix="run the exporter (retention export --pool-id ID --bucket NAME) and find why the scheduled run did "
             "not complete (docs/operations.md)")
def recent_complete_export(posture: Posture, max_hours: int, *, now: datetime | None = None) -> Outcome:
    outcome = Outcome()
    now = now or taken_at(posture)
    exports = {e["pool_id"]: e for e in posture.data.get("exports", [])}
    for label, pool in _pools(posture, outcome):
        export = exports.get(pool.get("user_pool_id"))
        if export is None:
            outcome.check(False, f"{label}: no complete export (manifest.json) in the last days")
            continue
        # Its age counts from when it began reading the pool: yesterday's export resumed and finished today
        # has a fresh manifest but holds the pool as it was yesterday, and must not stand for today's.
        age = (now - parse_time(export["started_at"])).total_seconds() / 3600
        outcome.check(age <= max_hours, f"{label}: newest complete export {export['manifest_key']} (day {export['day']}) "
                      f"began {export['started_at']}, {age:.1f} h ago, completed {export['completed_at']} "
                      f"(limit {max_hours} h from its start)", origin=export.get("origin"))
        counts = export.get("counts") or {}
        outcome.check(not export["objects_missing"] and export["objects"] > 0,
                      f"{label}: manifest lists {export['objects']} objects, {len(export['objects_missing'])} missing or resized",
                      origin=export.get("origin"))
        estimate = next((p.get("estimated_users") for p in posture.data.get("user_pools", [])
                         if p.get("user_pool_id") == pool.get("user_pool_id")), None)
        outcome.evidence.append(f"info: {label}: export holds {counts.get('users', '?')} users ({counts.get('disabled', '?')} "
                                f"disabled), {counts.get('groups', '?')} groups, {counts.get('memberships', '?')} memberships; "
                                f"the pool estimates {estimate if estimate is not None else '?'} users")
    return outcome


# EXP-07 ------------------------------------------------------------------------------------------------
def expiring_rule(bucket: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The enabled rule of ``bucket`` that expires every current object at ``key`` soonest, None if none does.
    A rule narrowed by tags or object sizes leaves the other objects to be kept forever, so it does not count."""
    covering = [r for r in bucket.get("expiration_rules") or []
                if not r["filtered"] and key.startswith(r["prefix"]) and r["days"] is not None]
    return min(covering, key=lambda r: r["days"], default=None)


@control("EXP-07", "the export bucket expires every current object under the export prefix after at most "
         "{max_days:d} days",
         severity="low",
         fix="give the export bucket an enabled lifecycle rule, without tag or size filters, that expires current "
             "objects under the export prefix after cognito_export.expire_after_days (at most the stated days)")
def exports_expire_within_retention(posture: Posture, max_days: int) -> Outcome:
    """Each daily export is a full copy of every user's personal data. Versioning with noncurrent expiry
    (EXP-02) removes only REPLACED versions; the current objects stay unless a rule expires them. The export
    retention is what the backups keep, so the bucket itself may keep an export at most that long."""
    outcome = Outcome(fix="give the export bucket an enabled lifecycle rule, without tag or size filters, that expires "
                          f"current objects under the export prefix after cognito_export.expire_after_days (at most {max_days})")
    if _no_exporter(posture, outcome):
        return outcome
    for function in exporters(posture):
        name = function["environment"]["EXPORT_BUCKET"]
        prefix = str(function["environment"].get("EXPORT_PREFIX", "cognito-export")).strip("/") + "/"
        label = f"export bucket {name}"
        outcome.subject(label)
        bucket = posture.bucket(f"arn:aws:s3:::{name}")
        if bucket is None:
            outcome.check(False, f"{label}: not found in the {posture.mode} posture (named by {function['name']})")
            continue
        # exports, manifests and the checkpoints of unfinished runs all live under <prefix><pool id>/<day>/
        rule = expiring_rule(bucket, prefix)
        if rule is None:
            rules = ", ".join(f"{r['id']} ({r['prefix'] or 'whole bucket'}{', filtered' if r['filtered'] else ''}: {r['days']} days)"
                              for r in bucket.get("expiration_rules") or []) or "none"
            outcome.check(False, f"{label}: no enabled rule expires every current object under {prefix} (rules expiring "
                          f"current objects: {rules}), so every daily export is kept forever", origin=bucket.get("origin"))
            continue
        outcome.check(rule["days"] <= max_days, f"{label}: rule {rule['id']} expires every current object under {prefix} "
                      f"(exports, manifests, checkpoints of unfinished runs) after {rule['days']} days "
                      f"(limit {max_days}, the export retention)", origin=bucket.get("origin"))
    return outcome
