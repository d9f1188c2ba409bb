"""The static snapshot cache returns exactly what a rebuild gives, and any edit of a template or of the
configuration misses it."""
from __future__ import annotations

import shutil
from pathlib import Path

from audit.config import load_config
from audit.sources.static import build_snapshot
from audit.sources.static_cache import cached_snapshot

REPO = Path(__file__).resolve().parents[2]


def test_cache_hits_equal_a_rebuild_and_edits_miss(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "cache" / "templates"))
    templates = tmp_path / "cloudformation"
    shutil.copytree(REPO / "cloudformation", templates)
    cfg = load_config("example").data
    builds = []

    def build():
        builds.append(1)
        return build_snapshot(cfg, templates_dir=templates)

    first = cached_snapshot(cfg, templates, build)
    second = cached_snapshot(cfg, templates, build)
    assert second == first and len(builds) == 1
    path = templates / "backup-plan.yaml"
    path.write_text(path.read_text().replace("${Category}-daily", "${Category}-nightly"))
    third = cached_snapshot(cfg, templates, build)
    assert len(builds) == 2 and third != first
    cfg = {**cfg, "rpo_hours": 12}
    cached_snapshot(cfg, templates, build)
    assert len(builds) == 3
