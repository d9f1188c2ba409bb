"""scripts/demo.sh on this machine: sandbox, account settings, deploy, a day of backups, live audit, drift."""
from __future__ import annotations

import re
import subprocess

from tests.support.sandbox import REPO_ROOT, free_port, isolated_env


def live_controls() -> int:
    """Scenarios the live audit runs: every control id of the feature files not tagged @static."""
    lines = [line for path in (REPO_ROOT / "features").glob("*.feature") for line in path.read_text().splitlines()
             if line.strip().startswith("@") and re.search(r"@[A-Z]+-\d+\b", line)]
    return sum(1 for line in lines if "@static" not in line.split())


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
