"""Refusals of the waivers file that name their subject: a file that cannot be read, and a number given
where the reports need text (audit/waivers.py: "a field of the wrong type" is bad input, exit 2).

A plain integer is accepted as a ticket (``ticket: 1234``, YAML reads it as a number) as long as it fits in
64 bits, the size of any ticket number; a longer one is refused with the advice to quote it, so the text a
report shows is exactly what the author wrote (YAML would read ``0x...`` or ``1_000`` as the same number).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from audit.waivers import WaiverError, load_waivers

TODAY = date(2026, 11, 27)


def with_ticket(tmp_path: Path, ticket: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text("- control: RPO-02\n  resource: all\n  justification: the copy rule lands with OPS-1\n"
                    f"  ticket: {ticket}\n  expires: 2026-12-31\n")
    return path


def refusal(path: Path) -> list[str]:
    with pytest.raises(WaiverError) as caught:
        load_waivers(path, today=TODAY)
    return caught.value.problems


def test_a_missing_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "no-such-waivers.yaml"
    assert refusal(path) == [f"{path}: cannot read: No such file or directory"]


def test_a_folder_given_as_the_waivers_file_is_refused_naming_it(tmp_path):
    assert refusal(tmp_path) == [f"{tmp_path}: cannot read: Is a directory"]


@pytest.mark.parametrize("written, shown", [
    ("1234", "1234"),
    ("18446744073709551615", "18446744073709551615"),   # 2**64 - 1: 64 bits, the largest accepted
    ("-18446744073709551615", "-18446744073709551615"),
    ("'18446744073709551616'", "18446744073709551616"),  # quoted: text, whatever its length
])
def test_a_ticket_number_of_up_to_64_bits_is_shown_as_written(tmp_path, written, shown):
    [waiver] = load_waivers(with_ticket(tmp_path, written), today=TODAY)
    assert waiver.ticket == shown


@pytest.mark.parametrize("written", ["18446744073709551616", "-18446744073709551616", "9" * 100],
                         ids=["2**64", "-2**64", "100-digits"])
def test_a_ticket_number_longer_than_64_bits_is_refused_asking_to_quote_it(tmp_path, written):
    """2**64 is 65 bits: the first number refused."""
    assert refusal(with_ticket(tmp_path, written)) == [
        f"{tmp_path / 'waivers.yaml'}:4: ticket must be a text, not a number this long (quote it)"]


@pytest.mark.parametrize("written, kind", [("true", "true/false"), ("1.5", "a decimal number (quote it)"),
                                           ("2026-12-01", "a date (quote it)"), ("{a: b}", "a mapping")])
def test_a_ticket_of_another_type_is_refused_naming_the_type(tmp_path, written, kind):
    assert refusal(with_ticket(tmp_path, written)) == [f"{tmp_path / 'waivers.yaml'}:4: ticket must be a text, not {kind}"]
