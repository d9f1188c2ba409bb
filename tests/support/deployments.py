"""A deployment of the example environment in a sandbox, driven through the commands a user runs (deploy,
run-backups, run-exports, the live audit, drift): the tamper, restore-control, monitoring and evidence tests
share it."""
from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sandbox import accounts
from tests.support.sandbox import REPO_ROOT, VENV_BIN

RETENTION = VENV_BIN / "retention"


def at_hours_ago(hours_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Deployed:
    def __init__(self, sandbox, out: Path):
        self.sandbox = sandbox
        files = accounts.setup("example", out, REPO_ROOT / "config")
        self.config_dir = files["config_dir"]
        self.env = {**sandbox.env, "AWS_CONFIG_FILE": files["aws_config_file"]}
        self.reports = out / "reports"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([str(a) for a in args], env=self.env, capture_output=True, text=True, timeout=600, cwd=REPO_ROOT)
        assert not check or result.returncode == 0, f"{args}: {result.stdout[-3000:]}{result.stderr[-3000:]}"
        return result

    def run_backups(self, hours_ago: float) -> str:
        return self.run(RETENTION, "sandbox", "run-backups", "--env", "example", "--config-dir", self.config_dir,
                        "--endpoint-url", self.sandbox.url, "--at", at_hours_ago(hours_ago)).stdout

    def run_exports(self, *extra: str) -> str:
        return self.run(RETENTION, "sandbox", "run-exports", "--env", "example", "--config-dir", self.config_dir,
                        "--endpoint-url", self.sandbox.url, *extra).stdout

    def audit(self) -> tuple[int, set[str]]:
        result = self.run(RETENTION, "audit", "--mode", "live", "--env", "example", "--config-dir", self.config_dir,
                          "--endpoint-url", self.sandbox.url, "--report-dir", self.reports, check=False)
        assert result.returncode in (0, 1), result.stderr[-3000:]
        report = json.loads((self.reports / "report.json").read_text())
        return result.returncode, {c["id"] for c in report["controls"] if c["status"] == "failed"}

    def drift(self) -> str:
        result = self.run(RETENTION, "drift", "--env", "example", "--config-dir", self.config_dir,
                          "--endpoint-url", self.sandbox.url, "--report-dir", self.reports / "drift", check=False)
        assert result.returncode in (0, 1), result.stderr[-3000:]
        return result.stdout
