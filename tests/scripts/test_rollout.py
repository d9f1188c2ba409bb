"""scripts/rollout.sh: the order of environments and steps, the stop at the first failure (exit 1, or 2 for
bad input) naming the environment and the step, --from, --dry-run, --first-deploy, and argument errors.

The steps are stand-ins (RETENTION_ROLLOUT_BIN): one script, installed as gate.sh, deploy.sh, smoke.sh and
retention, that logs each call and fails when the call matches STUB_FAIL (a shell pattern)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROLLOUT = REPO / "scripts" / "rollout.sh"
STUB = """#!/usr/bin/env bash
line="$(basename "$0") $*"
echo "$line" >> "$STUB_LOG"
case "$line" in $STUB_FAIL) echo "stand-in failing: $line" >&2; exit "${STUB_CODE:-1}" ;; esac
exit 0
"""


@pytest.fixture
def stubs(tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("gate.sh", "deploy.sh", "smoke.sh", "retention"):
        path = folder / name
        path.write_text(STUB)
        path.chmod(0o755)
    return folder


def rollout(stubs, *args, fail="__never__", code=1):
    log = stubs.parent / "calls.log"
    log.write_text("")
    env = {**os.environ, "RETENTION_ROLLOUT_BIN": str(stubs), "STUB_LOG": str(log), "STUB_FAIL": fail, "STUB_CODE": str(code)}
    result = subprocess.run([str(ROLLOUT), *args], capture_output=True, text=True, env=env, timeout=120, cwd=REPO)
    return result, log.read_text().splitlines()


def steps(calls):
    """(command, environment) of every call, in order."""
    out = []
    for call in calls:
        words = call.split()
        env = words[words.index("--env") + 1]
        name = " ".join(words[:3]) if words[0] == "retention" else words[0]
        out.append((name, env))
    return out


def full(env):
    return [("gate.sh", env), ("deploy.sh", env), ("retention audit --mode", env), ("smoke.sh", env)]


VALIDATE = [("retention config validate", e) for e in ("test", "beta", "prod")]


def test_test_then_beta_then_prod_each_gated_deployed_audited_and_smoke_tested(stubs):
    result, calls = rollout(stubs)
    assert result.returncode == 0, result.stderr
    assert steps(calls) == VALIDATE + full("test") + full("beta") + full("prod")
    assert "rolled out test beta prod" in result.stderr
    audit = next(c for c in calls if c.startswith("retention audit"))
    assert f"--report-dir {REPO}/reports/test/live" in audit and "--tags" not in audit
    assert all("--dry-run" not in c for c in calls)


@pytest.mark.parametrize("failing, env, step, ran", [
    ("gate.sh --env test*", "test", "gate", VALIDATE + [("gate.sh", "test")]),
    ("deploy.sh --env beta*", "beta", "deploy", VALIDATE + full("test") + [("gate.sh", "beta"), ("deploy.sh", "beta")]),
    ("retention audit --mode live --env beta*", "beta", "live audit", VALIDATE + full("test") + full("beta")[:3]),
    ("smoke.sh --env prod*", "prod", "smoke", VALIDATE + full("test") + full("beta") + full("prod")),
])
def test_the_first_failure_stops_the_rollout_naming_environment_and_step(stubs, failing, env, step, ran):
    result, calls = rollout(stubs, fail=failing)
    assert result.returncode == 1
    assert steps(calls) == ran
    assert f"rollout.sh: FAILED: {env}: {step} failed" in result.stderr
    assert f"stopped in {env} at '{step}'" in result.stderr


def test_a_step_refusing_its_input_stops_with_exit_2(stubs):
    result, calls = rollout(stubs, fail="deploy.sh --env test*", code=2)
    assert result.returncode == 2
    assert "rollout.sh: error: test: deploy: bad input" in result.stderr
    assert steps(calls)[-1] == ("deploy.sh", "test")
    assert "rolled out: none; stopped in test at 'deploy'; not started: beta prod" in result.stderr


def test_an_invalid_later_configuration_stops_before_anything_runs(stubs):
    result, calls = rollout(stubs, fail="retention config validate --env prod*")
    assert result.returncode == 2
    assert "prod: the configuration is invalid" in result.stderr
    assert not any(c.startswith(("gate.sh", "deploy.sh")) for c in calls)


def test_from_starts_at_the_named_environment(stubs):
    result, calls = rollout(stubs, "--from", "beta")
    assert result.returncode == 0, result.stderr
    assert steps(calls) == VALIDATE[1:] + full("beta") + full("prod")


def test_dry_run_gates_every_environment_and_dry_runs_only_the_first_deploy(stubs):
    result, calls = rollout(stubs, "--dry-run", "--endpoint-url", "http://127.0.0.1:5000")
    assert result.returncode == 0, result.stderr
    assert steps(calls) == VALIDATE + [("gate.sh", "test"), ("deploy.sh", "test"), ("gate.sh", "beta"), ("gate.sh", "prod")]
    deploy = next(c for c in calls if c.startswith("deploy.sh"))
    assert "--dry-run" in deploy and "--endpoint-url http://127.0.0.1:5000" in deploy
    assert "change sets created for test only; nothing deployed" in result.stderr


def test_first_deploy_leaves_out_the_controls_that_need_history_and_says_so(stubs):
    result, calls = rollout(stubs, "--first-deploy", "--from", "prod")
    assert result.returncode == 0, result.stderr
    audit = next(c for c in calls if c.startswith("retention audit"))
    assert "--tags not needs-history" in audit
    assert "run: retention audit --mode live --env ENV" in result.stderr


def test_endpoint_goes_to_the_steps_that_talk_to_aws_only(stubs):
    result, calls = rollout(stubs, "--endpoint-url", "http://127.0.0.1:5000", "--from", "prod")
    assert result.returncode == 0, result.stderr
    by_step = {c.split()[0] if not c.startswith("retention") else " ".join(c.split()[:2]): c for c in calls}
    assert "--endpoint-url" not in by_step["gate.sh"] and "--endpoint-url" not in by_step["retention config"]
    assert all("--endpoint-url http://127.0.0.1:5000" in by_step[k] for k in ("deploy.sh", "retention audit", "smoke.sh"))


@pytest.mark.parametrize("args, message", [
    (["--from", "staging"], "--from staging: not an environment of the rollout (known: test beta prod)"),
    (["--from"], "--from needs a value"),
    (["--force"], "unknown argument: --force"),
])
def test_bad_arguments_exit_2_before_anything_runs(stubs, args, message):
    result, calls = rollout(stubs, *args)
    assert result.returncode == 2 and message in result.stderr and calls == []


def test_help(stubs):
    result, calls = rollout(stubs, "--help")
    assert result.returncode == 0 and "scripts/rollout.sh [--dry-run] [--from ENV]" in result.stdout and calls == []
