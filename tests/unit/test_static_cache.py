"""The static snapshot cache returns exactly what a rebuild gives, and any edit of a template or of the
configuration misses it."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from audit.config import load_config
from audit.sources.static.build import build_snapshot
from audit.sources.static.cache import cached_snapshot

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


def test_an_edit_of_any_module_loaded_when_the_snapshot_was_built_misses_the_cache(tmp_path, monkeypatch):
    """The entry records every module of the project loaded when it was built (not a list by hand), and an
    edit of any of them, audit/break_glass.py included (the sources call it), is a miss."""
    import hashlib

    from audit import code_fingerprint

    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "cache" / "templates"))
    cfg, templates = load_config("example").data, REPO / "cloudformation"
    builds = []
    built = build_snapshot(cfg, templates_dir=templates)  # built once: what is tested is when the cache misses

    def build():
        builds.append(1)
        return built

    cached_snapshot(cfg, templates, build)
    [entry] = [json.loads(p.read_text()) for p in (tmp_path / "cache" / "snapshots").glob("*.json")]
    recorded = set(entry["code"])
    assert {"audit.sources.static.build", "audit.sources.static.functions", "audit.sources.records.function",
            "audit.break_glass", "audit.deployment", "audit.templates.resolved"} <= recorded
    real = code_fingerprint.sha256_file
    for module in sorted(recorded):
        origin = code_fingerprint.module_file(module)
        edited = hashlib.sha256(origin.read_bytes() + b"\n# edited\n").hexdigest()
        monkeypatch.setattr(code_fingerprint, "sha256_file", lambda path, o=origin, e=edited: e if path == o else real(path))
        before = len(builds)
        cached_snapshot(cfg, templates, build)
        assert len(builds) == before + 1, f"an edit of {module} was served the cached snapshot"
        cached_snapshot(cfg, templates, build)  # the entry records the edited bytes: a hit while they stay
        assert len(builds) == before + 1
        monkeypatch.setattr(code_fingerprint, "sha256_file", real)
        cached_snapshot(cfg, templates, build)  # undoing the edit is an edit too
        assert len(builds) == before + 2


def test_an_entry_whose_module_is_gone_is_a_miss(tmp_path, monkeypatch):
    from audit.code_fingerprint import unchanged

    assert unchanged({"audit.no_such_module": [str(tmp_path / "gone.py"), "0" * 64]}) is False
    assert unchanged({}) is False  # an entry that recorded no code proves nothing
