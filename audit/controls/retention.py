"""Retention: each category keeps its recovery points exactly as long as promised, in both vaults, and
nothing (lifecycle, cold storage, vault lock) cuts that short or stretches it."""
from __future__ import annotations

from typing import Any, Iterator

from audit.controls import Outcome
from audit.controls.common import describe, protecting_rules, resources_of_category, rule_label
from audit.controls.registry import LIVE, control
from audit.snapshot import Posture

COLD_TO_DELETE_MIN_DAYS = 90
COLD_STORAGE_TYPES = {"dynamodb table"}  # AWS Backup does not tier S3 backups to cold storage


def _lifecycles(rule: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "rule", rule["lifecycle"]
    for index, copy in enumerate(rule["copy_actions"]):
        yield f"copy {index + 1} to {copy['destination_vault_arn']}", copy["lifecycle"]


def _category_rules(outcome: Outcome, posture: Posture,
                    category: str) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    resources = resources_of_category(posture, category)
    if not resources:
        outcome.check(False, f"no protected resource of category {category} in the inventory")
    for resource in resources:
        outcome.subject(describe(resource))
        rules = list(protecting_rules(posture, resource["arn"]))
        if not rules:
            outcome.check(False, f"{describe(resource)}: protected by no rule")
        for plan, rule in rules:
            yield resource, plan, rule


def category_retention(posture: Posture, category: str, days: int) -> Outcome:
    outcome = Outcome(fix=f"set DeleteAfterDays to {days} on the rule and its copy actions")
    for resource, plan, rule in _category_rules(outcome, posture, category):
        for where, lifecycle in _lifecycles(rule):
            actual = lifecycle["delete_after_days"]
            outcome.check(actual == days, f"{describe(resource)}, {rule_label(plan, rule)} {where}: deleted after "
                          f"{'never' if actual is None else actual} days, {category} promises {days}", origin=plan.get("origin"))
    return outcome


def category_cold_storage(posture: Posture, category: str, cold: str) -> Outcome:
    expected = None if cold == "none" else int(cold)
    outcome = Outcome(fix="move to cold storage only where the resource type supports it, after the stated days")
    for resource, plan, rule in _category_rules(outcome, posture, category):
        for where, lifecycle in _lifecycles(rule):
            actual = lifecycle["cold_storage_after_days"]
            if resource["kind"] not in COLD_STORAGE_TYPES and actual is not None:
                outcome.check(False, f"{describe(resource)}, {rule_label(plan, rule)} {where}: cold storage after {actual} days "
                              f"is ignored for {resource['kind']}s, so the lifecycle promises what AWS does not do")
                continue
            outcome.check(actual == expected, f"{describe(resource)}, {rule_label(plan, rule)} {where}: cold storage "
                          f"{'none' if actual is None else f'after {actual} days'}, expected {cold}")
    return outcome


@control("RET-03", "every lifecycle deletes its recovery points at least 90 days after moving them to cold storage",
         severity="high",
         fix="set DeleteAfterDays to at least MoveToColdStorageAfterDays + 90")
def delete_after_cold_plus_90(posture: Posture) -> Outcome:
    outcome = Outcome()
    for plan, rule in posture.rules():
        for where, lifecycle in _lifecycles(rule):
            outcome.subject(f"{rule_label(plan, rule)} {where}")
            cold, delete = lifecycle["cold_storage_after_days"], lifecycle["delete_after_days"]
            if cold is None:
                outcome.check(True, f"{rule_label(plan, rule)} {where}: no cold storage")
                continue
            outcome.check(delete is not None and delete >= cold + COLD_TO_DELETE_MIN_DAYS,
                          f"{rule_label(plan, rule)} {where}: cold after {cold} days, deleted after {delete} days "
                          f"(needs >= {cold + COLD_TO_DELETE_MIN_DAYS})")
    return outcome


@control("RET-04", "every copy action keeps the lifecycle of its rule",
         severity="high",
         fix="give every copy action the lifecycle of its rule")
def copies_keep_the_lifecycle(posture: Posture) -> Outcome:
    outcome = Outcome()
    for plan, rule in posture.rules():
        for copy in rule["copy_actions"]:
            outcome.subject(f"{rule_label(plan, rule)} copy to {copy['destination_vault_arn']}")
            outcome.check(copy["lifecycle"] == rule["lifecycle"],
                          f"{rule_label(plan, rule)}: rule lifecycle {rule['lifecycle']}, copy lifecycle {copy['lifecycle']}")
    return outcome


@control("RET-05", "the lock of every vault a rule writes into allows exactly that rule's retention",
         severity="high",
         fix="keep each vault lock's [MinRetentionDays, MaxRetentionDays] around the retention of every rule "
             "writing into the vault")
def vault_locks_fit_the_lifecycles(posture: Posture) -> Outcome:
    outcome = Outcome()
    for plan, rule in posture.rules():
        targets = [("rule", posture.vault_named(rule["target_vault"], plan["account_id"], plan["region"]),
                    rule["target_vault"], rule["lifecycle"])]
        targets += [(f"copy to {c['destination_vault_arn']}", posture.vault_by_arn(c["destination_vault_arn"]),
                     c["destination_vault_arn"], c["lifecycle"]) for c in rule["copy_actions"]]
        for where, vault, label, lifecycle in targets:
            outcome.subject(f"{rule_label(plan, rule)} {where}")
            if vault is None:
                outcome.check(False, f"{rule_label(plan, rule)} {where}: vault {label} not found in the {posture.mode} posture")
                continue
            lock, delete = vault["lock"], lifecycle["delete_after_days"]
            if not lock:
                outcome.check(True, f"{rule_label(plan, rule)} {where}: vault {vault['name']} has no lock")
                continue
            low, high = lock["min_retention_days"], lock["max_retention_days"]
            fits = delete is not None and (low is None or low <= delete) and (high is None or delete <= high)
            outcome.check(fits, f"{rule_label(plan, rule)} {where}: retention {delete} days, vault {vault['name']} "
                          f"({vault['account_id']}) lock allows [{low}, {high}]", origin=vault.get("origin"))
    return outcome


@control("RET-01", "every rule protecting each category below deletes its recovery points after the days stated",
         severity="high",
         fix="set DeleteAfterDays to the stated days on the rule and its copy actions")
def categories_retention(posture: Posture, table: list[dict[str, str]]) -> Outcome:
    """``category_retention`` for every row (category, days) of a feature's table."""
    return Outcome.merged([category_retention(posture, row["category"], int(row["days"])) for row in table])


@control("RET-02", "every rule protecting each category below moves its recovery points to cold storage after the "
         "days stated",
         severity="high",
         fix="move to cold storage only where the resource type supports it, after the stated days")
def categories_cold_storage(posture: Posture, table: list[dict[str, str]]) -> Outcome:
    """``category_cold_storage`` for every row (category, cold) of a feature's table."""
    return Outcome.merged([category_cold_storage(posture, row["category"], row["cold"]) for row in table])


@control("RET-06", "the backup account's vaults have compliance-mode locks changeable for at least "
         "{min_cooling_off_days:d} days and the environment account's vaults have governance-mode locks",
         severity="high",
         fix="compliance-mode lock (ChangeableForDays >= 3) on the backup account's vaults, governance mode on the "
             "environment account's")
def vault_lock_modes(posture: Posture, min_cooling_off_days: int) -> Outcome:
    """Compliance-mode locks (with the cooling-off) in the backup account, governance-mode locally."""
    outcome = Outcome()
    for side, expected in (("backup", "compliance"), ("environment", "governance")):
        for kind in ("general", "ssn"):
            vaults = posture.vaults(side=side, kind=kind)
            label = f"vault {posture.env['vault_names'][kind]} ({posture.account(side)})"
            outcome.subject(label)
            if not vaults:
                outcome.check(False, f"{label}: not found in the {posture.mode} posture")
                continue
            lock = vaults[0]["lock"] or {}
            outcome.check(lock.get("mode") == expected, f"{label}: lock mode {lock.get('mode') or 'NONE'}, expected {expected}",
                          origin=vaults[0].get("origin"))
            cooling = lock.get("changeable_for_days")
            if expected == "compliance" and cooling is not None:
                outcome.check(cooling >= min_cooling_off_days, f"{label}: changeable for {cooling} days after creation, "
                              f"at least {min_cooling_off_days}")
            elif expected == "compliance":
                outcome.evidence.append(f"{label}: cooling-off period not observable ({posture.mode})")
    return outcome


@control("RET-07", "the newest recovery point and copy of every protected resource of each category below are "
         "deleted after the days stated",
         severity="high", modes=LIVE, history=True,
         fix="recovery points keep the lifecycle they were created with: fix the rule, then the points with "
             "UpdateRecoveryPointLifecycle where the vault lock allows it")
def recovery_point_lifecycles(posture: Posture, table: list[dict[str, str]]) -> Outcome:
    """Live: the newest recovery point and copy of every protected resource of each category carry the
    category's retention."""
    outcome = Outcome()
    days_of = {row["category"]: int(row["days"]) for row in table}
    for resource in posture.protected():
        category = resource.get("category")
        days = None if category is None else days_of.get(category)
        if days is None:
            continue
        name = describe(resource)
        outcome.subject(name)
        for kind in ("source", "copy"):
            points = [p for p in posture.data["recovery_points"] if p["resource_arn"] == resource["arn"] and p["kind"] == kind]
            if not points:
                outcome.check(False, f"{name}: no {kind} recovery point to check")
                continue
            newest = max(points, key=lambda p: p["creation_date"])
            completed = [p for p in points if p.get("status") == "COMPLETED"]
            # the newest point, and the newest COMPLETED one when that is another (the one a restore would
            # use: RPO-03/04 count only those), so a newer PARTIAL point cannot hide a shortened one
            judged = [("", newest)]
            if completed and newest.get("status") != "COMPLETED":
                judged.append(("completed ", max(completed, key=lambda p: p["creation_date"])))
            for which, point in judged:
                actual = (point.get("lifecycle") or {}).get("delete_after_days")
                outcome.check(actual == days, f"{name}: newest {which}{kind} deleted after {actual} days, "
                                              f"{resource['category']} promises {days}")
    return outcome
