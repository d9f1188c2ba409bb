"""The report model and renderers with waivers: a waived control keeps what it accepted and why, an
expired waiver fails the report, the per-framework summary counts waived controls per NIST family and
per Audit Manager control, and the JSON round trip keeps everything."""
from __future__ import annotations

import pytest

from audit.report import AuditReport, ControlResult, StepResult, Waiver, render_html, render_markdown, terminal_table
from audit.report.render import framework_summary

APPLIED = Waiver(control="ENC-01", resource="vault v1 (1, r)", justification="rotation back with OPS-3 <b>",
                 expires="2026-12-31", owner="platform-team", ticket="OPS-3", source="config/waivers.yaml:2", state="applied")
EXPIRED = Waiver(control="RPO-01", resource="all", justification="old", expires="2026-01-01", source="config/waivers.yaml:9",
                 state="expired")
UNUSED = Waiver(control="COV-02", resource="all", justification="never needed", expires="2026-12-31",
                source="config/waivers.yaml:15")


def control(cid: str, status: str, frameworks: list[str], **extra) -> ControlResult:
    return ControlResult(id=cid, title=f"Title of {cid}", feature=f"{cid[:3].lower()}.feature", feature_title="F",
                         status=status, subjects=["s"], evidence=["e"], message=extra.pop("message", ""),
                         frameworks=frameworks, steps=[StepResult("Then", "it holds", "waived" if status == "waived" else "passed")],
                         **extra)


def report(waivers: list[Waiver]) -> AuditReport:
    return AuditReport(mode="static", environment="example", generated_at="2026-11-27T00:00:00Z", waivers=waivers, controls=[
        control("ENC-01", "waived", ["nist:SC-28", "nist:CP-9(8)", "backup-audit-manager:BACKUP_RECOVERY_POINT_ENCRYPTED"],
                waived=["vault v1 (1, r): rotation OFF"], waivers=[APPLIED]),
        control("RPO-01", "passed", ["nist:CP-9", "backup-audit-manager:BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"]),
        control("RPO-02", "failed", ["nist:CP-9", "nist:CP-6(1)"], message="too old"),
    ])


def test_waived_is_a_status_that_needs_its_waiver():
    with pytest.raises(ValueError, match="waived"):
        control("ENC-01", "waived", [])


def test_an_expired_waiver_fails_the_report_even_when_no_control_failed():
    calm = AuditReport(mode="static", environment="example", generated_at="x", controls=[
        control("ENC-01", "waived", [], waived=["x"], waivers=[APPLIED])], waivers=[APPLIED])
    assert calm.exit_code() == 0 and calm.summary()["waived"] == 1
    assert AuditReport(mode="static", environment="example", generated_at="x", controls=calm.controls,
                       waivers=[APPLIED, EXPIRED]).exit_code() == 1


def test_json_round_trip_keeps_waivers():
    original = report([APPLIED, EXPIRED, UNUSED])
    again = AuditReport.from_json(original.to_json())
    assert again == original and again.controls[0].waivers == [APPLIED] and again.waivers[1].state == "expired"


def test_framework_summary_counts_per_nist_family_and_per_audit_manager_control():
    summary = {fw["framework"]: {row["key"]: row for row in fw["rows"]} for fw in framework_summary(report([]))}
    cp, sc = summary["nist"]["CP"], summary["nist"]["SC"]
    # ENC-01 maps CP-9(8) and SC-28: once in CP, once in SC; RPO-02 maps CP-9 and CP-6(1): once in CP
    assert (cp["passed"], cp["failed"], cp["waived"], cp["total"], cp["title"]) == (1, 1, 1, 3, "Contingency Planning")
    assert (sc["waived"], sc["total"]) == (1, 1)
    assert summary["backup-audit-manager"]["BACKUP_RECOVERY_POINT_ENCRYPTED"]["waived"] == 1
    assert summary["backup-audit-manager"]["BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"]["passed"] == 1


def test_html_and_markdown_show_the_waiver_and_list_every_waiver_expired_first():
    html, md = render_html(report([UNUSED, APPLIED, EXPIRED])), render_markdown(report([UNUSED, APPLIED, EXPIRED]))
    card = html.split('id="control-enc-enc-01"', 1)[1].split("</article>", 1)[0]
    assert ">WAIVED<" in card and "rotation back with OPS-3 &lt;b&gt;" in card and "vault v1 (1, r): rotation OFF" in card
    table = html.split('<table id="waivers">', 1)[1].split("</table>", 1)[0]
    assert table.index(">EXPIRED<") < table.index(">APPLIED<") < table.index(">UNUSED<")
    assert 'id="expired-waivers"' in html and 'id="framework-nist"' in html and 'id="framework-backup-audit-manager"' in html
    assert "### WAIVED ENC-01: Title of ENC-01" in md and "rotation back with OPS-3 \\<b\\>" in md
    assert md.index("| EXPIRED | RPO-01 |") < md.index("| APPLIED | ENC-01 |") < md.index("| UNUSED | COV-02 |")
    assert "| CP | Contingency Planning | 1 | 1 | 1 | 0 | 3 |" in md


def test_terminal_shows_waived_controls_their_waiver_and_expired_waivers():
    text = terminal_table(report([APPLIED, EXPIRED]))
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("ENC-01"))
    assert "WAIVED" in lines[row] and lines[row + 1].strip().startswith("waived until 2026-12-31 (platform-team, OPS-3)")
    assert any(line.startswith("EXPIRED WAIVER RPO-01 all expired on 2026-01-01") for line in lines)
    assert lines[-1] == "1 passed, 1 failed, 1 waived, 0 skipped; 1 expired waiver(s)"
    assert "\x1b[36mWAIVED\x1b[0m" in terminal_table(report([APPLIED]), color=True)
