"""The tests test the working tree they sit in, not an installed copy of the project (issue 15).

Under pytest's default import mode a test folder without ``__init__.py`` goes on ``sys.path`` ahead of the
repository, and ``tests/audit/`` then shadowed the product's ``audit``: only the editable install, which names
one folder, found the code, so a copy of the repository tested the original's code. tests/ is a package now
and pyproject.toml's ``pythonpath`` puts the repository first; tests/conftest.py does the same for the commands
the tests start. The last test copies the repository and runs these checks there: they must name the copy.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import audit
import audit.waivers
from tests.conftest import REPO_ROOT

# where the test that copies the repository wants the checks below to find the code (unset in a normal run)
EXPECTED_ROOT = Path(os.environ.get("WORKING_TREE_EXPECTED", str(REPO_ROOT))).resolve()


def test_this_process_imports_the_product_from_this_working_tree() -> None:
    assert Path(audit.__file__).resolve() == EXPECTED_ROOT / "audit" / "__init__.py"
    assert Path(audit.waivers.__file__).resolve() == EXPECTED_ROOT / "audit" / "waivers.py"


def test_the_commands_the_tests_start_import_it_from_this_working_tree() -> None:
    code = "import audit.cli, audit.waivers; print(audit.cli.__file__); print(audit.waivers.__file__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert [Path(line).resolve() for line in done.stdout.split()] == [
        EXPECTED_ROOT / "audit" / "cli" / "__init__.py", EXPECTED_ROOT / "audit" / "waivers.py"]


def test_a_copy_of_the_repository_tests_its_own_code(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    for part in ("audit", "steps", "features", "tests/__init__.py", "tests/conftest.py", "tests/support",
                 "tests/unit/test_working_tree.py", "pyproject.toml"):
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(source, copy / part, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (copy / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / part)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["WORKING_TREE_EXPECTED"] = str(copy)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-o", "addopts=", "-p", "no:cacheprovider",
                           "tests/unit/test_working_tree.py", "-k", "not a_copy"],
                          cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout
