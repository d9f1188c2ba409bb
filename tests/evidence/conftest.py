"""Fixtures of the evidence tests: a writable copy of the bundled templates and configuration, and the
static evidence pack of the bundle, written once per module (an audit costs about a second)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from audit.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """tmp/cloudformation and tmp/config: copies to seed violations into."""
    shutil.copytree(REPO / "cloudformation", tmp_path / "cloudformation")
    shutil.copytree(REPO / "config", tmp_path / "config")
    return tmp_path


def static_pack(folder: Path, *extra: str, templates: Path | None = None, config: Path | None = None) -> tuple[int, Path]:
    """Run the static audit of the example environment with --evidence; (exit code, the pack folder)."""
    args = ["audit", "--mode", "static", "--env", "example", "--report-dir", str(folder / "reports"),
            "--evidence", str(folder / "evidence"), *extra]
    if templates:
        args += ["--templates-dir", str(templates)]
    if config:
        args += ["--config-dir", str(config)]
    code = main(args)
    packs = sorted(p for p in (folder / "evidence").iterdir() if not p.name.startswith("."))
    assert len(packs) == 1, packs
    return code, packs[0]


@pytest.fixture(scope="module")
def example_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    code, pack = static_pack(tmp_path_factory.mktemp("pack"))
    assert code == 0
    return pack
