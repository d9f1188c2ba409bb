"""Reading the waivers file: every kind of bad input is refused with the file and line; the bundled file
is valid, waives nothing, and its commented example is itself a valid waiver."""
from __future__ import annotations

import re
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from audit.waivers import MAX_DAYS_AHEAD, WaiverError, load_waivers

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 27)
SOON = (TODAY + timedelta(days=30)).isoformat()

GOOD = f"""\
# a comment
- control: RPO-02
  resource: dynamodb table compact-connect-example-history
  justification: the copy rule lands with OPS-1
  owner: platform-team
  ticket: OPS-1
  expires: {SOON}
- control: ENC-02
  resource: all
  justification: bucket policies are rolled out by OPS-2
  expires: "{SOON}"
"""


def load_text(tmp_path: Path, text: str, today: date = TODAY):
    path = tmp_path / "waivers.yaml"
    path.write_text(textwrap.dedent(text))
    return load_waivers(path, today=today)


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(WaiverError) as caught:
        load_text(tmp_path, text)
    return caught.value.problems


def test_a_valid_file_gives_its_waivers_with_their_lines(tmp_path):
    first, second = load_text(tmp_path, GOOD)
    assert (first.control, first.resource, first.owner, first.ticket, first.expires, first.state) == (
        "RPO-02", "dynamodb table compact-connect-example-history", "platform-team", "OPS-1", SOON, "unused")
    assert first.source.endswith("waivers.yaml:2") and second.source.endswith("waivers.yaml:8")
    assert (second.resource, second.expires, second.owner) == ("all", SOON, "")


def test_an_expired_waiver_is_valid_input_marked_expired(tmp_path):
    [waiver] = load_text(tmp_path, GOOD.split("- control: ENC-02")[0].replace(SOON, "2026-11-26"))
    assert waiver.state == "expired"
    [waiver] = load_text(tmp_path, GOOD.split("- control: ENC-02")[0].replace(SOON, TODAY.isoformat()))
    assert waiver.state == "unused"  # valid through the day it expires


@pytest.mark.parametrize("edit, line, message", [
    (lambda t: t.replace(f"expires: {SOON}", f"expires: {(TODAY + timedelta(days=MAX_DAYS_AHEAD + 1)).isoformat()}"), 7,
     f"is more than {MAX_DAYS_AHEAD} days after today (2026-11-27); the latest allowed is 2027-05-26"),
    (lambda t: t.replace("  justification: the copy rule lands with OPS-1\n", ""), 2, "justification is required"),
    (lambda t: t.replace("justification: the copy rule lands with OPS-1", "justification: '  '"), 4, "justification is required"),
    (lambda t: t.replace(f"  expires: {SOON}\n", "", 1), 2, "expires is required"),
    (lambda t: t.replace(f"expires: {SOON}", "expires: next spring", 1), 7, "is not a date (write YYYY-MM-DD)"),
    (lambda t: t.replace(f"expires: {SOON}", f"expires: {SOON} 10:00:00", 1), 7, "is not a date"),
    (lambda t: t.replace("control: RPO-02", "control: RPO-99"), 2, "unknown control 'RPO-99': not in the catalogue"),
    (lambda t: t.replace("control: RPO-02", "control: BG-01"), 2, "BG-01 cannot be waived: SSN break-glass controls"),
    (lambda t: t.replace("control: RPO-02", "control: BG-42"), 2, "unknown control 'BG-42'"),
    (lambda t: t.replace("control: RPO-02", "control: ISO-05"), 2, "ISO-05 cannot be waived: SSN data outside the SSN vaults"),
    (lambda t: t.replace("owner: platform-team", "owner: jane.doe@example.com"), 5, "owner holds what looks like an e-mail address"),
    (lambda t: t.replace("  ticket: OPS-1\n", "  ticket: OPS-1\n  expiry: 2026-12-01\n"), 7, "unknown field 'expiry'"),
    (lambda t: t.replace("  ticket: OPS-1\n", "  ticket: OPS-1\n  ticket: OPS-9\n"), 7, "not valid YAML: key 'ticket' appears twice"),
    (lambda t: t.replace("control: ENC-02\n  resource: all", "control: RPO-02\n  resource: dynamodb table compact-connect-example-history"),
     8, "RPO-02 'dynamodb table compact-connect-example-history' is already waived at"),
    (lambda t: t + "- just a string\n", 12, "a waiver must be a mapping"),
    (lambda t: t.replace("  owner: platform-team\n", "  owner: [a, b]\n"), 5, "owner must be a text"),
    (lambda t: "control: RPO-02\n", 1, "the waivers file must be a YAML list of waivers"),
    (lambda t: t.replace("- control: ENC-02", "- control: [ENC-02"), 9, "not valid YAML"),
])
def test_bad_input_is_refused_naming_the_line(tmp_path, edit, line, message):
    found = problems(tmp_path, edit(GOOD))
    assert any(re.search(rf"waivers\.yaml:{line}: .*{re.escape(message)}", p) for p in found), found


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    text = GOOD.replace("control: RPO-02", "control: BG-02").replace("  justification: bucket policies are rolled out by OPS-2\n", "")
    found = problems(tmp_path, text)
    assert len(found) == 2 and ":2: BG-02 cannot be waived" in found[0] and ":8: justification is required" in found[1]


def test_the_bundled_file_is_valid_and_waives_nothing():
    assert load_waivers(REPO / "config" / "waivers.yaml", today=date.today()) == []


def test_the_bundled_example_is_a_valid_waiver(tmp_path):
    """Uncommenting the example of config/waivers.yaml (with a current expiry) gives one valid waiver."""
    lines = (REPO / "config" / "waivers.yaml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# - control:"))
    example = [line[2:] for line in lines[start:] if line.startswith("# ")]
    text = "\n".join(example).replace(re.search(r"expires: (\S+)", "\n".join(example)).group(1), SOON) + "\n"
    [waiver] = load_text(tmp_path, text)
    assert waiver.control and waiver.resource != "all" and waiver.justification and waiver.owner and waiver.ticket


def test_an_empty_or_comment_only_file_waives_nothing(tmp_path):
    assert load_text(tmp_path, "# nothing\n") == [] and load_text(tmp_path, "[]\n") == [] and load_text(tmp_path, "") == []
