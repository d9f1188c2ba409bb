"""scripts/quarterly-audit.sh --drill: after the audit's pack, the restore drill of each environment
(``retention drill --env ENV --all --evidence DIR`` with the same access options, never --jobs), its pack
verified, and the worst exit code of all (2 bad input, then 1). Without --drill no drill runs.

``retention`` is a stand-in (RETENTION_QUARTERLY_BIN): it logs each call, prints the ``evidence: PACK`` line
of an audit or a drill as the real one does, and fails when the call matches STUB_FAIL (a shell pattern).
The real drill and its pack: tests/drill/test_drill_evidence.py; the real audit pack:
tests/evidence/test_live_pack.py."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "quarterly-audit.sh"
STUB = """#!/usr/bin/env bash
line="retention $*"
echo "$line" >> "$STUB_LOG"
args=("$@") env="" evidence=""
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in --env) env="${args[$((i + 1))]}" ;; --evidence) evidence="${args[$((i + 1))]}" ;; esac
done
case "$1 $2" in
  "audit --mode") echo "evidence: $evidence/$env-live-stub" ;;
  "drill --env") case "$line" in $STUB_NO_PACK) ;; *) echo "evidence: $evidence/$env-drill-stub" ;; esac ;;
esac
case "$line" in $STUB_FAIL) echo "stand-in failing: $line" >&2; exit "${STUB_CODE:-1}" ;; esac
exit 0
"""
URL = "http://127.0.0.1:5999"


@pytest.fixture
def stub(tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "retention").write_text(STUB)
    (folder / "retention").chmod(0o755)
    return folder


def quarterly(stub: Path, *args: str, fail: str = "__never__", code: int = 1, no_pack: str = "__never__"):
    log = stub.parent / "calls.log"
    log.write_text("")
    env = {**os.environ, "RETENTION_QUARTERLY_BIN": str(stub), "STUB_LOG": str(log), "STUB_FAIL": fail,
           "STUB_CODE": str(code), "STUB_NO_PACK": no_pack}
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120, cwd=REPO)
    return done, log.read_text().splitlines()


def test_drill_runs_after_the_audit_with_the_same_access_options_and_its_pack_is_verified(stub, tmp_path):
    evidence, config = tmp_path / "evidence", REPO / "config"
    done, calls = quarterly(stub, "--env", "example", "--drill", "--evidence", str(evidence), "--endpoint-url", URL,
                            "--config-dir", str(config), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert [c.split()[1] for c in calls] == ["config", "audit", "evidence", "drill", "evidence"]
    drill = calls[3].split()
    assert drill[:5] == ["retention", "drill", "--env", "example", "--all"]
    assert f"--evidence {evidence}" in calls[3] and f"--endpoint-url {URL}" in calls[3]
    assert f"--config-dir {config}" in calls[3] and "--jobs" not in calls[3]
    assert calls[4] == f"retention evidence verify {evidence}/example-drill-stub"
    assert "every drill passed" in done.stderr


def test_without_drill_nothing_is_restored(stub, tmp_path):
    done, calls = quarterly(stub, "--env", "example", "--evidence", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert not any(c.startswith("retention drill") for c in calls)


@pytest.mark.parametrize("fail, code, expected", [
    ("retention drill *", 1, 1),  # a drill failed: its pack still written and verified
    ("retention drill *", 2, 2),  # bad input or a precondition of the drill
    ("retention evidence verify *-drill-stub", 1, 1),  # the drill's pack does not verify
    ("retention audit *", 1, 1),  # the audit failed, the drill passed: still 1
])
def test_the_worst_exit_code_wins(stub, tmp_path, fail, code, expected):
    done, calls = quarterly(stub, "--env", "example", "--drill", "--evidence", str(tmp_path), fail=fail, code=code)
    assert done.returncode == expected, done.stderr
    assert any(c.startswith("retention drill") for c in calls)
    assert calls[-1] == f"retention evidence verify {tmp_path}/example-drill-stub"


def test_a_drill_that_writes_no_pack_fails(stub, tmp_path):
    done, _ = quarterly(stub, "--env", "example", "--drill", "--evidence", str(tmp_path), no_pack="retention drill *")
    assert done.returncode == 1
    assert "wrote no evidence pack" in done.stderr


def test_all_drills_every_environment_of_the_configuration(stub, tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "defaults.json").write_text((REPO / "config" / "defaults.json").read_text())
    example = json.loads((REPO / "config" / "example.json").read_text())
    for name in ("alpha", "omega"):
        (config / f"{name}.json").write_text(json.dumps({**example, "environment": name}))
    done, calls = quarterly(stub, "--env", "all", "--drill", "--evidence", str(tmp_path / "e"), "--config-dir", str(config))
    assert done.returncode == 0, done.stderr
    drills = [c.split()[3] for c in calls if c.startswith("retention drill")]
    assert drills == ["alpha", "omega"]
    assert f"retention evidence verify {tmp_path}/e/omega-drill-stub" in calls


def test_help_names_the_drill_option(stub):
    done, _ = quarterly(stub, "--help")
    assert done.returncode == 0 and "--drill" in done.stdout and "Exit 0" in done.stdout
