"""Benchmark: ``retention drill`` in the sandbox on tables of 10k and 100k items and a bucket of 1k objects.

The sandbox (scripts/sandbox.sh, moto with the project's extensions) gets the example environment's general
vault (customer-managed key), the general backup role, and three protected resources added to a copy of the
example configuration: ``bench-10k`` and ``bench-100k`` (DynamoDB, KMS-encrypted, a GSI, items of about
250 bytes with strings, numbers, a set, a map, a list and a binary) and ``bench-docs`` (versioned, SSE-KMS;
1,000 objects: 100 empty, 896 small of 1-16 KiB, 4 multipart uploads of 9 MiB in 8 MiB parts, about 45 MiB
in all, each with metadata and a tag). Each is backed up once; then the drill of each (restore into a
scratch resource, the exact comparison with the recovery point, clean-up) runs IN THIS PROCESS, through
``audit.cli.main``, while ``tracemalloc`` traces it.

Prints per resource: the drill's wall time, the restore job's seconds, and the peak traced memory of the
drill above what the process held before it (the comparison's working set: Scan pages, the NDJSON stream of
the recovery point, 1 MiB chunks of each object), then the ratio peak(100k)/peak(10k). The drill streams
(paginated Scan and an order-independent digest of two integers; objects hashed in chunks; the sandbox's
recovery point data read line by line), so the ratio must be at most 1.2: exit 1 if it is not, or if any
drill did not pass; 2 if the setup failed. A warm-up drill of a 10-item table runs first (imports, botocore
models), not reported.

The times are the sandbox's (a local moto server, restores done in-process, no throttling): NOT AWS restore
times, which AWS does not guarantee (docs/restore.md). Memory is the drill's, which is the same code on AWS;
the sandbox server's own memory (it holds the data) is not measured.

Run: .venv/bin/python bench/drill.py [--port N] [--items 10000,100000] [--objects 1000]
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from audit.cli import main as retention  # noqa: E402
from sandbox.accounts import access_key_for, aws_config_text, profile_names  # noqa: E402
from sandbox.server import free_port, isolated_environ  # noqa: E402

SANDBOX_SH = REPO / "scripts" / "sandbox.sh"
ACCOUNT, REGION = "111111111111", "us-east-1"
VAULT, ROLE = "CompactConnectBackupVault", "AWSBackupServiceRole"
BUCKET = f"bench-docs-{ACCOUNT}"
MiB = 1 << 20
MAX_RATIO = 1.2
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
RESTORE_POLICIES = ("arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
                    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore")
KEY_USE = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["kms:Decrypt", "kms:CreateGrant"], "Resource": "*",
    "Condition": {"StringEquals": {"kms:ViaService": f"backup.{REGION}.amazonaws.com"}}}]}


def client(url: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name=REGION, aws_access_key_id=access_key_for(ACCOUNT),
                        aws_secret_access_key="sandbox",
                        config=Config(s3={"addressing_style": "path"}, max_pool_connections=16))


def sandbox(command: str, port: int, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SANDBOX_SH), command, "--port", str(port)], env=env, capture_output=True, text=True,
                          timeout=180, cwd=REPO)


# the world ------------------------------------------------------------------------------------------
def item(i: int) -> dict[str, Any]:
    return {"pk": {"S": f"provider#{i:07d}"}, "sk": {"S": f"licence#{i % 5}"}, "state": {"S": f"S{i % 50:02d}"},
            "n": {"N": str(i / 8)}, "name": {"S": f"Given{i} Family{i} " + "x" * (120 + i % 40)},
            "tags": {"SS": ["a", f"t{i % 7}"]}, "address": {"M": {"zip": {"N": str(10000 + i % 89999)}}},
            "history": {"L": [{"BOOL": i % 2 == 0}]}, "blob": {"B": i.to_bytes(4, "big")}}


def make_table(url: str, name: str, items: int, key: str) -> None:
    ddb = client(url, "dynamodb")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "state")],
                     GlobalSecondaryIndexes=[{"IndexName": "by-state", "Projection": {"ProjectionType": "ALL"},
                                              "KeySchema": [{"AttributeName": "state", "KeyType": "HASH"}]}],
                     SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key})

    def write(start: int) -> None:
        writer = client(url, "dynamodb")
        batch = [{"PutRequest": {"Item": item(i)}} for i in range(start, min(start + 25, items))]
        while batch:
            batch = writer.batch_write_item(RequestItems={name: batch}).get("UnprocessedItems", {}).get(name) or []

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(0, items, 25)))


def make_bucket(url: str, objects: int, key: str) -> int:
    """``objects`` objects (100 empty, 4 multipart of 9 MiB, the rest 1-16 KiB); returns the total bytes."""
    s3 = client(url, "s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]})
    rng = random.Random(12)
    sizes = [0] * 100 + [9 * MiB] * 4 + [rng.randint(1024, 16 * 1024) for _ in range(max(objects - 104, 0))]
    multipart = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB)

    def put(index: int) -> None:
        size = sizes[index]
        body = rng.randbytes(size) if size < MiB else os.urandom(size)
        extra = {"Metadata": {"owner": "licensing", "n": str(index)}, "ContentType": "application/octet-stream"}
        name = f"docs/{index // 100:02d}/object-{index:05d}.bin"
        if size >= 8 * MiB:
            client(url, "s3").upload_fileobj(io.BytesIO(body), BUCKET, name, Config=multipart, ExtraArgs=extra)
            s3.put_object_tagging(Bucket=BUCKET, Key=name, Tagging={"TagSet": [{"Key": "class", "Value": "scan"}]})
        else:
            s3.put_object(Bucket=BUCKET, Key=name, Body=body, Tagging="class=document", **extra)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, range(len(sizes))))
    return sum(sizes)


def setup(url: str, sizes: list[int], objects: int) -> tuple[dict[str, str], int]:
    """The vault, the role, the resources, one backup each; returns {id: resource ARN} and the bucket's bytes."""
    kms, backup, iam = client(url, "kms"), client(url, "backup"), client(url, "iam")
    backup.create_backup_vault(BackupVaultName=VAULT, EncryptionKeyArn=kms.create_key()["KeyMetadata"]["Arn"])
    backup.update_region_settings(ResourceTypeOptInPreference={"S3": True})
    role = iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    for policy in RESTORE_POLICIES:
        iam.attach_role_policy(RoleName=ROLE, PolicyArn=policy)
    iam.put_role_policy(RoleName=ROLE, PolicyName="vault-key-use", PolicyDocument=json.dumps(KEY_USE))
    data_key = kms.create_key()["KeyMetadata"]["Arn"]
    resources = {}
    for rid, n in [("bench-warm", 10), *((f"bench-{n // 1000}k", n) for n in sizes)]:
        started = time.perf_counter()
        make_table(url, rid, n, data_key)
        print(f"  setup: table {rid} with {n:,} items in {time.perf_counter() - started:.1f} s", flush=True)
        resources[rid] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{rid}"
    started = time.perf_counter()
    total = make_bucket(url, objects, data_key)
    print(f"  setup: bucket of {objects:,} objects, {total / MiB:.1f} MiB in {time.perf_counter() - started:.1f} s",
          flush=True)
    resources["bench-docs"] = f"arn:aws:s3:::{BUCKET}"
    for rid, arn in resources.items():
        job = backup.start_backup_job(BackupVaultName=VAULT, ResourceArn=arn, IamRoleArn=role,
                                      Lifecycle={"DeleteAfterDays": 35})
        state = backup.describe_backup_job(BackupJobId=job["BackupJobId"])
        if state["State"] != "COMPLETED":
            raise RuntimeError(f"backup of {rid}: {state['State']} {state.get('StatusMessage')}")
    return resources, total


def bench_config(folder: Path, resources: dict[str, str]) -> Path:
    """A copy of config/ whose example inventory also holds the benchmark's resources."""
    target = folder / "config"
    shutil.copytree(REPO / "config", target)
    path = target / "example.json"
    cfg = json.loads(path.read_text())
    cfg["profiles"] = dict(profile_names("example"))
    tables = [{"id": rid, "table_name": rid, "category": "critical_data"} for rid in resources if rid != "bench-docs"]
    cfg["inventory"]["dynamodb_tables"] += tables
    cfg["inventory"]["s3_buckets"].append({"id": "bench-docs", "bucket_name": BUCKET, "category": "document_storage"})
    path.write_text(json.dumps(cfg, indent=2) + "\n")
    return target


# the measurement ------------------------------------------------------------------------------------
def drill(url: str, config: Path, rid: str, out: Path) -> dict[str, Any]:
    """One drill in this process under tracemalloc: wall seconds, peak above the start, the drill's result."""
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet), contextlib.redirect_stdout(quiet):
        code = retention(["drill", "--env", "example", "--config-dir", str(config), "--endpoint-url", url,
                          "--resource", rid, "--report-dir", str(out / rid), "--poll-seconds", "0"])
    wall = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] - before
    result = json.loads((out / rid / "drill.json").read_text())["results"][0]
    return {"code": code, "wall": wall, "peak": peak, "result": result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="sandbox port (default: a free one)")
    parser.add_argument("--items", default="10000,100000", help="the two table sizes (default 10000,100000)")
    parser.add_argument("--objects", type=int, default=1000, help="objects in the bucket (default 1000, at least 104)")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.items.split(",")]
    except ValueError:
        parser.error("--items: two comma-separated integers")
    if len(sizes) != 2 or min(sizes) < 1000 or args.objects < 104:
        parser.error("--items: two sizes of at least 1000; --objects at least 104")
    port = args.port or free_port()
    with tempfile.TemporaryDirectory(prefix="bench-drill-") as tmp:
        scratch = Path(tmp)
        env = {**isolated_environ(scratch), "SANDBOX_STATE_DIR": str(scratch / "state")}
        profiles = profile_names("example")
        (scratch / "aws-config").write_text(aws_config_text({profiles["environment"]: (ACCOUNT, REGION),
                                                             profiles["backup"]: ("222222222222", "us-west-2")}))
        for key in [k for k in os.environ if k.startswith("AWS_")] + ["MOTO_ACCOUNT_ID"]:
            os.environ.pop(key, None)
        os.environ.update({"AWS_CONFIG_FILE": str(scratch / "aws-config"),
                           "AWS_SHARED_CREDENTIALS_FILE": str(scratch / "empty"), "AWS_EC2_METADATA_DISABLED": "true"})
        up = sandbox("start", port, env)
        if up.returncode != 0:
            print(f"scripts/sandbox.sh start failed ({up.returncode}):\n{up.stderr[-2000:]}", file=sys.stderr)
            return 2
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                resources, total = setup(url, sizes, args.objects)
            except Exception as exc:  # noqa: BLE001 - any setup failure: the numbers would mean nothing
                print(f"setup failed: {type(exc).__name__}: {exc}", file=sys.stderr)
                return 2
            config = bench_config(scratch, resources)
            tracemalloc.start()
            drill(url, config, "bench-warm", scratch / "out")  # warm-up, not reported
            measured = {rid: drill(url, config, rid, scratch / "out") for rid in resources if rid != "bench-warm"}
            tracemalloc.stop()
        finally:
            down = sandbox("stop", port, env)
            if down.returncode != 0:
                print(f"scripts/sandbox.sh stop failed: {down.stderr[-500:]}", file=sys.stderr)
    print(f"\n{'resource':<12} {'size':>22} {'drill wall s':>13} {'restore s':>10} {'peak MiB':>9}  status")
    labels = {f"bench-{n // 1000}k": f"{n:,} items" for n in sizes}
    labels["bench-docs"] = f"{args.objects:,} objects, {total / MiB:.0f} MiB"
    for rid, m in measured.items():
        seconds = m["result"]["restore_seconds"]
        print(f"{rid:<12} {labels[rid]:>22} {m['wall']:>13.1f} {seconds if seconds is not None else '-':>10} "
              f"{m['peak'] / MiB:>9.2f}  {m['result']['status']}")
    small, large = (measured[f"bench-{n // 1000}k"]["peak"] for n in sizes)
    ratio = large / small
    print(f"\npeak({sizes[1]:,}) / peak({sizes[0]:,}) = {ratio:.2f} (at most {MAX_RATIO}: "
          f"{'streaming' if ratio <= MAX_RATIO else 'NOT streaming'})")
    print("Sandbox times are not AWS restore times (local moto, in-process restores, no throttling).")
    failed = [rid for rid, m in measured.items() if m["code"] != 0 or m["result"]["status"] != "passed"]
    if failed:
        print(f"drills that did not pass: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed or ratio > MAX_RATIO else 0


if __name__ == "__main__":
    sys.exit(main())
