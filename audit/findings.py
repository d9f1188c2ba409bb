"""A finding: one failed check of a control, as data the reports, waivers, SARIF and evidence read directly.

Until now a failure was a line of text and every reader took it apart again: waivers searched it for the
names of subjects, SARIF looked its location up by the text and cut a "[file:line (LogicalId)]" suffix off.
A ``Finding`` keeps the parts: which subjects it is about, the message, where in a template (or which API
call) the fact comes from, and the text as the reports show it.

Which subjects a finding is about is decided when the check is recorded: the subject the control names
(``Outcome.check(..., subject=...)``), else every subject of the control so far that the message names as a
whole name (``named_subjects``: not inside a longer name, not glued to a letter, digit, ``-``, ``_``, ``.``
or ``/``; when one subject contains another, the longer one is meant). A finding that names none is about
no one resource (a waiver for ``all`` may still cover it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

_NAME_CHAR = re.compile(r"[A-Za-z0-9_./-]")


def named_subjects(text: str, subjects: Iterable[str]) -> list[str]:
    """The subjects a text names as whole names; a subject inside a longer named one is not counted."""
    spans: list[tuple[int, int, str]] = []
    for subject in dict.fromkeys(s for s in subjects if s):
        start = text.find(subject)
        while start != -1:
            end = start + len(subject)
            if (start == 0 or not _NAME_CHAR.match(text[start - 1])) and (end == len(text) or not _NAME_CHAR.match(text[end])):
                spans.append((start, end, subject))
            start = text.find(subject, start + 1)
    return sorted({s for a, b, s in spans if not any(a2 <= a and b <= b2 and (a2, b2) != (a, b) for a2, b2, _ in spans)})


def location(origin: dict[str, Any]) -> str:
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


@dataclass(frozen=True)
class Finding:
    message: str  # what is wrong, without where
    subjects: tuple[str, ...] = ()  # the subjects of the control it is about
    origin: dict[str, Any] = field(default_factory=dict)  # template file/line/logical id, or account/region/api
    waived: bool = False  # a waiver accepted it (the report lists it, SARIF suppresses it)

    @property
    def text(self) -> str:
        """As the reports show it: the message and, when known, where (``... [file:line (LogicalId)]``)."""
        return f"{self.message} [{location(self.origin)}]" if self.origin else self.message

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "message": self.message, "subjects": list(self.subjects), "origin": dict(self.origin),
                **({"waived": True} if self.waived else {})}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Finding":
        """A finding of report.json (one written before findings had a message reads its text as one)."""
        return cls(message=str(data.get("message", data.get("text", ""))), subjects=tuple(data.get("subjects") or ()),
                   origin=dict(data.get("origin") or {}), waived=bool(data.get("waived")))


def waived(finding: Finding) -> Finding:
    return replace(finding, waived=True)
