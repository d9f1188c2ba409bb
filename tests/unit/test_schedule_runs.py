"""Which runs an analysis counts and where it finds the neighbouring runs: the horizon's ends that fall inside
a day of several runs, the runs of a daylight-saving day, the croniter-style walk, and what ``parse`` and
``analyse`` refuse before any run is counted.

https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html: a schedule in a time zone with
daylight saving skips a wall-clock time that does not exist and runs a repeated one once (the re:Post page
https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst says so in as many words; which of the two
repeated times runs is not said: the first is taken, tests/conformance/test_schedule_conformance.py).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from audit import schedule
from tests.support.schedules import at, fresh_schedule_cache  # noqa: F401 (a fixture)

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
H = timedelta(hours=1)
D = timedelta(days=1)
EVERY_6_HOURS = "cron(0 0/6 * * ? *)"


pytestmark = pytest.mark.usefixtures("fresh_schedule_cache")


# -- a horizon whose ends cut a day of several runs --------------------------------------------------------
def test_a_horizon_that_starts_at_a_days_last_run_counts_it():
    analysis = schedule.analyse(EVERY_6_HOURS, start=at(2026, 1, 1, 18), horizon=D)
    assert analysis.runs == 5  # 18:00, then 00:00 06:00 12:00 18:00
    assert (analysis.first_run, analysis.last_run) == (at(2026, 1, 1, 18), at(2026, 1, 2, 18))
    assert analysis.max_gap == analysis.min_gap == 6 * H


def test_a_horizon_that_ends_at_a_days_first_run_counts_it():
    analysis = schedule.analyse(EVERY_6_HOURS, start=START, horizon=D)
    assert analysis.runs == 5  # 00:00 06:00 12:00 18:00, then 00:00 exactly at the end
    assert analysis.last_run == at(2026, 1, 2)
    assert analysis.max_gap == analysis.min_gap == 6 * H


def test_the_run_after_the_horizon_is_found_later_the_same_day():
    """The horizon ends at 12:00; the next run is 18:00 that day, not the next day's: the gap stays 6 h."""
    analysis = schedule.analyse("cron(0 0,12,18 * * ? *)", start=START, horizon=D + 12 * H)
    assert analysis.last_run == at(2026, 1, 2, 12)
    assert (analysis.max_gap, analysis.min_gap) == (12 * H, 6 * H)


def test_the_run_before_the_horizon_is_found_earlier_the_same_day():
    analysis = schedule.analyse("cron(0 0,6,18 * * ? *)", start=at(2026, 1, 1, 12), horizon=D)
    assert analysis.first_run == at(2026, 1, 1, 18)
    assert (analysis.max_gap, analysis.min_gap) == (12 * H, 6 * H)


def test_a_horizon_inside_one_day_sees_its_gaps_and_the_neighbours():
    analysis = schedule.analyse("cron(0 1,2,4,8 * * ? *)", start=at(2026, 1, 1, 1, 30), horizon=3 * H)
    assert (analysis.runs, analysis.first_run, analysis.last_run) == (2, at(2026, 1, 1, 2), at(2026, 1, 1, 4))
    assert (analysis.max_gap, analysis.min_gap) == (4 * H, 1 * H)  # 4:00 -> 8:00, 1:00 -> 2:00


# -- a day with a clock change -------------------------------------------------------------------------------
def test_the_skipped_half_hours_of_a_spring_forward_day_do_not_run_and_the_rest_of_the_day_does():
    """New York, 8 March 2026: 02:00 and 02:30 do not exist; the 46 other half hours of the day run."""
    day_start = at(2026, 3, 8, 5)  # 00:00 EST
    analysis = schedule.analyse("cron(0/30 * * * ? *)", start=day_start, horizon=23 * H - timedelta(minutes=30),
                                timezone="America/New_York")
    assert analysis.runs == 46
    assert analysis.last_run == at(2026, 3, 9, 3, 30)  # 23:30 EDT
    # 01:30 EST -> 03:00 EDT is 30 minutes of real time: the skipped wall-clock times leave no gap
    assert analysis.max_gap == analysis.min_gap == timedelta(minutes=30)


def test_a_repeated_wall_clock_time_runs_at_its_first_occurrence():
    """New York, 1 November 2026: 01:30 comes twice (EDT, then EST); the run is at 05:30 UTC, once."""
    analysis = schedule.analyse("cron(30 1 * * ? *)", start=at(2026, 11, 1, 4), horizon=3 * H,
                                timezone="America/New_York")
    assert (analysis.runs, analysis.first_run) == (1, at(2026, 11, 1, 5, 30))
    cron = schedule.parse("cron(30 1 * * ? *)")
    from zoneinfo import ZoneInfo

    assert schedule._day_runs(cron, ZoneInfo("America/New_York"), datetime(2026, 11, 1).date()) == [at(2026, 11, 1, 5, 30)]


# -- the croniter-style walk ----------------------------------------------------------------------------------
def test_get_prev_is_strictly_before_the_minute_given():
    every_minute = schedule.parse("cron(* * * * ? *)")
    assert every_minute.get_prev(datetime(2026, 1, 1, 10, 1, 30)) == [datetime(2026, 1, 1, 10, 0)]
    assert every_minute.get_next(datetime(2026, 1, 1, 10, 1, 30)) == [datetime(2026, 1, 1, 10, 2)]
    assert every_minute.get_prev(datetime(2026, 1, 1, 0, 0), n=2) == [datetime(2025, 12, 31, 23, 59), datetime(2025, 12, 31, 23, 58)]


def test_a_walk_that_runs_out_of_runs_pads_with_none_to_the_count_asked():
    last = schedule.parse("cron(0 5 31 12 ? 2199)")
    assert last.get_next(datetime(2199, 1, 1), n=3) == [datetime(2199, 12, 31, 5), None, None]


def test_days_walk_across_years_both_ways():
    cron = schedule.parse("cron(0 5 1 1,12 ? *)")
    assert list(cron.days(datetime(2026, 11, 15).date(), datetime(2027, 2, 1).date())) == [
        datetime(2026, 12, 1).date(), datetime(2027, 1, 1).date()]
    assert list(cron.days(datetime(2027, 2, 1).date(), datetime(2026, 11, 15).date())) == [
        datetime(2027, 1, 1).date(), datetime(2026, 12, 1).date()]
    assert list(cron.days(datetime(2027, 1, 1).date(), datetime(2027, 1, 1).date())) == [datetime(2027, 1, 1).date()]


# -- refusals before any run -----------------------------------------------------------------------------------
@pytest.mark.parametrize("expression,what", [(None, "empty"), ("", "empty"), ("   ", "empty"), (42, "not text (42)")])
def test_no_expression_is_refused_saying_what_was_given(expression, what):
    with pytest.raises(schedule.ScheduleError) as raised:
        schedule.parse(expression)
    assert str(raised.value).startswith(f"the schedule expression is {what}; AWS takes cron(")


def test_white_space_around_an_expression_is_ignored():
    assert schedule.analyse("  cron(0 5 * * ? *)\n", start=START).max_gap == 24 * H
    assert schedule.analyse(" rate(2 hours) ", start=START).max_gap == 2 * H


def test_an_unknown_time_zone_is_refused_for_a_rate_too(tmp_path):
    with pytest.raises(schedule.ScheduleError, match="ScheduleExpressionTimezone 'Mars/Olympus_Mons' is not a time zone"):
        schedule.analyse("rate(1 day)", start=START, timezone="Mars/Olympus_Mons")


def test_day_of_week_takes_no_increment():
    with pytest.raises(schedule.ScheduleError, match=r"the day-of-week field '1/2' is not valid \(day-of-week takes no / increment\)"):
        schedule.parse("cron(0 5 ? * 1/2 *)")


def test_the_default_start_is_today_at_midnight_utc():
    before = datetime.now(timezone.utc)
    analysis = schedule.analyse("cron(* * * * ? *)")
    after = datetime.now(timezone.utc)
    midnights = {moment.replace(hour=0, minute=0, second=0, microsecond=0) for moment in (before, after)}
    assert analysis.first_run in midnights


@pytest.mark.parametrize("name", [None, ""])
def test_no_time_zone_is_utc(name):
    """ScheduleExpressionTimezone absent: "By default, ScheduleExpressions are in UTC" (BackupRule API reference)."""
    from zoneinfo import ZoneInfo

    assert schedule._zone(name) == ZoneInfo("Etc/UTC")
    assert schedule.analyse("cron(0 5 * * ? *)", start=START, timezone=name).first_run == at(2026, 1, 1, 5)


def test_a_clock_change_at_midnight_is_seen():
    """Havana, 1 November 2026, clocks go back from 01:00 to 00:00: 00:30 comes twice and runs at its first
    occurrence (04:30 UTC). Santiago, 6 September 2026, clocks go forward from 00:00 to 01:00: 00:30 does not
    exist and does not run (a 47-hour gap)."""
    havana = schedule.analyse("cron(30 0 * * ? *)", start=at(2026, 10, 31), horizon=3 * D, timezone="America/Havana")
    assert (havana.runs, havana.first_run, havana.last_run) == (3, at(2026, 10, 31, 4, 30), at(2026, 11, 2, 5, 30))
    assert (havana.max_gap, havana.min_gap) == (25 * H, 24 * H)  # 1 Nov 04:30 -> 2 Nov 05:30 UTC
    santiago = schedule.analyse("cron(30 0 * * ? *)", start=at(2026, 9, 5), horizon=3 * D, timezone="America/Santiago")
    assert (santiago.runs, santiago.first_run, santiago.last_run) == (2, at(2026, 9, 5, 4, 30), at(2026, 9, 7, 3, 30))
    assert santiago.max_gap == 47 * H


def test_the_run_before_the_horizon_is_found_back_to_1_january_1970():
    """The first year AWS accepts: a schedule of 1, 20 and 21 January 1970 seen from 2 January has the 19-day
    gap from 1 January behind its first run (the open gap after its last run is counted to the horizon's end)."""
    analysis = schedule.analyse("cron(0 5 1,20,21 1 ? 1970)", start=at(1970, 1, 2), horizon=20 * D)
    assert (analysis.runs, analysis.first_run) == (2, at(1970, 1, 20, 5))
    assert (analysis.max_gap, analysis.min_gap) == (19 * D, 19 * H)
