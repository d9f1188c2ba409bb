"""The two day boundaries of a waiver's expiry (audit/waivers.py, "Governance"):

- a waiver may expire at most 180 days after the day of the run: day 180 is accepted, day 181 is bad
  input (exit 2) whose message names the latest allowed day;
- a waiver is valid through the day it expires: on that day it still covers, from the next day on it is
  expired (it covers nothing and fails the run until renewed or removed).

Each boundary is pinned from both sides with dates written out, not computed from the module's constant,
so a change of the rule (179 or 181 days, expiring on the day itself) is seen.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from audit.waivers import WaiverError, WaiverSet, load_waivers

TODAY = date(2026, 11, 27)
DAY_180 = "2027-05-26"  # 2026-11-27 + 180 days (4 + 31 + 31 + 28 + 31 + 30 + 25)
DAY_181 = "2027-05-27"


def waivers_file(tmp_path: Path, expires: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text("- control: RPO-02\n"
                    "  resource: all\n"
                    "  justification: the copy rule lands with OPS-1\n"
                    f"  expires: {expires}\n")
    return path


def test_the_dates_of_this_file_are_180_and_181_days_ahead():
    assert (date.fromisoformat(DAY_180) - TODAY).days == 180 and (date.fromisoformat(DAY_181) - TODAY).days == 181


@pytest.mark.parametrize("expires", [DAY_180, f'"{DAY_180}"'], ids=["yaml-date", "quoted"])
def test_an_expiry_exactly_180_days_ahead_is_accepted(tmp_path, expires):
    [waiver] = load_waivers(waivers_file(tmp_path, expires), today=TODAY)
    assert (waiver.expires, waiver.state) == (DAY_180, "unused")


@pytest.mark.parametrize("expires", [DAY_181, f'"{DAY_181}"', "2099-01-01"], ids=["yaml-date", "quoted", "far"])
def test_an_expiry_181_days_ahead_or_later_is_refused_naming_the_latest_allowed_day(tmp_path, expires):
    with pytest.raises(WaiverError) as caught:
        load_waivers(waivers_file(tmp_path, expires), today=TODAY)
    [problem] = caught.value.problems
    assert problem.endswith(f"waivers.yaml:4: expires {expires.strip(chr(34))} is more than 180 days after today "
                            f"(2026-11-27); the latest allowed is {DAY_180}"), problem


def test_the_180_days_count_from_the_day_of_the_run(tmp_path):
    """The same file is valid on one day and refused the day before: the window moves with the run."""
    path = waivers_file(tmp_path, DAY_181)
    [waiver] = load_waivers(path, today=date(2026, 11, 28))
    assert waiver.expires == DAY_181
    with pytest.raises(WaiverError):
        load_waivers(path, today=TODAY)


@pytest.mark.parametrize("expires, state", [
    ("2026-11-26", "expired"),   # yesterday: expired
    ("2026-11-27", "unused"),    # today: still valid, through the day it expires
    ("2026-11-28", "unused"),    # tomorrow
], ids=["yesterday", "today", "tomorrow"])
def test_a_waiver_is_valid_through_the_day_it_expires(tmp_path, expires, state):
    [waiver] = load_waivers(waivers_file(tmp_path, expires), today=TODAY)
    assert waiver.state == state


def test_an_expired_waiver_is_not_bad_input_however_old(tmp_path):
    [waiver] = load_waivers(waivers_file(tmp_path, "2001-01-01"), today=TODAY)
    assert (waiver.expires, waiver.state) == ("2001-01-01", "expired")


def test_a_waiver_expiring_today_still_covers_and_one_that_expired_yesterday_does_not(tmp_path):
    from audit.controls import Outcome

    def covered(expires: str) -> bool:
        waivers = WaiverSet(load_waivers(waivers_file(tmp_path, expires), today=TODAY))
        failing = Outcome(subjects=["dynamodb table app"])
        failing.check(False, "dynamodb table app: no copy rule")
        return bool(waivers.split("RPO-02", failing).waived)

    assert covered("2026-11-27") and not covered("2026-11-26")


def test_a_quoted_expiry_may_carry_spaces_around_the_date(tmp_path):
    [waiver] = load_waivers(waivers_file(tmp_path, '"  2026-12-01 "'), today=TODAY)
    assert waiver.expires == "2026-12-01"
