"""Where the audit keeps its caches (decoded templates, schedule analyses, validated configurations,
static snapshots, compiled report templates). A leaf module, so that finding the cache imports nothing
heavy. RETENTION_CACHE_DIR names the templates folder; the other caches sit beside it."""
from __future__ import annotations

import os
from pathlib import Path


def template_cache_dir() -> Path:
    configured = os.environ.get("RETENTION_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "compact-retention" / "templates"


def cache_root() -> Path:
    return template_cache_dir().parent
