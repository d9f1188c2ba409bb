"""What every Backup handler of the sandbox does alike with a request and a response: read the
parameters, drop empty fields, page a list, compare datetimes as moto keeps them (naive UTC).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from moto.backup.responses import BackupResponse


def clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def paginate(items: list[Any], max_results: Any, next_token: Any) -> tuple[list[Any], str | None]:
    start = int(next_token) if next_token else 0
    size = int(max_results) if max_results else 1000
    page = items[start:start + size]
    token = str(start + size) if start + size < len(items) else None
    return page, token


def naive(value: Any) -> Any:
    """moto keeps naive UTC datetimes; botocore's parser gives aware ones for query-string timestamps."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def params(self: BackupResponse) -> dict[str, Any]:
    """Every parameter of the request (path, query string, JSON body), parsed with botocore's model."""
    if getattr(self, "_sandbox_params", None) is None:
        self.parse_parameters(self.normalized_request)
        self._sandbox_params = dict(self.params)
    return self._sandbox_params
