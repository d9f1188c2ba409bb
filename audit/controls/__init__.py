"""Control logic: pure functions over a posture snapshot, one module per feature.

Every check returns an ``Outcome``: the subjects it looked at, the facts that decided it (evidence an
auditor can read) and, when it fails, what is wrong and where. A check with no subject fails: absence is
never a pass. Steps (``steps/``) only call these functions; nothing here reads files or calls AWS.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    subjects: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    fix: str = ""
    # (failure, origin) for each failure whose origin is known: the structured "where" behind the
    # "[file:line (LogicalId)]" suffix, for the reports that point at template lines (SARIF)
    located: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.subjects) and not self.failures

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
        """One outcome for a table of checks: every subject, every fact, every failure."""
        merged = cls(fix="; ".join(dict.fromkeys(o.fix for o in outcomes if o.fix)))
        for outcome in outcomes:
            for subject in outcome.subjects:
                merged.subject(subject)
            merged.evidence += outcome.evidence
            merged.failures += outcome.failures
            merged.located += outcome.located
        if any(not o.subjects for o in outcomes):
            merged.failures.append("a row of the table found no subject")
        return merged

    def check(self, ok: bool, evidence: str, failure: str | None = None, origin: dict | None = None) -> bool:
        """Record one fact; when it is not ``ok`` record the failure (default: the evidence itself), with
        where it comes from (template line, or account and API) when ``origin`` is given."""
        where = f" [{location(origin)}]" if origin else ""
        self.evidence.append(("ok: " if ok else "FAIL: ") + evidence + where)
        if not ok:
            self.failures.append((failure or evidence) + where)
            if origin:
                self.located.append((self.failures[-1], dict(origin)))
        return ok


def location(origin: dict) -> str:
    """``cloudformation/backup-account.yaml:141 (SSNBackupVault)`` or ``222222222222 us-west-2 backup:DescribeBackupVault``."""
    if origin.get("file"):
        from pathlib import Path

        path = Path(origin["file"])
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            pass
        return f"{path}:{origin.get('line') or '?'} ({origin.get('logical_id')})"
    return " ".join(str(origin[k]) for k in ("account_id", "region", "api") if origin.get(k))
