"""The Lambda code folder holds the exporter package and imports with nothing but the runtime's boto3."""
from __future__ import annotations

import subprocess
import sys

from exporter.build import build, main


def test_build_holds_the_package_and_imports_alone(tmp_path):
    out = tmp_path / "code"
    (out / "stale.py").parent.mkdir(parents=True)
    (out / "stale.py").write_text("x = 1\n")
    files = build(out)
    names = {f.name for f in files}
    assert {"handler.py", "export.py", "__init__.py"} <= names
    assert not (out / "stale.py").exists()
    assert not list(out.rglob("test_*.py"))
    # a fresh interpreter whose path is the folder plus the interpreter's site-packages (boto3 stands in
    # for the runtime's) and NOT the repository
    code = ("import sys; sys.path = [p for p in sys.path if 'work/main' not in p or 'site-packages' in p]; "
            f"sys.path.insert(0, {str(out)!r}); import exporter.handler as h; "
            "assert h.__file__.startswith(" + repr(str(out)) + "); print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_build_usage(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err
