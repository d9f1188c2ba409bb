"""Waivers files that crashed the audit or slipped personal data into its reports (issue 11, section 5).

Run through the command line as a person meets them: each must stop the audit before anything is audited,
with exit 2 and ``file:line: field ...`` on stderr, never a traceback; personal data must be refused
without being repeated (the error goes to CI logs, which are kept and shared too)."""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from audit.cli import main

SOON = (date.today() + timedelta(days=30)).isoformat()
WAIVER = f"""\
- control: RPO-02
  resource: all
  justification: the copy rule lands with OPS-1
  owner: platform-team
  ticket: OPS-1
  expires: {SOON}
"""
LINES = {key: number for number, key in enumerate(("control", "resource", "justification", "owner", "ticket", "expires"), 1)}


def audit_with(tmp_path: Path, capsys, waivers: str | bytes) -> tuple[int, str]:
    """(exit code, stderr) of a static audit of the example environment reading ``waivers``."""
    path = tmp_path / "waivers.yaml"
    path.write_bytes(waivers if isinstance(waivers, bytes) else waivers.encode())
    code = main(["audit", "--mode", "static", "--env", "example", "--waivers", str(path),
                 "--report-dir", str(tmp_path / "reports")])
    err = capsys.readouterr().err
    assert not (tmp_path / "reports" / "report.json").exists(), "bad waivers must stop the run before anything is audited"
    return code, err


def with_field(key: str, value: str) -> str:
    return re.sub(rf"(?m)^(  |- ){key}: .*$", lambda m: f"{m.group(1)}{key}: {value}", WAIVER)


@pytest.mark.parametrize("value", ["2026-13-45", "2026-02-30", "0000-01-01", "2026-01-01T00:00:00+99:00"])
def test_an_impossible_date_names_file_line_and_field(tmp_path, capsys, value):
    """YAML reads 2026-13-45 as a date, which Python cannot build: that raised ValueError out of the parser."""
    code, err = audit_with(tmp_path, capsys, with_field("expires", value))
    assert code == 2, err
    assert re.search(rf"waivers\.yaml:{LINES['expires']}: expires '{re.escape(value)}' is not a date", err), err


@pytest.mark.parametrize("key, kind", [("[a, b]", "list"), ("{a: b}", "mapping"), ("? [x]\n  ", "list")])
def test_a_list_or_mapping_used_as_a_field_name_names_file_and_line(tmp_path, capsys, key, kind):
    """PyYAML's line-keeping loader put the key in a dict: TypeError (unhashable), a traceback."""
    code, err = audit_with(tmp_path, capsys, WAIVER.replace("  owner: platform-team", f"  {key}: platform-team"))
    assert code == 2, err
    assert re.search(rf"waivers\.yaml:{LINES['owner']}: a field name must be a text, not a {kind}", err), err


PERSONAL = [
    ("justification", "approved by jane.doe@example.com until the copy rule lands", "jane.doe@example.com"),
    ("justification", "call the on-call engineer on +1 555 123 4567", "555 123 4567"),
    ("justification", "'questions: (555) 123-4567'", "123-4567"),
    ("justification", "'escalate to jane (at) example (dot) com'", "jane (at) example"),
    ("ticket", "jane.doe@example.com", "jane.doe@example.com"),
    ("ticket", "'+44 20 7946 0958'", "7946 0958"),
    ("owner", "jane@corp.example.org", "jane@corp.example.org"),
]


@pytest.mark.parametrize("key, value, secret", PERSONAL, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(PERSONAL)])
def test_personal_data_is_refused_without_being_repeated(tmp_path, capsys, key, value, secret):
    """Reports (and evidence packs, kept for years) copied the justification and ticket as written."""
    code, err = audit_with(tmp_path, capsys, with_field(key, value))
    assert code == 2, err
    assert re.search(rf"waivers\.yaml:{LINES[key]}: {key} holds what looks like an? (e-mail address|phone number)", err), err
    assert secret not in err and secret.split()[-1] not in err


def test_personal_data_in_a_field_name_or_an_unknown_field_is_not_repeated(tmp_path, capsys):
    code, err = audit_with(tmp_path, capsys, WAIVER + "  jane@example.com: x\n  contact: '+1 555 123 4567'\n")
    assert code == 2, err
    assert re.search(r"waivers\.yaml:7: a field name holds what looks like an e-mail address", err), err
    assert re.search(r"waivers\.yaml:8: contact holds what looks like a phone number", err), err
    assert "jane@" not in err and "4567" not in err


def test_what_is_not_personal_data_is_accepted(tmp_path):
    """Account ids, ARNs, dates, times, versions, addresses and ticket ids are what justifications are made
    of: refusing them would make waivers unwritable, so the rules must not flag them."""
    from audit.waivers import load_waivers

    justification = ("account 123456789012 (arn:aws:iam::123456789012:role/backup) keeps copies until "
                     "2026-12-31 10:00 UTC, v1.2.3, 10.0.0.1, +30 days, 01.12.2026, OPS-1234")
    path = tmp_path / "waivers.yaml"
    path.write_text(with_field("justification", f"'{justification}'").replace("ticket: OPS-1", "ticket: INC-555-1234"))
    [waiver] = load_waivers(path, today=date.today())
    assert (waiver.justification, waiver.ticket) == (justification, "INC-555-1234")


@pytest.mark.parametrize("key, value, code_point", [
    ("justification", r'"the copy rule \e[31mlands"', "U+001B"),
    ("ticket", r'"OPS-1\u202eevil"', "U+202E"),
    ("resource", r'"all\u0000"', "U+0000"),
])
def test_control_characters_are_refused(tmp_path, capsys, key, value, code_point):
    """Escapes in quoted YAML reach the terminal table, the markdown and the XML reports as raw characters."""
    code, err = audit_with(tmp_path, capsys, with_field(key, value))
    assert code == 2, err
    assert re.search(rf"waivers\.yaml:{LINES[key]}: {key} holds the control character {re.escape(code_point)}", err), err


def test_a_justification_written_over_several_lines_is_folded_not_refused(tmp_path):
    from audit.waivers import load_waivers

    path = tmp_path / "waivers.yaml"
    path.write_text(WAIVER.replace("justification: the copy rule lands with OPS-1",
                                   "justification: |\n    the copy rule\n    \tlands with OPS-1"))
    [waiver] = load_waivers(path, today=date.today())
    assert waiver.justification == "the copy rule lands with OPS-1"


@pytest.mark.parametrize("waivers, line, message", [
    (WAIVER.encode().replace(b"platform-team", b"platform-\xff-team"), LINES["owner"], "not UTF-8 text (byte 0xff)"),
    (WAIVER.replace("ticket: OPS-1\n", "ticket: OPS-1\x07\n"), LINES["ticket"], "character U+0007 is not allowed"),
    (WAIVER.replace("resource: all", "resource: " + "[" * 100 + "]" * 100), LINES["resource"], "nested deeper than 64 levels"),
    (WAIVER.replace("resource: all", "resource: " + "[" * 100_000 + "]" * 100_000), LINES["resource"], "nested deeper than 64 levels"),
    (with_field("expires", "0x" + "f" * 4000), LINES["expires"], "expires '0xffffffff"),  # an int too long to print
    (WAIVER.replace("ticket: OPS-1", "ticket: true"), LINES["ticket"], "ticket must be a text, not true/false"),
], ids=["not-utf8", "raw-control", "deep", "deeper-than-libyaml-survives", "huge-int", "bool"])
def test_unreadable_files_name_the_line(tmp_path, capsys, waivers, line, message):
    """100 000 levels crashed the interpreter itself (libyaml's composer recursing in C): no exit code at all."""
    code, err = audit_with(tmp_path, capsys, waivers)
    assert code == 2, err
    assert re.search(rf"waivers\.yaml:{line}: .*{re.escape(message)}", err), err
