"""``retention drill --evidence DIR``: drill.json, drill.md and drill.html in an evidence pack with the audit's
MANIFEST rules (audit/drill/report.py over audit/evidence*.py, docs/evidence.md): ``retention evidence
verify`` passes it, and a changed, removed or added file, or a linked manifest, fails it (exit 1)."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from audit.cli import main
from audit.config import load_config
from audit.drill import report
from audit.evidence.manifest import MANIFEST
from tests.support.drill import aws_env, world  # noqa: F401 (fixtures)
from tests.support.sandbox import sandbox  # noqa: F401 (fixture)

NOW = datetime(2026, 12, 3, 21, 0, 5, tzinfo=timezone.utc)
CFG = load_config("example", None).data


def doc(status: str = "passed") -> dict:
    return report.document("example", NOW, [{
        "id": "provider", "kind": "dynamodb table", "category": "critical_data", "source": "arn:aws:dynamodb:x",
        "recovery_point_arn": "arn:aws:backup:x", "account": "111111111111", "restored_as": "t-drill-x",
        "restore_seconds": 1.5, "rto_seconds": 14400, "status": status,
        "checks": [{"name": "item digest", "status": status, "detail": "SHA-256 over canonical items"}]}])


@pytest.fixture
def pack(tmp_path) -> Path:
    return report.write_pack(tmp_path / "evidence", CFG, doc(), NOW)


def verify(folder: Path, capsys) -> tuple[int, str]:
    code = main(["evidence", "verify", str(folder)])
    return code, capsys.readouterr().out


def test_the_pack_holds_the_drill_reports_and_verifies(pack, capsys):
    assert pack.name == "example-drill-20261203T210005Z"
    files = sorted(p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file())
    assert files == [MANIFEST, "config.json", "drill/drill.html", "drill/drill.json", "drill/drill.md", "pack.json"]
    meta = json.loads((pack / "pack.json").read_text())
    assert meta["mode"] == "drill" and meta["environment"] == "example" and meta["exit_code"] == 0
    assert meta["resources"] == {"provider": "passed"} and len(meta["config_sha256"]) == 64
    assert meta["tool"]["name"] == "compact-retention"
    lines = (pack / MANIFEST).read_text().splitlines()
    assert f"{hashlib.sha256((pack / 'drill/drill.json').read_bytes()).hexdigest()}  drill/drill.json" in lines
    assert not list(pack.parent.glob(".*.partial"))
    code, out = verify(pack, capsys)
    assert code == 0, out


def test_a_failed_drill_is_recorded_in_the_pack(tmp_path):
    folder = report.write_pack(tmp_path, CFG, doc("failed"), NOW)
    meta = json.loads((folder / "pack.json").read_text())
    assert meta["status"] == "failed" and meta["exit_code"] == 1


@pytest.mark.parametrize("tamper, named", [
    (lambda p: (p / "drill/drill.json").write_text((p / "drill/drill.json").read_text().replace("passed", "PASSED")),
     "changed: drill/drill.json"),
    (lambda p: (p / "drill/drill.html").unlink(), "missing: drill/drill.html"),
    (lambda p: (p / "drill/extra.txt").write_text("added later"), "not in the manifest: drill/extra.txt"),
])
def test_tampering_is_detected(pack, capsys, tamper, named):
    tamper(pack)
    code, out = verify(pack, capsys)
    assert code == 1 and named in out


def test_a_second_pack_in_the_same_second_gets_its_own_folder(pack):
    second = report.write_pack(pack.parent, CFG, doc(), NOW)
    assert second != pack and second.name == f"{pack.name}-2"


def test_the_drill_writes_its_pack(sandbox, world, aws_env, tmp_path, capsys):  # noqa: F811
    code = main(["drill", "--env", "example", "--endpoint-url", aws_env, "--report-dir", str(tmp_path / "report"),
                 "--poll-seconds", "0", "--resource", "provider", "--evidence", str(tmp_path / "evidence")])
    out = capsys.readouterr().out
    assert code == 0, out
    printed = [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("evidence: ")]
    assert len(printed) == 1
    folder = Path(printed[0])
    assert folder.parent == tmp_path / "evidence" and folder.name.startswith("example-drill-")
    drilled = json.loads((folder / "drill/drill.json").read_text())
    assert drilled == json.loads((tmp_path / "report" / "drill.json").read_text())
    assert "evidence manifest SHA-256: " in out
    code, verified = verify(folder, capsys)
    assert code == 0, verified
