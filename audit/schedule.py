"""AWS Backup schedule expressions: parse them and measure the longest gap between two runs.

The RPO controls need "how old can the newest recovery point get", which is the largest gap between two
scheduled starts plus the start and completion windows. Cron parsing and iteration come from the
maintained ``aws-croniter`` library (it implements AWS's 6-field dialect: ``?``, ``L``, ``W``, ``#``, the
year field, and rejects expressions AWS rejects, such as both day fields set). Only the thin ``rate(...)``
form, which the library does not cover, is parsed here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta, timezone

import hashlib
import json
from typing import Any

#: One year plus a margin: long enough to see monthly, quarterly and leap-day patterns.
DEFAULT_HORIZON = timedelta(days=400)
#: Iteration bound; a schedule that fires this often has gaps of minutes, far below any RPO.
MAX_OCCURRENCES = 20_000
#: AWS Backup runs a plan rule at most once an hour.
MIN_BACKUP_INTERVAL = timedelta(hours=1)

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")


class ScheduleError(ValueError):
    """The expression is not one AWS accepts; the message says why."""


@dataclass(frozen=True)
class ScheduleAnalysis:
    """What the controls need to know about one schedule over a horizon."""

    expression: str
    max_gap: timedelta | None  # None: fewer than two runs in the horizon (the schedule stops or is rare)
    min_gap: timedelta | None
    runs: int
    first_run: datetime | None
    last_run: datetime | None

    @property
    def max_gap_hours(self) -> float | None:
        return None if self.max_gap is None else self.max_gap.total_seconds() / 3600


def _rate_interval(expression: str) -> timedelta | None:
    match = _RATE.match(expression)
    if not match:
        return None
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        raise ScheduleError(f"{expression!r}: the rate value must be a positive integer")
    if (value == 1) != (not unit.endswith("s")):
        raise ScheduleError(f"{expression!r}: AWS wants the singular unit for 1 and the plural otherwise")
    unit = unit.rstrip("s")
    return {"minute": timedelta(minutes=value), "hour": timedelta(hours=value), "day": timedelta(days=value)}[unit]


def _cron_body(expression: str) -> str:
    match = _CRON.match(expression)
    if not match:
        raise ScheduleError(
            f"{expression!r}: not an AWS schedule expression; use cron(min hour day-of-month month day-of-week year) "
            "or rate(N unit)"
        )
    return match.group(1).strip()


def parse(expression: str) -> Any:
    """Return a cron iterator or a rate interval; raise ScheduleError for anything AWS would reject."""
    if not isinstance(expression, str) or not expression.strip():
        raise ScheduleError("the schedule expression is empty")
    expression = expression.strip()
    interval = _rate_interval(expression)
    if interval is not None:
        return interval
    if expression.startswith("rate("):
        raise ScheduleError(f"{expression!r}: rate expressions look like rate(1 day), rate(12 hours), rate(90 minutes)")
    body = _cron_body(expression)
    from aws_croniter import AwsCroniter  # imported on demand: most audits read analyses from the cache
    from aws_croniter.exceptions import AwsCroniterExpressionError

    try:
        return AwsCroniter(body)
    except (AwsCroniterExpressionError, ValueError, IndexError) as exc:
        raise ScheduleError(f"{expression!r}: {exc}") from None


def analyse(expression: str, *, start: datetime | None = None, horizon: timedelta = DEFAULT_HORIZON) -> ScheduleAnalysis:
    """Measure the gaps between consecutive runs from ``start`` (default: today 00:00 UTC) over ``horizon``.

    Results are cached in memory and on disk (next to the template cache): every control asks about the
    same few schedules, and a year of a daily cron is hundreds of iterations of the cron library. Only
    successful analyses are cached; an invalid expression is parsed (and rejected) every time."""
    if start is None:
        start = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return _analyse_cached(expression, start, horizon)


@lru_cache(maxsize=256)
def _analyse_cached(expression: str, start: datetime, horizon: timedelta) -> ScheduleAnalysis:
    path = _cache_path(expression, start, horizon)
    if path is not None:
        try:
            return _from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            pass
    analysis = _analyse(expression, start, horizon)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(_to_json(analysis)), encoding="utf-8")
        except OSError:
            pass
    return analysis


def _cache_path(expression: str, start: datetime, horizon: timedelta):
    from importlib import metadata

    from audit.cache_paths import cache_root

    try:
        version = metadata.version("aws-croniter")
    except metadata.PackageNotFoundError:
        return None
    key = hashlib.sha256(f"1|{version}|{expression}|{start.isoformat()}|{horizon.total_seconds()}".encode()).hexdigest()
    return cache_root() / "schedules" / f"{key}.json"


def _to_json(a: ScheduleAnalysis) -> dict[str, Any]:
    return {"expression": a.expression, "runs": a.runs,
            "max_gap": None if a.max_gap is None else a.max_gap.total_seconds(),
            "min_gap": None if a.min_gap is None else a.min_gap.total_seconds(),
            "first_run": a.first_run.isoformat() if a.first_run else None,
            "last_run": a.last_run.isoformat() if a.last_run else None}


def _from_json(d: dict[str, Any]) -> ScheduleAnalysis:
    def gap(v):
        return None if v is None else timedelta(seconds=v)

    def when(v):
        return None if v is None else datetime.fromisoformat(v)

    return ScheduleAnalysis(d["expression"], gap(d["max_gap"]), gap(d["min_gap"]), d["runs"], when(d["first_run"]), when(d["last_run"]))


def _analyse(expression: str, start: datetime, horizon: timedelta) -> ScheduleAnalysis:
    parsed = parse(expression)
    if isinstance(parsed, timedelta):
        return ScheduleAnalysis(expression, parsed, parsed, int(horizon / parsed), start, start + horizon)
    runs = _cron_runs(parsed, start, start + horizon)
    if len(runs) < 2:
        return ScheduleAnalysis(expression, None, None, len(runs), runs[0] if runs else None, runs[-1] if runs else None)
    gaps = [later - earlier for earlier, later in zip(runs, runs[1:])]
    # A schedule that stops before the horizon ends (year field) leaves an open gap to the horizon's end.
    tail = (start + horizon) - runs[-1]
    max_gap = max(gaps)
    if len(runs) < MAX_OCCURRENCES and tail > max_gap:
        max_gap = tail
    return ScheduleAnalysis(expression, max_gap, min(gaps), len(runs), runs[0], runs[-1])


def _cron_runs(cron: Any, start: datetime, end: datetime) -> list[datetime]:
    runs: list[datetime] = []
    current = start - timedelta(seconds=1)
    while len(runs) < MAX_OCCURRENCES:
        following = cron.get_next(current)
        nxt = following[0] if isinstance(following, list) else following
        if nxt is None or nxt > end:
            break
        runs.append(nxt)
        current = nxt
    return runs
