"""Unit tests of the audit report model and its renderings (``audit.report``)."""
from __future__ import annotations

import difflib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from audit.report import (
    AuditReport,
    ControlResult,
    StepResult,
    render_html,
    render_json,
    render_markdown,
    terminal_table,
    write_reports,
)

GENERATED = "2026-11-27T01:02:03Z"
HOSTILE = "<script>alert('x')</script> & `rm -rf` | a<b>c"
FAILED_MESSAGE = "Gap is 40 h | exceeds 32 h\nFix: add an hourly rule to plan `ssn_data`"


def steps(*statuses: str) -> list[StepResult]:
    keywords = ["Given", "When", "Then", "And"]
    return [StepResult(keywords[i % 4], f"step number {i} <of> the scenario", s) for i, s in enumerate(statuses)]


def control(cid: str, feature: str, status: str, **overrides) -> ControlResult:
    values = dict(
        id=cid,
        title=f"Title of {cid}",
        feature=feature,
        feature_title=f"Feature title of {feature}",
        status=status,
        subjects=[f"dynamodb table compact-connect-example-{cid.lower()}"],
        evidence=[f"evidence for {cid}: 24 h + 1 h + 4 h = 29 h <= 32 h"],
        message=FAILED_MESSAGE if status == "failed" else "",
        frameworks=["nist:CP-9"],
        steps=steps("passed", "passed" if status == "passed" else status),
        description="",
    )
    values.update(overrides)
    return ControlResult(**values)


def sample_controls() -> list[ControlResult]:
    """Deliberately not in (feature, id) order."""
    return [
        control("RPO-02", "rpo.feature", "failed", frameworks=["nist:CP-9", "nist:CP-6(1)"],
                evidence=[HOSTILE] + [f"plan line {i}" for i in range(9)]),
        control("ENC-01", "encryption.feature", "passed", frameworks=["nist:SC-28", "nist:CP-9"]),
        control("RPO-01", "rpo.feature", "passed", frameworks=["nist:CP-9", "nist:CP-10"],
                description="Why: the SSN table must be recoverable\nwithin a day."),
        control("ENC-02", "encryption.feature", "failed", message="Key policy allows `kms:*` | to <everyone>",
                frameworks=["nist:SC-28"]),
        control("LIVE-01", "live.feature", "skipped", frameworks=[], steps=steps("skipped")),
    ]


def make_report(generated_at: str = GENERATED, controls: list[ControlResult] | None = None) -> AuditReport:
    return AuditReport(
        mode="static",
        environment="example",
        generated_at=generated_at,
        controls=sample_controls() if controls is None else controls,
        tool_version="0.1.0",
        config_sha256="0" * 64,
    )


class _Html(HTMLParser):
    """Collects element ids, links (href -> text), and table rows by table id."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str | None]] = []  # (href, text, enclosing list id)
        self.tables: dict[str, list[list[str]]] = {}
        self._lists: list[str | None] = []
        self._link: list[str] | None = None
        self._table: list[str | None] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "ul":
            self._lists.append(a.get("id"))
        elif tag == "a" and "href" in a:
            self._link = [a["href"], ""]
        elif tag == "table":
            self._table.append(a.get("id"))
            if a.get("id"):
                self.tables[a["id"]] = []
        elif tag == "tr" and self._table and self._table[-1]:
            self.tables[self._table[-1]].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "ul":
            self._lists.pop()
        elif tag == "a" and self._link is not None:
            self.links.append((self._link[0], self._link[1], self._lists[-1] if self._lists else None))
            self._link = None
        elif tag == "table":
            self._table.pop()
        elif tag in ("td", "th") and self._cell is not None:
            if self._table and self._table[-1]:
                self.tables[self._table[-1]][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._link is not None:
            self._link[1] += data
        if self._cell is not None:
            self._cell.append(data)


def parse_html(text: str) -> _Html:
    parser = _Html()
    parser.feed(text)
    parser.close()
    return parser


# --------------------------------------------------------------------------- model


def test_json_round_trip_is_equal() -> None:
    report = make_report()
    data = json.loads(json.dumps(report.to_json()))
    assert AuditReport.from_json(data) == report
    assert AuditReport.from_json(data).to_json() == report.to_json()


def test_controls_are_sorted_by_feature_then_id_whatever_the_input_order() -> None:
    report = make_report()
    order = [(c["feature"], c["id"]) for c in report.to_json()["controls"]]
    assert order == [
        ("encryption.feature", "ENC-01"),
        ("encryption.feature", "ENC-02"),
        ("live.feature", "LIVE-01"),
        ("rpo.feature", "RPO-01"),
        ("rpo.feature", "RPO-02"),
    ]
    reversed_report = make_report(controls=list(reversed(sample_controls())))
    assert render_json(reversed_report) == render_json(report)
    assert render_markdown(reversed_report) == render_markdown(report)
    assert render_html(reversed_report) == render_html(report)


def test_json_shape_has_exactly_the_contract_keys() -> None:
    """report.json only ever gains keys (waivers: "waived" in the summary, "waived"/"waivers" per control
    and "waivers" per report), each added after the keys an earlier reader knows."""
    data = make_report().to_json()
    assert list(data) == ["mode", "environment", "generated_at", "tool_version", "config_sha256", "summary", "controls",
                          "waivers"]
    assert list(data["summary"]) == ["passed", "failed", "waived", "skipped", "total"]
    for item in data["controls"]:
        assert list(item) == ["id", "title", "feature", "feature_title", "status", "subjects", "evidence", "message",
                              "frameworks", "steps", "description", "fix", "findings", "waived", "waivers"]
        for step in item["steps"]:
            assert list(step) == ["keyword", "text", "status"]


def test_summary_and_exit_code() -> None:
    report = make_report()
    assert report.summary() == {"passed": 2, "failed": 2, "waived": 0, "skipped": 1, "total": 5}
    assert report.exit_code() == 1
    calm = make_report(controls=[c for c in sample_controls() if c.status != "failed"])
    assert calm.summary() == {"passed": 2, "failed": 0, "waived": 0, "skipped": 1, "total": 3}
    assert calm.exit_code() == 0  # skipped does not fail the audit
    assert make_report(controls=[]).exit_code() == 0


@pytest.mark.parametrize(
    "build",
    [
        lambda: StepResult("Given", "x", "ok"),
        lambda: control("X-01", "x.feature", "error"),
        lambda: AuditReport("prod", "example", GENERATED, []),
    ],
)
def test_values_outside_the_documented_sets_are_rejected(build) -> None:
    with pytest.raises(ValueError):
        build()


# --------------------------------------------------------------------------- terminal

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_terminal_table_lists_controls_summary_and_failure_messages() -> None:
    text = terminal_table(make_report())
    lines = text.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "CONTROL"]
    for cid in ("ENC-01", "ENC-02", "LIVE-01", "RPO-01", "RPO-02"):
        assert any(line.startswith(cid) for line in lines), cid
    assert lines[-1] == "2 passed, 2 failed, 1 skipped"
    # the line after a failed control is its message, indented, on one line
    row = next(i for i, line in enumerate(lines) if line.startswith("RPO-02"))
    assert lines[row + 1].startswith(" ") and "Gap is 40 h | exceeds 32 h Fix: add an hourly rule" in lines[row + 1]
    row = next(i for i, line in enumerate(lines) if line.startswith("ENC-01"))
    assert not lines[row + 1].startswith(" ")  # passed controls have no message line
    assert "\x1b" not in text


def test_terminal_table_fits_100_columns_and_strips_escape_sequences() -> None:
    long = control("LONG-01", "x.feature", "failed", title="T" * 300, message="M" * 300 + "\x1b[2J")
    lines = terminal_table(make_report(controls=[long])).splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert lines[1].endswith("...") and lines[2].strip().endswith("...")
    assert "\x1b" not in "\n".join(lines)


def test_terminal_table_colours_only_the_status() -> None:
    report = make_report()
    coloured = terminal_table(report, color=True)
    assert "\x1b[31mFAILED\x1b[0m" in coloured
    assert "\x1b[32mPASSED\x1b[0m" in coloured
    assert "\x1b[33mSKIPPED\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == terminal_table(report)


# --------------------------------------------------------------------------- HTML


def test_html_contains_every_control_and_the_header_facts() -> None:
    html = render_html(make_report())
    for c in sample_controls():
        assert c.id in html
        assert "Title of " + c.id in html
    assert "before deploy, from the templates and the configuration" in html
    assert GENERATED in html and "0.1.0" in html and "0" * 64 in html
    live = AuditReport("live", "example", GENERATED, sample_controls())
    assert "after deploy, from the AWS accounts" in render_html(live)


def test_html_escapes_model_text() -> None:
    html = render_html(make_report())
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(" in html
    assert "a&lt;b&gt;c" in html and "<b>" not in html
    assert "to &lt;everyone&gt;" in html
    assert "step number 0 &lt;of&gt; the scenario" in html


def test_html_is_self_contained() -> None:
    html = render_html(make_report())
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html)
    assert not re.search(r"\b(src|srcset)\s*=", html)
    assert "@import" not in html and "url(" not in html
    hrefs = [href for href, _, _ in parse_html(html).links]
    assert hrefs and all(href.startswith("#") for href in hrefs)


def test_html_links_each_failed_control_to_its_card() -> None:
    parsed = parse_html(render_html(make_report()))
    failed_links = [(href, text) for href, text, list_id in parsed.links if list_id == "failed-links"]
    assert sorted(text.split()[0] for _, text in failed_links) == ["ENC-02", "RPO-02"]
    for href, _ in failed_links:
        assert href[1:] in parsed.ids
    assert len({href for href, _ in failed_links}) == 2


def test_html_anchor_ids_are_unique_even_for_duplicate_control_ids() -> None:
    twins = [control("DUP-01", "a.feature", "failed"), control("DUP-01", "a.feature", "failed", title="other")]
    parsed = parse_html(render_html(make_report(controls=twins)))
    hrefs = [href for href, _, list_id in parsed.links if list_id == "failed-links"]
    assert len(set(hrefs)) == 2 and all(h[1:] in parsed.ids for h in hrefs)


def test_html_per_framework_counts() -> None:
    rows = parse_html(render_html(make_report())).tables["frameworks"]
    body = {row[0]: row[1:] for row in rows[1:]}
    # (passed, failed, waived, skipped, total); CP-9 before CP-10 (natural order), skipped LIVE-01 has no tag
    assert body == {
        "nist:CP-6(1)": ["0", "1", "0", "0", "1"],
        "nist:CP-9": ["2", "1", "0", "0", "3"],
        "nist:CP-10": ["1", "0", "0", "0", "1"],
        "nist:SC-28": ["1", "1", "0", "0", "2"],
    }
    assert [row[0] for row in rows[1:]] == ["nist:CP-6(1)", "nist:CP-9", "nist:CP-10", "nist:SC-28"]


def test_html_folds_long_evidence_only() -> None:
    html = render_html(make_report())
    card = html.split('id="control-rpo-rpo-02"', 1)[1].split("</article>", 1)[0]
    assert "<details" in card and "plan line 8" in card
    short = html.split('id="control-rpo-rpo-01"', 1)[1].split("</article>", 1)[0]
    assert "<details" not in short


def test_html_shows_failure_box_and_status_as_text() -> None:
    html = render_html(make_report())
    failed_card = html.split('id="control-encryption-enc-02"', 1)[1].split("</article>", 1)[0]
    assert "What is wrong / what to fix" in failed_card
    assert "Key policy allows `kms:*` | to &lt;everyone&gt;" in failed_card
    assert ">FAILED<" in failed_card
    passed_card = html.split('id="control-encryption-enc-01"', 1)[1].split("</article>", 1)[0]
    assert "What is wrong" not in passed_card and ">PASSED<" in passed_card


# --------------------------------------------------------------------------- Markdown

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _table_row(markdown: str, cid: str) -> str:
    return next(line for line in markdown.splitlines() if line.startswith(f"| {cid} |"))


def test_markdown_escapes_pipes_and_newlines_inside_tables() -> None:
    md = render_markdown(make_report())
    header = next(line for line in md.splitlines() if line.startswith("| ID |"))
    columns = len(UNESCAPED_PIPE.split(header))
    for cid in ("RPO-02", "ENC-02", "RPO-01"):
        row = _table_row(md, cid)
        assert len(UNESCAPED_PIPE.split(row)) == columns, row
    row = _table_row(md, "RPO-02")
    assert "Gap is 40 h \\| exceeds 32 h<br>Fix: add an hourly rule to plan \\`ssn\\_data\\`" in row
    assert "kms:\\*\\` \\| to \\<everyone\\>" in _table_row(md, "ENC-02")


def test_markdown_has_summary_framework_tables_and_failure_sections() -> None:
    md = render_markdown(make_report())
    assert "| FAILED | 2 |" in md and "| PASSED | 2 |" in md and "| SKIPPED | 1 |" in md
    assert "| nist:CP-9 | 2 | 1 | 0 | 0 | 3 |" in md
    assert "### FAILED RPO-02: Title of RPO-02" in md
    assert "### FAILED ENC-02: Title of ENC-02" in md
    assert "### FAILED RPO-01" not in md
    section = md.split("### FAILED RPO-02", 1)[1]
    assert "- \\<script\\>alert('x')\\</script\\> \\& \\`rm -rf\\` \\| a\\<b\\>c" in section
    assert not re.search(r"(?<!\\)<script", md)


def test_markdown_neutralises_block_markers_at_the_start_of_a_value() -> None:
    tricky = control("MD-01", "md.feature", "failed", evidence=["- not a nested list", "1. not numbered", "# no heading",
                                                                  "2.5 h is fine", "see [link](x)"])
    section = render_markdown(make_report(controls=[tricky])).split("### FAILED MD-01", 1)[1]
    assert "- \\- not a nested list" in section
    assert "- 1\\. not numbered" in section
    assert "- \\# no heading" in section
    assert "- 2.5 h is fine" in section
    assert "- see \\[link\\](x)" in section


# --------------------------------------------------------------------------- files and determinism


def test_write_reports_creates_nested_directories_and_three_files(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "c"
    report = make_report()
    paths = write_reports(report, out)
    assert paths == {"json": out / "report.json", "md": out / "report.md", "html": out / "report.html"}
    for path in paths.values():
        assert path.is_file() and path.read_text(encoding="utf-8").endswith("\n")
    raw = paths["json"].read_text(encoding="utf-8")
    assert raw == json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    assert AuditReport.from_json(json.loads(raw)) == report
    assert paths["md"].read_text(encoding="utf-8") == render_markdown(report)
    assert paths["html"].read_text(encoding="utf-8") == render_html(report)


def test_reports_differ_only_on_generated_at_lines(tmp_path: Path) -> None:
    other = "2027-01-02T03:04:05Z"
    first = write_reports(make_report(GENERATED), tmp_path / "one")
    second = write_reports(make_report(other, list(reversed(sample_controls()))), tmp_path / "two")
    for kind in ("json", "md", "html"):
        a = first[kind].read_text(encoding="utf-8").splitlines()
        b = second[kind].read_text(encoding="utf-8").splitlines()
        assert len(a) == len(b), kind
        changed = [(x, y) for x, y in zip(a, b) if x != y]
        assert changed, kind
        assert all(GENERATED in x and other in y and x.replace(GENERATED, other) == y for x, y in changed), (
            kind, list(difflib.unified_diff(a, b, lineterm="")))
