"""Shared fixtures and helpers of the tests that run a sandbox server: one server per test module, started on
a free port by scripts/sandbox.sh (the same code a user runs), with its own state directory; boto3 clients
and the AWS CLI of .venv pointed at it, with credentials that select an account (sandbox/README.md); and the
restore role and the one-off backup the restore and drill tests start from.

Nothing here imports the sandbox's moto extensions into the pytest process: they patch moto globally, and
other tests of the project use moto in-process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from sandbox.server import free_port, isolated_environ

REPO_ROOT = Path(__file__).resolve().parents[2]
SANDBOX_SH = REPO_ROOT / "scripts" / "sandbox.sh"
VENV_BIN = Path(sys.executable).parent
AWS_CLI = VENV_BIN / "aws"

ENV_ACCOUNT, ENV_REGION = "111111111111", "us-east-1"
BACKUP_ACCOUNT, BACKUP_REGION = "222222222222", "us-west-2"


def access_key(account: str) -> str:
    return f"AKIA{account}SBOX"


def example_accounts(sandbox: Any, out: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """The example environment's accounts set up in the sandbox (``python -m sandbox.accounts setup``, as a
    user runs it) into ``out``: the environment variables that reach them through its AWS config file, and
    what the setup printed (the files it wrote)."""
    setup = subprocess.run([sys.executable, "-m", "sandbox.accounts", "setup", "--env", "example", "--out", str(out)],
                           capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert setup.returncode == 0, setup.stderr
    return {**sandbox.env, "AWS_CONFIG_FILE": str(out / "aws-config")}, json.loads(setup.stdout)


def isolated_env(scratch: Path) -> dict[str, str]:
    """The sandbox's isolated environment, with the venv first on PATH."""
    env = isolated_environ(scratch)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


@dataclass
class Sandbox:
    url: str
    port: int
    state_dir: Path
    env: dict[str, str]

    def client(self, service: str, account: str = ENV_ACCOUNT, region: str = ENV_REGION) -> Any:
        return boto3.client(service, endpoint_url=self.url, region_name=region,
                            aws_access_key_id=access_key(account), aws_secret_access_key="sandbox")

    def account_env(self, account: str, region: str) -> dict[str, str]:
        # AWS_ENDPOINT_URL also reaches the clients a command makes itself ('cloudformation package' uploads)
        return {**self.env, "AWS_ACCESS_KEY_ID": access_key(account), "AWS_SECRET_ACCESS_KEY": "sandbox",
                "AWS_DEFAULT_REGION": region, "AWS_ENDPOINT_URL": self.url}

    def aws(self, *args: str, account: str = ENV_ACCOUNT, region: str = ENV_REGION,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([str(AWS_CLI), "--endpoint-url", self.url, "--region", region, *args],
                                env=self.account_env(account, region), capture_output=True, text=True,
                                timeout=120, cwd=REPO_ROOT)
        if check:
            assert result.returncode == 0, f"aws {' '.join(args)}: {result.stderr}{result.stdout}"
        return result

    def aws_json(self, *args: str, account: str = ENV_ACCOUNT, region: str = ENV_REGION) -> Any:
        return json.loads(self.aws(*args, "--output", "json", account=account, region=region).stdout)

    def log(self) -> str:
        path = self.state_dir / f"server-{self.port}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def reset(self) -> None:
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"), timeout=10)


def sandbox_sh(command: str, port: int, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SANDBOX_SH), command, "--port", str(port)], env=env, capture_output=True,
                          text=True, timeout=180, cwd=REPO_ROOT)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    scratch = tmp_path_factory.mktemp("sandbox")
    env = isolated_env(scratch)
    env["SANDBOX_STATE_DIR"] = str(scratch / "state")
    # free_port() can only say the port was free a moment ago: with tests running on several workers, a
    # server or a client of another one may take it before this server binds it. Another port, then.
    for _attempt in range(3):
        port = free_port()
        started = sandbox_sh("start", port, env)
        if started.returncode == 0:
            break
    assert started.returncode == 0, f"scripts/sandbox.sh start failed:\n{started.stderr}"
    url = started.stdout.strip().splitlines()[-1]
    assert url == f"http://127.0.0.1:{port}"
    box = Sandbox(url=url, port=port, state_dir=scratch / "state", env=env)
    yield box
    stopped = sandbox_sh("stop", port, env)
    assert stopped.returncode == 0, stopped.stderr


TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"},
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ENV_ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})


RESTORE_POLICIES = ("arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
                    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore")


def key_use_through_backup(region: str) -> str:
    """The role's own permission to use vault keys through AWS Backup (the managed restore policy allows KMS
    only through dynamodb, ec2, ...)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["kms:Decrypt", "kms:CreateGrant"], "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": f"backup.{region}.amazonaws.com"}}}]})


def make_role(sandbox, name: str, account: str = ENV_ACCOUNT, region: str = ENV_REGION, *,
              key_use: bool = True) -> str:
    iam = sandbox.client("iam", account, region)
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST.replace(ENV_ACCOUNT, account))["Role"]["Arn"]
    for policy in RESTORE_POLICIES:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    if key_use:
        iam.put_role_policy(RoleName=name, PolicyName="vault-key-use", PolicyDocument=key_use_through_backup(region))
    return arn


def backup_now(sandbox, vault: str, resource_arn: str, role: str) -> dict:
    backup = sandbox.client("backup")
    job_id = backup.start_backup_job(BackupVaultName=vault, ResourceArn=resource_arn, IamRoleArn=role,
                                     Lifecycle={"DeleteAfterDays": 35})["BackupJobId"]
    job = backup.describe_backup_job(BackupJobId=job_id)
    assert job["State"] == "COMPLETED", job.get("StatusMessage")
    return job
