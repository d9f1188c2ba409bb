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


def test_an_edit_of_any_module_that_builds_the_snapshot_misses_the_cache(tmp_path, monkeypatch):
    """Every module static.py reaches through audit.sources imports is in the key: editing any of them
    changes it (a reader left out would serve snapshots its old code built)."""
    import ast

    from audit.sources import static_cache

    audit_copy = tmp_path / "audit"
    shutil.copytree(REPO / "audit", audit_copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(static_cache, "AUDIT_DIR", audit_copy)
    cfg, templates = load_config("example").data, REPO / "cloudformation"
    pending, reached = ["audit.sources.static"], set()
    while pending:
        module = pending.pop()
        if module in reached:
            continue
        reached.add(module)
        for node in ast.walk(ast.parse((REPO / (module.replace(".", "/") + ".py")).read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("audit.sources."):
                pending.append(node.module)
    assert {"audit.sources.static_functions", "audit.sources.function_records"} <= reached
    for module in sorted(reached):
        before = static_cache._key(cfg, templates)
        path = audit_copy / (module.removeprefix("audit.").replace(".", "/") + ".py")
        path.write_text(path.read_text() + "\n# edited\n")
        assert static_cache._key(cfg, templates) != before, f"{module} is not in the static snapshot cache key"
