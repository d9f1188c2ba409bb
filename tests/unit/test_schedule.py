"""Schedule analysis: the numbers the RPO controls use, the same from the cache as computed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from audit import schedule

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "templates"))
    schedule._analyse_cached.cache_clear()
    yield
    schedule._analyse_cached.cache_clear()


@pytest.mark.parametrize("expression,hours", [("cron(0 2 * * ? *)", 24), ("cron(0 2 ? * SUN *)", 168),
                                              ("cron(0 2,14 * * ? *)", 12), ("rate(12 hours)", 12), ("cron(0 5 1 * ? *)", 744)])
def test_largest_gap(expression, hours):
    assert schedule.analyse(expression, start=START).max_gap_hours == hours


def test_cached_analysis_equals_the_computed_one(tmp_path):
    computed = schedule.analyse("cron(0 2 ? * MON-FRI *)", start=START)
    assert list((tmp_path / "schedules").glob("*.json"))
    schedule._analyse_cached.cache_clear()
    cached = schedule.analyse("cron(0 2 ? * MON-FRI *)", start=START)
    assert cached == computed and cached.max_gap == timedelta(hours=72)


def test_a_schedule_that_stops_has_an_open_gap():
    analysis = schedule.analyse("cron(0 2 * * ? 2026)", start=datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert analysis.max_gap_hours > 24 * 300


def test_invalid_expressions_are_never_cached(tmp_path):
    for _ in range(2):
        with pytest.raises(schedule.ScheduleError):
            schedule.analyse("cron(0 2 * * * *)", start=START)
    assert not list((tmp_path / "schedules").glob("*.json"))
