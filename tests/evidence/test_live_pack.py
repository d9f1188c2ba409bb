"""scripts/quarterly-audit.sh against the sandbox: one pack holding the static audit, the live audit and
the drift, verified; a second run on the unchanged accounts gives a pack that differs only in time fields.

The accounts are left empty on purpose: deploying the example environment into the sandbox takes a
minute (tests/sandbox/test_tamper.py does it), and a pack of an audit that fails everywhere exercises
the same mechanics (two audits, drift, manifest) with more varied content to keep stable. The sandbox
stands in for AWS: this shows the pack's mechanics, never a fact about AWS."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.evidence.normalise import differences, explain
from tests.support.deployments import Deployed
from tests.support.sandbox import REPO_ROOT, sandbox  # noqa: F401  (the fixture: one sandbox for this module)

SCRIPT = REPO_ROOT / "scripts" / "quarterly-audit.sh"
REPORTS = ["cucumber.json", "junit.xml", "report.html", "report.json", "report.md", "snapshot.json"]


@pytest.fixture(scope="module")
def accounts(sandbox, tmp_path_factory):  # noqa: F811
    """Profiles and a configuration of the example environment that reach the sandbox's two accounts."""
    return Deployed(sandbox, tmp_path_factory.mktemp("accounts"))


def quarterly(accounts: Deployed, evidence: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    before = set(evidence.glob("*")) if evidence.exists() else set()
    done = accounts.run(SCRIPT, "--env", "example", "--config-dir", accounts.config_dir,
                        "--endpoint-url", accounts.sandbox.url, "--evidence", evidence, check=False)
    new = sorted(set(evidence.glob("*")) - before)
    assert len(new) == 1, done.stdout[-3000:] + done.stderr[-3000:]
    return done, new[0]


def test_quarterly_pack_of_the_accounts(accounts: Deployed, tmp_path: Path):
    done, pack = quarterly(accounts, tmp_path / "evidence")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]  # nothing is deployed: controls fail
    assert "files match MANIFEST.sha256" in done.stdout
    files = {p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file()}
    assert {f"live/{n}" for n in REPORTS} | {f"static/{n}" for n in REPORTS} | {"static/report.sarif"} <= files
    assert {"drift/drift.json", "drift/drift.txt", "pack.json", "config.json", "MANIFEST.sha256"} <= files
    meta = json.loads((pack / "pack.json").read_text())
    assert pack.name.startswith("example-live-") and meta["mode"] == "live" and meta["exit_code"] == 1
    assert meta["parts"]["static"]["failed"] == 0 and meta["parts"]["static"]["exit_code"] == 0
    assert meta["parts"]["live"]["failed"] > 0 and meta["parts"]["live"]["exit_code"] == 1
    drift = json.loads((pack / "drift" / "drift.json").read_text())["differences"]
    assert meta["parts"]["drift"] == {"differences": len(drift), "exit_code": 1} and drift
    assert json.loads((pack / "live" / "snapshot.json").read_text())["mode"] == "live"

    # the accounts did not change: a second pack differs only in time fields
    again, second = quarterly(accounts, tmp_path / "evidence")
    assert again.returncode == 1
    assert differences(pack, second) == [], explain(pack, second)


def test_live_audit_of_every_environment_against_the_accounts(accounts: Deployed, tmp_path: Path):
    """--env all in live mode, end to end: two environments of one configuration folder that read the same
    two (empty) accounts; each is audited, the summary names both, and the run exits with the worst code."""
    import shutil

    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(Path(accounts.config_dir) / "defaults.json", config / "defaults.json")
    example = json.loads((Path(accounts.config_dir) / "example.json").read_text())
    (config / "example.json").write_text(json.dumps(example))
    (config / "sibling.json").write_text(json.dumps({**example, "environment": "sibling"}))
    reports = tmp_path / "reports"
    done = accounts.run(REPO_ROOT / ".venv" / "bin" / "retention", "audit", "--mode", "live", "--env", "all",
                        "--config-dir", config, "--endpoint-url", accounts.sandbox.url, "--report-dir", reports,
                        check=False)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]  # nothing is deployed: controls fail
    table = done.stdout[done.stdout.index("live audit of 2 environment(s)"):]
    rows = [line.split() for line in table.splitlines()[2:] if line.strip()]
    assert [row[0] for row in rows[:2]] == ["example", "sibling"]
    assert [(row[1], row[4]) for row in rows[:2]] == [("live", "1"), ("live", "1")]  # mode, exit code of each
    for env in ("example", "sibling"):
        report = json.loads((reports / env / "live" / "report.json").read_text())
        assert report["environment"] == env and report["mode"] == "live"
        assert any(c["status"] == "failed" for c in report["controls"])
