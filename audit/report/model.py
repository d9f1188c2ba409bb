"""The audit result model: what the Gherkin run found, in a form every renderer and the JSON file share.

``AuditReport`` is the single source for ``report.json``, ``report.md``, ``report.html`` and the terminal
table. Controls are kept sorted by (feature, id) from construction on, so two runs on the same inputs give
byte-identical output apart from ``generated_at``, and ``AuditReport.from_json(r.to_json()) == r`` holds.

Each control carries its ``feature_title`` (the "Feature:" line) in the JSON too, so a report read back
from JSON renders like the original. It is left out of equality, as presentation only.

Values are checked on construction (``ValueError`` naming the field): a status or mode outside the
documented set is a bug in the caller, and an auditor must never see a report built from one.

Waivers (``audit.waivers``): a control whose every failure a waiver covers has status ``waived``; it
keeps the failures it accepted (``waived``) and the waivers that accepted them (``waivers``, with
justification, owner, ticket, expiry and the file line). The report lists every waiver of the run with
its state (applied, unused, expired); an expired waiver fails the run like a failed control. The JSON
only ever gains keys: a reader of the earlier shape finds every key it knew.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from audit.findings import Finding

STATUSES: tuple[str, ...] = ("passed", "failed", "waived", "skipped")
WAIVER_STATES: tuple[str, ...] = ("applied", "unused", "expired")
MODES: tuple[str, ...] = ("static", "live")


def _check_status(where: str, status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"{where}: status {status!r} is not one of {', '.join(STATUSES)}")


def _strings(where: str, values: Sequence[str]) -> list[str]:
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{where}: expected a list of strings, got {values!r}")
    return list(values)


@dataclass(frozen=True)
class Waiver:
    """One waiver of the waivers file, as the run used it (``state``)."""

    control: str  # control id
    resource: str  # a subject of the control, or "all"
    justification: str
    expires: str  # ISO date, YYYY-MM-DD
    owner: str = ""  # a team or role
    ticket: str = ""
    source: str = ""  # "config/waivers.yaml:3"
    state: str = "unused"  # "applied" | "unused" | "expired"

    def __post_init__(self) -> None:
        if self.state not in WAIVER_STATES:
            raise ValueError(f"waiver {self.source or self.control}: state {self.state!r} is not one of {', '.join(WAIVER_STATES)}")

    def to_json(self) -> dict[str, str]:
        return {"control": self.control, "resource": self.resource, "justification": self.justification,
                "owner": self.owner, "ticket": self.ticket, "expires": self.expires, "source": self.source,
                "state": self.state}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Waiver:
        return cls(control=data["control"], resource=data["resource"], justification=data["justification"],
                   expires=data["expires"], owner=data.get("owner", ""), ticket=data.get("ticket", ""),
                   source=data.get("source", ""), state=data.get("state", "unused"))


@dataclass
class StepResult:
    keyword: str  # "Given" / "When" / "Then" / "And"
    text: str  # the step text as written in the feature
    status: str  # "passed" | "failed" | "waived" | "skipped"

    def __post_init__(self) -> None:
        _check_status(f"step {self.keyword} {self.text!r}", self.status)

    def to_json(self) -> dict[str, str]:
        return {"keyword": self.keyword, "text": self.text, "status": self.status}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StepResult:
        return cls(keyword=data["keyword"], text=data["text"], status=data["status"])


@dataclass
class ControlResult:
    id: str  # control id from the scenario tag, e.g. "RPO-01"
    title: str  # the scenario name
    feature: str  # feature file name, e.g. "rpo.feature"
    # The Feature: line. Not part of the JSON shape (see module docstring), so a report read back from
    # JSON has "" here; excluded from equality so the JSON round trip compares what JSON carries.
    feature_title: str = field(compare=False)
    status: str  # "passed" | "failed" | "waived" | "skipped"
    subjects: list[str]  # what the control looked at
    evidence: list[str]  # facts that decided it
    message: str  # for a failure: what is wrong and what to fix; "" otherwise
    frameworks: list[str]  # framework tags, e.g. ["nist:CP-9", "nist:CP-6(1)"]
    steps: list[StepResult]
    description: str = ""  # free text under the scenario line, if any (rationale)
    fix: str = ""  # what to do when the control fails (the control's own fix text), even when it passed
    # one per failure (audit.findings.Finding): the subjects it is about, the message, where ({file, line,
    # logical_id} of a template, {account_id, region, api} of an account, or {} when unknown), whether a
    # waiver accepted it; SARIF maps these to template lines (a waived one as a suppressed result)
    findings: list[Finding] = field(default_factory=list)
    waived: list[str] = field(default_factory=list)  # the failures waivers accepted (any status)
    waivers: list[Waiver] = field(default_factory=list)  # the waivers that accepted them

    def __post_init__(self) -> None:
        where = f"control {self.id!r} ({self.feature})"
        _check_status(where, self.status)
        self.subjects = _strings(f"{where} subjects", self.subjects)
        self.evidence = _strings(f"{where} evidence", self.evidence)
        self.frameworks = _strings(f"{where} frameworks", self.frameworks)
        self.steps = list(self.steps)
        for step in self.steps:
            if not isinstance(step, StepResult):
                raise ValueError(f"{where}: steps must be StepResult, got {step!r}")
        self.waived = _strings(f"{where} waived", self.waived)
        self.findings = list(self.findings)
        if not all(isinstance(f, Finding) for f in self.findings):
            raise ValueError(f"{where}: findings must be Finding records")
        self.waivers = list(self.waivers)
        if self.status == "waived" and not self.waivers:
            raise ValueError(f"{where}: status 'waived' without the waiver that accepted it")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "feature": self.feature,
            "feature_title": self.feature_title,
            "status": self.status,
            "subjects": list(self.subjects),
            "evidence": list(self.evidence),
            "message": self.message,
            "frameworks": list(self.frameworks),
            "steps": [step.to_json() for step in self.steps],
            "description": self.description,
            "fix": self.fix,
            "findings": [f.to_json() for f in self.findings],
            "waived": list(self.waived),
            "waivers": [w.to_json() for w in self.waivers],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ControlResult:
        return cls(
            id=data["id"],
            title=data["title"],
            feature=data["feature"],
            feature_title=data.get("feature_title", ""),
            status=data["status"],
            subjects=list(data.get("subjects", [])),
            evidence=list(data.get("evidence", [])),
            message=data.get("message", ""),
            frameworks=list(data.get("frameworks", [])),
            steps=[StepResult.from_json(s) for s in data.get("steps", [])],
            description=data.get("description", ""),
            fix=data.get("fix", ""),
            findings=[Finding.from_json(f) for f in data.get("findings", [])],
            waived=list(data.get("waived", [])),
            waivers=[Waiver.from_json(w) for w in data.get("waivers", [])],
        )


def _control_key(control: ControlResult) -> tuple[str, str]:
    return (control.feature, control.id)


@dataclass
class AuditReport:
    mode: str  # "static" | "live"
    environment: str
    generated_at: str  # ISO 8601 UTC, e.g. "2026-11-27T01:02:03Z"
    controls: list[ControlResult]
    tool_version: str = ""
    config_sha256: str = ""
    waivers: list[Waiver] = field(default_factory=list)  # every waiver of the run, with its state

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"report: mode {self.mode!r} is not one of {', '.join(MODES)}")
        self.controls = sorted(self.controls, key=_control_key)
        for control in self.controls:
            if not isinstance(control, ControlResult):
                raise ValueError(f"report: controls must be ControlResult, got {control!r}")

    def summary(self) -> dict[str, int]:
        counts = {status: 0 for status in STATUSES}
        for control in self.controls:
            counts[control.status] += 1
        counts["total"] = len(self.controls)
        return counts

    def expired_waivers(self) -> list[Waiver]:
        return [w for w in self.waivers if w.state == "expired"]

    def exit_code(self) -> int:
        """1 when a control failed or a waiver has expired (it must be renewed or removed), else 0."""
        return 1 if any(c.status == "failed" for c in self.controls) or self.expired_waivers() else 0

    def features(self) -> list[tuple[str, str, list[ControlResult]]]:
        """(feature file, feature title, its controls) in feature order; the title is the first non-empty
        ``feature_title`` among the feature's controls ("" for a report read back from JSON)."""
        grouped: dict[str, list[ControlResult]] = {}
        for control in self.controls:
            grouped.setdefault(control.feature, []).append(control)
        return [
            (name, next((c.feature_title for c in items if c.feature_title), ""), items)
            for name, items in grouped.items()
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "environment": self.environment,
            "generated_at": self.generated_at,
            "tool_version": self.tool_version,
            "config_sha256": self.config_sha256,
            "summary": self.summary(),
            "controls": [c.to_json() for c in sorted(self.controls, key=_control_key)],
            "waivers": [w.to_json() for w in self.waivers],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AuditReport:
        """Inverse of ``to_json``. ``summary`` is recomputed from the controls, not trusted."""
        return cls(
            mode=data["mode"],
            environment=data["environment"],
            generated_at=data["generated_at"],
            controls=[ControlResult.from_json(c) for c in data["controls"]],
            tool_version=data.get("tool_version", ""),
            config_sha256=data.get("config_sha256", ""),
            waivers=[Waiver.from_json(w) for w in data.get("waivers", [])],
        )
