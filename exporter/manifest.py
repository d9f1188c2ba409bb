"""The manifest, written last: an export without ``manifest.json`` is incomplete by definition."""
from __future__ import annotations

from typing import Any

NAME = "manifest.json"
FORMAT_VERSION = 1


def build(*, pool_id: str, day: str, run: int, csv_header: list[str], counts: dict[str, Any],
          objects: dict[str, dict]) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "pool_id": pool_id,
        "day": day,
        "run": run,
        "csv_header": csv_header,
        "restore": "user import job per import-*.csv; users land in RESET_REQUIRED; federated users "
                   "(federated-*.jsonl.gz) are not importable; re-add memberships-*; disable users with "
                   "enabled=false; new sub values: map old ones with sub-map-*",
        "counts": counts,
        "objects": [objects[name] for name in sorted(objects)],
    }
