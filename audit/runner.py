"""Run the feature files against a posture snapshot and write the reports.

The features run through pytest-bdd in this process (``steps.run_features`` binds every scenario;
``steps.bindings`` binds every step phrase the controls declare; ``steps.plugin`` hands them the snapshot,
gives each scenario the markers its control's declaration and catalogue entry imply, and records what each
scenario decided). pytest writes ``junit.xml`` and ``cucumber.json`` itself; ``audit.report`` writes
``report.json``, ``report.md`` and ``report.html`` from the recorded outcomes. A scenario outline's
examples are one control: it fails when any example fails.

Waivers (``audit.waivers``) are applied by the plugin as outcomes are recorded; a control whose every
failure was waived has status ``waived``. The waived steps are marked in ``cucumber.json`` afterwards
(``audit.report.cucumber``); junit.xml shows the waived scenario as skipped with the waiver's message.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import pytest

import steps
from audit.controls import Outcome
from audit.evidence.provenance import canonical_sha256, package_version
from audit.findings import Finding, waived
from audit.project import features_dir
from audit.report import AuditReport, ControlResult, StepResult, write_reports
from audit.report.cucumber import add_tags, mark_waived
from audit.snapshot import Posture
from audit.waivers import WaiverSet
from steps.plugin import AuditPlugin, ScenarioRecord, waived_message

# The features the tool ships (audit.project), and pytest's entry to them: the module of the installed steps
# package that binds the scenarios, with the folder holding that package as pytest's rootdir (node ids stay
# "steps/run_features.py::..." wherever the package is installed).
DEFAULT_FEATURES_DIR = features_dir()
STEPS_DIR = Path(steps.__file__).resolve().parent
# the one step library: it binds every phrase the controls declare (audit.controls.registry)
STEP_MODULES = ("steps.bindings",)
MODE_EXCLUDES = {"static": "live", "live": "static"}
# pytest plugins that only cost start-up time here. unraisableexception alone runs gc.collect() five times
# at the end of a session (about 0.2 s); plugin auto-loading scans every installed package's entry points.
UNUSED_PLUGINS = ("cacheprovider", "unraisableexception", "threadexception", "doctest", "pastebin", "legacypath",
                  "debugging", "faulthandler", "stepwise", "setuponly", "setupplan", "monkeypatch", "recwarn",
                  "tmpdir", "logging", "nose", "python_path")


class AuditError(Exception):
    """The features could not be run (a step without definition, a collection error): exit 2."""


def _marker_expression(mode: str, tags: str | None) -> str:
    """The mode's exclusion and ``--tags``. The tags must be an expression on their own, checked by the
    parser pytest will use: pasted unchecked, ``x) or (live`` would run the live scenarios in a static
    audit, and a malformed one ended in "pytest exit 4" without naming ``--tags``."""
    expression = f"not {MODE_EXCLUDES[mode]}"
    if not tags:
        return expression
    from _pytest.mark.expression import Expression  # pytest's own parser of -m (no public name for it)

    try:
        Expression.compile(tags)
    except Exception as exc:  # SyntaxError in pytest 8 and 9, ParseError before: whatever it raises is a refusal
        from audit.yaml_lines import brief

        raise AuditError(f"--tags {brief(tags)}: not an expression of scenario tags "
                         f"({getattr(exc, 'msg', None) or exc}); e.g. 'rpo or ISO-02', 'not live'") from None
    return f"({expression}) and ({tags})"


def _run_pytest(plugin: AuditPlugin, features_dir: Path, report_dir: Path, mode: str, tags: str | None,
                verbose: bool) -> tuple[int, str]:
    """pytest's exit code and what it printed (verbose: nothing kept, it went to the terminal)."""
    os.environ["RETENTION_FEATURES_DIR"] = str(features_dir)
    # steps.run_features binds the scenarios of that folder when imported: a second audit in the same
    # process (another --features-dir) must import it again, not reuse the first folder's scenarios
    sys.modules.pop("steps.run_features", None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # pytest_bdd is loaded explicitly below
    args = [str(STEPS_DIR / "run_features.py"), "-m", _marker_expression(mode, tags),
            # No cache, and none of the plugins that only cost time here: unraisableexception alone runs
            # gc.collect() five times at the end of a session (about 0.2 s).
            "-p", "pytest_bdd.plugin", *[arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")],
            "--rootdir", str(STEPS_DIR.parent), "-c", os.devnull,
            f"--junitxml={report_dir / 'junit.xml'}", f"--cucumberjson={report_dir / 'cucumber.json'}",
            "--assert=plain", "--capture=no", "-o", "junit_family=xunit2",
            # short tracebacks in junit.xml and cucumber.json: the long ones print argument values, among
            # them function reprs with memory addresses, so two runs of the same audit would differ
            "--tb=short",
            # scenario tags such as nist:CP-6(1) are not valid marker declarations; --tags still selects them
            "-W", "ignore::pytest.PytestUnknownMarkWarning", "--no-header", "-q" if verbose else "-qq"]
    for module in STEP_MODULES:
        args += ["-p", module]
    if verbose:
        return pytest.main(args, plugins=[plugin]), ""
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()):
        code = pytest.main(args, plugins=[plugin])
    return code, out.getvalue()


def _findings(outcome: Outcome) -> list[Finding]:
    """The findings of a failed outcome; one that found no subject is one finding saying so."""
    return list(outcome.findings) or [Finding(message=outcome.message)]


def _merge(records: list[ScenarioRecord]) -> ControlResult:
    first = records[0]
    statuses = {r.status for r in records}
    status = "failed" if "failed" in statuses else "passed" if statuses == {"passed"} else (
        "waived" if statuses <= {"passed", "waived"} else "skipped")
    subjects: list[str] = []
    evidence: list[str] = []
    messages: list[str] = []
    steps: list[StepResult] = []
    fixes: list[str] = []
    findings: list[Finding] = []
    for record in records:
        for outcome in record.outcomes:
            subjects += [s for s in outcome.subjects if s not in subjects]
            evidence += outcome.evidence
            fixes += [outcome.fix] if outcome.fix and outcome.fix not in fixes else []
            if not outcome.passed:
                messages.append(outcome.message)
                findings += _findings(outcome)
        if record.error:
            messages.append(record.error)
            findings.append(Finding(message=record.error))
        for keyword, text, step_status in record.steps:
            if not any(s.text == text for s in steps):
                steps.append(StepResult(keyword=keyword, text=text, status=step_status))
    if status == "failed" and not messages:
        messages.append("the scenario failed without a recorded outcome")
        findings.append(Finding(message=messages[-1]))
    accepted = [finding for r in records for finding in r.waived]
    findings = (findings if status == "failed" else []) + [waived(finding) for finding in accepted]
    waived_texts = [finding.text for finding in accepted]
    return ControlResult(id=first.control_id, title=first.title, feature=first.feature, feature_title=first.feature_title,
                         status=status, subjects=subjects, evidence=evidence, message=" | ".join(messages),
                         frameworks=first.frameworks, steps=steps, description=first.description,
                         fix="; ".join(fixes), findings=findings, waived=waived_texts,
                         waivers=list(dict.fromkeys(w for r in records for w in r.waivers)))


def run_audit(snapshot: dict[str, Any], *, report_dir: Path, features_dir: Path | None = None, tags: str | None = None,
              config: Mapping[str, Any] | None = None, verbose: bool = False,
              waivers: WaiverSet | None = None) -> AuditReport:
    """Run the features on ``snapshot`` and write the reports to ``report_dir``. ``config`` is the merged
    configuration; the reports carry its canonical SHA-256. ``waivers`` (``audit.waivers``) may accept
    failures; the reports list every one of them with its state."""
    features_dir = Path(features_dir or DEFAULT_FEATURES_DIR)
    if not features_dir.is_dir() or not list(features_dir.glob("*.feature")):
        raise AuditError(f"--features-dir: no .feature files in {features_dir}")
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "snapshot.json").write_text(json.dumps(snapshot, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    waivers = waivers if waivers is not None else WaiverSet()
    plugin = AuditPlugin(Posture(snapshot), waivers)
    code, output = _run_pytest(plugin, features_dir, report_dir, snapshot["mode"], tags, verbose)
    if code == 5:  # pytest: no test selected
        raise AuditError(f"no control was run: --tags {tags!r} selects no scenario of {features_dir} in {snapshot['mode']} mode"
                         if tags else f"no control was run: no scenario of {features_dir} applies in {snapshot['mode']} mode")
    if code not in (0, 1) or any(r.error.startswith("no step definition") for r in plugin.records.values()):
        errors = [r.error for r in plugin.records.values() if r.error] or [output[-2000:]]
        raise AuditError(f"the features could not be run (pytest exit {code}): {errors[0]}")
    grouped: dict[str, list[ScenarioRecord]] = {}
    for record in plugin.records.values():
        grouped.setdefault(record.control_id, []).append(record)
    add_tags(report_dir / "cucumber.json", {(r.feature, r.line): plugin.derived.get(r.control_id, [])
                                             for r in plugin.records.values()})
    mark_waived(report_dir / "cucumber.json", {
        (r.feature, r.line): {line: waived_message(r.waivers) for line in r.waived_steps}
        for r in plugin.records.values() if r.waived})
    report = AuditReport(
        mode=snapshot["mode"], environment=snapshot["environment"]["name"],
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        controls=[_merge(records) for records in grouped.values()], tool_version=package_version(),
        config_sha256=canonical_sha256(config) if config is not None else "",
        waivers=waivers.report(),
    )
    write_reports(report, report_dir)
    return report
