"""AWS schedule expressions (AWS Backup rules, restore testing plans, EventBridge rules and schedules):
parse them and measure the longest gap between two runs.

The RPO controls need "how old can the newest recovery point get", which is the largest gap between two
scheduled starts plus the start and completion windows. The gap must be exact whatever the schedule, so
it is measured on whole days, never on a list of minutes: a cron's hours and minutes are the same on every
day it runs, so a day is summarised by its first and last run and its largest and smallest inner gap, and
only the few days that need it (a daylight-saving change in ``ScheduleExpressionTimezone``, the ends of the
horizon) are enumerated run by run (at most 1,440 runs).

Cron field semantics come from the maintained ``aws-croniter`` library (value lists, wrap-around ranges
such as AWS's own ``20-2`` example, ``nL``, ``nW`` and ``n#k`` day rules). A small layer here fixes what it
gets wrong or does not cover (each gap has a conformance case in tests/conformance/):
- it validates every field itself, so an error names the field and what AWS accepts, never a Python
  exception text (the library raises ``invalid literal for int()`` on ``LW`` or ``*-5``);
- a bare ``L`` in day-of-week is the last day of the week, Saturday (the library never matches it);
- the year field with a step (``*/2``, ``2026/2``) is valid (the library refuses it) and is expanded here;
- the library iterates in UTC only: the time zone and its daylight-saving rules are applied here, as
  EventBridge Scheduler documents (a skipped wall-clock time does not run, a repeated one runs once);
- ``rate(...)`` and the default schedule of an AWS Backup rule are handled here.
"""
from __future__ import annotations

import calendar
import hashlib
import json
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone as dt_timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

#: One year plus a margin: long enough to see monthly, quarterly and leap-day patterns.
DEFAULT_HORIZON = timedelta(days=400)
#: AWS Backup runs a plan rule at most once an hour.
MIN_BACKUP_INTERVAL = timedelta(hours=1)
#: AWS Backup's default when a rule has no ScheduleExpression (BackupRule API reference: "When no CRON
#: expression is provided, AWS Backup will use the default expression cron(0 5 ? * * *)").
BACKUP_RULE_DEFAULT_SCHEDULE = "cron(0 5 ? * * *)"
#: ScheduleExpressionTimezone when absent: "By default, ScheduleExpressions are in UTC."
DEFAULT_TIMEZONE = "Etc/UTC"

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$", re.DOTALL)
_FIRST_YEAR, _LAST_YEAR = 1970, 2199

_MONTHS = {n: i for i, n in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
_WEEKDAYS = {n: i for i, n in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}

# name, lowest, highest, names, what AWS accepts (the EventBridge cron reference table)
_FIELDS: tuple[tuple[str, int, int, dict[str, int], str], ...] = (
    ("minutes", 0, 59, {}, "0-59 and the wildcards , - * /"),
    ("hours", 0, 23, {}, "0-23 and the wildcards , - * /"),
    ("day-of-month", 1, 31, {}, "1-31 and the wildcards , - * ? / L W (L or nW alone in the field)"),
    ("month", 1, 12, _MONTHS, "1-12 or JAN-DEC and the wildcards , - * /"),
    ("day-of-week", 1, 7, _WEEKDAYS, "1-7 or SUN-SAT and the wildcards , - * ? L # (L, nL or a single n#k alone in the field)"),
    ("year", _FIRST_YEAR, _LAST_YEAR, {}, "1970-2199 and the wildcards , - * /"),
)


class ScheduleError(ValueError):
    """The expression is not one AWS accepts; the message says which field and what AWS accepts."""


@dataclass(frozen=True)
class ScheduleAnalysis:
    """What the controls need to know about one schedule over a horizon.

    ``max_gap`` is the largest gap between two consecutive runs among the gaps that touch the horizon,
    including the one before its first run and the one after its last (found beyond the horizon); when the
    schedule never runs again (year field), the open gap is counted up to the horizon's end."""

    expression: str
    max_gap: timedelta | None  # None: fewer than two runs in the horizon (the schedule stops or is rare)
    min_gap: timedelta | None
    runs: int
    first_run: datetime | None
    last_run: datetime | None
    timezone: str = DEFAULT_TIMEZONE
    defaulted: bool = False  # no expression was given: ``expression`` is the service's default

    @property
    def max_gap_hours(self) -> float | None:
        return None if self.max_gap is None else self.max_gap.total_seconds() / 3600

    @property
    def described(self) -> str:
        """The expression as the audit should show it: says when it is the default or not in UTC."""
        text = f"no schedule, so AWS Backup's default {self.expression}" if self.defaulted else self.expression
        return text if self.timezone in (DEFAULT_TIMEZONE, "UTC") else f"{text} in {self.timezone}"


# parsing ---------------------------------------------------------------------------------------------
def _field_error(body: str, index: int, value: str, why: str = "") -> ScheduleError:
    name, _, _, _, accepts = _FIELDS[index]
    reason = f" ({why})" if why else ""
    return ScheduleError(f"cron({body}): the {name} field {value!r} is not valid{reason}; AWS accepts {accepts}")


def _number(body: str, index: int, field: str, token: str) -> int:
    name, low, high, names, _ = _FIELDS[index]
    if token.upper() in names:
        return names[token.upper()]
    if not token.isdigit() or not low <= int(token) <= high:
        raise _field_error(body, index, field, f"{token!r} is not one of its values")
    return int(token)


def _values(body: str, index: int, field: str) -> frozenset[int]:
    """Expand a list of values, ranges and increments (``,``, ``-``, ``*``, ``/``) into the values it names.
    A range whose start is after its end wraps around (AWS's example ``0/30 20-2 ? * MON-FRI *``), except
    in the year field, where it would be meaningless (docs silent: refused)."""
    name, low, high, _, _ = _FIELDS[index]
    found: set[int] = set()
    for item in field.split(","):
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if index == 4:
                raise _field_error(body, index, field, "day-of-week takes no / increment")
            if not step_text.isdigit() or not 1 <= int(step_text) <= high:
                raise _field_error(body, index, field, f"the increment {step_text!r} must be a whole number from 1 to {high}")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            start_text, _, end_text = base.partition("-")
            first, last = _number(body, index, field, start_text), _number(body, index, field, end_text)
            if first > last and index == 5:
                raise _field_error(body, index, field, "a year range must not run backwards")
        else:
            first = _number(body, index, field, base)
            last = high if slash else first
        span = (last - first) % (high - low + 1)
        found.update(low + (first - low + offset) % (high - low + 1) for offset in range(0, span + 1, step))
    return frozenset(found)


def _check_day_field(body: str, index: int, field: str) -> None:
    """Day-of-month and day-of-week also take ``?`` and their own letters, alone in the field."""
    upper = field.upper()
    if upper == "?":
        return
    if index == 2:
        if upper == "L":
            return
        if "L" in upper or ("W" in upper and not (upper.endswith("W") and upper[:-1].isdigit())):
            raise _field_error(body, index, field, "L stands alone and W follows one day, as in 3W; "
                               "L-n and LW are not in AWS's documentation")
        if upper.endswith("W"):
            _number(body, index, field, upper[:-1])
            return
    else:
        if upper == "L":
            return
        if "#" in upper:
            weekday, _, nth = upper.partition("#")
            if "," in upper or not nth.isdigit() or not 1 <= int(nth) <= 5:
                raise _field_error(body, index, field, "# takes one weekday and its instance 1-5 in the month, as in 3#2")
            _number(body, index, field, weekday)
            return
        if upper.endswith("L"):
            if not upper[:-1] or any(c in upper[:-1] for c in ",-*/"):
                raise _field_error(body, index, field, "L stands alone or follows one weekday, as in 6L")
            _number(body, index, field, upper[:-1])
            return
    _values(body, index, field)


class Cron:
    """A validated AWS cron expression, read on local wall-clock days.

    ``get_next``/``get_prev`` keep the interface of ``aws_croniter.AwsCroniter`` (lists of datetimes, in
    the wall clock the caller gives) so that existing callers of :func:`parse` keep working."""

    def __init__(self, body: str):
        fields = body.split()
        if len(fields) != 6:
            raise ScheduleError(f"cron({body}): AWS cron has six fields, minutes hours day-of-month month "
                                f"day-of-week year, separated by white space; found {len(fields)}")
        self.body = " ".join(fields)
        day_of_month, day_of_week = fields[2], fields[4]
        if (day_of_month == "?") == (day_of_week == "?"):
            raise ScheduleError(f"cron({self.body}): exactly one of day-of-month ({day_of_month!r}) and day-of-week "
                                f"({day_of_week!r}) must be ?; AWS does not take both, nor neither")
        for index, field in enumerate(fields):
            if index in (2, 4):
                _check_day_field(self.body, index, field)
            else:
                _values(self.body, index, field)
        minutes, hours = _values(self.body, 0, fields[0]), _values(self.body, 1, fields[1])
        self.times = tuple(sorted(h * 60 + m for h in hours for m in minutes))  # minutes after local midnight
        self.months = _values(self.body, 3, fields[3])
        self.years = _values(self.body, 5, fields[5])
        # The library reads the day fields; a bare L in day-of-week is Saturday, which it does not know,
        # and the year is ours (it refuses year increments).
        library_body = " ".join([fields[0], fields[1], fields[2], fields[3], "7" if day_of_week.upper() == "L" else day_of_week, "*"])
        from aws_croniter import AwsCroniter  # imported on demand: most audits read analyses from the cache

        try:
            self._library = AwsCroniter(library_body)
        except Exception:  # noqa: BLE001 - every field was checked above; never show the library's text
            raise ScheduleError(f"cron({self.body}): not a cron expression AWS accepts (six fields: minutes hours "
                                "day-of-month month day-of-week year)") from None

    # The cache holds self, on purpose: a Cron comes from _cron's own bounded cache and lives for the process.
    @lru_cache(maxsize=4096)  # noqa: B019
    def days_of(self, year: int, month: int) -> tuple[int, ...]:
        """The days of this month the expression runs on (local calendar)."""
        if year not in self.years or month not in self.months:
            return ()
        from aws_croniter.utils import DateUtils

        library = self._library
        length = calendar.monthrange(year, month)[1]
        rule = library.days_of_month
        if not rule:  # '?': the day-of-week field decides
            days = DateUtils.get_days_of_month_from_days_of_week(year, month, library.days_of_week)
        elif rule[0] == "L":
            days = DateUtils.get_days_of_month_for_L(year, month, int(rule[1]))
        elif rule[0] == "W":
            days = DateUtils.get_days_of_month_for_W(year, month, int(rule[1])) if int(rule[1]) <= length else []
        else:
            days = rule
        return tuple(sorted(d for d in set(days or ()) if 1 <= d <= length))

    def days(self, first: date, last: date) -> Iterator[date]:
        """Matching days from ``first`` to ``last`` inclusive, in order (backwards when last < first)."""
        step = 1 if last >= first else -1
        year, month = first.year, first.month
        while True:
            days = self.days_of(year, month)
            for day in (days if step == 1 else reversed(days)):
                current = date(year, month, day)
                if (step == 1 and first <= current <= last) or (step == -1 and last <= current <= first):
                    yield current
            if (year, month) == (last.year, last.month):
                return
            month += step
            if month == 13:
                year, month = year + 1, 1
            elif month == 0:
                year, month = year - 1, 12
            if not _FIRST_YEAR <= year <= _LAST_YEAR:
                return

    # the aws-croniter interface, on the caller's wall clock (naive or UTC) ---------------------------
    def get_next(self, from_date: datetime, n: int = 1, inclusive: bool = False) -> list[datetime | None]:
        return self._walk(from_date, n, inclusive, forward=True)

    def get_prev(self, from_date: datetime, n: int = 1, inclusive: bool = False) -> list[datetime | None]:
        return self._walk(from_date, n, inclusive, forward=False)

    def _walk(self, from_date: datetime, n: int, inclusive: bool, *, forward: bool) -> list[datetime | None]:
        """Like the library: strictly after (before) the minute of ``from_date``, or from it when inclusive."""
        found: list[datetime | None] = []
        tz = from_date.tzinfo
        wall = from_date.replace(second=0, microsecond=0, tzinfo=None)
        if not inclusive:
            wall += timedelta(minutes=1) if forward else -timedelta(minutes=1)
        limit = date(_LAST_YEAR, 12, 31) if forward else date(_FIRST_YEAR, 1, 1)
        for day in self.days(wall.date(), limit):
            times = self.times
            if day == wall.date():
                minute = wall.hour * 60 + wall.minute
                times = times[bisect_left(times, minute):] if forward else times[:bisect_right(times, minute)]
            for t in (times if forward else reversed(times)):
                found.append(datetime.combine(day, time(t // 60, t % 60), tz))
                if len(found) == n:
                    return found
        return found + [None] * (n - len(found))


def _rate_interval(expression: str) -> timedelta | None:
    match = _RATE.match(expression)
    if not match:
        return None
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        raise ScheduleError(f"{expression!r}: the rate value must be a positive whole number")
    if (value == 1) != (not unit.endswith("s")):
        raise ScheduleError(f"{expression!r}: AWS wants the singular unit for 1 and the plural otherwise, "
                            "as in rate(1 day) and rate(12 hours)")
    unit = unit.rstrip("s")
    return {"minute": timedelta(minutes=value), "hour": timedelta(hours=value), "day": timedelta(days=value)}[unit]


def parse(expression: str) -> Any:
    """Return a :class:`Cron` or a rate interval; raise ScheduleError for anything AWS would reject."""
    if not isinstance(expression, str) or not expression.strip():
        what = "empty" if expression is None or isinstance(expression, str) else f"not text ({expression!r})"
        raise ScheduleError(f"the schedule expression is {what}; AWS takes cron(minutes hours day-of-month month "
                            "day-of-week year) or rate(value unit)")
    expression = expression.strip()
    interval = _rate_interval(expression)
    if interval is not None:
        return interval
    if expression.startswith("rate("):
        raise ScheduleError(f"{expression!r}: AWS takes rate(value unit) with a positive whole number and minute(s), "
                            "hour(s) or day(s), as in rate(1 day), rate(12 hours), rate(90 minutes)")
    if expression.startswith("at("):
        raise ScheduleError(f"{expression!r}: a one-time schedule runs once, so it has no recurring gap; "
                            "use cron(...) or rate(...)")
    match = _CRON.match(expression)
    if not match:
        raise ScheduleError(f"{expression!r}: not an AWS schedule expression; use cron(minutes hours day-of-month "
                            "month day-of-week year) or rate(value unit)")
    return _cron(match.group(1).strip())


@lru_cache(maxsize=256)
def _cron(body: str) -> Cron:
    return Cron(body)


def _zone(name: str | None):
    """The ZoneInfo of ScheduleExpressionTimezone (None or empty: UTC, AWS's default)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name:
        return ZoneInfo(DEFAULT_TIMEZONE)
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ScheduleError(f"ScheduleExpressionTimezone {name!r} is not a time zone AWS accepts: use an IANA "
                            "name such as Etc/UTC or Europe/Paris") from None


# analysis --------------------------------------------------------------------------------------------
def analyse(expression: str | None, *, start: datetime | None = None, horizon: timedelta = DEFAULT_HORIZON,
            timezone: str | None = None, default: str | None = None) -> ScheduleAnalysis:
    """Measure the gaps between consecutive runs from ``start`` (default: today 00:00 UTC) over ``horizon``.

    ``timezone`` is the ScheduleExpressionTimezone the expression is read in (default UTC). ``default`` is
    the expression the service uses when none is given (AWS Backup rules: ``BACKUP_RULE_DEFAULT_SCHEDULE``);
    without it, a missing expression is an error. Results are cached in memory and on disk (next to the
    template cache): every control asks about the same few schedules. Only successful analyses are cached;
    an invalid expression is parsed (and rejected) every time."""
    if start is None:
        start = datetime.now(dt_timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    defaulted = default is not None and (expression is None or not str(expression).strip())
    if defaulted:
        expression = default
    zone_name = timezone or DEFAULT_TIMEZONE
    _zone(zone_name)  # reject an unknown zone before caching anything
    return _analyse_cached(expression, start, horizon, zone_name, defaulted)


@lru_cache(maxsize=256)
def _analyse_cached(expression: str, start: datetime, horizon: timedelta, zone: str = DEFAULT_TIMEZONE,
                    defaulted: bool = False) -> ScheduleAnalysis:
    path = _cache_path(expression, start, horizon, zone, defaulted)
    if path is not None:
        try:
            return _from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            pass
    analysis = _analyse(expression, start, horizon, zone, defaulted)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(_to_json(analysis)), encoding="utf-8")
        except OSError:
            pass
    return analysis


def _cache_path(expression: str, start: datetime, horizon: timedelta, zone: str, defaulted: bool):
    from importlib import metadata

    from audit.cache_paths import cache_root

    try:
        version = metadata.version("aws-croniter")
    except metadata.PackageNotFoundError:
        return None
    key = hashlib.sha256(f"2|{version}|{code_digest()}|{expression}|{start.isoformat()}|{horizon.total_seconds()}|{zone}|"
                         f"{defaulted}".encode()).hexdigest()
    return cache_root() / "schedules" / f"{key}.json"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The digest of this module, the code that computes an analysis (audit/code_fingerprint.py): part of
    every cache key, so an edit of it is never served an analysis its old code computed."""
    from audit.code_fingerprint import files_digest

    return files_digest([Path(__file__)])


def _to_json(a: ScheduleAnalysis) -> dict[str, Any]:
    return {"expression": a.expression, "runs": a.runs,
            "max_gap": None if a.max_gap is None else a.max_gap.total_seconds(),
            "min_gap": None if a.min_gap is None else a.min_gap.total_seconds(),
            "first_run": a.first_run.isoformat() if a.first_run else None,
            "last_run": a.last_run.isoformat() if a.last_run else None,
            "timezone": a.timezone, "defaulted": a.defaulted}


def _from_json(d: dict[str, Any]) -> ScheduleAnalysis:
    def gap(v):
        return None if v is None else timedelta(seconds=v)

    def when(v):
        return None if v is None else datetime.fromisoformat(v)

    return ScheduleAnalysis(d["expression"], gap(d["max_gap"]), gap(d["min_gap"]), d["runs"], when(d["first_run"]),
                            when(d["last_run"]), d["timezone"], d["defaulted"])


@dataclass
class _Block:
    """The runs of one day (or of the part of it inside the horizon), summarised."""

    first: datetime
    last: datetime
    count: int
    max_inner: timedelta | None
    min_inner: timedelta | None


def _day_runs(cron: Cron, zone, day: date) -> list[datetime]:
    """Every run of one local day as UTC instants. A wall-clock time that does not exist (clocks go forward)
    does not run; one that happens twice (clocks go back) runs once, at its first occurrence (EventBridge
    Scheduler: "your schedule invocation gets skipped ... runs only once and doesn't repeat")."""
    runs = []
    for t in cron.times:
        wall = datetime.combine(day, time(t // 60, t % 60))
        instant = wall.replace(tzinfo=zone, fold=0).astimezone(dt_timezone.utc)
        if instant.astimezone(zone).replace(tzinfo=None) != wall:
            continue  # skipped by the clock change
        runs.append(instant)
    return sorted(runs)


def _plain_day(zone, day: date) -> timedelta | None:
    """The day's UTC offset when it is the same all day (no clock change), else None."""
    midnight = datetime.combine(day, time(0, 0)).replace(tzinfo=zone)
    late = datetime.combine(day, time(23, 59)).replace(tzinfo=zone)
    offsets = {midnight.utcoffset(), midnight.replace(fold=1).utcoffset(), late.utcoffset(), late.replace(fold=1).utcoffset()}
    return offsets.pop() if len(offsets) == 1 else None


def _blocks(cron: Cron, zone, start: datetime, end: datetime) -> list[_Block]:
    inner = [timedelta(minutes=b - a) for a, b in zip(cron.times, cron.times[1:])]
    max_inner, min_inner = (max(inner), min(inner)) if inner else (None, None)
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    blocks = []
    for day in cron.days(first_day, last_day):
        offset = _plain_day(zone, day)
        if offset is not None:
            first = (datetime.combine(day, time(cron.times[0] // 60, cron.times[0] % 60)) - offset).replace(tzinfo=dt_timezone.utc)
            last = (datetime.combine(day, time(cron.times[-1] // 60, cron.times[-1] % 60)) - offset).replace(tzinfo=dt_timezone.utc)
            if start <= first and last <= end:
                blocks.append(_Block(first, last, len(cron.times), max_inner, min_inner))
                continue
            if last < start or first > end:
                continue
        runs = [r for r in _day_runs(cron, zone, day) if start <= r <= end]
        if runs:
            gaps = [b - a for a, b in zip(runs, runs[1:])]
            blocks.append(_Block(runs[0], runs[-1], len(runs), max(gaps) if gaps else None, min(gaps) if gaps else None))
    return blocks


def _neighbour(cron: Cron, zone, instant: datetime, *, after: bool) -> datetime | None:
    """The first run after ``instant`` (or the last before it), searched up to 2199 (back to 1970)."""
    first_day = instant.astimezone(zone).date()
    limit = date(_LAST_YEAR, 12, 31) if after else date(_FIRST_YEAR, 1, 1)
    for day in cron.days(first_day - timedelta(days=1) if after else first_day + timedelta(days=1), limit):
        runs = [r for r in _day_runs(cron, zone, day) if (r > instant if after else r < instant)]
        if runs:
            return runs[0] if after else runs[-1]
    return None


def _analyse(expression: str, start: datetime, horizon: timedelta, zone_name: str = DEFAULT_TIMEZONE,
             defaulted: bool = False) -> ScheduleAnalysis:
    parsed = parse(expression)
    end = start + horizon
    if isinstance(parsed, timedelta):  # a rate runs every interval whatever the zone (24 h for a day)
        return ScheduleAnalysis(expression, parsed, parsed, int(horizon / parsed), start, end, zone_name, defaulted)
    zone = _zone(zone_name)
    blocks = _blocks(parsed, zone, start, end)
    runs = sum(b.count for b in blocks)
    if runs < 2:
        return ScheduleAnalysis(expression, None, None, runs, blocks[0].first if blocks else None,
                                blocks[-1].last if blocks else None, zone_name, defaulted)
    gaps = [g for b in blocks for g in (b.max_inner, b.min_inner) if g is not None]
    gaps += [later.first - earlier.last for earlier, later in zip(blocks, blocks[1:])]
    before = _neighbour(parsed, zone, blocks[0].first, after=False)
    if before is not None:
        gaps.append(blocks[0].first - before)
    following = _neighbour(parsed, zone, blocks[-1].last, after=True)
    # A schedule that never runs again (year field) leaves an open gap: counted to the horizon's end.
    gaps.append((following if following is not None else end) - blocks[-1].last)
    return ScheduleAnalysis(expression, max(gaps), min(gaps), runs, blocks[0].first, blocks[-1].last, zone_name, defaulted)
