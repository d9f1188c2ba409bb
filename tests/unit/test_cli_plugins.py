"""Command groups of other packages: the sandbox registers ``retention sandbox`` through the entry-point
group (audit.cli.plugins), the audit's code imports no sandbox module, and a missing group is named."""
from __future__ import annotations

import ast
from pathlib import Path

from audit import cli
from audit.cli import plugins

AUDIT = Path(cli.__file__).resolve().parents[1]


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names} | \
        {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module and not node.level}


def test_the_audit_imports_no_sandbox_module():
    found = {str(path.relative_to(AUDIT)): name for path in AUDIT.rglob("*.py") for name in _imported(path)
             if name == "sandbox" or name.startswith("sandbox.")}
    assert found == {}


def test_the_sandbox_registers_its_commands():
    assert "sandbox" in plugins.registered()
    sandbox = next(a for a in cli.build_parser()._subparsers._group_actions if a.dest == "command").choices["sandbox"]
    commands = next(a for a in sandbox._subparsers._group_actions if a.dest == "sandbox_command").choices
    assert set(commands) == {"run-backups", "run-exports", "run-restore-tests"}


def test_a_group_no_package_registered_is_named(monkeypatch, capsys):
    monkeypatch.setattr(plugins, "_entry_points", lambda: [])
    assert cli.main(["sandbox", "run-backups", "--env", "example"]) == 2
    err = capsys.readouterr().err
    assert "'retention sandbox'" in err and plugins.GROUP in err and "pip install" in err
