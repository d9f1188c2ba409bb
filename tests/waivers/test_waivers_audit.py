"""Waivers in a real static audit of seeded violations (the seeds of tests/audit/test_violations.py):
a waived failure is WAIVED in every report and does not fail the run; a waiver never hides another
resource's failure, a later step's failure or a passing result; an expired waiver fails the run; bad
waivers stop the run with exit 2 before anything is audited."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest

from audit.cli import main
from audit.findings import named_subjects
from tests.support.violations import CONFIG, TEMPLATES, VIOLATIONS, combined

SOON = (date.today() + timedelta(days=30)).isoformat()
SEED = combined(VIOLATIONS["rotation off"][0], VIOLATIONS["bucket unversioned"][0])  # ENC-01 and COV-04 fail


def waiver(control: str, resource: str, expires: str = SOON, justification: str = "accepted until OPS-7 lands") -> str:
    return (f"- control: {control}\n  resource: {json.dumps(resource)}\n  justification: {json.dumps(justification)}\n"
            f"  owner: platform-team\n  ticket: OPS-7\n  expires: {expires}\n")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """(templates, config) with the seed applied, and the report of their audit without waivers."""
    root = tmp_path_factory.mktemp("seeded")
    templates, config = root / "cloudformation", root / "config"
    shutil.copytree(TEMPLATES, templates)
    shutil.copytree(CONFIG, config)
    SEED(templates, config)
    (config / "waivers.yaml").unlink(missing_ok=True)
    code, report, _ = audit(root / "plain", templates, config, None)
    failed = {c["id"]: c for c in report["controls"] if c["status"] == "failed"}
    assert code == 1 and set(failed) == {"ENC-01", "COV-04"}, "the seed no longer fails exactly ENC-01 and COV-04"
    return templates, config, failed


def audit(out: Path, templates: Path, config: Path, waivers: str | None, features: Path | None = None):
    argv = ["audit", "--mode", "static", "--env", "example", "--templates-dir", str(templates), "--config-dir", str(config),
            "--report-dir", str(out / "reports")]
    if waivers is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "waivers.yaml").write_text(waivers)
        argv += ["--waivers", str(out / "waivers.yaml")]
    if features is not None:
        argv += ["--features-dir", str(features)]
    code = main(argv)
    report = json.loads((out / "reports" / "report.json").read_text()) if (out / "reports" / "report.json").exists() else None
    return code, report, out / "reports"


def vault_subjects(control: dict) -> list[str]:
    """The resources the failures of a control name, from its own report: the test knows no vault name."""
    return sorted({name for text in control["message"].split("; ") for name in named_subjects(text, control["subjects"])})


def by_id(report: dict) -> dict[str, dict]:
    return {c["id"]: c for c in report["controls"]}


def test_waived_failures_are_waived_in_every_report_and_the_run_passes(seeded, tmp_path, capsys):
    templates, config, failed = seeded
    vaults = vault_subjects(failed["ENC-01"])
    assert len(vaults) >= 2
    text = "".join(waiver("ENC-01", v) for v in vaults) + waiver("COV-04", "all") + waiver("RPO-01", "all")
    code, report, reports = audit(tmp_path, templates, config, text)
    out = capsys.readouterr().out
    controls = by_id(report)
    assert code == 0
    assert controls["ENC-01"]["status"] == "waived" and controls["COV-04"]["status"] == "waived"
    assert sorted(controls["ENC-01"]["waived"]) == sorted(failed["ENC-01"]["message"].split(". Fix: ")[0].split("; "))
    assert controls["ENC-01"]["waivers"][0]["justification"] == "accepted until OPS-7 lands"
    # a waiver on a passing control changes nothing, and says so
    assert controls["RPO-01"]["status"] == "passed" and controls["RPO-01"]["waived"] == []
    states = {(w["control"], w["resource"]): w["state"] for w in report["waivers"]}
    assert states[("RPO-01", "all")] == "unused" and states[("COV-04", "all")] == "applied"
    assert report["summary"]["waived"] == 2 and report["summary"]["failed"] == 0
    # terminal, Markdown, HTML
    assert any(line.startswith("ENC-01") and "WAIVED" in line for line in out.splitlines())
    assert "waived until " + SOON in out and any(line.endswith(" 2 waived, 0 skipped") for line in out.splitlines())
    md, html = (reports / "report.md").read_text(), (reports / "report.html").read_text()
    assert "### WAIVED ENC-01" in md and "**Justification:** accepted until OPS-7 lands" in md
    assert 'class="badge waived">WAIVED<' in html and "accepted until OPS-7 lands" in html
    # junit: skipped with the waiver as message; cucumber: the waived step skipped with the waiver
    cases = {case.get("name"): case for case in ET.parse(reports / "junit.xml").getroot().iter("testcase")}
    skipped = [case.find("skipped") for case in cases.values() if case.find("skipped") is not None]
    assert len(skipped) == 2 and all(s.get("message").startswith("WAIVED ") for s in skipped)
    assert any("accepted until OPS-7 lands" in s.get("message") for s in skipped)
    steps = [step for feature in json.loads((reports / "cucumber.json").read_text()) for element in feature["elements"]
             for step in element["steps"] if step["result"]["status"] != "passed"]
    assert len(steps) == 2 and all(s["result"]["status"] == "skipped" and "WAIVED" in s["result"]["error_message"] for s in steps)


def test_a_waiver_for_one_vault_does_not_hide_the_failure_of_another(seeded, tmp_path):
    templates, config, failed = seeded
    first, *others = vault_subjects(failed["ENC-01"])
    code, report, _ = audit(tmp_path, templates, config, waiver("ENC-01", first) + waiver("COV-04", "all"))
    enc = by_id(report)["ENC-01"]
    assert code == 1 and enc["status"] == "failed"
    assert all(first in text for text in enc["waived"]) and len(enc["waived"]) == 1
    assert first not in enc["message"] and all(other in enc["message"] for other in others)


def test_an_expired_waiver_covers_nothing_and_fails_the_run_saying_so(seeded, tmp_path, capsys):
    templates, config, _ = seeded
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    code, report, _ = audit(tmp_path, templates, config, waiver("COV-04", "all") + waiver("ENC-01", "all", expires=yesterday))
    out = capsys.readouterr().out
    assert code == 1 and by_id(report)["ENC-01"]["status"] == "failed" and by_id(report)["COV-04"]["status"] == "waived"
    assert [w["state"] for w in report["waivers"] if w["control"] == "ENC-01"] == ["expired"]
    assert f"EXPIRED WAIVER ENC-01 all expired on {yesterday} (" in out  # the line goes on with the file:line
    # the file's name: no machine path in a report
    assert [w["source"] for w in report["waivers"] if w["state"] == "expired"] == ["waivers.yaml:7"]
    assert any(line.endswith("; 1 expired waiver(s)") for line in out.splitlines())


def test_a_waived_step_does_not_hide_a_later_step_of_the_same_control(seeded, tmp_path):
    templates, config, failed = seeded
    features = tmp_path / "features"
    features.mkdir()
    (features / "two_steps.feature").write_text(
        "Feature: Two steps\n\n  Background:\n    Given the posture of the environment\n\n"
        "  @ENC-01\n  Scenario: Vault keys rotate and buckets are versioned\n"
        "    Then every backup vault is encrypted with a customer-managed key that rotates\n"
        "    And every protected bucket is versioned and expires noncurrent versions\n")
    text = "".join(waiver("ENC-01", v) for v in vault_subjects(failed["ENC-01"]))
    code, report, _ = audit(tmp_path, templates, config, text, features=features)
    [control] = report["controls"]
    assert code == 1 and control["status"] == "failed" and "versioning" in control["message"]
    assert [s["status"] for s in control["steps"]] == ["passed", "waived", "failed"]


@pytest.mark.parametrize("text, expected", [
    (waiver("ENC-01", "all", expires=(date.today() + timedelta(days=181)).isoformat()), "waivers.yaml:6: expires"),
    (waiver("ENC-01", "all").replace('  justification: "accepted until OPS-7 lands"\n', ""), "waivers.yaml:1: justification is required"),
    (waiver("ENC-99", "all"), "waivers.yaml:1: unknown control 'ENC-99'"),
    (waiver("BG-01", "all"), "waivers.yaml:1: BG-01 cannot be waived"),
    ("- control: ENC-01\n  resource: all\n  resource: all\n", "waivers.yaml:3: not valid YAML"),
])
def test_bad_waivers_stop_the_run_with_exit_2_before_anything_is_audited(tmp_path, capsys, text, expected):
    code, report, _ = audit(tmp_path, TEMPLATES, CONFIG, text)
    err = capsys.readouterr().err
    assert code == 2 and expected in err and "nothing was audited" in err and report is None


def test_waivers_are_read_from_the_configuration_folder_unless_waivers_points_elsewhere(tmp_path, capsys):
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    (config / "waivers.yaml").write_text(waiver("BG-02", "all"))
    code, _, _ = audit(tmp_path / "a", TEMPLATES, config, None)
    assert code == 2 and f"{config / 'waivers.yaml'}:1: BG-02 cannot be waived" in capsys.readouterr().err
    assert main(["audit", "--mode", "static", "--env", "example", "--waivers", str(tmp_path / "none.yaml")]) == 2
    assert "--waivers: no such file" in capsys.readouterr().err
