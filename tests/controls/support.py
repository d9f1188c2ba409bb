"""What the per-control fixtures share: the healthy snapshots, one mutation at a time, and a control run as
its scenario writes it, without pytest-bdd, a report or a CLI.

- ``static_snapshot()``: the static snapshot of the bundled ``example`` environment, built once per session
  by the code path of ``retention snapshot --mode static --env example`` (``audit.cli.snapshot.static_snapshot``,
  served by the static snapshot cache);
- ``live_snapshot(static)``: the same environment as the live source would read a healthy account of it
  (recovery points, settings, exports, restore jobs, ``taken_at``); ``tests/audit/test_live_controls.py``
  builds its healthy account with it too;
- ``posture(mutate, mode)``: a deep copy of the healthy snapshot of that mode, ``mutate`` applied to it;
- ``run(control_id, posture)``: every step of the scenario tagged ``@<control_id>``, as the feature file
  writes it (captured fields, data table), run by the registry's check that matches it, merged;
- ``family_tests(CASES)``: the PASS and FAIL tests of one control family, generated from its table of cases
  (``{control id: [Case(...)]}``) so each family module holds data, not test code.
"""
from __future__ import annotations

import argparse
import copy
import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import parse as parse_library
import pytest

from audit.catalogue import CONTROL_ID
from audit.controls import Outcome, registry
from audit.snapshot import Posture

REPO = Path(__file__).resolve().parents[2]
FEATURES = REPO / "features"
ENV = "example"

# --- the healthy live account (formerly tests/audit/test_live_controls.py's fixture) -------------------
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
DAYS = {"critical_data": 2555, "configuration_data": 1095, "ssn_data": 2555, "document_storage": 2555, "export_data": 365}
PLAN_ARN = "arn:aws:backup:us-east-1:111111111111:restore-testing-plan:compact_retention_example_critical_data-abc123"


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def restore_job(item: dict, *, hours_ago: float, took_minutes: float = 20, status: str = "COMPLETED",
                validation: str | None = "SUCCESSFUL") -> dict:
    """A restore testing job as ``restore_job_record`` builds it from ListRestoreJobs."""
    created = NOW - timedelta(hours=hours_ago)
    return {"job_id": f"JOB-{item['id']}-{hours_ago:g}", "account_id": "111111111111", "resource_arn": item["arn"],
            "resource_type": "DynamoDB" if item["kind"] == "dynamodb table" else "S3", "recovery_point_arn": None,
            "status": status, "status_message": None, "creation_date": iso(created),
            "completion_date": iso(created + timedelta(minutes=took_minutes)) if status != "RUNNING" else None,
            "validation_status": validation, "validation_message": None, "plan_arn": PLAN_ARN,
            "created_resource_arn": None, "deletion_status": None,
            "origin": {"account_id": "111111111111", "region": "us-east-1", "api": "backup:ListRestoreJobs"}}


def live_snapshot(static: dict) -> dict:
    """``static`` (not changed) as the live source reads a healthy account of it at ``NOW``: a 9 h old
    completed recovery point and copy of every protected resource with its category's lifecycle, every
    pool found and exported today, a passed restore test of every tested resource 30 h ago, the account
    settings on."""
    snapshot = copy.deepcopy(static)
    snapshot["mode"] = "live"
    snapshot["taken_at"] = iso(NOW)
    env = snapshot["environment"]
    points = []
    for item in [*snapshot["inventory"]["tables"], *[b for b in snapshot["inventory"]["buckets"] if not b.get("excluded")]]:
        kind = "ssn" if item["category"] == "ssn_data" else "general"
        for side, account, region in (("source", env["environment_account_id"], env["primary_region"]),
                                      ("copy", env["backup_account_id"], env["backup_region"])):
            points.append({"resource_arn": item["arn"], "kind": side, "status": "COMPLETED", "account_id": account, "region": region,
                           "vault_arn": f"arn:aws:backup:{region}:{account}:backup-vault:{env['vault_names'][kind]}",
                           "creation_date": iso(NOW - timedelta(hours=9)),
                           "lifecycle": {"delete_after_days": DAYS[item["category"]], "cold_storage_after_days": None}})
    snapshot["recovery_points"] = points
    pools = snapshot["inventory"]["user_pools"]
    snapshot["user_pools"] = [{"name": p["name"], "user_pool_id": p["user_pool_id"], "estimated_users": 3,
                               "origin": {"api": "cognito-idp:DescribeUserPool"}} for p in pools]
    snapshot["exports"] = [{"pool_id": p["user_pool_id"], "bucket": "exports", "day": "2026-11-27",
                            "manifest_key": f"cognito-export/{p['user_pool_id']}/2026-11-27/manifest.json",
                            "started_at": iso(NOW - timedelta(hours=10, minutes=40)),
                            "completed_at": iso(NOW - timedelta(hours=10)), "format_version": 1,
                            "counts": {"users": 3, "disabled": 1, "groups": 2, "memberships": 4}, "objects": 7,
                            "objects_missing": [], "origin": {"api": "s3:GetObject"}} for p in pools]
    snapshot["restore_jobs"] = [restore_job(item, hours_ago=30) for item in
                                [*snapshot["inventory"]["tables"], *snapshot["inventory"]["buckets"]]
                                if not item.get("excluded") and item["category"] != "ssn_data"]
    snapshot["settings"] = {"cross_account_backup": True, "region_settings": {
        f"{env['environment_account_id']}:{env['primary_region']}": {"dynamodb_advanced": True},
        f"{env['backup_account_id']}:{env['backup_region']}": {"dynamodb_advanced": True}}}
    return snapshot


# --- the healthy snapshots, built once per session ----------------------------------------------------
@functools.lru_cache(maxsize=1)
def static_snapshot() -> dict:
    """The static snapshot ``retention snapshot --mode static --env example`` prints (shared: never mutate
    it, ask ``posture`` for a copy)."""
    from audit.cli.snapshot import static_snapshot as read_static

    _, snapshot = read_static(argparse.Namespace(env=ENV, config_dir=None, templates_dir=None))
    return snapshot


@functools.lru_cache(maxsize=1)
def _live() -> dict:
    return live_snapshot(static_snapshot())


def healthy(mode: str) -> dict:
    """The shared healthy snapshot of ``mode`` (``static`` or ``live``): read it, do not change it."""
    if mode not in ("static", "live"):
        raise ValueError(f"mode: {mode!r} is neither static nor live")
    return static_snapshot() if mode == "static" else _live()


def posture(mutate: Callable[[dict], Any] | None = None, mode: str = "static") -> Posture:
    """A fresh copy of the healthy ``mode`` snapshot with ``mutate(snapshot)`` applied, as a Posture."""
    data = copy.deepcopy(healthy(mode))
    if mutate is not None:
        mutate(data)
    return Posture(data)


# --- a control run as its scenario writes it ----------------------------------------------------------
@dataclass(frozen=True)
class Step:
    text: str
    table: list[dict[str, str]] | None


@functools.lru_cache(maxsize=1)
def scenario_steps() -> dict[str, tuple[Step, ...]]:
    """control id -> the Then/And steps of the scenario tagged with it, parsed by pytest-bdd's parser (the
    one the audit runs), each with its data table as one dict per row."""
    from pytest_bdd.parser import FeatureParser

    found: dict[str, tuple[Step, ...]] = {}
    for path in sorted(FEATURES.glob("*.feature")):
        feature = FeatureParser(str(path.parent), path.name).parse()
        for scenario in feature.scenarios.values():
            ids = [tag for tag in {*scenario.tags, *feature.tags} if CONTROL_ID.match(tag)]
            steps = []
            for step in scenario.steps:
                if step.type == "given":  # "the posture of the environment": the audit's own precondition
                    continue
                raw = step.datatable.raw() if step.datatable is not None else None
                table = [dict(zip(raw[0], row)) for row in raw[1:]] if raw else None
                steps.append(Step(step.name, table))
            for control_id in ids:
                found[control_id] = tuple(steps)
    return found


def arguments(check: registry.Check, text: str) -> dict[str, Any]:
    """The fields the check's phrase captures from ``text``, converted as pytest-bdd converts them."""
    if check.kind == "re":
        match = re.fullmatch(check.phrase, text)
        return match.groupdict() if match else {}
    if check.kind == "parse":
        result = parse_library.compile(check.phrase).parse(text)
        return dict(result.named) if result else {}
    return {}


def run(control_id: str, posture: Posture) -> Outcome:
    """The merged outcome of every step of ``control_id``'s scenario on ``posture``."""
    steps = scenario_steps().get(control_id)
    if not steps:
        raise KeyError(f"{control_id}: no scenario in {FEATURES} is tagged @{control_id}")
    outcomes = []
    for step in steps:
        check = next((c for c in registry.checks() if c.matches(step.text)), None)
        if check is None:
            raise LookupError(f"{control_id}: no declared check matches the step {step.text!r}")
        outcomes.append(check.run(posture, arguments(check, step.text), step.table))
    return Outcome.merged(outcomes)


def declared(control_id: str) -> registry.Control:
    control = registry.get(control_id)
    if control is None:
        raise KeyError(f"{control_id}: not a declared control (audit.controls.registry)")
    return control


def mode_of(control_id: str) -> str:
    """The healthy snapshot a control's FAIL cases start from: static when it runs there, else live."""
    return "static" if declared(control_id).runs_in("static") else "live"


# --- the cases of a family ----------------------------------------------------------------------------
ABSENT = "no subject"  # what a control with nothing to check says


@dataclass(frozen=True)
class Case:
    """One way to break a control: a named mutation of the healthy snapshot and a fragment the failing
    outcome must carry (in a finding's message or subjects, or its message when there is no subject).
    ``mode`` overrides the healthy snapshot it starts from; ``xfail`` (the reason) marks a control that
    does not fail when it should."""

    name: str
    mutate: Callable[[dict], Any]
    fragment: str
    mode: str | None = None
    xfail: str = ""


def passes(outcome: Outcome) -> None:
    assert outcome.subjects, "the healthy snapshot gave the control nothing to check"
    assert outcome.passed, outcome.message


def fails_naming(outcome: Outcome, fragment: str) -> None:
    assert not outcome.passed, f"passed, expected a failure naming {fragment!r}; evidence: {outcome.evidence}"
    named = [f.message for f in outcome.findings] + [s for f in outcome.findings for s in f.subjects]
    if not outcome.subjects:
        named.append(outcome.message)
    assert any(fragment in text for text in named), f"no finding names {fragment!r}: {outcome.message}"


def family_tests(cases: dict[str, list[Case]]) -> tuple[Callable, Callable]:
    """``test_healthy_passes`` (every control of ``cases`` on the healthy snapshot of each mode it runs in)
    and ``test_each_violation_fails`` (each case) over a family's table of cases."""

    healthy_runs = [pytest.param(control_id, mode, id=f"{control_id}-{mode}") for control_id in sorted(cases)
                    for mode in declared(control_id).modes]

    @pytest.mark.parametrize("control_id, mode", healthy_runs)
    def test_healthy_passes(control_id: str, mode: str) -> None:
        passes(run(control_id, posture(mode=mode)))

    params = [pytest.param(control_id, case, id=f"{control_id}-{case.name}",
                           marks=[pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else [])
              for control_id, listed in sorted(cases.items()) for case in listed]

    @pytest.mark.parametrize("control_id, case", params)
    def test_each_violation_fails(control_id: str, case: Case) -> None:
        fails_naming(run(control_id, posture(case.mutate, case.mode or mode_of(control_id))), case.fragment)

    return test_healthy_passes, test_each_violation_fails


# --- small mutations many families use ----------------------------------------------------------------
def named(items: list[dict], name: str) -> dict:
    """The item of ``items`` whose name is ``name`` (a KeyError naming it when there is none)."""
    found = next((item for item in items if item.get("name") == name), None)
    if found is None:
        raise KeyError(f"no item named {name!r} among {[item.get('name') for item in items]}")
    return found


def emptied(*sections: str) -> Callable[[dict], None]:
    """A mutation that empties the snapshot's ``sections`` (absence)."""
    def mutate(snapshot: dict) -> None:
        for section in sections:
            path = section.split(".")
            holder = snapshot
            for key in path[:-1]:
                holder = holder[key]
            holder[path[-1]] = type(holder[path[-1]])()
    return mutate


def plan_of(snapshot: dict, category: str) -> dict:
    """The example's backup plan of ``category``."""
    return named(snapshot["plans"], f"compact-retention-{ENV}-{category}")


def rule_of(snapshot: dict, category: str) -> dict:
    """The one rule of the example's backup plan of ``category``."""
    return plan_of(snapshot, category)["rules"][0]


def vault_of(snapshot: dict, kind: str, side: str) -> dict:
    """The ``kind`` (general, ssn) vault of the ``side`` (environment, backup) account."""
    env = snapshot["environment"]
    account = env["environment_account_id" if side == "environment" else "backup_account_id"]
    return next(v for v in snapshot["vaults"] if v["name"] == env["vault_names"][kind] and v["account_id"] == account)


def key_of(snapshot: dict, kind: str, side: str) -> dict:
    """The key of the ``kind`` vault of the ``side`` account."""
    arn = vault_of(snapshot, kind, side)["encryption_key_arn"]
    return next(k for k in snapshot["keys"] if k["arn"] == arn)


def statements(policy: dict) -> list[dict]:
    """A policy's statements as a list (a lone statement dict is listed)."""
    found = policy.get("Statement") or []
    return [found] if isinstance(found, dict) else found


def with_statement(holder: Callable[[dict], dict], field: str, **statement: Any) -> Callable[[dict], None]:
    """A mutation adding ``statement`` to the policy in ``holder(snapshot)[field]``."""
    def mutate(snapshot: dict) -> None:
        item = holder(snapshot)
        item[field] = item[field] or {"Version": "2012-10-17", "Statement": []}
        item[field]["Statement"] = [*statements(item[field]), statement]
    return mutate


def without_statement(holder: Callable[[dict], dict], field: str, sid: str) -> Callable[[dict], None]:
    """A mutation removing the statement ``sid`` from the policy in ``holder(snapshot)[field]``."""
    def mutate(snapshot: dict) -> None:
        policy = holder(snapshot)[field]
        kept = [s for s in statements(policy) if s.get("Sid") != sid]
        if len(kept) == len(statements(policy)):
            raise KeyError(f"no statement {sid!r} in {field}")
        policy["Statement"] = kept
    return mutate


def edit_statement(holder: Callable[[dict], dict], field: str, sid: str, **changes: Any) -> Callable[[dict], None]:
    """A mutation changing the statement ``sid`` (a change to None removes that key)."""
    def mutate(snapshot: dict) -> None:
        found = next((s for s in statements(holder(snapshot)[field]) if s.get("Sid") == sid), None)
        if found is None:
            raise KeyError(f"no statement {sid!r} in {field}")
        for key, value in changes.items():
            if value is None:
                found.pop(key, None)
            else:
                found[key] = value
    return mutate


def combined(*mutations: Callable[[dict], Any]) -> Callable[[dict], None]:
    """One mutation applying ``mutations`` in order."""
    def mutate(snapshot: dict) -> None:
        for each in mutations:
            each(snapshot)
    return mutate
