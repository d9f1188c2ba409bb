"""Shared by the schedule tests: UTC moments, and a schedule cache emptied around each test (memory and a
cache folder of the test's own), so a test measures the code and never an analysis another test cached."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

import pytest

from audit import schedule


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def fresh_schedule_cache(tmp_path, monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "templates"))
    schedule._analyse_cached.cache_clear()
    yield
    schedule._analyse_cached.cache_clear()
