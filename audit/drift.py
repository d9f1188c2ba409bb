"""Drift: every difference between what the templates say (static snapshot) and what the accounts hold
(live snapshot), resource by resource and property by property.

Resources are matched by what both sides know: vaults by account, region and name; the keys through the
vault they encrypt (a key's id exists only once AWS creates it); roles by ARN; plans by account, region
and name; tables and buckets by ARN; the exporter's functions and queues, the alert topics and the
EventBridge rules by ARN; alarms by account, region and name (functions, queues, topics, rules and alarms
are the ones named compact-retention-<env>-..., which both sources hold). Policies are compared after normalisation (a single string and a
one-element list are the same; order of actions, resources and condition values does not matter; an
account id principal is its root ARN, as AWS rewrites it), so only real differences are listed.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from audit.snapshot import Posture
from audit.templates.symbols import Symbol

_SYMBOL_SPLIT = re.compile(r"(\{\{(?:AWS::[A-Za-z]+|[A-Za-z0-9]+)\.[A-Za-z0-9_.]+?\}\})")


@dataclass(frozen=True)
class Difference:
    kind: str  # "vault", "role", "plan", "table", "bucket", "function", "queue", "topic", "rule", "alarm"
    resource: str  # how an operator finds it: name, ARN, account
    field: str  # "" when the resource itself is missing on one side
    static: Any
    live: Any

    def describe(self) -> str:
        if not self.field:
            side = "missing in the account" if self.live is None else "not in the templates"
            return f"{self.kind} {self.resource}: {side}"
        return f"{self.kind} {self.resource}: {self.field} is {_short(self.live)} in the account, {_short(self.static)} in the templates"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "resource": self.resource, "field": self.field, "static": self.static, "live": self.live}


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------------------------- policies
def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return sorted(value, key=str) if isinstance(value, list) else [value]


def _principal(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    normalised = {}
    for kind, entries in value.items():
        items = []
        for entry in _as_list(entries):
            if kind == "AWS" and isinstance(entry, str) and entry.isdigit() and len(entry) == 12:
                entry = f"arn:aws:iam::{entry}:root"
            items.append(entry)
        normalised[kind] = sorted(items, key=str)
    return normalised


def _condition(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {op: {key: sorted((str(v).lower() if isinstance(v, bool) else str(v)) for v in _as_list(vals))
                 for key, vals in keys.items()} for op, keys in value.items()}


def normalise_policy(policy: Any) -> Any:
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return policy
    if not isinstance(policy, dict):
        return policy
    statements = policy.get("Statement") or []
    statements = [statements] if isinstance(statements, dict) else statements
    normalised = []
    for statement in statements:
        item = {}
        for key, value in statement.items():
            if key in ("Action", "NotAction", "Resource", "NotResource"):
                item[key] = sorted(_as_list(value), key=str)
            elif key in ("Principal", "NotPrincipal"):
                item[key] = _principal(value)
            elif key == "Condition":
                item[key] = _condition(value)
            else:
                item[key] = value
        normalised.append(item)
    return sorted(normalised, key=lambda s: json.dumps(s, sort_keys=True))


# ---------------------------------------------------------------------------------------------- resources
def _vault_key(vault: Mapping[str, Any]) -> str:
    return f"{vault['name']} ({vault['account_id']}, {vault['region']})"


def _vault_fields(posture: Posture, vault: Mapping[str, Any]) -> dict[str, Any]:
    lock = vault.get("lock") or {}
    key = posture.key_by_arn(vault.get("encryption_key_arn")) or {}
    return {
        "access_policy": normalise_policy(vault.get("access_policy")),
        "lock.mode": lock.get("mode"), "lock.min_retention_days": lock.get("min_retention_days"),
        "lock.max_retention_days": lock.get("max_retention_days"),
        "encryption key": "customer-managed" if key.get("manager") == "CUSTOMER" else (vault.get("encryption_key_arn") and "other"),
        "key.rotation_enabled": key.get("rotation_enabled"),
        "key.policy": normalise_policy(key.get("policy")),
    }


def _role_fields(_posture: Posture, role: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "trust_policy": normalise_policy(role.get("trust_policy")),
        "inline_policies": {name: normalise_policy(doc) for name, doc in (role.get("inline_policies") or {}).items()},
        "managed_policies": sorted(role.get("managed_policies") or {}),
    }


def _plan_fields(_posture: Posture, plan: Mapping[str, Any]) -> dict[str, Any]:
    rules = {r["name"]: {k: r.get(k) for k in ("target_vault", "schedule", "timezone", "start_window_minutes",
                                                "completion_window_minutes", "lifecycle", "copy_actions")}
             for r in plan.get("rules", [])}
    selections = {s["name"]: {"iam_role_arn": s.get("iam_role_arn"), "resources": sorted(s.get("resources") or [])}
                  for s in plan.get("selections", [])}
    return {**{f"rule {name}": value for name, value in rules.items()},
            **{f"selection {name}": value for name, value in selections.items()}}


def _restore_testing_fields(_posture: Posture, plan: Mapping[str, Any]) -> dict[str, Any]:
    """A restore testing plan (RES-02..RES-05 read it): its schedule and recovery point choice, and each
    selection's role, resources, conditions, overrides and validation window."""
    fields = {k: plan.get(k) for k in ("schedule", "timezone", "start_window_hours", "algorithm", "recovery_point_types",
                                       "selection_window_days")}
    fields.update({k: sorted(plan.get(k) or []) for k in ("include_vaults", "exclude_vaults")})
    for s in plan.get("selections", []):
        fields[f"selection {s['name']}"] = {
            "resource_type": s.get("resource_type"), "iam_role_arn": s.get("iam_role_arn"),
            "resource_arns": sorted(s.get("resource_arns") or []), "conditions": s.get("conditions"),
            "overrides": s.get("overrides"), "validation_window_hours": s.get("validation_window_hours")}
    return fields


def _table_fields(_posture: Posture, table: Mapping[str, Any]) -> dict[str, Any]:
    return {"pitr": table.get("pitr"), "pitr_recovery_period_days": table.get("pitr_recovery_period_days"),
            "encryption.type": (table.get("encryption") or {}).get("type"),
            "deletion_protection": table.get("deletion_protection")}


def _bucket_fields(_posture: Posture, bucket: Mapping[str, Any]) -> dict[str, Any]:
    return {"versioning": bucket.get("versioning"), "noncurrent_expiration_days": bucket.get("noncurrent_expiration_days"),
            "expiration_rules": sorted(json.dumps(r, sort_keys=True) for r in bucket.get("expiration_rules") or []),
            "encryption.algorithm": (bucket.get("encryption") or {}).get("algorithm"),
            "public_access_block": bucket.get("public_access_block"), "policy": normalise_policy(bucket.get("policy")),
            "logging": bucket.get("logging")}


def _encrypted(value: Any) -> bool:
    """Whether a KMS key is named: a template names a key by a symbol AWS replaces with its id, so drift
    compares that a key is used, and the controls (EXP-02, MON-02) which one."""
    return bool(value)


def _function_fields(_posture: Posture, function: Mapping[str, Any]) -> dict[str, Any]:
    return {"runtime": function.get("runtime"), "handler": function.get("handler"), "timeout": function.get("timeout"),
            "memory": function.get("memory"), "role_arn": function.get("role_arn"),
            "environment": {k: str(v) for k, v in (function.get("environment") or {}).items()},
            "dead_letter_arn": function.get("dead_letter_arn"), "encrypted environment": _encrypted(function.get("kms_key")),
            "reserved_concurrency": function.get("reserved_concurrency")}


def _queue_fields(_posture: Posture, queue: Mapping[str, Any]) -> dict[str, Any]:
    return {"encrypted": _encrypted(queue.get("kms_key")), "policy": normalise_policy(queue.get("policy"))}


def _topic_fields(_posture: Posture, topic: Mapping[str, Any]) -> dict[str, Any]:
    return {"encrypted": _encrypted(topic.get("kms_key")), "policy": normalise_policy(topic.get("policy")),
            "subscriptions": sorted(json.dumps(s, sort_keys=True) for s in topic.get("subscriptions") or [])}


def _event_rule_fields(_posture: Posture, rule: Mapping[str, Any]) -> dict[str, Any]:
    targets = {t.get("arn"): {"input": t.get("input"), "dead_letter_arn": t.get("dead_letter_arn")} for t in rule.get("targets") or []}
    return {"state": rule.get("state"), "schedule_expression": rule.get("schedule_expression"),
            "event_pattern": rule.get("event_pattern"), "event_bus": rule.get("event_bus"), "targets": targets}


def _alarm_fields(_posture: Posture, alarm: Mapping[str, Any]) -> dict[str, Any]:
    fields = ("namespace", "metric_name", "dimensions", "statistic", "period", "evaluation_periods", "datapoints_to_alarm",
              "comparison", "treat_missing_data", "actions_enabled", "metrics")
    return {**{f: alarm.get(f) for f in fields}, "threshold": None if alarm.get("threshold") is None else float(alarm["threshold"]),
            "alarm_actions": sorted(alarm.get("alarm_actions") or [])}


def _regional_name(item: Mapping[str, Any]) -> str:
    return f"{item['name']} ({item['account_id']}, {item['region']})"


KINDS: list[tuple[str, str, Callable[[Mapping[str, Any]], str], Callable[[Posture, Mapping[str, Any]], dict[str, Any]]]] = [
    ("vault", "vaults", _vault_key, _vault_fields),
    ("role", "roles", lambda r: r["arn"], _role_fields),
    ("plan", "plans", lambda p: f"{p['name']} ({p['account_id']}, {p['region']})", _plan_fields),
    ("restore testing plan", "restore_testing_plans", _regional_name, _restore_testing_fields),
    ("table", "tables", lambda t: t["arn"], _table_fields),
    ("bucket", "buckets", lambda b: b["arn"], _bucket_fields),
    ("function", "functions", lambda f: f["arn"], _function_fields),
    ("queue", "queues", lambda q: q["arn"], _queue_fields),
    ("topic", "topics", lambda t: t["arn"], _topic_fields),
    ("rule", "event_rules", lambda r: r["arn"], _event_rule_fields),
    ("alarm", "alarms", _regional_name, _alarm_fields),
]


def _relevant_roles(posture: Posture) -> set[str]:
    """Roles that matter to backups: the two backup roles and every role a backup or restore testing
    selection uses."""
    env = posture.env
    names = {env["general_role_name"], env["ssn_role_name"]}
    arns = {s["iam_role_arn"] for p in [*posture.data["plans"], *posture.data.get("restore_testing_plans", [])]
            for s in p["selections"]}
    return {r["arn"] for r in posture.data["roles"] if r["name"] in names or r["arn"] in arns}


def compare(static: Mapping[str, Any], live: Mapping[str, Any]) -> list[Difference]:
    left, right = Posture(dict(static)), Posture(dict(live))
    inventory = {i["arn"] for i in [*left.data["inventory"]["tables"], *left.data["inventory"]["buckets"]]}
    roles = _relevant_roles(left) | _relevant_roles(right)
    differences: list[Difference] = []
    for kind, collection, key_of, fields_of in KINDS:
        def keep(item: Mapping[str, Any], kind: str = kind) -> bool:
            if kind in ("table", "bucket"):
                return item["arn"] in inventory
            if kind == "role":
                return item["arn"] in roles
            return True

        static_items = {key_of(i): i for i in left.data.get(collection, []) if keep(i)}
        live_items = {key_of(i): i for i in right.data.get(collection, []) if keep(i)}
        for key in sorted(set(static_items) | set(live_items)):
            if key not in live_items:
                differences.append(Difference(kind, key, "", "present", None))
                continue
            if key not in static_items:
                differences.append(Difference(kind, key, "", None, "present"))
                continue
            ours, theirs = fields_of(left, static_items[key]), fields_of(right, live_items[key])
            for field in sorted(set(ours) | set(theirs)):
                if not _same(ours.get(field), theirs.get(field)):
                    differences.append(Difference(kind, key, field, ours.get(field), theirs.get(field)))
    return differences


def _same(static: Any, live: Any) -> bool:
    """Equal, where a value only AWS knows (a key id, rendered ``{{Logical.Ref}}`` by the static source)
    matches whatever the account holds in its place."""
    if isinstance(static, dict) and isinstance(live, dict):
        return static.keys() == live.keys() and all(_same(static[k], live[k]) for k in static)
    if isinstance(static, list) and isinstance(live, list):
        return len(static) == len(live) and all(_same(a, b) for a, b in zip(static, live))
    if isinstance(static, str) and isinstance(live, str) and Symbol.find_all(static):
        pattern = "".join(".+?" if i % 2 else re.escape(part) for i, part in enumerate(_SYMBOL_SPLIT.split(static)))
        return re.fullmatch(pattern, live) is not None
    return static == live


def same_statement(template: Any, live: Any) -> bool:
    """One policy statement of a template and of an account are the same, as drift compares policies
    (list order, account ids as root ARNs, values only AWS knows)."""
    return _same(normalise_policy({"Statement": [template]}), normalise_policy({"Statement": [live]}))


def render(differences: Iterable[Difference]) -> str:
    lines = [d.describe() for d in differences]
    return "\n".join(lines) if lines else "no drift: the accounts hold what the templates say"
