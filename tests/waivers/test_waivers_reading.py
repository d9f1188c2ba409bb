"""Reading the waivers file, the cases around the YAML: a file whose YAML holds no document waives nothing,
a byte that is not UTF-8 is named at its line (the first line included), a field name with a tab is a
control character like any other, a catalogue that cannot be read is bad input naming its own problems, and
the error carries every problem in its message too (a log or a traceback shows them, not an empty line).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from audit.waivers import WaiverError, load_waivers

TODAY = date(2026, 11, 27)
WAIVER = "- control: RPO-02\n  resource: all\n  justification: the copy rule lands with OPS-1\n  expires: 2026-12-31\n"


def read(tmp_path: Path, content: str | bytes) -> list:
    path = tmp_path / "waivers.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return load_waivers(path, today=TODAY)


def refused(tmp_path: Path, content: str | bytes) -> list[str]:
    with pytest.raises(WaiverError) as caught:
        read(tmp_path, content)
    return [p.split("waivers.yaml", 1)[1] for p in caught.value.problems]


@pytest.mark.parametrize("content", ["---\n", "null\n", "~\n", "--- # no waivers yet\n...\n"],
                         ids=["document-marker", "null", "tilde", "empty-document"])
def test_a_yaml_file_holding_no_value_waives_nothing(tmp_path, content):
    assert read(tmp_path, content) == []


@pytest.mark.parametrize("content, line", [
    (b"\xff- control: RPO-02\n", 1),
    (b"\n\xff- control: RPO-02\n", 2),       # a newline as the very first byte is counted
    (b"\n\n# comment\n- control: \xe9\n", 4),
], ids=["first-byte", "after-a-first-newline", "fourth-line"])
def test_a_byte_that_is_not_utf8_is_named_at_its_line(tmp_path, content, line):
    [problem] = refused(tmp_path, content)
    assert problem.startswith(f":{line}: not UTF-8 text (byte 0x"), problem


def test_a_field_name_holding_a_tab_is_refused_as_a_control_character(tmp_path):
    """Only the justification's line breaks and tabs are folded into spaces: a field name is checked as written."""
    found = refused(tmp_path, WAIVER + '  "note\\tx": y\n')
    assert found == [":5: a field name holds the control character U+0009 (at character 5): write plain text"], found


def test_a_justification_holding_a_tab_is_folded_not_refused(tmp_path):
    [waiver] = read(tmp_path, WAIVER.replace("justification: the copy rule lands with OPS-1",
                                             'justification: "the\\tcopy rule lands with OPS-1"'))
    assert waiver.justification == "the copy rule lands with OPS-1"


def test_a_catalogue_that_cannot_be_read_is_bad_input_naming_its_problem(tmp_path, monkeypatch):
    import audit.catalogue

    missing = tmp_path / "no-catalogue.yaml"
    monkeypatch.setattr(audit.catalogue, "CATALOGUE_FILE", missing)
    with pytest.raises(WaiverError) as caught:
        read(tmp_path, WAIVER)
    assert caught.value.problems == [f"{missing}: cannot read: No such file or directory"]


def test_the_error_message_holds_every_problem_one_per_line():
    error = WaiverError(["waivers.yaml:1: first", "waivers.yaml:5: second"])
    assert str(error) == "waivers.yaml:1: first\nwaivers.yaml:5: second"
    assert error.problems == ["waivers.yaml:1: first", "waivers.yaml:5: second"]
