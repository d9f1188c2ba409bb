"""``retention controls``: the catalogue as a table, JSON and Markdown, per control or per framework
requirement; ``--check`` exits 1 on a disagreement with the features; a bad catalogue exits 2."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from audit.catalogue import load_catalogue
from audit.catalogue.frameworks import BACKUP_AUDIT_MANAGER_CONTROLS
from audit.cli import main
from audit.controls import registry
from tests.support.catalogue import CATALOGUE, write

REPO = Path(__file__).resolve().parents[2]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["controls", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_lists_every_control_with_its_mappings_and_waivability(capsys):
    code, out, _ = run(capsys)
    catalogue = load_catalogue()
    assert code == 0 and out.splitlines()[-1] == f"{len(catalogue.entries)} controls"
    lines = out.splitlines()
    for entry in catalogue.entries:
        row = next(i for i, line in enumerate(lines) if line.startswith(entry.id + " "))
        assert "nist: " in lines[row + 1]
    bg = next(i for i, line in enumerate(lines) if line.startswith("BG-01 "))
    assert "not waivable" in lines[bg + 2]
    assert all(len(line) <= 100 for line in lines)


def test_json_is_the_catalogue(capsys):
    code, out, _ = run(capsys, "--format", "json")
    data = json.loads(out)
    assert code == 0
    declared = registry.controls()
    assert [c["id"] for c in data["controls"]] == [entry.id for entry in load_catalogue().entries]
    for control, entry in zip(data["controls"], load_catalogue().entries):
        assert {k: control[k] for k in entry.to_json()} == entry.to_json()  # the catalogue entry, whole
        own = declared[entry.id]  # and the declaration on the control's function
        assert (control["modes"], control["needs_history"], control["severity"], control["fix"]) == (
            list(own.modes), own.needs_history, own.severity, own.fix)
    by_id = {c["id"]: c for c in data["controls"]}
    assert by_id["RPO-03"]["modes"] == ["live"] and by_id["RPO-03"]["needs_history"] is True
    assert by_id["ENC-03"]["modes"] == ["static"] and by_id["RPO-01"]["modes"] == ["static", "live"]
    assert by_id["BG-01"]["severity"] == "critical" and by_id["BG-01"]["steps"] == []
    assert data["frameworks"]["nist"] == "NIST SP 800-53 rev. 5"


def test_markdown_has_one_row_per_control(capsys):
    code, out, _ = run(capsys, "--format", "md")
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| ID ")]
    assert code == 0 and len(rows) == len(load_catalogue().entries)
    assert any(row.startswith("| BG-01 |") and "| no: " in row for row in rows)


def test_per_framework_listing_names_the_controls_and_the_gaps(capsys):
    code, out, _ = run(capsys, "--framework", "backup-audit-manager", "--format", "json")
    requirements = {r["id"]: r["controls"] for r in json.loads(out)["requirements"]}
    assert code == 0 and set(requirements) == set(BACKUP_AUDIT_MANAGER_CONTROLS)  # the whole list, gaps included
    expected = {name: sorted(e.id for e in load_catalogue().entries if name in e.mappings.get("backup-audit-manager", ()))
                for name in BACKUP_AUDIT_MANAGER_CONTROLS}
    assert {k: sorted(v) for k, v in requirements.items()} == expected
    code, out, _ = run(capsys, "--framework", "nist")
    assert code == 0 and out.startswith("NIST SP 800-53 rev. 5\n")
    lines = out.splitlines()
    cp9 = next(i for i, line in enumerate(lines) if line.startswith("CP-9 "))
    assert lines[cp9].endswith("System Backup") and lines[cp9 + 1].split()[:2] == ["controls:", "RPO-01,"]
    assert all(len(line) <= 100 for line in lines)


def test_check_passes_on_the_bundle_and_fails_on_a_missing_entry(capsys, tmp_path):
    code, out, _ = run(capsys, "--check")
    assert (code, out) == (0, f"catalogue and features agree: {len(load_catalogue().entries)} controls\n")
    features = tmp_path / "features"
    shutil.copytree(REPO / "features", features)
    rpo = features / "rpo.feature"
    rpo.write_text(rpo.read_text().replace("@RPO-02\n", "@RPO-09\n"))
    code, out, _ = run(capsys, "--check", "--features-dir", str(features))
    assert code == 1 and "control RPO-09" in out and "control RPO-02 has no scenario" in out
    assert "control RPO-09 is not declared" in out and "control RPO-02 is declared but has no scenario" in out
    assert out.splitlines()[-1] == "catalogue and features: 4 difference(s)"


@pytest.mark.parametrize("argv, expected", [
    (["--catalogue", "{tmp}/nope.yaml"], "--catalogue: no such file"),
    (["--catalogue", "{tmp}/bad.yaml"], "bad.yaml:6: ABC-01: nist has no control 'CP-99'"),
    (["--check", "--features-dir", "{tmp}/nowhere"], "--features-dir: no such folder"),
    (["--format", "xml"], "invalid choice: 'xml'"),
])
def test_bad_input_exits_2_naming_it(capsys, tmp_path, argv, expected):
    write(tmp_path, "bad.yaml", CATALOGUE.replace("CP-6(1)", "CP-99"))
    code, _, err = run(capsys, *[a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert code == 2 and expected in err and "Traceback" not in err
