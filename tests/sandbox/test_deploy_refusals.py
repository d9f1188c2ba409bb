"""scripts/deploy.sh against the sandbox refuses what the gate did not check (issue 11, section 3), end to
end: the accounts are addressed through AWS CLI profiles as in AWS (python -m sandbox.accounts setup), and
after each refusal neither account holds a stack.

- A profile name holding a tab and a newline forged a line of the TSV stack list, so the deployer created a
  change set from a file the gate never saw; it is now refused by the configuration (exit 2, naming
  profiles.environment) before the gate runs.
- A template whose bytes are not the ones the gate's manifest holds, or that the manifest does not name,
  is refused before its change set is created (exit 1, naming the file). The gate is a stand-in here
  (RETENTION_DEPLOY_GATE) that writes the real manifest and then alters it, as a template edited after
  the gate read it would: cloudformation/ itself is never touched."""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.support.sandbox import BACKUP_ACCOUNT, BACKUP_REGION, ENV_ACCOUNT, ENV_REGION, REPO_ROOT, example_accounts

FORGED_PROFILE = ("sandbox-example-environment\tcloudformation/forged.yaml\n"
                  "forged\tcompact-retention-example-forged\tenvironment\t111111111111\tus-east-1\tsandbox-example-environment")
# A gate that writes the manifest of the real templates, then alters it as STUB_ALTER says.
STAND_IN_GATE = """#!/usr/bin/env bash
while [ $# -gt 0 ]; do [ "$1" = --manifest ] && manifest="$2"; shift; done
"$RETENTION_BIN/retention" gate manifest --out "$manifest" >/dev/null || exit 2
"$RETENTION_PY" - "$manifest" <<'PY'
import json, os, sys
path = sys.argv[1]
manifest = json.load(open(path))
how, template = os.environ["STUB_ALTER"].split(":", 1)
entry = next(e for e in manifest["templates"] if e["path"] == template)
if how == "digest":
    entry["sha256"] = "0" * 64
else:
    manifest["templates"].remove(entry)
json.dump(manifest, open(path, "w"))
PY
"""


@pytest.fixture(scope="module")
def accounts(sandbox, tmp_path_factory):
    out = tmp_path_factory.mktemp("sandbox-example")
    return out, example_accounts(sandbox, out)[0]


def deploy(sandbox, config_dir, env, **extra) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(REPO_ROOT / "scripts" / "deploy.sh"), "--env", "example", "--config-dir", str(config_dir),
                           "--endpoint-url", sandbox.url], env={**env, **extra}, capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=600)


def stacks_in_both_accounts(sandbox) -> list[str]:
    return [s["StackName"] for account, region in ((ENV_ACCOUNT, ENV_REGION), (BACKUP_ACCOUNT, BACKUP_REGION))
            for s in sandbox.client("cloudformation", account, region).describe_stacks()["Stacks"]]


def test_a_profile_holding_a_forged_stack_line_is_refused_before_the_gate(sandbox, accounts, tmp_path):
    out, env = accounts
    config_dir = tmp_path / "config"
    subprocess.run(["cp", "-r", str(out / "config"), str(config_dir)], check=True)
    example = json.loads((config_dir / "example.json").read_text())
    example["profiles"]["environment"] = FORGED_PROFILE
    (config_dir / "example.json").write_text(json.dumps(example, indent=2))
    result = deploy(sandbox, config_dir, env)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "profiles.environment: 'sandbox-example-environment\\tcloudformation/forged.yaml\\nforged" in result.stderr
    assert "gate:" not in result.stderr and "deploying" not in result.stderr
    assert stacks_in_both_accounts(sandbox) == []


@pytest.mark.parametrize("alter, words", [
    ("digest:cloudformation/backup-account.yaml", "cloudformation/backup-account.yaml changed since the gate checked it"),
    ("omit:cloudformation/backup-account.yaml", "cloudformation/backup-account.yaml is not a template the gate checked"),
])
def test_a_template_that_is_not_what_the_gate_checked_is_refused_before_its_change_set(sandbox, accounts, tmp_path,
                                                                                       alter, words):
    out, env = accounts
    gate = tmp_path / "gate.sh"
    gate.write_text(STAND_IN_GATE)
    gate.chmod(0o755)
    result = deploy(sandbox, out / "config", env, RETENTION_DEPLOY_GATE=str(gate), STUB_ALTER=alter)
    assert result.returncode == 1, result.stderr[-3000:]
    assert f"REFUSED: {words}" in result.stderr
    assert "stack compact-retention-example-backup-vaults: its template is not what the gate checked" in result.stderr
    assert "deployed in this run: none" in result.stderr
    assert stacks_in_both_accounts(sandbox) == []
