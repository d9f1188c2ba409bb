"""Control logic: pure functions over a posture snapshot, one module per feature.

Every check returns an ``Outcome``: the subjects it looked at, the facts that decided it (evidence an
auditor can read) and, when it fails, what is wrong and where. A check with no subject fails: absence is
never a pass. Steps (``steps/``) only call these functions; nothing here reads files or calls AWS.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audit.findings import Finding, location, named_subjects


@dataclass
class Outcome:
    subjects: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # one per failed check: subjects, message, origin
    fix: str = ""

    @property
    def failures(self) -> list[str]:
        """The findings as the reports show them (message and where)."""
        return [finding.text for finding in self.findings]

    @property
    def passed(self) -> bool:
        return bool(self.subjects) and not self.findings

    @property
    def message(self) -> str:
        if self.passed:
            return ""
        problems = self.failures or ["no subject found: the control has nothing to check, which fails it"]
        text = "; ".join(problems)
        return f"{text}. Fix: {self.fix}" if self.fix else text

    def subject(self, name: str) -> None:
        if name not in self.subjects:
            self.subjects.append(name)

    @classmethod
    def merged(cls, outcomes: "list[Outcome]") -> "Outcome":
        """One outcome for a table of checks: every subject, every fact, every finding."""
        merged = cls(fix="; ".join(dict.fromkeys(o.fix for o in outcomes if o.fix)))
        for outcome in outcomes:
            for subject in outcome.subjects:
                merged.subject(subject)
            merged.evidence += outcome.evidence
            merged.findings += outcome.findings
        if any(not o.subjects for o in outcomes):
            merged.fail("a row of the table found no subject")
        return merged

    def fail(self, message: str, origin: dict[str, Any] | None = None, subject: str | None = None) -> None:
        """Record a finding about ``subject`` (default: the subjects so far that ``message`` names)."""
        subjects = (subject,) if subject else tuple(named_subjects(message, self.subjects))
        self.findings.append(Finding(message=message, subjects=subjects, origin=dict(origin or {})))

    def check(self, ok: bool, evidence: str, failure: str | None = None, origin: dict[str, Any] | None = None,
              subject: str | None = None) -> bool:
        """Record one fact; when it is not ``ok`` record the finding (default message: the evidence itself),
        with where it comes from (template line, or account and API) when ``origin`` is given."""
        where = f" [{location(origin)}]" if origin else ""
        self.evidence.append(("ok: " if ok else "FAIL: ") + evidence + where)
        if not ok:
            self.fail(failure or evidence, origin, subject)
        return ok


__all__ = ["Finding", "Outcome", "location"]
