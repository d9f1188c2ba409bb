"""Shared fixtures: a writable copy of the bundled configuration to mutate in tests."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "config"
TEMPLATES_DIR = REPO_ROOT / "cloudformation"


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
