"""AWS cron, rate and ScheduleExpressionTimezone: audit/schedule.py held to AWS's documented cases.

Each case names the AWS page it comes from, the sentence or example, the input and the documented result.
Where the documentation is silent the case says so (``silent=``) and holds the evaluator to the safe answer:
refuse the expression (the control then fails) or assume the larger gap.

A property test then compares the analysis with a brute-force enumerator that walks the year minute by
minute in the schedule's time zone (tests below the table).

To add a case: append a ``Case`` to ``CASES`` (or ``REFUSED``) with the page's URL and its sentence; run
``.venv/bin/python -m pytest tests/conformance/test_schedule_conformance.py``.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from audit import schedule
from audit.controls import rpo
from tests.support.schedules import at, fresh_schedule_cache  # noqa: F401 (a fixture)

EB_CRON = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html"
EB_RATE = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html"
SCHEDULER = "https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html"
SCHEDULER_DST = "https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst"
BACKUP_RULE = "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRule.html"
BACKUP_CFN = ("https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
              "aws-properties-backup-backupplan-backupruleresourcetype.html")
RESTORE_TESTING = "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingPlanForCreate.html"
ISSUE = "issue 13 (no AWS page: a defect found by enumeration)"

START = datetime(2026, 1, 1, tzinfo=timezone.utc)  # a Thursday
H = timedelta(hours=1)
M = timedelta(minutes=1)
D = timedelta(days=1)


@dataclass(frozen=True)
class Case:
    id: str
    url: str
    quote: str
    expression: str | None
    max_gap: timedelta | None = None
    min_gap: timedelta | None = None
    runs: int | None = None
    first_run: datetime | None = None
    next_runs: tuple[tuple[datetime, tuple[datetime, ...]], ...] = ()  # (from, the runs parse() gives after it)
    timezone: str | None = None
    default: str | None = None
    silent: str = ""  # the docs are silent: what is inferred and why it is the safe answer
    extra: dict = field(default_factory=dict)


CASES = [
    # -- the EventBridge cron reference: examples table --------------------------------------------------
    Case("eb-example-daily-10am", EB_CRON, "0 10 * * ? * | Run at 10:00 am (UTC+0) every day",
         "cron(0 10 * * ? *)", max_gap=24 * H, min_gap=24 * H, runs=400, first_run=at(2026, 1, 1, 10)),
    Case("eb-example-daily-1215", EB_CRON, "15 12 * * ? * | Run at 12:15 pm (UTC+0) every day",
         "cron(15 12 * * ? *)", max_gap=24 * H, first_run=at(2026, 1, 1, 12, 15)),
    Case("eb-example-weekdays-6pm", EB_CRON, "0 18 ? * MON-FRI * | Run at 6:00 pm (UTC+0) every Monday through Friday",
         "cron(0 18 ? * MON-FRI *)", max_gap=72 * H, min_gap=24 * H, first_run=at(2026, 1, 1, 18),
         next_runs=((at(2026, 1, 2, 19), (at(2026, 1, 5, 18),)),)),
    Case("eb-example-first-of-month", EB_CRON, "0 8 1 * ? * | Run at 8:00 am (UTC+0) every 1st day of the month",
         "cron(0 8 1 * ? *)", max_gap=31 * D, min_gap=28 * D, runs=14, first_run=at(2026, 1, 1, 8)),
    Case("eb-example-every-15-minutes", EB_CRON, "0/15 * * * ? * | Run every 15 minutes",
         "cron(0/15 * * * ? *)", max_gap=15 * M, min_gap=15 * M, runs=400 * 96 + 1),
    Case("eb-example-every-10-minutes-weekdays", EB_CRON,
         "0/10 * ? * MON-FRI * | Run every 10 minutes Monday through Friday",
         "cron(0/10 * ? * MON-FRI *)", max_gap=48 * H + 10 * M, min_gap=10 * M),
    Case("eb-example-every-5-minutes-office-hours", EB_CRON,
         "0/5 8-17 ? * MON-FRI * | Run every 5 minutes Monday through Friday between 8:00 am and 5:55 pm (UTC+0)",
         "cron(0/5 8-17 ? * MON-FRI *)", max_gap=62 * H + 5 * M, min_gap=5 * M, first_run=at(2026, 1, 1, 8),
         next_runs=((at(2026, 1, 1, 17, 54), (at(2026, 1, 1, 17, 55), at(2026, 1, 2, 8))),)),
    Case("eb-example-wrapping-hours", EB_CRON,
         "0/30 20-2 ? * MON-FRI * | Run every 30 minutes Monday through Friday between 10:00 pm on the starting day "
         "to 2:00 am on the following day (UTC). Run from 12:00 am to 2:00 am on Monday morning (UTC).",
         "cron(0/30 20-2 ? * MON-FRI *)", max_gap=48 * H + 30 * M, min_gap=30 * M, first_run=at(2026, 1, 1),
         next_runs=((at(2026, 1, 4, 12), (at(2026, 1, 5, 0), at(2026, 1, 5, 0, 30))),
                    (at(2026, 1, 5, 2, 30), (at(2026, 1, 5, 20),))),
         silent="the page says 10:00 pm for hour 20; the fields say 20:00 (8 pm), as every cron reads them: the "
                "fields win. The range wraps past midnight and each field stands alone, so Monday 00:00-02:30 runs, "
                "as the page's second sentence says"),
    # -- the EventBridge cron reference: wildcards -----------------------------------------------------
    Case("eb-comma-months", EB_CRON, "In the Month field, JAN,FEB,MAR includes January, February, and March.",
         "cron(0 5 1 JAN,FEB,MAR ? *)", max_gap=306 * D, min_gap=28 * D, runs=5),
    Case("eb-dash-days", EB_CRON, "In the Day field, 1-15 includes days 1 through 15 of the specified month.",
         "cron(0 5 1-15 * ? *)", max_gap=17 * D, min_gap=D),
    Case("eb-slash-minutes", EB_CRON, "In the Minutes field, you could enter 1/10 to specify every tenth minute, "
         "starting from the first minute of the hour (for example, the 11th, 21st, and 31st minute, and so on).",
         "cron(1/10 * * * ? *)", max_gap=10 * M, min_gap=10 * M,
         next_runs=((at(2026, 1, 1, 0, 5), (at(2026, 1, 1, 0, 11), at(2026, 1, 1, 0, 21), at(2026, 1, 1, 0, 31))),)),
    Case("eb-slash-months", EB_CRON, "Month | 1-12 or JAN-DEC | , - * /", "cron(0 5 1 */3 ? *)",
         max_gap=92 * D, min_gap=90 * D, runs=5),
    Case("eb-names", EB_CRON, "Month | 1-12 or JAN-DEC ... Day-of-week | 1-7 or SUN-SAT",
         "cron(0 5 ? JAN-DEC SUN-SAT *)", max_gap=24 * H, runs=400),
    Case("eb-question-mark", EB_CRON, "In the Day-of-month field you could enter 7 and if any day of the week was "
         "acceptable, you could enter ? in the Day-of-week field.", "cron(0 5 7 * ? *)",
         max_gap=31 * D, first_run=at(2026, 1, 7, 5)),
    Case("eb-L-day-of-month", EB_CRON, "The L wildcard in the Day-of-month or Day-of-week fields specifies the last "
         "day of the month or week.", "cron(0 9 L * ? *)", max_gap=31 * D, min_gap=28 * D,
         first_run=at(2026, 1, 31, 9), next_runs=((at(2026, 2, 1), (at(2026, 2, 28, 9),)),)),
    Case("eb-L-day-of-week", EB_CRON, "The L wildcard in the Day-of-month or Day-of-week fields specifies the last "
         "day of the month or week.", "cron(0 5 ? * L *)", max_gap=7 * D, min_gap=7 * D, runs=57,
         first_run=at(2026, 1, 3, 5)),
    Case("eb-nL-day-of-week", EB_CRON, "Day-of-week | 1-7 or SUN-SAT | , - * ? L #", "cron(15 10 ? * 6L *)",
         max_gap=35 * D, min_gap=28 * D, first_run=at(2026, 1, 30, 10, 15),
         silent="nL (the last weekday n of the month) is not spelled out on the page; read as every cron "
                "dialect with L in day-of-week does (aws-croniter, Quartz)"),
    Case("eb-W", EB_CRON, "In the Day-of-month field, 3W specifies the weekday closest to the third day of the month.",
         "cron(0 9 3W * ? *)", first_run=at(2026, 1, 2, 9),  # Saturday 3 January: Friday the 2nd
         next_runs=((at(2026, 1, 31), (at(2026, 2, 3, 9),)),), max_gap=32 * D),
    Case("eb-hash", EB_CRON, "For example, 3#2 would be the second Tuesday of the month", "cron(0 9 ? * 3#2 *)",
         first_run=at(2026, 1, 13, 9), max_gap=35 * D, min_gap=28 * D),
    Case("eb-year-range", EB_CRON, "Year | 1970-2199 | , - * /", "cron(0 5 * * ? 2026-2027)", max_gap=24 * H, runs=400),
    Case("eb-year-step-star", EB_CRON, "Year | 1970-2199 | , - * / (issue 13: year steps are valid)",
         "cron(0 5 * * ? */2)", max_gap=366 * D, min_gap=D, runs=365, first_run=at(2026, 1, 1, 5)),
    Case("eb-year-step-from", EB_CRON, "Year | 1970-2199 | , - * / (issue 13: year steps are valid)",
         "cron(0 5 * * ? 2026/2)", max_gap=366 * D, runs=365,
         next_runs=((at(2026, 12, 31, 6), (at(2028, 1, 1, 5),)),)),
    Case("eb-schedule-ends", EB_CRON, "Year | 1970-2199", "cron(0 2 * * ? 2026)", runs=365,
         max_gap=START + schedule.DEFAULT_HORIZON - at(2026, 12, 31, 2),
         silent="after its last year a schedule never runs again: the open gap is counted to the horizon's end, "
                "far above any RPO"),
    # -- exactness however often it fires (issue 13) ---------------------------------------------------
    Case("every-minute-on-days-1-20", ISSUE, "cron(* * 1-20 * ? *): a cap on the number of runs hid gaps of days",
         "cron(* * 1-20 * ? *)", max_gap=11 * D + M, min_gap=M, first_run=START),
    Case("every-minute", EB_CRON, "Minutes | 0-59 | , - * /", "cron(* * * * ? *)", max_gap=M, min_gap=M,
         runs=400 * 1440 + 1),
    Case("wrap-weekdays", EB_CRON, "The - (dash) wildcard specifies ranges.", "cron(0 1 ? * FRI-MON *)",
         max_gap=4 * D, min_gap=D, silent="a day-of-week range that wraps (FRI-MON) reads as the hour range "
         "20-2 of the examples table: Friday, Saturday, Sunday, Monday"),
    Case("feb-29", EB_CRON, "Day-of-month | 1-31", "cron(0 12 29 2 ? *)", runs=0, max_gap=None,
         next_runs=((START, (at(2028, 2, 29, 12),)),)),
    # -- rate expressions ------------------------------------------------------------------------------
    Case("rate-minutes", EB_RATE, "rate(value unit) ... Valid values: minute | minutes | hour | hours | day | days",
         "rate(5 minutes)", max_gap=5 * M, min_gap=5 * M),
    Case("rate-1-hour", EB_RATE, "If the value is equal to 1, then the unit must be singular.", "rate(1 hour)",
         max_gap=H),
    Case("rate-7-days", EB_RATE, "If the value is greater than 1, the unit must be plural.", "rate(7 days)",
         max_gap=7 * D),
    Case("rate-days-ignore-dst", SCHEDULER_DST, "in a rate-based schedule that uses days as the unit, days represents "
         "a 24-hour duration on the clock ... evaluates the rate expression 24 hours after the schedule's last "
         "invocation", "rate(1 day)", timezone="Europe/Paris", max_gap=24 * H, min_gap=24 * H),
    # -- ScheduleExpressionTimezone and daylight saving ------------------------------------------------
    Case("tz-default-utc", BACKUP_RULE, "ScheduleExpressionTimezone: ... By default, ScheduleExpressions are in UTC.",
         "cron(0 5 * * ? *)", timezone=None, max_gap=24 * H, min_gap=24 * H, first_run=at(2026, 1, 1, 5)),
    Case("tz-paris-25h", BACKUP_CFN, "ScheduleExpressionTimezone: The timezone in which the schedule expression is set.",
         "cron(0 5 * * ? *)", timezone="Europe/Paris", max_gap=25 * H, min_gap=23 * H, runs=400,
         first_run=at(2026, 1, 1, 4), extra={"gap_on": at(2026, 10, 25, 4)}),
    Case("tz-sydney-25h", RESTORE_TESTING, "ScheduleExpressionTimezone: Optional. This is the timezone in which the "
         "schedule expression is set.", "cron(0 5 * * ? *)", timezone="Australia/Sydney", max_gap=25 * H,
         min_gap=23 * H, first_run=at(2026, 1, 1, 18)),
    Case("tz-no-dst", RESTORE_TESTING, "This is the timezone in which the schedule expression is set.",
         "cron(0 5 * * ? *)", timezone="Asia/Tokyo", max_gap=24 * H, min_gap=24 * H, first_run=at(2026, 1, 1, 20)),
    Case("dst-spring-skipped", SCHEDULER_DST, "When the time shifts forward in Spring, your schedule invocation gets "
         "skipped if the cron expression falls on a non-existent date and time.", "cron(30 2 * * ? *)",
         timezone="America/New_York", max_gap=47 * H, min_gap=24 * H, runs=399),
    Case("dst-fall-once", SCHEDULER_DST, "When the time shifts back in the Fall, your schedule runs only once and "
         "doesn't repeat its invocation.", "cron(30 1 * * ? *)", timezone="America/New_York",
         max_gap=25 * H, min_gap=23 * H, runs=400,
         silent="which of the two 01:30s runs is not said; the first is taken (the second would repeat it). The "
                "largest gap is 25 h either way"),
    Case("dst-fall-half-hourly", SCHEDULER_DST, "your schedule runs only once and doesn't repeat its invocation",
         "cron(0/30 * * * ? *)", timezone="America/New_York", max_gap=90 * M, min_gap=30 * M, runs=400 * 48 + 1 - 2),
    # -- AWS Backup ------------------------------------------------------------------------------------
    Case("backup-default", BACKUP_RULE, "When no CRON expression is provided, AWS Backup will use the default "
         "expression cron(0 5 ? * * *).", None, default=schedule.BACKUP_RULE_DEFAULT_SCHEDULE, max_gap=24 * H,
         first_run=at(2026, 1, 1, 5), extra={"defaulted": True}),
    Case("backup-hourly-example", BACKUP_RULE, "15 * ? * * * (take a backup every hour at 15 minutes past the hour)",
         "cron(15 * ? * * *)", max_gap=H, min_gap=H, first_run=at(2026, 1, 1, 0, 15)),
    Case("backup-noon-example", BACKUP_RULE, "0 12 * * ? * (take a backup every day at 12 noon UTC)",
         "cron(0 12 * * ? *)", max_gap=24 * H, first_run=at(2026, 1, 1, 12)),
]


pytestmark = pytest.mark.usefixtures("fresh_schedule_cache")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_documented_schedule(case: Case):
    analysis = schedule.analyse(case.expression, start=START, timezone=case.timezone, default=case.default)
    if case.runs is not None:
        assert analysis.runs == case.runs
    if case.runs == 0 or case.runs == 1:
        assert analysis.max_gap is None
    else:
        assert analysis.max_gap == case.max_gap
    if case.min_gap is not None:
        assert analysis.min_gap == case.min_gap
    if case.first_run is not None:
        assert analysis.first_run == case.first_run
    if case.extra.get("defaulted"):
        assert analysis.defaulted and analysis.expression == case.default and "default" in analysis.described
    parsed = schedule.parse(case.expression or case.default)
    for after, expected in case.next_runs:
        assert tuple(parsed.get_next(after, n=len(expected))) == expected


@dataclass(frozen=True)
class Refused:
    id: str
    url: str
    quote: str
    expression: str
    names: str  # what the message must name (the field, or the setting)
    timezone: str | None = None
    silent: str = ""


REFUSED = [
    Refused("both-day-fields", EB_CRON, "You can't use * in both the Day-of-month and Day-of-week fields. If you use "
            "it in one, you must use ? in the other.", "cron(0 5 * * * *)", "day-of-month"),
    Refused("value-in-both-day-fields", EB_CRON, "If you specify a value or a * (asterisk) in one of the fields, you "
            "must use a ? (question mark) in the other.", "cron(0 5 1 * MON *)", "day-of-week"),
    Refused("neither-day-field", EB_CRON, "you must use a ? (question mark) in the other", "cron(0 5 ? * ? *)",
            "day-of-month", silent="two ? name no day at all; refused"),
    Refused("two-hash", EB_CRON, "\"3#1,6#3\" is not valid because it is interpreted as two expressions.",
            "cron(0 5 ? * 3#1,6#3 *)", "day-of-week"),
    Refused("five-fields", EB_CRON, "Cron expressions have six required fields", "cron(0 5 * * ?)", "six fields"),
    Refused("seven-fields", EB_CRON, "Cron expressions have six required fields", "cron(0 0 5 * * ? *)", "six fields"),
    Refused("minute-60", EB_CRON, "Minutes | 0-59", "cron(60 5 * * ? *)", "minutes field"),
    Refused("hour-24", EB_CRON, "Hours | 0-23", "cron(0 24 * * ? *)", "hours field"),
    Refused("day-32", EB_CRON, "Day-of-month | 1-31", "cron(0 5 32 * ? *)", "day-of-month field"),
    Refused("month-13", EB_CRON, "Month | 1-12 or JAN-DEC", "cron(0 5 1 13 ? *)", "month field"),
    Refused("month-name", EB_CRON, "Month | 1-12 or JAN-DEC", "cron(0 5 1 JANUARY ? *)", "month field"),
    Refused("weekday-0", EB_CRON, "Day-of-week | 1-7 or SUN-SAT", "cron(0 5 ? * 0 *)", "day-of-week field"),
    Refused("weekday-8", EB_CRON, "Day-of-week | 1-7 or SUN-SAT", "cron(0 5 ? * 8 *)", "day-of-week field"),
    Refused("year-1969", EB_CRON, "Year | 1970-2199", "cron(0 5 * * ? 1969)", "year field"),
    Refused("year-2200", EB_CRON, "Year | 1970-2199", "cron(0 5 * * ? 2200)", "year field"),
    Refused("weekday-step", EB_CRON, "Day-of-week | 1-7 or SUN-SAT | , - * ? L # (no /)", "cron(0 5 ? * 1/2 *)",
            "day-of-week field"),
    Refused("W-in-weekday", EB_CRON, "Day-of-week | , - * ? L # (no W)", "cron(0 5 ? * 2W *)", "day-of-week field"),
    Refused("hash-in-day-of-month", EB_CRON, "Day-of-month | , - * ? / L W (no #)", "cron(0 5 1#2 * ? *)",
            "day-of-month field"),
    Refused("question-mark-in-hours", EB_CRON, "Hours | 0-23 | , - * / (no ?)", "cron(0 ? * * ? *)", "hours field"),
    Refused("step-zero", EB_CRON, "The / (slash) wildcard specifies increments.", "cron(0/0 5 * * ? *)",
            "minutes field", silent="an increment of 0 names no increment; refused"),
    Refused("int-parse-leak-LW", EB_CRON, "In the Day-of-month field, 3W specifies the weekday closest to the third day",
            "cron(0 5 LW * ? *)", "day-of-month field",
            silent="LW is not on the page (aws-croniter crashed on it with a Python int() error); refused"),
    Refused("L-minus", EB_CRON, "The L wildcard ... specifies the last day of the month or week.",
            "cron(0 5 L-3 * ? *)", "day-of-month field", silent="L-n is not on the page; refused"),
    Refused("star-range", EB_CRON, "The - (dash) wildcard specifies ranges.", "cron(*-5 5 * * ? *)", "minutes field",
            silent="a range from * is not on the page (aws-croniter crashed on it); refused"),
    Refused("L-in-list", EB_CRON, "The L wildcard ... specifies the last day of the month", "cron(0 5 L,15 * ? *)",
            "day-of-month field", silent="L inside a list is not on the page; refused"),
    Refused("year-backwards", EB_CRON, "Year | 1970-2199", "cron(0 5 * * ? 2030-2026)", "year field",
            silent="a year range cannot wrap around; refused"),
    Refused("rate-1-hours", EB_RATE, "For example, rate(1 hours) and rate(5 hour) are not valid.", "rate(1 hours)",
            "singular"),
    Refused("rate-5-hour", EB_RATE, "For example, rate(1 hours) and rate(5 hour) are not valid.", "rate(5 hour)",
            "plural"),
    Refused("rate-zero", EB_RATE, "value: A positive number.", "rate(0 minutes)", "positive"),
    Refused("rate-weeks", EB_RATE, "unit: minute | minutes | hour | hours | day | days", "rate(1 week)",
            "minute(s), hour(s) or day(s)"),
    Refused("one-time", SCHEDULER, "A one-time schedule is a schedule that invokes a target only once.",
            "at(2026-01-01T05:00:00)", "one-time"),
    Refused("not-an-expression", EB_CRON, "cron(fields)", "0 5 * * ? *", "cron("),
    Refused("unknown-zone", BACKUP_CFN, "ScheduleExpressionTimezone: The timezone in which the schedule expression is set.",
            "cron(0 5 * * ? *)", "ScheduleExpressionTimezone", timezone="Mars/Olympus_Mons"),
]


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.id)
def test_refused_with_a_message_naming_the_field(case: Refused):
    with pytest.raises(schedule.ScheduleError) as raised:
        schedule.analyse(case.expression, start=START, timezone=case.timezone)
    message = str(raised.value)
    assert case.names in message
    assert "invalid literal" not in message and "Traceback" not in message and "int()" not in message


def test_rpo_sees_the_25_hour_gap_of_a_rule_in_a_daylight_saving_zone():
    """BackupRule ScheduleExpressionTimezone (CloudFormation page above) reaches the RPO control."""
    rule = {"schedule": "cron(0 5 * * ? *)", "timezone": "Europe/Paris", "start_window_minutes": 60,
            "completion_window_minutes": 120}
    hours, how = rpo.worst_case_hours(rule)
    assert hours == 25 + 1 + 2 and "Europe/Paris" in how
    hours, _ = rpo.worst_case_hours({**rule, "timezone": None})
    assert hours == 24 + 1 + 2


def test_rpo_reads_a_rule_without_schedule_as_the_backup_default():
    hours, how = rpo.worst_case_hours({"schedule": None, "start_window_minutes": 60, "completion_window_minutes": 60})
    assert hours == 26 and "default cron(0 5 ? * * *)" in how


def test_a_missing_expression_without_a_default_is_refused():
    """Restore testing plans and EventBridge schedules require an expression: no default applies."""
    with pytest.raises(schedule.ScheduleError, match="empty"):
        schedule.analyse("", start=START)


# -- property: the analysis equals a brute-force minute enumeration ------------------------------------
ZONES = ["Etc/UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Tokyo"]  # whole-hour changes


def _expand(spec, low: int, high: int) -> set[int]:
    """The oracle's own reading of a generated field: ('*',), ('v', v), ('range', a, b) wrapping, ('step', a, s)."""
    kind = spec[0]
    if kind == "*":
        return set(range(low, high + 1))
    if kind == "v":
        return {spec[1]}
    if kind == "list":
        return set(spec[1])
    if kind == "range":
        a, b = spec[1], spec[2]
        return set(range(a, b + 1)) if a <= b else set(range(a, high + 1)) | set(range(low, b + 1))
    return set(range(spec[1], high + 1, spec[2]))  # step


def _text(spec) -> str:
    kind = spec[0]
    return {"*": lambda: "*", "v": lambda: str(spec[1]), "list": lambda: ",".join(map(str, spec[1])),
            "range": lambda: f"{spec[1]}-{spec[2]}", "step": lambda: f"{spec[1]}/{spec[2]}"}[kind]()


def _field(low: int, high: int, *, star: bool = True, step: bool = True):
    value = st.integers(low, high)
    options = [value.map(lambda v: ("v", v)),
               st.lists(value, min_size=2, max_size=4, unique=True).map(lambda vs: ("list", sorted(vs))),
               st.tuples(value, value).map(lambda ab: ("range", *ab))]
    if step:  # the day-of-week field takes no increment
        options.append(st.tuples(value, st.integers(2, max(2, (high - low) // 2))).map(lambda a: ("step", *a)))
    if star:
        options.append(st.just(("*",)))
    return st.one_of(options)


_DAY_OF_MONTH = st.one_of(_field(1, 31), st.just(("L",)), st.integers(1, 31).map(lambda d: ("W", d)))
_DAY_OF_WEEK = st.one_of(_field(1, 7, step=False), st.just(("L",)), st.integers(1, 7).map(lambda d: ("nL", d)),
                         st.tuples(st.integers(1, 7), st.integers(1, 5)).map(lambda t: ("#", *t)))
_YEAR = st.sampled_from(["*", "2026", "2025,2027", "2026-2027", "*/2", "2025/3"])


def _day_text(spec) -> str:
    return {"L": lambda: "L", "W": lambda: f"{spec[1]}W", "nL": lambda: f"{spec[1]}L",
            "#": lambda: f"{spec[1]}#{spec[2]}"}.get(spec[0], lambda: _text(spec))()


def _years(text: str) -> set[int]:
    if text == "*":
        return set(range(1970, 2200))
    if "/" in text:
        first, step = text.split("/")
        return set(range(1970 if first == "*" else int(first), 2200, int(step)))
    if "-" in text:
        a, b = map(int, text.split("-"))
        return set(range(a, b + 1))
    return set(map(int, text.split(",")))


class Oracle:
    """Walks UTC minute by minute (skipping whole hours whose local hour or day cannot match) and fires where
    the local wall clock matches every field; a wall-clock minute that comes twice fires the first time only."""

    def __init__(self, minutes, hours, dom, dow, months, years, zone):
        self.minutes, self.hours, self.dom, self.dow = minutes, hours, dom, dow
        self.months, self.years, self.zone = months, years, ZoneInfo(zone)
        self.offsets: dict[int, int] = {}
        self.days: dict[int, bool] = {}

    def offset(self, utc_hour: int) -> int:
        if utc_hour not in self.offsets:
            instant = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(hours=utc_hour)
            self.offsets[utc_hour] = int(instant.astimezone(self.zone).utcoffset().total_seconds() // 60)
        return self.offsets[utc_hour]

    def wall(self, utc_minute: int) -> int:
        return utc_minute + self.offset(utc_minute // 60)

    def day_ok(self, local_day: int) -> bool:
        if local_day not in self.days:
            d = date(1970, 1, 1) + timedelta(days=local_day)
            self.days[local_day] = d.year in self.years and d.month in self.months and self._day(d)
        return self.days[local_day]

    def _day(self, d: date) -> bool:
        length = calendar.monthrange(d.year, d.month)[1]
        weekday = (d.weekday() + 1) % 7 + 1  # AWS: SUN=1 ... SAT=7
        if self.dom is not None:
            kind = self.dom[0]
            if kind == "L":
                return d.day == length
            if kind == "W":
                target = self.dom[1]
                if target > length:
                    return False
                t = date(d.year, d.month, target)
                if t.weekday() == 5:  # Saturday: the Friday before, or the Monday after when the 1st
                    t = t - timedelta(days=1) if target > 1 else t + timedelta(days=2)
                elif t.weekday() == 6:  # Sunday: the Monday after, or the Friday before when the last day
                    t = t + timedelta(days=1) if target < length else t - timedelta(days=2)
                return d == t
            return d.day in _expand(self.dom, 1, 31)
        kind = self.dow[0]
        if kind == "L":
            return weekday == 7
        if kind == "nL":
            return weekday == self.dow[1] and d.day + 7 > length
        if kind == "#":
            return weekday == self.dow[1] and (d.day - 1) // 7 + 1 == self.dow[2]
        return weekday in _expand(self.dow, 1, 7)

    def fires(self, utc_minute: int) -> bool:
        wall = self.wall(utc_minute)
        if self.wall(utc_minute - 60) == wall:  # the second time this wall-clock minute comes round
            return False
        return self.day_ok(wall // 1440) and (wall % 1440) // 60 in self.hours and wall % 60 in self.minutes

    def hour_may_fire(self, utc_hour: int) -> bool:
        wall = self.wall(utc_hour * 60)
        return (wall % 1440) // 60 in self.hours and self.day_ok(wall // 1440)

    def scan(self, first: int, last: int, *, step: int = 1):
        """Runs (UTC minutes since 1970) from ``first`` to ``last`` inclusive, in the direction of ``step``."""
        hour = first // 60
        while (hour <= last // 60) if step == 1 else (hour >= last // 60):
            if self.hour_may_fire(hour):
                minutes = range(hour * 60, hour * 60 + 60) if step == 1 else range(hour * 60 + 59, hour * 60 - 1, -1)
                for minute in minutes:
                    if (first <= minute <= last if step == 1 else last <= minute <= first) and self.fires(minute):
                        yield minute
            hour += step


def _minutes(instant: datetime) -> int:
    return int(instant.timestamp()) // 60


def _instant(minute: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=minute)


@st.composite
def expressions(draw):
    minutes = draw(_field(0, 59, star=False))
    if len(_expand(minutes, 0, 59)) > 12:  # keep the enumeration fast: at most 12 runs an hour
        minutes = ("step", minutes[1] % 5, 5) if minutes[0] == "step" else ("v", 7)
    hours = draw(_field(0, 23))
    months = draw(st.one_of(st.just(("*",)), _field(1, 12)))
    years = draw(_YEAR)
    if draw(st.booleans()):
        dom, dow = draw(_DAY_OF_MONTH), None
    else:
        dom, dow = None, draw(_DAY_OF_WEEK)
    text = (f"cron({_text(minutes)} {_text(hours)} {'?' if dom is None else _day_text(dom)} {_text(months)} "
            f"{'?' if dow is None else _day_text(dow)} {years})")
    return text, minutes, hours, dom, dow, months, years


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(expressions(), st.sampled_from(ZONES), st.integers(0, 364))
def test_analysis_equals_a_minute_by_minute_enumeration(generated, zone, day):
    text, minutes, hours, dom, dow, months, years = generated
    start = START + timedelta(days=day)
    horizon = timedelta(days=366)
    oracle = Oracle(_expand(minutes, 0, 59), _expand(hours, 0, 23), dom, dow, _expand(months, 1, 12), _years(years), zone)
    first, last = _minutes(start), _minutes(start + horizon)
    runs = list(oracle.scan(first, last))
    analysis = schedule._analyse(text, start, horizon, zone)
    assert analysis.runs == len(runs), text
    if len(runs) < 2:
        assert analysis.max_gap is None
        return
    gaps = [b - a for a, b in zip(runs, runs[1:])]
    lowest, highest = min(oracle.years), max(oracle.years)
    earliest = _minutes(datetime(max(lowest - 1, 1970), 1, 1, tzinfo=timezone.utc))
    latest = _minutes(datetime(min(highest + 1, 2199), 12, 31, 23, 59, tzinfo=timezone.utc))
    before = next(oracle.scan(runs[0] - 1, earliest, step=-1), None)
    after = next(oracle.scan(runs[-1] + 1, latest), None)
    if before is not None:
        gaps.append(runs[0] - before)
    gaps.append((after if after is not None else last) - runs[-1])
    assert (analysis.first_run, analysis.last_run) == (_instant(runs[0]), _instant(runs[-1])), text
    assert analysis.max_gap == timedelta(minutes=max(gaps)), text
    assert analysis.min_gap == timedelta(minutes=min(gaps)), text
