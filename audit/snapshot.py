"""The posture snapshot: one JSON-serialisable model of what protects an environment's data.

Both sources fill the same shape: the static source from the templates resolved with the configuration,
the live source from the accounts. Controls only ask a snapshot (through ``Posture``), so one control
serves both modes and drift is a comparison of two snapshots.

Shape (lists of plain dicts; ``origin`` says where a fact came from: template line or API call). Each record
that both sources write has one typed shape (a ``TypedDict``) and one builder both call: vaults, keys, roles
and plans in ``audit.sources.records.backup``, tables in ``records.table``, bucket lifecycles in
``records.bucket``, functions and queues in ``records.function``, monitoring in ``records.monitoring``,
restore testing in ``records.restore_testing``:
  mode, environment{name, environment_account_id, primary_region, backup_account_id, backup_region,
  organization_id, vault_names, roles, ssn_role_name}, inventory{tables, buckets, user_pools: [{id, name,
  arn, category | excluded + exclusion_reason}] (tables also with the configured point_in_time_recovery_days),
  other_data: [{id, kind, name, protection, reason}]}, vaults,
  keys (each vault and key with ``break_glass_tags``: its ``compact-retention:break-glass-*`` tags, the
  break-glass record of ``audit.break_glass``; {} when closed, None when unreadable), roles,
  plans{rules, selections}, tables (``audit.sources.records.table``: point-in-time recovery on/off and its
  window), buckets (lifecycle fields from ``audit.sources.records.bucket``),
  user_pools, persisted (static: every resource of a
  type that holds data, as the templates create it), eventbridge (buses, rules, archives, schedules, pipes,
  API destinations, connections, with the stack that defines each), recovery_points (live), settings (live),
  stacks (static), functions and queues (the exporter's Lambda functions and SQS queues:
  ``audit.sources.static.functions``), exports (live: the newest complete export per user pool, from its
  manifest, with when it began and completed).

Restore testing sections (``audit.sources.records.restore_testing``): restore_testing_plans [{name, arn,
  account_id, region, schedule, timezone, start_window_hours, algorithm, include_vaults, exclude_vaults,
  recovery_point_types, selection_window_days, selections: [{name, resource_type, iam_role_arn,
  resource_arns, conditions, overrides, validation_window_hours, origin}], origin}] (static and live),
  restore_jobs (live: the restore testing jobs, newest first) and restore_test_resources (live: tables and
  buckets a restore test or a drill left behind). Inventory tables and buckets also carry their
  category's ``rto_hours`` and ``restore_test_every_days``.

Monitoring sections, static and live in one shape (``audit.sources.records.monitoring``):
  topics [{name, arn, account_id, region, kms_key (as written/returned), policy, subscriptions: [{protocol,
  endpoint (pseudonymised: no address or token in a snapshot)}], origin}], event_rules [{name, arn,
  account_id, region, event_bus, state, schedule_expression, event_pattern, targets: [{id, arn, input,
  dead_letter_arn, role_arn}], origin}], alarms [{name, account_id, region, namespace, metric_name,
  dimensions, statistic, period, evaluation_periods, datapoints_to_alarm, threshold, comparison,
  treat_missing_data, actions_enabled, alarm_actions, ok_actions, metrics, origin}], dashboards [{name,
  body, origin}].
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, cast

from audit.arns import dynamodb_table_arn, s3_bucket_arn

SNAPSHOT_FORMAT = 1


def _inventory(cfg: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    region, account = cfg["primary_region"], cfg["environment_account_id"]
    inventory = cfg["inventory"]

    def entry(item: Mapping[str, Any], kind: str, name: str, arn: str) -> dict[str, Any]:
        out = {"id": item["id"], "kind": kind, "name": name, "arn": arn}
        for key in ("category", "excluded", "exclusion_reason"):
            if key in item:
                out[key] = item[key]
        policy = cfg["backup_policies"].get(item.get("category") or "", {})
        for key in ("rto_hours", "restore_test_every_days"):  # what the restore controls hold it to
            out[key] = policy.get(key)
        return out

    def table(item: Mapping[str, Any]) -> dict[str, Any]:
        """A table with the point-in-time recovery window its category configures (None when none is)."""
        policy = cfg["backup_policies"].get(item.get("category") or "", {})
        return {**entry(item, "dynamodb table", item["table_name"], dynamodb_table_arn(region, account, item["table_name"])),
                "point_in_time_recovery_days": policy.get("point_in_time_recovery_days")}

    return {
        "tables": [table(t) for t in inventory["dynamodb_tables"]],
        "buckets": [entry(b, "s3 bucket", b["bucket_name"], s3_bucket_arn(b["bucket_name"])) for b in inventory["s3_buckets"]],
        "user_pools": [{"id": p["id"], "name": p["user_pool_name"], "user_pool_id": p.get("user_pool_id")}
                       for p in inventory["cognito_user_pools"]],
        "other_data": [dict(item) for item in inventory.get("other_data", [])],
    }


def new_snapshot(mode: str, cfg: Mapping[str, Any]) -> dict[str, Any]:
    ssn_role = next((p.get("specialized_role") for p in cfg["backup_policies"].values() if p.get("dedicated_vault")), None)
    return {
        "format": SNAPSHOT_FORMAT,
        "mode": mode,
        "environment": {
            "name": cfg["environment"],
            "environment_account_id": cfg["environment_account_id"], "primary_region": cfg["primary_region"],
            "backup_account_id": cfg["backup_account_id"], "backup_region": cfg["backup_region"],
            "organization_id": cfg["organization_id"], "vault_names": dict(cfg["vault_names"]),
            "general_role_name": cfg["roles"]["general_backup_role_name"], "ssn_role_name": ssn_role,
            "break_glass_role_name": cfg["roles"]["break_glass_role_name"],
            "dedicated_categories": sorted(c for c, p in cfg["backup_policies"].items() if p.get("dedicated_vault")),
        },
        "inventory": _inventory(cfg),
        "vaults": [], "keys": [], "roles": [], "plans": [], "tables": [], "buckets": [], "user_pools": [],
        "topics": [], "event_rules": [], "alarms": [], "dashboards": [],
        "recovery_points": [], "settings": {}, "stacks": [], "functions": [], "queues": [], "exports": [], "persisted": [],
        "eventbridge": [],
        "restore_testing_plans": [], "restore_jobs": [], "restore_test_resources": [],
    }


@dataclass
class Posture:
    """Read-only questions over a snapshot, shared by every control."""

    data: dict[str, Any]

    @property
    def mode(self) -> str:
        return cast("str", self.data["mode"])

    @property
    def env(self) -> dict[str, Any]:
        return cast("dict[str, Any]", self.data["environment"])

    def account(self, side: str) -> str:
        return cast("str", self.env["environment_account_id" if side == "environment" else "backup_account_id"])

    def region(self, side: str) -> str:
        return cast("str", self.env["primary_region" if side == "environment" else "backup_region"])

    def side_of(self, account_id: str) -> str | None:
        if account_id == self.env["environment_account_id"]:
            return "environment"
        if account_id == self.env["backup_account_id"]:
            return "backup"
        return None

    # inventory ---------------------------------------------------------------------------------------
    def protected(self) -> list[dict[str, Any]]:
        """Every inventory table and non-excluded bucket (tables are protected even if marked excluded)."""
        inv = self.data["inventory"]
        return [*inv["tables"], *[b for b in inv["buckets"] if not b.get("excluded")]]

    def category_of(self, arn: str) -> str | None:
        for item in [*self.data["inventory"]["tables"], *self.data["inventory"]["buckets"]]:
            if item["arn"] == arn:
                return cast("str | None", item.get("category"))
        return None

    # resources ---------------------------------------------------------------------------------------
    def vaults(self, *, side: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        found = self.data["vaults"]
        if side:
            found = [v for v in found if v["account_id"] == self.account(side) and v["region"] == self.region(side)]
        if kind:
            found = [v for v in found if v["name"] == self.env["vault_names"][kind]]
        return cast("list[dict[str, Any]]", found)

    def vault_by_arn(self, arn: str) -> dict[str, Any] | None:
        return next((v for v in self.data["vaults"] if v["arn"] == arn), None)

    def vault_named(self, name: str, account_id: str, region: str) -> dict[str, Any] | None:
        return next((v for v in self.data["vaults"] if v["name"] == name and v["account_id"] == account_id
                     and v["region"] == region), None)

    def key_by_arn(self, arn: str | None) -> dict[str, Any] | None:
        return next((k for k in self.data["keys"] if arn and k["arn"] == arn), None)

    def key_by_ref(self, ref: str | None) -> dict[str, Any] | None:
        """A key named by ARN or by bare key id (both are valid in a topic's KmsMasterKeyId)."""
        if not ref:
            return None
        return self.key_by_arn(ref) or next((k for k in self.data["keys"] if k["arn"].rsplit("/", 1)[-1] == ref), None)

    def queue_by_arn(self, arn: str | None) -> dict[str, Any] | None:
        return next((q for q in self.data.get("queues", []) if arn and q["arn"] == arn), None)

    def topic_by_arn(self, arn: str | None) -> dict[str, Any] | None:
        return next((t for t in self.data.get("topics", []) if arn and t["arn"] == arn), None)

    def role_by_arn(self, arn: str) -> dict[str, Any] | None:
        return next((r for r in self.data["roles"] if r["arn"] == arn), None)

    def role_named(self, name: str | None) -> dict[str, Any] | None:
        return next((r for r in self.data["roles"] if r["name"] == name), None)

    def table(self, arn: str) -> dict[str, Any] | None:
        return next((t for t in self.data["tables"] if t["arn"] == arn), None)

    def bucket(self, arn: str) -> dict[str, Any] | None:
        return next((b for b in self.data["buckets"] if b["arn"] == arn), None)

    def resource(self, arn: str) -> dict[str, Any] | None:
        return self.table(arn) or self.bucket(arn)

    def rules(self) -> Iterable[tuple[dict[str, Any], dict[str, Any]]]:
        for plan in self.data["plans"]:
            for rule in plan["rules"]:
                yield plan, rule

    def plans_selecting(self, arn: str) -> list[dict[str, Any]]:
        """Plans with a selection naming ``arn`` (explicitly or by a wildcard ARN pattern)."""
        from fnmatch import fnmatchcase

        return [p for p in self.data["plans"] if any(
            any(fnmatchcase(arn, pattern) for pattern in s["resources"]) and
            not any(fnmatchcase(arn, pattern) for pattern in s["not_resources"]) for s in p["selections"])]

    def selections_of(self, plan: dict[str, Any], arn: str) -> list[dict[str, Any]]:
        from fnmatch import fnmatchcase

        return [s for s in plan["selections"] if any(fnmatchcase(arn, p) for p in s["resources"])]


def describe(item: Mapping[str, Any]) -> str:
    """How a resource is named in evidence: ``dynamodb table compact-connect-example-ssn``."""
    return f"{item.get('kind', 'resource')} {item.get('name')}"
