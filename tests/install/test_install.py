"""The tool installed as a user installs it: ``pip install .`` (not editable) into a fresh virtual environment,
then run from an empty folder elsewhere, with the project's folders given on the command line.

Slow (about 10-20 s: a wheel is built), and run in CI like every test (scripts/test.sh runs them all). Kept
fast and offline: the project is copied (the build writes build/ and *.egg-info beside the sources, which
must not land in the repository nor race another run) and installed with ``--no-deps --no-build-isolation``
into a venv created without pip, whose only link to the outside is a ``.pth`` file naming the site-packages
of the running interpreter (the pinned dependencies, pip and setuptools of requirements.txt). A ``.pth``
entry is a plain path: the editable install of the project that sits there is not activated (its finder is
started by a ``.pth`` file of its own, which Python reads only in site directories), so ``audit`` can only
come from the wheel.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import CONFIG_DIR, REPO_ROOT, TEMPLATES_DIR

pytestmark = pytest.mark.slow

# what a checkout holds that is no source of the package (environments, caches, outputs)
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv*", "reports", ".state", "build", ".build", "*.egg-info",
                                     "__pycache__", ".pytest_cache", ".hypothesis", "node_modules")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a fresh venv holding the wheel of the project."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    shutil.copytree(REPO_ROOT, source, ignore=NOT_SOURCES, symlinks=True)  # audit/features stays a link
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                           "--disable-pip-version-check", "--no-input", "-q", str(source)],
                          capture_output=True, text=True, timeout=300, env=_clean_env())
    assert done.returncode == 0, done.stdout + done.stderr
    return venv / "bin"


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no path to the repository, no project folder chosen."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "RETENTION_PROJECT_DIR", "VIRTUAL_ENV")}
    return {**env, **extra}


def _retention(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir / "retention"), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=_clean_env(RETENTION_CACHE_DIR=str(cwd / "cache" / "templates")))


def test_the_package_is_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run([str(installed / "python"), "-c", "import audit, steps; print(audit.__file__); print(steps.__file__)"],
                          cwd=tmp_path, capture_output=True, text=True, env=_clean_env(), check=True)
    for location in done.stdout.split():
        assert Path(location).is_relative_to(installed.parent), done.stdout  # not the repository, not editable


def test_static_audit_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    done = _retention(installed, tmp_path, "audit", "--mode", "static", "--env", "example", "--config-dir", str(CONFIG_DIR),
                      "--templates-dir", str(TEMPLATES_DIR), "--report-dir", "out")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["controls"] and {c["status"] for c in report["controls"]} == {"passed"}, report["summary"]
    assert report["summary"]["passed"] == report["summary"]["total"] == len(report["controls"])


def test_controls_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    done = _retention(installed, tmp_path, "controls")
    assert done.returncode == 0, done.stderr
    assert "RPO-01" in done.stdout


def test_an_empty_config_dir_is_named(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    done = _retention(installed, tmp_path, "audit", "--mode", "static", "--env", "example", "--config-dir", "empty",
                      "--templates-dir", str(TEMPLATES_DIR), "--report-dir", "out")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--config-dir" in done.stderr and "Traceback" not in done.stderr


def test_without_a_config_dir_the_project_is_the_current_folder(installed: Path, tmp_path: Path) -> None:
    done = _retention(installed, tmp_path, "config", "validate", "--env", "example")
    assert done.returncode == 2 and "--config-dir: no such folder" in done.stderr, done.stderr
    done = _retention(installed, tmp_path, "config", "validate", "--env", "example", "--project-dir", str(REPO_ROOT))
    assert done.returncode == 0, done.stderr
