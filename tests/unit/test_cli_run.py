"""The console script's fast exit (audit.cli.run): exit codes kept, every byte of output flushed, reports
complete on disk before the process ends."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    code = "import sys; sys.argv = ['retention', *sys.argv[1:]]; from audit.cli import run; run()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_large_output_is_flushed_whole_through_a_pipe():
    result = run("controls", "--format", "json")
    assert result.returncode == 0, result.stderr
    catalogue = json.loads(result.stdout)  # the whole document arrived
    assert len(result.stdout) > 10_000 and catalogue


def test_exit_codes_survive_the_fast_exit(tmp_path):
    assert run("--help").returncode == 0
    assert run("audit", "--mode", "nonsense").returncode == 2
    assert run("config", "validate", "--env", "no-such-env").returncode == 2
    config = tmp_path / "config"
    config.mkdir()
    for name in ("defaults.json", "example.json"):
        (config / name).write_text((REPO / "config" / name).read_text())
    data = json.loads((config / "example.json").read_text())
    data["inventory"]["dynamodb_tables"][0]["excluded"] = True  # a control violation: the audit fails (exit 1)
    (config / "example.json").write_text(json.dumps(data))
    reports = tmp_path / "reports"
    failed = run("audit", "--mode", "static", "--env", "example", "--config-dir", str(config), "--report-dir", str(reports))
    assert failed.returncode == 1, failed.stderr
    report = json.loads((reports / "report.json").read_text())  # written and closed before the exit
    assert any(c["status"] == "failed" for c in report["controls"])
    assert "failed" in failed.stdout
