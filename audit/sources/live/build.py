"""The live source: the posture snapshot of an environment as its two accounts hold it now.

The environment account (primary region) and the backup account (backup region) are read concurrently,
one worker each, each through its own boto3 session (a profile, or a role assumed with STS under the
session name ``compact-retention-audit``; the sandbox endpoint for every client when given). Every
resource is read into exactly the shape the static source gives it (``live_read``), so the same controls
run on both and drift compares two snapshots.

A read the account refuses (AccessDenied, or a failure that outlasted the adaptive retries) never stops
the build: it becomes an entry of ``errors`` naming the API and the missing permission, and the fact it
would have given is None or absent. A side that cannot be reached at all (no credentials, the role cannot
be assumed, the credentials belong to another account) raises ``LiveSourceError``.

Besides the shared shape the snapshot carries ``taken_at`` (ISO 8601 UTC), ``recovery_points``,
``settings``, ``errors`` and ``api_calls`` (``{"<service>:<Operation>": n}``, counted by a botocore
``before-call`` hook).
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, cast

from botocore.exceptions import BotoCoreError, ClientError

from audit.arns import ArnError, parse_arn
from audit.snapshot import Posture, new_snapshot
from audit.sources.live import aws as live_aws
from audit.sources.live.aws import ApiCalls, Credentials, Failed, LiveSourceError, Pacer, Side, default_session
from audit.sources.live.eventbridge import read_eventbridge
from audit.sources.live.functions import read_exports, read_functions, read_queues
from audit.sources.live.monitoring import read_monitoring
from audit.sources.live.read import (
    iso,
    newest_recovery_point,
    read_buckets,
    read_cross_account_backup,
    read_keys,
    read_plans,
    read_region_settings,
    read_roles,
    read_tables,
    read_user_pools,
    read_vaults,
)
from audit.sources.live.restore_testing import read_restore_testing

__all__ = ["Credentials", "LiveSourceError", "Pacer", "build_live_snapshot"]

SessionFactory = Callable[..., Any]  # (credentials, *, region_name) -> boto3.session.Session


def build_live_snapshot(cfg: dict[str, Any], *, environment: Credentials, backup: Credentials,
                        progress: Callable[[str], None] | None = None, session_factory: SessionFactory | None = None) -> dict[str, Any]:
    """The live posture snapshot of the environment ``cfg`` describes (the merged, validated config).

    ``session_factory(credentials, region_name=...)`` returns the boto3 session of one side (default:
    ``live_aws.default_session``); ``progress`` receives one short line when a side starts and ends.
    """
    snapshot = new_snapshot("live", cfg)
    started = datetime.now(timezone.utc)
    snapshot["taken_at"] = iso(started)
    calls = ApiCalls()
    say = _progress(progress)
    sides = (("environment", environment, cfg["environment_account_id"], cfg["primary_region"], _read_environment),
             ("backup", backup, cfg["backup_account_id"], cfg["backup_region"], _read_backup))
    with ThreadPoolExecutor(max_workers=len(sides), thread_name_prefix="live-side") as pool:
        futures = [pool.submit(_read_side, name, creds, account, region, reader, cfg, snapshot, started,
                               session_factory or default_session, calls, say)
                   for name, creds, account, region, reader in sides]
        results = [f.result() for f in futures]
    env, bkp = results
    for key in ("vaults", "roles", "plans", "tables", "buckets", "user_pools", "recovery_points", "functions", "queues",
                "exports", "restore_testing_plans", "restore_jobs", "restore_test_resources"):
        snapshot[key] = env.get(key, []) + bkp.get(key, [])
    snapshot["keys"] = list({k["arn"]: k for k in [*env["keys"], *bkp["keys"]]}.values())
    snapshot["eventbridge"] = env["eventbridge"] + bkp["eventbridge"]
    for key in ("topics", "event_rules", "alarms", "dashboards"):
        snapshot[key] = env.get(key, []) + bkp.get(key, [])
    snapshot["settings"] = {"cross_account_backup": env.get("cross_account_backup"),
                            "region_settings": {**env["region_settings"], **bkp["region_settings"]}}
    snapshot["errors"] = env["errors"] + bkp["errors"]
    snapshot["api_calls"] = dict(sorted(calls.counts.items()))
    return snapshot


def _progress(progress: Callable[[str], None] | None) -> Callable[[str], None]:
    lock = threading.Lock()

    def say(line: str) -> None:
        if progress is not None:
            with lock:
                progress(line)
    return say


def open_side(name: str, creds: Credentials, account: str, region: str, factory: SessionFactory, calls: ApiCalls) -> Side:
    """One side reached and checked: its session works and belongs to ``account`` (else ``LiveSourceError``).
    Also used by ``audit.break_glass.ops``."""
    how = f"assuming {creds.role_arn}" if creds.role_arn else f"profile {creds.profile or '(default)'}"
    try:
        # botocore may report a missing profile when the session is made or only at the first client
        # (it depends on what else registered with it, e.g. the AWS CLI's customisations): both are caught
        session = factory(creds, region_name=region)
        side = Side(name, account, region, session, endpoint_url=creds.endpoint_url, calls=calls,
                    pacer=Pacer(live_aws.BACKUP_LIST_CALLS_PER_SECOND))
        actual = side.call("sts", "GetCallerIdentity", account)["Account"]
    except (ClientError, BotoCoreError) as exc:
        raise LiveSourceError(f"{name} account {account}: no session ({how}): {exc}") from exc
    except Failed:
        raise LiveSourceError(f"{name} account {account}: the credentials do not work ({how}): "
                              f"{side.errors[-1]['error']}") from None
    if actual != account:
        raise LiveSourceError(f"{name}: the credentials ({how}) reach account {actual}, the configuration says {account}")
    return side


SideReader = Callable[[Side, Mapping[str, Any], Posture, datetime], dict[str, Any]]


def _read_side(name: str, creds: Credentials, account: str, region: str, reader: SideReader, cfg: Mapping[str, Any],
               snapshot: dict[str, Any], started: datetime, factory: SessionFactory, calls: ApiCalls,
               say: Callable[[str], None]) -> dict[str, Any]:
    say(f"{name} {account} {region}: reading")
    side = open_side(name, creds, account, region, factory, calls)
    found = reader(side, cfg, Posture(snapshot), started)
    found.setdefault("region_settings", {})
    found["errors"] = side.errors
    counts = ", ".join(f"{label} {len(found.get(key, []))}" for key, label in (
        ("vaults", "vaults"), ("keys", "keys"), ("roles", "roles"), ("plans", "plans"), ("tables", "tables"),
        ("buckets", "buckets"), ("user_pools", "user pools"), ("recovery_points", "recovery points")) if key in found)
    say(f"{name} {account} {region}: {counts}, errors {len(side.errors)}"
        + (f", paced {side.pacer.waited:.1f} s" if side.pacer.waited >= 0.1 else ""))
    return found


def _category_policy(cfg: Mapping[str, Any], resource: Mapping[str, Any]) -> Mapping[str, Any]:
    return cast("Mapping[str, Any]", cfg["backup_policies"].get(resource.get("category") or "", {}))


def source_vault_name(cfg: Mapping[str, Any], resource: Mapping[str, Any]) -> str:
    """The local vault of the resource's category: the SSN vault for a dedicated category."""
    return cast("str", cfg["vault_names"]["ssn" if _category_policy(cfg, resource).get("dedicated_vault") else "general"])


def destination_vault_arn(cfg: Mapping[str, Any], resource: Mapping[str, Any]) -> str:
    """The cross-account vault the configuration sends the resource's copies to."""
    arn = _category_policy(cfg, resource).get("cross_account_vault_arn")
    if arn:
        return cast("str", arn)
    return f"arn:aws:backup:{cfg['backup_region']}:{cfg['backup_account_id']}:backup-vault:{source_vault_name(cfg, resource)}"


def _read_environment(side: Side, cfg: Mapping[str, Any], posture: Posture, now: datetime) -> dict[str, Any]:
    inventory = posture.data["inventory"]
    protected = posture.protected()
    protected_arns = {r["arn"] for r in protected}
    plans = read_plans(side)
    targets = sorted({r["target_vault"] for p in plans for r in p["rules"] if r["target_vault"]})
    vaults = read_vaults(side, [*cfg["vault_names"].values(), *targets])
    tables = read_tables(side, [t["name"] for t in inventory["tables"]])
    buckets = read_buckets(side, [b["name"] for b in inventory["buckets"]])
    keys = read_keys(side, [*(v["encryption_key_arn"] for v in vaults),
                            *(t["encryption"]["kms_key"] for t in tables if t["arn"] in protected_arns),
                            *(b["encryption"]["kms_key"] for b in buckets if b["arn"] in protected_arns)])
    restore = read_restore_testing(side, cfg, inventory, now)
    role_names = [cfg["roles"]["general_backup_role_name"], posture.env["ssn_role_name"],
                  *_roles_in_account(side, [s["iam_role_arn"] for p in [*plans, *restore["restore_testing_plans"]]
                                            for s in p["selections"]])]
    prefix = f"compact-retention-{cfg['environment']}-"
    functions = read_functions(side, prefix)
    role_names += [f["role_arn"].rsplit("/", 1)[-1] for f in functions if f.get("role_arn")]
    roles = read_roles(side, role_names)
    monitoring = read_monitoring(side, prefix)
    queues = read_queues(side, prefix)
    known = {k["arn"] for k in keys}
    override_keys = [v for p in restore["restore_testing_plans"] for s in p["selections"] for k, v in s["overrides"].items()
                     if k.lower() in ("kmsmasterkeyarn", "kmskey")]  # the keys restored test data is put under (RES-04)
    keys += [k for k in read_keys(side, [*(t["kms_key"] for t in monitoring["topics"]), *(q["kms_key"] for q in queues),
                                         *(f["kms_key"] for f in functions), *override_keys]) if k["arn"] not in known]
    user_pools = read_user_pools(side, inventory["user_pools"])
    points = [newest_recovery_point(side, source_vault_name(cfg, r), r["arn"], "source", now=now) for r in protected]
    return {"plans": plans, "vaults": vaults, "tables": tables, "buckets": buckets, "keys": keys, "roles": roles,
            "user_pools": user_pools, "recovery_points": [p for p in points if p],
            "functions": functions, "queues": queues,
            "exports": read_exports(side, functions, inventory["user_pools"]),
            "cross_account_backup": read_cross_account_backup(side), "region_settings": read_region_settings(side),
            "eventbridge": read_eventbridge(side), **monitoring, **restore}


def _roles_in_account(side: Side, arns: list[str | None]) -> list[str]:
    """The names of the roles of ``arns`` that live in the side's account (others cannot be read here)."""
    names = []
    for arn in arns:
        try:
            role = parse_arn(arn or "")
        except ArnError:
            continue
        if role.account == side.account_id and role.resource.startswith("role/"):
            names.append(role.resource.rsplit("/", 1)[-1])
    return names


def _read_backup(side: Side, cfg: Mapping[str, Any], posture: Posture, now: datetime) -> dict[str, Any]:
    protected = posture.protected()
    destinations = []
    for resource in protected:
        try:
            arn = parse_arn(destination_vault_arn(cfg, resource))
        except ArnError:
            continue
        if arn.account == side.account_id and arn.region == side.region:
            destinations.append((resource, arn.resource_name))
    vaults = read_vaults(side, [*cfg["vault_names"].values(), *(name for _, name in destinations)])
    keys = read_keys(side, [v["encryption_key_arn"] for v in vaults])
    points = [newest_recovery_point(side, name, r["arn"], "copy", now=now) for r, name in destinations]
    return {"vaults": vaults, "keys": keys, "recovery_points": [p for p in points if p],
            "region_settings": read_region_settings(side), "eventbridge": read_eventbridge(side)}
