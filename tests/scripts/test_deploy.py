"""scripts/deploy.sh: argument and credential errors, and a dry run against a local AWS (moto server)
that creates a change set per stack and executes none."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from audit.config import load_config
from audit.deployment import has_local_code, stack_plan

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "scripts" / "deploy.sh"


def run(args, env_extra=None, timeout=600):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"})
    env.update(env_extra or {})
    return subprocess.run([str(DEPLOY), *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO)


def test_env_is_required():
    result = run([])
    assert result.returncode == 2
    assert "--env is required" in result.stderr


def test_unknown_argument_is_refused():
    result = run(["--env", "example", "--force"])
    assert result.returncode == 2
    assert "unknown argument: --force" in result.stderr


def test_unknown_environment_stops_before_anything(tmp_path):
    result = run(["--env", "staging"])
    assert result.returncode == 2
    assert "no environment 'staging'" in result.stderr
    assert "gate:" not in result.stderr


def test_unknown_stack_names_the_known_ones():
    result = run(["--env", "example", "--stack", "plan-everything", "--dry-run"])
    assert result.returncode == 2
    assert "--stack plan-everything: not a stack of example" in result.stderr
    assert "plan-ssn-data" in result.stderr


def test_the_test_stand_in_for_the_gate_is_refused_for_a_deploy_to_aws(tmp_path):
    """RETENTION_DEPLOY_GATE lets the sandbox tests replace the gate; against AWS (no --endpoint-url) the
    deployer refuses it rather than deploy what no gate checked."""
    marker = tmp_path / "ran"
    stand_in = tmp_path / "gate"
    stand_in.write_text(f"#!/bin/sh\ntouch {marker}\n")
    stand_in.chmod(0o755)
    result = run(["--env", "example", "--dry-run"], {"RETENTION_DEPLOY_GATE": str(stand_in)})
    assert result.returncode == 2, result.stderr
    assert "RETENTION_DEPLOY_GATE" in result.stderr and "--endpoint-url" in result.stderr
    assert not marker.exists()


def test_missing_credentials_name_what_to_set():
    result = run(["--env", "example", "--dry-run"])
    assert result.returncode == 2
    assert "no usable AWS credentials for the backup account (222222222222)" in result.stderr
    assert "profiles.backup" in result.stderr
    assert "deploying" not in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def local_aws():
    port = _free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=10)


def test_dry_run_creates_change_sets_and_executes_nothing(local_aws):
    creds = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    result = run(["--env", "example", "--dry-run", "--endpoint-url", local_aws], creds)
    assert result.returncode == 0, result.stderr[-3000:]
    # every stack gets a change set except those with Lambda code: it goes to the artifacts bucket, which a dry run
    # does not create
    plan = stack_plan(load_config("example").data)
    with_code = [p for p in plan if has_local_code((REPO / p.template).read_text())]
    assert with_code
    assert (f"dry run complete: {len(plan) - len(with_code)} change set(s) created, {len(with_code)} skipped, "
            "none executed") in result.stderr
    assert "AWS::Backup::BackupVault" in result.stderr and "AWS::Backup::BackupSelection" in result.stderr
    statuses = {}
    for region in ("us-east-1", "us-west-2"):
        out = subprocess.run([str(Path(sys.executable).with_name("aws")), "--endpoint-url", local_aws, "--region", region,
                              "cloudformation", "describe-stacks", "--output", "json"],
                             capture_output=True, text=True, env={**os.environ, **creds}, check=True)
        statuses.update({s["StackName"]: s["StackStatus"] for s in json.loads(out.stdout)["Stacks"]})
    assert statuses and set(statuses.values()) == {"REVIEW_IN_PROGRESS"}


def test_deploy_sh_packages_exactly_the_templates_with_local_code():
    """deploy.sh decides with grep what audit.deployment.has_local_code decides in Python: they agree on
    every template, and at least one template has code to package."""
    rule = re.search(r"has_local_code\(\) \{ grep -Eq '([^']+)'", DEPLOY.read_text()).group(1)
    decisions = {}
    for template in sorted((REPO / "cloudformation").glob("*.yaml")):
        by_grep = subprocess.run(["grep", "-Eq", rule, str(template)]).returncode == 0
        decisions[template.name] = by_grep
        assert by_grep == has_local_code(template.read_text()), template.name
    assert any(decisions.values()) and not all(decisions.values())
