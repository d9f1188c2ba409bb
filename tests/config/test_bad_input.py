"""Configurations that crashed `retention config validate` or were accepted (issue 11, section 5): each is
refused with exit 2 and a message naming the file or the field, never a traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from audit.cli import main
from audit.config.loader import MAX_DEPTH

RETENTION = Path(sys.executable).with_name("retention")


def validate(folder, capsys) -> tuple[int, str]:
    code = main(["config", "validate", "--env", "example", "--config-dir", str(folder)])
    return code, capsys.readouterr().err


def test_a_file_that_is_not_utf8_names_the_file_and_the_byte(config_dir):
    """Through the console script: the traceback was printed by the process, not by main()."""
    path = config_dir / "example.json"
    path.write_bytes(path.read_bytes().replace(b'"example"', b'"ex\xe9mple"', 1))
    done = subprocess.run([str(RETENTION), "config", "validate", "--env", "example", "--config-dir", str(config_dir)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"{path}: 1 problem(s)" in done.stderr and "not UTF-8 text: byte 0xe9 at offset" in done.stderr


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 900, 100_000])
def test_nesting_deeper_than_any_configuration_is_refused(config_dir, capsys, depth):
    """900 levels passed the JSON decoder and overflowed the validator's recursion; 100 000 overflowed the
    decoder's."""
    path = config_dir / "example.json"
    text = path.read_text()
    path.write_text(text.replace('"profiles": {}', '"profiles": {"environment": ' + "[" * depth + "]" * depth + "}", 1))
    code, err = validate(config_dir, capsys)
    assert code == 2
    assert f"{path}: 1 problem(s)" in err and f"nested more than {MAX_DEPTH} levels deep" in err
    if depth < 1000:  # what the decoder could read is located
        assert "  profiles.environment[0][0]" in err


def test_an_integer_python_will_not_convert_names_the_file(edit_config, capsys):
    folder = edit_config("example", lambda c: c.update(rpo_hours=0))
    path = folder / "example.json"
    path.write_text(path.read_text().replace('"rpo_hours": 0', '"rpo_hours": ' + "9" * 5000))
    code, err = validate(folder, capsys)
    assert code == 2 and f"{path}: 1 problem(s)" in err and "invalid JSON" in err


def test_a_float_retention_is_refused_naming_the_field(edit_config, capsys):
    """2555.0 counts as an integer in JSON Schema and reached the stack parameter as "2555.0"."""
    def mutate(c):
        c["backup_policies"]["critical_data"]["retention_days"] = 2555.0
        c["backup_policies"]["critical_data"]["lifecycle"] = {"cold_storage_days": 30, "delete_after_days": 2555.0}

    code, err = validate(edit_config("example", mutate), capsys)
    assert code == 2
    assert "backup_policies.critical_data.retention_days: 2555.0 is not of type 'integer'" in err
    assert "backup_policies.critical_data.lifecycle.delete_after_days: 2555.0 is not of type 'integer'" in err


def test_the_ssn_table_in_another_category_is_refused_before_the_audit(edit_config, capsys):
    """The audit stopped with policy evaluator errors (empty Resource lists in the SSN DENY statements)."""
    def mutate(c):
        ssn = next(t for t in c["inventory"]["dynamodb_tables"] if t["category"] == "ssn_data")
        ssn["category"] = "critical_data"

    code, err = validate(edit_config("example", mutate), capsys)
    assert code == 2
    assert "  inventory.dynamodb_tables: has no table in category ssn_data:" in err


def test_an_empty_table_inventory_names_the_inventory_not_a_template_parameter(edit_config, capsys):
    code, err = validate(edit_config("example", lambda c: c["inventory"].update(dynamodb_tables=[])), capsys)
    assert code == 2
    assert "  inventory.dynamodb_tables: is empty:" in err and "Parameter" not in err

