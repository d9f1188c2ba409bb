"""A small valid catalogue, as text, and a writer of such files: the catalogue tests and the controls command's
tests break copies of it one way at a time. Its ids are not the bundled ones: the checks are about any
catalogue."""
from __future__ import annotations

import textwrap
from pathlib import Path

CATALOGUE = """\
controls:
  - id: ABC-01
    title: First
    rationale: why the first
    mappings:
      nist: [CP-9, CP-6(1)]
      backup-audit-manager: [BACKUP_LAST_RECOVERY_POINT_CREATED]
  - id: ABC-02
    title: Second
    rationale: why the second
    mappings:
      nist: [AC-6]
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path
