"""``python -m audit.break_glass.doc`` as a command: its arguments, its refusals (exit 2, naming the cause on
stderr) and where the generated part of a runbook starts and ends."""
from __future__ import annotations

import runpy
import shutil
import sys
from pathlib import Path

import pytest

from audit.break_glass import doc

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "docs" / "runbooks" / "break-glass.md"


def test_the_generated_part_is_found_from_its_begin_marker_to_its_end_marker_wherever_they_are():
    begin = doc.BEGIN.format(env="prod")
    assert doc.generated_part(f"{begin}\nbody\n{doc.END}\nprose") == f"{begin}\nbody\n{doc.END}"  # at the very start
    assert doc.generated_part(f"# Runbook\n{begin}\nbody\n{doc.END}") == f"{begin}\nbody\n{doc.END}"
    assert doc.generated_part(f"# Runbook\nbody\n{doc.END}\n") is None  # no BEGIN marker
    assert doc.generated_part(f"# Runbook\n{begin}\nbody\n") is None  # no END marker
    assert doc.generated_part(f"{doc.END}\n{begin}\nbody\n") is None  # the END before the BEGIN does not count


def test_a_runbook_without_the_markers_is_refused_naming_them(tmp_path, capsys):
    bare = tmp_path / "bare.md"
    bare.write_text("# nothing generated here\n", encoding="utf-8")
    assert doc.main(["--env", "prod", "--write", str(bare)]) == 2
    err = capsys.readouterr().err
    assert f"{bare}: no generated part (a line starting with {doc.BEGIN.format(env='prod')!r} ... {doc.END!r})" in err
    assert bare.read_text(encoding="utf-8") == "# nothing generated here\n"


def test_a_missing_runbook_and_an_unknown_environment_are_bad_input(tmp_path, capsys):
    missing = tmp_path / "missing.md"
    assert doc.main(["--env", "prod", "--check", str(missing)]) == 2
    assert f"{missing}: No such file or directory" in capsys.readouterr().err
    assert doc.main(["--env", "nope", "--check", str(RUNBOOK)]) == 2
    assert "--env: no environment 'nope'" in capsys.readouterr().err


def test_the_configuration_folder_can_be_given(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    assert doc.main(["--env", "prod", "--config-dir", str(config), "--check", str(RUNBOOK)]) == 0
    (config / "prod.json").rename(config / "production.json")
    assert doc.main(["--env", "prod", "--config-dir", str(config), "--check", str(RUNBOOK)]) == 2


@pytest.mark.parametrize("argv", [["--check", "x.md"], ["--env", "prod"], ["--env", "prod", "--check", "a.md", "--write", "b.md"]])
def test_an_environment_and_exactly_one_of_write_or_check_are_required(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        doc.main(argv)
    assert stopped.value.code == 2
    assert "usage: python -m audit.break_glass.doc" in capsys.readouterr().err


def test_the_help_says_what_the_command_does(capsys):
    with pytest.raises(SystemExit):
        doc.main(["--help"])
    assert "The runbook's JSON blocks, generated from the code that applies them" in capsys.readouterr().out


def test_run_as_a_module_it_exits_with_the_commands_code(tmp_path, monkeypatch, capsys):
    bare = tmp_path / "bare.md"
    bare.write_text("# nothing generated here\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["doc", "--env", "prod", "--check", str(bare)])
    monkeypatch.delitem(sys.modules, "audit.break_glass.doc", raising=False)
    with pytest.raises(SystemExit) as stopped:
        runpy.run_module("audit.break_glass.doc", run_name="__main__")
    assert stopped.value.code == 2
    assert "no generated part" in capsys.readouterr().err
