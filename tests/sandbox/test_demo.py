"""scripts/demo.sh on this machine: sandbox, account settings, deploy, a day of backups, live audit, drift."""
from __future__ import annotations

import subprocess

from audit.controls import registry
from tests.support.sandbox import REPO_ROOT, free_port, isolated_env


def live_controls() -> int:
    """Controls the live audit runs: every control declared to run live (audit.controls.registry)."""
    return sum(1 for control in registry.controls().values() if control.runs_in("live"))


def test_demo_passes_every_control_live_and_shows_no_drift(tmp_path):
    port = free_port()
    env = {**isolated_env(tmp_path), "SANDBOX_STATE_DIR": str(tmp_path / "state")}
    result = subprocess.run([str(REPO_ROOT / "scripts" / "demo.sh"), "--port", str(port)], env=env, capture_output=True,
                            text=True, timeout=600, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr[-4000:] + result.stdout[-2000:]
    output = result.stdout + result.stderr
    assert f"{live_controls()} passed, 0 failed, 0 skipped" in output
    assert "no drift" in output and "demo passed" in output
    # the sandbox was stopped afterwards (no --keep)
    status = subprocess.run([str(REPO_ROOT / "scripts" / "sandbox.sh"), "status", "--port", str(port)], env=env,
                            capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert "not running" in status.stdout + status.stderr or status.returncode != 0
