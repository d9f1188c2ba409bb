"""The evidence pack of a static audit: every file is there, the manifest verifies (with this tool and with
sha256sum), any change, removal or addition makes `retention evidence verify` exit 1 naming the file, a
folder that is not a pack exits 2, and two audits of the same inputs differ only in time fields."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from audit.cli import main
from audit.evidence.provenance import canonical_sha256
from tests.evidence.conftest import static_pack
from tests.evidence.normalise import differences, explain

REPORTS = ["cucumber.json", "junit.xml", "report.html", "report.json", "report.md", "report.sarif", "snapshot.json"]


def test_the_pack_holds_every_file(example_pack: Path):
    files = sorted(p.relative_to(example_pack).as_posix() for p in example_pack.rglob("*") if p.is_file())
    repo = Path(__file__).resolve().parents[2]
    features = sorted(f"features/{p.name}" for p in (repo / "features").glob("*.feature"))
    waivers = ["waivers.yaml"] if (repo / "config" / "waivers.yaml").is_file() else []
    assert files == sorted(["MANIFEST.sha256", "config.json", "pack.json", *waivers, *features,
                            *(f"static/{n}" for n in REPORTS)])
    meta = json.loads((example_pack / "pack.json").read_text())
    assert meta["environment"] == "example" and meta["mode"] == "static" and meta["exit_code"] == 0
    assert example_pack.name == f"example-static-{meta['created_at'].replace('-', '').replace(':', '')}"
    # the tests run from a git checkout, so the pack must name its commit (None only outside a checkout)
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    assert meta["tool"]["version"] and meta["tool"]["git_commit"] == head.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{40}", meta["tool"]["git_commit"]) and isinstance(meta["tool"]["git_dirty"], bool)
    # the config hash is the canonical hash of the configuration the pack carries, and the report's
    config = json.loads((example_pack / "config.json").read_text())
    report = json.loads((example_pack / "static" / "report.json").read_text())
    assert meta["config_sha256"] == canonical_sha256(config) == report["config_sha256"]
    assert meta["parts"]["static"]["passed"] == report["summary"]["passed"] > 0
    assert "cloudformation/backup-account.yaml" in meta["templates_sha256"]


def test_no_absolute_path_in_the_pack(example_pack: Path):
    for path in example_pack.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert str(example_pack.parent.parent) not in text and "/work/" not in text, path


def test_verify_passes_on_an_untouched_pack(example_pack: Path, capsys):
    assert main(["evidence", "verify", str(example_pack)]) == 0
    assert "files match MANIFEST.sha256" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="sha256sum (coreutils) is not installed")
def test_sha256sum_checks_the_manifest_too(example_pack: Path):
    done = subprocess.run(["sha256sum", "-c", "--quiet", "MANIFEST.sha256"], cwd=example_pack, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _tamper_change(pack: Path) -> str:
    path = pack / "static" / "report.json"
    path.write_text(path.read_text().replace('"failed": 0', '"failed": 1', 1))
    return "changed: static/report.json"


def _tamper_remove(pack: Path) -> str:
    (pack / "features" / "rpo.feature").unlink()
    return "missing: features/rpo.feature"


def _tamper_add(pack: Path) -> str:
    (pack / "static" / "waiver-note.txt").write_text("added later\n")
    return "not in the manifest: static/waiver-note.txt"


def _tamper_manifest(pack: Path) -> str:
    manifest = pack / "MANIFEST.sha256"
    manifest.write_text(manifest.read_text() + "not a line\n")
    return "MANIFEST.sha256 line"


@pytest.mark.parametrize("tamper", [_tamper_change, _tamper_remove, _tamper_add, _tamper_manifest],
                         ids=["changed", "removed", "added", "manifest"])
def test_verify_fails_on_any_change_and_names_the_file(example_pack: Path, tmp_path: Path, capsys, tamper):
    pack = tmp_path / example_pack.name
    shutil.copytree(example_pack, pack)
    expected = tamper(pack)
    assert main(["evidence", "verify", str(pack)]) == 1
    out = capsys.readouterr().out
    assert expected in out and "FAILED" in out


@pytest.mark.parametrize("make", ["empty folder", "no manifest", "a file", "absent"])
def test_a_folder_that_is_not_a_pack_exits_2(example_pack: Path, tmp_path: Path, capsys, make):
    target = tmp_path / "target"
    if make == "empty folder":
        target.mkdir()
    elif make == "no manifest":
        shutil.copytree(example_pack, target)
        (target / "MANIFEST.sha256").unlink()
    elif make == "a file":
        target.write_text("x")
    assert main(["evidence", "verify", str(target)]) == 2
    err = capsys.readouterr().err
    assert str(target) in err and ("not an evidence pack" in err or "no such folder" in err)


def test_two_audits_of_the_same_inputs_differ_only_in_time(tmp_path: Path, bundle: Path, monkeypatch):
    """Run in different folders (and from different working folders) on purpose: no path may leak in."""
    templates, config = bundle / "cloudformation", bundle / "config"
    _, first = static_pack(tmp_path / "one", templates=templates, config=config)
    monkeypatch.chdir(tmp_path)
    _, second = static_pack(tmp_path / "two", "--sarif", str(tmp_path / "two.sarif"), templates=templates, config=config)
    assert first.name != second.name or first.parent != second.parent
    assert differences(first, second) == [], explain(first, second)
    # and the comparison is not blind: a changed fact shows
    path = second / "static" / "snapshot.json"
    path.write_text(path.read_text().replace('"us-west-2"', '"us-west-1"', 1))
    assert differences(first, second) == ["static/snapshot.json"]


def test_a_failing_audit_still_writes_its_pack_and_exits_1(tmp_path: Path, bundle: Path):
    plan = bundle / "cloudformation" / "backup-plan.yaml"
    plan.write_text(plan.read_text().replace("ScheduleExpression: !Ref ScheduleExpression",
                                             'ScheduleExpression: "cron(0 2 ? * SUN *)"'))
    code, pack = static_pack(tmp_path, templates=bundle / "cloudformation", config=bundle / "config")
    assert code == 1
    meta = json.loads((pack / "pack.json").read_text())
    assert meta["exit_code"] == 1 and meta["parts"]["static"]["failed"] == 2
    assert main(["evidence", "verify", str(pack)]) == 0


def test_the_waivers_file_the_run_read_is_in_the_pack(tmp_path: Path, bundle: Path):
    waivers = bundle / "config" / "waivers.yaml"
    waivers.write_text("[]\n")
    code, pack = static_pack(tmp_path, templates=bundle / "cloudformation", config=bundle / "config")
    assert code == 0 and (pack / "waivers.yaml").read_bytes() == waivers.read_bytes()
    assert "waivers.yaml" in (pack / "MANIFEST.sha256").read_text()
