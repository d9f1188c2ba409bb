"""Schedule analysis: the numbers the RPO controls use, the same from the cache as computed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from audit import schedule
from tests.support.schedules import fresh_schedule_cache  # noqa: F401 (a fixture)

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


pytestmark = pytest.mark.usefixtures("fresh_schedule_cache")


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


def test_an_edit_of_the_schedule_code_misses_the_cache(tmp_path, monkeypatch):
    """The key holds a digest of audit/schedule.py: an analysis its old code computed is never served."""
    import hashlib

    schedule.analyse("cron(0 2 ? * MON-FRI *)", start=START)
    first = set((tmp_path / "schedules").glob("*.json"))
    monkeypatch.setattr(schedule, "code_digest", lambda: hashlib.sha256(b"an edited schedule.py").hexdigest())
    schedule._analyse_cached.cache_clear()
    schedule.analyse("cron(0 2 ? * MON-FRI *)", start=START)
    assert len(first) == 1 and len(set((tmp_path / "schedules").glob("*.json")) - first) == 1


def test_a_schedule_that_stops_has_an_open_gap():
    analysis = schedule.analyse("cron(0 2 * * ? 2026)", start=datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert analysis.max_gap_hours > 24 * 300


def test_invalid_expressions_are_never_cached(tmp_path):
    for _ in range(2):
        with pytest.raises(schedule.ScheduleError):
            schedule.analyse("cron(0 2 * * * *)", start=START)
    assert not list((tmp_path / "schedules").glob("*.json"))


def test_cache_keeps_the_time_zone_and_the_default_apart(tmp_path):
    paris = schedule.analyse("cron(0 5 * * ? *)", start=START, timezone="Europe/Paris")
    utc = schedule.analyse("cron(0 5 * * ? *)", start=START)
    default = schedule.analyse(None, start=START, default=schedule.BACKUP_RULE_DEFAULT_SCHEDULE)
    schedule._analyse_cached.cache_clear()
    assert schedule.analyse("cron(0 5 * * ? *)", start=START, timezone="Europe/Paris") == paris
    assert schedule.analyse(None, start=START, default=schedule.BACKUP_RULE_DEFAULT_SCHEDULE) == default
    assert (paris.max_gap_hours, utc.max_gap_hours) == (25, 24)
    assert default.defaulted and not utc.defaulted and default.max_gap == utc.max_gap


def test_described_says_default_and_zone():
    assert schedule.analyse("cron(0 5 * * ? *)", start=START).described == "cron(0 5 * * ? *)"
    assert schedule.analyse("cron(0 5 * * ? *)", start=START, timezone="Europe/Paris").described.endswith("in Europe/Paris")
    assert "default cron(0 5 ? * * *)" in schedule.analyse("", start=START, default=schedule.BACKUP_RULE_DEFAULT_SCHEDULE).described


def test_utc_spellings_are_one_zone():
    assert schedule.analyse("cron(0 5 * * ? *)", start=START, timezone="UTC").described == "cron(0 5 * * ? *)"


def test_parse_keeps_the_croniter_interface():
    """sandbox/restore_test_runner.py and the sandbox tests call get_next/get_prev on parse()'s result."""
    cron = schedule.parse("cron(0 5 ? * L *)")
    aware = datetime(2026, 1, 3, 5, 0, tzinfo=timezone.utc)
    assert cron.get_next(aware) == [datetime(2026, 1, 10, 5, tzinfo=timezone.utc)]
    assert cron.get_next(aware, inclusive=True) == [aware]
    assert cron.get_prev(aware) == [datetime(2025, 12, 27, 5, tzinfo=timezone.utc)]
    assert cron.get_prev(aware.replace(tzinfo=None), inclusive=True) == [aware.replace(tzinfo=None)]
    assert cron.get_next(aware, n=2)[1] == datetime(2026, 1, 17, 5, tzinfo=timezone.utc)
    assert schedule.parse("cron(0 5 * * ? 2026)").get_next(datetime(2026, 12, 31, 6, tzinfo=timezone.utc), n=2) == [None, None]


def test_every_minute_for_a_year_is_fast():
    import time

    began = time.monotonic()
    analysis = schedule.analyse("cron(* * 1-20 * ? *)", start=START, timezone="Europe/Paris")
    assert time.monotonic() - began < 5
    # 20 October 23:59 CEST to 1 November 00:00 CET: the clocks went back in between
    assert analysis.max_gap == timedelta(days=11, hours=1, minutes=1) and analysis.runs > 250_000


def test_unknown_zone_is_refused_and_not_cached(tmp_path):
    with pytest.raises(schedule.ScheduleError, match="ScheduleExpressionTimezone"):
        schedule.analyse("cron(0 5 * * ? *)", start=START, timezone="Europe/Atlantis")
    assert not list((tmp_path / "schedules").glob("*.json"))


@pytest.mark.parametrize("expression", ["cron(0 5 LW * ? *)", "cron(*-5 5 * * ? *)", "cron(5-* 5 * * ? *)",
                                        "cron(0 5 ? * 1-3L *)", "cron(0 5 ? * #2 *)", "cron(0 5 ? * 2#x *)",
                                        "cron(a b c d e f)", "cron(0 5 ? * L-2 *)", "cron(0 5 1/x * ? *)",
                                        "cron(0 5 W * ? *)", "cron(0 5 ? * L#2 *)", "cron()", "rate()", 42, None])
def test_errors_name_the_field_never_a_python_exception(expression):
    with pytest.raises(schedule.ScheduleError) as raised:
        schedule.parse(expression)
    message = str(raised.value)
    assert "AWS" in message and "invalid literal" not in message and "int()" not in message


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789*?/,-#LWMONFRISATJ ", max_size=30))
def test_any_text_in_cron_is_accepted_or_refused_cleanly(body):
    try:
        parsed = schedule.parse(f"cron({body})")
    except schedule.ScheduleError as error:
        assert "invalid literal" not in str(error)
        return
    parsed.get_next(START)  # what validates must also run
