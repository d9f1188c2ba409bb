"""SARIF 2.1.0 of the static audit, for code-scanning integrations (GitHub code scanning and the like).

One rule per control that ran (id, title, description, framework tags, help = the control's fix) and one
result per failure, located at the template line it comes from: the structured ``origin`` each finding
carries (``ControlResult.findings``), never a parse of the message. A failure a waiver accepted is a result
with an external, accepted ``suppression`` carrying the waiver's justification, owner, ticket and expiry:
code scanning shows it as dismissed, not as gone. A failure without a template origin
(a missing resource, a configuration fact) is located at its scenario in the feature file, which is where
the requirement it breaks is written. Paths are the portable ones of ``audit.evidence.origins``
(``cloudformation/backup-account.yaml``), relative to the repository root for the bundled layout.

The document is assembled by sarif-kit's builder (rules, results, stable ``partialFingerprints``, the
result cap of GitHub) and carries no timestamp, so the SARIF of an unchanged audit is the same bytes.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sarif_kit.builder import SarifBuilder
from sarif_kit.models import Location, Result, Rule

from audit.findings import Finding
from audit.report.model import AuditReport, ControlResult

TOOL = "compact-retention"
_WAIVER = "retention:waiver"  # result property that becomes a suppression once sarif-kit has built the log


def scenario_lines(features_dir: Path) -> dict[tuple[str, str], int]:
    """(feature file name, control id) -> line of its ``Scenario:``, from the Gherkin parser pytest-bdd uses."""
    from gherkin.parser import Parser

    lines: dict[tuple[str, str], int] = {}
    for path in sorted(features_dir.glob("*.feature")):
        document: dict[str, Any] = Parser().parse(path.read_text(encoding="utf-8"))  # type: ignore[assignment]
        for child in (document.get("feature") or {}).get("children", []):
            scenario = child.get("scenario")
            for tag in (scenario or {}).get("tags", []):
                lines.setdefault((path.name, tag["name"].lstrip("@")), scenario["location"]["line"])
    return lines


def _location(control: ControlResult, finding: Finding, features_uri: str, lines: dict) -> Location:
    origin = finding.origin
    if origin.get("file") and isinstance(origin.get("line"), int):
        return Location(uri=origin["file"], start_line=origin["line"])
    return Location(uri=f"{features_uri}/{control.feature}", start_line=lines.get((control.feature, control.id)))


def _where(source: str) -> str:
    """``/any/folder/waivers.yaml:3`` -> ``waivers.yaml:3``: no machine's path in the SARIF."""
    path, _, line = source.rpartition(":")
    return f"{Path(path).name}:{line}" if path and line.isdigit() else Path(source).name or "waivers file"


def _justification(control: ControlResult) -> str:
    return "; ".join(f"waived: {w.justification} (owner {w.owner or '-'}, ticket {w.ticket or '-'}, expires {w.expires}, "
                     f"{_where(w.source)})" for w in control.waivers) or "waived"


def build_sarif(report: AuditReport, *, features_dir: Path) -> dict[str, Any]:
    if report.mode != "static":
        raise ValueError(f"SARIF maps failures to template lines: it is made of a static audit, not a {report.mode} one")
    features_dir = Path(features_dir)
    lines = scenario_lines(features_dir)
    builder = SarifBuilder(TOOL, tool_version=report.tool_version or None)
    fixes: dict[str, str] = {}
    for control in report.controls:
        if control.status == "skipped":
            continue
        builder.add_rule(Rule(id=control.id, name=control.id.replace("-", ""), short_description=control.title,
                              full_description=control.description or control.title, default_level="error"))
        fixes[control.id] = control.fix
        for finding in control.findings if control.status in ("failed", "waived") else []:
            waiver = {_WAIVER: _justification(control)} if finding.waived else {}
            # the message without where: the location says it, and a message that holds a line number would
            # change the result's fingerprint whenever an unrelated line moves
            builder.add_result(Result(rule_id=control.id, message=finding.message, level="error",
                                      location=_location(control, finding, features_dir.name, lines), properties=waiver))
    log = builder.build()
    run = log["runs"][0]
    for rule in run["tool"]["driver"]["rules"]:
        control = next(c for c in report.controls if c.id == rule["id"])
        fix = fixes.get(rule["id"]) or "no fix text recorded for this control"
        rule["help"] = {"text": f"Fix: {fix}", "markdown": f"**Fix:** {fix}"}
        rule["properties"] = {"tags": sorted(control.frameworks), "feature": control.feature}
    for result in run["results"]:
        justification = (result.get("properties") or {}).pop(_WAIVER, None)
        if justification is not None:
            result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": justification}]
        if result.get("properties") == {}:
            del result["properties"]
    run["automationDetails"] = {"id": f"{TOOL}/{report.environment}/"}
    return log


def write_sarif(report: AuditReport, path: Path, *, features_dir: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(build_sarif(report, features_dir=features_dir), indent=2, sort_keys=True) + "\n",
                    encoding="utf-8", newline="\n")
    return path
