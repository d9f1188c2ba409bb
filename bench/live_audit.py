"""Benchmark: the live audit's API calls and wall time as the protected resources grow, in the sandbox.

For each N of --sizes (default 10, 100, 500) the sandbox (scripts/sandbox.sh, moto with the project's
extensions) is emptied (``POST /moto-api/reset``) and given an environment of N protected DynamoDB tables:
N tables in 111111111111/us-east-1, the four vaults (general and SSN, in both accounts, customer-managed
KMS keys, access policies), one backup plan per category whose selection lists that category's tables and
whose rule copies into the backup account, the two backup roles, region settings (DynamoDB opt-in and
advanced features) and cross-account backup on; then the sandbox's job runner runs once (3 h ago) so every
table has a recovery point and a cross-account copy. The configuration is ``example`` with its tables
replaced by the N tables (categories cycling critical_data, configuration_data, ssn_data) and every
bucket marked excluded, so the protected resources are exactly the N tables.

It then times ``build_live_snapshot`` (both accounts, as ``retention audit --mode live`` reads them) and
prints, per N: wall time, total API calls (``snapshot["api_calls"]``, one count per call, not per retry),
calls per resource and the seconds the AWS Backup List* pacer waited; then the per-resource constant (the
slope of calls between sizes), the fixed part (intercept), the operations whose count grows with N with
their calls per resource, and a verdict: "linear: yes" when the slopes of consecutive sizes agree within
5 %, else "NOT linear" and exit 1. (The issue's requirement: calls grow linearly with the resources,
never N x M.) A snapshot that does not see all N tables with their two recovery points, or jobs that
failed in the setup, exit 2: the numbers would not describe a healthy environment.

The wall times are the sandbox's: a local moto server on 127.0.0.1 answers in about a millisecond and
never throttles, so they are NOT AWS latency. They are bounded below by the audit's own pacer (20 AWS
Backup List* calls a second per account), which is the part that would hold in AWS too. The call counts
are the audit's and would be the same against AWS for the same environment (pages of 1000 recovery
points; one page per question here).

Run: .venv/bin/python bench/live_audit.py [--sizes 10,100,500] [--port N]
Prints numbers only (no account data beyond the sandbox's invented ids, no names of people).
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from audit.config import load_config  # noqa: E402
from audit.sources.live.build import Credentials, build_live_snapshot  # noqa: E402
from sandbox.accounts import access_key_for, aws_config_text, profile_names  # noqa: E402
from sandbox.server import free_port, isolated_environ  # noqa: E402

SANDBOX_SH = REPO / "scripts" / "sandbox.sh"
CATEGORIES = ("critical_data", "configuration_data", "ssn_data")
LINEAR_TOLERANCE = 0.05
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


# sandbox process ------------------------------------------------------------------------------------
def clean_environ(scratch: Path) -> dict[str, str]:
    """No AWS variable of the caller, no ~/.aws: only the sandbox profiles written to scratch."""
    return {**isolated_environ(scratch), "SANDBOX_STATE_DIR": str(scratch / "state")}


def sandbox(command: str, port: int, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SANDBOX_SH), command, "--port", str(port)], env=env, capture_output=True, text=True,
                          timeout=180, cwd=REPO)


def post(url: str, body: dict[str, Any] | None = None, timeout: float = 300) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        text = response.read().decode() or "null"
    try:
        return json.loads(text)
    except ValueError:
        return text


# the environment of N tables ------------------------------------------------------------------------
def bench_config(n: int) -> dict[str, Any]:
    cfg = copy.deepcopy(load_config("example").data)
    cfg["inventory"]["dynamodb_tables"] = [
        {"id": f"t{i:04d}", "table_name": f"bench-table-{i:04d}", "category": CATEGORIES[(i - 1) % len(CATEGORIES)]}
        for i in range(1, n + 1)]
    buckets = []
    for bucket in cfg["inventory"]["s3_buckets"]:
        bucket = {k: v for k, v in bucket.items() if k != "category"}
        bucket["excluded"] = True
        bucket.setdefault("exclusion_reason", "Benchmark: only the generated tables are protected.")
        buckets.append(bucket)
    cfg["inventory"]["s3_buckets"] = buckets
    return cfg


class World:
    """Boto3 clients of the two sandbox accounts (for the setup; these calls are not counted)."""

    def __init__(self, url: str, cfg: dict[str, Any]):
        self.url, self.cfg = url, cfg
        self.env = (cfg["environment_account_id"], cfg["primary_region"])
        self.bkp = (cfg["backup_account_id"], cfg["backup_region"])
        self._config = Config(max_pool_connections=16, retries={"mode": "standard", "max_attempts": 3})

    def client(self, service: str, side: tuple[str, str]):
        account, region = side
        return boto3.client(service, endpoint_url=self.url, region_name=region, config=self._config,
                            aws_access_key_id=access_key_for(account), aws_secret_access_key="sandbox")

    def _key(self, side: tuple[str, str], description: str, outside_account: str | None = None) -> str:
        account, _ = side
        statements = [{"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                       "Action": "kms:*", "Resource": "*"}]
        if outside_account:
            statements.append({"Sid": "CopiesFromEnvironment", "Effect": "Allow",
                               "Principal": {"AWS": f"arn:aws:iam::{outside_account}:root"},
                               "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                          "kms:DescribeKey", "kms:CreateGrant"], "Resource": "*",
                               "Condition": {"StringEquals": {"aws:PrincipalOrgID": self.cfg["organization_id"]}}})
        policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
        kms = self.client("kms", side)
        arn = kms.create_key(Description=description, Policy=policy)["KeyMetadata"]["Arn"]
        kms.enable_key_rotation(KeyId=arn)
        return arn

    def setup(self) -> dict[str, Any]:
        cfg = self.cfg
        env_account = self.env[0]
        org = cfg["organization_id"]
        dynamodb = self.client("dynamodb", self.env)
        if dynamodb.list_tables().get("TableNames"):
            raise SystemExit("the sandbox was not empty after the reset")

        # settings
        for side in (self.env, self.bkp):
            backup = self.client("backup", side)
            backup.update_region_settings(ResourceTypeOptInPreference={"DynamoDB": True},
                                          ResourceTypeManagementPreference={"DynamoDB": True})
        self.client("backup", self.env).update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})

        # roles (environment account)
        iam = self.client("iam", self.env)
        role_arns = {}
        ssn_role = next(p["specialized_role"] for p in cfg["backup_policies"].values() if p.get("dedicated_vault"))
        for name in (cfg["roles"]["general_backup_role_name"], ssn_role):
            role_arns[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
            iam.put_role_policy(RoleName=name, PolicyName="backup-and-copy", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": ["backup:StartBackupJob", "backup:CopyIntoBackupVault",
                                                   "dynamodb:DescribeTable", "dynamodb:CreateBackup"], "Resource": "*"},
                    {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                                   "kms:DescribeKey", "kms:CreateGrant"], "Resource": "*"}]}))

        # vaults: local (environment account) and destinations (backup account)
        names = cfg["vault_names"]
        local = self.client("backup", self.env)
        for kind, name in names.items():
            key = self._key(self.env, f"bench local {kind} vault")
            local.create_backup_vault(BackupVaultName=name, EncryptionKeyArn=key)
            local.put_backup_vault_access_policy(BackupVaultName=name, Policy=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Sid": "DenyRecoveryPointDeletion", "Effect": "Deny", "Principal": "*",
                    "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"], "Resource": "*"}]}))
        remote = self.client("backup", self.bkp)
        for kind, name in names.items():
            key = self._key(self.bkp, f"bench backup {kind} vault", outside_account=env_account)
            remote.create_backup_vault(BackupVaultName=name, EncryptionKeyArn=key)
            remote.put_backup_vault_access_policy(BackupVaultName=name, Policy=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Sid": "AllowCopiesFromEnvironment", "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{env_account}:root"},
                    "Action": "backup:CopyIntoBackupVault", "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": org}}}]}))

        # tables, concurrently (one shared client: boto3 clients are thread-safe)
        tables = cfg["inventory"]["dynamodb_tables"]

        def create(table: dict[str, Any]) -> tuple[str, str]:
            arn = dynamodb.create_table(
                TableName=table["table_name"], BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])["TableDescription"]["TableArn"]
            return table["category"], arn

        with ThreadPoolExecutor(max_workers=8) as pool:
            created = list(pool.map(create, tables))

        # one plan per category, its selection listing the category's tables, a copy to the backup account
        for category in CATEGORIES:
            arns = [arn for cat, arn in created if cat == category]
            if not arns:
                continue
            policy = cfg["backup_policies"][category]
            lifecycle = {"DeleteAfterDays": policy["lifecycle"]["delete_after_days"]}
            if policy["lifecycle"].get("cold_storage_days"):
                lifecycle["MoveToColdStorageAfterDays"] = policy["lifecycle"]["cold_storage_days"]
            vault = names["ssn" if policy.get("dedicated_vault") else "general"]
            role = role_arns[policy.get("specialized_role") or cfg["roles"]["general_backup_role_name"]]
            plan_id = local.create_backup_plan(BackupPlan={
                "BackupPlanName": f"bench-{category.replace('_', '-')}",
                "Rules": [{"RuleName": f"{category}-daily", "TargetBackupVaultName": vault,
                           "ScheduleExpression": policy["schedule"], "StartWindowMinutes": policy["start_window_minutes"],
                           "CompletionWindowMinutes": policy["completion_window_minutes"], "Lifecycle": lifecycle,
                           "CopyActions": [{"DestinationBackupVaultArn": policy["cross_account_vault_arn"],
                                            "Lifecycle": lifecycle}]}]})["BackupPlanId"]
            local.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
                "SelectionName": f"{category.replace('_', '-')}-tables", "IamRoleArn": role, "Resources": arns})

        # the job runner, once, 3 hours ago: a recovery point and a copy per table
        at = (datetime.now(timezone.utc) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return post(f"{self.url}/_sandbox/run-backups", {"at": at, "organization_id": org})


# measurement ----------------------------------------------------------------------------------------
def measure(url: str, cfg: dict[str, Any], profiles: dict[str, str]) -> dict[str, Any]:
    paced: list[float] = []

    def progress(line: str) -> None:
        match = re.search(r"paced ([0-9.]+) s", line)
        if match:
            paced.append(float(match.group(1)))

    start = time.perf_counter()
    snapshot = build_live_snapshot(cfg, environment=Credentials(profile=profiles["environment"], endpoint_url=url),
                                   backup=Credentials(profile=profiles["backup"], endpoint_url=url), progress=progress)
    wall = time.perf_counter() - start
    return {"wall": wall, "calls": snapshot["api_calls"], "total": sum(snapshot["api_calls"].values()),
            "paced": max(paced, default=0.0), "snapshot": snapshot}


def check(n: int, jobs: Any, snapshot: dict[str, Any]) -> list[str]:
    """Why this run does not describe a healthy environment of n tables (empty when it does)."""
    problems = []
    if not isinstance(jobs, dict):
        return [f"run-backups answered {jobs!r}"]
    if jobs["backup_jobs"] != {"completed": n, "failed": 0} or jobs["copy_jobs"] != {"completed": n, "failed": 0}:
        problems.append(f"jobs: backup {jobs['backup_jobs']}, copy {jobs['copy_jobs']} (want {n} completed each)")
    tables = [t for t in snapshot["tables"] if t["name"].startswith("bench-table-")]
    if len(tables) != n:
        problems.append(f"the snapshot read {len(tables)} of {n} tables")
    kinds = [p["kind"] for p in snapshot["recovery_points"]]
    if kinds.count("source") != n or kinds.count("copy") != n:
        problems.append(f"recovery points: {kinds.count('source')} source, {kinds.count('copy')} copy (want {n} each)")
    if snapshot["errors"]:
        apis = sorted({e["api"] for e in snapshot["errors"]})
        problems.append(f"{len(snapshot['errors'])} read errors ({', '.join(apis)})")
    return problems


def report(results: dict[int, dict[str, Any]]) -> int:
    sizes = sorted(results)
    print()
    print(f"{'N':>5} {'wall s':>8} {'calls':>7} {'calls/resource':>15} {'paced s':>8}")
    for n in sizes:
        r = results[n]
        print(f"{n:>5} {r['wall']:>8.2f} {r['total']:>7} {r['total'] / n:>15.2f} {r['paced']:>8.2f}")
    if len(sizes) < 2:
        print("\none size only: no slope (give --sizes with three sizes for the verdict)")
        return 0
    slopes = []
    for a, b in zip(sizes, sizes[1:]):
        slope = (results[b]["total"] - results[a]["total"]) / (b - a)
        wall_slope = (results[b]["wall"] - results[a]["wall"]) / (b - a)
        slopes.append(slope)
        print(f"slope {a}->{b}: {slope:.3f} calls per resource, {wall_slope * 1000:.1f} ms per resource (sandbox)")
    lo, hi = sizes[-2], sizes[-1]
    constant = slopes[-1]
    intercept = results[hi]["total"] - constant * hi
    print(f"per-resource constant: {constant:.3f} calls per protected resource "
          f"(= (calls({hi}) - calls({lo})) / {hi - lo})")
    print(f"fixed part (intercept): {intercept:.1f} calls")
    print(f"model: calls(N) = {constant:.3f} * N + {intercept:.1f}")

    grows = {}
    ops = sorted(set().union(*(results[n]["calls"] for n in sizes)))
    for op in ops:
        per = (results[hi]["calls"].get(op, 0) - results[sizes[0]]["calls"].get(op, 0)) / (hi - sizes[0])
        if per:
            grows[op] = per
    print("\noperations that grow with N (calls per resource, from N=%d to N=%d):" % (sizes[0], hi))
    for op, per in sorted(grows.items(), key=lambda item: (-item[1], item[0])):
        counts = ", ".join(str(results[n]["calls"].get(op, 0)) for n in sizes)
        print(f"  {op:<45} {per:>6.3f}   (counts {counts})")
    print(f"  {'sum':<45} {sum(grows.values()):>6.3f}")
    fixed = {op: results[hi]["calls"][op] for op in ops if op not in grows}
    print(f"operations with a fixed count: {len(fixed)} operations, {sum(fixed.values())} calls in all")
    for op, count in sorted(fixed.items()):
        print(f"  {op:<45} {count:>6}")

    if len(slopes) < 2:
        print("\nlinear: not judged (two sizes give one slope; use three sizes)")
        return 0
    spread = (max(slopes) - min(slopes)) / max(abs(s) for s in slopes) if any(slopes) else 0.0
    print()
    if spread <= LINEAR_TOLERANCE:
        print(f"linear: yes (slopes {', '.join(f'{s:.3f}' for s in slopes)} agree within "
              f"{spread * 100:.1f} % <= {LINEAR_TOLERANCE * 100:.0f} %)")
        return 0
    print(f"NOT linear (slopes {', '.join(f'{s:.3f}' for s in slopes)} differ by {spread * 100:.1f} % "
          f"> {LINEAR_TOLERANCE * 100:.0f} %)")
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,500", help="comma-separated numbers of protected tables")
    parser.add_argument("--port", type=int, default=0, help="sandbox port (default: a free one)")
    args = parser.parse_args()
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes must be comma-separated integers")
    if not sizes or sizes[0] < 1:
        parser.error("--sizes must be positive integers")
    port = args.port or free_port()

    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        scratch = Path(tmp)
        env = clean_environ(scratch)
        base = load_config("example").data
        profiles = profile_names("bench")
        (scratch / "aws-config").write_text(aws_config_text({
            profiles["environment"]: (base["environment_account_id"], base["primary_region"]),
            profiles["backup"]: (base["backup_account_id"], base["backup_region"])}))
        # This process reads only the sandbox profiles (boto3 reads these variables when a session is made).
        for key in [k for k in os.environ if k.startswith("AWS_")] + ["MOTO_ACCOUNT_ID"]:
            os.environ.pop(key, None)
        os.environ.update({"AWS_CONFIG_FILE": str(scratch / "aws-config"),
                           "AWS_SHARED_CREDENTIALS_FILE": str(scratch / "empty"), "AWS_EC2_METADATA_DISABLED": "true"})

        started = time.perf_counter()
        up = sandbox("start", port, env)
        if up.returncode != 0:
            print(f"scripts/sandbox.sh start failed ({up.returncode}):\n{up.stderr[-2000:]}", file=sys.stderr)
            return 2
        url = next((line.strip() for line in up.stdout.splitlines() if line.startswith("http")), f"http://127.0.0.1:{port}")
        print(f"sandbox up in {time.perf_counter() - started:.1f} s; sizes {', '.join(map(str, sizes))}; "
              f"resources = tables (all buckets excluded)")
        results: dict[int, dict[str, Any]] = {}
        try:
            for index, n in enumerate(sizes):
                post(f"{url}/moto-api/reset", timeout=30)
                cfg = bench_config(n)
                t0 = time.perf_counter()
                jobs = World(url, cfg).setup()
                setup_s = time.perf_counter() - t0
                if index == 0:
                    measure(url, cfg, profiles)  # warm-up (imports, botocore models); not reported
                result = measure(url, cfg, profiles)
                problems = check(n, jobs, result.pop("snapshot"))
                print(f"N={n}: setup {setup_s:.1f} s, audit {result['wall']:.2f} s, {result['total']} calls"
                      + (f"; PROBLEMS: {'; '.join(problems)}" if problems else ""), flush=True)
                if problems:
                    return 2
                results[n] = result
        finally:
            down = sandbox("stop", port, env)
            if down.returncode != 0:
                print(f"scripts/sandbox.sh stop failed ({down.returncode}): {down.stderr[-500:]}", file=sys.stderr)
        rc = report(results)
        print(f"\ntotal run {time.perf_counter() - started:.1f} s. Sandbox wall times are not AWS latency "
              f"(local moto, no throttling); the pacer (20 Backup List* calls/s per account) holds in AWS too.")
        return rc


if __name__ == "__main__":
    sys.exit(main())
