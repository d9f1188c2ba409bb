"""Bad input is reported whole: every problem of every waiver, in file order, so one run of the audit tells
the author everything to fix (audit/waivers.py: "Bad input stops the run with exit 2 and ``file:line:
problem`` for every problem"). A problem found early in a waiver, or in an earlier waiver, never hides a
later one; and a field refused for what it holds is refused once, without a cascade of follow-up problems.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from audit.waivers import WaiverError, load_waivers

TODAY = date(2026, 11, 27)


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    with pytest.raises(WaiverError) as caught:
        load_waivers(path, today=TODAY)
    return [p.split("waivers.yaml:", 1)[1] for p in caught.value.problems]


def waiver(control: str = "RPO-02", resource: str = "all", extra: str = "") -> str:
    return (f"- control: {control}\n  resource: {resource}\n  justification: the copy rule lands with OPS-1\n"
            f"{extra}  expires: 2026-12-31\n")


def test_a_field_name_holding_personal_data_is_one_problem_and_the_fields_after_it_are_still_read(tmp_path):
    text = ("- jane.doe@example.com: approved\n"
            "  control: RPO-02\n  resource: all\n  justification: the copy rule lands with OPS-1\n  expires: 2026-12-31\n")
    found = problems(tmp_path, text)
    assert len(found) == 1 and found[0].startswith("1: a field name holds what looks like an e-mail address"), found
    assert "jane" not in found[0]


def test_two_field_names_holding_personal_data_are_both_reported(tmp_path):
    text = ("- jane.doe@example.com: approved\n  control: RPO-02\n  resource: all\n"
            "  justification: the copy rule lands with OPS-1\n  '+1 555 123 4567': on call\n  expires: 2026-12-31\n")
    found = problems(tmp_path, text)
    assert [p.split(":", 1)[0] for p in found] == ["1", "5"], found
    assert "e-mail address" in found[0] and "phone number" in found[1]


def test_a_field_value_after_a_refused_field_name_is_still_checked(tmp_path):
    text = ("- jane.doe@example.com: approved\n  control: RPO-02\n  resource: all\n"
            "  justification: the copy rule lands with OPS-1\n  ticket: true\n  expires: 2026-12-31\n")
    found = problems(tmp_path, text)
    assert [p.split(":", 1)[0] for p in found] == ["1", "5"], found
    assert found[1] == "5: ticket must be a text, not true/false"


def test_a_missing_optional_field_does_not_stop_the_check_of_the_next(tmp_path):
    """owner is left out (optional); the ticket after it is still checked and refused."""
    assert problems(tmp_path, waiver(extra="  ticket: true\n")) == ["4: ticket must be a text, not true/false"]


def test_a_refused_control_does_not_stop_the_check_of_the_other_fields(tmp_path):
    found = problems(tmp_path, waiver(control="ops@example.com", extra="  owner: [a, b]\n  ticket: 1.5\n"))
    assert [p.split(":", 1)[0] for p in found] == ["1", "4", "5"], found
    assert found[0].startswith("1: control holds what looks like an e-mail address")
    assert found[1:] == ["4: owner must be a text, not a list", "5: ticket must be a text, not a decimal number (quote it)"]


def test_every_bad_waiver_of_a_file_is_reported_not_only_the_first(tmp_path):
    text = waiver(control="BG-01") + waiver(control="RPO-99") + waiver(extra="  owner: [a]\n")
    found = problems(tmp_path, text)
    assert [p.split(":", 1)[0] for p in found] == ["1", "5", "12"], found
    assert "BG-01 cannot be waived" in found[0] and "unknown control 'RPO-99'" in found[1]


def test_a_waiver_given_twice_does_not_hide_a_bad_waiver_after_it(tmp_path):
    text = waiver() + waiver() + waiver(control="ENC-02", extra="  ticket: [x]\n")
    found = problems(tmp_path, text)
    assert found == ["5: RPO-02 'all' is already waived at line 1", "12: ticket must be a text, not a list"], found


def test_a_waiver_given_twice_and_again_is_reported_at_each_repeat(tmp_path):
    found = problems(tmp_path, waiver() + waiver() + waiver())
    assert found == ["5: RPO-02 'all' is already waived at line 1", "9: RPO-02 'all' is already waived at line 1"]


def test_good_waivers_around_a_bad_one_do_not_hide_it(tmp_path):
    text = waiver() + waiver(control="BG-02") + waiver(control="ENC-02")
    found = problems(tmp_path, text)
    assert len(found) == 1 and found[0].startswith("5: BG-02 cannot be waived"), found
