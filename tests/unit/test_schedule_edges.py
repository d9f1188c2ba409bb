"""Schedule analysis at its edges: the fewest runs that still have a gap, runs exactly at the horizon's ends,
the first and last years AWS accepts, and the refusals of values AWS rejects.

Cron and rate semantics: https://docs.aws.amazon.com/AmazonCloudWatch/latest/events/ScheduledEvents.html and
https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html (six fields, year 1970-2199,
"rate(value unit)" with a positive value).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from audit import schedule
from tests.support.schedules import at, fresh_schedule_cache  # noqa: F401 (a fixture)

SCHEDULED_EVENTS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/events/ScheduledEvents.html"
SCHEDULE_TYPES = "https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html"
START = datetime(2026, 1, 1, tzinfo=timezone.utc)  # a Thursday
D = timedelta(days=1)


pytestmark = pytest.mark.usefixtures("fresh_schedule_cache")


# -- how many runs make a gap ----------------------------------------------------------------------------
def test_a_schedule_that_runs_exactly_twice_in_the_horizon_has_its_gaps():
    """1 January and 1 July over 200 days: two runs. The gaps that touch the horizon are 1 July 2025 -> 1 January
    (184 days), 1 January -> 1 July (181 days) and 1 July -> 1 January 2027 (184 days)."""
    analysis = schedule.analyse("cron(0 5 1 1,7 ? *)", start=START, horizon=200 * D)
    assert analysis.runs == 2
    assert (analysis.max_gap, analysis.min_gap) == (184 * D, 181 * D)
    assert (analysis.first_run, analysis.last_run) == (at(2026, 1, 1, 5), at(2026, 7, 1, 5))


def test_a_schedule_that_runs_once_in_the_horizon_has_no_gap():
    analysis = schedule.analyse("cron(0 5 1 1 ? *)", start=START, horizon=200 * D)
    assert (analysis.runs, analysis.max_gap, analysis.min_gap) == (1, None, None)
    assert analysis.first_run == analysis.last_run == at(2026, 1, 1, 5)


def test_a_schedule_that_never_runs_in_the_horizon_has_no_run():
    analysis = schedule.analyse("cron(0 5 1 1 ? *)", start=at(2026, 1, 2), horizon=200 * D)
    assert (analysis.runs, analysis.max_gap, analysis.first_run, analysis.last_run) == (0, None, None, None)


# -- the horizon's ends are inside it ---------------------------------------------------------------------
def test_runs_exactly_at_the_horizons_start_and_end_are_counted():
    """Midnight daily from midnight over two days: 1, 2 and 3 January 00:00, the last exactly at the end."""
    analysis = schedule.analyse("cron(0 0 * * ? *)", start=START, horizon=2 * D)
    assert analysis.runs == 3
    assert (analysis.first_run, analysis.last_run) == (START, START + 2 * D)
    assert analysis.max_gap == analysis.min_gap == D


def test_runs_of_one_day_cut_by_the_horizons_end_are_counted_to_the_end_inclusive():
    """Every 6 hours, horizon ending at 12:00 on the last day: 00:00, 06:00 and 12:00 of that day count."""
    analysis = schedule.analyse("cron(0 0/6 * * ? *)", start=START, horizon=D + timedelta(hours=12))
    assert analysis.runs == 4 + 3
    assert analysis.last_run == at(2026, 1, 2, 12)


def test_runs_of_one_day_cut_by_the_horizons_start_are_counted_from_the_start_inclusive():
    analysis = schedule.analyse("cron(0 0/6 * * ? *)", start=at(2026, 1, 1, 12), horizon=D)
    assert analysis.runs == 5  # 12:00, 18:00, 00:00, 06:00, 12:00
    assert (analysis.first_run, analysis.last_run) == (at(2026, 1, 1, 12), at(2026, 1, 2, 12))


def test_a_daily_run_one_minute_past_the_horizon_is_outside_it():
    analysis = schedule.analyse("cron(1 0 * * ? *)", start=START, horizon=2 * D)
    assert analysis.runs == 2 and analysis.last_run == at(2026, 1, 2, 0, 1)


# -- the year range AWS accepts: 1970-2199 ----------------------------------------------------------------
def test_the_first_and_last_years_aws_accepts_are_valid_and_run():
    """Year | 1970-2199 (the cron field table on both pages above)."""
    last = schedule.parse("cron(0 5 31 12 ? 2199)")
    assert last.get_next(datetime(2199, 12, 30)) == [datetime(2199, 12, 31, 5)]
    first = schedule.parse("cron(0 5 1 1 ? 1970)")
    assert first.get_prev(datetime(1970, 1, 2)) == [datetime(1970, 1, 1, 5)]
    assert first.get_prev(datetime(1970, 1, 3)) == [datetime(1970, 1, 1, 5)]
    assert first.get_prev(datetime(1970, 2, 3)) == [datetime(1970, 1, 1, 5)]
    assert last.get_next(datetime(2199, 11, 30)) == [datetime(2199, 12, 31, 5)]
    assert schedule.parse("cron(0 5 * * ? 1970-2199)").years == frozenset(range(1970, 2200))


def test_the_search_stops_at_2199():
    assert schedule.parse("cron(0 5 31 12 ? *)").get_next(datetime(2199, 12, 31, 6), n=2) == [None, None]
    assert schedule.parse("cron(0 5 1 1 ? *)").get_prev(datetime(1970, 1, 1, 4)) == [None]


@pytest.mark.parametrize("year", ["1969", "2200", "1969-1975", "2190-2200"])
def test_years_outside_1970_2199_are_refused_naming_the_year_field(year):
    with pytest.raises(schedule.ScheduleError, match=r"the year field .* AWS accepts 1970-2199"):
        schedule.parse(f"cron(0 5 * * ? {year})")


# -- rate(value unit) -------------------------------------------------------------------------------------
@pytest.mark.parametrize("expression", ["rate(0 days)", "rate(0 hours)", "rate(0 minutes)", "rate(00 days)"])
def test_a_zero_rate_is_refused_naming_the_expression(expression):
    """rate(value unit): "value: A positive number" (schedule-types page). A zero interval would never advance:
    refused with a ScheduleError that names the expression, never a ZeroDivisionError."""
    with pytest.raises(schedule.ScheduleError) as raised:
        schedule.analyse(expression, start=START)
    assert str(raised.value) == f"{expression!r}: the rate value must be a positive whole number"


@pytest.mark.parametrize("expression,interval", [("rate(1 minute)", timedelta(minutes=1)), ("rate(1 hour)", timedelta(hours=1)),
                                                 ("rate(1 day)", D), ("rate(90 minutes)", timedelta(minutes=90)),
                                                 ("rate(36 hours)", timedelta(hours=36)), ("rate(2 days)", 2 * D)])
def test_a_rate_runs_every_interval(expression, interval):
    analysis = schedule.analyse(expression, start=START)
    assert analysis.max_gap == analysis.min_gap == interval
    assert analysis.runs == schedule.DEFAULT_HORIZON // interval


def test_the_default_horizon_is_400_days():
    """One year and a margin: a daily schedule from midnight runs on each of the 400 days."""
    assert schedule.DEFAULT_HORIZON == 400 * D
    analysis = schedule.analyse("cron(0 5 * * ? *)", start=START)
    assert analysis.runs == 400 and analysis.last_run == at(2027, 2, 4, 5)


# -- AWS Backup: at most one run an hour ------------------------------------------------------------------
@pytest.mark.parametrize("expression,refused", [("rate(1 hour)", False), ("cron(0 * * * ? *)", False),
                                                ("rate(59 minutes)", True), ("cron(0,30 * * * ? *)", True)])
def test_a_backup_rule_more_often_than_hourly_is_refused_by_the_config_check(expression, refused):
    """AWS Backup runs a rule at most once an hour (MIN_BACKUP_INTERVAL): the configuration check says so."""
    from audit.config.validate import _schedule_problems

    problems = list(_schedule_problems("backup_policies.x", {"schedule": expression}, 24))
    assert [p[1].endswith("runs more often than hourly, which AWS Backup rejects") for p in problems] == ([True] if refused else [])


# -- the analysis as a value ------------------------------------------------------------------------------
def test_an_analysis_cannot_be_changed_by_one_of_the_callers_it_is_shared_with():
    """analyse() serves the same object from its cache to every control: it is frozen (and so hashable)."""
    import dataclasses

    analysis = schedule.analyse("cron(0 5 * * ? *)", start=START)
    assert schedule.analyse("cron(0 5 * * ? *)", start=START) is analysis
    with pytest.raises(dataclasses.FrozenInstanceError):
        analysis.max_gap = None  # type: ignore[misc]
    assert hash(analysis) == hash(schedule.analyse("cron(0 5 * * ? *)", start=START))


def test_an_analysis_built_without_zone_or_default_is_utc_and_given():
    analysis = schedule.ScheduleAnalysis("cron(0 5 * * ? *)", D, D, 1, START, START)
    assert (analysis.timezone, analysis.defaulted, analysis.described) == ("Etc/UTC", False, "cron(0 5 * * ? *)")
    assert analysis.max_gap_hours == 24


# -- field values ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("expression,times", [("cron(0/1 0 * * ? *)", list(range(60))), ("cron(0/59 0 * * ? *)", [0, 59]),
                                              ("cron(0 0/23 * * ? *)", [0, 23 * 60]), ("cron(5/60 0 * * ? *)", None),
                                              ("cron(0 0/24 * * ? *)", None), ("cron(0 0/0 * * ? *)", None)])
def test_an_increment_runs_from_1_to_the_fields_highest_value(expression, times):
    """The / wildcard specifies increments (ScheduledEvents page): 0/59 in minutes runs at :00 and :59. An
    increment of 0 or past the field's highest value names nothing AWS documents: refused, naming the increment."""
    if times is None:
        with pytest.raises(schedule.ScheduleError, match=r"the increment '\d+' must be a whole number from 1 to (59|23)"):
            schedule.parse(expression)
    else:
        assert list(schedule.parse(expression).times) == times


def test_a_year_range_of_one_year_is_that_year():
    assert schedule.parse("cron(0 5 * * ? 2026-2026)").years == frozenset({2026})


# -- a range that wraps, with an increment -------------------------------------------------------------------
# AWS documents a range that runs past the field's end (``0/30 20-2 ? * MON-FRI *``, hours 20 to 2:
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/events/ScheduledEvents.html#CronExpressions); it is
# silent on an increment over such a range. The analysis counts on through the field's first value (31 is
# followed by 1, December by January), which these pin for the fields that start at 1.
def test_a_wrapping_day_range_with_an_increment_counts_on_from_the_first_day():
    analysis = schedule.analyse("cron(0 0 29-5/3 * ? *)", start=at(2026, 1, 1), horizon=30 * D)
    assert analysis.runs == 3  # 1 and 4 January (the 29th, then 32 -> 1, 35 -> 4), and 29 January
    assert (analysis.first_run, analysis.last_run) == (at(2026, 1, 1), at(2026, 1, 29))


def test_a_wrapping_month_range_with_an_increment_counts_on_from_january():
    analysis = schedule.analyse("cron(0 0 1 11-4/3 ? *)", start=at(2026, 1, 1, 1), horizon=364 * D)
    assert analysis.runs == 2  # November, then 14 -> February
    assert (analysis.first_run, analysis.last_run) == (at(2026, 2, 1), at(2026, 11, 1))
