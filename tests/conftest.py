"""Shared fixtures: a writable copy of the bundled configuration to mutate in tests."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "config"
TEMPLATES_DIR = REPO_ROOT / "cloudformation"

# The code under test is the working tree these tests sit in: in this process pyproject.toml's ``pythonpath``
# and the package tests/ put it first on the import path; here the commands the tests start (``python -m
# audit``, ``retention``, the scripts) get it first too, before any installed or editable copy of the project
# (tests/unit/test_working_tree.py shows both, from a copy of the repository).
if os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] != str(REPO_ROOT):
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, target)
    return target


@pytest.fixture
def edit_config(config_dir: Path) -> Callable[[str, Callable[[dict[str, Any]], None]], Path]:
    """edit_config(file_stem, mutate) applies mutate(dict) to config/<file_stem>.json in the copy."""

    def edit(stem: str, mutate: Callable[[dict[str, Any]], None]) -> Path:
        path = config_dir / f"{stem}.json"
        data = json.loads(path.read_text())
        mutate(data)
        path.write_text(json.dumps(data, indent=2))
        return config_dir

    return edit




# --- parallel runs (pytest-xdist) --------------------------------------------------------------------
# scripts/test.sh runs the tests on every core with ``--dist loadgroup``; these two hooks decide what runs
# where. Every test module is one unit of work, so its module-scoped fixtures (a sandbox server, a
# deployment) are built once, on one worker. The modules that deploy Lambda code into a sandbox are ONE unit
# together, run one after the other on one worker as in a serial run: such a deployment builds into the
# repository's single .build/ folder (scripts/deploy.sh, scripts/demo.sh and the template tests run
# ``python -m exporter.build``, which empties the folder first, then ``aws cloudformation package`` zips
# it), so two at once could ship a half-built folder. Such a module is found without a list: it uses a
# sandbox (lives in tests/sandbox/ or asks for the ``sandbox`` fixture) and its source names the deployer,
# the demo or the .build folder. A module that deploys through a helper named otherwise must name one of
# them (a comment will do) to join the group.
DEPLOY_GROUP = "sandbox-deployments"
DEPLOYS = re.compile(r"deploy\.sh|demo\.sh|\.build\b")


def _uses_a_sandbox(item: pytest.Item) -> bool:
    return (REPO_ROOT / "tests" / "sandbox") in Path(str(item.path)).resolve().parents or \
        "sandbox" in getattr(item, "fixturenames", ())


def _deploys(path: Path) -> bool:
    try:
        return bool(DEPLOYS.search(path.read_text(encoding="utf-8")))
    except OSError:
        return True


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a worker, before xdist reads the marks: every test of a module that deploys into a sandbox joins
    the deployments' group (xdist keeps "--dist loadgroup" there as the option ``loadgroup``)."""
    if not getattr(config.option, "loadgroup", False):
        return
    modules = {item.path for item in items if _uses_a_sandbox(item)}
    deploying = {path for path in modules if _deploys(Path(str(path)))}
    for item in items:
        if item.path in deploying:
            item.add_marker(pytest.mark.xdist_group(DEPLOY_GROUP))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # noqa: ANN201 (xdist's Scheduling)
    """loadgroup, with a test that is in no group scheduled with the rest of its module (plain loadgroup
    sends each such test on its own, which would start a module's sandbox on both workers), and the
    deployments' group handed out first: it is the longest chain of the run (xdist would order the units
    by their number of tests, and the group has few, slow ones)."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ModuleOrGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return nodeid.split("::", 1)[0] if scope == nodeid else scope

        def _assign_work_unit(self, node) -> None:  # noqa: ANN001 (xdist's WorkerController)
            if DEPLOY_GROUP in self.workqueue:
                self.workqueue.move_to_end(DEPLOY_GROUP, last=False)
            super()._assign_work_unit(node)

    return ModuleOrGroupScheduling(config, log)
