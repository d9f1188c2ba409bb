"""The day-of-month and day-of-week fields: what each special character accepts, and a refusal that says why.

AWS's cron table (https://docs.aws.amazon.com/AmazonCloudWatch/latest/events/ScheduledEvents.html and
https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html): day-of-month takes ``, - * ? / L W``
("3W specifies the weekday closest to the third day of the month"), day-of-week takes ``, - * ? L #`` ("3#2 would
be the second Tuesday of the month"; "3#1,6#3 is not valid because it is interpreted as two expressions"), and
exactly one of the two fields is ``?``.

A refusal must name the field and say what is wrong with it: each case below pins the reason, so a check that
stops refusing (and leaves the refusal to a later, vaguer check) is seen.
"""
from __future__ import annotations

import pytest

from audit import schedule

DOM_LETTERS = "L stands alone and W follows one day, as in 3W"
HASH = "# takes one weekday and its instance 1-5 in the month, as in 3#2"
NL = "L stands alone or follows one weekday, as in 6L"


@pytest.mark.parametrize("field,why", [
    ("LW", DOM_LETTERS), ("L-3", DOM_LETTERS), ("L,15", DOM_LETTERS), ("1-5W", DOM_LETTERS), ("W", DOM_LETTERS),
    ("*W", DOM_LETTERS), ("32W", "'32' is not one of its values"), ("0W", "'0' is not one of its values"),
])
def test_day_of_month_letters_are_refused_saying_why(field, why):
    with pytest.raises(schedule.ScheduleError) as raised:
        schedule.parse(f"cron(0 5 {field} * ? *)")
    assert f"the day-of-month field {field!r} is not valid ({why}" in str(raised.value)


@pytest.mark.parametrize("field,why", [
    ("2#0", HASH), ("2#6", HASH), ("3#1,6#3", HASH), ("2#x", HASH), ("8#2", "'8' is not one of its values"),
    ("X#2", "'X' is not one of its values"),
    ("1-3L", NL), ("1,L", NL), ("*/L", NL), ("*L", NL), ("8L", "'8' is not one of its values"), ("0L", "'0' is not one of its values"),
])
def test_day_of_week_letters_are_refused_saying_why(field, why):
    with pytest.raises(schedule.ScheduleError) as raised:
        schedule.parse(f"cron(0 5 ? * {field} *)")
    assert f"the day-of-week field {field!r} is not valid ({why}" in str(raised.value)


@pytest.mark.parametrize("field,days", [
    ("2#1", (5,)),    # the first Monday of January 2026
    ("2#5", ()),      # January 2026 has four Mondays
    ("5#5", (29,)),   # ... and five Thursdays
    ("MON#2", (12,)),
    ("6L", (30,)),    # the last Friday
    ("FRIL", (30,)),
    ("L", (3, 10, 17, 24, 31)),  # Saturdays
])
def test_day_of_week_letters_aws_documents_are_accepted(field, days):
    assert schedule.parse(f"cron(0 5 ? * {field} *)").days_of(2026, 1) == days


@pytest.mark.parametrize("field,days", [("1W", (1,)), ("3W", (2,)), ("31W", (30,)), ("L", (31,)), ("15", (15,))])
def test_day_of_month_letters_aws_documents_are_accepted(field, days):
    """January 2026: Saturday the 3rd moves to Friday the 2nd, Saturday the 31st to Friday the 30th."""
    assert schedule.parse(f"cron(0 5 {field} * ? *)").days_of(2026, 1) == days


@pytest.mark.parametrize("day_of_month,day_of_week", [("*", "*"), ("1", "MON"), ("?", "?"), ("L", "L")])
def test_exactly_one_day_field_is_a_question_mark(day_of_month, day_of_week):
    with pytest.raises(schedule.ScheduleError) as raised:
        schedule.parse(f"cron(0 5 {day_of_month} * {day_of_week} *)")
    assert str(raised.value).startswith(f"cron(0 5 {day_of_month} * {day_of_week} *): exactly one of day-of-month "
                                        f"({day_of_month!r}) and day-of-week ({day_of_week!r}) must be ?")


def test_the_leftmost_invalid_field_is_named():
    """Fields are checked in the order they are written: a message names the first one to fix."""
    for expression, named in [("cron(60 5 32 * ? *)", "minutes"), ("cron(0 24 32W 13 ? *)", "hours"),
                              ("cron(0 5 32W 13 ? *)", "day-of-month"), ("cron(0 5 1 13 ? 1969)", "month"),
                              ("cron(0 5 ? 13 8 *)", "month"), ("cron(0 5 ? * 8 1969)", "day-of-week")]:
        with pytest.raises(schedule.ScheduleError, match=f"the {named} field"):
            schedule.parse(expression)


def test_a_refusal_by_the_cron_library_is_a_schedule_error_without_its_text(monkeypatch):
    """Every field is checked before aws-croniter reads the day fields; should the library still refuse an
    expression (a new version, a form not checked here), the audit says it is not one AWS accepts and never
    shows the library's Python text."""
    import aws_croniter

    def refuse(*args, **kwargs):
        raise ValueError("invalid literal for int() with base 10: 'W'")

    monkeypatch.setattr(aws_croniter, "AwsCroniter", refuse)
    schedule._cron.cache_clear()
    try:
        with pytest.raises(schedule.ScheduleError) as raised:
            schedule.parse("cron(0 5 17 * ? *)")
    finally:
        schedule._cron.cache_clear()
    assert str(raised.value).startswith("cron(0 5 17 * ? *): not a cron expression AWS accepts")
    assert "int()" not in str(raised.value) and raised.value.__cause__ is None and raised.value.__suppress_context__
