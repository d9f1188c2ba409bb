"""One check's outcome, and the short message of a validation: names and counts only, never data values
(restored tables and buckets hold personal data; messages go to AWS Backup and to the logs)."""
from __future__ import annotations

from dataclasses import dataclass

MAX_MESSAGE = 1000  # PutRestoreValidationResult's ValidationStatusMessage is kept short


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str = ""

    def line(self) -> str:
        return f"{self.name}: {'ok' if self.passed else 'FAILED'}{' (' + self.detail + ')' if self.detail else ''}"


def summary(checks: list[Check]) -> str:
    """Failed checks first (they matter), then the others, cut to the API's message length."""
    ordered = [c for c in checks if not c.passed] + [c for c in checks if c.passed]
    text = "; ".join(c.line() for c in ordered) or "nothing could be checked"
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."
